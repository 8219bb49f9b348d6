//! Opening a PFX: check the MAC, decrypt every container and shrouded key, keep every bag.

use openssl::pkey::PKey;

use super::asn1::{self, is, oid, RawBag, RawContainer};
use super::crypto::{self, Hash, PasswordBytes};
use super::pbe::{Pbe, PbeError};
use super::{
    BagValue, Container, EncryptionInfo, MacInfo, Opened, PasswordForm, Pfx, PfxCertificate,
    PfxContents, PfxKey, Protection, SafeBag,
};
use crate::error::{Error, Result};
use crate::secret::Secret;

/// True when the bytes parse as the outer structure of a PFX.
pub fn looks_like_pfx(data: &[u8]) -> bool {
    asn1::parse_pfx(data).is_ok()
}

/// The password forms to try, in order.
fn candidates(password: Option<&Secret>) -> Vec<(PasswordForm, PasswordBytes)> {
    match password {
        Some(p) if !p.is_empty() => {
            let text = p.expose();
            let mut out = vec![(PasswordForm::Given, PasswordBytes::rfc7292(text))];
            if !text.is_ascii() {
                out.push((
                    PasswordForm::GivenWidenedBytes,
                    PasswordBytes::widened_bytes(text),
                ));
            }
            out
        }
        _ => vec![
            (PasswordForm::EmptyBmp, PasswordBytes::rfc7292("")),
            (PasswordForm::EmptyNull, PasswordBytes::null()),
        ],
    }
}

/// Walks a file, decrypting with the password forms in `passwords`, the one that
/// worked last tried first.
struct Opener<'a> {
    input: &'a str,
    passwords: Vec<(PasswordForm, PasswordBytes)>,
    /// Index of the form that opened the MAC or the last decryption.
    preferred: Option<usize>,
    encryption: Vec<EncryptionInfo>,
    shrouded_seen: usize,
    /// Key-derivation iterations run so far for this file.
    spent: u64,
}

impl Opener<'_> {
    /// Charges `n` iterations to the file's budget before they are run.
    fn spend(&mut self, n: u64, what: &str) -> Result<()> {
        if crypto::charge(&mut self.spent, n) {
            Ok(())
        } else {
            Err(self.malformed(format!(
                "{what}: the file asks for more than {} key-derivation iterations in all; refusing to run them",
                crypto::MAX_TOTAL_ITERATIONS
            )))
        }
    }

    fn malformed(&self, detail: impl Into<String>) -> Error {
        Error::malformed(self.input, detail)
    }

    fn pbe(&self, der: &[u8], what: &str) -> Result<Pbe> {
        Pbe::parse(der).map_err(|e| match e {
            PbeError::Unsupported(_) | PbeError::Malformed(_) | PbeError::TooManyIterations(_) => {
                self.malformed(format!("{what}: {e}"))
            }
        })
    }

    /// Decrypts `ct`; the plaintext must be one DER SEQUENCE (a PrivateKeyInfo or a
    /// SafeContents), which tells a right password from a lucky padding byte.
    fn decrypt(&mut self, pbe: &Pbe, ct: &[u8], what: &str) -> Result<zeroize::Zeroizing<Vec<u8>>> {
        let mut order: Vec<usize> = (0..self.passwords.len()).collect();
        if let Some(p) = self.preferred {
            order.retain(|&i| i != p);
            order.insert(0, p);
        }
        for i in order {
            self.spend(pbe.iterations(), what)?;
            if let Some(plain) = pbe.decrypt(&self.passwords[i].1, ct) {
                if asn1::is_sequence(&plain) {
                    self.preferred.get_or_insert(i);
                    return Ok(plain);
                }
            }
        }
        let tried = match self.passwords[0].0 {
            PasswordForm::EmptyBmp => "with the empty password (both encodings)",
            _ => "with the password given",
        };
        Err(Error::WrongPassword {
            input: self.input.into(),
            detail: format!(
                "decrypting {what} ({}) failed {tried}: wrong password",
                pbe.name()
            ),
        })
    }

    fn bags(&mut self, raw: Vec<RawBag>, container: usize, depth: usize) -> Result<Vec<SafeBag>> {
        let mut out = Vec::with_capacity(raw.len());
        for (i, bag) in raw.into_iter().enumerate() {
            let at = format!("bag {} of container {container}", i + 1);
            let input = self.input;
            let bad = |e| Error::malformed(input, format!("{at}: {}", asn1::explain(e)));
            let t = &bag.bag_type;
            let value = if is(t, oid::KEY_BAG) {
                if !asn1::is_sequence(&bag.value) {
                    return Err(self.malformed(format!("{at}: the keyBag holds no PrivateKeyInfo")));
                }
                BagValue::Key {
                    pkcs8: zeroize::Zeroizing::new(bag.value),
                    shrouded: false,
                }
            } else if is(t, oid::SHROUDED_KEY_BAG) {
                self.shrouded_seen += 1;
                let what = format!(
                    "the shrouded key bag {} of container {container}",
                    self.shrouded_seen
                );
                let (alg, ct) = asn1::parse_encrypted_key(&bag.value).map_err(bad)?;
                let pbe = self.pbe(&alg, &what)?;
                let pkcs8 = self.decrypt(&pbe, &ct, &what)?;
                self.encryption.push(EncryptionInfo {
                    protects: "key".into(),
                    algorithm: pbe.name(),
                    iterations: pbe.iterations(),
                    location: format!(
                        "shrouded key bag {} (container {container})",
                        self.shrouded_seen
                    ),
                });
                // The DER plaintext is kept as is; BER inside would be re-encoded.
                let pkcs8 = zeroize::Zeroizing::new(asn1::to_der(&pkcs8).map_err(bad)?);
                BagValue::Key {
                    pkcs8,
                    shrouded: true,
                }
            } else if is(t, oid::CERT_BAG) {
                let (cert_type, value) = asn1::parse_typed_value(&bag.value).map_err(bad)?;
                if is(&cert_type, oid::X509_CERTIFICATE) {
                    asn1::octet_string(&value).map_err(|_| {
                        self.malformed(format!(
                            "{at}: the certBag's X.509 value is not an OCTET STRING"
                        ))
                    })?;
                }
                BagValue::Certificate { cert_type, value }
            } else if is(t, oid::CRL_BAG) {
                let (crl_type, value) = asn1::parse_typed_value(&bag.value).map_err(bad)?;
                BagValue::Crl { crl_type, value }
            } else if is(t, oid::SECRET_BAG) {
                BagValue::Secret(zeroize::Zeroizing::new(bag.value))
            } else if is(t, oid::SAFE_CONTENTS_BAG) {
                if depth > 8 {
                    return Err(
                        self.malformed(format!("{at}: safeContents bags nested too deeply"))
                    );
                }
                let inner = asn1::parse_safe_contents(&bag.value).map_err(bad)?;
                BagValue::SafeContents(self.bags(inner, container, depth + 1)?)
            } else {
                BagValue::Other {
                    bag_type: bag.bag_type,
                    value: bag.value,
                }
            };
            out.push(SafeBag {
                value,
                attributes: bag.attributes,
            });
        }
        Ok(out)
    }
}

/// Opens a PFX at the bag level. With `password` `None` (or empty) the empty password is
/// tried in both of its forms. A wrong password is [`Error::WrongPassword`] saying
/// whether the MAC or which decryption failed; a damaged file is [`Error::Malformed`]
/// saying what and where.
pub fn open(data: &[u8], password: Option<&Secret>, input: &str) -> Result<Opened> {
    if data.is_empty() {
        return Err(Error::malformed(input, "the file is empty"));
    }
    let raw = asn1::parse_pfx(data).map_err(|d| Error::malformed(input, d))?;
    let mut opener = Opener {
        input,
        passwords: candidates(password),
        preferred: None,
        encryption: Vec::new(),
        shrouded_seen: 0,
        spent: 0,
    };
    let mac = match &raw.mac {
        None => None,
        Some(m) => {
            let hash = Hash::from_digest_oid(&m.algorithm).ok_or_else(|| {
                if is(&m.algorithm, oid::PBMAC1) {
                    opener.malformed(
                        "the MAC uses PBMAC1 (RFC 9579), which certtool does not support yet",
                    )
                } else {
                    opener.malformed(format!("the MAC uses an unknown digest {}", m.algorithm))
                }
            })?;
            if m.iterations == 0 || m.iterations > crypto::MAX_ITERATIONS {
                return Err(opener.malformed(format!(
                    "the MAC's iteration count {} is outside 1..={}: refusing to run it",
                    m.iterations,
                    crypto::MAX_ITERATIONS
                )));
            }
            let forms = opener.passwords.len() as u64;
            opener.spend(m.iterations.saturating_mul(forms), "the MAC")?;
            let found = opener.passwords.iter().position(|(_, pw)| {
                crypto::mac_matches(hash, pw, &m.salt, m.iterations, &raw.auth_safe, &m.digest)
            });
            match found {
                Some(i) => opener.preferred = Some(i),
                None => {
                    let detail = match opener.passwords[0].0 {
                        PasswordForm::EmptyBmp => {
                            "the MAC check failed with the empty password (both encodings): the file is protected by a password"
                        }
                        _ => "the MAC check failed: wrong password (or a damaged file)",
                    };
                    return Err(Error::WrongPassword {
                        input: input.into(),
                        detail: detail.into(),
                    });
                }
            }
            Some(MacInfo {
                algorithm: hash.name().into(),
                iterations: m.iterations,
            })
        }
    };
    let raw_containers = asn1::parse_auth_safe(&raw.auth_safe)
        .map_err(|e| opener.malformed(format!("the AuthenticatedSafe: {}", asn1::explain(e))))?;
    let mut containers = Vec::with_capacity(raw_containers.len());
    for (i, c) in raw_containers.into_iter().enumerate() {
        let n = i + 1;
        let (encrypted, bytes) = match c {
            RawContainer::Data(bytes) => (false, zeroize::Zeroizing::new(bytes)),
            RawContainer::Encrypted { algorithm, ciphertext } => {
                let what = format!("container {n} (EncryptedData)");
                let pbe = opener.pbe(&algorithm, &what)?;
                let plain = opener.decrypt(&pbe, &ciphertext, &what)?;
                opener.encryption.push(EncryptionInfo {
                    protects: String::new(),
                    algorithm: pbe.name(),
                    iterations: pbe.iterations(),
                    location: format!("container {n}"),
                });
                (true, plain)
            }
            RawContainer::Other(o) if is(&o, oid::ENVELOPED_DATA) => {
                return Err(opener.malformed(format!(
                    "container {n} is EnvelopedData (public-key privacy mode), which certtool cannot open"
                )))
            }
            RawContainer::Other(o) => {
                return Err(opener.malformed(format!("container {n} has an unknown content type {o}")))
            }
        };
        let raw_bags = asn1::parse_safe_contents(&bytes).map_err(|e| {
            opener.malformed(format!(
                "the SafeContents of container {n}: {}",
                asn1::explain(e)
            ))
        })?;
        let bags = opener.bags(raw_bags, n, 0)?;
        if encrypted {
            let protects = if bags
                .iter()
                .all(|b| matches!(b.value, BagValue::Certificate { .. }))
                && !bags.is_empty()
            {
                "certificates"
            } else if bags.iter().all(|b| matches!(b.value, BagValue::Key { .. }))
                && !bags.is_empty()
            {
                "key"
            } else {
                "other"
            };
            if let Some(info) = opener
                .encryption
                .iter_mut()
                .find(|e| e.location == format!("container {n}"))
            {
                info.protects = protects.into();
            }
        }
        containers.push(Container { encrypted, bags });
    }
    let password = match opener.preferred {
        Some(i) => opener.passwords[i].0,
        None => PasswordForm::NotNeeded,
    };
    Ok(Opened {
        pfx: Pfx { containers },
        protection: Protection {
            mac,
            encryption: opener.encryption,
            password,
        },
    })
}

/// Reads a PFX into its keys and certificates (every bag is kept in
/// [`PfxContents::pfx`]). With `password` `None` the empty password is tried in both of
/// its forms; a wrong password is [`Error::WrongPassword`], a damaged file
/// [`Error::Malformed`].
pub fn read(data: &[u8], password: Option<&Secret>, input: &str) -> Result<PfxContents> {
    let opened = open(data, password, input)?;
    let mut keys = Vec::new();
    let mut certificates = Vec::new();
    for (i, bag) in opened.pfx.all_bags().into_iter().enumerate() {
        match &bag.value {
            BagValue::Key { pkcs8, .. } => {
                let key = PKey::private_key_from_pkcs8(pkcs8).map_err(|_| {
                    Error::malformed(
                        input,
                        format!("bag {}: the private key is not one OpenSSL can read", i + 1),
                    )
                })?;
                keys.push(PfxKey {
                    key,
                    friendly_name: bag.friendly_name(),
                    local_key_id: bag.local_key_id(),
                });
            }
            BagValue::Certificate { .. } => {
                if let Some(der) = bag.value.x509_der() {
                    certificates.push(PfxCertificate {
                        der,
                        friendly_name: bag.friendly_name(),
                        local_key_id: bag.local_key_id(),
                    });
                }
            }
            _ => {}
        }
    }
    Ok(PfxContents {
        keys,
        certificates,
        protection: opened.protection,
        pfx: opened.pfx,
    })
}
