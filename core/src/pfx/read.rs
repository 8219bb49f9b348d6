//! Opening a PFX: check the MAC, decrypt every container and shrouded key, keep every bag.

use openssl::pkey::{PKey, Private};

use super::bags::{BagValue, Container, Pfx, SafeBag};
use super::ber::{octet_string, to_der_secret};
use super::crypto::{self, Hash, PasswordBytes};
use super::decode::{self, RawBag, RawContainer};
use super::oids::{self, is_oid};
use super::pbe::{Pbe, PbeError};
use super::protection::{EncryptionInfo, MacInfo, PasswordForm, Protection, Protects};
use crate::error::{Error, Result};
use crate::limits::{self, MAX_COMMAND_ITERATIONS, MAX_ITERATIONS, MAX_SAFE_CONTENTS_NESTING};
use crate::secret::Secret;

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

/// True when the bytes parse as the outer structure of a PFX.
pub fn looks_like_pfx(data: &[u8]) -> bool {
    decode::parse_pfx(data).is_ok()
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
}

impl Opener<'_> {
    /// Charges `cost` (weighted iterations) to the command's budget before it is run.
    fn spend(&mut self, cost: u64, what: &str) -> Result<()> {
        limits::charge_command(cost).map_err(|_| {
            self.malformed(format!(
                "{what}: over the key-derivation budget of {MAX_COMMAND_ITERATIONS} weighted iterations for the whole command; refusing to run them"
            ))
        })
    }

    /// Refuses at once when `cost`, the work a part of the file announces, is more than
    /// what is left of the budget: nothing is run for a file that cannot be opened.
    fn check_ahead(&self, cost: u64, what: &str) -> Result<()> {
        if cost > limits::command_remaining() {
            return Err(self.malformed(format!(
                "{what} asks for {cost} weighted key-derivation iterations, over what is left of the budget of {MAX_COMMAND_ITERATIONS} for the whole command; refusing to run them"
            )));
        }
        Ok(())
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
            self.spend(pbe.cost(), what)?;
            if let Some(plain) = pbe.decrypt(&self.passwords[i].1, ct) {
                if decode::is_sequence(&plain) {
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
        self.check_ahead(
            shrouded_cost(&raw),
            &format!("the shrouded keys of container {container}"),
        )?;
        let mut out = Vec::with_capacity(raw.len());
        for (i, bag) in raw.into_iter().enumerate() {
            let at = format!("bag {} of container {container}", i + 1);
            let input = self.input;
            let bad = |e| Error::malformed(input, format!("{at}: {}", decode::explain(e)));
            let t = &bag.bag_type;
            let value = if is_oid(t, oids::KEY_BAG) {
                if !decode::is_sequence(&bag.value) {
                    return Err(self.malformed(format!("{at}: the keyBag holds no PrivateKeyInfo")));
                }
                BagValue::Key {
                    pkcs8: zeroize::Zeroizing::new(bag.value),
                    shrouded: false,
                }
            } else if is_oid(t, oids::SHROUDED_KEY_BAG) {
                self.shrouded_seen += 1;
                let what = format!(
                    "the shrouded key bag {} of container {container}",
                    self.shrouded_seen
                );
                let (alg, ct) = decode::parse_encrypted_key(&bag.value).map_err(bad)?;
                let pbe = self.pbe(&alg, &what)?;
                let pkcs8 = self.decrypt(&pbe, &ct, &what)?;
                self.encryption.push(EncryptionInfo {
                    protects: Protects::Key,
                    algorithm: pbe.name(),
                    iterations: pbe.iterations(),
                    location: format!(
                        "shrouded key bag {} (container {container})",
                        self.shrouded_seen
                    ),
                });
                // The DER plaintext is kept as is; BER inside would be re-encoded.
                let pkcs8 = to_der_secret(&pkcs8).map_err(bad)?;
                BagValue::Key {
                    pkcs8,
                    shrouded: true,
                }
            } else if is_oid(t, oids::CERT_BAG) {
                let (cert_type, value) = decode::parse_typed_value(&bag.value).map_err(bad)?;
                if is_oid(&cert_type, oids::X509_CERTIFICATE) {
                    octet_string(&value).map_err(|_| {
                        self.malformed(format!(
                            "{at}: the certBag's X.509 value is not an OCTET STRING"
                        ))
                    })?;
                }
                BagValue::Certificate { cert_type, value }
            } else if is_oid(t, oids::CRL_BAG) {
                let (crl_type, value) = decode::parse_typed_value(&bag.value).map_err(bad)?;
                BagValue::Crl { crl_type, value }
            } else if is_oid(t, oids::SECRET_BAG) {
                BagValue::Secret(zeroize::Zeroizing::new(bag.value))
            } else if is_oid(t, oids::SAFE_CONTENTS_BAG) {
                if depth > MAX_SAFE_CONTENTS_NESTING {
                    return Err(
                        self.malformed(format!("{at}: safeContents bags nested too deeply"))
                    );
                }
                let inner = decode::parse_safe_contents(&bag.value).map_err(bad)?;
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

/// The work the shrouded key bags in `raw` announce (one password form each), as far as
/// their parameters parse; bags that do not parse fail later, where they are read.
fn shrouded_cost(raw: &[RawBag]) -> u64 {
    raw.iter()
        .filter(|b| is_oid(&b.bag_type, oids::SHROUDED_KEY_BAG))
        .filter_map(|b| decode::parse_encrypted_key(&b.value).ok())
        .filter_map(|(alg, _)| Pbe::parse(&alg).ok())
        .fold(0u64, |sum, pbe| sum.saturating_add(pbe.cost()))
}

/// The work a whole file announces before any decryption: the MAC (one password form),
/// each encrypted container, and the shrouded keys of the unencrypted ones.
fn visible_cost(raw: &decode::RawPfx) -> u64 {
    let mac = raw.mac.as_ref().map_or(0, |m| {
        Hash::from_digest_oid(&m.algorithm).map_or(0, |h| h.mac_cost(m.iterations))
    });
    let containers = decode::parse_auth_safe(&raw.auth_safe).unwrap_or_default();
    containers.iter().fold(mac, |sum, c| {
        let cost = match c {
            RawContainer::Encrypted { algorithm, .. } => {
                Pbe::parse(algorithm).map_or(0, |pbe| pbe.cost())
            }
            RawContainer::Data(bytes) => {
                decode::parse_safe_contents(bytes).map_or(0, |bags| shrouded_cost(&bags))
            }
            RawContainer::Other(_) => 0,
        };
        sum.saturating_add(cost)
    })
}

/// Opens a PFX at the bag level. With `password` `None` (or empty) the empty password is
/// tried in both of its forms. A wrong password is [`Error::WrongPassword`] saying
/// whether the MAC or which decryption failed; a damaged file is [`Error::Malformed`]
/// saying what and where.
pub fn open(data: &[u8], password: Option<&Secret>, input: &str) -> Result<Opened> {
    open_with(data, candidates(password), input)
}

/// [`open`] for the read-back check of a file just written with `written_with`: the
/// same password forms are tried in the same order, and the keys derived while
/// writing are reused instead of derived again. Every MAC and decryption still runs on
/// the bytes read.
pub(crate) fn open_written(
    data: &[u8],
    password: &Secret,
    written_with: &PasswordBytes,
    input: &str,
) -> Result<Opened> {
    let passwords = candidates(Some(password));
    for (_, pw) in &passwords {
        pw.reuse_keys_of(written_with);
    }
    open_with(data, passwords, input)
}

fn open_with(
    data: &[u8],
    passwords: Vec<(PasswordForm, PasswordBytes)>,
    input: &str,
) -> Result<Opened> {
    if data.is_empty() {
        return Err(Error::malformed(input, "the file is empty"));
    }
    let raw = decode::parse_pfx(data).map_err(|d| Error::malformed(input, d))?;
    let mut opener = Opener {
        input,
        passwords,
        preferred: None,
        encryption: Vec::new(),
        shrouded_seen: 0,
    };
    opener.check_ahead(visible_cost(&raw), "the file")?;
    let mac = match &raw.mac {
        None => None,
        Some(m) => {
            let hash = Hash::from_digest_oid(&m.algorithm).ok_or_else(|| {
                if is_oid(&m.algorithm, oids::PBMAC1) {
                    opener.malformed(
                        "the MAC uses PBMAC1 (RFC 9579), which certtool does not support yet",
                    )
                } else {
                    opener.malformed(format!("the MAC uses an unknown digest {}", m.algorithm))
                }
            })?;
            limits::check_iterations(m.iterations).map_err(|_| {
                opener.malformed(format!(
                    "the MAC's iteration count {} is outside 1..={MAX_ITERATIONS}: refusing to run it",
                    m.iterations
                ))
            })?;
            let mut found = None;
            for i in 0..opener.passwords.len() {
                opener.spend(hash.mac_cost(m.iterations), "the MAC")?;
                let pw = &opener.passwords[i].1;
                if crypto::mac_matches(hash, pw, &m.salt, m.iterations, &raw.auth_safe, &m.digest) {
                    found = Some(i);
                    break;
                }
            }
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
    let raw_containers = decode::parse_auth_safe(&raw.auth_safe)
        .map_err(|e| opener.malformed(format!("the AuthenticatedSafe: {}", decode::explain(e))))?;
    let mut containers = Vec::with_capacity(raw_containers.len());
    for (i, c) in raw_containers.into_iter().enumerate() {
        let n = i + 1;
        // The index of this container's entry in `opener.encryption`, when encrypted.
        let (entry, bytes) = match c {
            RawContainer::Data(bytes) => (None, zeroize::Zeroizing::new(bytes)),
            RawContainer::Encrypted { algorithm, ciphertext } => {
                let what = format!("container {n} (EncryptedData)");
                let pbe = opener.pbe(&algorithm, &what)?;
                let plain = opener.decrypt(&pbe, &ciphertext, &what)?;
                // What it protects is known once its bags are read, below.
                opener.encryption.push(EncryptionInfo {
                    protects: Protects::Other,
                    algorithm: pbe.name(),
                    iterations: pbe.iterations(),
                    location: format!("container {n}"),
                });
                (Some(opener.encryption.len() - 1), plain)
            }
            RawContainer::Other(o) if is_oid(&o, oids::ENVELOPED_DATA) => {
                return Err(opener.malformed(format!(
                    "container {n} is EnvelopedData (public-key privacy mode), which certtool cannot open"
                )))
            }
            RawContainer::Other(o) => {
                return Err(opener.malformed(format!("container {n} has an unknown content type {o}")))
            }
        };
        let raw_bags = decode::parse_safe_contents(&bytes).map_err(|e| {
            opener.malformed(format!(
                "the SafeContents of container {n}: {}",
                decode::explain(e)
            ))
        })?;
        let bags = opener.bags(raw_bags, n, 0)?;
        if let Some(entry) = entry {
            opener.encryption[entry].protects = if bags
                .iter()
                .all(|b| matches!(b.value, BagValue::Certificate { .. }))
                && !bags.is_empty()
            {
                Protects::Certificates
            } else if bags.iter().all(|b| matches!(b.value, BagValue::Key { .. }))
                && !bags.is_empty()
            {
                Protects::Key
            } else {
                Protects::Other
            };
        }
        containers.push(Container {
            encrypted: entry.is_some(),
            bags,
        });
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
