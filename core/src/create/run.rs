//! The creation itself: the steps in their order (see the module above for why), and how
//! a run ends — committed, or stopped at a step and undone.

use crate::arm::ArmClient;
use crate::entra::SignIn;
use crate::error::{Error, Result};
use crate::fsutil::commit_all;
use crate::graph::GraphClient;

use super::halt::{graph_failed, stop, Flow, Halt, Stopped};
use super::{CreateFailure, CreateRequest, Creation, ObjectKind, Session, State, Step, StepStatus};

fn empty() -> Creation {
    Creation {
        steps: Vec::new(),
        state: State::NothingCreated,
        client_id: None,
        application_object_id: None,
        service_principal_id: None,
        role: None,
        assigned: Vec::new(),
        created: Vec::new(),
        pfx: None,
        cer: None,
        secret_file: None,
        secret_key_id: None,
        secret_expires: None,
        thumbprint: None,
        proof_attempts: 0,
        checks: Vec::new(),
        secret: None,
        failure: None,
    }
}

/// Runs the creation. Offline failures (signing an assertion) are `Err`; everything
/// that happens against Entra ID, Graph and ARM is in the [`Creation`].
pub async fn create(signin: &SignIn<'_>, request: &CreateRequest<'_>) -> Result<Creation> {
    let first_sub = request
        .subscriptions
        .first()
        .cloned()
        .ok_or_else(|| Error::InvalidArgument("no subscription given".into()))?;
    let mut run = empty();
    let mut session = None;
    match steps(&mut run, &mut session, signin, request, &first_sub).await {
        Ok(()) => Ok(run),
        Err(Halt::Offline(e)) => Err(e),
        Err(Halt::Step(stopped)) => Ok(fail(run, session, request, *stopped).await),
    }
}

async fn steps(
    run: &mut Creation,
    session: &mut Option<Session>,
    signin: &SignIn<'_>,
    request: &CreateRequest<'_>,
    first_sub: &str,
) -> Flow<()> {
    // 1. Sign in for Graph and ARM.
    let session = session.insert(sign_in(run, signin, request).await?);
    // 2. The name: never reuse, never touch an application found by name.
    check_name(run, session, request).await?;
    // 3. The role: an existing one must exist; a custom one's name must be free.
    let existing_role = super::role::find(run, session, request, first_sub).await?;
    // 4. Stage the certificate's files before Entra ID knows the key.
    let certificate_der = super::credential::stage_certificate(run, session, request)?;

    // 5. The application (with the certificate) and its service principal.
    let app = session
        .graph
        .create_application(&request.name, certificate_der.as_deref())
        .await
        .map_err(graph_failed(
            Step::CreateApplication,
            "creating the application failed",
        ))?;
    run.created(ObjectKind::Application, app.id.clone());
    run.client_id = Some(app.app_id.clone());
    run.application_object_id = Some(app.id.clone());
    run.record(
        Step::CreateApplication,
        StepStatus::Done,
        format!(
            "application {:?}: client id {}, object id {}",
            request.name, app.app_id, app.id
        ),
    );
    let sp = session
        .graph
        .create_service_principal(&app.app_id)
        .await
        .map_err(graph_failed(
            Step::CreateServicePrincipal,
            "creating the service principal failed",
        ))?;
    run.created(ObjectKind::ServicePrincipal, sp.id.clone());
    run.service_principal_id = Some(sp.id.clone());
    run.record(
        Step::CreateServicePrincipal,
        StepStatus::Done,
        format!("service principal {}", sp.id),
    );

    // 6. The credential.
    super::credential::add(run, session, request, &app.id).await?;
    // 7. The custom role: one definition assignable on every subscription.
    let definition = super::role::define(run, session, request, first_sub, existing_role).await?;
    // 8. One assignment per subscription, with principalType (replication).
    super::role::assign(run, session, request, &definition, &sp.id).await?;

    // 9. The proof.
    match super::prove::prove(run, request, &definition, &app.app_id).await? {
        super::prove::Proof::Proven => run.state = State::Proven,
        super::prove::Proof::Impossible => run.state = State::CreatedUnproven,
        super::prove::Proof::OutOfTime(failure) => {
            run.state = State::NotYetProven;
            run.failure = Some(*failure);
        }
    }
    commit(run, session);
    Ok(())
}

/// Step 1: a token for Graph and one for ARM, and the clients that use them.
async fn sign_in(
    run: &mut Creation,
    signin: &SignIn<'_>,
    request: &CreateRequest<'_>,
) -> Flow<Session> {
    let mut tokens = Vec::new();
    for scope in [&request.graph_scope, &request.arm_scope] {
        match signin.token(scope).await? {
            Ok(token) => tokens.push(token),
            Err(error) => {
                let why = signin.explain(&error);
                let detail = format!("no token for {scope}: {}", why.answer());
                return Err(stop(Step::SignIn, detail, CreateFailure::SignIn(why)));
            }
        }
    }
    let arm_token = tokens.pop().expect("two tokens");
    let graph_token = tokens.pop().expect("two tokens");
    run.record(
        Step::SignIn,
        StepStatus::Done,
        "signed in for Microsoft Graph and Azure Resource Manager",
    );
    Ok(Session {
        graph: GraphClient::new(
            request.http.clone(),
            &request.graph,
            graph_token,
            request.policy.clone(),
        ),
        arm: ArmClient::new(
            request.http.clone(),
            &request.arm,
            arm_token,
            request.policy.clone(),
        ),
        staged: Vec::new(),
    })
}

/// Step 2: no application has the name yet (or `--allow-same-name` makes one beside them).
async fn check_name(
    run: &mut Creation,
    session: &Session,
    request: &CreateRequest<'_>,
) -> Flow<()> {
    let found = session
        .graph
        .applications_named(&request.name)
        .await
        .map_err(graph_failed(Step::CheckName, "cannot look the name up"))?;
    if found.is_empty() {
        run.record(
            Step::CheckName,
            StepStatus::Done,
            format!("no application is named {:?}", request.name),
        );
    } else if request.allow_same_name {
        run.record(
            Step::CheckName,
            StepStatus::Done,
            format!("{} application(s) named {:?} exist; --allow-same-name: a new one is made beside them, they are not touched", found.len(), request.name),
        );
    } else {
        let detail = format!(
            "{} application(s) named {:?} exist",
            found.len(),
            request.name
        );
        return Err(stop(
            Step::CheckName,
            detail,
            CreateFailure::NameTaken(found),
        ));
    }
    Ok(())
}

/// Ends the run at the step that stopped it: nothing to undo when nothing was created; else the created
/// objects are removed (or kept with `keep_on_failure`).
async fn fail(
    mut run: Creation,
    session: Option<Session>,
    request: &CreateRequest<'_>,
    stopped: Stopped,
) -> Creation {
    let Stopped {
        step,
        detail,
        failure,
    } = stopped;
    run.record(step, StepStatus::Failed, detail);
    run.failure = Some(failure);
    let Some(mut session) = session else {
        return run;
    };
    if run.created.is_empty() {
        return run;
    }
    if request.keep_on_failure {
        run.state = State::Kept;
        commit(&mut run, &mut session);
        run.record(
            Step::Undo,
            StepStatus::Skipped,
            "--keep-on-failure: everything created is kept",
        );
        return run;
    }
    session.staged.clear();
    super::undo::undo(&mut run, &session).await;
    run
}

/// Gives the staged files their names; a failure is recorded, never fatal (the objects
/// exist already).
fn commit(run: &mut Creation, session: &mut Session) {
    let staged = std::mem::take(&mut session.staged);
    if staged.is_empty() {
        return;
    }
    let paths: Vec<_> = staged.iter().map(|s| s.path().to_path_buf()).collect();
    match commit_all(staged) {
        Ok(()) => {
            for path in &paths {
                let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
                match ext {
                    "pfx" => run.pfx = Some(path.clone()),
                    "cer" => run.cer = Some(path.clone()),
                    _ => run.secret_file = Some(path.clone()),
                }
            }
            let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
            run.record(
                Step::Commit,
                StepStatus::Done,
                format!("wrote {}", shown.join(", ")),
            );
        }
        Err(e) => run.record(
            Step::Commit,
            StepStatus::Failed,
            format!("the files could not be put in place: {e}"),
        ),
    }
}
