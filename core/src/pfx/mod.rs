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
mod crypto;
mod read;
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

/// One attribute of a SafeBag, kept as found: its OID and the DER of each value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// The attribute type, e.g. 1.2.840.113549.1.9.20 (friendlyName).
    pub oid: ObjectIdentifier,
    /// Each value of the attribute's SET, as DER.
    pub values: Vec<Vec<u8>>,
}

impl Attribute {
    /// The attribute's DER encoding (`SEQUENCE { oid, SET OF value }`).
    pub fn to_der(&self) -> Vec<u8> {
        yasna::construct_der(|w| asn1::write_attribute(w, self))
    }

    /// A short name for well-known attributes (`friendlyName`, `localKeyID`,
    /// `MS-CSP-Name`, `MS-Local-Key-Set`), else the dotted OID.
    pub fn name(&self) -> String {
        let arcs = self.oid.components().as_slice();
        match arcs {
            [1, 2, 840, 113549, 1, 9, 20] => "friendlyName".into(),
            [1, 2, 840, 113549, 1, 9, 21] => "localKeyID".into(),
            [1, 3, 6, 1, 4, 1, 311, 17, 1] => "MS-CSP-Name".into(),
            [1, 3, 6, 1, 4, 1, 311, 17, 2] => "MS-Local-Key-Set".into(),
            _ => self.oid.to_string(),
        }
    }

    /// A friendlyName attribute holding `name` as a BMPString.
    pub fn friendly_name(name: &str) -> Attribute {
        Attribute {
            oid: ObjectIdentifier::from_slice(asn1::oid::FRIENDLY_NAME),
            values: vec![yasna::construct_der(|w| w.write_bmp_string(name))],
        }
    }

    /// A localKeyID attribute holding `id` as an OCTET STRING.
    pub fn local_key_id(id: &[u8]) -> Attribute {
        Attribute {
            oid: ObjectIdentifier::from_slice(asn1::oid::LOCAL_KEY_ID),
            values: vec![yasna::construct_der(|w| w.write_bytes(id))],
        }
    }
}

/// What a SafeBag holds.
#[derive(Clone)]
pub enum BagValue {
    /// A private key (keyBag, or pkcs8ShroudedKeyBag decrypted).
    Key {
        /// The PKCS#8 PrivateKeyInfo DER, exactly as it was inside the bag.
        pkcs8: Zeroizing<Vec<u8>>,
        /// Whether the key was in a pkcs8ShroudedKeyBag (encrypted on its own).
        shrouded: bool,
    },
    /// A certBag.
    Certificate {
        /// certId, e.g. x509Certificate (1.2.840.113549.1.9.22.1).
        cert_type: ObjectIdentifier,
        /// The DER of certValue (for X.509: an OCTET STRING holding the certificate).
        value: Vec<u8>,
    },
    /// A crlBag.
    Crl {
        /// crlId.
        crl_type: ObjectIdentifier,
        /// The DER of crlValue.
        value: Vec<u8>,
    },
    /// A secretBag: the whole SecretBag DER.
    Secret(Zeroizing<Vec<u8>>),
    /// A safeContentsBag: nested bags.
    SafeContents(Vec<SafeBag>),
    /// A bag of a type certtool does not know: kept as its value's DER.
    Other {
        /// bagId.
        bag_type: ObjectIdentifier,
        /// The DER of bagValue.
        value: Vec<u8>,
    },
}

impl BagValue {
    /// A word for reports: `key`, `certificate`, `crl`, `secret`, `safe-contents`, `other`.
    pub fn kind(&self) -> &'static str {
        match self {
            BagValue::Key { .. } => "key",
            BagValue::Certificate { .. } => "certificate",
            BagValue::Crl { .. } => "crl",
            BagValue::Secret(_) => "secret",
            BagValue::SafeContents(_) => "safe-contents",
            BagValue::Other { .. } => "other",
        }
    }

    /// For an X.509 certificate bag: the certificate's DER.
    pub fn x509_der(&self) -> Option<Vec<u8>> {
        match self {
            BagValue::Certificate { cert_type, value }
                if asn1::is(cert_type, asn1::oid::X509_CERTIFICATE) =>
            {
                asn1::octet_string(value).ok()
            }
            _ => None,
        }
    }
}

impl std::fmt::Debug for BagValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BagValue::Key { pkcs8, shrouded } => f
                .debug_struct("Key")
                .field("pkcs8_len", &pkcs8.len())
                .field("shrouded", shrouded)
                .finish(),
            BagValue::Secret(v) => f.debug_struct("Secret").field("len", &v.len()).finish(),
            BagValue::Certificate { cert_type, value } => f
                .debug_struct("Certificate")
                .field("cert_type", &cert_type.to_string())
                .field("len", &value.len())
                .finish(),
            BagValue::Crl { crl_type, value } => f
                .debug_struct("Crl")
                .field("crl_type", &crl_type.to_string())
                .field("len", &value.len())
                .finish(),
            BagValue::SafeContents(bags) => f.debug_tuple("SafeContents").field(bags).finish(),
            BagValue::Other { bag_type, value } => f
                .debug_struct("Other")
                .field("bag_type", &bag_type.to_string())
                .field("len", &value.len())
                .finish(),
        }
    }
}

/// One SafeBag: its value and its attributes in file order.
#[derive(Debug, Clone)]
pub struct SafeBag {
    /// What the bag holds.
    pub value: BagValue,
    /// bagAttributes, each byte for byte as found (DER).
    pub attributes: Vec<Attribute>,
}

impl SafeBag {
    /// The first value of the attribute `arcs` decoded by `decode`.
    fn attribute<T>(&self, arcs: &[u64], decode: impl Fn(&[u8]) -> Option<T>) -> Option<T> {
        self.attributes
            .iter()
            .find(|a| asn1::is(&a.oid, arcs))
            .and_then(|a| a.values.first())
            .and_then(|v| decode(v))
    }

    /// The friendlyName attribute, if any (without the NUL terminator Windows adds).
    pub fn friendly_name(&self) -> Option<String> {
        self.attribute(asn1::oid::FRIENDLY_NAME, |v| {
            let name = yasna::parse_der(v, |r| r.read_bmp_string()).ok()?;
            Some(name.trim_end_matches('\0').to_owned())
        })
    }

    /// The localKeyID attribute, if any.
    pub fn local_key_id(&self) -> Option<Vec<u8>> {
        self.attribute(asn1::oid::LOCAL_KEY_ID, |v| asn1::octet_string(v).ok())
    }

    /// The attributes' DER encodings, sorted (a SET has no order, DER sorts it).
    pub fn attributes_der_sorted(&self) -> Vec<Vec<u8>> {
        let mut all: Vec<Vec<u8>> = self.attributes.iter().map(Attribute::to_der).collect();
        all.sort();
        all
    }
}

/// One container of the AuthenticatedSafe: plain Data or EncryptedData, with its bags.
#[derive(Debug, Clone)]
pub struct Container {
    /// Whether the container was (or is to be) an EncryptedData.
    pub encrypted: bool,
    /// Its SafeBags, in order.
    pub bags: Vec<SafeBag>,
}

/// The bag-level contents of a PFX, independent of its protection.
#[derive(Debug, Clone, Default)]
pub struct Pfx {
    /// The AuthenticatedSafe's containers, in order.
    pub containers: Vec<Container>,
}

impl Pfx {
    /// Every bag, depth first, nested safeContents bags included, in file order.
    pub fn all_bags(&self) -> Vec<&SafeBag> {
        fn walk<'a>(bags: &'a [SafeBag], out: &mut Vec<&'a SafeBag>) {
            for b in bags {
                out.push(b);
                if let BagValue::SafeContents(inner) = &b.value {
                    walk(inner, out);
                }
            }
        }
        let mut out = Vec::new();
        for c in &self.containers {
            walk(&c.bags, &mut out);
        }
        out
    }
}

/// A PFX opened with its password: its bags and how it was protected.
#[derive(Debug)]
pub struct Opened {
    /// The bags.
    pub pfx: Pfx,
    /// How the file was protected, and which password form opened it.
    pub protection: Protection,
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
    if profile == Profile::None {
        return Err(Error::InvalidArgument(
            "profile none is written by strip-pfx only".into(),
        ));
    }
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
