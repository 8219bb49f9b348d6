//! Verification of a client assertion (a JWS signed with an app's certificate key), in
//! the order: parse, find the registered certificate by thumbprint, certificate
//! validity, signature, then claims (`iss`/`sub`, `aud`, time window, `jti`).
//!
//! Codes from `docs/azure.md` § "Entra ID sign-in"; `tests/README.md` says which are
//! documented and which are ours.

use base64::alphabet::URL_SAFE;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;
use openssl::asn1::Asn1Time;
use openssl::hash::MessageDigest;
use openssl::rsa::Padding;
use openssl::sign::{RsaPssSaltlen, Verifier};
use serde_json::Value;
use time::format_description::FormatItem;
use time::macros::format_description;
use time::OffsetDateTime;

use crate::config::{App, Certificate, ExpiredCertificateError};
use crate::entra_error::EntraError;

/// What the token endpoint needs besides the assertion text.
pub(crate) struct Expectations<'a> {
    pub app: &'a App,
    /// The exact token URL called; `aud` must equal it.
    pub token_url: &'a str,
    pub now: OffsetDateTime,
    pub skew: time::Duration,
    pub expired_certificate_error: ExpiredCertificateError,
}

/// The claims of an assertion that passed every check but the replay check.
pub(crate) struct Verified {
    pub jti: String,
}

pub(crate) enum Alg {
    Rs256,
    Ps256,
}

/// How the header names the signing certificate.
pub(crate) enum KeyRef {
    Sha1(String),
    Sha256(String),
    /// `kid` holding the hex SHA-1 thumbprint.
    KidHex(String),
}

fn malformed(detail: &str) -> EntraError {
    EntraError::invalid_request(
        50027,
        format!("JWT token is invalid or malformed. {detail}"),
    )
}

/// Thumbprint headers are read with or without base64 padding: MSAL for Python pads them
/// (`…EC4=`) and Entra ID accepts that (tests/README.md).
const THUMBPRINT: GeneralPurpose = GeneralPurpose::new(
    &URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

fn decode_json(part: &str) -> Option<Value> {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).ok()?).ok()
}

/// A JWS split into its parts: header, claims, the signed text and the signature.
pub(crate) struct Jws<'a> {
    pub header: Value,
    pub claims: Value,
    pub signed: &'a str,
    pub signature: Vec<u8>,
}

/// Splits and decodes a compact JWS; `Err` says what is malformed.
pub(crate) fn split_jws(jwt: &str) -> Result<Jws<'_>, &'static str> {
    let parts: Vec<&str> = jwt.split('.').collect();
    let [header_b64, claims_b64, signature_b64] = parts[..] else {
        return Err("A JWS has three dot-separated parts.");
    };
    let header = decode_json(header_b64).ok_or("The header is not base64url JSON.")?;
    let claims = decode_json(claims_b64).ok_or("The payload is not base64url JSON.")?;
    Ok(Jws {
        header,
        claims,
        signed: &jwt[..header_b64.len() + 1 + claims_b64.len()],
        signature: URL_SAFE_NO_PAD.decode(signature_b64).unwrap_or_default(),
    })
}

/// The header's `alg`, when it is one the services accept.
pub(crate) fn alg_of(header: &Value) -> Option<Alg> {
    match header.get("alg").and_then(Value::as_str) {
        Some("RS256") => Some(Alg::Rs256),
        Some("PS256") => Some(Alg::Ps256),
        _ => None,
    }
}

/// How the header names its certificate: `x5t#S256`, else `x5t`, else `kid`.
pub(crate) fn key_ref_of(header: &Value) -> Option<KeyRef> {
    let text = |name: &str| header.get(name).and_then(Value::as_str).map(str::to_owned);
    text("x5t#S256")
        .map(KeyRef::Sha256)
        .or_else(|| text("x5t").map(KeyRef::Sha1))
        .or_else(|| text("kid").map(KeyRef::KidHex))
}

pub(crate) fn verify(assertion: &str, want: &Expectations) -> Result<Verified, EntraError> {
    let jws = split_jws(assertion).map_err(malformed)?;
    let (header, claims) = (&jws.header, &jws.claims);
    let alg = alg_of(header).ok_or_else(|| {
        malformed(&format!(
            "Unsupported alg {:?}; use PS256 or RS256.",
            header.get("alg").and_then(Value::as_str)
        ))
    })?;
    let key_ref = key_ref_of(header).ok_or_else(|| {
        EntraError::invalid_client(
            5002723,
            "Invalid JWT header, no certificate thumbprint specified in the header.".into(),
        )
    })?;
    let client_id = &want.app.client_id;
    let thumbprint_shown = shown_thumbprint(&key_ref);
    let certificate = want
        .app
        .certificates
        .iter()
        .find(|c| key_matches(&key_ref, c))
        .ok_or_else(|| {
            EntraError::invalid_client(
                700027,
                format!(
                    "The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '{thumbprint_shown}', Please check the keys registered for app Id '{client_id}'.]"
                ),
            )
        })?;

    let (start, end) = validity(certificate);
    let found_key = format!("Found key 'Start={}, End={}'", us_date(start), us_date(end));
    if want.now < start || want.now > end {
        return Err(match want.expired_certificate_error {
            ExpiredCertificateError::Aadsts1000502 => EntraError::invalid_client(
                1000502,
                format!(
                    "The provided client certificate is not within its valid time range. Thumbprint: '{thumbprint_shown}', valid from {} to {}, current time {}.",
                    us_date(start),
                    us_date(end),
                    us_date(want.now)
                ),
            ),
            ExpiredCertificateError::Aadsts700027 => EntraError::invalid_client(
                700027,
                format!(
                    "Client assertion contains an invalid signature. [Reason - The key used is expired., Thumbprint of key used by client: '{thumbprint_shown}', {found_key}]"
                ),
            ),
        });
    }

    if !signature_ok(certificate, &alg, jws.signed.as_bytes(), &jws.signature) {
        return Err(EntraError::invalid_client(
            700027,
            format!(
                "Client assertion contains an invalid signature. [Reason - The key was found but the signature does not verify with it., Thumbprint of key used by client: '{thumbprint_shown}', {found_key}]"
            ),
        ));
    }

    let claim = |name: &str| claims.get(name);
    let required = |name: &str| {
        claim(name).ok_or_else(|| {
            EntraError::invalid_request(
                90014,
                format!("The required field '{name}' is missing from the credential. Ensure that you have all the necessary parameters for the login request."),
            )
        })
    };
    let iss = required("iss")?.as_str().unwrap_or_default();
    let sub = required("sub")?.as_str().unwrap_or_default();
    if iss != client_id || sub != client_id {
        return Err(EntraError::invalid_client(
            700021,
            "Client assertion application identifier doesn't match 'client_id' parameter.".into(),
        ));
    }
    match required("aud")? {
        Value::String(aud) if aud == want.token_url => {}
        Value::String(aud) => {
            return Err(EntraError::invalid_client(
                50012,
                format!(
                    "Client assertion audience claim does not match Realm issuer. Audience '{aud}', expected '{}'.",
                    want.token_url
                ),
            ))
        }
        _ => return Err(malformed("The aud claim must be one string.")),
    }
    let exp = time_claim(required("exp")?)?;
    // `nbf` is optional (MSAL sends none); the lifetime then starts at `iat`, or, without
    // either, is bounded by `exp` alone. Either may be an integer or a float (MSAL).
    let start = match claim("nbf").or_else(|| claim("iat")) {
        Some(v) => Some(time_claim(v)?),
        None => None,
    };
    let too_early = start.is_some_and(|start| want.now + want.skew < start);
    if too_early || want.now - want.skew >= exp {
        let from = start.map_or_else(|| "(no nbf or iat)".to_owned(), iso);
        return Err(EntraError::invalid_client(
            700024,
            format!(
                "Client assertion is not within its valid time range. Current time: {}, assertion valid from {from}, expiry time of assertion {}.",
                iso(want.now),
                iso(exp)
            ),
        ));
    }
    let jti = required("jti")?.as_str().unwrap_or_default().to_owned();
    if jti.is_empty() {
        return Err(malformed("The jti claim must be a non-empty string."));
    }
    Ok(Verified { jti })
}

pub(crate) fn key_matches(key_ref: &KeyRef, certificate: &Certificate) -> bool {
    let matches = |md, v: &str| {
        let sent = THUMBPRINT.decode(v);
        let digest = openssl::hash::hash(md, certificate.der());
        matches!((sent, digest), (Ok(sent), Ok(digest)) if sent[..] == digest[..])
    };
    match key_ref {
        KeyRef::Sha1(v) => matches(MessageDigest::sha1(), v),
        KeyRef::Sha256(v) => matches(MessageDigest::sha256(), v),
        KeyRef::KidHex(v) => certificate.sha1_thumbprint().eq_ignore_ascii_case(v),
    }
}

/// The thumbprint as Entra prints it: the decoded digest in upper-case hex.
fn shown_thumbprint(key_ref: &KeyRef) -> String {
    let hex = |v: &str| match THUMBPRINT.decode(v) {
        Ok(bytes) => bytes.iter().map(|b| format!("{b:02X}")).collect(),
        Err(_) => v.to_owned(),
    };
    match key_ref {
        KeyRef::Sha1(v) | KeyRef::Sha256(v) => hex(v),
        KeyRef::KidHex(v) => v.to_ascii_uppercase(),
    }
}

pub(crate) fn signature_ok(
    certificate: &Certificate,
    alg: &Alg,
    signed: &[u8],
    signature: &[u8],
) -> bool {
    let check = || -> Result<bool, openssl::error::ErrorStack> {
        let key = certificate.x509().public_key()?;
        if key.rsa().is_err() {
            return Ok(false);
        }
        let mut verifier = Verifier::new(MessageDigest::sha256(), &key)?;
        match alg {
            Alg::Rs256 => verifier.set_rsa_padding(Padding::PKCS1)?,
            Alg::Ps256 => {
                verifier.set_rsa_padding(Padding::PKCS1_PSS)?;
                verifier.set_rsa_pss_saltlen(RsaPssSaltlen::DIGEST_LENGTH)?;
                verifier.set_rsa_mgf1_md(MessageDigest::sha256())?;
            }
        }
        verifier.update(signed)?;
        verifier.verify(signature)
    };
    check().unwrap_or(false)
}

/// The certificate's notBefore and notAfter.
pub(crate) fn validity(certificate: &Certificate) -> (OffsetDateTime, OffsetDateTime) {
    let x509 = certificate.x509();
    let to_time = |t: &openssl::asn1::Asn1TimeRef| {
        let epoch = Asn1Time::from_unix(0).ok()?;
        let diff = epoch.diff(t).ok()?;
        let seconds = i64::from(diff.days) * 86_400 + i64::from(diff.secs);
        OffsetDateTime::from_unix_timestamp(seconds).ok()
    };
    (
        to_time(x509.not_before()).unwrap_or(OffsetDateTime::UNIX_EPOCH),
        to_time(x509.not_after()).unwrap_or(OffsetDateTime::UNIX_EPOCH),
    )
}

pub(crate) fn time_claim(value: &Value) -> Result<OffsetDateTime, EntraError> {
    value
        .as_i64()
        .or_else(|| value.as_f64().map(|f| f as i64))
        .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
        .ok_or_else(|| malformed("Time claims are seconds since the epoch."))
}

/// `2024-01-01T00:00:00.0000000Z`, the form Entra shows assertion times in.
const ISO: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].0000000Z");
/// `MM/DD/YYYY HH:MM:SS`, the form Entra shows certificate dates in.
const US_DATE: &[FormatItem<'static>] =
    format_description!("[month]/[day]/[year] [hour]:[minute]:[second]");

pub(crate) fn iso(t: OffsetDateTime) -> String {
    t.format(ISO).unwrap_or_default()
}

pub(crate) fn us_date(t: OffsetDateTime) -> String {
    t.format(US_DATE).unwrap_or_default()
}
