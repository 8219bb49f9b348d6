//! Federated client assertions (workload identity federation): a token from an external
//! OIDC issuer, accepted when one of the app's federated identity credentials names its
//! `iss`, `sub` and `aud`, and its RS256 signature verifies with a key of the issuer's
//! configured JWKS.
//!
//! Checked in the order: parse, issuer (AADSTS700211), signature against the JWKS
//! (AADSTS50013), time window (AADSTS700024), subject (AADSTS700213, or AADSTS70021 when
//! the subject belongs to another issuer's credential), audience (AADSTS700212). The codes
//! are documented (`docs/azure.md` "Federated credentials"); the order and the 50013 for a
//! bad signature are ours (`tests/README.md`).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use openssl::bn::BigNum;
use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::rsa::Rsa;
use openssl::sign::Verifier;
use serde_json::Value;
use time::OffsetDateTime;

use crate::config::{App, OidcIssuer};
use crate::entra_error::EntraError;

fn decode_json(part: &str) -> Option<Value> {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).ok()?).ok()
}

/// Whether `jwt` is an external token rather than an assertion the app signed itself: its
/// `iss` is not the client id, and either the app has federated credentials or the header
/// names no certificate (`x5t`, `x5t#S256`). An app-signed assertion with a wrong `iss`
/// thus still gets AADSTS700021.
pub(crate) fn is_federated(jwt: &str, app: &App) -> bool {
    let mut parts = jwt.split('.');
    let (Some(header), Some(claims)) = (
        parts.next().and_then(decode_json),
        parts.next().and_then(decode_json),
    ) else {
        return false;
    };
    let foreign = claims
        .get("iss")
        .and_then(Value::as_str)
        .is_some_and(|iss| !iss.eq_ignore_ascii_case(&app.client_id));
    let names_certificate = header.get("x5t").is_some() || header.get("x5t#S256").is_some();
    foreign && (!app.federated.is_empty() || !names_certificate)
}

fn no_match(code: u32, what: &str, value: &str) -> EntraError {
    EntraError::invalid_client(
        code,
        format!(
            "No matching federated identity record found for presented assertion {what}'{value}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion."
        ),
    )
}

/// Verifies a federated token for `app`.
pub(crate) fn verify(
    jwt: &str,
    app: &App,
    issuers: &[OidcIssuer],
    now: OffsetDateTime,
    skew: time::Duration,
) -> Result<(), EntraError> {
    let malformed = |detail: &str| {
        EntraError::invalid_request(
            50027,
            format!("JWT token is invalid or malformed. {detail}"),
        )
    };
    let parts: Vec<&str> = jwt.split('.').collect();
    let [header_b64, claims_b64, signature_b64] = parts[..] else {
        return Err(malformed("A JWS has three dot-separated parts."));
    };
    let header = decode_json(header_b64).ok_or_else(|| malformed("Bad header."))?;
    let claims = decode_json(claims_b64).ok_or_else(|| malformed("Bad payload."))?;
    let text = |name: &str| claims.get(name).and_then(Value::as_str).unwrap_or_default();
    let (iss, sub) = (text("iss"), text("sub"));
    let audiences: Vec<&str> = match claims.get("aud") {
        Some(Value::String(a)) => vec![a.as_str()],
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };

    let for_issuer: Vec<_> = app.federated.iter().filter(|f| f.issuer == iss).collect();
    if for_issuer.is_empty() {
        return Err(no_match(700211, "issuer ", iss));
    }

    if header.get("alg").and_then(Value::as_str) != Some("RS256") {
        return Err(malformed("Federated tokens are verified as RS256."));
    }
    let kid = header.get("kid").and_then(Value::as_str);
    let signature = URL_SAFE_NO_PAD.decode(signature_b64).unwrap_or_default();
    let signed = &jwt[..header_b64.len() + 1 + claims_b64.len()];
    let verified = issuers
        .iter()
        .filter(|i| i.issuer == iss)
        .flat_map(|i| i.jwks["keys"].as_array().cloned().unwrap_or_default())
        .filter(|k| kid.is_none() || k.get("kid").and_then(Value::as_str) == kid)
        .any(|k| rs256_ok(&k, signed.as_bytes(), &signature));
    if !verified {
        return Err(EntraError::invalid_client(
            50013,
            format!(
                "Assertion failed signature validation. [Reason - The key was not found or the signature does not verify., Key ID used by the issuer: '{}', Issuer: '{iss}']",
                kid.unwrap_or("")
            ),
        ));
    }

    let exp = claims
        .get("exp")
        .and_then(Value::as_i64)
        .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
        .ok_or_else(|| {
            EntraError::invalid_request(
                90014,
                "The required field 'exp' is missing from the credential. Ensure that you have all the necessary parameters for the login request.".into(),
            )
        })?;
    let nbf = claims
        .get("nbf")
        .and_then(Value::as_i64)
        .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok());
    if now - skew >= exp || nbf.is_some_and(|nbf| now + skew < nbf) {
        return Err(EntraError::invalid_client(
            700024,
            format!(
                "Client assertion is not within its valid time range. Current time: {}, expiry time of assertion {}.",
                crate::assertion::iso(now),
                crate::assertion::iso(exp)
            ),
        ));
    }

    let for_subject: Vec<_> = for_issuer.iter().filter(|f| f.subject == sub).collect();
    if for_subject.is_empty() {
        let elsewhere = app.federated.iter().any(|f| f.subject == sub);
        return Err(if elsewhere {
            EntraError::invalid_client(
                70021,
                "No matching federated identity record found for presented assertion. Assertion Issuer: '{iss}'. Assertion Subject: '{sub}'.".replace("{iss}", iss).replace("{sub}", sub),
            )
        } else {
            no_match(700213, "subject ", sub)
        });
    }
    let audience_ok = for_subject.iter().any(|f| {
        audiences
            .iter()
            .any(|a| f.audiences.iter().any(|want| want == a))
    });
    if !audience_ok {
        return Err(no_match(700212, "audience ", &audiences.join(",")));
    }
    Ok(())
}

/// RS256 with an RSA JWK (`n`, `e`).
fn rs256_ok(jwk: &Value, signed: &[u8], signature: &[u8]) -> bool {
    let check = || -> Option<bool> {
        if jwk.get("kty").and_then(Value::as_str) != Some("RSA") {
            return Some(false);
        }
        let number = |name: &str| {
            let bytes = URL_SAFE_NO_PAD.decode(jwk.get(name)?.as_str()?).ok()?;
            BigNum::from_slice(&bytes).ok()
        };
        let rsa = Rsa::from_public_components(number("n")?, number("e")?).ok()?;
        let key = PKey::from_rsa(rsa).ok()?;
        let mut verifier = Verifier::new(MessageDigest::sha256(), &key).ok()?;
        verifier.update(signed).ok()?;
        verifier.verify(signature).ok()
    };
    check().unwrap_or(false)
}
