//! `--owners`: which applications have no owner, asked with `$batch`
//! (`GET /applications/{id}/owners?$select=id&$top=1`, twenty to a batch). A sub-request
//! Graph leaves throttled past the budget, or refuses, leaves that application unknown:
//! the audit then says it is partial.

use serde::Serialize;

use crate::graph::{BatchRequest, GraphClient, GraphError, ThrottleStats, MAX_BATCH_REQUESTS};
use crate::ids::is_guid;

/// Batches sent before the next are prepared: bounds what is held at once.
const BATCHES_AT_ONCE: usize = 10;

/// What the owners check found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct OwnersCheck {
    /// Applications asked about.
    pub checked: u64,
    /// Applications whose owners stayed unknown.
    pub unknown: u64,
    /// The last refusal or failure, when some stayed unknown (`429`, `403 Authorization_RequestDenied`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_problem: Option<String>,
    /// `$batch` calls made.
    pub batches: u64,
    /// What throttling cost, summed over the batches.
    pub throttling: ThrottleStats,
}

fn add(total: &mut ThrottleStats, more: &ThrottleStats) {
    total.throttled += more.throttled;
    total.waited_ms = total.waited_ms.saturating_add(more.waited_ms);
    total.slowed_down += more.slowed_down;
    total.peak_limit_percentage = match (total.peak_limit_percentage, more.peak_limit_percentage) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
}

/// Asks for the owners of each application in `object_ids`; returns the indices of those
/// with none, and the check's account.
pub async fn without_owner(graph: &GraphClient, object_ids: &[&str]) -> (Vec<usize>, OwnersCheck) {
    let mut check = OwnersCheck::default();
    let mut none = Vec::new();
    let chunk = MAX_BATCH_REQUESTS * BATCHES_AT_ONCE;
    for (n, ids) in object_ids.chunks(chunk).enumerate() {
        let base = n * chunk;
        let mut asked = Vec::with_capacity(ids.len());
        for (i, id) in ids.iter().enumerate() {
            check.checked += 1;
            if is_guid(id) {
                asked.push(base + i);
            } else {
                check.unknown += 1;
                check.last_problem = Some(format!("the object id {id:?} is not a GUID"));
            }
        }
        let requests: Vec<BatchRequest> = asked
            .iter()
            .map(|&i| {
                BatchRequest::get(format!(
                    "/applications/{}/owners?$select=id&$top=1",
                    object_ids[i]
                ))
            })
            .collect();
        if requests.is_empty() {
            continue;
        }
        check.batches += requests.len().div_ceil(MAX_BATCH_REQUESTS) as u64;
        let outcome = match graph.batch(&requests).await {
            Ok(outcome) => outcome,
            Err(error) => {
                check.unknown += asked.len() as u64;
                check.last_problem = Some(match &error {
                    GraphError::Api(f) | GraphError::Service { fault: f, .. } => {
                        format!("$batch answered {} {}", f.status, f.code)
                    }
                    other => other.to_string(),
                });
                continue;
            }
        };
        add(&mut check.throttling, &outcome.throttling);
        for (&i, response) in asked.iter().zip(&outcome.responses) {
            match response.status {
                200 => {
                    let owners = response.body.get("value").and_then(|v| v.as_array());
                    match owners {
                        Some(list) if list.is_empty() => none.push(i),
                        Some(_) => {}
                        None => {
                            check.unknown += 1;
                            check.last_problem =
                                Some("an owners answer without a value list".into());
                        }
                    }
                }
                // Deleted since it was listed: nothing left to own.
                404 => {}
                status => {
                    check.unknown += 1;
                    let code = response
                        .body
                        .pointer("/error/code")
                        .and_then(|c| c.as_str())
                        .unwrap_or("");
                    check.last_problem = Some(format!("{status} {code}").trim().to_owned());
                }
            }
        }
    }
    (none, check)
}
