//! The HTTP client every Azure call uses: reqwest over native-tls (OpenSSL), a timeout,
//! an optional extra trusted CA, an optional TLS client certificate; and the
//! classification of failures into *could not reach the cloud* kinds that users can act
//! on. There is deliberately no way to turn certificate verification off.

use std::time::Duration;

use openssl::pkey::{PKey, Private};
use openssl::x509::X509;
use serde::Serialize;
use zeroize::Zeroizing;

mod schannel;

use crate::error::{Error, Result};
use crate::limits::MAX_BODY_BYTES;
use crate::redact;

/// How to build a client.
#[derive(Clone, Default)]
pub struct HttpOptions {
    /// Per-request timeout (connect + response).
    pub timeout: Option<Duration>,
    /// PEM of one or more CA certificates to trust in addition to the system's.
    pub extra_ca_pem: Option<Vec<u8>>,
}

/// A TLS client certificate and its key, for ASM's mutual TLS.
pub struct ClientIdentity {
    cert_pem: Vec<u8>,
    key_pem: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientIdentity(<key redacted>)")
    }
}

impl ClientIdentity {
    /// Pairs a certificate (plus any chain to send) with its private key.
    pub fn new(cert: &X509, chain: &[X509], key: &PKey<Private>) -> Result<Self> {
        let mut cert_pem = cert
            .to_pem()
            .map_err(Error::crypto("encoding the client certificate"))?;
        for c in chain {
            cert_pem.extend(c.to_pem().map_err(Error::crypto("encoding the chain"))?);
        }
        let key_pem = Zeroizing::new(
            key.private_key_to_pem_pkcs8()
                .map_err(Error::crypto("encoding the client key"))?,
        );
        Ok(ClientIdentity { cert_pem, key_pem })
    }
}

/// Builds a client. Redirects are not followed automatically: ASM's 307 must be repeated
/// with the same client certificate, which callers do themselves.
pub fn client(options: &HttpOptions, identity: Option<&ClientIdentity>) -> Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("certtool/", env!("CARGO_PKG_VERSION")))
        .pool_max_idle_per_host(16);
    if let Some(t) = options.timeout {
        builder = builder.timeout(t).connect_timeout(t);
    }
    if let Some(pem) = &options.extra_ca_pem {
        let certs = reqwest::Certificate::from_pem_bundle(pem)
            .map_err(|e| Error::malformed("--ca-file", format!("not a PEM CA certificate: {e}")))?;
        if certs.is_empty() {
            return Err(Error::malformed("--ca-file", "holds no CERTIFICATE block"));
        }
        for c in certs {
            builder = builder.add_root_certificate(c);
        }
    }
    if let Some(id) = identity {
        let identity =
            reqwest::Identity::from_pkcs8_pem(&id.cert_pem, &id.key_pem).map_err(|e| {
                Error::InvalidArgument(format!(
                    "the client certificate cannot be used for TLS: {e}"
                ))
            })?;
        builder = builder.identity(identity);
    }
    builder
        .build()
        .map_err(|e| Error::InvalidArgument(format!("cannot set up HTTPS: {e}")))
}

/// Why a request never got an HTTP answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// The host name did not resolve.
    Dns,
    /// Nothing listens there (connection refused) or the network is unreachable.
    Connect,
    /// The server's certificate is not trusted (wrong CA, expired, wrong name).
    ServerCertificate,
    /// The TLS handshake failed otherwise (e.g. the server refused the client certificate).
    TlsHandshake,
    /// No answer within the timeout.
    Timeout,
    /// The connection was closed or reset mid-request.
    ConnectionReset,
    /// The answer's body was larger than [`crate::limits::MAX_BODY_BYTES`].
    BodyTooLarge,
    /// Something else.
    Other,
}

/// A request that got no HTTP answer, classified.
#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    /// The class.
    pub kind: FailureKind,
    /// The underlying error chain, as text.
    pub detail: String,
}

impl Failure {
    /// A plain-words cause and fix for this failure against `endpoint`.
    pub fn explain(&self, endpoint: &str) -> (String, String) {
        match self.kind {
            FailureKind::Dns => (format!("the host of {endpoint} does not resolve"), "check the endpoint/--cloud and DNS or proxy settings".into()),
            FailureKind::Connect => (format!("could not connect to {endpoint}"), "check the endpoint, firewalls and proxies".into()),
            FailureKind::ServerCertificate => (
                format!("the server certificate of {endpoint} is not trusted"),
                "if a proxy or private deployment re-signs TLS, pass its CA with --ca-file".into(),
            ),
            FailureKind::TlsHandshake => (
                format!("the TLS handshake with {endpoint} failed"),
                "the server may have refused the client certificate; check it is RSA ≥ 2048 and not expired".into(),
            ),
            FailureKind::Timeout => (format!("{endpoint} did not answer in time"), "raise --timeout or try again later".into()),
            FailureKind::ConnectionReset => (format!("{endpoint} closed the connection"), "try again; a proxy may be cutting connections".into()),
            FailureKind::BodyTooLarge => (
                format!(
                    "the answer of {endpoint} is larger than certtool's limit of {} MiB for a response body",
                    MAX_BODY_BYTES / (1024 * 1024)
                ),
                "check the endpoint points at the Azure service; no Azure answer is that large".into(),
            ),
            FailureKind::Other => (format!("the request to {endpoint} failed"), "try again; see the detail".into()),
        }
    }
}

/// Classifies a reqwest error by walking its source chain.
pub fn classify(err: &reqwest::Error) -> Failure {
    let mut chain = Vec::new();
    let mut current: Option<&dyn std::error::Error> = Some(err);
    let mut io_kind = None;
    while let Some(e) = current {
        chain.push(e.to_string());
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            io_kind.get_or_insert(io.kind());
        }
        current = e.source();
    }
    let text = chain.join(": ");
    // Classify on the causes only: the URL (part of reqwest's message) may itself contain
    // words such as "tls" or "ssl".
    let lower = match err.url() {
        Some(url) => text.replace(url.as_str(), "<url>"),
        None => text.clone(),
    }
    .to_ascii_lowercase();
    let reset = matches!(
        io_kind,
        Some(
            std::io::ErrorKind::ConnectionReset
                | std::io::ErrorKind::UnexpectedEof
                | std::io::ErrorKind::BrokenPipe
        )
    ) || lower.contains("connection closed")
        || lower.contains("connection reset")
        || lower.contains("incomplete message")
        || lower.contains("unexpected eof");
    let kind = if err.is_timeout() || lower.contains("timed out") {
        FailureKind::Timeout
    } else if lower.contains("certificate verify failed")
        || lower.contains("self-signed certificate")
        || lower.contains("unable to get local issuer")
        || schannel::certificate_refused(&lower)
    {
        FailureKind::ServerCertificate
    } else if lower.contains("dns error")
        || lower.contains("failed to lookup address")
        || lower.contains("name or service not known")
    {
        FailureKind::Dns
    } else if matches!(io_kind, Some(std::io::ErrorKind::ConnectionRefused))
        || lower.contains("connection refused")
        || lower.contains("network is unreachable")
    {
        FailureKind::Connect
    } else if reset {
        FailureKind::ConnectionReset
    } else if lower.contains("ssl") || lower.contains("tls") || lower.contains("handshake") {
        FailureKind::TlsHandshake
    } else if err.is_connect() {
        FailureKind::Connect
    } else {
        FailureKind::Other
    };
    Failure { kind, detail: text }
}

/// Reads a response body as it arrives, at most `limit` bytes (callers pass
/// [`MAX_BODY_BYTES`]): a declared `Content-Length` over the limit is refused before
/// reading, and a body sent without one is refused as soon as the bytes received pass
/// the limit, so no more than `limit` bytes are ever held. The body is in a zeroizing
/// buffer (token answers hold tokens).
pub async fn read_body(
    mut response: reqwest::Response,
    limit: usize,
) -> std::result::Result<Zeroizing<Vec<u8>>, Failure> {
    let too_large = || Failure {
        kind: FailureKind::BodyTooLarge,
        detail: format!("the response body exceeds the limit of {limit} bytes"),
    };
    let declared = response.content_length();
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let mut body = Zeroizing::new(Vec::with_capacity(
        declared.map_or(0, |n| n as usize).min(limit),
    ));
    while let Some(chunk) = response.chunk().await.map_err(|e| classify(&e))? {
        if chunk.len() > limit - body.len() {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Parses a `Retry-After` header: delay-seconds (what Azure sends) or an HTTP-date (what
/// some proxies send), capped at `cap`.
pub fn retry_after(headers: &reqwest::header::HeaderMap, cap: Duration) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    retry_after_value(value.trim(), std::time::SystemTime::now()).map(|d| d.min(cap))
}

fn retry_after_value(value: &str, now: std::time::SystemTime) -> Option<Duration> {
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

/// How often and how patiently to retry.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub retries: u32,
    /// The first back-off; it doubles each time.
    pub base_delay: Duration,
    /// No single wait is longer than this, whatever `Retry-After` says.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            retries: 3,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
        }
    }
}

/// What [`send_with_retry`] got: the last answer and how many attempts it took.
#[derive(Debug)]
pub struct Answer {
    /// The final response (possibly still a 429/503 once retries ran out).
    pub response: reqwest::Response,
    /// Attempts made, from 1.
    pub attempts: u32,
}

/// Whether a status is worth retrying: 429 Too Many Requests and 503 Service Unavailable
/// (ASM's ServerBusy). Other 4xx are verdicts and are never retried.
pub fn retryable_status(status: reqwest::StatusCode) -> bool {
    status == reqwest::StatusCode::TOO_MANY_REQUESTS
        || status == reqwest::StatusCode::SERVICE_UNAVAILABLE
}

/// Sends the request `make` builds, retrying 429/503 answers (honouring `Retry-After`)
/// and connection resets with exponential back-off, at most `policy.retries` times.
/// Timeouts and other failures are returned at once.
pub async fn send_with_retry<F>(
    make: F,
    policy: &RetryPolicy,
) -> std::result::Result<Answer, (Failure, u32)>
where
    F: Fn() -> reqwest::RequestBuilder,
{
    let mut attempt = 0;
    loop {
        attempt += 1;
        let backoff = policy
            .base_delay
            .saturating_mul(1 << (attempt - 1).min(16))
            .min(policy.max_delay);
        let (client, request) = make().build_split();
        let request = match request {
            Ok(request) => request,
            Err(err) => return Err((classify(&err), attempt)),
        };
        let (method, url) = (request.method().clone(), redact::url_for_log(request.url()));
        let sent_id = request
            .headers()
            .get("client-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("-")
            .to_owned();
        tracing::debug!(target: "certtool::http", "{method} {url} attempt {attempt}; request headers: {}", redact::headers_for_log(request.headers()));
        let started = std::time::Instant::now();
        let sent = client.execute(request).await;
        let elapsed_ms = started.elapsed().as_millis();
        match &sent {
            Ok(response) => {
                let header = |name: &str| {
                    response
                        .headers()
                        .get(name)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("-")
                };
                tracing::info!(target: "certtool::http", "{method} {url} -> {} in {elapsed_ms} ms (x-ms-request-id: {}, client-request-id: {})", response.status().as_u16(), header("x-ms-request-id"), sent_id);
                tracing::debug!(target: "certtool::http", "response headers: {}", redact::headers_for_log(response.headers()));
            }
            Err(err) => {
                let failure = classify(err);
                tracing::info!(target: "certtool::http", "{method} {url} -> no answer after {elapsed_ms} ms ({:?}): {}", failure.kind, failure.detail);
            }
        }
        match sent {
            Ok(response) => {
                if attempt <= policy.retries && retryable_status(response.status()) {
                    let wait = retry_after(response.headers(), policy.max_delay).unwrap_or(backoff);
                    drop(response);
                    tracing::info!(target: "certtool::http", "retrying in {} ms", wait.as_millis());
                    tokio::time::sleep(wait).await;
                    continue;
                }
                return Ok(Answer {
                    response,
                    attempts: attempt,
                });
            }
            Err(err) => {
                let failure = classify(&err);
                if attempt <= policy.retries && failure.kind == FailureKind::ConnectionReset {
                    tracing::info!(target: "certtool::http", "retrying in {} ms", backoff.as_millis());
                    tokio::time::sleep(backoff).await;
                    continue;
                }
                return Err((failure, attempt));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let now = httpdate::parse_http_date("Mon, 23 Nov 2026 16:00:00 GMT").unwrap();
        assert_eq!(retry_after_value("7", now), Some(Duration::from_secs(7)));
        assert_eq!(
            retry_after_value("Mon, 23 Nov 2026 16:00:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            retry_after_value("Mon, 23 Nov 2026 15:00:00 GMT", now),
            Some(Duration::ZERO),
            "a date in the past means now"
        );
        assert_eq!(retry_after_value("soon", now), None);
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(reqwest::header::RETRY_AFTER, "3600".parse().unwrap());
        assert_eq!(
            retry_after(&headers, Duration::from_secs(30)),
            Some(Duration::from_secs(30))
        );
    }
}
