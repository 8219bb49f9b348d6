//! The client assertion: a JWS that proves possession of the app certificate's key
//! (`docs/azure.md` "Entra ID sign-in"). Built with OpenSSL, serde_json and base64 only.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Padding;
use openssl::sign::{RsaPssSaltlen, Signer};
use openssl::x509::X509;
use serde::Serialize;
use serde_json::{json, Map, Value};
use time::OffsetDateTime;
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::x509::{x5t, x5t_s256};

/// How long an assertion is valid: Entra accepts 5–10 minutes; shorter limits the harm
/// of a leaked one.
pub const ASSERTION_LIFETIME_SECS: i64 = 300;

/// The JWS signature algorithm of a client assertion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum SigningAlg {
    /// RSASSA-PSS with SHA-256 (salt = digest length), header thumbprint `x5t#S256`:
    /// what Microsoft recommends now.
    Ps256,
    /// RSASSA-PKCS1-v1_5 with SHA-256, header thumbprint `x5t` (SHA-1): what most older
    /// SDKs send, still accepted.
    Rs256,
}

impl SigningAlg {
    /// The JOSE `alg` name.
    pub fn jose_name(self) -> &'static str {
        match self {
            SigningAlg::Ps256 => "PS256",
            SigningAlg::Rs256 => "RS256",
        }
    }

    /// The header that names the certificate: `x5t#S256` (PS256) or `x5t` (RS256).
    pub fn thumbprint_header(self) -> &'static str {
        match self {
            SigningAlg::Ps256 => "x5t#S256",
            SigningAlg::Rs256 => "x5t",
        }
    }
}

/// What goes into one client assertion. `now` and `jti` are parameters so that tests
/// (and the CLI's fake clock) decide them.
pub struct AssertionRequest<'a> {
    /// The application (client) ID: `iss` and `sub`.
    pub client_id: &'a str,
    /// The exact token URL the assertion is sent to: `aud`.
    pub token_url: &'a str,
    /// The registered certificate (the leaf).
    pub certificate: &'a X509,
    /// The certificate's private key.
    pub key: &'a PKey<Private>,
    /// Certificates after the leaf, sent in `x5c` when `send_x5c` is set.
    pub chain: &'a [X509],
    /// Put the chain (leaf first) in the `x5c` header.
    pub send_x5c: bool,
    /// The signature algorithm.
    pub alg: SigningAlg,
    /// "Now": `iat` and `nbf`; `exp` is [`ASSERTION_LIFETIME_SECS`] later.
    pub now: OffsetDateTime,
    /// The assertion's unique ID (a fresh UUID v4 for every token request).
    pub jti: uuid::Uuid,
}

/// A signed client assertion. It is a bearer credential for a few minutes, so it is kept
/// in a zeroizing buffer and its `Debug` does not show it.
pub struct ClientAssertion {
    jwt: Zeroizing<String>,
    /// The `jti` it carries.
    pub jti: uuid::Uuid,
    /// Its `exp`.
    pub expires: OffsetDateTime,
}

impl std::fmt::Debug for ClientAssertion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientAssertion")
            .field("jwt", &"<redacted>")
            .field("jti", &self.jti)
            .field("expires", &self.expires)
            .finish()
    }
}

impl ClientAssertion {
    /// The compact JWS, for the `client_assertion` form field only.
    pub fn expose(&self) -> &str {
        &self.jwt
    }
}

fn b64_json(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).expect("JSON values serialize"))
}

/// Builds and signs a client assertion.
///
/// Header: `alg`, `typ` JWT, `x5t#S256` (PS256) or `x5t` (RS256), optional `x5c`.
/// Claims: `aud` = token URL, `iss` = `sub` = client ID, `jti`, `nbf` = `iat` = now,
/// `exp` = now + 5 minutes. The key must be RSA.
pub fn sign_assertion(request: &AssertionRequest<'_>) -> Result<ClientAssertion> {
    if request.key.rsa().is_err() {
        return Err(Error::InvalidArgument(
            "Entra ID client assertions need an RSA key; this certificate's key is not RSA".into(),
        ));
    }
    let der = request
        .certificate
        .to_der()
        .map_err(Error::crypto("encoding the certificate"))?;
    let mut header = jws_header(&der, request.alg);
    if request.send_x5c {
        let mut x5c = vec![json!(STANDARD.encode(&der))];
        for c in request.chain {
            let der = c.to_der().map_err(Error::crypto("encoding the chain"))?;
            x5c.push(json!(STANDARD.encode(der)));
        }
        header.insert("x5c".into(), Value::Array(x5c));
    }
    let now = request.now.unix_timestamp();
    let exp = now + ASSERTION_LIFETIME_SECS;
    let claims = json!({
        "aud": request.token_url,
        "iss": request.client_id,
        "sub": request.client_id,
        "jti": request.jti.to_string(),
        "nbf": now,
        "iat": now,
        "exp": exp,
    });
    let jwt = sign_jws(&header, &claims, request.key, request.alg)?;
    Ok(ClientAssertion {
        jwt,
        jti: request.jti,
        expires: OffsetDateTime::from_unix_timestamp(exp)
            .map_err(|_| Error::InvalidArgument("the clock is out of range".into()))?,
    })
}

/// The JOSE header naming a certificate (DER) the way `alg` calls for: `alg`, `typ`
/// JWT, and `x5t#S256` (PS256) or `x5t` (RS256).
pub(crate) fn jws_header(der: &[u8], alg: SigningAlg) -> Map<String, Value> {
    let mut header = Map::new();
    header.insert("alg".into(), json!(alg.jose_name()));
    header.insert("typ".into(), json!("JWT"));
    match alg {
        SigningAlg::Ps256 => header.insert("x5t#S256".into(), json!(x5t_s256(der))),
        SigningAlg::Rs256 => header.insert("x5t".into(), json!(x5t(der))),
    };
    header
}

/// Signs `header` and `claims` into a compact JWS with an RSA `key` (checked by the
/// callers), kept in a zeroizing buffer: a JWS that proves possession of a key is a
/// credential while it lasts.
pub(crate) fn sign_jws(
    header: &Map<String, Value>,
    claims: &Value,
    key: &PKey<Private>,
    alg: SigningAlg,
) -> Result<Zeroizing<String>> {
    let signing_input = format!(
        "{}.{}",
        b64_json(&Value::Object(header.clone())),
        b64_json(claims)
    );
    let signature = sign(key, alg, signing_input.as_bytes())?;
    Ok(Zeroizing::new(format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(signature)
    )))
}

fn sign(key: &PKey<Private>, alg: SigningAlg, data: &[u8]) -> Result<Vec<u8>> {
    let ctx = "signing a JWS";
    let mut signer = Signer::new(MessageDigest::sha256(), key).map_err(Error::crypto(ctx))?;
    match alg {
        SigningAlg::Rs256 => signer
            .set_rsa_padding(Padding::PKCS1)
            .map_err(Error::crypto(ctx))?,
        SigningAlg::Ps256 => {
            signer
                .set_rsa_padding(Padding::PKCS1_PSS)
                .map_err(Error::crypto(ctx))?;
            signer
                .set_rsa_pss_saltlen(RsaPssSaltlen::DIGEST_LENGTH)
                .map_err(Error::crypto(ctx))?;
            signer
                .set_rsa_mgf1_md(MessageDigest::sha256())
                .map_err(Error::crypto(ctx))?;
        }
    }
    signer.update(data).map_err(Error::crypto(ctx))?;
    signer.sign_to_vec().map_err(Error::crypto(ctx))
}

#[cfg(test)]
mod tests {
    use super::*;
    use openssl::sign::Verifier;

    fn fixture() -> (X509, PKey<Private>, X509) {
        use crate::generate::{self_signed, CertificateRequest, Validity};
        let key = crate::keys::generate_rsa(2048, false).unwrap();
        let req = CertificateRequest {
            common_name: "assertion test".into(),
            validity: Validity::Days(30),
            now: time::macros::datetime!(2026-01-01 00:00 UTC),
            serial: [9; 16],
        };
        let cert = self_signed(&key, &req).unwrap();
        let ca_key = crate::keys::generate_rsa(2048, false).unwrap();
        let ca = self_signed(
            &ca_key,
            &CertificateRequest {
                common_name: "chain".into(),
                ..req
            },
        )
        .unwrap();
        (cert, key, ca)
    }

    fn decode(part: &str) -> Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
    }

    fn make(alg: SigningAlg, send_x5c: bool) -> (ClientAssertion, X509, PKey<Private>, X509) {
        let (cert, key, ca) = fixture();
        let jti = uuid::Uuid::new_v4();
        let assertion = sign_assertion(&AssertionRequest {
            client_id: "22222222-2222-2222-2222-222222222222",
            token_url: "https://login.example/t/oauth2/v2.0/token",
            certificate: &cert,
            key: &key,
            chain: std::slice::from_ref(&ca),
            send_x5c,
            alg,
            now: time::macros::datetime!(2026-01-02 03:04:05 UTC),
            jti,
        })
        .unwrap();
        assert_eq!(assertion.jti, jti);
        (assertion, cert, key, ca)
    }

    fn verify(jwt: &str, key: &PKey<Private>, alg: SigningAlg) -> bool {
        let (input, sig) = jwt.rsplit_once('.').unwrap();
        let sig = URL_SAFE_NO_PAD.decode(sig).unwrap();
        let public = PKey::public_key_from_pem(&key.public_key_to_pem().unwrap()).unwrap();
        let mut v = Verifier::new(MessageDigest::sha256(), &public).unwrap();
        if alg == SigningAlg::Ps256 {
            v.set_rsa_padding(Padding::PKCS1_PSS).unwrap();
            v.set_rsa_pss_saltlen(RsaPssSaltlen::DIGEST_LENGTH).unwrap();
            v.set_rsa_mgf1_md(MessageDigest::sha256()).unwrap();
        } else {
            v.set_rsa_padding(Padding::PKCS1).unwrap();
        }
        v.update(input.as_bytes()).unwrap();
        v.verify(&sig).unwrap()
    }

    #[test]
    fn ps256_header_and_claims() {
        let (a, cert, key, _) = make(SigningAlg::Ps256, false);
        let parts: Vec<&str> = a.expose().split('.').collect();
        assert_eq!(parts.len(), 3);
        let header = decode(parts[0]);
        let der = cert.to_der().unwrap();
        let sha256 = openssl::hash::hash(MessageDigest::sha256(), &der).unwrap();
        assert_eq!(header["alg"], "PS256");
        assert_eq!(header["typ"], "JWT");
        assert_eq!(header["x5t#S256"], URL_SAFE_NO_PAD.encode(sha256));
        assert!(header.get("x5t").is_none() && header.get("x5c").is_none());
        assert_eq!(header.as_object().unwrap().len(), 3);
        let claims = decode(parts[1]);
        assert_eq!(claims["aud"], "https://login.example/t/oauth2/v2.0/token");
        assert_eq!(claims["iss"], "22222222-2222-2222-2222-222222222222");
        assert_eq!(claims["sub"], claims["iss"]);
        let now = time::macros::datetime!(2026-01-02 03:04:05 UTC).unix_timestamp();
        assert_eq!(claims["iat"], now);
        assert_eq!(claims["nbf"], now);
        assert_eq!(claims["exp"], now + 300);
        let jti = uuid::Uuid::parse_str(claims["jti"].as_str().unwrap()).unwrap();
        assert_eq!(jti, a.jti);
        assert_eq!(jti.get_version_num(), 4);
        assert_eq!(claims.as_object().unwrap().len(), 7);
        assert!(verify(a.expose(), &key, SigningAlg::Ps256));
        assert!(
            !verify(a.expose(), &key, SigningAlg::Rs256),
            "PSS, not PKCS#1"
        );
        assert_eq!(a.expires.unix_timestamp(), now + 300);
    }

    #[test]
    fn rs256_uses_sha1_x5t_and_pkcs1() {
        let (a, cert, key, _) = make(SigningAlg::Rs256, false);
        let header = decode(a.expose().split('.').next().unwrap());
        let sha1 = openssl::hash::hash(MessageDigest::sha1(), &cert.to_der().unwrap()).unwrap();
        assert_eq!(header["alg"], "RS256");
        assert_eq!(header["x5t"], URL_SAFE_NO_PAD.encode(sha1));
        assert!(header.get("x5t#S256").is_none());
        assert!(verify(a.expose(), &key, SigningAlg::Rs256));
    }

    #[test]
    fn x5c_is_the_chain_leaf_first_in_standard_base64() {
        let (a, cert, _, ca) = make(SigningAlg::Ps256, true);
        let header = decode(a.expose().split('.').next().unwrap());
        let x5c = header["x5c"].as_array().unwrap();
        assert_eq!(x5c.len(), 2);
        assert_eq!(
            STANDARD.decode(x5c[0].as_str().unwrap()).unwrap(),
            cert.to_der().unwrap()
        );
        assert_eq!(
            STANDARD.decode(x5c[1].as_str().unwrap()).unwrap(),
            ca.to_der().unwrap()
        );
    }

    #[test]
    fn debug_hides_the_jwt_and_ec_keys_are_refused() {
        let (a, _, _, _) = make(SigningAlg::Ps256, false);
        let shown = format!("{a:?}");
        assert!(shown.contains("<redacted>") && !shown.contains(a.expose()));
        let ec = openssl::ec::EcKey::generate(
            &openssl::ec::EcGroup::from_curve_name(openssl::nid::Nid::X9_62_PRIME256V1).unwrap(),
        )
        .unwrap();
        let ec = PKey::from_ec_key(ec).unwrap();
        let (cert, _, _) = fixture();
        let err = sign_assertion(&AssertionRequest {
            client_id: "c",
            token_url: "u",
            certificate: &cert,
            key: &ec,
            chain: &[],
            send_x5c: false,
            alg: SigningAlg::Ps256,
            now: OffsetDateTime::UNIX_EPOCH,
            jti: uuid::Uuid::new_v4(),
        })
        .unwrap_err();
        assert!(err.to_string().contains("RSA"));
    }
}
