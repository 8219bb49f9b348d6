//! The credential steps: stage the new certificate's files before Entra ID knows the
//! key, and add the secret or federated credential once the application exists (a
//! certificate came with the application).

use crate::error::Error;
use crate::fsutil::{stage, FileSecrecy};
use crate::x509::thumbprint_sha1;

use super::halt::{files_failed, graph_failed, Flow};
use super::{CreateRequest, Creation, NewCredential, ObjectKind, Session, Step, StepStatus};

/// Step 4: the PFX (0600) and the `.cer` written under no name yet. Gives the
/// certificate's DER for the application, when the credential is a certificate.
pub(super) fn stage_certificate(
    run: &mut Creation,
    session: &mut Session,
    request: &CreateRequest<'_>,
) -> Flow<Option<Vec<u8>>> {
    let NewCredential::Certificate(c) = &request.credential else {
        return Ok(None);
    };
    let der = c
        .certificate
        .to_der()
        .map_err(Error::crypto("encoding the certificate"))?;
    let (pfx, cer) = stage(&c.pfx_path, c.pfx, FileSecrecy::Private, false)
        .and_then(|pfx| Ok((pfx, stage(&c.cer_path, &der, FileSecrecy::Public, false)?)))
        .map_err(files_failed(Step::Stage, "cannot stage the new files"))?;
    session.staged.extend([pfx, cer]);
    run.thumbprint = Some(thumbprint_sha1(&der));
    run.record(
        Step::Stage,
        StepStatus::Done,
        format!(
            "staged {} (0600) and {}",
            c.pfx_path.display(),
            c.cer_path.display()
        ),
    );
    Ok(Some(der))
}

/// Step 6: the credential on application `app_object_id`.
pub(super) async fn add(
    run: &mut Creation,
    session: &mut Session,
    request: &CreateRequest<'_>,
    app_object_id: &str,
) -> Flow<()> {
    match &request.credential {
        NewCredential::Certificate(_) => run.record(
            Step::AddCredential,
            StepStatus::Done,
            format!(
                "certificate {} registered with the application",
                run.thumbprint.clone().unwrap_or_default()
            ),
        ),
        NewCredential::Secret {
            display_name,
            end,
            file,
        } => {
            let password = session
                .graph
                .add_password(app_object_id, display_name, *end)
                .await
                .map_err(graph_failed(Step::AddCredential, "addPassword failed"))?;
            run.created(ObjectKind::ClientSecret, password.key_id.clone());
            run.secret_key_id = Some(password.key_id.clone());
            run.secret_expires = password.end_date_time.clone();
            let mut detail = format!("client secret keyId {}", password.key_id);
            if let Some(path) = file {
                let staged = stage(
                    path,
                    password.secret.expose().as_bytes(),
                    FileSecrecy::Private,
                    false,
                )
                .map_err(files_failed(
                    Step::AddCredential,
                    "cannot stage the secret's file",
                ))?;
                session.staged.push(staged);
                detail.push_str(&format!(", staged for {} (0600)", path.display()));
            }
            run.record(Step::AddCredential, StepStatus::Done, detail);
            run.secret = Some(password);
        }
        NewCredential::Federated(credential) => {
            let added = session
                .graph
                .add_federated_credential(app_object_id, credential)
                .await
                .map_err(graph_failed(
                    Step::AddCredential,
                    "adding the federated credential failed",
                ))?;
            run.created(ObjectKind::FederatedCredential, added.name.clone());
            run.record(
                Step::AddCredential,
                StepStatus::Done,
                format!(
                    "federated credential {:?}: issuer {}, subject {}",
                    added.name, added.issuer, added.subject
                ),
            );
        }
    }
    Ok(())
}
