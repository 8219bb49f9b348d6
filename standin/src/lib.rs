//! Test support for certtool: the **Azure stand-in**, a local HTTPS server that answers
//! as Azure's legacy Service Management (ASM), Entra ID's token endpoint (and the
//! discovery documents clients read first), Azure Resource Manager (ARM) and Microsoft
//! Graph's application credentials do, checking
//! credentials for real.
//!
//! Azure cannot be reached from our machines or CI, so certtool's online commands are
//! tested against this server.
//!
//! # Its specification
//! The spec is `tests/README.md` § "The Azure stand-in" in this repository: how to start
//! and configure it, then § "What it checks, and where each behaviour comes from", one
//! table per service (routing, TLS, ASM, Entra ID, discovery, ARM, Microsoft Graph) whose
//! every row names its source: **live** (a response recorded from the real service),
//! **azure.md § X** (`docs/azure.md`, our notes on Azure with links to Microsoft's
//! documentation), **observed** (a public report of what the service answered), or
//! **ours** (the stand-in's own choice where none of those says). § "Real clients" names
//! the Microsoft client that showed a rule and the test that keeps it. A change of
//! behaviour changes its row there in the same commit.
//!
//! # Layout
//! `server` (TLS, HTTP, faults, the request log) hands each request to the dispatcher,
//! `routes`, which picks the service handler (`asm`, `entra`, `discovery`, `arm`,
//! `graph`) and adds what every answer of that service carries. Handlers see only the
//! plain request and response types of `wire`, and read which token audiences ARM and
//! Graph accept from `audience`; none of them knows the server or the dispatcher. The
//! table at the top of `routes` says where each endpoint is matched and how to add one.
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
mod audience;
mod authorization;
pub mod config;
mod creation;
mod device_code;
pub mod directory;
mod discovery;
mod entra;
mod entra_error;
mod faults;
mod federated;
mod graph;
mod ids;
mod pki;
mod proof;
mod routes;
mod server;
mod standin;
mod state;
mod wire;

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
