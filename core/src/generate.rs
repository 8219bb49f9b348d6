//! Self-signed certificates for ASM management certificates and Entra ID app credentials.
//!
//! `rcgen` assembles the certificate (built without its own crypto backend) and an
//! OpenSSL key signs it through rcgen's [`SigningKey`]/[`PublicKeyData`] traits, so the
//! project keeps one crypto stack. Without its crypto feature rcgen needs the serial
//! number and the subject key identifier supplied: both are computed here with OpenSSL.

use openssl::hash::{hash, MessageDigest};
use openssl::pkey::{PKey, Private};
use openssl::sign::Signer;
use openssl::x509::X509;
use rcgen::{
    CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, KeyIdMethod,
    KeyUsagePurpose, PublicKeyData, SerialNumber, SignatureAlgorithm, SigningKey,
};
use time::{Duration, OffsetDateTime};

use crate::error::{Error, Result};

/// How far `not_before` is set before "now", so a verifier whose clock runs a little
/// behind still accepts a certificate made a moment ago.
pub const BACKDATE: Duration = Duration::minutes(5);

/// When the certificate stops being valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validity {
    /// This many days after "now".
    Days(u32),
    /// At this instant.
    NotAfter(OffsetDateTime),
}

/// What to put in a new self-signed certificate.
#[derive(Debug, Clone)]
pub struct CertificateRequest {
    /// The subject (and issuer) common name, e.g. `Octopus Deploy - Production`.
    pub common_name: String,
    /// How long the certificate lives.
    pub validity: Validity,
    /// "Now": injected so that tests are deterministic.
    pub now: OffsetDateTime,
    /// The serial number: 16 bytes, see [`random_serial`].
    pub serial: [u8; 16],
}

/// 16 random bytes from OpenSSL with the top bit cleared, so the DER INTEGER is positive
/// and at most 16 bytes long.
pub fn random_serial() -> Result<[u8; 16]> {
    let mut serial = [0u8; 16];
    openssl::rand::rand_bytes(&mut serial).map_err(Error::crypto("drawing a serial number"))?;
    serial[0] &= 0x7f;
    if serial[0] == 0 {
        // Keep the full 16 bytes of entropy visible and the encoding canonical.
        serial[0] = 0x01;
    }
    Ok(serial)
}

/// An OpenSSL RSA key seen through rcgen's signing traits (RSA PKCS#1 v1.5 with SHA-256).
struct OpenSslSigner<'a> {
    key: &'a PKey<Private>,
    /// The RSAPublicKey (PKCS#1) DER: what goes into the SubjectPublicKeyInfo bit string.
    public_pkcs1: Vec<u8>,
}

impl<'a> OpenSslSigner<'a> {
    fn new(key: &'a PKey<Private>) -> Result<Self> {
        let rsa = key.rsa().map_err(|_| {
            Error::InvalidArgument("only RSA keys can make management certificates".into())
        })?;
        let public_pkcs1 = rsa
            .public_key_to_der_pkcs1()
            .map_err(Error::crypto("encoding the public key"))?;
        Ok(OpenSslSigner { key, public_pkcs1 })
    }
}

impl PublicKeyData for OpenSslSigner<'_> {
    fn der_bytes(&self) -> &[u8] {
        &self.public_pkcs1
    }

    fn algorithm(&self) -> &'static SignatureAlgorithm {
        &rcgen::PKCS_RSA_SHA256
    }
}

impl SigningKey for OpenSslSigner<'_> {
    fn sign(&self, msg: &[u8]) -> std::result::Result<Vec<u8>, rcgen::Error> {
        let mut signer = Signer::new(MessageDigest::sha256(), self.key)
            .map_err(|_| rcgen::Error::RemoteKeyError)?;
        signer
            .sign_oneshot_to_vec(msg)
            .map_err(|_| rcgen::Error::RemoteKeyError)
    }
}

/// Makes a self-signed X.509 v3 certificate for `key`: SHA-256 with RSA, `CN=<name>` as
/// subject and issuer, key usage digitalSignature + keyEncipherment, EKU clientAuth,
/// basicConstraints CA:FALSE and a subject key identifier (SHA-1 of the public key, RFC
/// 5280 §4.2.1.2 method 1). `not_before` is [`BACKDATE`] before `request.now`.
pub fn self_signed(key: &PKey<Private>, request: &CertificateRequest) -> Result<X509> {
    let name = request.common_name.trim();
    if name.is_empty() {
        return Err(Error::InvalidArgument(
            "the certificate name (--name) is empty".into(),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(Error::InvalidArgument(
            "the certificate name (--name) contains control characters".into(),
        ));
    }
    let not_before = request.now - BACKDATE;
    let not_after = match request.validity {
        Validity::Days(0) => {
            return Err(Error::InvalidArgument("--days must be at least 1".into()));
        }
        Validity::Days(days) => request.now + Duration::days(days.into()),
        Validity::NotAfter(when) => when,
    };
    if not_after <= request.now {
        return Err(Error::InvalidArgument(format!(
            "the expiry date {} is not in the future",
            crate::x509::rfc3339(not_after)
        )));
    }

    let signer = OpenSslSigner::new(key)?;
    let ski = hash(MessageDigest::sha1(), signer.der_bytes())
        .map_err(Error::crypto("hashing the public key"))?
        .to_vec();

    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, name);
    params.distinguished_name = dn;
    params.serial_number = Some(SerialNumber::from_slice(&request.serial));
    params.not_before = not_before;
    params.not_after = not_after;
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    params.key_identifier_method = KeyIdMethod::PreSpecified(ski);

    let cert = params
        .self_signed(&signer)
        .map_err(|e| Error::Certificate(e.to_string()))?;
    X509::from_der(cert.der()).map_err(Error::crypto("re-reading the new certificate"))
}

/// A file name stem made from a certificate name: letters, digits, `-`, `_`, `.` and
/// spaces kept (spaces become `-`), everything else dropped; never empty, never hidden.
pub fn safe_file_stem(name: &str) -> String {
    let mut stem = String::new();
    for c in name.trim().chars() {
        if c.is_alphanumeric() || c == '-' || c == '_' || c == '.' {
            stem.push(c);
        } else if c.is_whitespace() && !stem.ends_with('-') {
            stem.push('-');
        }
    }
    let mut stem = stem.trim_matches(|c| c == '.' || c == '-').to_string();
    // Collapse runs such as "a---b" that the rules above can create around dropped characters.
    while stem.contains("--") {
        stem = stem.replace("--", "-");
    }
    if stem.is_empty() {
        "certificate".to_string()
    } else {
        stem
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::generate_rsa;
    use time::macros::datetime;

    #[test]
    fn file_stems_are_safe() {
        assert_eq!(
            safe_file_stem("Octopus Deploy - Production"),
            "Octopus-Deploy-Production"
        );
        assert_eq!(safe_file_stem("../../etc/passwd"), "etcpasswd");
        assert_eq!(safe_file_stem("  "), "certificate");
        assert_eq!(safe_file_stem(".hidden"), "hidden");
        assert_eq!(safe_file_stem("Prod/EU: west*"), "ProdEU-west");
        assert_eq!(safe_file_stem("Zürich été"), "Zürich-été");
    }

    #[test]
    fn serials_are_positive_and_vary() {
        let a = random_serial().unwrap();
        let b = random_serial().unwrap();
        assert!(a[0] & 0x80 == 0 && a[0] != 0);
        assert_ne!(a, b);
    }

    #[test]
    fn certificate_has_what_azure_needs() {
        let key = generate_rsa(2048, false).unwrap();
        let now = datetime!(2026-01-01 12:00 UTC);
        let req = CertificateRequest {
            common_name: "Octopus Deploy - Test".into(),
            validity: Validity::Days(30),
            now,
            serial: [0x11; 16],
        };
        let cert = self_signed(&key, &req).unwrap();
        assert!(crate::keys::key_matches(&key, &cert));
        assert!(cert.verify(&key).unwrap(), "self-signature verifies");
        let text = String::from_utf8(cert.to_text().unwrap()).unwrap();
        assert!(text.contains("Subject: CN=Octopus Deploy - Test"), "{text}");
        assert!(text.contains("Issuer: CN=Octopus Deploy - Test"));
        assert!(text.contains("sha256WithRSAEncryption"));
        assert!(text.contains("TLS Web Client Authentication"));
        assert!(text.contains("Digital Signature, Key Encipherment"));
        assert!(text.contains("Subject Key Identifier"));
        assert!(
            text.contains("Not Before: Jan  1 11:55:00 2026 GMT"),
            "{text}"
        );
        assert!(
            text.contains("Not After : Jan 31 12:00:00 2026 GMT"),
            "{text}"
        );
        assert!(text.contains("11:11:11:11"));
    }

    #[test]
    fn rejects_bad_requests() {
        let key = generate_rsa(2048, false).unwrap();
        let now = datetime!(2026-01-01 12:00 UTC);
        let mut req = CertificateRequest {
            common_name: " ".into(),
            validity: Validity::Days(30),
            now,
            serial: [1; 16],
        };
        assert!(self_signed(&key, &req).is_err());
        req.common_name = "ok".into();
        req.validity = Validity::NotAfter(datetime!(2025-01-01 0:00 UTC));
        assert!(matches!(
            self_signed(&key, &req),
            Err(Error::InvalidArgument(_))
        ));
        req.validity = Validity::Days(0);
        assert!(self_signed(&key, &req).is_err());
    }
}
