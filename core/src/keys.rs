//! RSA keys with OpenSSL: generation, loading (PEM, DER, PKCS#1, PKCS#8, encrypted PEM),
//! and the question every command asks: does this key belong to this certificate?

use openssl::pkey::{Id, PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::X509;

use crate::error::{Error, Result};
use crate::secret::Secret;

/// RSA sizes `generate` offers; smaller ones need `insecure`.
pub const RSA_SIZES: [u32; 3] = [2048, 3072, 4096];

/// Smallest RSA modulus Azure accepts for a management certificate or app credential.
pub const MIN_RSA_BITS: u32 = 2048;

/// Generates a fresh RSA key of `bits` bits (public exponent 65537).
///
/// Sizes below [`MIN_RSA_BITS`] are refused unless `insecure` is set; sizes other than
/// [`RSA_SIZES`] (or 1024 with `insecure`) are refused as a usage error.
pub fn generate_rsa(bits: u32, insecure: bool) -> Result<PKey<Private>> {
    check_rsa_size(bits, insecure)?;
    let rsa = Rsa::generate(bits).map_err(Error::crypto("generating an RSA key"))?;
    PKey::from_rsa(rsa).map_err(Error::crypto("wrapping an RSA key"))
}

/// Applies the key-size policy to a size the user asked for or a key they supplied.
pub fn check_rsa_size(bits: u32, insecure: bool) -> Result<()> {
    if bits < MIN_RSA_BITS {
        if !insecure {
            return Err(Error::Refused(format!(
                "an RSA key of {bits} bits is too weak: Azure requires at least {MIN_RSA_BITS}; \
                 pass --insecure only if you really need it"
            )));
        }
        if bits < 1024 {
            return Err(Error::InvalidArgument(format!(
                "an RSA key of {bits} bits is not supported (1024 is the least, with --insecure)"
            )));
        }
    } else if !RSA_SIZES.contains(&bits) {
        return Err(Error::InvalidArgument(format!(
            "key size {bits} is not offered: choose 2048, 3072 or 4096"
        )));
    }
    Ok(())
}

/// Loads a private key from PEM (PKCS#1, PKCS#8, encrypted PKCS#8 or legacy encrypted
/// PEM) or DER (PKCS#8 or PKCS#1). `password` is used only if the key is encrypted.
pub fn load_private_key(
    data: &[u8],
    password: Option<&Secret>,
    input: &str,
) -> Result<PKey<Private>> {
    if looks_like_pem(data) {
        let text = String::from_utf8_lossy(data);
        let encrypted = text.contains("ENCRYPTED");
        if !text.contains("PRIVATE KEY-----") {
            return Err(Error::MissingKey {
                input: input.into(),
                hint: ": the PEM holds no PRIVATE KEY block".into(),
            });
        }
        if encrypted {
            let Some(pw) = password else {
                return Err(Error::WrongPassword {
                    input: input.into(),
                    detail: "the private key is encrypted and no password was given".into(),
                });
            };
            return PKey::private_key_from_pem_passphrase(data, pw.expose().as_bytes()).map_err(
                |_| Error::WrongPassword {
                    input: input.into(),
                    detail: "the password does not decrypt the private key".into(),
                },
            );
        }
        return PKey::private_key_from_pem(data)
            .map_err(|_| Error::malformed(input, "the PRIVATE KEY block is not a valid key"));
    }
    PKey::private_key_from_der(data)
        .or_else(|_| Rsa::private_key_from_der(data).and_then(PKey::from_rsa))
        .map_err(|_| {
            Error::malformed(
                input,
                "not a private key in PEM, PKCS#8 DER or PKCS#1 DER form",
            )
        })
}

/// True when the bytes look like PEM text rather than DER.
pub fn looks_like_pem(data: &[u8]) -> bool {
    let start = data.strip_prefix(b"\xef\xbb\xbf").unwrap_or(data);
    start
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'-')
        || memfind(data, b"-----BEGIN ")
}

fn memfind(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// True when `key` is the private half of `cert`'s public key.
pub fn key_matches(key: &PKey<Private>, cert: &X509) -> bool {
    cert.public_key()
        .map(|public| public.public_eq(key))
        .unwrap_or(false)
}

/// A short description of a key's type and size, e.g. `("RSA", 2048)`.
pub fn describe(key: &PKey<Private>) -> (&'static str, u32) {
    let kind = match key.id() {
        Id::RSA => "RSA",
        Id::EC => "EC",
        Id::ED25519 => "Ed25519",
        Id::DSA => "DSA",
        _ => "other",
    };
    (kind, key.bits())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_policy() {
        assert!(check_rsa_size(2048, false).is_ok());
        assert!(check_rsa_size(4096, false).is_ok());
        assert!(matches!(
            check_rsa_size(1024, false),
            Err(Error::Refused(_))
        ));
        assert!(check_rsa_size(1024, true).is_ok());
        assert!(matches!(
            check_rsa_size(512, true),
            Err(Error::InvalidArgument(_))
        ));
        assert!(matches!(
            check_rsa_size(2500, false),
            Err(Error::InvalidArgument(_))
        ));
    }

    #[test]
    fn loads_every_key_form_and_rejects_wrong_password() {
        let key = generate_rsa(2048, false).unwrap();
        let rsa = key.rsa().unwrap();
        let forms: Vec<Vec<u8>> = vec![
            key.private_key_to_pem_pkcs8().unwrap(),
            rsa.private_key_to_pem().unwrap(),
            key.private_key_to_der().unwrap(),
            rsa.private_key_to_der().unwrap(),
        ];
        for form in forms {
            let loaded = load_private_key(&form, None, "k").unwrap();
            assert!(loaded.public_eq(&key));
        }
        let enc = key
            .private_key_to_pem_pkcs8_passphrase(openssl::symm::Cipher::aes_256_cbc(), b"s3cret")
            .unwrap();
        let pw = Secret::new("s3cret".into());
        assert!(load_private_key(&enc, Some(&pw), "k")
            .unwrap()
            .public_eq(&key));
        let bad = Secret::new("nope".into());
        assert!(matches!(
            load_private_key(&enc, Some(&bad), "k"),
            Err(Error::WrongPassword { .. })
        ));
        assert!(matches!(
            load_private_key(&enc, None, "k"),
            Err(Error::WrongPassword { .. })
        ));
        assert!(matches!(
            load_private_key(b"-----BEGIN CERTIFICATE-----\n", None, "k"),
            Err(Error::MissingKey { .. })
        ));
    }
}
