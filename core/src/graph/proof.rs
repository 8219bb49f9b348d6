//! The proof of possession `addKey` and `removeKey` require: a JWS signed with the key of
//! one of the application's current certificates, `aud`
//! `00000002-0000-0000-c000-000000000000`, `iss` the application's object id, and
//! `exp` ten minutes after `nbf` (`docs/azure.md` "Microsoft Graph"). It is signed by the
//! same code as the client assertion.

use openssl::pkey::{PKey, Private};
use openssl::x509::X509;
use serde_json::json;
use time::OffsetDateTime;
use zeroize::Zeroizing;

use crate::entra::{jws_header, sign_jws, SigningAlg};
use crate::error::{Error, Result};

/// The audience every proof names.
pub const PROOF_AUDIENCE: &str = "00000002-0000-0000-c000-000000000000";
/// `exp - nbf`: the longest lifetime Graph accepts.
pub const PROOF_LIFETIME_SECS: i64 = 600;

/// What goes into one proof.
pub struct ProofRequest<'a> {
    /// The application's object id (not its client id): `iss`.
    pub object_id: &'a str,
    /// A certificate registered on the application and valid now.
    pub certificate: &'a X509,
    /// Its private key.
    pub key: &'a PKey<Private>,
    /// The signature algorithm (Microsoft's sample uses RS256 with `x5t`).
    pub alg: SigningAlg,
    /// "Now": `nbf`; `exp` is [`PROOF_LIFETIME_SECS`] later.
    pub now: OffsetDateTime,
}

/// A signed proof. It lets its holder change the app's credentials for ten minutes, so
/// it is kept zeroizing and never shown by `Debug`.
pub struct Proof {
    jwt: Zeroizing<String>,
    /// Its `exp`.
    pub expires: OffsetDateTime,
}

impl std::fmt::Debug for Proof {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proof")
            .field("jwt", &"<redacted>")
            .field("expires", &self.expires)
            .finish()
    }
}

impl Proof {
    /// The compact JWS, for the request body's `proof` only.
    pub fn expose(&self) -> &str {
        &self.jwt
    }
}

/// Builds and signs a proof: header `alg`, `typ` JWT, `x5t` (RS256) or `x5t#S256`
/// (PS256); claims `aud`, `iss` = object id, `nbf` = now, `exp` = now + 10 minutes.
pub fn sign_proof(request: &ProofRequest<'_>) -> Result<Proof> {
    if request.key.rsa().is_err() {
        return Err(Error::InvalidArgument(
            "a Graph proof needs an RSA key; this certificate's key is not RSA".into(),
        ));
    }
    let der = request
        .certificate
        .to_der()
        .map_err(Error::crypto("encoding the certificate"))?;
    let nbf = request.now.unix_timestamp();
    let exp = nbf + PROOF_LIFETIME_SECS;
    let claims = json!({
        "aud": PROOF_AUDIENCE,
        "iss": request.object_id,
        "nbf": nbf,
        "exp": exp,
    });
    let jwt = sign_jws(
        &jws_header(&der, request.alg),
        &claims,
        request.key,
        request.alg,
    )?;
    // The proof lets its holder change the app's credentials for ten minutes: kept out of
    // every log line, as access tokens are.
    crate::redact::register(&jwt);
    Ok(Proof {
        jwt,
        expires: OffsetDateTime::from_unix_timestamp(exp)
            .map_err(|_| Error::InvalidArgument("the clock is out of range".into()))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use openssl::hash::MessageDigest;
    use openssl::sign::Verifier;
    use serde_json::Value;

    fn fixture() -> (X509, PKey<Private>) {
        use crate::generate::{self_signed, CertificateRequest, Validity};
        let key = crate::keys::generate_rsa(2048, false).unwrap();
        let cert = self_signed(
            &key,
            &CertificateRequest {
                common_name: "proof test".into(),
                validity: Validity::Days(30),
                now: time::macros::datetime!(2026-01-01 00:00 UTC),
                serial: [7; 16],
            },
        )
        .unwrap();
        (cert, key)
    }

    fn part(jwt: &str, n: usize) -> Value {
        let text = jwt.split('.').nth(n).unwrap();
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(text).unwrap()).unwrap()
    }

    #[test]
    fn header_and_claims_are_what_graph_checks() {
        let (cert, key) = fixture();
        let now = time::macros::datetime!(2026-01-02 03:04:05 UTC);
        let proof = sign_proof(&ProofRequest {
            object_id: "8d4c0f61-0000-4000-8000-000000000001",
            certificate: &cert,
            key: &key,
            alg: SigningAlg::Rs256,
            now,
        })
        .unwrap();
        let jwt = proof.expose();
        let header = part(jwt, 0);
        let der = cert.to_der().unwrap();
        assert_eq!(header["alg"], "RS256");
        assert_eq!(header["typ"], "JWT");
        assert_eq!(header["x5t"], crate::x509::x5t(&der));
        let claims = part(jwt, 1);
        assert_eq!(claims["aud"], "00000002-0000-0000-c000-000000000000");
        assert_eq!(claims["iss"], "8d4c0f61-0000-4000-8000-000000000001");
        assert_eq!(claims["nbf"], now.unix_timestamp());
        assert_eq!(claims["exp"], now.unix_timestamp() + 600);
        assert_eq!(
            claims.as_object().unwrap().len(),
            4,
            "aud, iss, nbf, exp only"
        );
        assert_eq!(proof.expires.unix_timestamp(), now.unix_timestamp() + 600);
        assert!(!format!("{proof:?}").contains(jwt), "Debug hides the JWS");

        // The signature verifies with the certificate's public key (PKCS#1 v1.5).
        let (signed, signature) = jwt.rsplit_once('.').unwrap();
        let public = cert.public_key().unwrap();
        let mut verifier = Verifier::new(MessageDigest::sha256(), &public).unwrap();
        verifier.update(signed.as_bytes()).unwrap();
        assert!(verifier
            .verify(&URL_SAFE_NO_PAD.decode(signature).unwrap())
            .unwrap());
    }

    #[test]
    fn ps256_names_the_certificate_by_sha256() {
        let (cert, key) = fixture();
        let proof = sign_proof(&ProofRequest {
            object_id: "o",
            certificate: &cert,
            key: &key,
            alg: SigningAlg::Ps256,
            now: time::macros::datetime!(2026-01-02 00:00 UTC),
        })
        .unwrap();
        let header = part(proof.expose(), 0);
        assert_eq!(header["alg"], "PS256");
        assert_eq!(
            header["x5t#S256"],
            crate::x509::x5t_s256(&cert.to_der().unwrap())
        );
        assert!(header.get("x5t").is_none());
    }
}
