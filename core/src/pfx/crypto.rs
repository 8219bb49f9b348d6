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
//! The derived keys and plaintexts certtool holds are in `Zeroizing` buffers. Not wiped:
//! the stretched password inside `pkcs12::kdf::derive_key` (a plain `Vec` in that crate)
//! and OpenSSL's own temporaries.

use openssl::hash::MessageDigest;
use pkcs12::kdf::{derive_key, Pkcs12KeyType};
use yasna::models::ObjectIdentifier;
use zeroize::Zeroizing;

use super::oids::{self, is_oid};
use crate::limits;

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

    pub(crate) fn md(self) -> MessageDigest {
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
            (oids::SHA1, Hash::Sha1),
            (oids::SHA224, Hash::Sha224),
            (oids::SHA256, Hash::Sha256),
            (oids::SHA384, Hash::Sha384),
            (oids::SHA512, Hash::Sha512),
        ]
        .into_iter()
        .find(|(arcs, _)| is_oid(o, arcs))
        .map(|(_, h)| h)
    }

    pub fn digest_oid(self) -> &'static [u64] {
        match self {
            Hash::Sha1 => oids::SHA1,
            Hash::Sha224 => oids::SHA224,
            Hash::Sha256 => oids::SHA256,
            Hash::Sha384 => oids::SHA384,
            Hash::Sha512 => oids::SHA512,
        }
    }

    pub(crate) fn from_hmac_oid(o: &ObjectIdentifier) -> Option<Hash> {
        [
            (oids::HMAC_SHA1, Hash::Sha1),
            (oids::HMAC_SHA224, Hash::Sha224),
            (oids::HMAC_SHA256, Hash::Sha256),
            (oids::HMAC_SHA384, Hash::Sha384),
            (oids::HMAC_SHA512, Hash::Sha512),
        ]
        .into_iter()
        .find(|(arcs, _)| is_oid(o, arcs))
        .map(|(_, h)| h)
    }

    fn output_len(self) -> usize {
        self.md().size()
    }

    /// The relative cost of one iteration of one block with this hash
    /// (`limits::PRF_WEIGHT_SHA1`, where the weights are measured).
    fn weight(self) -> u64 {
        match self {
            Hash::Sha1 => limits::PRF_WEIGHT_SHA1,
            Hash::Sha224 | Hash::Sha256 => limits::PRF_WEIGHT_SHA256,
            Hash::Sha384 | Hash::Sha512 => limits::PRF_WEIGHT_SHA512,
        }
    }

    /// The weighted cost of deriving `out_len` bytes with `iterations` (PBKDF2 with this
    /// PRF, or the PKCS#12 KDF with this hash), for the command's budget.
    pub(crate) fn derivation_cost(self, out_len: usize, iterations: u64) -> u64 {
        limits::derivation_cost(self.weight(), self.output_len(), out_len, iterations)
    }

    /// The weighted cost of one MAC check.
    pub(crate) fn mac_cost(self, iterations: u64) -> u64 {
        self.derivation_cost(self.output_len(), iterations)
    }

    /// RFC 7292 appendix B key derivation with this hash.
    pub(crate) fn pkcs12_kdf(
        self,
        password: &[u8],
        salt: &[u8],
        id: Pkcs12KeyType,
        iterations: u64,
        len: usize,
    ) -> Zeroizing<Vec<u8>> {
        let rounds = i32::try_from(iterations)
            .expect("iteration counts pass limits::check_iterations before any derivation");
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
}
