//! `POST /v1.0/$batch`: up to 20 requests, ids unique, each answered as if sent alone
//! (through the same routes, with the batch's token), the answers in reverse order so
//! that clients must match them by id; sub-requests chosen by a test get their own 429.

use std::task::{Context, Poll, Waker};

use hyper::body::{Body as _, Bytes};
use hyper::{Method, Response};
use serde_json::{json, Map, Value};

use crate::graph::{error, ok};
use crate::wire::{Body, Call};

const MAX_REQUESTS: usize = 20;

/// The bytes of a complete in-memory body (a `Full` yields them on its first poll).
pub(crate) fn body_bytes(mut body: Body) -> Bytes {
    let mut context = Context::from_waker(Waker::noop());
    match std::pin::Pin::new(&mut body).poll_frame(&mut context) {
        Poll::Ready(Some(Ok(frame))) => frame.into_data().unwrap_or_default(),
        _ => Bytes::new(),
    }
}

/// Takes a `$batch` 429 set for a sub-request to `url`: its `Retry-After` seconds.
fn take_throttle(call: &Call, tenant_id: &str, url: &str) -> Option<u64> {
    super::route::take_rule(
        call,
        tenant_id,
        |d| &mut d.batch_throttles,
        |r| url.starts_with(&r.url_prefix),
        |r| (&mut r.remaining, r.retry_after_secs),
    )
}

fn bad(call: &Call, message: &str) -> Response<Body> {
    error(call, 400, "BadRequest", message)
}

/// Answers `$batch`; each sub-request is answered by `dispatch`, the Graph dispatcher that
/// called this (passed in, so that this module does not depend on the one above it).
pub(crate) fn handle(call: &Call, dispatch: fn(&Call) -> Response<Body>) -> Response<Body> {
    let grant = match super::route::authorize(call, Method::POST) {
        Ok(grant) => grant,
        Err(refused) => return *refused,
    };
    let requests = match serde_json::from_slice::<Value>(call.body) {
        Ok(Value::Object(mut o)) => match o.remove("requests") {
            Some(Value::Array(list)) => list,
            _ => return bad(call, "The batch request must have a 'requests' array."),
        },
        _ => return bad(call, "Invalid batch payload format."),
    };
    if requests.is_empty() || requests.len() > MAX_REQUESTS {
        return bad(
            call,
            &format!("The number of batch requests must be between 1 and {MAX_REQUESTS}."),
        );
    }
    let mut ids: Vec<&str> = Vec::new();
    for r in &requests {
        let (Some(id), Some(_), Some(url)) = (
            r.get("id").and_then(Value::as_str),
            r.get("method").and_then(Value::as_str),
            r.get("url").and_then(Value::as_str),
        ) else {
            return bad(call, "Each batch request needs an id, a method and a url.");
        };
        if ids.contains(&id) {
            return bad(
                call,
                &format!("Batch request ids must be unique; '{id}' repeats."),
            );
        }
        if url.trim_start_matches('/').starts_with("$batch") {
            return bad(call, "A batch may not contain a batch.");
        }
        ids.push(id);
    }
    let mut responses: Vec<Value> = requests
        .iter()
        .map(|r| answer(call, dispatch, &grant.tenant_id, r))
        .collect();
    responses.reverse();
    ok(call, 200, Some(json!({ "responses": responses })))
}

/// One sub-request, answered as the routes would answer it alone.
fn answer(
    call: &Call,
    dispatch: fn(&Call) -> Response<Body>,
    tenant_id: &str,
    request: &Value,
) -> Value {
    let id = request["id"].as_str().unwrap_or_default();
    let url = request["url"].as_str().unwrap_or_default();
    if let Some(secs) = take_throttle(call, tenant_id, url) {
        return json!({
            "id": id,
            "status": 429,
            "headers": { "Retry-After": secs.to_string(), "Content-Type": "application/json" },
            "body": { "error": {
                "code": "TooManyRequests",
                "message": "Too many requests. Retry after the time in the Retry-After header.",
            }},
        });
    }
    let method = Method::from_bytes(request["method"].as_str().unwrap_or("GET").as_bytes())
        .unwrap_or(Method::GET);
    let (path, query) = match url.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (url, None),
    };
    let path = format!("/v1.0/{}", path.trim_start_matches('/'));
    let body = request
        .get("body")
        .map(|b| b.to_string().into_bytes())
        .unwrap_or_default();
    let sub = Call {
        shared: call.shared,
        method: &method,
        path: &path,
        query,
        headers: call.headers,
        body: &body,
        client_thumbprint: call.client_thumbprint,
        base_url: call.base_url.clone(),
    };
    let response = dispatch(&sub);
    let (parts, body) = response.into_parts();
    let bytes = body_bytes(body);
    let mut headers = Map::new();
    for name in ["content-type", "retry-after", "location"] {
        if let Some(v) = parts.headers.get(name).and_then(|v| v.to_str().ok()) {
            headers.insert(name.to_owned(), json!(v));
        }
    }
    let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    json!({ "id": id, "status": parts.status.as_u16(), "headers": headers, "body": body })
}
