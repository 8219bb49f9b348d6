//! Making a service principal the safe way, as an ordered step machine (the flow behind
//! `certtool create sp`): sign in for Graph and ARM → refuse a display name already
//! taken → find the role (or check a custom role's name is free) → stage the new
//! certificate's files → create the application and its service principal → add the
//! secret or federated credential → create the custom role → assign the role on each
//! subscription → prove the new credential signs in and holds the role → commit files.
//!
//! Safety rules, which the order keeps: nothing is looked up by name to be reused, and
//! no object this run did not create is ever changed or deleted. Everything created is
//! recorded ([`Creation::created`]); a failure after the application exists removes
//! exactly those objects, in the order Azure accepts ([`undo`]: role assignments, then
//! the custom role, then the application, which takes its service principal along),
//! unless the caller asked to keep them. The one exception is the proof running out of
//! time: the objects most likely work a little later, so they are kept and the files
//! committed ([`State::NotYetProven`]).
//!
//! Core orchestrates; the CLI parses flags and renders. Nothing here prints: progress
//! goes to the caller's [`CreateRequest::progress`].

mod credential;
mod halt;
mod object;
mod prove;
mod role;
mod run;
mod undo;

use std::path::PathBuf;
use std::time::Duration;

use openssl::pkey::{PKey, Private};
use openssl::x509::X509;
use serde::Serialize;
use time::OffsetDateTime;

use crate::arm::{ArmError, RoleDefinitionProperties, SubscriptionCheck};
use crate::entra::{Explanation, SigningAlg};
use crate::graph::{DirectoryObject, FederatedIdentityCredential, GraphError, NewPassword};
use crate::http::RetryPolicy;

pub use object::{CreatedObject, ObjectKind};
pub use run::create;

/// What a run holds while it goes: the caller's clients and the staged files (read by
/// the steps and by [`undo`]).
pub(crate) struct Session {
    graph: crate::graph::GraphClient,
    arm: crate::arm::ArmClient,
    staged: Vec<crate::fsutil::Staged>,
}

/// The steps, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// The caller signs in for Graph and ARM.
    SignIn,
    /// No application has the display name yet.
    CheckName,
    /// The built-in role is found, or the custom role's name is free.
    FindRole,
    /// The new certificate's PFX and `.cer` are written under no name yet.
    Stage,
    /// `POST /applications`.
    CreateApplication,
    /// `POST /servicePrincipals`.
    CreateServicePrincipal,
    /// `addPassword` or a federated identity credential (a certificate came with the
    /// application).
    AddCredential,
    /// The custom role (`PUT …/roleDefinitions/{guid}`).
    CreateRole,
    /// One role assignment per subscription.
    AssignRole,
    /// The new app signs in with its new credential.
    ProveSignIn,
    /// The new app reads each subscription with the role's actions.
    ProveRole,
    /// The staged files get their names.
    Commit,
    /// Removing what this run created.
    Undo,
}

/// How a step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    /// It happened.
    Done,
    /// Not needed, or not possible here (the proof of a federated credential).
    Skipped,
    /// It failed.
    Failed,
}

/// One step's record.
#[derive(Debug, Clone, Serialize)]
pub struct StepRecord {
    /// Which step.
    pub step: Step,
    /// How it ended.
    pub status: StepStatus,
    /// What it did, in words.
    pub detail: String,
}

/// Where the run left Azure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Nothing was created.
    NothingCreated,
    /// Everything exists and the new credential was proven to work.
    Proven,
    /// Everything exists; the proof ran out of time (most likely works a little later).
    NotYetProven,
    /// Everything exists (a federated credential cannot be proven here).
    CreatedUnproven,
    /// A step failed and what was created was removed.
    RolledBack,
    /// A step failed and `--keep-on-failure` kept what was created.
    Kept,
    /// A step failed and removing what was created failed too: see
    /// [`Creation::created`] for what is left.
    UndoIncomplete,
}

/// Why the run stopped.
#[derive(Debug)]
pub enum CreateFailure {
    /// The caller got no token.
    SignIn(Explanation),
    /// Applications with the display name exist (and `--allow-same-name` was not given).
    NameTaken(Vec<DirectoryObject>),
    /// The built-in role named does not exist.
    RoleUnknown(String),
    /// A role with the custom role's name exists already (it is not ours to change).
    RoleNameTaken(String),
    /// Graph refused or failed at `step`.
    Graph {
        /// The step.
        step: Step,
        /// Graph's answer.
        error: GraphError,
    },
    /// ARM refused or failed at `step`, about `scope`.
    Arm {
        /// The step.
        step: Step,
        /// What the call was about.
        scope: String,
        /// ARM's answer.
        error: ArmError,
    },
    /// The files could not be written or committed.
    Files(String),
    /// `--wait` ran out before the new credential signed in or held the role.
    NotProven {
        /// Seconds waited.
        waited_secs: u64,
        /// What was still missing.
        gap: ProofGap,
    },
}

/// What the proof still lacked when the wait ran out.
#[derive(Debug)]
pub enum ProofGap {
    /// The new credential got no token; the last answer.
    SignIn(Box<Explanation>),
    /// It signed in, but not every subscription shows the role's actions yet.
    Role(Vec<SubscriptionCheck>),
}

/// The new certificate, made by the caller as `generate` makes one.
pub struct NewCertificate<'a> {
    /// The certificate.
    pub certificate: &'a X509,
    /// Its key.
    pub key: &'a PKey<Private>,
    /// The PFX that keeps both, already encoded.
    pub pfx: &'a [u8],
    /// Where the PFX goes (0600).
    pub pfx_path: PathBuf,
    /// Where the `.cer` goes.
    pub cer_path: PathBuf,
    /// The proof's assertion algorithm.
    pub alg: SigningAlg,
}

/// The credential the new app gets.
pub enum NewCredential<'a> {
    /// A certificate registered with the application.
    Certificate(NewCertificate<'a>),
    /// A client secret (`addPassword`) valid until `end`, written (0600) to `file`
    /// when given, else handed back in [`Creation::secret`].
    Secret {
        /// Its `displayName`.
        display_name: String,
        /// When it expires.
        end: OffsetDateTime,
        /// Where to write it.
        file: Option<PathBuf>,
    },
    /// A federated identity credential (no proof possible here).
    Federated(FederatedIdentityCredential),
}

/// Which role the new service principal gets.
pub enum RoleChoice {
    /// A role that exists (built-in, or a custom role someone made), by name.
    Existing(String),
    /// A custom role this run defines; its `assignableScopes` become every subscription.
    Custom(RoleDefinitionProperties),
}

/// Everything a creation needs besides the caller's sign-in.
pub struct CreateRequest<'a> {
    /// The HTTP client (trust, timeouts).
    pub http: reqwest::Client,
    /// Retries of each request.
    pub policy: RetryPolicy,
    /// The tenant's token URL (the new app signs in there).
    pub token_url: String,
    /// Graph base URL and token scope.
    pub graph: String,
    /// Graph token scope.
    pub graph_scope: String,
    /// ARM base URL.
    pub arm: String,
    /// ARM token scope.
    pub arm_scope: String,
    /// The application's display name.
    pub name: String,
    /// Create even when applications with the name exist.
    pub allow_same_name: bool,
    /// The subscriptions to assign the role on (at least one).
    pub subscriptions: Vec<String>,
    /// The role.
    pub role: RoleChoice,
    /// The new credential.
    pub credential: NewCredential<'a>,
    /// How long the proof may take.
    pub wait: Duration,
    /// Keep what was created when a step fails.
    pub keep_on_failure: bool,
    /// The clock (assertions of the proof).
    pub now: fn() -> OffsetDateTime,
    /// Told of waits in progress (the CLI prints them on stderr).
    pub progress: &'a (dyn Fn(&str) + Sync),
}

/// The role the service principal got.
#[derive(Debug, Clone, Serialize)]
pub struct RoleSummary {
    /// `roleName`.
    pub name: String,
    /// Its GUID.
    pub id: String,
    /// Whether this run defined it.
    pub custom: bool,
}

/// The outcome of a creation.
#[derive(Debug, Serialize)]
pub struct Creation {
    /// Each step in order.
    pub steps: Vec<StepRecord>,
    /// Where Azure is left.
    pub state: State,
    /// The application (client) id, once created.
    pub client_id: Option<String>,
    /// The application's object id, once created.
    pub application_object_id: Option<String>,
    /// The service principal's object id, once created.
    pub service_principal_id: Option<String>,
    /// The role, once found or defined.
    pub role: Option<RoleSummary>,
    /// The subscriptions the role was assigned on.
    pub assigned: Vec<String>,
    /// Every object created, in order, and whether it was removed again.
    pub created: Vec<CreatedObject>,
    /// The PFX, once committed.
    pub pfx: Option<PathBuf>,
    /// The `.cer`, once committed.
    pub cer: Option<PathBuf>,
    /// The secret's file, once committed.
    pub secret_file: Option<PathBuf>,
    /// The secret's keyId and expiry, when one was added.
    pub secret_key_id: Option<String>,
    /// The secret's expiry.
    pub secret_expires: Option<String>,
    /// The certificate's SHA-1 thumbprint.
    pub thumbprint: Option<String>,
    /// Sign-in attempts of the proof.
    pub proof_attempts: u32,
    /// The last per-subscription check of the proof.
    pub checks: Vec<SubscriptionCheck>,
    /// The new secret, when it has no file (the caller prints it). Never serialized.
    #[serde(skip)]
    pub secret: Option<NewPassword>,
    /// Why it stopped (none when it finished).
    #[serde(skip)]
    pub failure: Option<CreateFailure>,
}

impl Creation {
    fn record(&mut self, step: Step, status: StepStatus, detail: impl Into<String>) {
        self.steps.push(StepRecord {
            step,
            status,
            detail: detail.into(),
        });
    }

    fn created(&mut self, kind: ObjectKind, id: impl Into<String>) {
        self.created.push(CreatedObject {
            kind,
            id: id.into(),
            removed: false,
        });
    }
}

/// The `displayName` and the expiry of a new client secret that names the tool and the
/// day, so that a person finds it in the portal.
pub fn secret_display_name(now: OffsetDateTime) -> String {
    format!(
        "certtool {}",
        crate::x509::rfc3339(now).get(..10).unwrap_or_default()
    )
}

/// An ARM failure in one line: `{status} {code}: {message}`, or what went wrong.
pub fn arm_words(error: &ArmError) -> String {
    match error {
        ArmError::Api(fault) | ArmError::Service { fault, .. } => {
            if fault.message.is_empty() {
                format!("ARM answered {} {}", fault.status, fault.code)
            } else {
                format!(
                    "ARM answered {} {}: {}",
                    fault.status, fault.code, fault.message
                )
            }
        }
        ArmError::Network { failure, .. } => {
            format!("ARM could not be reached: {}", failure.detail)
        }
        ArmError::Malformed(detail) => detail.clone(),
    }
}
