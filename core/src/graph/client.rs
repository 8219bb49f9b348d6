//! Graph calls with a bearer token: read an application, `addKey`, `removeKey`. Errors
//! keep Graph's code and request id, and are sorted into the refusals certtool explains.

use std::sync::Arc;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::Serialize;
use serde_json::{json, Value};

use super::{Application, KeyCredential, Proof, ThrottlePolicy};
use crate::entra::AccessToken;
use crate::http::{read_body, send_with_retry, Failure, RetryPolicy};
use crate::ids::is_guid;
use crate::limits::MAX_BODY_BYTES;

/// The application properties certtool reads.
pub const APPLICATION_SELECT: &str = "id,appId,displayName,keyCredentials,passwordCredentials";

/// A Graph error answer (`{"error":{"code","message","innerError":{…}}}`).
#[derive(Debug, Clone, Serialize)]
pub struct GraphFault {
    /// HTTP status.
    pub status: u16,
    /// `error.code`, e.g. `Authorization_RequestDenied` (or `HTTP {status}` without a body).
    pub code: String,
    /// `error.message`.
    pub message: String,
    /// `request-id` (header or `innerError`), for Microsoft support.
    pub request_id: Option<String>,
    /// `innerError.date`.
    pub date: Option<String>,
}

/// What a Graph refusal means for the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum GraphRefusal {
    /// 403 `Authorization_RequestDenied`: a permission is missing (or, for addKey and
    /// removeKey, no proof was sent).
    PermissionDenied,
    /// 401 `Authentication_MissingOrMalformed` on addKey/removeKey: the proof was not
    /// accepted (not signed by a current registered certificate, wrong `iss`, expired).
    ProofRefused,
    /// 401 `InvalidAuthenticationToken`: the bearer token was refused (wrong audience,
    /// expired).
    TokenRefused,
    /// 404 `Request_ResourceNotFound`: no such application or key.
    NotFound,
    /// Any other 4xx.
    BadRequest,
}

impl GraphFault {
    /// The fault an error answer describes: `error.code` (`HTTP {status}` when the body
    /// has none or is not Graph's JSON), `error.message`, `innerError.date`, and the
    /// request id from the header (`header_request_id`) or else `innerError`.
    pub fn from_body(status: u16, header_request_id: Option<String>, body: &[u8]) -> GraphFault {
        let parsed: Option<Value> = serde_json::from_slice(body).ok();
        let error = parsed.as_ref().and_then(|v| v.get("error"));
        let text = |k: &str| error.and_then(|e| e.get(k)).and_then(Value::as_str);
        let inner = |k: &str| {
            error
                .and_then(|e| e.get("innerError"))
                .and_then(|i| i.get(k))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        GraphFault {
            status,
            code: text("code").map_or_else(|| format!("HTTP {status}"), str::to_string),
            message: text("message").unwrap_or_default().to_string(),
            request_id: header_request_id.or_else(|| inner("request-id")),
            date: inner("date"),
        }
    }

    /// How to read this answer.
    pub fn refusal(&self) -> GraphRefusal {
        match (self.status, self.code.as_str()) {
            (_, "Authorization_RequestDenied") | (403, _) => GraphRefusal::PermissionDenied,
            (_, "Authentication_MissingOrMalformed") => GraphRefusal::ProofRefused,
            (_, "InvalidAuthenticationToken") | (401, _) => GraphRefusal::TokenRefused,
            (_, "Request_ResourceNotFound") | (404, _) => GraphRefusal::NotFound,
            _ => GraphRefusal::BadRequest,
        }
    }
}

/// Why a Graph call gave no result.
#[derive(Debug, Clone)]
pub enum GraphError {
    /// Graph answered with an error (4xx other than 429).
    Api(GraphFault),
    /// Graph answered 429/5xx (after retries, for reads).
    Service {
        /// The answer.
        fault: GraphFault,
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
    /// A success whose body is not what Graph sends, or an id certtool refuses to send.
    Malformed(String),
}

impl std::fmt::Display for GraphError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GraphError::Api(fault) | GraphError::Service { fault, .. } => {
                write!(f, "Graph answered {} {}", fault.status, fault.code)?;
                if !fault.message.is_empty() {
                    write!(f, ": {}", fault.message)?;
                }
                Ok(())
            }
            GraphError::Network { failure, .. } => {
                write!(f, "Graph could not be reached: {}", failure.detail)
            }
            GraphError::Malformed(detail) => f.write_str(detail),
        }
    }
}

/// A Graph endpoint and a token for it.
#[derive(Clone)]
pub struct GraphClient {
    pub(super) http: reqwest::Client,
    pub(super) base: String,
    pub(super) token: Arc<AccessToken>,
    pub(super) policy: RetryPolicy,
    pub(super) throttle: ThrottlePolicy,
}

impl std::fmt::Debug for GraphClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GraphClient")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

pub(super) fn guid(what: &str, id: &str) -> Result<(), GraphError> {
    if is_guid(id) {
        Ok(())
    } else {
        Err(GraphError::Malformed(format!(
            "the {what} {id:?} is not a GUID"
        )))
    }
}

impl GraphClient {
    /// A client for the Graph endpoint `base` (e.g. `https://graph.microsoft.com`).
    pub fn new(
        http: reqwest::Client,
        base: &str,
        token: impl Into<Arc<AccessToken>>,
        policy: RetryPolicy,
    ) -> Self {
        GraphClient {
            http,
            base: base.trim_end_matches('/').to_string(),
            token: token.into(),
            policy,
            throttle: ThrottlePolicy::default(),
        }
    }

    /// Sets how listings, `$batch` and directory writes behave when throttled.
    pub fn with_throttle(mut self, throttle: ThrottlePolicy) -> Self {
        self.throttle = throttle;
        self
    }

    /// The Graph base URL, without a trailing slash.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Reads the application whose client id is `app_id`.
    pub async fn application_by_app_id(&self, app_id: &str) -> Result<Application, GraphError> {
        guid("client id", app_id)?;
        let url = format!(
            "{}/v1.0/applications(appId='{app_id}')?$select={APPLICATION_SELECT}",
            self.base
        );
        self.read(&url).await
    }

    /// Reads the application with this object id.
    pub async fn application(&self, object_id: &str) -> Result<Application, GraphError> {
        guid("application object id", object_id)?;
        let url = format!(
            "{}/v1.0/applications/{object_id}?$select={APPLICATION_SELECT}",
            self.base
        );
        self.read(&url).await
    }

    async fn read(&self, url: &str) -> Result<Application, GraphError> {
        let value = self
            .call(reqwest::Method::GET, url, None, &self.policy)
            .await?;
        serde_json::from_value(value)
            .map_err(|e| GraphError::Malformed(format!("the application from {url}: {e}")))
    }

    /// `addKey`: registers the certificate `certificate_der` on the application, proven
    /// by `proof`. Not retried: a repeat after an unseen success would be refused as a
    /// duplicate, so the caller re-reads the application instead.
    pub async fn add_key(
        &self,
        object_id: &str,
        certificate_der: &[u8],
        proof: &Proof,
    ) -> Result<KeyCredential, GraphError> {
        guid("application object id", object_id)?;
        let url = format!("{}/v1.0/applications/{object_id}/addKey", self.base);
        let body = json!({
            "keyCredential": {
                "type": "AsymmetricX509Cert",
                "usage": "Verify",
                "key": STANDARD.encode(certificate_der),
            },
            "passwordCredential": null,
            "proof": proof.expose(),
        });
        let value = self
            .call(reqwest::Method::POST, &url, Some(body), &once(&self.policy))
            .await?;
        serde_json::from_value(value)
            .map_err(|e| GraphError::Malformed(format!("the answer of addKey: {e}")))
    }

    /// `removeKey`: removes the certificate `key_id` from the application, proven by
    /// `proof`.
    pub async fn remove_key(
        &self,
        object_id: &str,
        key_id: &str,
        proof: &Proof,
    ) -> Result<(), GraphError> {
        guid("application object id", object_id)?;
        guid("key id", key_id)?;
        let url = format!("{}/v1.0/applications/{object_id}/removeKey", self.base);
        let body = json!({ "keyId": key_id, "proof": proof.expose() });
        self.call(reqwest::Method::POST, &url, Some(body), &once(&self.policy))
            .await
            .map(drop)
    }

    async fn call(
        &self,
        method: reqwest::Method,
        url: &str,
        body: Option<Value>,
        policy: &RetryPolicy,
    ) -> Result<Value, GraphError> {
        let make = || {
            let request = self
                .http
                .request(method.clone(), url)
                .bearer_auth(self.token.expose())
                .header(reqwest::header::ACCEPT, "application/json");
            match &body {
                Some(body) => request
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body.to_string()),
                None => request,
            }
        };
        let answer = send_with_retry(make, policy)
            .await
            .map_err(|(failure, attempts)| GraphError::Network { failure, attempts })?;
        let response = answer.response;
        let status = response.status().as_u16();
        let header_id = response
            .headers()
            .get("request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let bytes = read_body(response, MAX_BODY_BYTES)
            .await
            .map_err(|failure| GraphError::Network {
                failure,
                attempts: answer.attempts,
            })?;
        if (200..300).contains(&status) {
            if bytes.is_empty() {
                return Ok(Value::Null);
            }
            return serde_json::from_slice(&bytes).map_err(|e| {
                GraphError::Malformed(format!("the answer of {url} is not JSON: {e}"))
            });
        }
        let fault = GraphFault::from_body(status, header_id, &bytes);
        if status == 429 || status >= 500 {
            Err(GraphError::Service {
                fault,
                attempts: answer.attempts,
            })
        } else {
            Err(GraphError::Api(fault))
        }
    }
}

/// The policy without retries, for writes.
fn once(policy: &RetryPolicy) -> RetryPolicy {
    RetryPolicy {
        retries: 0,
        ..policy.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fault(status: u16, code: &str) -> GraphFault {
        GraphFault {
            status,
            code: code.into(),
            message: String::new(),
            request_id: None,
            date: None,
        }
    }

    #[test]
    fn refusals_follow_graph_codes() {
        assert_eq!(
            fault(403, "Authorization_RequestDenied").refusal(),
            GraphRefusal::PermissionDenied
        );
        assert_eq!(
            fault(401, "Authentication_MissingOrMalformed").refusal(),
            GraphRefusal::ProofRefused
        );
        assert_eq!(
            fault(401, "InvalidAuthenticationToken").refusal(),
            GraphRefusal::TokenRefused
        );
        assert_eq!(
            fault(404, "Request_ResourceNotFound").refusal(),
            GraphRefusal::NotFound
        );
        assert_eq!(
            fault(400, "Request_BadRequest").refusal(),
            GraphRefusal::BadRequest
        );
    }
}
