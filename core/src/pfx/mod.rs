//! PKCS#12 (PFX) files: one entry point to read any PFX users hold, and one to write a
//! new one in a named [`Profile`].
//!
//! Every command reads PFX files through [`read`]; nothing else in certtool parses
//! PKCS#12. This first version stands on OpenSSL's own PKCS#12 code (with OpenSSL's
//! legacy provider loaded for RC2 files where it is installed); the bag-level engine
//! that keeps every attribute replaces it behind the same functions.

use openssl::nid::Nid;
use openssl::pkcs12::Pkcs12;
use openssl::pkey::{PKey, Private};
use openssl::stack::Stack;
use openssl::x509::X509;
use serde::Serialize;
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::secret::Secret;

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

/// How a PFX that was read is protected.
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
    /// What is protected: `key` or `certificates` (or `other`).
    pub protects: String,
    /// Algorithm name, e.g. `pbeWithSHAAnd40BitRC2-CBC` or `PBES2 AES-256-CBC PBKDF2-HMAC-SHA256`.
    pub algorithm: String,
    /// Key-derivation iteration count.
    pub iterations: u64,
}

/// The password that opened a PFX.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum PasswordForm {
    /// A non-empty password supplied by the user.
    Given,
    /// The empty password, in RFC 7292 form (BMPString terminator `00 00`).
    EmptyBmp,
    /// The empty password as a zero-length byte string (Windows legacy exports).
    EmptyNull,
}

/// What a PFX holds.
#[derive(Debug)]
pub struct PfxContents {
    /// Private keys, in file order.
    pub keys: Vec<PfxKey>,
    /// Certificates, in file order.
    pub certificates: Vec<PfxCertificate>,
    /// How the file was protected, where known.
    pub protection: Option<Protection>,
}

fn legacy_provider() {
    use std::sync::OnceLock;
    static LEGACY: OnceLock<Option<openssl::provider::Provider>> = OnceLock::new();
    LEGACY.get_or_init(|| openssl::provider::Provider::try_load(None, "legacy", true).ok());
}

/// True when the bytes could be a PFX (a DER SEQUENCE that is not a bare certificate).
pub fn looks_like_pfx(data: &[u8]) -> bool {
    data.first() == Some(&0x30) && Pkcs12::from_der(data).is_ok()
}

/// Reads a PFX. With `password` `None` the empty password is tried in both of its forms;
/// a wrong password is [`Error::WrongPassword`], a damaged file [`Error::Malformed`].
pub fn read(data: &[u8], password: Option<&Secret>, input: &str) -> Result<PfxContents> {
    legacy_provider();
    if data.is_empty() {
        return Err(Error::malformed(input, "the file is empty"));
    }
    let p12 = Pkcs12::from_der(data)
        .map_err(|_| Error::malformed(input, "not a PKCS#12 (PFX) file, or truncated"))?;
    let pass = password.map(Secret::expose).unwrap_or("");
    let parsed = p12.parse2(pass).map_err(|e| {
        let text = e.to_string();
        if text.contains("mac verify failure") || text.contains("mac_verify") {
            Error::WrongPassword {
                input: input.into(),
                detail: if pass.is_empty() {
                    "the file is protected by a password (the MAC check with the empty password failed)".into()
                } else {
                    "wrong password: the MAC check failed".into()
                },
            }
        } else if text.contains("unsupported") {
            Error::malformed(input, format!("uses an algorithm this OpenSSL cannot decrypt ({text})"))
        } else {
            Error::WrongPassword {
                input: input.into(),
                detail: format!("a bag could not be decrypted ({text})"),
            }
        }
    })?;
    let mut keys = Vec::new();
    if let Some(key) = parsed.pkey {
        keys.push(PfxKey {
            key,
            friendly_name: None,
            local_key_id: None,
        });
    }
    let mut certificates = Vec::new();
    let mut push = |cert: &openssl::x509::X509Ref| -> Result<()> {
        certificates.push(PfxCertificate {
            der: cert
                .to_der()
                .map_err(Error::crypto("encoding a certificate"))?,
            friendly_name: cert
                .alias()
                .map(|a| String::from_utf8_lossy(a).into_owned()),
            local_key_id: None,
        });
        Ok(())
    };
    if let Some(cert) = &parsed.cert {
        push(cert)?;
    }
    if let Some(ca) = &parsed.ca {
        for cert in ca {
            push(cert)?;
        }
    }
    Ok(PfxContents {
        keys,
        certificates,
        protection: None,
    })
}

/// Writes a new PFX holding `key`, its certificate `cert` and an optional `chain`,
/// protected by `password` (empty: the RFC 7292 empty form) in `profile`.
pub fn build(
    key: &PKey<Private>,
    cert: &X509,
    chain: &[X509],
    friendly_name: Option<&str>,
    password: &Secret,
    profile: Profile,
) -> Result<Zeroizing<Vec<u8>>> {
    let mut builder = Pkcs12::builder();
    builder.pkey(key).cert(cert);
    if let Some(name) = friendly_name {
        builder.name(name);
    }
    if !chain.is_empty() {
        let mut stack = Stack::new().map_err(Error::crypto("building the chain"))?;
        for c in chain {
            stack
                .push(c.clone())
                .map_err(Error::crypto("building the chain"))?;
        }
        builder.ca(stack);
    }
    builder.key_iter(ITERATIONS).mac_iter(ITERATIONS);
    match profile {
        Profile::Compat => {
            builder
                .key_algorithm(Nid::PBE_WITHSHA1AND3_KEY_TRIPLEDES_CBC)
                .cert_algorithm(Nid::PBE_WITHSHA1AND3_KEY_TRIPLEDES_CBC)
                .mac_md(openssl::hash::MessageDigest::sha1());
        }
        Profile::Aes => {
            builder
                .key_algorithm(Nid::AES_256_CBC)
                .cert_algorithm(Nid::AES_256_CBC)
                .mac_md(openssl::hash::MessageDigest::sha256());
        }
        Profile::None => {
            return Err(Error::InvalidArgument(
                "profile none is written by strip-pfx only".into(),
            ))
        }
    }
    let p12 = builder
        .build2(password.expose())
        .map_err(Error::crypto("building the PFX"))?;
    let der = p12.to_der().map_err(Error::crypto("encoding the PFX"))?;
    Ok(Zeroizing::new(der))
}
