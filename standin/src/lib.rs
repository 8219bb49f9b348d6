//! Test support for certtool: the **Azure stand-in**, a local HTTPS server that answers
//! as Azure's legacy Service Management (ASM), Entra ID's token endpoint (and the
//! discovery documents clients read first), Azure Resource Manager (ARM) and Microsoft
//! Graph's application credentials do, checking
//! credentials for real.
//!
//! Azure cannot be reached from our machines or CI, so certtool's online commands are
//! tested against this server. What it does is documented in `tests/README.md`, with the
//! source (documentation or recorded live response) of every behaviour and body.
//!
//! ```no_run
//! use certtool_standin::{App, Certificate, Config, Fault, RoleAssignment, StandIn, Subscription, Tenant, Times};
//!
//! # fn main() -> Result<(), certtool_standin::StandInError> {
//! let cert = Certificate::from_file("app.cer".as_ref())?;
//! let sub = "00000000-0000-0000-0000-000000000001";
//! let config = Config::new()
//!     .subscription(Subscription::new(sub, "Production").management_certificate(cert.clone()))
//!     .tenant(Tenant::new("11111111-1111-1111-1111-111111111111").app(
//!         App::new("22222222-2222-2222-2222-222222222222")
//!             .certificate(cert)
//!             .role(RoleAssignment::reader(format!("/subscriptions/{sub}"))),
//!     ));
//! let standin = StandIn::start(config)?;
//! standin.set_fault("/*/oauth2/v2.0/token", Fault::TooManyRequests { retry_after_secs: 1 }, Times::Once);
//! // run certtool with --endpoint/--authority-host/--arm-endpoint = standin.url()
//! // and --ca-file = standin.ca_pem_path(), then:
//! let token_calls = standin.requests().iter().filter(|r| r.matches("/*/oauth2")).count();
//! assert_eq!(token_calls, 2);
//! # Ok(()) }
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod arm;
mod asm;
mod assertion;
pub mod config;
pub mod directory;
mod discovery;
mod entra;
mod entra_error;
mod faults;
mod federated;
mod graph;
mod pki;
mod proof;
mod server;
mod standin;
mod state;

pub use config::{
    App, Certificate, ClientSecret, Config, ExpiredCertificateError, FederatedCredential,
    HostedService, OidcIssuer, RoleAssignment, Subscription, SubscriptionState, Tenant,
};
pub use directory::{Collection, Directory, Owner, PageFault};
pub use faults::{Fault, Times};
pub use standin::{Options, StandIn};
pub use state::{RequestRecord, Service};

/// Why the stand-in could not start or read its configuration.
#[derive(Debug)]
#[non_exhaustive]
pub enum StandInError {
    /// The configuration (file or a certificate it names) is unusable.
    Config(String),
    /// Binding the port, writing the CA file or starting the server thread failed.
    Io(std::io::Error),
    /// OpenSSL failed while making the throwaway PKI or the TLS context.
    Tls(openssl::error::ErrorStack),
}

impl std::fmt::Display for StandInError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StandInError::Config(message) => write!(f, "configuration: {message}"),
            StandInError::Io(error) => write!(f, "I/O: {error}"),
            StandInError::Tls(error) => write!(f, "TLS setup: {error}"),
        }
    }
}

impl std::error::Error for StandInError {}

impl From<std::io::Error> for StandInError {
    fn from(error: std::io::Error) -> Self {
        StandInError::Io(error)
    }
}

impl From<openssl::error::ErrorStack> for StandInError {
    fn from(error: openssl::error::ErrorStack) -> Self {
        StandInError::Tls(error)
    }
}
