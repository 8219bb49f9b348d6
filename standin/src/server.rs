//! The HTTPS server: TLS that asks every client for a certificate and accepts any, HTTP/1.1
//! with hyper, fault injection and the request log. What answers a request is decided by
//! the dispatcher below it (`routes`).

use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Either, Limited};
use hyper::body::{Bytes, Frame, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use openssl::error::ErrorStack;
use openssl::hash::MessageDigest;
use openssl::ssl::{Ssl, SslAcceptor, SslMethod, SslVerifyMode};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio_openssl::SslStream;

use crate::config::digest_hex;
use crate::pki::ServerIdentity;
use crate::routes::{route_of, status_error, with_request_id};
use crate::state::{RequestRecord, Service, Shared};
use crate::wire::{header_value, reply, Body, Call};
use crate::Fault;

/// What goes on the wire: a complete body, or a streamed one ([`Fault::HugeBody`]).
type Sent = Either<Body, Streamed>;

/// A body of `remaining` spaces sent in 64 KiB chunks, never held in memory at once.
struct Streamed {
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
    let route = route_of(&path);
    let service = route.service;
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
            Some(route.answer(&call))
        }
        Some(other) => Some(fault_response(service, other, &call)),
        None => Some(route.answer(&call)),
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

fn fault_response(service: Service, fault: &Fault, call: &Call) -> Response<Body> {
    match fault {
        Fault::TooManyRequests { retry_after_secs } => {
            let mut response = status_error(service, 429, call);
            response
                .headers_mut()
                .insert("retry-after", header_value(&retry_after_secs.to_string()));
            response
        }
        Fault::Status(status) => status_error(service, *status, call),
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
