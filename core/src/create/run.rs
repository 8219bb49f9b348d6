//! The creation itself: the steps in their order (see the module above for why).

use crate::arm::{
    role_definition_resource_id, ArmClient, RoleDefinition, RoleDefinitionProperties,
};
use crate::entra::SignIn;
use crate::error::{Error, Result};
use crate::fsutil::{commit_all, stage, FileSecrecy};
use crate::graph::GraphClient;
use crate::x509::thumbprint_sha1;

use super::{
    CreateFailure, CreateRequest, Creation, NewCredential, RoleChoice, RoleSummary, Session, State,
    Step, StepStatus,
};

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

/// Ends the run at `step`: nothing to undo when nothing was created; else the created
/// objects are removed (or kept with `keep_on_failure`).
async fn fail(
    mut run: Creation,
    session: Option<Session>,
    request: &CreateRequest<'_>,
    step: Step,
    detail: String,
    failure: CreateFailure,
) -> Creation {
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

fn role_summary(definition: &RoleDefinition, custom: bool) -> RoleSummary {
    RoleSummary {
        name: definition.properties.role_name.clone(),
        id: definition.name.clone(),
        custom,
    }
}

/// Runs the creation. Offline failures (signing an assertion) are `Err`; everything
/// that happens against Entra ID, Graph and ARM is in the [`Creation`].
pub async fn create(signin: &SignIn<'_>, request: &CreateRequest<'_>) -> Result<Creation> {
    let mut run = empty();
    let first_sub = request
        .subscriptions
        .first()
        .cloned()
        .ok_or_else(|| Error::InvalidArgument("no subscription given".into()))?;

    // 1. Sign in for Graph and ARM.
    let mut tokens = Vec::new();
    for scope in [&request.graph_scope, &request.arm_scope] {
        match signin.token(scope).await? {
            Ok(token) => tokens.push(token),
            Err(error) => {
                let why = signin.explain(&error);
                let detail = format!("no token for {scope}: {}", why.answer());
                return Ok(fail(
                    run,
                    None,
                    request,
                    Step::SignIn,
                    detail,
                    CreateFailure::SignIn(why),
                )
                .await);
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
    let mut session = Session {
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
    };

    // 2. The name: never reuse, never touch an application found by name.
    match session.graph.applications_named(&request.name).await {
        Ok(found) if found.is_empty() => run.record(Step::CheckName, StepStatus::Done, format!("no application is named {:?}", request.name)),
        Ok(found) if request.allow_same_name => run.record(
            Step::CheckName,
            StepStatus::Done,
            format!("{} application(s) named {:?} exist; --allow-same-name: a new one is made beside them, they are not touched", found.len(), request.name),
        ),
        Ok(found) => {
            let detail = format!("{} application(s) named {:?} exist", found.len(), request.name);
            return Ok(fail(run, None, request, Step::CheckName, detail, CreateFailure::NameTaken(found)).await);
        }
        Err(error) => {
            let detail = format!("cannot look the name up: {error}");
            return Ok(fail(run, None, request, Step::CheckName, detail, CreateFailure::Graph { step: Step::CheckName, error }).await);
        }
    }

    // 3. The role: an existing one must exist; a custom one's name must be free.
    let wanted = match &request.role {
        RoleChoice::Existing(name) => name.clone(),
        RoleChoice::Custom(props) => props.role_name.clone(),
    };
    let found = match session
        .arm
        .role_definition_by_name(&first_sub, &wanted)
        .await
    {
        Ok(found) => found,
        Err(error) => {
            let detail = format!(
                "cannot read the role definitions: {}",
                super::arm_words(&error)
            );
            let scope = format!("/subscriptions/{first_sub}");
            return Ok(fail(
                run,
                None,
                request,
                Step::FindRole,
                detail,
                CreateFailure::Arm {
                    step: Step::FindRole,
                    scope,
                    error,
                },
            )
            .await);
        }
    };
    let mut existing_role = None;
    match (&request.role, found) {
        (RoleChoice::Existing(name), None) => {
            let detail = format!("no role named {name:?} is visible at /subscriptions/{first_sub}");
            return Ok(fail(
                run,
                None,
                request,
                Step::FindRole,
                detail,
                CreateFailure::RoleUnknown(name.clone()),
            )
            .await);
        }
        (RoleChoice::Existing(_), Some(definition)) => {
            run.record(
                Step::FindRole,
                StepStatus::Done,
                format!(
                    "role {} ({})",
                    definition.properties.role_name, definition.name
                ),
            );
            run.role = Some(role_summary(&definition, false));
            existing_role = Some(definition);
        }
        (RoleChoice::Custom(props), Some(definition)) => {
            let detail = format!(
                "a role named {:?} exists already ({})",
                props.role_name, definition.name
            );
            return Ok(fail(
                run,
                None,
                request,
                Step::FindRole,
                detail,
                CreateFailure::RoleNameTaken(props.role_name.clone()),
            )
            .await);
        }
        (RoleChoice::Custom(props), None) => run.record(
            Step::FindRole,
            StepStatus::Done,
            format!("the custom role name {:?} is free", props.role_name),
        ),
    }

    // 4. Stage the certificate's files before Entra ID knows the key.
    let mut certificate_der = None;
    if let NewCredential::Certificate(c) = &request.credential {
        let der = c
            .certificate
            .to_der()
            .map_err(Error::crypto("encoding the certificate"))?;
        let staged = stage(&c.pfx_path, c.pfx, FileSecrecy::Private, false)
            .and_then(|pfx| Ok((pfx, stage(&c.cer_path, &der, FileSecrecy::Public, false)?)));
        match staged {
            Ok((pfx, cer)) => session.staged.extend([pfx, cer]),
            Err(e) => {
                let detail = format!("cannot stage the new files: {e}");
                return Ok(fail(
                    run,
                    None,
                    request,
                    Step::Stage,
                    detail,
                    CreateFailure::Files(e.to_string()),
                )
                .await);
            }
        }
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
        certificate_der = Some(der);
    }

    // 5. The application (with the certificate) and its service principal.
    let app = match session
        .graph
        .create_application(&request.name, certificate_der.as_deref())
        .await
    {
        Ok(app) => app,
        Err(error) => {
            let detail = format!("creating the application failed: {error}");
            return Ok(fail(
                run,
                Some(session),
                request,
                Step::CreateApplication,
                detail,
                CreateFailure::Graph {
                    step: Step::CreateApplication,
                    error,
                },
            )
            .await);
        }
    };
    run.created("application", app.id.clone());
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
    let sp = match session.graph.create_service_principal(&app.app_id).await {
        Ok(sp) => sp,
        Err(error) => {
            let detail = format!("creating the service principal failed: {error}");
            return Ok(fail(
                run,
                Some(session),
                request,
                Step::CreateServicePrincipal,
                detail,
                CreateFailure::Graph {
                    step: Step::CreateServicePrincipal,
                    error,
                },
            )
            .await);
        }
    };
    run.created("service_principal", sp.id.clone());
    run.service_principal_id = Some(sp.id.clone());
    run.record(
        Step::CreateServicePrincipal,
        StepStatus::Done,
        format!("service principal {}", sp.id),
    );

    // 6. The credential.
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
            let password = match session
                .graph
                .add_password(&app.id, display_name, *end)
                .await
            {
                Ok(p) => p,
                Err(error) => {
                    let detail = format!("addPassword failed: {error}");
                    return Ok(fail(
                        run,
                        Some(session),
                        request,
                        Step::AddCredential,
                        detail,
                        CreateFailure::Graph {
                            step: Step::AddCredential,
                            error,
                        },
                    )
                    .await);
                }
            };
            run.created("client_secret", password.key_id.clone());
            run.secret_key_id = Some(password.key_id.clone());
            run.secret_expires = password.end_date_time.clone();
            let mut detail = format!("client secret keyId {}", password.key_id);
            if let Some(path) = file {
                match stage(
                    path,
                    password.secret.expose().as_bytes(),
                    FileSecrecy::Private,
                    false,
                ) {
                    Ok(staged) => session.staged.push(staged),
                    Err(e) => {
                        let detail = format!("cannot stage the secret's file: {e}");
                        return Ok(fail(
                            run,
                            Some(session),
                            request,
                            Step::AddCredential,
                            detail,
                            CreateFailure::Files(e.to_string()),
                        )
                        .await);
                    }
                }
                detail.push_str(&format!(", staged for {} (0600)", path.display()));
            }
            run.record(Step::AddCredential, StepStatus::Done, detail);
            run.secret = Some(password);
        }
        NewCredential::Federated(credential) => match session
            .graph
            .add_federated_credential(&app.id, credential)
            .await
        {
            Ok(added) => {
                run.created("federated_credential", added.name.clone());
                run.record(
                    Step::AddCredential,
                    StepStatus::Done,
                    format!(
                        "federated credential {:?}: issuer {}, subject {}",
                        added.name, added.issuer, added.subject
                    ),
                );
            }
            Err(error) => {
                let detail = format!("adding the federated credential failed: {error}");
                return Ok(fail(
                    run,
                    Some(session),
                    request,
                    Step::AddCredential,
                    detail,
                    CreateFailure::Graph {
                        step: Step::AddCredential,
                        error,
                    },
                )
                .await);
            }
        },
    }

    // 7. The custom role: one definition assignable on every subscription.
    let definition = match (&request.role, existing_role) {
        (_, Some(definition)) => {
            run.record(
                Step::CreateRole,
                StepStatus::Skipped,
                "an existing role is assigned",
            );
            definition
        }
        (RoleChoice::Custom(props), None) => {
            let props = RoleDefinitionProperties {
                assignable_scopes: request
                    .subscriptions
                    .iter()
                    .map(|s| format!("/subscriptions/{s}"))
                    .collect(),
                ..props.clone()
            };
            match session.arm.create_custom_role(&first_sub, &props).await {
                Ok(definition) => {
                    run.created("role_definition", definition.id.clone());
                    run.role = Some(role_summary(&definition, true));
                    run.record(
                        Step::CreateRole,
                        StepStatus::Done,
                        format!(
                            "custom role {:?} ({}), assignable on {} subscription(s)",
                            props.role_name,
                            definition.name,
                            request.subscriptions.len()
                        ),
                    );
                    definition
                }
                Err(error) => {
                    let detail = format!(
                        "creating the custom role failed: {}",
                        super::arm_words(&error)
                    );
                    let scope = format!("/subscriptions/{first_sub}");
                    return Ok(fail(
                        run,
                        Some(session),
                        request,
                        Step::CreateRole,
                        detail,
                        CreateFailure::Arm {
                            step: Step::CreateRole,
                            scope,
                            error,
                        },
                    )
                    .await);
                }
            }
        }
        (RoleChoice::Existing(_), None) => unreachable!("an existing role was found above"),
    };

    // 8. One assignment per subscription, with principalType (replication).
    for sub in &request.subscriptions {
        let scope = format!("/subscriptions/{sub}");
        let role_id = role_definition_resource_id(sub, &definition.name);
        match session
            .arm
            .create_role_assignment(&scope, &role_id, &sp.id)
            .await
        {
            Ok(assignment) => {
                run.created("role_assignment", assignment.id.clone());
                run.assigned.push(sub.clone());
                run.record(
                    Step::AssignRole,
                    StepStatus::Done,
                    format!("{} on {scope}", definition.properties.role_name),
                );
            }
            Err(error) => {
                let detail = format!(
                    "assigning {} on {scope} failed: {}",
                    definition.properties.role_name,
                    super::arm_words(&error)
                );
                return Ok(fail(
                    run,
                    Some(session),
                    request,
                    Step::AssignRole,
                    detail,
                    CreateFailure::Arm {
                        step: Step::AssignRole,
                        scope,
                        error,
                    },
                )
                .await);
            }
        }
    }

    // 9. The proof.
    match super::prove::prove(&mut run, request, &definition, &app.app_id).await? {
        super::prove::Proof::Proven => run.state = State::Proven,
        super::prove::Proof::Impossible => run.state = State::CreatedUnproven,
        super::prove::Proof::OutOfTime(failure) => {
            run.state = State::NotYetProven;
            run.failure = Some(*failure);
        }
    }
    commit(&mut run, &mut session);
    Ok(run)
}
