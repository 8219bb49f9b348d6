//! Rolling an app registration's certificate with Microsoft Graph, as an ordered step
//! machine: sign in with the current certificate → resolve the object id → stage the
//! new PFX on disk → `addKey` (proof by the current key) → sign in with the new
//! certificate until it works or the wait runs out → optionally `removeKey` of the old
//! key (proof by the new key) → commit the staged files.
//!
//! The order is the safety argument: the new key is on disk before Graph knows it, and
//! the old key is removed only after the new one has signed in. Every step ends in a
//! typed [`StepStatus`]; a failure says which state the app is left in
//! ([`AppState`]). The caller renders; nothing here prints.

mod run;

use std::path::{Path, PathBuf};
use std::time::Duration;

use openssl::pkey::{PKey, Private};
use openssl::x509::X509;
use serde::Serialize;
use time::OffsetDateTime;

use crate::entra::{Explanation, SigningAlg};
use crate::graph::GraphError;
use crate::http::RetryPolicy;

pub use run::rotate;

/// The steps, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Sign in to Graph with the current certificate.
    SignIn,
    /// Find the application's object id (and the current key's keyId).
    ResolveApp,
    /// Write the new PFX and .cer under staging names.
    Stage,
    /// Register the new certificate (`addKey`).
    AddKey,
    /// Sign in with the new certificate.
    VerifyNew,
    /// Remove the certificate signed in with (`removeKey`).
    RemoveOld,
    /// Rename the staged files into place.
    Commit,
}

/// How a step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    /// It happened.
    Done,
    /// `--dry-run`: it would happen.
    Planned,
    /// Not needed (e.g. no `--remove-old`).
    Skipped,
    /// It failed; later steps did not run.
    Failed,
}

/// One step's record.
#[derive(Debug, Clone, Serialize)]
pub struct StepRecord {
    /// Which step.
    pub step: Step,
    /// How it ended.
    pub status: StepStatus,
    /// What it did or would do, in words.
    pub detail: String,
}

/// What the app registration holds when the run ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AppState {
    /// Nothing was changed.
    Unchanged,
    /// Both the current and the new certificate are registered.
    BothRegistered,
    /// Only the new certificate remains (the old one was removed).
    Rotated,
}

/// Why a rotation stopped.
#[derive(Debug)]
pub enum RotateFailure {
    /// Entra ID refused (or could not be asked for) a token with the current certificate.
    SignIn(Explanation),
    /// Graph refused or failed at `step`.
    Graph {
        /// The step.
        step: Step,
        /// Graph's answer.
        error: GraphError,
    },
    /// `--remove-old` needs the current key's keyId, which only a read of the app shows.
    OldKeyUnknown(String),
    /// The new certificate did not sign in within the wait; the last answer.
    NewNeverSignedIn {
        /// Seconds waited.
        waited_secs: u64,
        /// The last refusal or failure.
        last: Explanation,
    },
    /// Writing or committing the new files failed.
    Files(String),
}

/// The current credential.
pub struct CurrentCertificate<'a> {
    /// The registered certificate signed in with.
    pub certificate: &'a X509,
    /// Its key.
    pub key: &'a PKey<Private>,
}

/// The new credential, already built by the caller.
pub struct NewCertificate<'a> {
    /// The new certificate.
    pub certificate: &'a X509,
    /// Its key.
    pub key: &'a PKey<Private>,
    /// The PFX to keep (key and certificate), already encoded.
    pub pfx: &'a [u8],
    /// Where the PFX goes when the rotation commits.
    pub pfx_path: PathBuf,
    /// Where the `.cer` goes.
    pub cer_path: PathBuf,
}

/// Everything a rotation needs.
pub struct RotateRequest<'a> {
    /// The HTTP client (trust, timeouts).
    pub http: reqwest::Client,
    /// Retries of each request.
    pub policy: RetryPolicy,
    /// The tenant's token URL.
    pub token_url: String,
    /// The application (client) id.
    pub client_id: String,
    /// Graph base URL.
    pub graph: String,
    /// Graph token scope.
    pub graph_scope: String,
    /// Assertion and proof signature algorithm.
    pub alg: SigningAlg,
    /// The current certificate.
    pub current: CurrentCertificate<'a>,
    /// The new certificate.
    pub new: NewCertificate<'a>,
    /// The object id, when the app cannot read itself.
    pub object_id: Option<String>,
    /// Remove the current certificate once the new one signs in.
    pub remove_old: bool,
    /// How long to keep trying the new certificate.
    pub wait: Duration,
    /// Sign in only; report the rest as planned.
    pub dry_run: bool,
    /// The clock (injected so that tests decide it).
    pub now: fn() -> OffsetDateTime,
}

/// The outcome of a rotation.
#[derive(Debug, Serialize)]
pub struct Rotation {
    /// Each step in order.
    pub steps: Vec<StepRecord>,
    /// What the registration holds now.
    pub state: AppState,
    /// The application object id, once known.
    pub object_id: Option<String>,
    /// The current certificate's SHA-1 thumbprint.
    pub old_thumbprint: String,
    /// The current certificate's keyId, when read.
    pub old_key_id: Option<String>,
    /// The new certificate's SHA-1 thumbprint.
    pub new_thumbprint: String,
    /// The new certificate's keyId, once added.
    pub new_key_id: Option<String>,
    /// Where the new PFX is (staged or final), once written.
    pub pfx: Option<PathBuf>,
    /// Where the new `.cer` is, once written.
    pub cer: Option<PathBuf>,
    /// Sign-in attempts with the new certificate.
    pub verify_attempts: u32,
    /// Why it stopped (none when it finished).
    #[serde(skip)]
    pub failure: Option<RotateFailure>,
}

impl Rotation {
    pub(crate) fn record(&mut self, step: Step, status: StepStatus, detail: impl Into<String>) {
        self.steps.push(StepRecord {
            step,
            status,
            detail: detail.into(),
        });
    }

    pub(crate) fn fail(mut self, step: Step, detail: String, failure: RotateFailure) -> Self {
        self.record(step, StepStatus::Failed, detail);
        self.failure = Some(failure);
        self
    }
}

/// The staging name of `path`: `NAME.staged.EXT` beside it, visible, so that a run cut
/// short leaves the new key where a person finds it.
pub fn staged_path(path: &Path) -> PathBuf {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let ext = path
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    path.with_file_name(format!("{stem}.staged{ext}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staged_names_sit_beside_the_destination() {
        assert_eq!(
            staged_path(Path::new("/out/app-2027.pfx")),
            Path::new("/out/app-2027.staged.pfx")
        );
        assert_eq!(
            staged_path(Path::new("app.cer")),
            Path::new("app.staged.cer")
        );
    }
}
