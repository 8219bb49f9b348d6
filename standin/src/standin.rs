//! The handle tests hold: [`StandIn`] starts the server on its own thread and runtime,
//! exposes its URL and CA file, injects faults, reads the request log, and stops the
//! server when dropped.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;

use tokio::sync::oneshot;

use crate::config::Config;
use crate::faults::{Fault, FaultRule, Times};
use crate::pki::ThrowawayCa;
use crate::server::{acceptor, serve, Tls};
use crate::state::{RequestRecord, Shared};
use crate::StandInError;

/// How to start: which port, where to write the CA certificate.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct Options {
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Where to write the CA certificate (PEM); `None` writes it into a temporary
    /// folder removed when the stand-in is dropped.
    pub ca_out: Option<PathBuf>,
    /// A CA to sign the server certificate with (certificate PEM, private key PEM)
    /// instead of one made at start.
    pub ca: Option<(Vec<u8>, Vec<u8>)>,
}

impl Options {
    /// A random port and a temporary CA file.
    pub fn new() -> Self {
        Options::default()
    }

    /// Listens on `port` (0: any free port).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Signs the server certificate with this CA (PEM certificate and PEM private key),
    /// e.g. one a team already trusts, instead of a throwaway one.
    pub fn ca(mut self, certificate_pem: Vec<u8>, key_pem: Vec<u8>) -> Self {
        self.ca = Some((certificate_pem, key_pem));
        self
    }

    /// Writes the CA certificate to `path`.
    pub fn ca_out(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_out = Some(path.into());
        self
    }
}

/// A running stand-in. Dropping it stops the server and removes its temporary files.
pub struct StandIn {
    url: String,
    port: u16,
    ca_pem: Vec<u8>,
    ca_pem_path: PathBuf,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
    // Held for its Drop: removes the CA file written for this run.
    _temp_dir: Option<tempfile::TempDir>,
}

impl StandIn {
    /// Starts on 127.0.0.1 with a random port and a temporary CA file.
    pub fn start(config: Config) -> Result<Self, StandInError> {
        Self::start_with(config, Options::default())
    }

    /// Starts with explicit [`Options`].
    pub fn start_with(config: Config, options: Options) -> Result<Self, StandInError> {
        let ca = match &options.ca {
            Some((certificate, key)) => {
                let ca = ThrowawayCa::from_pem(certificate, key)?;
                if !ca.key_matches() {
                    return Err(StandInError::Config(
                        "the CA private key does not belong to the CA certificate".into(),
                    ));
                }
                ca
            }
            None => ThrowawayCa::generate("azure-standin test CA")?,
        };
        let other_ca = ThrowawayCa::generate("azure-standin untrusted CA")?;
        let tls = Arc::new(Tls {
            trusted: acceptor(&ca.issue_server_identity()?)?,
            untrusted: acceptor(&other_ca.issue_server_identity()?)?,
        });
        let ca_pem = ca.certificate_pem()?;
        let (temp_dir, ca_pem_path) = match options.ca_out {
            Some(path) => (None, path),
            None => {
                let dir = tempfile::Builder::new()
                    .prefix("azure-standin-")
                    .tempdir()?;
                let path = dir.path().join("standin-ca.pem");
                (Some(dir), path)
            }
        };
        std::fs::write(&ca_pem_path, &ca_pem).map_err(|e| {
            in_context(
                e,
                &format!("cannot write the CA to {}", ca_pem_path.display()),
            )
        })?;

        let listener = std::net::TcpListener::bind(("127.0.0.1", options.port))
            .map_err(|e| in_context(e, &format!("cannot listen on 127.0.0.1:{}", options.port)))?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let shared = Arc::new(Shared::new(config));
        let (shutdown, shutdown_rx) = oneshot::channel();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let server_shared = shared.clone();
        let thread = std::thread::Builder::new()
            .name(format!("azure-standin-{port}"))
            .spawn(move || {
                runtime.block_on(async move {
                    match tokio::net::TcpListener::from_std(listener) {
                        Ok(listener) => {
                            serve(listener, tls, server_shared, port, shutdown_rx).await
                        }
                        Err(error) => eprintln!("azure-standin: cannot listen: {error}"),
                    }
                });
            })?;
        Ok(StandIn {
            url: format!("https://127.0.0.1:{port}"),
            port,
            ca_pem,
            ca_pem_path,
            shared,
            shutdown: Some(shutdown),
            thread: Some(thread),
            _temp_dir: temp_dir,
        })
    }

    /// `https://127.0.0.1:PORT`, no trailing slash: the ASM endpoint, the login
    /// authority host and the ARM endpoint all at once.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The v2 token URL of `tenant` (what a client assertion's `aud` must be).
    pub fn token_url(&self, tenant: &str) -> String {
        format!("{}/{tenant}/oauth2/v2.0/token", self.url)
    }

    /// The CA certificate file (PEM) that signed the server certificate: certtool's
    /// `--ca-file`, curl's `--cacert`.
    pub fn ca_pem_path(&self) -> &Path {
        &self.ca_pem_path
    }

    /// The CA certificate (PEM bytes).
    pub fn ca_pem(&self) -> &[u8] {
        &self.ca_pem
    }

    /// Applies `fault` to the next `times` requests whose path matches `pattern`:
    /// segments compared case-insensitively, `*` matching any one segment, and the path
    /// may continue after the pattern (so `/subscriptions` covers all of ARM and
    /// `/*/oauth2` every token endpoint). Faults apply in the order they were set.
    pub fn set_fault(&self, pattern: &str, fault: Fault, times: Times) {
        self.shared.add_fault(FaultRule::new(pattern, fault, times));
    }

    /// Serves the next `times` TLS connections with a server certificate from another
    /// CA, which clients trusting [`Self::ca_pem_path`] must refuse. (A TLS fault is per
    /// connection: the path is not known before the handshake.)
    pub fn serve_untrusted_certificate(&self, times: Times) {
        self.shared.set_untrusted(times);
    }

    /// Removes every pending fault, the untrusted certificate included.
    pub fn clear_faults(&self) {
        self.shared.clear_faults();
    }

    /// Every request answered (or dropped) so far, oldest first.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.shared.requests()
    }

    /// Empties the request log.
    pub fn clear_requests(&self) {
        self.shared.clear_requests();
    }

    /// Moves the stand-in's clock by `seconds` (negative: into the past). Every time
    /// check uses this clock: assertion `nbf`/`exp`, certificate and secret expiry,
    /// token expiry.
    pub fn set_clock_offset(&self, seconds: i64) {
        self.shared.set_clock_offset(seconds);
    }

    /// Changes the configuration of the running stand-in (add a certificate, remove a
    /// role, disable an app…); later requests see the change.
    pub fn update_config(&self, change: impl FnOnce(&mut Config)) {
        self.shared.update_config(change);
    }

    /// The user codes of device codes waiting for a person's approval, oldest first.
    pub fn pending_device_codes(&self) -> Vec<String> {
        self.shared
            .device_codes()
            .iter()
            .filter(|c| c.state == crate::state::DeviceState::Pending)
            .map(|c| c.user_code.clone())
            .collect()
    }

    /// Approves the device code `user_code` as the person the configured app
    /// `principal_client_id` stands for (its Graph permissions and roles are the
    /// person's); false when no such code waits.
    pub fn approve_device_code(&self, user_code: &str, principal_client_id: &str) -> bool {
        self.settle_device_code(
            user_code,
            crate::state::DeviceState::Approved(principal_client_id.to_owned()),
        )
    }

    /// Declines the device code `user_code` (the person said no); false when no such
    /// code waits.
    pub fn decline_device_code(&self, user_code: &str) -> bool {
        self.settle_device_code(user_code, crate::state::DeviceState::Declined)
    }

    fn settle_device_code(&self, user_code: &str, state: crate::state::DeviceState) -> bool {
        let mut codes = self.shared.device_codes();
        match codes.iter_mut().find(|c| {
            c.user_code.eq_ignore_ascii_case(user_code)
                && c.state == crate::state::DeviceState::Pending
        }) {
            Some(code) => {
                code.state = state;
                true
            }
            None => false,
        }
    }

    /// Blocks until the server stops (for the `azure-standin` binary: never, in
    /// practice, until the process is killed).
    pub fn wait(mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        // A test may fail, never hang: the server stops at once in practice (its tasks
        // are cancelled with its runtime), but the wait for it has a deadline all the same.
        // Past it the thread is left behind, with a line saying so (no panic in a drop).
        if let Some(thread) = self.thread.take() {
            let deadline = std::time::Instant::now() + STOP_DEADLINE;
            while !thread.is_finished() && std::time::Instant::now() < deadline {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            if thread.is_finished() {
                let _ = thread.join();
            } else {
                eprintln!(
                    "azure-standin: the server on port {} did not stop within {STOP_DEADLINE:?}; left running",
                    self.port
                );
            }
        }
    }
}

/// How long dropping a [`StandIn`] waits for its server thread to end.
const STOP_DEADLINE: std::time::Duration = std::time::Duration::from_secs(10);

/// `error` with what was being done in front (one line for the binary to print).
fn in_context(error: std::io::Error, doing: &str) -> std::io::Error {
    std::io::Error::new(error.kind(), format!("{doing}: {error}"))
}
