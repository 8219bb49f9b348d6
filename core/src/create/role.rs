//! The role steps: find the role (or check a custom role's name is free), define the
//! custom role, and assign the role on each subscription.

use crate::arm::{role_definition_resource_id, RoleDefinition, RoleDefinitionProperties};

use super::halt::{arm_failed, stop, Flow};
use super::{
    CreateFailure, CreateRequest, Creation, ObjectKind, RoleChoice, RoleSummary, Session, Step,
    StepStatus,
};

fn summary(definition: &RoleDefinition, custom: bool) -> RoleSummary {
    RoleSummary {
        name: definition.properties.role_name.clone(),
        id: definition.name.clone(),
        custom,
    }
}

/// Step 3: an existing role must exist; a custom one's name must be free. Gives the
/// existing role's definition.
pub(super) async fn find(
    run: &mut Creation,
    session: &Session,
    request: &CreateRequest<'_>,
    first_sub: &str,
) -> Flow<Option<RoleDefinition>> {
    let wanted = match &request.role {
        RoleChoice::Existing(name) => name,
        RoleChoice::Custom(props) => &props.role_name,
    };
    let found = session
        .arm
        .role_definition_by_name(first_sub, wanted)
        .await
        .map_err(arm_failed(
            Step::FindRole,
            format!("/subscriptions/{first_sub}"),
            "cannot read the role definitions".into(),
        ))?;
    match (&request.role, found) {
        (RoleChoice::Existing(name), None) => {
            let detail = format!("no role named {name:?} is visible at /subscriptions/{first_sub}");
            Err(stop(
                Step::FindRole,
                detail,
                CreateFailure::RoleUnknown(name.clone()),
            ))
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
            run.role = Some(summary(&definition, false));
            Ok(Some(definition))
        }
        (RoleChoice::Custom(props), Some(definition)) => {
            let detail = format!(
                "a role named {:?} exists already ({})",
                props.role_name, definition.name
            );
            Err(stop(
                Step::FindRole,
                detail,
                CreateFailure::RoleNameTaken(props.role_name.clone()),
            ))
        }
        (RoleChoice::Custom(props), None) => {
            run.record(
                Step::FindRole,
                StepStatus::Done,
                format!("the custom role name {:?} is free", props.role_name),
            );
            Ok(None)
        }
    }
}

/// Step 7: the existing role as found, or the custom role defined once, assignable on
/// every subscription.
pub(super) async fn define(
    run: &mut Creation,
    session: &Session,
    request: &CreateRequest<'_>,
    first_sub: &str,
    existing: Option<RoleDefinition>,
) -> Flow<RoleDefinition> {
    let props = match (&request.role, existing) {
        (_, Some(definition)) => {
            run.record(
                Step::CreateRole,
                StepStatus::Skipped,
                "an existing role is assigned",
            );
            return Ok(definition);
        }
        (RoleChoice::Custom(props), None) => RoleDefinitionProperties {
            assignable_scopes: request
                .subscriptions
                .iter()
                .map(|s| format!("/subscriptions/{s}"))
                .collect(),
            ..props.clone()
        },
        (RoleChoice::Existing(_), None) => unreachable!("an existing role was found above"),
    };
    let definition = session
        .arm
        .create_custom_role(first_sub, &props)
        .await
        .map_err(arm_failed(
            Step::CreateRole,
            format!("/subscriptions/{first_sub}"),
            "creating the custom role failed".into(),
        ))?;
    run.created(ObjectKind::RoleDefinition, definition.id.clone());
    run.role = Some(summary(&definition, true));
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
    Ok(definition)
}

/// Step 8: one assignment per subscription, with principalType (replication).
pub(super) async fn assign(
    run: &mut Creation,
    session: &Session,
    request: &CreateRequest<'_>,
    definition: &RoleDefinition,
    principal_id: &str,
) -> Flow<()> {
    let role_name = &definition.properties.role_name;
    for sub in &request.subscriptions {
        let scope = format!("/subscriptions/{sub}");
        let role_id = role_definition_resource_id(sub, &definition.name);
        let failed = arm_failed(
            Step::AssignRole,
            scope.clone(),
            format!("assigning {role_name} on {scope} failed"),
        );
        let assignment = session
            .arm
            .create_role_assignment(&scope, &role_id, principal_id)
            .await
            .map_err(failed)?;
        run.created(ObjectKind::RoleAssignment, assignment.id.clone());
        run.assigned.push(sub.clone());
        run.record(
            Step::AssignRole,
            StepStatus::Done,
            format!("{role_name} on {scope}"),
        );
    }
    Ok(())
}
