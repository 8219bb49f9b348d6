//! The rotation itself: the steps in their order (see the module above for why).

use std::path::Path;

use openssl::pkey::{PKey, Private};
use openssl::x509::X509;

use super::{staged_path, AppState, RotateFailure, RotateRequest, Rotation, Step, StepStatus};
use crate::entra::{CertificateKey, Credential, Patience, SignIn, SigningAlg};
use crate::error::{Error, Result};
use crate::fsutil::{write_atomic, FileSecrecy};
use crate::graph::{sign_proof, GraphClient, ProofRequest};
use crate::x509::thumbprint_sha1;

fn der(certificate: &X509) -> Result<Vec<u8>> {
    certificate
        .to_der()
        .map_err(Error::crypto("encoding the certificate"))
}

/// Signing in as the app with `certificate` (no chain, no `x5c`: the app's own key).
fn sign_in<'a>(
    request: &RotateRequest<'_>,
    certificate: &'a X509,
    key: &'a PKey<Private>,
) -> SignIn<'a> {
    let credential = Credential::Certificate(CertificateKey {
        certificate,
        key,
        chain: &[],
        alg: request.alg,
        send_x5c: false,
    });
    SignIn::new(
        request.http.clone(),
        request.policy.clone(),
        request.token_url.clone(),
        request.client_id.clone(),
        credential,
    )
    .clock(request.now)
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
    let current = sign_in(request, request.current.certificate, request.current.key);
    let token = match current.token(&request.graph_scope).await? {
        Ok(token) => token,
        Err(error) => {
            let detail = format!(
                "no Graph token with the current certificate {}",
                run.old_thumbprint
            );
            let why = current.explain(&error);
            return Ok(run.fail(Step::SignIn, detail, RotateFailure::SignIn(why)));
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
    let new = sign_in(request, request.new.certificate, request.new.key);
    let waited = new
        .token_within(&request.graph_scope, &Patience::replication(request.wait))
        .await?;
    run.verify_attempts = waited.attempts;
    let new_token = match waited.result {
        Ok(token) => token,
        Err(error) => {
            let detail = format!(
                "the new certificate did not sign in within {} s ({} attempt(s))",
                request.wait.as_secs(),
                run.verify_attempts
            );
            let last = new.explain(&error);
            return Ok(run.fail(
                Step::VerifyNew,
                detail,
                RotateFailure::NewNeverSignedIn {
                    waited_secs: waited.elapsed.as_secs(),
                    last,
                },
            ));
        }
    };
    run.record(
        Step::VerifyNew,
        StepStatus::Done,
        format!(
            "the new certificate signed in (attempt {}, after {} s)",
            run.verify_attempts,
            waited.elapsed.as_secs()
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
