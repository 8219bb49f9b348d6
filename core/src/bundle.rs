//! What a credential file holds, whatever its form: a PFX, a PEM with certificates and
//! perhaps a key, or a single DER certificate. Every command that takes a certificate
//! file reads it through [`load`], so they all accept the same inputs.

use openssl::pkey::{PKey, Private};
use openssl::x509::X509;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::keys;
use crate::pfx;
use crate::secret::Secret;

/// The form a credential file came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum InputFormat {
    /// PKCS#12.
    Pfx,
    /// PEM text.
    Pem,
    /// A single DER certificate (`.cer`).
    Der,
}

/// The certificates and key read from one file.
pub struct CredentialBundle {
    /// Where it came from (a path or `stdin`), for messages.
    pub input: String,
    /// The file's form.
    pub format: InputFormat,
    /// Every certificate, in file order.
    pub certificates: Vec<X509>,
    /// The private key, if the file has one (the first, for a PFX with several).
    pub key: Option<PKey<Private>>,
    /// For a PFX: how it is protected, where known.
    pub protection: Option<pfx::Protection>,
    /// For a PFX: the friendlyName of each certificate, in order.
    pub friendly_names: Vec<Option<String>>,
}

impl std::fmt::Debug for CredentialBundle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialBundle")
            .field("input", &self.input)
            .field("format", &self.format)
            .field("certificates", &self.certificates.len())
            .field("has_key", &self.key.is_some())
            .finish_non_exhaustive()
    }
}

impl CredentialBundle {
    /// The index of the leaf certificate: the one whose public key matches the private
    /// key; without a key, the one that issued no other certificate in the file; else the
    /// first. Never blindly the first when the file says otherwise.
    pub fn leaf_index(&self) -> Option<usize> {
        if self.certificates.is_empty() {
            return None;
        }
        if let Some(key) = &self.key {
            if let Some(i) = self
                .certificates
                .iter()
                .position(|c| keys::key_matches(key, c))
            {
                return Some(i);
            }
        }
        // Only a certificate whose issuer name is my subject can be one I issued: index
        // them by issuer name, so a long chain costs one look-up per certificate rather
        // than a comparison with every other one.
        let name = |n: &openssl::x509::X509NameRef| n.to_der().unwrap_or_default();
        let mut by_issuer: std::collections::HashMap<Vec<u8>, Vec<usize>> =
            std::collections::HashMap::new();
        for (j, c) in self.certificates.iter().enumerate() {
            by_issuer.entry(name(c.issuer_name())).or_default().push(j);
        }
        let issued_none = |i: usize| {
            let me = &self.certificates[i];
            let candidates = by_issuer.get(&name(me.subject_name()));
            candidates.into_iter().flatten().all(|&j| {
                // a self-signed certificate "issues" itself only
                j == i || me.issued(&self.certificates[j]) != openssl::x509::X509VerifyResult::OK
            })
        };
        Some(
            (0..self.certificates.len())
                .find(|&i| issued_none(i))
                .unwrap_or(0),
        )
    }

    /// The leaf certificate (see [`leaf_index`](Self::leaf_index)).
    pub fn leaf(&self) -> Result<&X509> {
        self.leaf_index()
            .map(|i| &self.certificates[i])
            .ok_or_else(|| Error::malformed(&self.input, "the file holds no certificate"))
    }

    /// The private key, or an error saying the file has none.
    pub fn require_key(&self) -> Result<&PKey<Private>> {
        self.key.as_ref().ok_or_else(|| Error::MissingKey {
            input: self.input.clone(),
            hint: match self.format {
                InputFormat::Der => {
                    ": a .cer holds only the public certificate; use the PFX".into()
                }
                _ => ": give the PFX, or a PEM holding both the key and the certificate".into(),
            },
        })
    }

    /// The leaf and the key, checked to belong together.
    pub fn leaf_with_key(&self) -> Result<(&X509, &PKey<Private>)> {
        let key = self.require_key()?;
        let leaf = self.leaf()?;
        if !keys::key_matches(key, leaf) {
            return Err(Error::KeyMismatch {
                input: self.input.clone(),
            });
        }
        Ok((leaf, key))
    }

    /// The certificates other than the leaf, in file order.
    pub fn chain(&self) -> Vec<X509> {
        let leaf = self.leaf_index();
        self.certificates
            .iter()
            .enumerate()
            .filter(|(i, _)| Some(*i) != leaf)
            .map(|(_, c)| c.clone())
            .collect()
    }
}

/// Reads a credential file. `password` is used for a PFX or an encrypted PEM key; with
/// `None` a PFX is tried with the empty password (both forms). A wrong or missing password
/// is [`Error::WrongPassword`], so a caller can ask for one and call again.
pub fn load(data: &[u8], password: Option<&Secret>, input: &str) -> Result<CredentialBundle> {
    if data.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::malformed(input, "the file is empty"));
    }
    if keys::looks_like_pem(data) {
        return load_pem(data, password, input);
    }
    if let Ok(cert) = X509::from_der(data) {
        return Ok(CredentialBundle {
            input: input.into(),
            format: InputFormat::Der,
            certificates: vec![cert],
            key: None,
            protection: None,
            friendly_names: vec![None],
        });
    }
    if data.first() != Some(&0x30) {
        return Err(Error::malformed(
            input,
            "not a certificate file: expected a PFX/PKCS#12, PEM or DER certificate",
        ));
    }
    let contents = pfx::read(data, password, input)?;
    let mut certificates = Vec::with_capacity(contents.certificates.len());
    let mut friendly_names = Vec::with_capacity(contents.certificates.len());
    for c in &contents.certificates {
        certificates.push(X509::from_der(&c.der).map_err(|_| {
            Error::malformed(input, "a certificate bag holds no valid X.509 certificate")
        })?);
        friendly_names.push(c.friendly_name.clone());
    }
    Ok(CredentialBundle {
        input: input.into(),
        format: InputFormat::Pfx,
        certificates,
        key: contents.keys.into_iter().next().map(|k| k.key),
        protection: Some(contents.protection),
        friendly_names,
    })
}

fn load_pem(data: &[u8], password: Option<&Secret>, input: &str) -> Result<CredentialBundle> {
    let text = String::from_utf8_lossy(data);
    let has_cert = text.contains("-----BEGIN CERTIFICATE-----");
    let has_key = text.contains("PRIVATE KEY-----");
    if !has_cert && !has_key {
        return Err(Error::malformed(
            input,
            "the PEM holds neither a CERTIFICATE nor a PRIVATE KEY block",
        ));
    }
    let certificates = if has_cert {
        X509::stack_from_pem(data).map_err(|_| {
            Error::malformed(
                input,
                "a CERTIFICATE block is not a valid X.509 certificate",
            )
        })?
    } else {
        Vec::new()
    };
    let key = if has_key {
        Some(keys::load_private_key(data, password, input)?)
    } else {
        None
    };
    if certificates.is_empty() {
        return Err(Error::malformed(
            input,
            "the PEM holds a key but no CERTIFICATE block",
        ));
    }
    let n = certificates.len();
    Ok(CredentialBundle {
        input: input.into(),
        format: InputFormat::Pem,
        certificates,
        key,
        protection: None,
        friendly_names: vec![None; n],
    })
}
