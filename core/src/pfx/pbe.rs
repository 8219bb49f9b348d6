//! Password-based encryption of PKCS#12 containers and shrouded keys: the legacy
//! `pbeWithSHAAnd…` schemes (RFC 7292 appendix C) and PBES2 (RFC 8018). See `crypto`
//! for which library implements each primitive and why.

use std::sync::OnceLock;

use openssl::symm::Cipher;
use yasna::models::ObjectIdentifier;
use zeroize::Zeroizing;

use super::ber::{octet_string, parse};
use super::crypto::{Hash, PasswordBytes, Pkcs12Use};
use super::decode;
use super::encode;
use super::oids::{self, is_oid};
use crate::limits::{self, IterationLimit, MAX_ITERATIONS};

/// The legacy PKCS#12 PBE ciphers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LegacyCipher {
    TripleDes,
    TwoKeyTripleDes,
    Rc2_128,
    Rc2_40,
}

/// The PBES2 ciphers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pbes2Cipher {
    Aes128,
    Aes192,
    Aes256,
    DesEde3,
}

/// The CBC ciphers certtool runs through OpenSSL, each fetched from OpenSSL's provider
/// once per process (OpenSSL 3 would otherwise look it up on every use).
fn fetched(cipher: Pbes2Cipher) -> Option<&'static openssl::cipher::CipherRef> {
    static FETCHED: [OnceLock<Option<openssl::cipher::Cipher>>; 4] = [const { OnceLock::new() }; 4];
    let (slot, name) = match cipher {
        Pbes2Cipher::Aes128 => (0, "AES-128-CBC"),
        Pbes2Cipher::Aes192 => (1, "AES-192-CBC"),
        Pbes2Cipher::Aes256 => (2, "AES-256-CBC"),
        Pbes2Cipher::DesEde3 => (3, "DES-EDE3-CBC"),
    };
    FETCHED[slot]
        .get_or_init(|| openssl::cipher::Cipher::fetch(None, name, None).ok())
        .as_deref()
}

impl Pbes2Cipher {
    fn openssl(self) -> Cipher {
        match self {
            Pbes2Cipher::Aes128 => Cipher::aes_128_cbc(),
            Pbes2Cipher::Aes192 => Cipher::aes_192_cbc(),
            Pbes2Cipher::Aes256 => Cipher::aes_256_cbc(),
            Pbes2Cipher::DesEde3 => Cipher::des_ede3_cbc(),
        }
    }
    fn name(self) -> &'static str {
        match self {
            Pbes2Cipher::Aes128 => "AES-128-CBC",
            Pbes2Cipher::Aes192 => "AES-192-CBC",
            Pbes2Cipher::Aes256 => "AES-256-CBC",
            Pbes2Cipher::DesEde3 => "DES-EDE3-CBC",
        }
    }
}

/// A parsed password-based encryption AlgorithmIdentifier.
#[derive(Debug, Clone)]
pub(crate) enum Pbe {
    Legacy {
        cipher: LegacyCipher,
        salt: Vec<u8>,
        iterations: u64,
    },
    Pbes2 {
        prf: Hash,
        salt: Vec<u8>,
        iterations: u64,
        cipher: Pbes2Cipher,
        iv: Vec<u8>,
    },
}

/// Why an AlgorithmIdentifier cannot be used.
#[derive(Debug)]
pub(crate) enum PbeError {
    /// Not an encoding of a known scheme's parameters.
    Malformed(&'static str),
    /// A scheme certtool does not implement (named).
    Unsupported(String),
    /// More iterations than [`MAX_ITERATIONS`].
    TooManyIterations(u64),
}

impl std::fmt::Display for PbeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PbeError::Malformed(what) => write!(f, "invalid encryption parameters ({what})"),
            PbeError::Unsupported(what) => write!(f, "unsupported encryption algorithm {what}"),
            PbeError::TooManyIterations(n) => write!(
                f,
                "iteration count {n} exceeds the limit of {MAX_ITERATIONS}: refusing to run it"
            ),
        }
    }
}

fn check_iterations(n: u64) -> Result<u64, PbeError> {
    limits::check_iterations(n).map_err(|limit| match limit {
        IterationLimit::Zero => PbeError::Malformed("iteration count 0"),
        IterationLimit::TooMany(n) => PbeError::TooManyIterations(n),
    })
}

impl Pbe {
    /// Parses an AlgorithmIdentifier's DER.
    pub fn parse(der: &[u8]) -> Result<Pbe, PbeError> {
        let alg =
            decode::parse_algorithm(der).map_err(|e| PbeError::Malformed(decode::explain(e)))?;
        let legacy = [
            (oids::PBE_SHA1_3DES, LegacyCipher::TripleDes),
            (oids::PBE_SHA1_2DES, LegacyCipher::TwoKeyTripleDes),
            (oids::PBE_SHA1_RC2_128, LegacyCipher::Rc2_128),
            (oids::PBE_SHA1_RC2_40, LegacyCipher::Rc2_40),
        ]
        .into_iter()
        .find(|(arcs, _)| is_oid(&alg.oid, arcs));
        let params = alg.params.as_deref().unwrap_or_default();
        if let Some((_, cipher)) = legacy {
            let (salt, iterations) = parse(params, |r| {
                r.read_sequence(|r| Ok((r.next().read_bytes()?, r.next().read_u64()?)))
            })
            .map_err(|e| PbeError::Malformed(decode::explain(e)))?;
            return Ok(Pbe::Legacy {
                cipher,
                salt,
                iterations: check_iterations(iterations)?,
            });
        }
        if is_oid(&alg.oid, oids::PBE_SHA1_RC4_128) || is_oid(&alg.oid, oids::PBE_SHA1_RC4_40) {
            return Err(PbeError::Unsupported("pbeWithSHAAnd…BitRC4".into()));
        }
        if !is_oid(&alg.oid, oids::PBES2) {
            return Err(PbeError::Unsupported(alg.oid.to_string()));
        }
        let (kdf, scheme) = parse(params, |r| {
            r.read_sequence(|r| {
                let kdf = decode::read_algorithm(r.next())?;
                let scheme = decode::read_algorithm(r.next())?;
                Ok((kdf, scheme))
            })
        })
        .map_err(|e| PbeError::Malformed(decode::explain(e)))?;
        if !is_oid(&kdf.oid, oids::PBKDF2) {
            return Err(PbeError::Unsupported(format!(
                "PBES2 key derivation {}",
                kdf.oid
            )));
        }
        let (salt, iterations, key_len, prf) =
            parse(kdf.params.as_deref().unwrap_or_default(), |r| {
                r.read_sequence(|r| {
                    let salt = r.next().read_bytes()?;
                    let iterations = r.next().read_u64()?;
                    let key_len = r.read_optional(|r| r.read_u64())?;
                    let prf = r.read_optional(decode::read_algorithm)?;
                    Ok((salt, iterations, key_len, prf))
                })
            })
            .map_err(|e| PbeError::Malformed(decode::explain(e)))?;
        let prf = match prf {
            None => Hash::Sha1,
            Some(p) => Hash::from_hmac_oid(&p.oid)
                .ok_or_else(|| PbeError::Unsupported(format!("PBKDF2 PRF {}", p.oid)))?,
        };
        let cipher = [
            (oids::AES128_CBC, Pbes2Cipher::Aes128),
            (oids::AES192_CBC, Pbes2Cipher::Aes192),
            (oids::AES256_CBC, Pbes2Cipher::Aes256),
            (oids::DES_EDE3_CBC, Pbes2Cipher::DesEde3),
        ]
        .into_iter()
        .find(|(arcs, _)| is_oid(&scheme.oid, arcs))
        .map(|(_, c)| c)
        .ok_or_else(|| PbeError::Unsupported(format!("PBES2 cipher {}", scheme.oid)))?;
        if key_len.is_some_and(|n| n != cipher.openssl().key_len() as u64) {
            return Err(PbeError::Malformed(
                "PBKDF2 key length does not fit the cipher",
            ));
        }
        let iv = octet_string(scheme.params.as_deref().unwrap_or_default())
            .map_err(|_| PbeError::Malformed("the cipher's IV"))?;
        if Some(iv.len()) != cipher.openssl().iv_len() {
            return Err(PbeError::Malformed("the cipher's IV has the wrong length"));
        }
        Ok(Pbe::Pbes2 {
            prf,
            salt,
            iterations: check_iterations(iterations)?,
            cipher,
            iv,
        })
    }

    /// A name for reports, e.g. `pbeWithSHAAnd40BitRC2-CBC`.
    pub fn name(&self) -> String {
        match self {
            Pbe::Legacy { cipher, .. } => match cipher {
                LegacyCipher::TripleDes => "pbeWithSHAAnd3-KeyTripleDES-CBC".into(),
                LegacyCipher::TwoKeyTripleDes => "pbeWithSHAAnd2-KeyTripleDES-CBC".into(),
                LegacyCipher::Rc2_128 => "pbeWithSHAAnd128BitRC2-CBC".into(),
                LegacyCipher::Rc2_40 => "pbeWithSHAAnd40BitRC2-CBC".into(),
            },
            Pbe::Pbes2 { prf, cipher, .. } => {
                format!("PBES2 {} PBKDF2-HMAC-{}", cipher.name(), prf.name())
            }
        }
    }

    /// The iteration count.
    pub fn iterations(&self) -> u64 {
        match self {
            Pbe::Legacy { iterations, .. } | Pbe::Pbes2 { iterations, .. } => *iterations,
        }
    }

    /// Runs the schemes OpenSSL does in both directions (3DES, either key length, and
    /// PBES2) in `mode`; `None` for RC2 or when the password does not fit (bad padding).
    fn openssl_crypt(
        &self,
        mode: openssl::symm::Mode,
        password: &PasswordBytes,
        data: &[u8],
    ) -> Option<Zeroizing<Vec<u8>>> {
        match self {
            Pbe::Legacy {
                cipher: cipher @ (LegacyCipher::TripleDes | LegacyCipher::TwoKeyTripleDes),
                salt,
                iterations,
            } => {
                let (key, iv) = legacy_key_iv(*cipher, password, salt, *iterations);
                openssl_crypt(Pbes2Cipher::DesEde3, mode, &key, &iv, data)
            }
            Pbe::Legacy { .. } => None,
            Pbe::Pbes2 {
                prf,
                salt,
                iterations,
                cipher,
                iv,
            } => {
                let key = password.pbkdf2(*prf, salt, *iterations, cipher.openssl().key_len());
                openssl_crypt(*cipher, mode, &key, iv, data)
            }
        }
    }

    /// Decrypts; `None` when the password does not fit (bad padding).
    /// The weighted key-derivation cost of one decryption with one password form, for
    /// the command's budget: the legacy schemes derive a key and an 8-byte IV with the
    /// PKCS#12 KDF (SHA-1), PBES2 a key with PBKDF2.
    pub fn cost(&self) -> u64 {
        match self {
            Pbe::Legacy {
                cipher, iterations, ..
            } => Hash::Sha1
                .derivation_cost(legacy_key_len(*cipher), *iterations)
                .saturating_add(Hash::Sha1.derivation_cost(8, *iterations)),
            Pbe::Pbes2 {
                prf,
                iterations,
                cipher,
                ..
            } => prf.derivation_cost(cipher.openssl().key_len(), *iterations),
        }
    }

    pub fn decrypt(
        &self,
        password: &PasswordBytes,
        ciphertext: &[u8],
    ) -> Option<Zeroizing<Vec<u8>>> {
        match self {
            Pbe::Legacy {
                cipher: cipher @ (LegacyCipher::Rc2_128 | LegacyCipher::Rc2_40),
                salt,
                iterations,
            } => {
                let (key, iv) = legacy_key_iv(*cipher, password, salt, *iterations);
                let bits = if *cipher == LegacyCipher::Rc2_128 {
                    128
                } else {
                    40
                };
                rc2_decrypt(&key, bits, &iv, ciphertext)
            }
            _ => self.openssl_crypt(openssl::symm::Mode::Decrypt, password, ciphertext),
        }
    }

    /// Encrypts (3DES and PBES2 only: certtool never writes RC2 or two-key 3DES).
    pub fn encrypt(&self, password: &PasswordBytes, plaintext: &[u8]) -> Option<Vec<u8>> {
        match self {
            Pbe::Legacy {
                cipher: LegacyCipher::TripleDes,
                ..
            }
            | Pbe::Pbes2 { .. } => self
                .openssl_crypt(openssl::symm::Mode::Encrypt, password, plaintext)
                .map(|out| out.to_vec()),
            Pbe::Legacy { .. } => None,
        }
    }

    /// The AlgorithmIdentifier's DER.
    pub fn to_der(&self) -> Vec<u8> {
        yasna::construct_der(|w| {
            w.write_sequence(|w| match self {
                Pbe::Legacy {
                    cipher,
                    salt,
                    iterations,
                } => {
                    let arcs = match cipher {
                        LegacyCipher::TripleDes => oids::PBE_SHA1_3DES,
                        LegacyCipher::TwoKeyTripleDes => oids::PBE_SHA1_2DES,
                        LegacyCipher::Rc2_128 => oids::PBE_SHA1_RC2_128,
                        LegacyCipher::Rc2_40 => oids::PBE_SHA1_RC2_40,
                    };
                    w.next().write_oid(&ObjectIdentifier::from_slice(arcs));
                    w.next().write_sequence(|w| {
                        w.next().write_bytes(salt);
                        w.next().write_u64(*iterations);
                    });
                }
                Pbe::Pbes2 {
                    prf,
                    salt,
                    iterations,
                    cipher,
                    iv,
                } => {
                    w.next()
                        .write_oid(&ObjectIdentifier::from_slice(oids::PBES2));
                    w.next().write_sequence(|w| {
                        w.next().write_sequence(|w| {
                            w.next()
                                .write_oid(&ObjectIdentifier::from_slice(oids::PBKDF2));
                            w.next().write_sequence(|w| {
                                w.next().write_bytes(salt);
                                w.next().write_u64(*iterations);
                                if *prf != Hash::Sha1 {
                                    let arcs = match prf {
                                        Hash::Sha1 => oids::HMAC_SHA1,
                                        Hash::Sha224 => oids::HMAC_SHA224,
                                        Hash::Sha256 => oids::HMAC_SHA256,
                                        Hash::Sha384 => oids::HMAC_SHA384,
                                        Hash::Sha512 => oids::HMAC_SHA512,
                                    };
                                    encode::write_algorithm_null(w.next(), arcs);
                                }
                            });
                        });
                        w.next().write_sequence(|w| {
                            let arcs = match cipher {
                                Pbes2Cipher::Aes128 => oids::AES128_CBC,
                                Pbes2Cipher::Aes192 => oids::AES192_CBC,
                                Pbes2Cipher::Aes256 => oids::AES256_CBC,
                                Pbes2Cipher::DesEde3 => oids::DES_EDE3_CBC,
                            };
                            w.next().write_oid(&ObjectIdentifier::from_slice(arcs));
                            w.next().write_bytes(iv);
                        });
                    });
                }
            })
        })
    }
}

fn legacy_key_len(cipher: LegacyCipher) -> usize {
    match cipher {
        LegacyCipher::TripleDes => 24,
        LegacyCipher::TwoKeyTripleDes => 16,
        LegacyCipher::Rc2_128 => 16,
        LegacyCipher::Rc2_40 => 5,
    }
}

fn legacy_key_iv(
    cipher: LegacyCipher,
    password: &PasswordBytes,
    salt: &[u8],
    iterations: u64,
) -> (Zeroizing<Vec<u8>>, Zeroizing<Vec<u8>>) {
    let key_len = legacy_key_len(cipher);
    let mut key = password.pkcs12_kdf(Hash::Sha1, Pkcs12Use::Key, salt, iterations, key_len);
    if cipher == LegacyCipher::TwoKeyTripleDes {
        // Two-key 3DES is three-key 3DES with K3 = K1.
        let k1 = key[..8].to_vec();
        key.extend_from_slice(&k1);
    }
    let iv = password.pkcs12_kdf(Hash::Sha1, Pkcs12Use::Iv, salt, iterations, 8);
    (key, iv)
}

fn openssl_crypt(
    cipher: Pbes2Cipher,
    mode: openssl::symm::Mode,
    key: &[u8],
    iv: &[u8],
    data: &[u8],
) -> Option<Zeroizing<Vec<u8>>> {
    let cipher = fetched(cipher)?;
    let mut c = openssl::cipher_ctx::CipherCtx::new().ok()?;
    match mode {
        openssl::symm::Mode::Encrypt => c.encrypt_init(Some(cipher), Some(key), Some(iv)),
        openssl::symm::Mode::Decrypt => c.decrypt_init(Some(cipher), Some(key), Some(iv)),
    }
    .ok()?;
    let mut out = Zeroizing::new(vec![0u8; data.len() + cipher.block_size()]);
    let n = c.cipher_update(data, Some(&mut out)).ok()?;
    let m = c.cipher_final(&mut out[n..]).ok()?;
    out.truncate(n + m);
    Some(out)
}

fn rc2_decrypt(
    key: &[u8],
    effective_bits: usize,
    iv: &[u8],
    data: &[u8],
) -> Option<Zeroizing<Vec<u8>>> {
    use cbc::cipher::block_padding::Pkcs7;
    use cbc::cipher::{BlockDecryptMut, InnerIvInit};
    let rc2 = rc2::Rc2::new_with_eff_key_len(key, effective_bits);
    let dec = cbc::Decryptor::<rc2::Rc2>::inner_iv_slice_init(rc2, iv).ok()?;
    dec.decrypt_padded_vec_mut::<Pkcs7>(data)
        .ok()
        .map(Zeroizing::new)
}
