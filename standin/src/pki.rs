//! The stand-in's own throwaway PKI: a CA made at start and a TLS server certificate for
//! `127.0.0.1` and `localhost` signed by it.
//!
//! This is test infrastructure, not certtool's certificate code: it uses the `openssl`
//! crate directly and P-256 keys, which are quick to generate on every start.

use openssl::asn1::Asn1Time;
use openssl::bn::{BigNum, MsbOption};
use openssl::ec::{EcGroup, EcKey};
use openssl::error::ErrorStack;
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::x509::extension::{
    BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName, SubjectKeyIdentifier,
};
use openssl::x509::{X509Name, X509};

/// A certificate authority made for one run of the stand-in.
pub struct ThrowawayCa {
    /// The CA's self-signed certificate.
    pub certificate: X509,
    key: PKey<Private>,
}

/// A TLS server identity: a leaf certificate, its key, and the CA that signed it.
pub struct ServerIdentity {
    /// The leaf certificate, valid for `127.0.0.1`, `::1` and `localhost`.
    pub certificate: X509,
    /// The leaf's private key.
    pub key: PKey<Private>,
    /// The issuing CA's certificate (sent as the chain).
    pub ca_certificate: X509,
}

fn new_key() -> Result<PKey<Private>, ErrorStack> {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1)?;
    PKey::from_ec_key(EcKey::generate(&group)?)
}

fn random_serial() -> Result<openssl::asn1::Asn1Integer, ErrorStack> {
    let mut serial = BigNum::new()?;
    serial.rand(127, MsbOption::MAYBE_ZERO, false)?;
    serial.to_asn1_integer()
}

fn name(common_name: &str) -> Result<X509Name, ErrorStack> {
    let mut name = X509Name::builder()?;
    name.append_entry_by_nid(Nid::ORGANIZATIONNAME, "certtool azure-standin")?;
    name.append_entry_by_nid(Nid::COMMONNAME, common_name)?;
    Ok(name.build())
}

impl ThrowawayCa {
    /// Makes a new self-signed CA named `common_name`, valid from one day ago for 30 days.
    pub fn generate(common_name: &str) -> Result<Self, ErrorStack> {
        let key = new_key()?;
        let subject = name(common_name)?;
        let mut builder = X509::builder()?;
        builder.set_version(2)?;
        builder.set_serial_number(&*random_serial()?)?;
        builder.set_subject_name(&subject)?;
        builder.set_issuer_name(&subject)?;
        builder.set_pubkey(&key)?;
        builder.set_not_before(&*yesterday()?)?;
        builder.set_not_after(&*Asn1Time::days_from_now(30)?)?;
        builder.append_extension(BasicConstraints::new().critical().ca().build()?)?;
        builder.append_extension(
            KeyUsage::new()
                .critical()
                .key_cert_sign()
                .crl_sign()
                .build()?,
        )?;
        let ski = SubjectKeyIdentifier::new().build(&builder.x509v3_context(None, None))?;
        builder.append_extension(ski)?;
        builder.sign(&key, MessageDigest::sha256())?;
        Ok(ThrowawayCa {
            certificate: builder.build(),
            key,
        })
    }

    /// A CA given as PEM: its certificate and its private key.
    pub fn from_pem(certificate_pem: &[u8], key_pem: &[u8]) -> Result<Self, ErrorStack> {
        Ok(ThrowawayCa {
            certificate: X509::from_pem(certificate_pem)?,
            key: PKey::private_key_from_pem(key_pem)?,
        })
    }

    /// Whether the private key belongs to the certificate.
    pub fn key_matches(&self) -> bool {
        self.certificate
            .public_key()
            .is_ok_and(|public| public.public_eq(&self.key))
    }

    /// The CA certificate as PEM, what a client passes as its trusted CA file.
    pub fn certificate_pem(&self) -> Result<Vec<u8>, ErrorStack> {
        self.certificate.to_pem()
    }

    /// Issues a server certificate for `127.0.0.1`, `::1` and `localhost`.
    pub fn issue_server_identity(&self) -> Result<ServerIdentity, ErrorStack> {
        let key = new_key()?;
        let mut builder = X509::builder()?;
        builder.set_version(2)?;
        builder.set_serial_number(&*random_serial()?)?;
        builder.set_subject_name(&*name("localhost")?)?;
        builder.set_issuer_name(self.certificate.subject_name())?;
        builder.set_pubkey(&key)?;
        builder.set_not_before(&*yesterday()?)?;
        builder.set_not_after(&*Asn1Time::days_from_now(30)?)?;
        builder.append_extension(BasicConstraints::new().build()?)?;
        builder.append_extension(
            KeyUsage::new()
                .critical()
                .digital_signature()
                .key_agreement()
                .build()?,
        )?;
        builder.append_extension(ExtendedKeyUsage::new().server_auth().build()?)?;
        let san = SubjectAlternativeName::new()
            .ip("127.0.0.1")
            .ip("::1")
            .dns("localhost")
            .build(&builder.x509v3_context(Some(&self.certificate), None))?;
        builder.append_extension(san)?;
        builder.sign(&self.key, MessageDigest::sha256())?;
        Ok(ServerIdentity {
            certificate: builder.build(),
            key,
            ca_certificate: self.certificate.clone(),
        })
    }
}

/// Backdating by a day keeps the certificates valid for clients whose clock runs behind.
fn yesterday() -> Result<Asn1Time, ErrorStack> {
    Asn1Time::from_unix(time::OffsetDateTime::now_utc().unix_timestamp() - 86_400)
}
