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

use std::path::{Path, PathBuf};
use std::time::Duration;

use openssl::pkey::{PKey, Private};
use openssl::x509::X509;
use serde::Serialize;
use time::OffsetDateTime;

use crate::entra::{
    request_token, sign_assertion, AccessToken, AssertionRequest, ClientAssertion,
    ClientCredential, SigningAlg, TokenError, TokenRequest,
};
use crate::error::{Error, Result};
use crate::fsutil::{write_atomic, FileSecrecy};
use crate::graph::{sign_proof, GraphClient, GraphError, ProofRequest};
use crate::http::RetryPolicy;
use crate::x509::thumbprint_sha1;

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
    SignIn(TokenError),
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
        last: TokenError,
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
    fn record(&mut self, step: Step, status: StepStatus, detail: impl Into<String>) {
        self.steps.push(StepRecord {
            step,
            status,
            detail: detail.into(),
        });
    }

    fn fail(mut self, step: Step, detail: String, failure: RotateFailure) -> Self {
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

fn der(certificate: &X509) -> Result<Vec<u8>> {
    certificate
        .to_der()
        .map_err(Error::crypto("encoding the certificate"))
}

/// A Graph token signed in with `certificate`.
async fn sign_in(
    request: &RotateRequest<'_>,
    certificate: &X509,
    key: &PKey<Private>,
) -> std::result::Result<AccessToken, TokenError> {
    let now = (request.now)();
    let assertions: Vec<ClientAssertion> = (0..=request.policy.retries)
        .filter_map(|_| {
            sign_assertion(&AssertionRequest {
                client_id: &request.client_id,
                token_url: &request.token_url,
                certificate,
                key,
                chain: &[],
                send_x5c: false,
                alg: request.alg,
                now,
                jti: uuid::Uuid::new_v4(),
            })
            .ok()
        })
        .collect();
    request_token(
        &request.http,
        &TokenRequest {
            token_url: &request.token_url,
            client_id: &request.client_id,
            scope: &request.graph_scope,
            credential: ClientCredential::Assertions(&assertions),
            correlation_id: uuid::Uuid::new_v4(),
        },
        &request.policy,
    )
    .await
}

/// Runs the rotation. Offline failures (encoding) are `Err`; everything that happens
/// against Entra ID and Graph is in the [`Rotation`].
pub async fn rotate(request: &RotateRequest<'_>) -> Result<Rotation> {
    let old_der = der(request.current.certificate)?;
    let new_der = der(request.new.certificate)?;
    let mut run = Rotation {
        steps: Vec::new(),
        state: AppState::Unchanged,
        object_id: request.object_id.clone(),
        old_thumbprint: thumbprint_sha1(&old_der),
        old_key_id: None,
        new_thumbprint: thumbprint_sha1(&new_der),
        new_key_id: None,
        pfx: None,
        cer: None,
        verify_attempts: 0,
        failure: None,
    };

    // 1. Sign in with the current certificate.
    let token = match sign_in(request, request.current.certificate, request.current.key).await {
        Ok(token) => token,
        Err(error) => {
            let detail = format!(
                "no Graph token with the current certificate {}",
                run.old_thumbprint
            );
            return Ok(run.fail(Step::SignIn, detail, RotateFailure::SignIn(error)));
        }
    };
    run.record(
        Step::SignIn,
        StepStatus::Done,
        format!(
            "signed in to Graph with the current certificate {}",
            run.old_thumbprint
        ),
    );
    let graph = GraphClient::new(
        request.http.clone(),
        &request.graph,
        token,
        request.policy.clone(),
    );

    if request.dry_run {
        return Ok(plan_only(request, run));
    }

    // 2. Resolve the object id, and the current key's keyId when the app is readable.
    let read = match &request.object_id {
        Some(id) => graph.application(id).await,
        None => graph.application_by_app_id(&request.client_id).await,
    };
    match read {
        Ok(app) => {
            run.object_id = Some(app.id.clone());
            run.old_key_id = app
                .key_with_thumbprint(&run.old_thumbprint)
                .map(|k| k.key_id.clone());
            run.record(
                Step::ResolveApp,
                StepStatus::Done,
                format!(
                    "application object id {}; the current certificate is keyId {}",
                    app.id,
                    run.old_key_id.as_deref().unwrap_or("(not listed)")
                ),
            );
        }
        Err(error) => match &request.object_id {
            Some(id) if !request.remove_old => {
                run.record(
                    Step::ResolveApp,
                    StepStatus::Skipped,
                    format!("the app cannot be read ({error}); using --app-object-id {id}"),
                );
            }
            _ => {
                let detail = format!("cannot read the application: {error}");
                return Ok(run.fail(
                    Step::ResolveApp,
                    detail,
                    RotateFailure::Graph {
                        step: Step::ResolveApp,
                        error,
                    },
                ));
            }
        },
    }
    if request.remove_old && run.old_key_id.is_none() {
        let detail = format!(
            "the current certificate {} is not among the application's keyCredentials",
            run.old_thumbprint
        );
        return Ok(run.fail(
            Step::ResolveApp,
            detail.clone(),
            RotateFailure::OldKeyUnknown(detail),
        ));
    }
    let object_id = run.object_id.clone().unwrap_or_default();

    // 3. Stage the new PFX and .cer before Graph knows the key.
    let staged_pfx = staged_path(&request.new.pfx_path);
    let staged_cer = staged_path(&request.new.cer_path);
    let staged = write_atomic(&staged_pfx, request.new.pfx, FileSecrecy::Private, false)
        .and_then(|()| write_atomic(&staged_cer, &new_der, FileSecrecy::Public, false));
    if let Err(error) = staged {
        let _ = std::fs::remove_file(&staged_pfx);
        let detail = format!("cannot stage the new files: {error}");
        return Ok(run.fail(Step::Stage, detail, RotateFailure::Files(error.to_string())));
    }
    run.pfx = Some(staged_pfx.clone());
    run.cer = Some(staged_cer.clone());
    run.record(
        Step::Stage,
        StepStatus::Done,
        format!(
            "wrote {} and {}",
            staged_pfx.display(),
            staged_cer.display()
        ),
    );

    // 4. addKey, proven by the current key.
    let proof = sign_proof(&ProofRequest {
        object_id: &object_id,
        certificate: request.current.certificate,
        key: request.current.key,
        alg: SigningAlg::Rs256,
        now: (request.now)(),
    })?;
    match graph.add_key(&object_id, &new_der, &proof).await {
        Ok(key) => {
            run.new_key_id = Some(key.key_id.clone());
            run.state = AppState::BothRegistered;
            run.record(
                Step::AddKey,
                StepStatus::Done,
                format!(
                    "registered the new certificate {} as keyId {}",
                    run.new_thumbprint, key.key_id
                ),
            );
        }
        Err(error) => {
            // Nothing was registered: the staged files are of no use.
            let _ = std::fs::remove_file(&staged_pfx);
            let _ = std::fs::remove_file(&staged_cer);
            run.pfx = None;
            run.cer = None;
            let detail = format!("addKey failed: {error}");
            return Ok(run.fail(
                Step::AddKey,
                detail,
                RotateFailure::Graph {
                    step: Step::AddKey,
                    error,
                },
            ));
        }
    }

    // 5. Sign in with the new certificate until it works or the wait runs out.
    let started = std::time::Instant::now();
    let mut backoff = Duration::from_secs(1);
    let new_token = loop {
        run.verify_attempts += 1;
        match sign_in(request, request.new.certificate, request.new.key).await {
            Ok(token) => break token,
            Err(error) => {
                let elapsed = started.elapsed();
                if elapsed >= request.wait {
                    let detail = format!(
                        "the new certificate did not sign in within {} s ({} attempt(s))",
                        request.wait.as_secs(),
                        run.verify_attempts
                    );
                    return Ok(run.fail(
                        Step::VerifyNew,
                        detail,
                        RotateFailure::NewNeverSignedIn {
                            waited_secs: elapsed.as_secs(),
                            last: error,
                        },
                    ));
                }
                tokio::time::sleep(backoff.min(request.wait - elapsed)).await;
                backoff = (backoff * 2).min(Duration::from_secs(15));
            }
        }
    };
    run.record(
        Step::VerifyNew,
        StepStatus::Done,
        format!(
            "the new certificate signed in (attempt {}, after {} s)",
            run.verify_attempts,
            started.elapsed().as_secs()
        ),
    );

    // 6. removeKey of the old key, proven by the new key.
    if request.remove_old {
        let old_key_id = run.old_key_id.clone().unwrap_or_default();
        let graph = GraphClient::new(
            request.http.clone(),
            &request.graph,
            new_token,
            request.policy.clone(),
        );
        let proof = sign_proof(&ProofRequest {
            object_id: &object_id,
            certificate: request.new.certificate,
            key: request.new.key,
            alg: SigningAlg::Rs256,
            now: (request.now)(),
        })?;
        if let Err(error) = graph.remove_key(&object_id, &old_key_id, &proof).await {
            let detail = format!("removeKey of {old_key_id} failed: {error}");
            // The new key signs in: its files go into place even though the old key stays.
            let _ = commit_or_keep(&mut run, request, &staged_pfx, &staged_cer);
            return Ok(run.fail(
                Step::RemoveOld,
                detail,
                RotateFailure::Graph {
                    step: Step::RemoveOld,
                    error,
                },
            ));
        }
        run.state = AppState::Rotated;
        run.record(
            Step::RemoveOld,
            StepStatus::Done,
            format!(
                "removed the old certificate {} (keyId {old_key_id})",
                run.old_thumbprint
            ),
        );
    } else {
        run.record(
            Step::RemoveOld,
            StepStatus::Skipped,
            "the old certificate stays registered (no --remove-old)",
        );
    }

    // 7. Commit.
    if let Err(detail) = commit_or_keep(&mut run, request, &staged_pfx, &staged_cer) {
        return Ok(run.fail(Step::Commit, detail.clone(), RotateFailure::Files(detail)));
    }
    run.record(
        Step::Commit,
        StepStatus::Done,
        format!(
            "the new PFX is {}, its certificate {}",
            request.new.pfx_path.display(),
            request.new.cer_path.display()
        ),
    );
    Ok(run)
}

/// Renames the staged files into place; on failure they stay staged.
fn commit_or_keep(
    run: &mut Rotation,
    request: &RotateRequest<'_>,
    staged_pfx: &Path,
    staged_cer: &Path,
) -> std::result::Result<(), String> {
    let rename = |from: &Path, to: &Path| -> std::result::Result<(), String> {
        if to.symlink_metadata().is_ok() {
            return Err(format!(
                "{} already exists; the new file stays at {}",
                to.display(),
                from.display()
            ));
        }
        std::fs::rename(from, to).map_err(|e| format!("cannot rename {}: {e}", from.display()))
    };
    rename(staged_pfx, &request.new.pfx_path)?;
    run.pfx = Some(request.new.pfx_path.clone());
    rename(staged_cer, &request.new.cer_path)?;
    run.cer = Some(request.new.cer_path.clone());
    Ok(())
}

/// `--dry-run`: every step after the sign-in, as planned.
fn plan_only(request: &RotateRequest<'_>, mut run: Rotation) -> Rotation {
    let object = match &request.object_id {
        Some(id) => format!("read the application {id}"),
        None => format!("read the application with client id {}", request.client_id),
    };
    run.record(Step::ResolveApp, StepStatus::Planned, object);
    run.record(
        Step::Stage,
        StepStatus::Planned,
        format!(
            "write {} and {}",
            staged_path(&request.new.pfx_path).display(),
            staged_path(&request.new.cer_path).display()
        ),
    );
    run.record(
        Step::AddKey,
        StepStatus::Planned,
        format!(
            "addKey of the new certificate {}, proof signed by the current key",
            run.new_thumbprint
        ),
    );
    run.record(
        Step::VerifyNew,
        StepStatus::Planned,
        format!(
            "sign in with the new certificate, for up to {} s",
            request.wait.as_secs()
        ),
    );
    if request.remove_old {
        run.record(
            Step::RemoveOld,
            StepStatus::Planned,
            format!(
                "removeKey of the current certificate {}, proof signed by the new key",
                run.old_thumbprint
            ),
        );
    } else {
        run.record(Step::RemoveOld, StepStatus::Skipped, "no --remove-old");
    }
    run.record(
        Step::Commit,
        StepStatus::Planned,
        format!(
            "rename into {} and {}",
            request.new.pfx_path.display(),
            request.new.cer_path.display()
        ),
    );
    run
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
