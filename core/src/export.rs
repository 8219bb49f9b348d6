//! Every form in which Azure and its tools ask for a certificate: DER `.cer`, PEM, one
//! line of base64, thumbprints as the portal shows them, JWT `x5t` / `x5t#S256`, and the
//! Entra ID (Graph) `keyCredentials` object.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::x509::X509;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::x509::{digest, rfc3339, subject_string, validity};

/// The DER on one line of standard base64 (what `ARM_CLIENT_CERTIFICATE`-style fields and
/// the `key` of a keyCredential hold).
pub fn base64_der(der: &[u8]) -> String {
    STANDARD.encode(der)
}

/// The certificate as a PEM `CERTIFICATE` block.
pub fn pem_certificate(cert: &X509) -> Result<String> {
    let pem = cert.to_pem().map_err(Error::crypto("encoding PEM"))?;
    Ok(String::from_utf8(pem).expect("PEM is ASCII"))
}

/// One PEM with the private key (unencrypted PKCS#8) and then the certificate and its
/// chain: the single file `az login --service-principal --certificate` and
/// AZURE_CLIENT_CERTIFICATE_PATH accept.
pub fn pem_bundle(key: &PKey<Private>, leaf: &X509, chain: &[X509]) -> Result<Zeroizing<String>> {
    let key_pem = Zeroizing::new(
        key.private_key_to_pem_pkcs8()
            .map_err(Error::crypto("encoding the private key"))?,
    );
    let mut certs = pem_certificate(leaf)?;
    for c in chain {
        certs.push_str(&pem_certificate(c)?);
    }
    // Sized once, so no reallocation leaves a copy of the key behind unwiped.
    let mut out = Zeroizing::new(String::with_capacity(key_pem.len() + certs.len()));
    out.push_str(std::str::from_utf8(&key_pem).expect("PEM is ASCII"));
    out.push_str(&certs);
    Ok(out)
}

/// An Entra ID application key credential, as Graph's `keyCredentials` and the app
/// manifest take it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct KeyCredential {
    /// Base64 of the binary SHA-1 thumbprint.
    pub custom_key_identifier: String,
    /// Base64 of the certificate's DER.
    pub key: String,
    /// Always `AsymmetricX509Cert`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Always `Verify`.
    pub usage: String,
    /// The certificate's subject, e.g. `CN=Octopus Deploy - Production`.
    pub display_name: String,
    /// notBefore, RFC 3339 UTC.
    pub start_date_time: String,
    /// notAfter, RFC 3339 UTC.
    pub end_date_time: String,
}

/// Builds the [`KeyCredential`] for a certificate.
pub fn key_credential(cert: &X509) -> Result<KeyCredential> {
    let der = cert
        .to_der()
        .map_err(Error::crypto("encoding the certificate"))?;
    let (not_before, not_after) = validity(&der)?;
    Ok(KeyCredential {
        custom_key_identifier: STANDARD.encode(digest(MessageDigest::sha1(), &der)),
        key: STANDARD.encode(&der),
        kind: "AsymmetricX509Cert".into(),
        usage: "Verify".into(),
        display_name: subject_string(&der)?,
        start_date_time: rfc3339(not_before),
        end_date_time: rfc3339(not_after),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_der_is_standard_base64() {
        assert_eq!(base64_der(b"abc"), "YWJj");
    }

    #[test]
    fn key_credential_matches_certificate() {
        use crate::generate::{self_signed, CertificateRequest, Validity};
        let key = crate::keys::generate_rsa(2048, false).unwrap();
        let req = CertificateRequest {
            common_name: "App cert".into(),
            validity: Validity::Days(10),
            now: time::macros::datetime!(2026-03-01 00:00 UTC),
            serial: [7; 16],
        };
        let cert = self_signed(&key, &req).unwrap();
        let kc = key_credential(&cert).unwrap();
        let json = serde_json::to_value(&kc).unwrap();
        assert_eq!(json["type"], "AsymmetricX509Cert");
        assert_eq!(json["usage"], "Verify");
        assert_eq!(json["displayName"], "CN=App cert");
        assert_eq!(json["startDateTime"], "2026-02-28T23:55:00Z");
        assert_eq!(json["endDateTime"], "2026-03-11T00:00:00Z");
        let der = STANDARD.decode(json["key"].as_str().unwrap()).unwrap();
        assert_eq!(der, cert.to_der().unwrap());
        let id = STANDARD
            .decode(json["customKeyIdentifier"].as_str().unwrap())
            .unwrap();
        assert_eq!(
            crate::x509::upper_hex(&id),
            crate::x509::thumbprint_sha1(&der)
        );
        let back: KeyCredential = serde_json::from_value(json).unwrap();
        assert_eq!(back, kc);
    }
}
