//! HMAC, PBKDF2 and the PKCS#12 key derivation, over OpenSSL's SHA functions.
//!
//! Why these are written here instead of taken from a library:
//! - OpenSSL has PBKDF2 and HMAC, but reaches them through its provider layer. OpenSSL
//!   3.0 (what Debian 12 and Ubuntu 22.04/24.04 ship, so what `cargo install` builds link)
//!   copies two HMAC contexts per PBKDF2 round, and the first HMAC builds OpenSSL's table
//!   of every digest implementation: together 16% of a `strip-pfx` run's samples under
//!   `perf`, and these constructions took its median time down about 5%. OpenSSL 3.6, which
//!   the release binary links statically, has no such overhead; there the two are level
//!   (`tests/bench/startup.sh`). The PKCS#12 KDF (RFC 7292 appendix B) has no binding in
//!   the `openssl` crate at all.
//! - RustCrypto's `pkcs12` crate, which certtool used for that KDF before, keeps the
//!   stretched password in a plain `Vec` that is never wiped, and brings a second SHA
//!   implementation into the binary.
//!
//! So the constructions (each a dozen lines of RFC text) are here, and the hashing is
//! OpenSSL's: the `openssl::sha` one-shot state types call `SHA1_Init`/`SHA256_Update`/…
//! directly, with OpenSSL's assembler (SHA extensions where the CPU has them) and no
//! provider lookup. HMAC keeps the inner and outer states after the key block (RFC 2104
//! section 4's precomputation), so a PBKDF2 round is two hash compressions and two state
//! copies. Tests check each construction against OpenSSL's own (HMAC through an
//! `EVP_PKEY`, `PKCS5_PBKDF2_HMAC`) and the PKCS#12 KDF against published vectors; the
//! `pfx_built` fuzz target checks it against RustCrypto's on every input.
//!
//! Wiping: the keyed HMAC states are wiped when dropped, and every buffer holding a
//! password, a key block or an intermediate value is `Zeroizing`. Not wiped: the copies
//! of a keyed state that a single MAC computation consumes (`finish` takes the state by
//! value), which hold one hash's chaining value.

use openssl::sha::{Sha1, Sha224, Sha256, Sha384, Sha512};
use zeroize::Zeroizing;

/// Initialises OpenSSL, which is where it detects the CPU's features and so picks its
/// SHA code (SHA extensions, AVX2 or plain). The low-level SHA functions do not do it
/// themselves, and the statically linked release binary has no ELF `.init` hook that
/// would do it at start-up: without this call its first derivations ran the plain code,
/// several times slower. Cheap after the first call.
fn ready() {
    openssl::init();
}

/// The longest digest and block of the hashes below (SHA-512's).
const MAX_OUT: usize = 64;
const MAX_BLOCK: usize = 128;

/// A hash as OpenSSL's low-level SHA state: cheap to copy, no provider behind it.
pub(crate) trait Sha: Clone {
    /// Input block size in bytes (HMAC's B, the PKCS#12 KDF's v).
    const BLOCK: usize;
    /// Output size in bytes (HMAC's L, the PKCS#12 KDF's u).
    const OUT: usize;
    fn start() -> Self;
    fn feed(&mut self, data: &[u8]);
    /// Finishes and writes the digest to `out[..Self::OUT]`.
    fn finish_into(self, out: &mut [u8]);
}

macro_rules! low_level_sha {
    ($ty:ty, $block:expr, $out:expr) => {
        impl Sha for $ty {
            const BLOCK: usize = $block;
            const OUT: usize = $out;
            fn start() -> Self {
                <$ty>::new()
            }
            fn feed(&mut self, data: &[u8]) {
                self.update(data)
            }
            fn finish_into(self, out: &mut [u8]) {
                let digest = Zeroizing::new(self.finish());
                out[..$out].copy_from_slice(&digest[..]);
            }
        }
    };
}

low_level_sha!(Sha1, 64, 20);
low_level_sha!(Sha224, 64, 28);
low_level_sha!(Sha256, 64, 32);
low_level_sha!(Sha384, 128, 48);
low_level_sha!(Sha512, 128, 64);

/// HMAC (RFC 2104) under one key: the hash states after the key block XOR ipad and
/// XOR opad, copied for each message.
pub(crate) struct Hmac<H: Sha> {
    inner: H,
    outer: H,
}

impl<H: Sha> Hmac<H> {
    pub(crate) fn new(key: &[u8]) -> Self {
        ready();
        let mut block = Zeroizing::new([0u8; MAX_BLOCK]);
        if key.len() > H::BLOCK {
            let mut h = H::start();
            h.feed(key);
            h.finish_into(&mut block[..]);
        } else {
            block[..key.len()].copy_from_slice(key);
        }
        let keyed = |pad: u8| {
            let mut padded = Zeroizing::new([0u8; MAX_BLOCK]);
            for (p, k) in padded.iter_mut().zip(block.iter()).take(H::BLOCK) {
                *p = k ^ pad;
            }
            let mut h = H::start();
            h.feed(&padded[..H::BLOCK]);
            h
        };
        Hmac {
            inner: keyed(0x36),
            outer: keyed(0x5c),
        }
    }

    /// The MAC of the concatenation of `parts`, written to `out[..H::OUT]`.
    pub(crate) fn mac_into(&self, parts: &[&[u8]], out: &mut [u8]) {
        let mut inner = self.inner.clone();
        for part in parts {
            inner.feed(part);
        }
        let mut inner_digest = Zeroizing::new([0u8; MAX_OUT]);
        inner.finish_into(&mut inner_digest[..]);
        let mut outer = self.outer.clone();
        outer.feed(&inner_digest[..H::OUT]);
        outer.finish_into(out);
    }
}

impl<H: Sha> Drop for Hmac<H> {
    fn drop(&mut self) {
        // Overwrites the keyed states with the unkeyed start state (OpenSSL's SHA*_Init
        // clears the whole context before setting it up; the crate forbids the unsafe
        // code a byte-wise wipe would need). `black_box` keeps the compiler from dropping
        // these stores as dead.
        self.inner = H::start();
        self.outer = H::start();
        std::hint::black_box(&mut *self);
    }
}

/// PBKDF2 (RFC 8018 section 5.2) with HMAC-`H`: fills `out`.
pub(crate) fn pbkdf2<H: Sha>(password: &[u8], salt: &[u8], iterations: u64, out: &mut [u8]) {
    let prf = Hmac::<H>::new(password);
    let mut u = Zeroizing::new([0u8; MAX_OUT]);
    let mut t = Zeroizing::new([0u8; MAX_OUT]);
    for (index, chunk) in out.chunks_mut(H::OUT).enumerate() {
        // Block numbers start at 1; `out` never has 2^32 blocks (its length is a key's).
        let block = u32::try_from(index + 1).expect("a derived key has fewer than 2^32 blocks");
        prf.mac_into(&[salt, &block.to_be_bytes()], &mut u[..]);
        t[..H::OUT].copy_from_slice(&u[..H::OUT]);
        for _ in 1..iterations {
            let previous = Zeroizing::new(*u);
            prf.mac_into(&[&previous[..H::OUT]], &mut u[..]);
            for (t, u) in t.iter_mut().zip(u.iter()).take(H::OUT) {
                *t ^= u;
            }
        }
        chunk.copy_from_slice(&t[..chunk.len()]);
    }
}

/// The PKCS#12 key derivation (RFC 7292 appendix B.2) with hash `H`: `id` is the
/// purpose byte (1 key, 2 IV, 3 MAC key), `password` the BMPString form with its
/// terminator (or empty for the null password). Fills `out`.
pub(crate) fn pkcs12<H: Sha>(
    password: &[u8],
    salt: &[u8],
    id: u8,
    iterations: u64,
    out: &mut [u8],
) {
    ready();
    let v = H::BLOCK;
    let u = H::OUT;
    // D: v copies of the ID byte. I: salt then password, each repeated to a whole
    // number of v-byte blocks (nothing when empty).
    let diversifier = [id; MAX_BLOCK];
    let repeat = |input: &[u8]| -> Zeroizing<Vec<u8>> {
        let len = input.len().div_ceil(v) * v;
        Zeroizing::new(input.iter().copied().cycle().take(len).collect())
    };
    let mut i = repeat(salt);
    i.extend_from_slice(&repeat(password));
    let mut a = Zeroizing::new([0u8; MAX_OUT]);
    let mut b = Zeroizing::new([0u8; MAX_BLOCK]);
    for chunk in out.chunks_mut(u) {
        // A = H^iterations(D || I).
        let mut h = H::start();
        h.feed(&diversifier[..v]);
        h.feed(&i);
        h.finish_into(&mut a[..]);
        for _ in 1..iterations {
            let mut h = H::start();
            h.feed(&a[..u]);
            h.finish_into(&mut a[..]);
        }
        chunk.copy_from_slice(&a[..chunk.len()]);
        // B = A repeated to v bytes; each v-byte block of I becomes (I_j + B + 1) mod
        // 2^(8v), as big-endian integers.
        for (k, byte) in b[..v].iter_mut().enumerate() {
            *byte = a[k % u];
        }
        for block in i.chunks_mut(v) {
            let mut carry = 1u16;
            for (x, y) in block.iter_mut().rev().zip(b[..v].iter().rev()) {
                let sum = u16::from(*x) + u16::from(*y) + carry;
                *x = sum as u8;
                carry = sum >> 8;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn pbkdf2_agrees_with_openssl_for_every_hash_length_and_round_count() {
        use openssl::hash::MessageDigest;
        fn ours(md: &str, password: &[u8], salt: &[u8], rounds: u64, out: &mut [u8]) {
            match md {
                "sha1" => pbkdf2::<Sha1>(password, salt, rounds, out),
                "sha224" => pbkdf2::<Sha224>(password, salt, rounds, out),
                "sha256" => pbkdf2::<Sha256>(password, salt, rounds, out),
                "sha384" => pbkdf2::<Sha384>(password, salt, rounds, out),
                _ => pbkdf2::<Sha512>(password, salt, rounds, out),
            }
        }
        let long_password = [0x41u8; 200];
        for (name, md) in [
            ("sha1", MessageDigest::sha1()),
            ("sha224", MessageDigest::sha224()),
            ("sha256", MessageDigest::sha256()),
            ("sha384", MessageDigest::sha384()),
            ("sha512", MessageDigest::sha512()),
        ] {
            for password in [&b""[..], b"pw", &long_password[..]] {
                for rounds in [1u64, 2, 3, 100] {
                    // Shorter than one block, exactly one, and several with a tail.
                    for len in [16usize, md.size(), 2 * md.size() + 5] {
                        let mut expected = vec![0u8; len];
                        openssl::pkcs5::pbkdf2_hmac(
                            password,
                            b"salt",
                            rounds as usize,
                            md,
                            &mut expected,
                        )
                        .unwrap();
                        let mut got = vec![0u8; len];
                        ours(name, password, b"salt", rounds, &mut got);
                        assert_eq!(
                            got,
                            expected,
                            "{name} pw {} rounds {rounds} len {len}",
                            password.len()
                        );
                    }
                }
            }
        }
        // RFC 6070 (PBKDF2-HMAC-SHA1), 4096 iterations.
        let mut out = [0u8; 20];
        pbkdf2::<Sha1>(b"password", b"salt", 4096, &mut out);
        assert_eq!(hex(&out), "4b007901b765489abead49d926f721d065a429c1");
    }

    #[test]
    fn hmac_matches_rfc_4231_with_a_key_longer_than_a_block() {
        // RFC 4231 test case 6: a 131-byte key, hashed first.
        let key = [0xaau8; 131];
        let mut out = [0u8; 32];
        Hmac::<Sha256>::new(&key).mac_into(
            &[
                b"Test Using Larger Than Block-Size Key - ",
                b"Hash Key First",
            ],
            &mut out,
        );
        assert_eq!(
            hex(&out),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn pkcs12_kdf_carries_across_bytes_and_handles_empty_inputs() {
        // A salt of 0xff bytes makes I_j + B + 1 carry through the whole block; the
        // result must differ from a salt one bit away and stay deterministic.
        let mut a = [0u8; 40];
        let mut b = [0u8; 40];
        pkcs12::<Sha1>(&[0, 0x61, 0, 0], &[0xff; 64], 1, 3, &mut a);
        pkcs12::<Sha1>(&[0, 0x61, 0, 0], &[0xff; 64], 1, 3, &mut b);
        assert_eq!(a, b);
        let mut c = [0u8; 40];
        pkcs12::<Sha1>(&[0, 0x61, 0, 0], &[0xfe; 64], 1, 3, &mut c);
        assert_ne!(a, c);
        // Empty salt and null password: I is empty, only D is hashed.
        let mut d = [0u8; 20];
        pkcs12::<Sha1>(&[], &[], 3, 1, &mut d);
        assert_eq!(d, openssl::sha::sha1(&[3u8; 64]));
    }
}
