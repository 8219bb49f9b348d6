//! The HTTPS server: TLS that asks every client for a certificate and accepts any, HTTP/1.1
//! with hyper, fault injection, the request log, and routing to ASM, Entra ID, ARM and Graph.

use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Either, Full, Limited};
use hyper::body::{Bytes, Frame, Incoming};
use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use hyper::{Method, Request, Response};
use hyper_util::rt::TokioIo;
use openssl::error::ErrorStack;
use openssl::hash::MessageDigest;
use openssl::ssl::{Ssl, SslAcceptor, SslMethod, SslVerifyMode};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio_openssl::SslStream;

use crate::config::digest_hex;
use crate::pki::ServerIdentity;
use crate::state::{random_guid, random_hex, RequestRecord, Service, Shared};
use crate::{arm, asm, directory, discovery, entra, graph, Fault};

/// Response bodies are always complete in memory.
pub(crate) type Body = Full<Bytes>;

/// What goes on the wire: a complete body, or a streamed one ([`Fault::HugeBody`]).
type Sent = Either<Body, Streamed>;

/// A body of `remaining` spaces sent in 64 KiB chunks, never held in memory at once.
pub(crate) struct Streamed {
    remaining: u64,
}

impl hyper::body::Body for Streamed {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        static CHUNK: [u8; 64 * 1024] = [b' '; 64 * 1024];
        if self.remaining == 0 {
            return std::task::Poll::Ready(None);
        }
        let n = self.remaining.min(CHUNK.len() as u64);
        self.remaining -= n;
        std::task::Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(
            &CHUNK[..n as usize],
        )))))
    }
}

/// A TLS handshake that has not finished by then is abandoned.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Request bodies larger than this are cut (the token form is a few kilobytes).
const MAX_BODY: usize = 1 << 20;

/// The two server identities: the normal one, and one from another CA for the
/// "untrusted server certificate" fault.
pub(crate) struct Tls {
    pub trusted: SslAcceptor,
    pub untrusted: SslAcceptor,
}

/// Builds an acceptor that requests a client certificate and accepts any: ASM checks the
/// certificate per request (is it registered for *this* subscription?), and clients
/// without one must still reach the token and ARM paths.
pub(crate) fn acceptor(identity: &ServerIdentity) -> Result<SslAcceptor, ErrorStack> {
    let mut builder = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls_server())?;
    builder.set_private_key(&identity.key)?;
    builder.set_certificate(&identity.certificate)?;
    builder.add_extra_chain_cert(identity.ca_certificate.clone())?;
    builder.check_private_key()?;
    builder.set_verify_callback(SslVerifyMode::PEER, |_preverified, _chain| true);
    // Needed for session resumption once peer verification is on.
    builder.set_session_id_context(b"azure-standin")?;
    Ok(builder.build())
}

/// Accepts connections until `shutdown` fires.
pub(crate) async fn serve(
    listener: TcpListener,
    tls: Arc<Tls>,
    shared: Arc<Shared>,
    port: u16,
    mut shutdown: oneshot::Receiver<()>,
) {
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => {
                let Ok((tcp, _peer)) = accepted else { continue };
                // Without it, each connection's first answer waits ~40 ms for the
                // client's delayed ACK (Nagle), which every benchmark would measure.
                let _ = tcp.set_nodelay(true);
                let acceptor = if shared.take_untrusted() { &tls.untrusted } else { &tls.trusted };
                let Ok(ssl) = Ssl::new(acceptor.context()) else { continue };
                tokio::spawn(connection(ssl, tcp, shared.clone(), port));
            }
        }
    }
}

/// What the client presented on its TLS connection.
struct Peer {
    /// SHA-1 of the client certificate's DER, upper-case hex.
    thumbprint: Option<String>,
}

async fn connection(ssl: Ssl, tcp: TcpStream, shared: Arc<Shared>, port: u16) {
    let Ok(mut stream) = SslStream::new(ssl, tcp) else {
        return;
    };
    match tokio::time::timeout(HANDSHAKE_TIMEOUT, Pin::new(&mut stream).accept()).await {
        Ok(Ok(())) => {}
        _ => return,
    }
    let thumbprint = stream
        .ssl()
        .peer_certificate()
        .and_then(|c| c.to_der().ok())
        .map(|der| digest_hex(MessageDigest::sha1(), &der));
    let peer = Arc::new(Peer { thumbprint });
    let service = hyper::service::service_fn(move |request| {
        let shared = shared.clone();
        let peer = peer.clone();
        async move { handle(&shared, &peer, port, request).await }
    });
    let _ = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

/// Returned to hyper to close the connection without an answer.
#[derive(Debug)]
struct DroppedOnPurpose;

impl std::fmt::Display for DroppedOnPurpose {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by an injected fault")
    }
}

impl std::error::Error for DroppedOnPurpose {}

/// One request as the handlers see it.
pub(crate) struct Call<'a> {
    pub shared: &'a Shared,
    pub method: &'a Method,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
    pub client_thumbprint: Option<&'a str>,
    /// `https://` + the Host the client called (so URLs we send back and the token URL
    /// an assertion's `aud` must equal are the ones the client used).
    pub base_url: String,
}

impl Call<'_> {
    /// The value of header `name`, if present and text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The path's non-empty segments.
    pub fn segments(&self) -> Vec<&str> {
        self.path.split('/').filter(|s| !s.is_empty()).collect()
    }

    /// A query parameter, percent-decoded.
    pub fn query_param(&self, name: &str) -> Option<String> {
        form_decode(self.query.unwrap_or("").as_bytes())
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }
}

/// Which service a path belongs to: ARM under `/subscriptions`, Graph under `/v1.0`,
/// Entra ID under `/{tenant}/oauth2` and its discovery documents, ASM for everything
/// else (`/{subscription}/…`).
fn service_of(path: &str) -> Service {
    let mut segments = path.split('/').filter(|s| !s.is_empty());
    let first = segments.next().unwrap_or("");
    if first.eq_ignore_ascii_case("subscriptions") {
        Service::Arm
    } else if first == "v1.0" {
        Service::Graph
    } else if segments.next() == Some("oauth2") || discovery::is_discovery(path) {
        Service::Entra
    } else {
        Service::Asm
    }
}

async fn handle(
    shared: &Shared,
    peer: &Peer,
    port: u16,
    request: Request<Incoming>,
) -> Result<Response<Sent>, DroppedOnPurpose> {
    let (parts, body) = request.into_parts();
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => Bytes::new(),
    };
    let path = parts.uri.path().to_owned();
    let service = service_of(&path);
    let host = parts
        .headers
        .get(hyper::header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .unwrap_or_else(|| format!("127.0.0.1:{port}"));
    let call = Call {
        shared,
        method: &parts.method,
        path: &path,
        query: parts.uri.query(),
        headers: &parts.headers,
        body: &body,
        client_thumbprint: peer.thumbprint.as_deref(),
        base_url: format!("https://{host}"),
    };

    let fault = shared.take_fault(&path);
    let response = match &fault {
        Some(Fault::Drop) => None,
        Some(Fault::Delay(delay)) => {
            tokio::time::sleep(*delay).await;
            Some(route(service, &call))
        }
        Some(other) => Some(fault_response(service, other, &call)),
        None => Some(route(service, &call)),
    }
    .map(|r| with_request_id(service, r));

    let streamed = match &fault {
        Some(Fault::HugeBody { bytes }) => Some(*bytes),
        _ => None,
    };
    shared.record(RequestRecord {
        at: shared.now(),
        service,
        method: parts.method.to_string(),
        path: path.clone(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts
            .headers
            .iter()
            .map(|(n, v)| {
                (
                    n.to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: String::from_utf8_lossy(&body).into_owned(),
        client_thumbprint: peer.thumbprint.clone(),
        status: response.as_ref().map(|r| r.status().as_u16()),
        fault,
    });
    let response = response.ok_or(DroppedOnPurpose)?;
    Ok(match streamed {
        Some(bytes) => response.map(|_| Either::Right(Streamed { remaining: bytes })),
        None => response.map(Either::Left),
    })
}

fn route(service: Service, call: &Call) -> Response<Body> {
    match service {
        Service::Asm => asm::handle(call),
        Service::Entra if discovery::is_discovery(call.path) => discovery::handle(call),
        Service::Entra => entra::handle(call),
        Service::Arm => arm::handle(call),
        Service::Graph => directory::handle(call).unwrap_or_else(|| graph::handle(call)),
    }
}

/// Every answer carries `x-ms-request-id` as the service formats it: 32 lower-case hex
/// digits for ASM (recorded live, vectors/asm/responses.json), a GUID for Entra ID and
/// ARM. Graph's handlers set Graph's own `request-id` header.
fn with_request_id(service: Service, mut response: Response<Body>) -> Response<Body> {
    let id = match service {
        Service::Asm => random_hex(16),
        Service::Entra | Service::Arm => random_guid(),
        Service::Graph => return response,
    };
    let headers = response.headers_mut();
    if !headers.contains_key("x-ms-request-id") {
        headers.insert("x-ms-request-id", header_value(&id));
    }
    if service == Service::Arm && !headers.contains_key("x-ms-correlation-request-id") {
        headers.insert("x-ms-correlation-request-id", header_value(&random_guid()));
    }
    response
}

fn fault_response(service: Service, fault: &Fault, call: &Call) -> Response<Body> {
    match fault {
        Fault::TooManyRequests { retry_after_secs } => {
            let mut response = service_error(service, 429, call);
            response
                .headers_mut()
                .insert("retry-after", header_value(&retry_after_secs.to_string()));
            response
        }
        Fault::Status(status) => service_error(service, *status, call),
        Fault::TemporaryRedirect { base_url } => {
            let target = match call.query {
                Some(q) => format!("{}{}?{q}", base_url.trim_end_matches('/'), call.path),
                None => format!("{}{}", base_url.trim_end_matches('/'), call.path),
            };
            let mut response = reply(307, "text/plain", Bytes::new(), &[]);
            response
                .headers_mut()
                .insert(hyper::header::LOCATION, header_value(&target));
            response
        }
        // The body is swapped for the streamed one in handle().
        Fault::HugeBody { .. } => reply(200, "application/octet-stream", Bytes::new(), &[]),
        // Handled before answering.
        Fault::Delay(_) | Fault::Drop => unreachable!("handled in handle()"),
    }
}

/// The error body each service sends for an injected status.
fn service_error(service: Service, status: u16, call: &Call) -> Response<Body> {
    match service {
        Service::Asm => asm::status_error(status),
        Service::Entra => entra::status_error(status, call),
        Service::Arm => arm::status_error(status),
        Service::Graph => graph::status_error(status, call),
    }
}

/// A header value from text we made (never fails for our ASCII values).
pub(crate) fn header_value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static("invalid"))
}

/// Builds a response with a status, a content type, a body and extra headers.
pub(crate) fn reply(
    status: u16,
    content_type: &str,
    body: impl Into<Bytes>,
    headers: &[(&str, String)],
) -> Response<Body> {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() =
        hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    let map = response.headers_mut();
    map.insert(hyper::header::CONTENT_TYPE, header_value(content_type));
    for (name, value) in headers {
        if let Ok(name) = HeaderName::from_bytes(name.as_bytes()) {
            map.append(name, header_value(value));
        }
    }
    response
}

/// Decodes `application/x-www-form-urlencoded` text (also used for query strings).
pub(crate) fn form_decode(input: &[u8]) -> Vec<(String, String)> {
    input
        .split(|&b| b == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let mut kv = pair.splitn(2, |&b| b == b'=');
            let key = percent_decode(kv.next().unwrap_or(b""));
            let value = percent_decode(kv.next().unwrap_or(b""));
            (key, value)
        })
        .collect()
}

pub(crate) fn percent_decode(input: &[u8]) -> String {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        match input[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < input.len() => {
                let hex = std::str::from_utf8(&input[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(byte) => {
                        out.push(byte);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_decoding_handles_plus_percent_and_truncation() {
        let pairs = form_decode(b"a=b+c&scope=https%3A%2F%2Fx%2F.default&bad=%Z1&end=%4");
        assert_eq!(pairs[0], ("a".into(), "b c".into()));
        assert_eq!(pairs[1], ("scope".into(), "https://x/.default".into()));
        assert_eq!(pairs[2], ("bad".into(), "%Z1".into()));
        assert_eq!(pairs[3], ("end".into(), "%4".into()));
    }

    #[test]
    fn paths_are_routed_to_their_service() {
        assert_eq!(service_of("/subscriptions/1"), Service::Arm);
        assert_eq!(service_of("/t/oauth2/v2.0/token"), Service::Entra);
        assert_eq!(service_of("/1/services/hostedservices"), Service::Asm);
        assert_eq!(
            service_of("/t/v2.0/.well-known/openid-configuration"),
            Service::Entra
        );
        assert_eq!(service_of("/common/discovery/instance"), Service::Entra);
        assert_eq!(service_of("/"), Service::Asm);
        assert_eq!(service_of("/v1.0/applications/o"), Service::Graph);
    }
}
