//! Password-based encryption and the MAC of PKCS#12 files.
//!
//! Which implementation does what, and why:
//! - PBKDF2, AES-CBC, 3DES-CBC and HMAC come from OpenSSL (the `openssl` crate): the one
//!   crypto stack of certtool.
//! - The PKCS#12 key derivation (RFC 7292 appendix B), used by the legacy `pbeWithSHAAnd…`
//!   schemes and by the MAC, is not exposed by the `openssl` crate (OpenSSL's
//!   `PKCS12_key_gen_*` has no binding, and the crate forbids us nothing but offers no
//!   safe wrapper). It comes from RustCrypto's `pkcs12` crate (`kdf` feature), over the
//!   RustCrypto `sha1`/`sha2` digests it is generic over.
//! - RC2 comes from RustCrypto's `rc2` + `cbc`: OpenSSL 3 keeps RC2 in its "legacy"
//!   provider, which is missing on many systems, and every Windows legacy export uses
//!   RC2-40 for its certificates. certtool only ever decrypts RC2; it never writes it.
//!
//! Every secret intermediate (derived keys, plaintexts) is held in `Zeroizing`.

use openssl::hash::MessageDigest;
use openssl::symm::Cipher;
use pkcs12::kdf::{derive_key, Pkcs12KeyType};
use yasna::models::ObjectIdentifier;
use zeroize::Zeroizing;

use super::asn1::{self, is, oid};

/// The most iterations certtool will run for one derivation: more is a hostile or broken
/// file (real tools write 1 to 100 000).
pub const MAX_ITERATIONS: u64 = 10_000_000;

/// A hash used by PBKDF2's PRF, the PKCS#12 KDF or the MAC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hash {
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    pub fn name(self) -> &'static str {
        match self {
            Hash::Sha1 => "SHA-1",
            Hash::Sha224 => "SHA-224",
            Hash::Sha256 => "SHA-256",
            Hash::Sha384 => "SHA-384",
            Hash::Sha512 => "SHA-512",
        }
    }

    fn md(self) -> MessageDigest {
        match self {
            Hash::Sha1 => MessageDigest::sha1(),
            Hash::Sha224 => MessageDigest::sha224(),
            Hash::Sha256 => MessageDigest::sha256(),
            Hash::Sha384 => MessageDigest::sha384(),
            Hash::Sha512 => MessageDigest::sha512(),
        }
    }

    pub fn from_digest_oid(o: &ObjectIdentifier) -> Option<Hash> {
        [
            (oid::SHA1, Hash::Sha1),
            (oid::SHA224, Hash::Sha224),
            (oid::SHA256, Hash::Sha256),
            (oid::SHA384, Hash::Sha384),
            (oid::SHA512, Hash::Sha512),
        ]
        .into_iter()
        .find(|(arcs, _)| is(o, arcs))
        .map(|(_, h)| h)
    }

    pub fn digest_oid(self) -> &'static [u64] {
        match self {
            Hash::Sha1 => oid::SHA1,
            Hash::Sha224 => oid::SHA224,
            Hash::Sha256 => oid::SHA256,
            Hash::Sha384 => oid::SHA384,
            Hash::Sha512 => oid::SHA512,
        }
    }

    fn from_hmac_oid(o: &ObjectIdentifier) -> Option<Hash> {
        [
            (oid::HMAC_SHA1, Hash::Sha1),
            (oid::HMAC_SHA224, Hash::Sha224),
            (oid::HMAC_SHA256, Hash::Sha256),
            (oid::HMAC_SHA384, Hash::Sha384),
            (oid::HMAC_SHA512, Hash::Sha512),
        ]
        .into_iter()
        .find(|(arcs, _)| is(o, arcs))
        .map(|(_, h)| h)
    }

    fn output_len(self) -> usize {
        self.md().size()
    }

    /// RFC 7292 appendix B key derivation with this hash.
    fn pkcs12_kdf(
        self,
        password: &[u8],
        salt: &[u8],
        id: Pkcs12KeyType,
        iterations: u64,
        len: usize,
    ) -> Zeroizing<Vec<u8>> {
        // The caller has capped `iterations` at MAX_ITERATIONS, which fits an i32.
        let rounds = iterations.min(MAX_ITERATIONS) as i32;
        Zeroizing::new(match self {
            Hash::Sha1 => derive_key::<sha1::Sha1>(password, salt, id, rounds, len),
            Hash::Sha224 => derive_key::<sha2::Sha224>(password, salt, id, rounds, len),
            Hash::Sha256 => derive_key::<sha2::Sha256>(password, salt, id, rounds, len),
            Hash::Sha384 => derive_key::<sha2::Sha384>(password, salt, id, rounds, len),
            Hash::Sha512 => derive_key::<sha2::Sha512>(password, salt, id, rounds, len),
        })
    }
}

/// A password in the two byte forms PKCS#12 needs.
pub(crate) struct PasswordBytes {
    /// For the PKCS#12 KDF (legacy PBE and MAC): BMPString bytes with the terminator, or
    /// zero bytes for the null form.
    pub bmp: Zeroizing<Vec<u8>>,
    /// For PBES2: the UTF-8 bytes (as OpenSSL passes them to PBKDF2).
    pub utf8: Zeroizing<Vec<u8>>,
}

impl PasswordBytes {
    /// RFC 7292 form: UTF-16BE code units then `00 00`.
    pub fn rfc7292(text: &str) -> Self {
        let mut bmp = Zeroizing::new(Vec::with_capacity(text.len() * 2 + 2));
        for unit in text.encode_utf16() {
            bmp.extend_from_slice(&unit.to_be_bytes());
        }
        bmp.extend_from_slice(&[0, 0]);
        PasswordBytes {
            bmp,
            utf8: Zeroizing::new(text.as_bytes().to_vec()),
        }
    }

    /// The null form of the empty password: zero bytes everywhere.
    pub fn null() -> Self {
        PasswordBytes {
            bmp: Zeroizing::new(Vec::new()),
            utf8: Zeroizing::new(Vec::new()),
        }
    }

    /// OpenSSL before 1.1.0 widened each UTF-8 byte to 16 bits instead of converting
    /// the text: files it wrote with non-ASCII passwords need this form.
    pub fn widened_bytes(text: &str) -> Self {
        let mut bmp = Zeroizing::new(Vec::with_capacity(text.len() * 2 + 2));
        for &b in text.as_bytes() {
            bmp.extend_from_slice(&[0, b]);
        }
        bmp.extend_from_slice(&[0, 0]);
        PasswordBytes {
            bmp,
            utf8: Zeroizing::new(text.as_bytes().to_vec()),
        }
    }
}

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
    match n {
        0 => Err(PbeError::Malformed("iteration count 0")),
        n if n > MAX_ITERATIONS => Err(PbeError::TooManyIterations(n)),
        n => Ok(n),
    }
}

impl Pbe {
    /// Parses an AlgorithmIdentifier's DER.
    pub fn parse(der: &[u8]) -> Result<Pbe, PbeError> {
        let alg = asn1::parse_algorithm(der).map_err(|e| PbeError::Malformed(asn1::explain(e)))?;
        let legacy = [
            (oid::PBE_SHA1_3DES, LegacyCipher::TripleDes),
            (oid::PBE_SHA1_2DES, LegacyCipher::TwoKeyTripleDes),
            (oid::PBE_SHA1_RC2_128, LegacyCipher::Rc2_128),
            (oid::PBE_SHA1_RC2_40, LegacyCipher::Rc2_40),
        ]
        .into_iter()
        .find(|(arcs, _)| is(&alg.oid, arcs));
        let params = alg.params.as_deref().unwrap_or_default();
        if let Some((_, cipher)) = legacy {
            let (salt, iterations) = yasna::parse_ber(params, |r| {
                r.read_sequence(|r| Ok((r.next().read_bytes()?, r.next().read_u64()?)))
            })
            .map_err(|e| PbeError::Malformed(asn1::explain(e)))?;
            return Ok(Pbe::Legacy {
                cipher,
                salt,
                iterations: check_iterations(iterations)?,
            });
        }
        if is(&alg.oid, oid::PBE_SHA1_RC4_128) || is(&alg.oid, oid::PBE_SHA1_RC4_40) {
            return Err(PbeError::Unsupported("pbeWithSHAAnd…BitRC4".into()));
        }
        if !is(&alg.oid, oid::PBES2) {
            return Err(PbeError::Unsupported(alg.oid.to_string()));
        }
        let (kdf, scheme) = yasna::parse_ber(params, |r| {
            r.read_sequence(|r| {
                let kdf = asn1::read_algorithm(r.next())?;
                let scheme = asn1::read_algorithm(r.next())?;
                Ok((kdf, scheme))
            })
        })
        .map_err(|e| PbeError::Malformed(asn1::explain(e)))?;
        if !is(&kdf.oid, oid::PBKDF2) {
            return Err(PbeError::Unsupported(format!(
                "PBES2 key derivation {}",
                kdf.oid
            )));
        }
        let (salt, iterations, key_len, prf) =
            yasna::parse_ber(kdf.params.as_deref().unwrap_or_default(), |r| {
                r.read_sequence(|r| {
                    let salt = r.next().read_bytes()?;
                    let iterations = r.next().read_u64()?;
                    let key_len = r.read_optional(|r| r.read_u64())?;
                    let prf = r.read_optional(asn1::read_algorithm)?;
                    Ok((salt, iterations, key_len, prf))
                })
            })
            .map_err(|e| PbeError::Malformed(asn1::explain(e)))?;
        let prf = match prf {
            None => Hash::Sha1,
            Some(p) => Hash::from_hmac_oid(&p.oid)
                .ok_or_else(|| PbeError::Unsupported(format!("PBKDF2 PRF {}", p.oid)))?,
        };
        let cipher = [
            (oid::AES128_CBC, Pbes2Cipher::Aes128),
            (oid::AES192_CBC, Pbes2Cipher::Aes192),
            (oid::AES256_CBC, Pbes2Cipher::Aes256),
            (oid::DES_EDE3_CBC, Pbes2Cipher::DesEde3),
        ]
        .into_iter()
        .find(|(arcs, _)| is(&scheme.oid, arcs))
        .map(|(_, c)| c)
        .ok_or_else(|| PbeError::Unsupported(format!("PBES2 cipher {}", scheme.oid)))?;
        if key_len.is_some_and(|n| n != cipher.openssl().key_len() as u64) {
            return Err(PbeError::Malformed(
                "PBKDF2 key length does not fit the cipher",
            ));
        }
        let iv = asn1::octet_string(scheme.params.as_deref().unwrap_or_default())
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

    /// Decrypts; `None` when the password does not fit (bad padding).
    pub fn decrypt(
        &self,
        password: &PasswordBytes,
        ciphertext: &[u8],
    ) -> Option<Zeroizing<Vec<u8>>> {
        match self {
            Pbe::Legacy {
                cipher,
                salt,
                iterations,
            } => {
                let (key, iv) = legacy_key_iv(*cipher, password, salt, *iterations);
                match cipher {
                    LegacyCipher::TripleDes | LegacyCipher::TwoKeyTripleDes => openssl_crypt(
                        Cipher::des_ede3_cbc(),
                        openssl::symm::Mode::Decrypt,
                        &key,
                        &iv,
                        ciphertext,
                    ),
                    LegacyCipher::Rc2_128 => rc2_decrypt(&key, 128, &iv, ciphertext),
                    LegacyCipher::Rc2_40 => rc2_decrypt(&key, 40, &iv, ciphertext),
                }
            }
            Pbe::Pbes2 {
                prf,
                salt,
                iterations,
                cipher,
                iv,
            } => {
                let key = pbkdf2(
                    *prf,
                    password,
                    salt,
                    *iterations,
                    cipher.openssl().key_len(),
                )?;
                openssl_crypt(
                    cipher.openssl(),
                    openssl::symm::Mode::Decrypt,
                    &key,
                    iv,
                    ciphertext,
                )
            }
        }
    }

    /// Encrypts (3DES and PBES2 only: certtool never writes RC2).
    pub fn encrypt(&self, password: &PasswordBytes, plaintext: &[u8]) -> Option<Vec<u8>> {
        let out = match self {
            Pbe::Legacy {
                cipher: LegacyCipher::TripleDes,
                salt,
                iterations,
            } => {
                let (key, iv) = legacy_key_iv(LegacyCipher::TripleDes, password, salt, *iterations);
                openssl_crypt(
                    Cipher::des_ede3_cbc(),
                    openssl::symm::Mode::Encrypt,
                    &key,
                    &iv,
                    plaintext,
                )?
            }
            Pbe::Legacy { .. } => return None,
            Pbe::Pbes2 {
                prf,
                salt,
                iterations,
                cipher,
                iv,
            } => {
                let key = pbkdf2(
                    *prf,
                    password,
                    salt,
                    *iterations,
                    cipher.openssl().key_len(),
                )?;
                openssl_crypt(
                    cipher.openssl(),
                    openssl::symm::Mode::Encrypt,
                    &key,
                    iv,
                    plaintext,
                )?
            }
        };
        Some(out.to_vec())
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
                        LegacyCipher::TripleDes => oid::PBE_SHA1_3DES,
                        LegacyCipher::TwoKeyTripleDes => oid::PBE_SHA1_2DES,
                        LegacyCipher::Rc2_128 => oid::PBE_SHA1_RC2_128,
                        LegacyCipher::Rc2_40 => oid::PBE_SHA1_RC2_40,
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
                        .write_oid(&ObjectIdentifier::from_slice(oid::PBES2));
                    w.next().write_sequence(|w| {
                        w.next().write_sequence(|w| {
                            w.next()
                                .write_oid(&ObjectIdentifier::from_slice(oid::PBKDF2));
                            w.next().write_sequence(|w| {
                                w.next().write_bytes(salt);
                                w.next().write_u64(*iterations);
                                if *prf != Hash::Sha1 {
                                    let arcs = match prf {
                                        Hash::Sha1 => oid::HMAC_SHA1,
                                        Hash::Sha224 => oid::HMAC_SHA224,
                                        Hash::Sha256 => oid::HMAC_SHA256,
                                        Hash::Sha384 => oid::HMAC_SHA384,
                                        Hash::Sha512 => oid::HMAC_SHA512,
                                    };
                                    asn1::write_algorithm_null(w.next(), arcs);
                                }
                            });
                        });
                        w.next().write_sequence(|w| {
                            let arcs = match cipher {
                                Pbes2Cipher::Aes128 => oid::AES128_CBC,
                                Pbes2Cipher::Aes192 => oid::AES192_CBC,
                                Pbes2Cipher::Aes256 => oid::AES256_CBC,
                                Pbes2Cipher::DesEde3 => oid::DES_EDE3_CBC,
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

fn legacy_key_iv(
    cipher: LegacyCipher,
    password: &PasswordBytes,
    salt: &[u8],
    iterations: u64,
) -> (Zeroizing<Vec<u8>>, Zeroizing<Vec<u8>>) {
    let key_len = match cipher {
        LegacyCipher::TripleDes => 24,
        LegacyCipher::TwoKeyTripleDes => 16,
        LegacyCipher::Rc2_128 => 16,
        LegacyCipher::Rc2_40 => 5,
    };
    let mut key = Hash::Sha1.pkcs12_kdf(
        &password.bmp,
        salt,
        Pkcs12KeyType::EncryptionKey,
        iterations,
        key_len,
    );
    if cipher == LegacyCipher::TwoKeyTripleDes {
        // Two-key 3DES is three-key 3DES with K3 = K1.
        let k1 = key[..8].to_vec();
        key.extend_from_slice(&k1);
    }
    let iv = Hash::Sha1.pkcs12_kdf(&password.bmp, salt, Pkcs12KeyType::Iv, iterations, 8);
    (key, iv)
}

fn pbkdf2(
    prf: Hash,
    password: &PasswordBytes,
    salt: &[u8],
    iterations: u64,
    len: usize,
) -> Option<Zeroizing<Vec<u8>>> {
    let mut key = Zeroizing::new(vec![0u8; len]);
    let iterations = usize::try_from(iterations.min(MAX_ITERATIONS)).ok()?;
    openssl::pkcs5::pbkdf2_hmac(&password.utf8, salt, iterations, prf.md(), &mut key).ok()?;
    Some(key)
}

fn openssl_crypt(
    cipher: Cipher,
    mode: openssl::symm::Mode,
    key: &[u8],
    iv: &[u8],
    data: &[u8],
) -> Option<Zeroizing<Vec<u8>>> {
    let mut c = openssl::symm::Crypter::new(cipher, mode, key, Some(iv)).ok()?;
    let mut out = Zeroizing::new(vec![0u8; data.len() + cipher.block_size()]);
    let n = c.update(data, &mut out).ok()?;
    let m = c.finalize(&mut out[n..]).ok()?;
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

/// Fresh random bytes from OpenSSL.
pub(crate) fn random(len: usize) -> Vec<u8> {
    let mut buf = vec![0u8; len];
    // OpenSSL's RNG only fails when the system has no entropy source at all.
    openssl::rand::rand_bytes(&mut buf).expect("OpenSSL's random generator failed");
    buf
}

/// The MAC of `data` (the AuthenticatedSafe octets) as PKCS#12 computes it.
pub(crate) fn mac(
    hash: Hash,
    password: &PasswordBytes,
    salt: &[u8],
    iterations: u64,
    data: &[u8],
) -> Option<Vec<u8>> {
    let key = hash.pkcs12_kdf(
        &password.bmp,
        salt,
        Pkcs12KeyType::Mac,
        iterations,
        hash.output_len(),
    );
    let pkey = openssl::pkey::PKey::hmac(&key).ok()?;
    let mut signer = openssl::sign::Signer::new(hash.md(), &pkey).ok()?;
    signer.update(data).ok()?;
    signer.sign_to_vec().ok()
}

/// Constant-time check of a MAC.
pub(crate) fn mac_matches(
    hash: Hash,
    password: &PasswordBytes,
    salt: &[u8],
    iterations: u64,
    data: &[u8],
    expected: &[u8],
) -> bool {
    match mac(hash, password, salt, iterations, data) {
        Some(m) => m.len() == expected.len() && openssl::memcmp::eq(&m, expected),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bmp_forms() {
        assert_eq!(&*PasswordBytes::rfc7292("").bmp, &[0, 0]);
        assert_eq!(
            &*PasswordBytes::rfc7292("aé").bmp,
            &[0, b'a', 0, 0xe9, 0, 0]
        );
        assert_eq!(
            &*PasswordBytes::widened_bytes("é").bmp,
            &[0, 0xc3, 0, 0xa9, 0, 0]
        );
        assert!(PasswordBytes::null().bmp.is_empty());
    }

    #[test]
    fn pkcs12_kdf_known_answer() {
        // RFC 7292 KDF, SHA-1, password "smeg", salt 0A58CF64530D823F, 1 iteration, ID 1:
        // the widely published test vector 8AAAE6297B6CB04642AB5B077851284EB7128F1A2A7FBCA3.
        let key = Hash::Sha1.pkcs12_kdf(
            &PasswordBytes::rfc7292("smeg").bmp,
            &[0x0A, 0x58, 0xCF, 0x64, 0x53, 0x0D, 0x82, 0x3F],
            Pkcs12KeyType::EncryptionKey,
            1,
            24,
        );
        let hex: String = key.iter().map(|b| format!("{b:02X}")).collect();
        assert_eq!(hex, "8AAAE6297B6CB04642AB5B077851284EB7128F1A2A7FBCA3");
    }

    #[test]
    fn encrypt_then_decrypt_and_wrong_password_fails() {
        for pbe in [
            Pbe::Legacy {
                cipher: LegacyCipher::TripleDes,
                salt: random(8),
                iterations: 3,
            },
            Pbe::Pbes2 {
                prf: Hash::Sha256,
                salt: random(16),
                iterations: 3,
                cipher: Pbes2Cipher::Aes256,
                iv: random(16),
            },
        ] {
            let pw = PasswordBytes::rfc7292("pässword");
            let ct = pbe.encrypt(&pw, b"\x30\x03\x02\x01\x05").unwrap();
            let reparsed = Pbe::parse(&pbe.to_der()).unwrap();
            assert_eq!(reparsed.name(), pbe.name());
            assert_eq!(
                &*reparsed.decrypt(&pw, &ct).unwrap(),
                b"\x30\x03\x02\x01\x05"
            );
            let wrong = reparsed.decrypt(&PasswordBytes::rfc7292("other"), &ct);
            assert!(wrong.is_none_or(|p| &*p != b"\x30\x03\x02\x01\x05"));
        }
    }

    #[test]
    fn absurd_iterations_are_refused() {
        let pbe = Pbe::Legacy {
            cipher: LegacyCipher::TripleDes,
            salt: vec![1; 8],
            iterations: MAX_ITERATIONS + 1,
        };
        let err = Pbe::parse(&pbe.to_der()).unwrap_err();
        assert!(err.to_string().contains("exceeds the limit"), "{err}");
    }
}
