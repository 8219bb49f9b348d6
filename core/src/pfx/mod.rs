//! PKCS#12 (PFX) files: read any PFX users hold, report how it is protected, and write
//! one in a named [`Profile`], at the level of SafeContents and SafeBags.
//!
//! A file is opened into a [`Pfx`]: its containers (the AuthenticatedSafe's ContentInfos)
//! in order, each with its [`SafeBag`]s in order, every bag attribute kept as DER bytes.
//! Writing re-encodes exactly those bags under new protection, so nothing but the
//! protection changes: that is what [`strip`] does, and [`build`] writes a new PFX through
//! the same writer. See `asn1` for the encoding rules and `crypto` for the algorithms and
//! which library implements each.

mod asn1;
mod bags;
mod ber;
mod crypto;
mod encode;
mod pbe;
#[cfg(test)]
mod pbe_tests;
mod read;
#[cfg(test)]
mod roundtrip_tests;
mod strip;
#[cfg(test)]
mod tests;
mod write;

use openssl::pkey::{PKey, Private};
use openssl::x509::X509;
use serde::Serialize;
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::secret::Secret;

pub use bags::{Attribute, BagValue, Container, Pfx, SafeBag};
pub use crypto::MAX_ITERATIONS;
pub use read::{looks_like_pfx, open, read};
pub use strip::{compare, strip, BagSummary, StripOptions, StripOutcome};
pub use write::write;
pub use yasna::models::ObjectIdentifier;

/// Iteration count for key derivation and MAC in every profile certtool writes: what
/// OpenSSL writes, and well under the 10 000 that .NET allows for password-less files.
pub const ITERATIONS: u32 = 2048;

/// How a PFX certtool writes is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// pbeWithSHAAnd3-KeyTripleDES-CBC for keys and certificates, HMAC-SHA1 MAC, 2048
    /// iterations: the form every reader accepts (Windows Server 2016, App Service, .NET).
    Compat,
    /// PBES2 AES-256-CBC with PBKDF2-HMAC-SHA256, HMAC-SHA256 MAC, 2048 iterations.
    Aes,
    /// No encryption and no MAC. Java silently drops keys stored this way.
    None,
}

/// A private key found in a PFX.
pub struct PfxKey {
    /// The key itself.
    pub key: PKey<Private>,
    /// The bag's friendlyName attribute, if any.
    pub friendly_name: Option<String>,
    /// The bag's localKeyID attribute, if any.
    pub local_key_id: Option<Vec<u8>>,
}

impl std::fmt::Debug for PfxKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PfxKey")
            .field("bits", &self.key.bits())
            .field("friendly_name", &self.friendly_name)
            .finish_non_exhaustive()
    }
}

/// A certificate found in a PFX.
#[derive(Debug, Clone)]
pub struct PfxCertificate {
    /// The certificate's DER bytes.
    pub der: Vec<u8>,
    /// The bag's friendlyName attribute, if any.
    pub friendly_name: Option<String>,
    /// The bag's localKeyID attribute, if any.
    pub local_key_id: Option<Vec<u8>>,
}

/// How a PFX that was read (or written) is protected.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Protection {
    /// The integrity MAC, or `None` when the file has none.
    pub mac: Option<MacInfo>,
    /// One entry per encrypted container or shrouded key, in file order.
    pub encryption: Vec<EncryptionInfo>,
    /// Which password opened the file.
    pub password: PasswordForm,
}

/// The MAC of a PFX.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct MacInfo {
    /// Digest name, e.g. `SHA-1`, `SHA-256`.
    pub algorithm: String,
    /// Iteration count (1 when the field is omitted).
    pub iterations: u64,
}

/// The encryption of one part of a PFX.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct EncryptionInfo {
    /// What is protected: `key`, `certificates` or `other`.
    pub protects: String,
    /// Algorithm name, e.g. `pbeWithSHAAnd40BitRC2-CBC` or `PBES2 AES-256-CBC PBKDF2-HMAC-SHA-256`.
    pub algorithm: String,
    /// Key-derivation iteration count.
    pub iterations: u64,
    /// Where in the file, e.g. `container 1` or `shrouded key bag 1 (container 2)`.
    pub location: String,
}

/// The password that opened a PFX.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum PasswordForm {
    /// A non-empty password supplied by the user.
    Given,
    /// A non-empty, non-ASCII password with each UTF-8 byte widened to 16 bits, as
    /// OpenSSL before 1.1.0 encoded it.
    GivenWidenedBytes,
    /// The empty password, in RFC 7292 form (BMPString terminator `00 00`).
    EmptyBmp,
    /// The empty password as a zero-length byte string (Windows legacy exports).
    EmptyNull,
    /// Nothing in the file is encrypted or MAC-protected: no password was needed.
    NotNeeded,
}

/// A PFX opened with its password: its bags and how it was protected.
#[derive(Debug)]
pub struct Opened {
    /// The bags.
    pub pfx: Pfx,
    /// How the file was protected, and which password form opened it.
    pub protection: Protection,
}

impl PasswordForm {
    /// Words for reports, e.g. `empty password (RFC 7292 form)`.
    pub fn describe(self) -> &'static str {
        match self {
            PasswordForm::Given => "password",
            PasswordForm::GivenWidenedBytes => "password (pre-1.1.0 OpenSSL byte encoding)",
            PasswordForm::EmptyBmp => "empty password (RFC 7292 form)",
            PasswordForm::EmptyNull => "empty password (zero-length form)",
            PasswordForm::NotNeeded => "no password (nothing encrypted, no MAC)",
        }
    }
}

/// What a PFX holds.
#[derive(Debug)]
pub struct PfxContents {
    /// Private keys, in file order.
    pub keys: Vec<PfxKey>,
    /// Certificates, in file order.
    pub certificates: Vec<PfxCertificate>,
    /// How the file was protected.
    pub protection: Protection,
    /// Every bag, as found.
    pub pfx: Pfx,
}

/// Writes a new PFX holding `key`, its certificate `cert` and an optional `chain`,
/// protected by `password` (empty: the RFC 7292 empty form) in `profile`. The key and
/// the leaf certificate carry friendlyName (when given) and localKeyID (the SHA-1 of the
/// certificate), as OpenSSL writes them.
pub fn build(
    key: &PKey<Private>,
    cert: &X509,
    chain: &[X509],
    friendly_name: Option<&str>,
    password: &Secret,
    profile: Profile,
) -> Result<Zeroizing<Vec<u8>>> {
    let cert_der = cert
        .to_der()
        .map_err(Error::crypto("encoding the certificate"))?;
    let key_id = openssl::hash::hash(openssl::hash::MessageDigest::sha1(), &cert_der)
        .map_err(Error::crypto("hashing the certificate"))?;
    let mut attributes = Vec::new();
    if let Some(name) = friendly_name {
        attributes.push(Attribute::friendly_name(name));
    }
    attributes.push(Attribute::local_key_id(&key_id));
    let mut cert_bags = vec![SafeBag {
        value: x509_bag(&cert_der),
        attributes: attributes.clone(),
    }];
    for c in chain {
        let der = c
            .to_der()
            .map_err(Error::crypto("encoding a chain certificate"))?;
        cert_bags.push(SafeBag {
            value: x509_bag(&der),
            attributes: Vec::new(),
        });
    }
    let pkcs8 = Zeroizing::new(
        key.private_key_to_pkcs8()
            .map_err(Error::crypto("encoding the private key"))?,
    );
    let pfx = Pfx {
        containers: vec![
            Container {
                encrypted: true,
                bags: cert_bags,
            },
            Container {
                encrypted: false,
                bags: vec![SafeBag {
                    value: BagValue::Key {
                        pkcs8,
                        shrouded: true,
                    },
                    attributes,
                }],
            },
        ],
    };
    Ok(write(&pfx, profile, password)?.0)
}

/// A certBag value holding an X.509 certificate.
pub fn x509_bag(cert_der: &[u8]) -> BagValue {
    BagValue::Certificate {
        cert_type: ObjectIdentifier::from_slice(asn1::oid::X509_CERTIFICATE),
        value: yasna::construct_der(|w| w.write_bytes(cert_der)),
    }
}
