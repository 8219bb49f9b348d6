//! ARM calls with a bearer token: read a subscription, read the caller's permissions at a
//! scope (following `nextLink`). Errors keep ARM's code and request ids.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::rbac::PermissionEntry;
use crate::entra::AccessToken;
use crate::http::{read_body, send_with_retry, Failure, RetryPolicy};
use crate::limits::{MAX_ARM_PAGES, MAX_BODY_BYTES};

/// api-version of Subscriptions - Get.
pub const SUBSCRIPTION_API_VERSION: &str = "2022-12-01";
/// api-version of Permissions - List.
pub const PERMISSIONS_API_VERSION: &str = "2022-04-01";

/// An ARM error answer, as ARM shapes it (`{"error":{"code","message"}}`).
#[derive(Debug, Clone, Serialize)]
pub struct ArmFault {
    /// HTTP status.
    pub status: u16,
    /// `error.code`, e.g. `AuthorizationFailed` (or `HTTP {status}` without a body).
    pub code: String,
    /// `error.message`.
    pub message: String,
    /// `x-ms-request-id`, for Microsoft support.
    pub request_id: Option<String>,
    /// `x-ms-correlation-request-id`, for Microsoft support.
    pub correlation_id: Option<String>,
    /// For a 401: the tenant named by the `WWW-Authenticate` challenge's
    /// `authorization_uri` (the tenant a token must come from).
    pub challenge_tenant: Option<String>,
}

impl ArmFault {
    /// The fault an error answer's body describes (`{"error":{"code","message"}}`): its
    /// code (`HTTP {status}` when the body has none, or is not ARM's JSON) and message.
    /// Request ids and the challenge tenant come from headers and are left `None`.
    pub fn from_body(status: u16, body: &[u8]) -> ArmFault {
        let parsed: Option<Value> = serde_json::from_slice(body).ok();
        let error = parsed.as_ref().and_then(|v| v.get("error"));
        let text = |k: &str| error.and_then(|e| e.get(k)).and_then(Value::as_str);
        ArmFault {
            status,
            code: text("code").map_or_else(|| format!("HTTP {status}"), str::to_string),
            message: text("message").unwrap_or_default().to_string(),
            request_id: None,
            correlation_id: None,
            challenge_tenant: None,
        }
    }
}

/// Why an ARM call gave no result.
#[derive(Debug, Clone)]
pub enum ArmError {
    /// ARM answered with an error (4xx other than 429).
    Api(ArmFault),
    /// ARM answered 429/5xx after retries.
    Service {
        /// The answer.
        fault: ArmFault,
        /// Attempts made.
        attempts: u32,
    },
    /// No HTTP answer.
    Network {
        /// What happened, classified.
        failure: Failure,
        /// Attempts made.
        attempts: u32,
    },
    /// A 200 whose body is not what ARM sends.
    Malformed(String),
}

/// What Subscriptions - Get says.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionInfo {
    /// The subscription ID.
    pub subscription_id: String,
    /// Its name.
    #[serde(default)]
    pub display_name: String,
    /// Enabled, Warned, PastDue, Disabled or Deleted.
    #[serde(default)]
    pub state: String,
    /// The tenant it belongs to.
    #[serde(default)]
    pub tenant_id: Option<String>,
}

/// An ARM endpoint and a token; cheap to clone for concurrent calls over one connection
/// pool.
#[derive(Clone)]
pub struct ArmClient {
    http: reqwest::Client,
    base: String,
    token: Arc<AccessToken>,
    policy: RetryPolicy,
}

impl std::fmt::Debug for ArmClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArmClient")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

/// Whether `text` is safe as one path segment (IDs and resource-group names): no
/// separators, no escapes, not `.` or `..`.
pub fn is_path_segment(text: &str) -> bool {
    !text.is_empty()
        && !text.chars().all(|c| c == '.')
        && text.len() <= 90
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '(' | ')'))
}

impl ArmClient {
    /// A client for the ARM endpoint `base` (with or without a trailing slash).
    pub fn new(
        http: reqwest::Client,
        base: &str,
        token: impl Into<Arc<AccessToken>>,
        policy: RetryPolicy,
    ) -> Self {
        ArmClient {
            http,
            base: format!("{}/", base.trim_end_matches('/')),
            token: token.into(),
            policy,
        }
    }

    /// The ARM base URL, with a trailing slash.
    pub fn base(&self) -> &str {
        &self.base
    }

    async fn get(&self, url: &str) -> Result<Value, ArmError> {
        self.call(reqwest::Method::GET, url, None).await
    }

    /// Sends `method url` with an optional JSON body, retrying as the client's policy
    /// says; any 2xx is a success (its JSON, or `Null` when the body is empty).
    pub(super) async fn call(
        &self,
        method: reqwest::Method,
        url: &str,
        body: Option<&Value>,
    ) -> Result<Value, ArmError> {
        let text = body.map(Value::to_string);
        let make = || {
            let request = self
                .http
                .request(method.clone(), url)
                .bearer_auth(self.token.expose())
                .header(reqwest::header::ACCEPT, "application/json");
            match &text {
                Some(text) => request
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(text.clone()),
                None => request,
            }
        };
        let answer = send_with_retry(make, &self.policy)
            .await
            .map_err(|(failure, attempts)| ArmError::Network { failure, attempts })?;
        let response = answer.response;
        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let request_id = header("x-ms-request-id");
        let correlation_id = header("x-ms-correlation-request-id");
        let challenge_tenant = header("www-authenticate").and_then(|c| challenge_tenant(&c));
        let body = read_body(response, MAX_BODY_BYTES)
            .await
            .map_err(|failure| ArmError::Network {
                failure,
                attempts: answer.attempts,
            })?;
        if (200..300).contains(&status) {
            if body.is_empty() {
                return Ok(Value::Null);
            }
            return serde_json::from_slice(&body)
                .map_err(|e| ArmError::Malformed(format!("the answer of {url} is not JSON: {e}")));
        }
        let fault = ArmFault {
            request_id,
            correlation_id,
            challenge_tenant,
            ..ArmFault::from_body(status, &body)
        };
        if status == 429 || status >= 500 {
            Err(ArmError::Service {
                fault,
                attempts: answer.attempts,
            })
        } else {
            Err(ArmError::Api(fault))
        }
    }

    /// Subscriptions - Get.
    pub async fn subscription(&self, id: &str) -> Result<SubscriptionInfo, ArmError> {
        let url = format!(
            "{}subscriptions/{id}?api-version={SUBSCRIPTION_API_VERSION}",
            self.base
        );
        let value = self.get(&url).await?;
        serde_json::from_value(value)
            .map_err(|e| ArmError::Malformed(format!("the subscription of {url}: {e}")))
    }

    /// Permissions - List at `scope` (`/subscriptions/{id}` or below), every page.
    /// A `nextLink` is followed only on the same ARM endpoint, so the token never goes
    /// elsewhere.
    pub async fn permissions(&self, scope: &str) -> Result<Vec<PermissionEntry>, ArmError> {
        let mut url = format!(
            "{}{}/providers/Microsoft.Authorization/permissions?api-version={PERMISSIONS_API_VERSION}",
            self.base,
            scope.trim_matches('/')
        );
        let mut entries = Vec::new();
        for _ in 0..MAX_ARM_PAGES {
            let page = self.get(&url).await?;
            let value = page
                .get("value")
                .cloned()
                .unwrap_or(Value::Array(Vec::new()));
            let list: Vec<PermissionEntry> = serde_json::from_value(value)
                .map_err(|e| ArmError::Malformed(format!("the permissions list: {e}")))?;
            entries.extend(list);
            match page.get("nextLink").and_then(Value::as_str) {
                Some(next) if !next.is_empty() => {
                    if !next
                        .to_ascii_lowercase()
                        .starts_with(&self.base.to_ascii_lowercase())
                    {
                        return Err(ArmError::Malformed(format!(
                            "the permissions list links to {next}, outside {}",
                            self.base
                        )));
                    }
                    url = next.to_string();
                }
                _ => return Ok(entries),
            }
        }
        Err(ArmError::Malformed(format!(
            "the permissions list has more than {MAX_ARM_PAGES} pages"
        )))
    }
}

/// The last path segment of `authorization_uri="…"` in a Bearer challenge.
fn challenge_tenant(challenge: &str) -> Option<String> {
    let start = challenge.find("authorization_uri=\"")? + "authorization_uri=\"".len();
    let uri = &challenge[start..];
    let uri = &uri[..uri.find('"')?];
    let tenant = uri.trim_end_matches('/').rsplit('/').next()?;
    is_path_segment(tenant).then(|| tenant.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_names_the_tenant() {
        let c = r#"Bearer authorization_uri="https://login.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47", error="invalid_token""#;
        assert_eq!(
            challenge_tenant(c).as_deref(),
            Some("72f988bf-86f1-41af-91ab-2d7cd011db47")
        );
        assert!(challenge_tenant("Bearer realm=\"x\"").is_none());
    }

    #[test]
    fn fault_from_body() {
        let f = ArmFault::from_body(
            403,
            br#"{"error":{"code":"AuthorizationFailed","message":"no access"}}"#,
        );
        assert_eq!(
            (f.code.as_str(), f.message.as_str()),
            ("AuthorizationFailed", "no access")
        );
        for body in [
            &b"<html>proxy</html>"[..],
            b"",
            br#"{"error":"x"}"#,
            b"\xff{",
        ] {
            let f = ArmFault::from_body(502, body);
            assert_eq!((f.code.as_str(), f.message.as_str()), ("HTTP 502", ""));
        }
    }

    #[test]
    fn path_segments() {
        assert!(is_path_segment("00000000-0000-0000-0000-000000000001"));
        assert!(is_path_segment("my-rg_(1).x"));
        for bad in ["", "a/b", "a?b", "a b", "..%2f", "..", "."] {
            assert!(!is_path_segment(bad), "{bad}");
        }
    }
}
