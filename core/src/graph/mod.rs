//! Microsoft Graph: an app registration's own credentials (`docs/azure.md` "Microsoft
//! Graph": read the application, `addKey` and `removeKey` with a proof of possession
//! signed by a current certificate), and the tenant's directory (`docs/graph.md`):
//! listings of every application and service principal page by page under a throttle
//! budget, `$batch`, and the writes that make a service principal.

mod application;
mod batch;
mod client;
mod directory;
mod listing;
pub mod odata;
mod principal;
mod proof;
mod request;
mod throttle;

pub use application::{Application, CredentialDates, KeyCredential, PasswordCredential};
pub use batch::{BatchOutcome, BatchRequest, BatchResponse, MAX_BATCH_REQUESTS};
pub use client::{GraphClient, GraphError, GraphFault, GraphRefusal, APPLICATION_SELECT};
pub use directory::{Deleted, DirectoryObject, FederatedIdentityCredential, NewPassword};
pub use listing::{Listing, Pager, PartialReason};
pub use principal::{ServicePrincipal, MAX_PAGE_SIZE, SERVICE_PRINCIPAL_LIST_SELECT};
pub use proof::{sign_proof, Proof, ProofRequest, PROOF_AUDIENCE, PROOF_LIFETIME_SECS};
pub use throttle::{Sleeper, ThrottlePolicy, ThrottleStats};
