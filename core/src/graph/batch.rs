//! JSON batching (`docs/graph.md` "Batching"): up to 20 requests in one
//! `POST /v1.0/$batch`; answers come back in any order, matched by id, and each may be a
//! 429 of its own: only those are sent again, after their `Retry-After`.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::request::Repeat;
use super::throttle::{Budget, ThrottleStats};
use super::{GraphClient, GraphError};
use crate::http::retry_after;

/// The most requests Graph takes in one `$batch`.
pub const MAX_BATCH_REQUESTS: usize = 20;

/// One request inside a batch.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchRequest {
    /// `GET`, `POST`, `PATCH`, `DELETE`.
    pub method: String,
    /// Relative to the version: `/applications/{id}/owners?$select=id`.
    pub url: String,
    /// A JSON body (sent with `Content-Type: application/json`).
    pub body: Option<Value>,
}

impl BatchRequest {
    /// A `GET` of `url` (relative to `/v1.0`, starting with `/`).
    pub fn get(url: impl Into<String>) -> Self {
        BatchRequest {
            method: "GET".into(),
            url: url.into(),
            body: None,
        }
    }
}

/// One answer inside a batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchResponse {
    /// Its HTTP status (a 429 left here means the budget ran out before it succeeded).
    pub status: u16,
    /// Its headers, as Graph sent them.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Its body (`Null` when none).
    #[serde(default)]
    pub body: Value,
}

/// What a batch brought back.
#[derive(Debug, Clone)]
pub struct BatchOutcome {
    /// One answer per request, in the order of the requests.
    pub responses: Vec<BatchResponse>,
    /// What throttling cost.
    pub throttling: ThrottleStats,
}

#[derive(Deserialize)]
struct Answers {
    responses: Vec<Answered>,
}

#[derive(Deserialize)]
struct Answered {
    id: String,
    #[serde(flatten)]
    response: BatchResponse,
}

fn sub_retry_after(response: &BatchResponse) -> Option<Duration> {
    let mut headers = reqwest::header::HeaderMap::new();
    for (name, value) in &response.headers {
        if let (Ok(name), Ok(value)) = (
            reqwest::header::HeaderName::from_bytes(name.as_bytes()),
            reqwest::header::HeaderValue::from_str(value),
        ) {
            headers.insert(name, value);
        }
    }
    retry_after(&headers, Duration::from_secs(86_400))
}

impl GraphClient {
    /// Sends `requests` in batches of [`MAX_BATCH_REQUESTS`], retrying sub-requests
    /// answered 429 (after the longest `Retry-After` among them) while the throttle
    /// budget lasts. A 429 of the whole batch is retried like any request. An error only
    /// when a batch itself fails or its answer does not match its requests.
    pub async fn batch(&self, requests: &[BatchRequest]) -> Result<BatchOutcome, GraphError> {
        let mut budget = Budget::new(&self.throttle);
        let mut responses: Vec<Option<BatchResponse>> = vec![None; requests.len()];
        let url = format!("{}/v1.0/$batch", self.base);
        for chunk_start in (0..requests.len()).step_by(MAX_BATCH_REQUESTS) {
            let chunk_end = (chunk_start + MAX_BATCH_REQUESTS).min(requests.len());
            let mut pending: Vec<usize> = (chunk_start..chunk_end).collect();
            let mut round = 0;
            while !pending.is_empty() {
                round += 1;
                let body = json!({ "requests": pending.iter().map(|&i| {
                    let r = &requests[i];
                    let mut item = json!({ "id": (i + 1).to_string(), "method": r.method, "url": r.url });
                    if let Some(b) = &r.body {
                        item["body"] = b.clone();
                        item["headers"] = json!({ "Content-Type": "application/json" });
                    }
                    item
                }).collect::<Vec<_>>() });
                let answer = self
                    .send_throttled(
                        reqwest::Method::POST,
                        &url,
                        Some(&body),
                        Repeat::Idempotent,
                        &mut budget,
                    )
                    .await?;
                let answers: Answers = serde_json::from_slice(&answer.body).map_err(|e| {
                    GraphError::Malformed(format!("the answer of $batch is not a batch: {e}"))
                })?;
                let mut throttled = Vec::new();
                let mut longest: Option<Duration> = None;
                let mut seen = Vec::new();
                for a in answers.responses {
                    let index =
                        a.id.parse::<usize>()
                            .ok()
                            .and_then(|n| n.checked_sub(1))
                            .filter(|i| pending.contains(i))
                            .ok_or_else(|| {
                                GraphError::Malformed(format!(
                                    "$batch answered id {:?}, which was not asked",
                                    a.id
                                ))
                            })?;
                    if seen.contains(&index) {
                        return Err(GraphError::Malformed(format!(
                            "$batch answered id {} twice",
                            a.id
                        )));
                    }
                    seen.push(index);
                    if a.response.status == 429 {
                        budget.stats.throttled += 1;
                        if let Some(wait) = sub_retry_after(&a.response) {
                            longest = Some(longest.map_or(wait, |l| l.max(wait)));
                        }
                        throttled.push(index);
                    }
                    responses[index] = Some(a.response);
                }
                if seen.len() != pending.len() {
                    return Err(GraphError::Malformed(format!(
                        "$batch answered {} of {} requests",
                        seen.len(),
                        pending.len()
                    )));
                }
                if throttled.is_empty() || round >= budget.policy.max_attempts {
                    break;
                }
                let wait = longest.unwrap_or_else(|| budget.backoff(round));
                budget.last_retry_after = longest;
                if !budget.wait(wait).await {
                    break;
                }
                throttled.sort_unstable();
                pending = throttled;
            }
        }
        Ok(BatchOutcome {
            responses: responses
                .into_iter()
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| GraphError::Malformed("$batch left a request unanswered".into()))?,
            throttling: budget.stats,
        })
    }
}
