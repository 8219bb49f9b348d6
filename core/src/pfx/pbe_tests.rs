//! Tests of password-based encryption: round trips, OpenSSL as the oracle for every
//! PBES2 PRF and cipher, and the iteration cap.

use super::crypto::{random, Hash, PasswordBytes};
use super::encode;
use super::pbe::*;
use crate::limits::MAX_ITERATIONS;

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

/// OpenSSL's own PKCS#8 decryption is the oracle: every PBES2 PRF and cipher, and the
/// legacy 3DES scheme, as certtool encrypts them, must decrypt in OpenSSL.
#[test]
fn openssl_decrypts_what_we_encrypt_with_every_prf_and_cipher() {
    let rsa = openssl::rsa::Rsa::generate(1024).unwrap();
    let key = openssl::pkey::PKey::from_rsa(rsa).unwrap();
    let pkcs8 = key.private_key_to_pkcs8().unwrap();
    let mut schemes = vec![Pbe::Legacy {
        cipher: LegacyCipher::TripleDes,
        salt: random(8),
        iterations: 7,
    }];
    for prf in [
        Hash::Sha1,
        Hash::Sha224,
        Hash::Sha256,
        Hash::Sha384,
        Hash::Sha512,
    ] {
        for (cipher, iv) in [
            (Pbes2Cipher::Aes128, 16),
            (Pbes2Cipher::Aes192, 16),
            (Pbes2Cipher::Aes256, 16),
            (Pbes2Cipher::DesEde3, 8),
        ] {
            schemes.push(Pbe::Pbes2 {
                prf,
                salt: random(16),
                iterations: 5,
                cipher,
                iv: random(iv),
            });
        }
    }
    for pbe in schemes {
        let pw = PasswordBytes::rfc7292("pässword");
        let ct = pbe.encrypt(&pw, &pkcs8).unwrap();
        let der = encode::write_encrypted_key(&pbe.to_der(), &ct);
        let back =
            openssl::pkey::PKey::private_key_from_pkcs8_passphrase(&der, "pässword".as_bytes())
                .unwrap_or_else(|e| panic!("{}: {e}", pbe.name()));
        assert!(back.public_eq(&key), "{}", pbe.name());
        let reparsed = Pbe::parse(&pbe.to_der()).unwrap();
        assert_eq!(
            &*reparsed.decrypt(&pw, &ct).unwrap(),
            &pkcs8[..],
            "{}",
            pbe.name()
        );
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
