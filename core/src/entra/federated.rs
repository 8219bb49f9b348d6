//! Federated credentials (workload identity federation, `docs/azure.md` "Federated
//! credentials"): a token issued by another OpenID Connect provider (GitHub Actions,
//! Kubernetes, …) sent as the `client_assertion`. certtool never checks its signature (that
//! is Entra ID's job); it reads the public claims `iss`, `sub`, `aud` and `exp` so that a
//! refusal can be explained, and never shows the token itself.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::http::{send_with_retry, Failure, RetryPolicy};
use crate::secret::Secret;
use crate::x509::rfc3339;

/// The audience Entra ID expects in federated tokens unless the app says otherwise.
pub const TOKEN_EXCHANGE_AUDIENCE: &str = "api://AzureADTokenExchange";

/// The public claims of a federated token: what certtool shows about it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FederatedClaims {
    /// `iss`: the OIDC provider that issued it.
    pub issuer: Option<String>,
    /// `sub`: the workload it names (e.g. `repo:org/repo:ref:refs/heads/main`).
    pub subject: Option<String>,
    /// `aud`: one string or a list, as a list.
    pub audiences: Vec<String>,
    /// `exp` as RFC 3339.
    pub expires: Option<String>,
    /// `exp`.
    #[serde(skip)]
    pub expires_at: Option<OffsetDateTime>,
}

impl FederatedClaims {
    /// `iss …, sub …, aud …, expires …` for messages.
    pub fn describe(&self) -> String {
        let or_none = |v: &Option<String>| v.clone().unwrap_or_else(|| "(none)".into());
        format!(
            "iss {}, sub {}, aud {}, expires {}",
            or_none(&self.issuer),
            or_none(&self.subject),
            if self.audiences.is_empty() {
                "(none)".to_string()
            } else {
                self.audiences.join(" ")
            },
            or_none(&self.expires)
        )
    }
}

/// A federated token. `Debug` hides the value; the value is registered with
/// [`crate::redact`] so no log line shows it.
pub struct FederatedToken {
    value: Zeroizing<String>,
    /// Its public claims.
    pub claims: FederatedClaims,
}

impl std::fmt::Debug for FederatedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FederatedToken")
            .field("value", &"<redacted>")
            .field("claims", &self.claims)
            .finish()
    }
}

impl FederatedToken {
    /// Reads a compact JWT (surrounding white space ignored). `input` names where it came
    /// from, for errors.
    pub fn parse(text: &str, input: &str) -> Result<Self> {
        let value = Zeroizing::new(text.trim().to_owned());
        crate::redact::register(&value);
        let bad = |what: &str| {
            Error::malformed(
                input,
                format!("not a federated token (a JWT: header.claims.signature): {what}"),
            )
        };
        let parts: Vec<&str> = value.split('.').collect();
        if parts.len() != 3 || parts.iter().any(|p| p.is_empty()) {
            return Err(bad("it does not have three dot-separated parts"));
        }
        let json = |part: &str| -> Option<Value> {
            let bytes = URL_SAFE_NO_PAD.decode(part.trim_end_matches('=')).ok()?;
            serde_json::from_slice::<Value>(&bytes)
                .ok()
                .filter(Value::is_object)
        };
        json(parts[0]).ok_or_else(|| bad("the header is not base64url JSON"))?;
        let claims = json(parts[1]).ok_or_else(|| bad("the claims are not base64url JSON"))?;
        let text_claim = |name: &str| claims.get(name).and_then(Value::as_str).map(str::to_owned);
        let audiences = match claims.get("aud") {
            Some(Value::String(a)) => vec![a.clone()],
            Some(Value::Array(list)) => list
                .iter()
                .filter_map(|a| a.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        };
        let expires_at = claims
            .get("exp")
            .and_then(|v| v.as_i64().or_else(|| v.as_f64().map(|f| f as i64)))
            .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok());
        Ok(FederatedToken {
            claims: FederatedClaims {
                issuer: text_claim("iss"),
                subject: text_claim("sub"),
                audiences,
                expires: expires_at.map(rfc3339),
                expires_at,
            },
            value,
        })
    }

    /// The token, for the `client_assertion` form field only.
    pub fn expose(&self) -> &str {
        &self.value
    }
}

/// Why GitHub Actions did not hand out a token.
#[derive(Debug)]
pub enum OidcRequestError {
    /// No HTTP answer.
    Network(Failure),
    /// An answer other than 200.
    Status(u16),
    /// 200 without `{"value": "<jwt>"}`, or a value that is not a JWT.
    Malformed(String),
}

/// The URL GitHub Actions is asked: `request_url` with `audience=` added.
pub fn oidc_request_url(request_url: &str, audience: &str) -> String {
    let separator = if request_url.contains('?') { '&' } else { '?' };
    format!("{request_url}{separator}audience={audience}")
}

/// Asks GitHub Actions for an ID token (`GET {request_url}&audience=…` with
/// `Authorization: bearer {request_token}`; the answer is `{"value": "<jwt>"}`).
pub async fn request_oidc_token(
    http: &reqwest::Client,
    request_url: &str,
    request_token: &Secret,
    policy: &RetryPolicy,
) -> std::result::Result<FederatedToken, OidcRequestError> {
    let url = oidc_request_url(request_url, TOKEN_EXCHANGE_AUDIENCE);
    let make = || {
        http.get(&url)
            .header(
                reqwest::header::AUTHORIZATION,
                format!("bearer {}", request_token.expose()),
            )
            .header(reqwest::header::ACCEPT, "application/json")
    };
    let answer = send_with_retry(make, policy)
        .await
        .map_err(|(failure, _)| OidcRequestError::Network(failure))?;
    let status = answer.response.status().as_u16();
    if status != 200 {
        return Err(OidcRequestError::Status(status));
    }
    let body = crate::http::read_body(answer.response, crate::limits::MAX_BODY_BYTES)
        .await
        .map_err(OidcRequestError::Network)?;
    let value: Value = serde_json::from_slice(&body)
        .map_err(|_| OidcRequestError::Malformed("the answer is not JSON".into()))?;
    let jwt = value
        .get("value")
        .and_then(Value::as_str)
        .ok_or_else(|| OidcRequestError::Malformed("the answer has no \"value\"".into()))?;
    FederatedToken::parse(jwt, "the GitHub Actions ID token")
        .map_err(|e| OidcRequestError::Malformed(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(claims: &str) -> String {
        format!(
            "{}.{}.c2ln",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","kid":"k"}"#),
            URL_SAFE_NO_PAD.encode(claims)
        )
    }

    #[test]
    fn claims_are_read_and_the_token_never_shown() {
        let text = jwt(
            r#"{"iss":"https://token.actions.githubusercontent.com","sub":"repo:o/r:ref:refs/heads/main","aud":"api://AzureADTokenExchange","exp":1790000000}"#,
        );
        let t = FederatedToken::parse(&format!(" {text}\n"), "f").unwrap();
        assert_eq!(t.expose(), text);
        assert_eq!(t.claims.audiences, [TOKEN_EXCHANGE_AUDIENCE]);
        assert_eq!(t.claims.expires.as_deref(), Some("2026-09-21T14:13:20Z"));
        assert!(t
            .claims
            .describe()
            .contains("sub repo:o/r:ref:refs/heads/main"));
        assert!(!format!("{t:?}").contains(&text));
        let list = FederatedToken::parse(&jwt(r#"{"aud":["a","b"]}"#), "f").unwrap();
        assert_eq!(list.claims.audiences, ["a", "b"]);
        assert_eq!(list.claims.issuer, None);
        for bad in ["", "a.b", "x.y.z", &jwt("[1]")] {
            assert!(FederatedToken::parse(bad, "f").is_err(), "{bad}");
        }
    }

    #[test]
    fn the_audience_is_appended_to_the_request_url() {
        assert_eq!(
            oidc_request_url("https://x/idtoken?api-version=2.0", "api://A"),
            "https://x/idtoken?api-version=2.0&audience=api://A"
        );
        assert_eq!(
            oidc_request_url("https://x/t", "a"),
            "https://x/t?audience=a"
        );
    }
}
