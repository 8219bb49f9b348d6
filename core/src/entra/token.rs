//! The token request (client credentials grant, v2 endpoint) and Entra ID's answers:
//! an access token, or an error decided on `error_codes` (`docs/azure.md` "Entra ID sign-in").

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use zeroize::Zeroizing;

use super::assertion::ClientAssertion;
use super::federated::FederatedToken;
use crate::diagnose::{self, Diagnosis};
use crate::http::{send_with_retry, Failure, RetryPolicy};
use crate::secret::Secret;

const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Signs one client assertion (a fresh `jti` and "now" each call).
pub type AssertionSigner<'a> = dyn Fn() -> crate::Result<ClientAssertion> + Sync + 'a;

/// How the app proves who it is, on the wire. [`super::SignIn`] builds it from a
/// [`super::Credential`]; callers sign in through that, not here.
pub enum ClientCredential<'a> {
    /// A client secret (its *Value*).
    Secret(&'a Secret),
    /// Client assertions signed on demand, one per attempt: a `jti` may be used only
    /// once, so a retried request needs a fresh one. The first is signed before anything
    /// is sent (an offline failure is the outer `Err` of [`request_token`]); should a
    /// later signing fail (the same key has just signed one), the previous assertion is
    /// sent again and Entra ID's refusal of the repeated `jti` is the answer.
    Assertions(&'a AssertionSigner<'a>),
    /// A federated token from another OIDC provider, sent as the client assertion (the
    /// same one on every attempt: it is not ours to re-sign).
    Federated(&'a FederatedToken),
    /// A public client's refresh token (`grant_type=refresh_token`, no client secret).
    Refresh(&'a Secret),
}

/// One token request.
pub struct TokenRequest<'a> {
    /// `{login}/{tenant}/oauth2/v2.0/token` (see [`super::token_url`]).
    pub token_url: &'a str,
    /// The application (client) ID.
    pub client_id: &'a str,
    /// `{arm}/.default`.
    pub scope: &'a str,
    /// The secret or the assertions.
    pub credential: ClientCredential<'a>,
    /// Sent as `client-request-id`; Entra echoes it as the Correlation ID.
    pub correlation_id: uuid::Uuid,
}

/// An access token. Never printed: `Debug` hides the value.
pub struct AccessToken {
    value: Zeroizing<String>,
    /// `token_type`, normally `Bearer`.
    pub token_type: String,
    /// Seconds until it expires, as Entra said (a number or a string on the wire).
    pub expires_in: u64,
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessToken")
            .field("value", &"<redacted>")
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

impl AccessToken {
    /// The bearer value, for an `Authorization` header only.
    pub fn expose(&self) -> &str {
        &self.value
    }
}

/// An error answer of the token endpoint, as Entra ID shapes it.
#[derive(Debug, Clone, Serialize)]
pub struct EntraError {
    /// HTTP status.
    pub status: u16,
    /// OAuth `error`, e.g. `invalid_client`.
    pub error: String,
    /// The AADSTS numbers (`error_codes`): what certtool decides on.
    pub error_codes: Vec<u32>,
    /// The first line of `error_description` (the trace lines are kept apart).
    pub description: String,
    /// `trace_id`, for Microsoft support.
    pub trace_id: Option<String>,
    /// `correlation_id`, for Microsoft support.
    pub correlation_id: Option<String>,
    /// `timestamp` as Entra wrote it.
    pub timestamp: Option<String>,
}

impl EntraError {
    /// `AADSTS{first code}`, or the OAuth `error` when no code came.
    pub fn code_label(&self) -> String {
        match self.error_codes.first() {
            Some(code) => format!("AADSTS{code}"),
            None => self.error.clone(),
        }
    }

    /// The diagnosis of the first code that has one.
    pub fn diagnosis(&self) -> Option<Diagnosis> {
        self.error_codes.iter().find_map(|&c| diagnose::aadsts(c))
    }

    /// Whether `code` is among the `error_codes`.
    pub fn has_code(&self, code: u32) -> bool {
        self.error_codes.contains(&code)
    }
}

/// Why no token came.
#[derive(Debug)]
pub enum TokenError {
    /// Entra ID answered 4xx with an error: the credential or the request was refused.
    Rejected(EntraError),
    /// Entra ID answered 429/5xx (after retries) or something that is not its JSON.
    Service {
        /// HTTP status.
        status: u16,
        /// The error body, when it was Entra's JSON.
        error: Option<EntraError>,
        /// Attempts made.
        attempts: u32,
    },
    /// No HTTP answer at all.
    Network {
        /// What happened, classified.
        failure: Failure,
        /// Attempts made.
        attempts: u32,
    },
}

#[derive(Deserialize)]
struct ErrorBody {
    error: Option<String>,
    error_description: Option<String>,
    #[serde(default)]
    error_codes: Vec<u32>,
    trace_id: Option<String>,
    correlation_id: Option<String>,
    timestamp: Option<String>,
}

/// Parses Entra ID's error JSON. `None` when the body is not that shape.
pub fn parse_error(status: u16, body: &[u8]) -> Option<EntraError> {
    let parsed: ErrorBody = serde_json::from_slice(body).ok()?;
    let error = parsed.error?;
    let description = parsed
        .error_description
        .as_deref()
        .and_then(|d| d.lines().next())
        .unwrap_or_default()
        .trim()
        .to_string();
    Some(EntraError {
        status,
        error,
        error_codes: parsed.error_codes,
        description,
        trace_id: parsed.trace_id,
        correlation_id: parsed.correlation_id,
        timestamp: parsed.timestamp,
    })
}

/// The fields of a token answer certtool reads. The token is decoded straight into its
/// own `String`, which moves into the wiping buffer of [`AccessToken`]: no copy of it is
/// left in a parsed JSON tree.
#[derive(Deserialize)]
struct TokenBody {
    access_token: String,
    expires_in: Value,
    token_type: Option<Value>,
}

/// Parses a success body; `expires_in` may be a number or a string.
pub fn parse_token(body: &[u8]) -> Option<AccessToken> {
    let parsed: TokenBody = serde_json::from_slice(body).ok()?;
    let value = Zeroizing::new(parsed.access_token);
    if value.is_empty() {
        return None;
    }
    crate::redact::register(&value);
    let expires_in = match parsed.expires_in {
        Value::Number(n) => n.as_u64()?,
        Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    Some(AccessToken {
        value,
        token_type: parsed
            .token_type
            .as_ref()
            .and_then(Value::as_str)
            .unwrap_or("Bearer")
            .to_string(),
        expires_in,
    })
}

/// Asks Entra ID for a token with the client credentials grant, retrying 429/503 and
/// dropped connections as `policy` says. The outer `Err` is an offline failure (the
/// first client assertion could not be signed; nothing was sent), the inner one Entra
/// ID's answer.
pub async fn request_token(
    http: &reqwest::Client,
    request: &TokenRequest<'_>,
    policy: &RetryPolicy,
) -> crate::Result<Result<AccessToken, TokenError>> {
    let assertion = match &request.credential {
        ClientCredential::Assertions(sign) => Some(Mutex::new(sign()?)),
        ClientCredential::Secret(_)
        | ClientCredential::Federated(_)
        | ClientCredential::Refresh(_) => None,
    };
    let attempt = AtomicUsize::new(0);
    let correlation = request.correlation_id.to_string();
    let make = || {
        let n = attempt.fetch_add(1, Ordering::Relaxed);
        let mut current = assertion
            .as_ref()
            .map(|a| a.lock().unwrap_or_else(PoisonError::into_inner));
        if let (Some(current), ClientCredential::Assertions(sign)) =
            (current.as_mut(), &request.credential)
        {
            if n > 0 {
                match sign() {
                    Ok(fresh) => **current = fresh,
                    Err(e) => {
                        tracing::warn!(target: "certtool::http", "cannot sign a fresh client assertion ({e}); sending the previous one")
                    }
                }
            }
        }
        let grant_type = match request.credential {
            ClientCredential::Refresh(_) => "refresh_token",
            _ => "client_credentials",
        };
        let mut form: Vec<(&str, &str)> = vec![
            ("grant_type", grant_type),
            ("client_id", request.client_id),
            ("scope", request.scope),
        ];
        match (&request.credential, &current) {
            (ClientCredential::Secret(secret), _) => form.push(("client_secret", secret.expose())),
            (ClientCredential::Assertions(_), Some(assertion)) => {
                form.push(("client_assertion_type", JWT_BEARER));
                form.push(("client_assertion", assertion.expose()));
            }
            (ClientCredential::Assertions(_), None) => {}
            (ClientCredential::Refresh(token), _) => form.push(("refresh_token", token.expose())),
            (ClientCredential::Federated(token), _) => {
                form.push(("client_assertion_type", JWT_BEARER));
                form.push(("client_assertion", token.expose()));
            }
        }
        http.post(request.token_url)
            .header("client-request-id", &correlation)
            .header("return-client-request-id", "true")
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&form)
    };
    Ok(answer(send_with_retry(make, policy).await).await)
}

/// Entra ID's answer, read: a token or why not.
async fn answer(
    sent: std::result::Result<crate::http::Answer, (Failure, u32)>,
) -> Result<AccessToken, TokenError> {
    let answer = sent.map_err(|(failure, attempts)| TokenError::Network { failure, attempts })?;
    let status = answer.response.status().as_u16();
    let body = crate::http::read_body(answer.response, crate::limits::MAX_BODY_BYTES)
        .await
        .map_err(|failure| TokenError::Network {
            failure,
            attempts: answer.attempts,
        })?;
    if status == 200 {
        return parse_token(&body).ok_or(TokenError::Service {
            status,
            error: None,
            attempts: answer.attempts,
        });
    }
    let error = parse_error(status, &body);
    match error {
        Some(error) if (400..500).contains(&status) && status != 429 => {
            Err(TokenError::Rejected(error))
        }
        error => Err(TokenError::Service {
            status,
            error,
            attempts: answer.attempts,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expires_in_as_number_or_string() {
        let t = parse_token(br#"{"token_type":"Bearer","expires_in":3599,"access_token":"abc"}"#)
            .unwrap();
        assert_eq!((t.expires_in, t.expose()), (3599, "abc"));
        let shown = format!("{t:?}");
        assert!(shown.contains("<redacted>") && !shown.contains("abc"));
        let t = parse_token(br#"{"expires_in":"3600","access_token":"x"}"#).unwrap();
        assert_eq!((t.expires_in, t.token_type.as_str()), (3600, "Bearer"));
        assert!(parse_token(br#"{"expires_in":true,"access_token":"x"}"#).is_none());
        assert!(parse_token(br#"{"expires_in":1}"#).is_none());
    }

    #[test]
    fn errors_are_read_from_codes_and_trace_lines_kept_apart() {
        let body = br#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.\r\nTrace ID: t-1\r\nCorrelation ID: c-1\r\nTimestamp: 2026-01-01 00:00:00Z","error_codes":[7000215],"timestamp":"2026-01-01 00:00:00Z","trace_id":"t-1","correlation_id":"c-1","error_uri":"https://x"}"#;
        let e = parse_error(401, body).unwrap();
        assert_eq!(e.error_codes, [7000215]);
        assert_eq!(e.code_label(), "AADSTS7000215");
        assert_eq!(
            e.description,
            "AADSTS7000215: Invalid client secret provided."
        );
        assert_eq!(e.trace_id.as_deref(), Some("t-1"));
        assert_eq!(e.correlation_id.as_deref(), Some("c-1"));
        assert!(e
            .diagnosis()
            .unwrap()
            .fix
            .contains("Value, not the Secret ID"));
        // The description text never decides: a code-less body has no diagnosis even if
        // its text names a code.
        let e = parse_error(
            400,
            br#"{"error":"invalid_client","error_description":"AADSTS700027: x"}"#,
        )
        .unwrap();
        assert!(e.diagnosis().is_none());
        assert_eq!(e.code_label(), "invalid_client");
        assert!(parse_error(500, b"<html>").is_none());
    }

    /// Every AADSTS row of `docs/azure.md` "Entra ID sign-in", as Entra would send it,
    /// reaches a diagnosis whose words fit the row (decided on `error_codes` alone).
    #[test]
    fn every_aadsts_row_is_diagnosed_from_the_error_json() {
        let rows: [(u32, &str); 19] = [
            (90002, "tenant was not found"),
            (900023, "malformed"),
            (700016, "client (application) ID"),
            (7000112, "disabled"),
            (7000215, "Value, not the Secret ID"),
            (7000222, "expired"),
            (700027, "upload the certificate"),
            (700024, "clock"),
            (700021, "issuer or subject"),
            (5002723, "x5t"),
            (90014, "missing"),
            (7000218, "neither a client assertion nor a client secret"),
            (700025, "public client"),
            (1000502, "validity period"),
            (500011, "resource principal"),
            (70021, "issuer, subject and audience"),
            (700211, "issuer"),
            (700212, "audience"),
            (700213, "subject"),
        ];
        for (code, words) in rows {
            let body = serde_json::json!({
                "error": "invalid_client",
                "error_description": format!("AADSTS{code}: text that is never read.\r\nTrace ID: t"),
                "error_codes": [code],
                "trace_id": "t",
                "correlation_id": "c",
            });
            let e = parse_error(401, body.to_string().as_bytes()).unwrap();
            assert!(e.has_code(code));
            let d = e
                .diagnosis()
                .unwrap_or_else(|| panic!("{code}: no diagnosis"));
            assert_eq!(d.code, format!("AADSTS{code}"));
            let text = format!("{} {}", d.cause, d.fix);
            assert!(
                text.contains(words),
                "AADSTS{code}: {text:?} lacks {words:?}"
            );
        }
    }
}
