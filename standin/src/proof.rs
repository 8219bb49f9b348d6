//! Graph's proof of possession for `addKey`/`removeKey`: a JWS signed with the key of one
//! of the application's currently valid registered certificates, `aud`
//! `00000002-0000-0000-c000-000000000000`, `iss` the application's object id, and an
//! `nbf`…`exp` window of at most ten minutes (`docs/azure.md` § "Microsoft Graph").

use time::OffsetDateTime;

use crate::assertion::{
    alg_of, key_matches, key_ref_of, signature_ok, split_jws, time_claim, validity,
};
use crate::config::App;

/// The audience a proof must name.
pub(crate) const PROOF_AUDIENCE: &str = "00000002-0000-0000-c000-000000000000";
/// The longest `exp - nbf` Graph accepts.
const MAX_LIFETIME_SECONDS: i64 = 600;

/// Why a proof was refused (for the stand-in's log and message; Graph itself answers
/// every case the same way).
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ProofRefusal {
    Malformed,
    NoValidCertificate,
    UnknownKey,
    BadSignature,
    WrongAudience,
    WrongIssuer,
    OutsideWindow,
    TooLong,
}

impl ProofRefusal {
    pub fn detail(&self) -> &'static str {
        match self {
            ProofRefusal::Malformed => "the proof is not a JWS with alg RS256 or PS256",
            ProofRefusal::NoValidCertificate => "the application has no valid certificate",
            ProofRefusal::UnknownKey => {
                "the proof's certificate is not one of the application's valid certificates"
            }
            ProofRefusal::BadSignature => "the proof's signature does not verify",
            ProofRefusal::WrongAudience => {
                "the proof's aud is not 00000002-0000-0000-c000-000000000000"
            }
            ProofRefusal::WrongIssuer => "the proof's iss is not the application's object id",
            ProofRefusal::OutsideWindow => "the proof is outside its nbf/exp window",
            ProofRefusal::TooLong => "the proof lives longer than ten minutes",
        }
    }
}

/// Checks `proof` for `app` at `now`, allowing `skew` on `nbf` and `exp`.
pub(crate) fn verify(
    proof: &str,
    app: &App,
    now: OffsetDateTime,
    skew: time::Duration,
) -> Result<(), ProofRefusal> {
    let jws = split_jws(proof).map_err(|_| ProofRefusal::Malformed)?;
    let alg = alg_of(&jws.header).ok_or(ProofRefusal::Malformed)?;
    let key_ref = key_ref_of(&jws.header).ok_or(ProofRefusal::Malformed)?;
    let valid: Vec<_> = app
        .certificates
        .iter()
        .filter(|c| {
            let (start, end) = validity(c);
            start <= now && now <= end
        })
        .collect();
    if valid.is_empty() {
        return Err(ProofRefusal::NoValidCertificate);
    }
    let certificate = valid
        .into_iter()
        .find(|c| key_matches(&key_ref, c))
        .ok_or(ProofRefusal::UnknownKey)?;
    if !signature_ok(certificate, &alg, jws.signed.as_bytes(), &jws.signature) {
        return Err(ProofRefusal::BadSignature);
    }
    let text = |name: &str| jws.claims.get(name).and_then(serde_json::Value::as_str);
    if text("aud") != Some(PROOF_AUDIENCE) {
        return Err(ProofRefusal::WrongAudience);
    }
    if !text("iss").is_some_and(|iss| iss.eq_ignore_ascii_case(&app.object_id)) {
        return Err(ProofRefusal::WrongIssuer);
    }
    let time = |name: &str| jws.claims.get(name).and_then(|v| time_claim(v).ok());
    let (Some(nbf), Some(exp)) = (time("nbf"), time("exp")) else {
        return Err(ProofRefusal::OutsideWindow);
    };
    if (exp - nbf).whole_seconds() > MAX_LIFETIME_SECONDS {
        return Err(ProofRefusal::TooLong);
    }
    if now + skew < nbf || now - skew >= exp {
        return Err(ProofRefusal::OutsideWindow);
    }
    Ok(())
}
