//! One explanation of a sign-in that got no token: the kind of failure, the cause and
//! the fix (from the AADSTS table in [`crate::diagnose`], sharpened with what was sent),
//! and the IDs Microsoft support asks for. Every command that signs in shows this, so a
//! new row in the table reaches all of them.

use serde::Serialize;
use time::OffsetDateTime;

use super::credential::Credential;
use super::token::TokenError;
use crate::diagnose::Diagnosis;
use crate::ids::is_guid;
use crate::x509::{rfc3339, thumbprint_sha1, thumbprint_sha256};

/// How a token request failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// Entra ID refused the credential or the request (4xx with its error JSON).
    Rejected,
    /// Entra ID answered 429/5xx after the retries, or something that is not a token.
    Service,
    /// No HTTP answer.
    Network,
}

impl FailureKind {
    /// `rejected`, `service` or `network`.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::Rejected => "rejected",
            FailureKind::Service => "service",
            FailureKind::Network => "network",
        }
    }
}

one_word!(FailureKind);

/// Why no token came, in words, with Entra ID's own fields (`--output json` shows it as
/// is; never a secret or a token).
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    /// The kind of failure.
    pub kind: FailureKind,
    /// HTTP status, when there was an answer.
    pub status: Option<u16>,
    /// `AADSTS…`, the OAuth `error`, or the network failure kind.
    pub code: Option<String>,
    /// Entra ID's `error_codes`.
    pub error_codes: Vec<u32>,
    /// Entra ID's message (its first line), or the network error.
    pub description: String,
    /// What it means.
    pub cause: String,
    /// What to do.
    pub fix: String,
    /// `trace_id`, for Microsoft support.
    pub trace_id: Option<String>,
    /// `correlation_id`, for Microsoft support.
    pub correlation_id: Option<String>,
    /// `timestamp` as Entra ID wrote it.
    pub timestamp: Option<String>,
    /// Attempts made (429/5xx and network failures are retried).
    pub attempts: Option<u32>,
    /// The row of the AADSTS table the cause and fix start from, when there is one.
    #[serde(skip)]
    pub diagnosis: Option<Diagnosis>,
    /// The token URL asked.
    #[serde(skip)]
    pub token_url: String,
}

impl Explanation {
    /// The one-line message: who failed, with which code, where.
    pub fn headline(&self) -> String {
        let url = &self.token_url;
        match self.kind {
            FailureKind::Rejected => {
                format!(
                    "Entra ID rejected the sign-in with {} ({url})",
                    self.label()
                )
            }
            FailureKind::Service => format!("Entra ID did not issue a token ({url})"),
            FailureKind::Network => format!("could not reach Entra ID ({url})"),
        }
    }

    /// The code, else the kind: what a report's step line names.
    pub fn label(&self) -> &str {
        self.code.as_deref().unwrap_or(self.kind.as_str())
    }

    /// What came back, in one line: Entra ID's message with its code, the HTTP status,
    /// or the network error.
    pub fn answer(&self) -> String {
        match self.kind {
            FailureKind::Rejected if self.description.starts_with(self.label()) => {
                self.description.clone()
            }
            FailureKind::Rejected => format!("{}: {}", self.label(), self.description),
            FailureKind::Service => format!(
                "the token endpoint answered HTTP {}",
                self.status.unwrap_or_default()
            ),
            FailureKind::Network => self.description.clone(),
        }
    }

    /// Whether Entra ID sent `code` among its `error_codes`.
    pub fn has_code(&self, code: u32) -> bool {
        self.error_codes.contains(&code)
    }
}

/// Whether a rejected client secret has the shape of a file path (a separator, or a
/// certificate or key file's extension). Judged by shape only: the secret is never handed
/// to the file system, not even to `stat` it.
fn looks_like_a_path(value: &str) -> bool {
    const EXTENSIONS: [&str; 7] = [".pfx", ".p12", ".pem", ".cer", ".crt", ".key", ".der"];
    let lower = value.to_ascii_lowercase();
    value.contains('/')
        || value.contains('\\')
        || value.starts_with('~')
        || EXTENSIONS.iter().any(|e| lower.ends_with(e))
}

/// The explanation of `error` for a sign-in at `token_url` with `credential`, the local
/// clock reading `now`.
pub(super) fn explain(
    error: &TokenError,
    token_url: &str,
    credential: &Credential<'_>,
    now: OffsetDateTime,
) -> Explanation {
    let mut out = Explanation {
        kind: FailureKind::Rejected,
        status: None,
        code: None,
        error_codes: Vec::new(),
        description: String::new(),
        cause: String::new(),
        fix: String::new(),
        trace_id: None,
        correlation_id: None,
        timestamp: None,
        attempts: None,
        diagnosis: None,
        token_url: token_url.to_owned(),
    };
    let entra = match error {
        TokenError::Rejected(entra) => Some(entra),
        TokenError::Service { error, .. } => error.as_ref(),
        TokenError::Network { .. } => None,
    };
    if let Some(entra) = entra {
        out.status = Some(entra.status);
        out.code = Some(entra.code_label());
        out.error_codes = entra.error_codes.clone();
        out.description = entra.description.clone();
        out.trace_id = entra.trace_id.clone();
        out.correlation_id = entra.correlation_id.clone();
        out.timestamp = entra.timestamp.clone();
    }
    match error {
        TokenError::Rejected(entra) => {
            out.diagnosis = entra.diagnosis();
            (out.cause, out.fix) = match &out.diagnosis {
                Some(d) => (d.cause.clone(), d.fix.clone()),
                None => (
                    format!("Entra ID refused the request: {}", entra.description),
                    "see Entra ID's message; give the trace and correlation IDs to support".into(),
                ),
            };
            sharpen(&mut out, credential, now);
        }
        TokenError::Service {
            status, attempts, ..
        } => {
            out.kind = FailureKind::Service;
            out.status = Some(*status);
            out.attempts = Some(*attempts);
            out.cause =
                format!("the token endpoint answered HTTP {status} after {attempts} attempt(s)");
            out.fix = "try again later; certtool already retried, honouring Retry-After".into();
        }
        TokenError::Network { failure, attempts } => {
            out.kind = FailureKind::Network;
            out.attempts = Some(*attempts);
            out.code = Some(format!("{:?}", failure.kind).to_ascii_lowercase());
            out.description = failure.detail.clone();
            (out.cause, out.fix) = crate::proxy::explain(failure, token_url);
        }
    }
    out
}

/// Adds to a refusal's cause and fix what only this sign-in knows: the thumbprints and
/// header it sent, the federated token's claims, the local clock, the shape of a
/// refused secret.
fn sharpen(out: &mut Explanation, credential: &Credential<'_>, now: OffsetDateTime) {
    if out.has_code(700027) {
        if let Credential::Certificate(c) = credential {
            if let Ok(der) = c.certificate.to_der() {
                out.cause = format!(
                    "{}; certtool sent the certificate with SHA-1 thumbprint {} and SHA-256 {} (header {})",
                    out.cause,
                    thumbprint_sha1(&der),
                    thumbprint_sha256(&der),
                    c.alg.thumbprint_header()
                );
            }
            out.fix = format!(
                "{}; or try --alg rs256 if the app expects the SHA-1 x5t",
                out.fix
            );
        }
    }
    if let Credential::Federated(token) = credential {
        let claims = &token.claims;
        if out.has_code(700024) {
            out.cause = format!(
                "the federated token is outside its valid time range (it expires {}; local clock: {})",
                claims.expires.as_deref().unwrap_or("(no exp)"),
                rfc3339(now)
            );
            out.fix = "get a fresh token right before signing in (GitHub Actions and Kubernetes tokens live minutes to an hour; a token file must be the one the platform keeps refreshing)".into();
        }
        out.cause = format!(
            "{}; certtool sent a federated token with {}",
            out.cause,
            claims.describe()
        );
    } else if out.has_code(700024) || out.has_code(1000502) {
        out.cause = format!("{}; local clock: {}", out.cause, rfc3339(now));
        out.fix = format!("{}; check that NTP keeps this machine's time", out.fix);
    }
    if out.has_code(7000215) {
        if let Credential::Secret(secret) = credential {
            let value = secret.expose().trim();
            if is_guid(value) {
                out.cause = format!(
                    "{}; the value given has the shape of a GUID, as a Secret ID has",
                    out.cause
                );
            } else if looks_like_a_path(value) {
                out.cause = format!(
                    "{}; the value given looks like a file path — a certificate goes with --cert",
                    out.cause
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entra::parse_error;
    use crate::http::{Failure, FailureKind as NetworkKind};
    use crate::secret::Secret;

    const URL: &str = "https://login.example/t/oauth2/v2.0/token";

    fn rejected(code: u32) -> TokenError {
        let body = serde_json::json!({
            "error": "invalid_client",
            "error_description": format!("AADSTS{code}: Entra's words.\r\nTrace ID: t"),
            "error_codes": [code],
            "trace_id": "t-1",
            "correlation_id": "c-1",
            "timestamp": "2026-01-01 00:00:00Z",
        });
        TokenError::Rejected(parse_error(401, body.to_string().as_bytes()).unwrap())
    }

    fn now() -> OffsetDateTime {
        time::macros::datetime!(2026-01-01 00:00 UTC)
    }

    /// What `SignIn::explain` gives for a sign-in at `URL` at `now()`.
    fn with(credential: Credential<'_>, error: &TokenError) -> Explanation {
        explain(error, URL, &credential, now())
    }

    /// Every AADSTS code with a row in the table is explained with that row's words:
    /// the table is the one source of every command's cause and fix.
    #[test]
    fn refusals_are_explained_from_the_table() {
        let secret = Secret::new("not-a-guid-nor-a-path".into());
        let mut rows = 0;
        for code in crate::diagnose::aadsts_codes() {
            let row = crate::diagnose::aadsts(code).unwrap();
            rows += 1;
            let why = with(Credential::Secret(&secret), &rejected(code));
            assert_eq!(why.kind, FailureKind::Rejected);
            assert_eq!(why.diagnosis.as_ref(), Some(&row));
            assert_eq!(why.label(), format!("AADSTS{code}"));
            assert!(why.cause.starts_with(&row.cause), "{code}: {}", why.cause);
            assert!(why.fix.starts_with(&row.fix), "{code}: {}", why.fix);
            assert_eq!(
                (why.trace_id.as_deref(), why.correlation_id.as_deref()),
                (Some("t-1"), Some("c-1"))
            );
            assert_eq!(
                why.headline(),
                format!("Entra ID rejected the sign-in with AADSTS{code} ({URL})")
            );
            assert_eq!(why.answer(), format!("AADSTS{code}: Entra's words."));
        }
        assert!(rows >= 19, "{rows}");
        let unknown = with(Credential::Secret(&secret), &rejected(4242));
        assert!(unknown.diagnosis.is_none());
        assert_eq!(
            unknown.cause,
            "Entra ID refused the request: AADSTS4242: Entra's words."
        );
    }

    #[test]
    fn what_was_sent_sharpens_the_cause() {
        let guid = Secret::new("0b8a6c1e-3f2d-4e5a-9b7c-1d2e3f4a5b6c".into());
        let why = with(Credential::Secret(&guid), &rejected(7000215));
        assert!(why
            .cause
            .ends_with("the shape of a GUID, as a Secret ID has"));
        let path = Secret::new("C:\\certs\\app.pfx".into());
        let why = with(Credential::Secret(&path), &rejected(7000215));
        assert!(why.cause.contains("looks like a file path"));
        let why = with(Credential::Secret(&path), &rejected(700024));
        assert!(why.cause.ends_with("local clock: 2026-01-01T00:00:00Z"));
        assert!(why
            .fix
            .ends_with("check that NTP keeps this machine's time"));
    }

    #[test]
    fn service_and_network_failures() {
        let secret = Secret::new("x".into());
        let service = TokenError::Service {
            status: 503,
            error: None,
            attempts: 4,
        };
        let why = with(Credential::Secret(&secret), &service);
        assert_eq!(
            (why.kind, why.status, why.attempts),
            (FailureKind::Service, Some(503), Some(4))
        );
        assert_eq!(why.label(), "service");
        assert_eq!(
            why.cause,
            "the token endpoint answered HTTP 503 after 4 attempt(s)"
        );
        assert_eq!(
            why.headline(),
            format!("Entra ID did not issue a token ({URL})")
        );
        let network = TokenError::Network {
            failure: Failure {
                kind: NetworkKind::Connect,
                detail: "connection refused".into(),
            },
            attempts: 2,
        };
        let why = with(Credential::Secret(&secret), &network);
        assert_eq!(
            (why.kind, why.code.as_deref()),
            (FailureKind::Network, Some("connect"))
        );
        assert_eq!(why.answer(), "connection refused");
        assert_eq!(why.headline(), format!("could not reach Entra ID ({URL})"));
        let json = serde_json::to_value(&why).unwrap();
        assert_eq!(json["kind"], "network");
        assert!(json.get("diagnosis").is_none() && json.get("token_url").is_none());
    }
}
