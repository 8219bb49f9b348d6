//! One Graph request under a throttle budget: 429 waits `Retry-After` (or backs off) and
//! tries again while the budget lasts; reads also retry 503/504 and dropped
//! connections. Each attempt goes through [`crate::http::send_with_retry`] once, so logging
//! and failure classification are the ones every other call has.

use reqwest::header::HeaderMap;
use serde_json::Value;
use zeroize::Zeroizing;

use super::throttle::Budget;
use super::{GraphClient, GraphError, GraphFault};
use crate::http::{read_body, retry_after, send_with_retry, FailureKind, RetryPolicy};
use crate::limits::MAX_BODY_BYTES;

/// Which failures a request may be repeated after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Repeat {
    /// Reads and deletes: 429, 503, 504 and dropped connections.
    Idempotent,
    /// Creations: only 429, which Graph sends before doing anything; after a 5xx or a
    /// lost answer the object may exist, and the caller must look before trying again.
    ThrottledOnly,
}

/// A successful answer's body.
pub(crate) struct Answer {
    pub body: Zeroizing<Vec<u8>>,
}

/// `request-id` from the headers.
fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get("request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// The longest wait certtool accepts from one `Retry-After` before comparing it with the
/// budget (a day: anything longer is over any budget anyway).
const RETRY_AFTER_CAP: std::time::Duration = std::time::Duration::from_secs(86_400);

impl GraphClient {
    /// Sends `method url` (a full URL on this client's Graph) with an optional JSON body,
    /// honouring throttling within `budget`. A 2xx is returned; anything else becomes a
    /// [`GraphError`] (429 or 5xx past the budget: [`GraphError::Service`]).
    pub(crate) async fn send_throttled(
        &self,
        method: reqwest::Method,
        url: &str,
        body: Option<&Value>,
        repeat: Repeat,
        budget: &mut Budget,
    ) -> Result<Answer, GraphError> {
        let once = RetryPolicy {
            retries: 0,
            ..self.policy.clone()
        };
        let low_priority = budget.policy.low_priority;
        let text = body.map(Value::to_string);
        let mut attempt = 0;
        loop {
            attempt += 1;
            budget.pace().await;
            let make = || {
                let mut request = self
                    .http
                    .request(method.clone(), url)
                    .bearer_auth(self.token.expose())
                    .header(reqwest::header::ACCEPT, "application/json")
                    .header("client-request-id", uuid::Uuid::new_v4().to_string());
                if low_priority {
                    request = request.header("x-ms-throttle-priority", "low");
                }
                match &text {
                    Some(text) => request
                        .header(reqwest::header::CONTENT_TYPE, "application/json")
                        .body(text.clone()),
                    None => request,
                }
            };
            let last = attempt >= budget.policy.max_attempts;
            let response = match send_with_retry(make, &once).await {
                Ok(answer) => answer.response,
                Err((failure, _)) => {
                    let transient = matches!(
                        failure.kind,
                        FailureKind::ConnectionReset | FailureKind::Timeout
                    );
                    if repeat == Repeat::Idempotent
                        && transient
                        && !last
                        && budget.wait(budget.backoff(attempt)).await
                    {
                        continue;
                    }
                    return Err(GraphError::Network {
                        failure,
                        attempts: attempt,
                    });
                }
            };
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            budget.observe(&headers);
            let body = read_body(response, MAX_BODY_BYTES)
                .await
                .map_err(|failure| GraphError::Network {
                    failure,
                    attempts: attempt,
                })?;
            if (200..300).contains(&status) {
                return Ok(Answer { body });
            }
            let retryable =
                status == 429 || (repeat == Repeat::Idempotent && matches!(status, 503 | 504));
            let asked = retry_after(&headers, RETRY_AFTER_CAP);
            if status == 429 {
                budget.stats.throttled += 1;
                budget.last_retry_after = asked;
            }
            if retryable && !last {
                let wait = asked.unwrap_or_else(|| budget.backoff(attempt));
                tracing::info!(target: "certtool::http", "Graph answered {status}; retrying in {} ms", wait.as_millis());
                if budget.wait(wait).await {
                    continue;
                }
            }
            let fault = GraphFault::from_body(status, request_id(&headers), &body);
            return Err(if status == 429 || status >= 500 {
                GraphError::Service {
                    fault,
                    attempts: attempt,
                }
            } else {
                GraphError::Api(fault)
            });
        }
    }
}
