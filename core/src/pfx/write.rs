//! Writing a PFX from its bags in a [`Profile`]: DER, fresh random salts and IVs.

use yasna::models::ObjectIdentifier;
use zeroize::Zeroizing;

use super::bags::{BagValue, Pfx, SafeBag};
use super::crypto::{self, Hash, PasswordBytes};
use super::encode::{self, OutBag, OutContainer, OutMac};
use super::oids;
use super::pbe::{LegacyCipher, Pbe, Pbes2Cipher};
use super::protection::{
    EncryptionInfo, MacInfo, PasswordForm, Profile, Protection, Protects, ITERATIONS,
};
use super::verify::verify_written;
use crate::error::{Error, Result};
use crate::secret::Secret;

/// A fresh encryption for one key or container in `profile` (`None` for profile none).
fn fresh_pbe(profile: Profile) -> Option<Pbe> {
    let iterations = u64::from(ITERATIONS);
    match profile {
        Profile::Compat => Some(Pbe::Legacy {
            cipher: LegacyCipher::TripleDes,
            salt: crypto::random(8),
            iterations,
        }),
        Profile::Aes => Some(Pbe::Pbes2 {
            prf: Hash::Sha256,
            salt: crypto::random(16),
            iterations,
            cipher: Pbes2Cipher::Aes256,
            iv: crypto::random(16),
        }),
        Profile::None => None,
    }
}

struct Writer<'a> {
    profile: Profile,
    password: &'a PasswordBytes,
    encryption: Vec<EncryptionInfo>,
    keys_written: usize,
}

fn encrypt_failed() -> Error {
    Error::SelfCheck("encrypting with OpenSSL failed".into())
}

impl Writer<'_> {
    /// The SafeContents DER for `bags`: keys shrouded (or plain for profile none).
    fn safe_contents(&mut self, bags: &[SafeBag], container: usize) -> Result<Zeroizing<Vec<u8>>> {
        let mut encoded = Vec::with_capacity(bags.len());
        for bag in bags {
            let (bag_type, value): (&[u64], Zeroizing<Vec<u8>>) = match &bag.value {
                BagValue::Key { pkcs8, .. } => match fresh_pbe(self.profile) {
                    None => (oids::KEY_BAG, pkcs8.clone()),
                    Some(pbe) => {
                        self.keys_written += 1;
                        let ct = pbe
                            .encrypt(self.password, pkcs8)
                            .ok_or_else(encrypt_failed)?;
                        self.encryption.push(EncryptionInfo {
                            protects: Protects::Key,
                            algorithm: pbe.name(),
                            iterations: pbe.iterations(),
                            location: format!(
                                "shrouded key bag {} (container {container})",
                                self.keys_written
                            ),
                        });
                        (
                            oids::SHROUDED_KEY_BAG,
                            Zeroizing::new(encode::write_encrypted_key(&pbe.to_der(), &ct)),
                        )
                    }
                },
                BagValue::Certificate { cert_type, value } => (
                    oids::CERT_BAG,
                    Zeroizing::new(typed_value(cert_type, value)),
                ),
                BagValue::Crl { crl_type, value } => {
                    (oids::CRL_BAG, Zeroizing::new(typed_value(crl_type, value)))
                }
                BagValue::Secret(v) => (oids::SECRET_BAG, v.clone()),
                BagValue::SafeContents(inner) => (
                    oids::SAFE_CONTENTS_BAG,
                    self.safe_contents(inner, container)?,
                ),
                BagValue::Other { bag_type, value } => {
                    (bag_type.components(), Zeroizing::new(value.clone()))
                }
            };
            encoded.push(OutBag {
                bag_type: ObjectIdentifier::from_slice(bag_type),
                value,
                attributes: bag.attributes_der(),
            });
        }
        Ok(Zeroizing::new(encode::write_safe_contents(&encoded)))
    }
}

fn typed_value(id: &ObjectIdentifier, value: &[u8]) -> Vec<u8> {
    yasna::construct_der(|w| {
        w.write_sequence(|w| {
            w.next().write_oid(id);
            w.next()
                .write_tagged(yasna::Tag::context(0), |w| w.write_der(value));
        })
    })
}

/// Writes `pfx` in `profile` under `password` (the empty password in its RFC 7292 form,
/// `00 00`, as OpenSSL, Java and Python write it). Containers keep their bags and order;
/// in `compat` and `aes` every container holding anything but keys is an EncryptedData
/// and every key is shrouded; in `none` nothing is encrypted and there is no MAC.
/// Before returning, the output is read back and compared bag by bag with `pfx` (see
/// `verify::verify_written`): a difference is an [`Error::SelfCheck`] and no bytes are
/// returned. Returns the DER and the protection written.
pub fn write(
    pfx: &Pfx,
    profile: Profile,
    password: &Secret,
) -> Result<(Zeroizing<Vec<u8>>, Protection)> {
    if profile == Profile::None && !password.is_empty() {
        return Err(Error::InvalidArgument(
            "profile none writes neither encryption nor MAC, so a new password has nothing to protect; use compat or aes".into(),
        ));
    }
    let pw = PasswordBytes::rfc7292(password.expose());
    let mut writer = Writer {
        profile,
        password: &pw,
        encryption: Vec::new(),
        keys_written: 0,
    };
    let mut out = Vec::with_capacity(pfx.containers.len());
    for (i, c) in pfx.containers.iter().enumerate() {
        let n = i + 1;
        let contents = writer.safe_contents(&c.bags, n)?;
        let only_keys = c
            .bags
            .iter()
            .all(|b| matches!(b.value, BagValue::Key { .. }));
        match fresh_pbe(profile) {
            Some(pbe) if !only_keys => {
                let ciphertext = pbe.encrypt(&pw, &contents).ok_or_else(encrypt_failed)?;
                let protects = if c
                    .bags
                    .iter()
                    .all(|b| matches!(b.value, BagValue::Certificate { .. }))
                {
                    Protects::Certificates
                } else {
                    Protects::Other
                };
                writer.encryption.push(EncryptionInfo {
                    protects,
                    algorithm: pbe.name(),
                    iterations: pbe.iterations(),
                    location: format!("container {n}"),
                });
                out.push(OutContainer::Encrypted {
                    algorithm: pbe.to_der(),
                    ciphertext,
                });
            }
            _ => out.push(OutContainer::Data(contents)),
        }
    }
    let auth_safe = Zeroizing::new(encode::write_auth_safe(&out));
    let mac_hash = match profile {
        Profile::Compat => Some(Hash::Sha1),
        Profile::Aes => Some(Hash::Sha256),
        Profile::None => None,
    };
    let (mac, mac_info) = match mac_hash {
        None => (None, None),
        Some(hash) => {
            let salt = crypto::random(8);
            let iterations = u64::from(ITERATIONS);
            let digest = crypto::mac(hash, &pw, &salt, iterations, &auth_safe);
            (
                Some(OutMac {
                    algorithm: hash.digest_oid(),
                    digest,
                    salt,
                    iterations,
                }),
                Some(MacInfo {
                    algorithm: hash.name().into(),
                    iterations,
                }),
            )
        }
    };
    let der = Zeroizing::new(encode::write_pfx(&auth_safe, mac.as_ref()));
    verify_written(pfx, &der, password, &pw, profile)?;
    let password_form = match (profile, password.is_empty()) {
        (Profile::None, _) => PasswordForm::NotNeeded,
        (_, true) => PasswordForm::EmptyBmp,
        (_, false) => PasswordForm::Given,
    };
    Ok((
        der,
        Protection {
            mac: mac_info,
            encryption: writer.encryption,
            password: password_form,
        },
    ))
}
