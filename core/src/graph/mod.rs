//! Microsoft Graph for an app registration's own credentials (`docs/azure.md` "Microsoft
//! Graph"): read the application (its certificates and secrets, with their dates),
//! `addKey` and `removeKey` with a proof of possession signed by a current certificate.

mod application;
mod client;
mod proof;

pub use application::{Application, CredentialDates, KeyCredential, PasswordCredential};
pub use client::{GraphClient, GraphError, GraphFault, GraphRefusal, APPLICATION_SELECT};
pub use proof::{sign_proof, Proof, ProofRequest, PROOF_AUDIENCE, PROOF_LIFETIME_SECS};
