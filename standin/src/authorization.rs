//! Azure Resource Manager's `Microsoft.Authorization` writes (`docs/graph.md` § "Roles in
//! ARM"): list role definitions by name, create and delete a custom role, create and
//! delete a role assignment, at `/subscriptions/{sub}[/resourceGroups/{rg}]`. What is
//! assigned here is what the permissions list then reports for the principal
//! ([`crate::directory::Directory::roles_of`]), so a new service principal really gets
//! the actions of its role.
//!
//! Writes are checked against the caller's own role actions at the scope
//! (`Microsoft.Authorization/roleAssignments/write`, `…/roleDefinitions/write`, their
//! `delete`): 403 `AuthorizationFailed` otherwise, as ARM answers.

use hyper::{Method, Response};
use serde_json::{json, Value};

use crate::arm::{assignments, bearer, error};
use crate::config::{Config, Tenant};
use crate::directory::{
    builtin_role_definitions, service_principal_id, DirectoryRoleAssignment, RoleDefinition,
};
use crate::state::Grant;
use crate::wire::{reply, Body, Call};

const NAMESPACE: &str = "Microsoft.Authorization";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Collection {
    Definitions,
    Assignments,
}

struct Route {
    subscription: String,
    /// `/subscriptions/{sub}[/resourceGroups/{rg}]`.
    scope: String,
    collection: Collection,
    name: Option<String>,
}

fn route(segments: &[&str]) -> Option<Route> {
    let is = |got: &str, want: &str| got.eq_ignore_ascii_case(want);
    let (subscription, scope, rest) = match segments {
        [_, sub, g, rg, rest @ ..] if is(g, "resourceGroups") => (
            *sub,
            format!("/subscriptions/{sub}/resourceGroups/{rg}"),
            rest,
        ),
        [_, sub, rest @ ..] => (*sub, format!("/subscriptions/{sub}"), rest),
        _ => return None,
    };
    let (collection, name) = match rest {
        [p, ns, c, name @ ..] if is(p, "providers") && is(ns, NAMESPACE) && name.len() <= 1 => {
            let collection = if is(c, "roleDefinitions") {
                Collection::Definitions
            } else if is(c, "roleAssignments") {
                Collection::Assignments
            } else {
                return None;
            };
            (collection, name.first().map(|n| n.to_string()))
        }
        _ => return None,
    };
    Some(Route {
        subscription: subscription.to_owned(),
        scope,
        collection,
        name,
    })
}

/// Whether `pattern` (`*` for any run, case-insensitive) matches `action`.
fn glob(pattern: &str, action: &str) -> bool {
    let (p, t) = (
        pattern.to_ascii_lowercase().into_bytes(),
        action.to_ascii_lowercase().into_bytes(),
    );
    let (mut i, mut j, mut star, mut mark) = (0, 0, None, 0);
    while j < t.len() {
        if i < p.len() && p[i] == b'*' {
            star = Some(i);
            mark = j;
            i += 1;
        } else if i < p.len() && p[i] == t[j] {
            i += 1;
            j += 1;
        } else if let Some(s) = star {
            i = s + 1;
            mark += 1;
            j = mark;
        } else {
            return false;
        }
    }
    p[i..].iter().all(|&c| c == b'*')
}

/// Whether the caller's roles at `scope` grant `action` (an entry's `actions` match it
/// and the same entry's `notActions` do not).
pub(crate) fn granted(config: &Config, grant: &Grant, scope: &str, action: &str) -> bool {
    assignments(config, grant, scope).iter().any(|r| {
        r.actions.iter().any(|a| glob(a, action)) && !r.not_actions.iter().any(|n| glob(n, action))
    })
}

fn forbidden(grant: &Grant, action: &str, scope: &str) -> Response<Body> {
    let oid = service_principal_id(&grant.client_id);
    error(
        403,
        "AuthorizationFailed",
        &format!(
            "The client '{}' with object id '{oid}' does not have authorization to perform action '{action}' over scope '{scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.",
            grant.client_id
        ),
    )
}

/// What ARM answers to `call`: a role route, else a subscription or permissions read.
pub(crate) fn arm_answer(call: &Call) -> Response<Body> {
    handle(call).unwrap_or_else(|| crate::arm::handle(call))
}

/// Answers the `Microsoft.Authorization` routes; `None` for any other ARM path.
pub(crate) fn handle(call: &Call) -> Option<Response<Body>> {
    let route = route(&call.segments())?;
    if call.query_param("api-version").is_none_or(|v| v.is_empty()) {
        return Some(error(
            400,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        ));
    }
    let grant = match bearer(call) {
        Ok(grant) => grant,
        Err(refused) => return Some(*refused),
    };
    let config = call.shared.config();
    let Some(subscription) = config
        .subscriptions
        .iter()
        .find(|s| s.id.eq_ignore_ascii_case(&route.subscription))
    else {
        return Some(error(
            404,
            "SubscriptionNotFound",
            &format!(
                "The subscription '{}' could not be found.",
                route.subscription
            ),
        ));
    };
    let tenant_id = config
        .subscription_tenant(subscription)
        .unwrap_or("common")
        .to_owned();
    if !tenant_id.eq_ignore_ascii_case(&grant.tenant_id) {
        return Some(error(
            401,
            "InvalidAuthenticationTokenTenant",
            "The access token is from the wrong issuer.",
        ));
    }
    drop(config);
    let method = call.method.clone();
    Some(match (route.collection, &method, route.name.as_deref()) {
        (Collection::Definitions, &Method::GET, None) => list_definitions(call, &grant, &route),
        (Collection::Definitions, &Method::PUT, Some(name)) => {
            put_definition(call, &grant, &route, name)
        }
        (Collection::Definitions, &Method::DELETE, Some(name)) => {
            delete_definition(call, &grant, &route, name)
        }
        (Collection::Assignments, &Method::PUT, Some(name)) => {
            put_assignment(call, &grant, &route, name)
        }
        (Collection::Assignments, &Method::DELETE, Some(name)) => {
            delete_assignment(call, &grant, &route, name)
        }
        _ => error(
            405,
            "MethodNotAllowed",
            &format!("The stand-in does not serve {} {}.", call.method, call.path),
        ),
    })
}

fn json_reply(status: u16, body: Value) -> Response<Body> {
    reply(
        status,
        "application/json; charset=utf-8",
        body.to_string(),
        &[],
    )
}

fn tenant<'a>(config: &'a Config, id: &str) -> Option<&'a Tenant> {
    config.tenant_by_id(id)
}

fn definition_json(scope: &str, d: &RoleDefinition) -> Value {
    json!({
        "id": format!("{scope}/providers/{NAMESPACE}/roleDefinitions/{}", d.id),
        "name": d.id,
        "type": "Microsoft.Authorization/roleDefinitions",
        "properties": {
            "roleName": d.role_name,
            "description": d.description,
            "type": d.kind,
            "permissions": [{
                "actions": d.actions,
                "notActions": d.not_actions,
                "dataActions": d.data_actions,
                "notDataActions": d.not_data_actions,
            }],
            "assignableScopes": d.assignable_scopes,
        }
    })
}

/// `$filter=roleName eq '…'` (quotes doubled inside), or no filter.
fn role_name_filter(text: &str) -> Option<String> {
    let rest = text.trim().strip_prefix("roleName")?.trim_start();
    let literal = rest.strip_prefix("eq")?.trim();
    let inner = literal.strip_prefix('\'')?.strip_suffix('\'')?;
    Some(inner.replace("''", "'"))
}

fn visible_definitions(config: &Config, tenant_id: &str, scope: &str) -> Vec<RoleDefinition> {
    let custom = tenant(config, tenant_id)
        .map(|t| t.directory.role_definitions.clone())
        .unwrap_or_default();
    custom
        .into_iter()
        .filter(|d| d.assignable_scopes.iter().any(|s| covers(s, scope)))
        .chain(builtin_role_definitions())
        .collect()
}

/// Whether `outer` is `inner` or above it.
fn covers(outer: &str, inner: &str) -> bool {
    let outer = outer.trim_end_matches('/').to_ascii_lowercase();
    let inner = inner.trim_end_matches('/').to_ascii_lowercase();
    outer.is_empty() || inner == outer || inner.starts_with(&format!("{outer}/"))
}

fn list_definitions(call: &Call, grant: &Grant, route: &Route) -> Response<Body> {
    let config = call.shared.config();
    let action = "Microsoft.Authorization/roleDefinitions/read";
    if !granted(&config, grant, &route.scope, action) {
        return forbidden(grant, action, &route.scope);
    }
    let filter = match call.query_param("$filter") {
        None => None,
        Some(text) => match role_name_filter(&text) {
            Some(name) => Some(name),
            None => {
                return error(
                    400,
                    "InvalidFilterInQueryString",
                    &format!("The filter '{text}' is not supported."),
                )
            }
        },
    };
    let value: Vec<Value> = visible_definitions(&config, &grant.tenant_id, &route.scope)
        .iter()
        .filter(|d| {
            filter
                .as_ref()
                .is_none_or(|n| d.role_name.eq_ignore_ascii_case(n))
        })
        .map(|d| definition_json(&route.scope, d))
        .collect();
    json_reply(200, json!({ "value": value }))
}

fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn body(call: &Call) -> Option<Value> {
    serde_json::from_slice::<Value>(call.body)
        .ok()
        .and_then(|v| v.get("properties").cloned())
        .filter(Value::is_object)
}

fn put_definition(call: &Call, grant: &Grant, route: &Route, name: &str) -> Response<Body> {
    let Some(props) = body(call) else {
        return error(
            400,
            "InvalidRequestContent",
            "The request content is not a role definition.",
        );
    };
    let role_name = props["roleName"]
        .as_str()
        .unwrap_or_default()
        .trim()
        .to_owned();
    let permissions = props["permissions"].as_array().cloned().unwrap_or_default();
    let scopes = strings(props.get("assignableScopes"));
    if role_name.is_empty() || permissions.is_empty() || scopes.is_empty() {
        return error(
            400,
            "InvalidRoleDefinition",
            "A role definition needs a roleName, permissions and assignableScopes.",
        );
    }
    let config = call.shared.config();
    let action = "Microsoft.Authorization/roleDefinitions/write";
    if let Some(scope) = scopes.iter().find(|s| !granted(&config, grant, s, action)) {
        return forbidden(grant, action, scope);
    }
    let taken = visible_definitions(&config, &grant.tenant_id, "/")
        .into_iter()
        .chain(
            tenant(&config, &grant.tenant_id)
                .map(|t| t.directory.role_definitions.clone())
                .unwrap_or_default(),
        )
        .any(|d| d.role_name.eq_ignore_ascii_case(&role_name) && !d.id.eq_ignore_ascii_case(name));
    drop(config);
    if taken {
        return error(
            409,
            "RoleDefinitionWithSameNameExists",
            &format!("A custom role with the same name '{role_name}' already exists in this directory. Use a different name."),
        );
    }
    let mut definition =
        RoleDefinition::custom(name, role_name.as_str(), Vec::<String>::new(), scopes);
    for block in &permissions {
        definition.actions.extend(strings(block.get("actions")));
        definition
            .not_actions
            .extend(strings(block.get("notActions")));
        definition
            .data_actions
            .extend(strings(block.get("dataActions")));
        definition
            .not_data_actions
            .extend(strings(block.get("notDataActions")));
    }
    definition.description = props["description"].as_str().unwrap_or_default().to_owned();
    let answer = definition_json(&route.scope, &definition);
    call.shared.update_config(|config| {
        if let Some(t) = config.tenant_by_id_mut(&grant.tenant_id) {
            let defs = &mut t.directory.role_definitions;
            defs.retain(|d| !d.id.eq_ignore_ascii_case(name));
            defs.push(definition);
        }
    });
    json_reply(201, answer)
}

fn delete_definition(call: &Call, grant: &Grant, route: &Route, name: &str) -> Response<Body> {
    let config = call.shared.config();
    let action = "Microsoft.Authorization/roleDefinitions/delete";
    if !granted(&config, grant, &route.scope, action) {
        return forbidden(grant, action, &route.scope);
    }
    let Some(t) = tenant(&config, &grant.tenant_id) else {
        return error(404, "TenantNotFound", "The tenant was not found.");
    };
    let Some(found) = t
        .directory
        .role_definitions
        .iter()
        .find(|d| d.id.eq_ignore_ascii_case(name))
        .cloned()
    else {
        return reply(204, "application/json; charset=utf-8", "", &[]);
    };
    let assigned = t
        .directory
        .role_assignments
        .iter()
        .any(|a| a.role_definition_id.eq_ignore_ascii_case(name));
    drop(config);
    if assigned {
        return error(
            409,
            "RoleDefinitionHasAssignments",
            "There are existing role assignments referencing the role. Delete them first.",
        );
    }
    call.shared.update_config(|config| {
        for t in &mut config.tenants {
            t.directory
                .role_definitions
                .retain(|d| !d.id.eq_ignore_ascii_case(name));
        }
    });
    json_reply(200, definition_json(&route.scope, &found))
}

fn assignment_json(a: &DirectoryRoleAssignment, subscription: &str) -> Value {
    json!({
        "id": format!("{}/providers/{NAMESPACE}/roleAssignments/{}", a.scope, a.id),
        "name": a.id,
        "type": "Microsoft.Authorization/roleAssignments",
        "properties": {
            "roleDefinitionId": format!("/subscriptions/{subscription}/providers/{NAMESPACE}/roleDefinitions/{}", a.role_definition_id),
            "principalId": a.principal_id,
            "principalType": a.principal_type,
            "scope": a.scope,
        }
    })
}

/// Whether `principal_id` is a service principal of the tenant.
fn principal_exists(t: &Tenant, principal_id: &str) -> bool {
    let configured = t.apps.iter().any(|a| {
        service_principal_id(&a.client_id).eq_ignore_ascii_case(principal_id)
            && !t
                .directory
                .without_service_principal
                .iter()
                .any(|c| c.eq_ignore_ascii_case(&a.client_id))
    });
    configured
        || t.directory
            .service_principals
            .iter()
            .any(|s| s.id.eq_ignore_ascii_case(principal_id))
}

fn principal_not_found(principal_id: &str, tenant_id: &str) -> Response<Body> {
    error(
        400,
        "PrincipalNotFound",
        &format!("Principal {principal_id} does not exist in the directory {tenant_id}. Check that you have the correct principal ID. If you are creating this principal and then immediately assigning a role, this error might be related to a replication delay. In this case, set the role assignment principalType property to a value, such as ServicePrincipal, User, or Group."),
    )
}

fn put_assignment(call: &Call, grant: &Grant, route: &Route, name: &str) -> Response<Body> {
    let Some(props) = body(call) else {
        return error(
            400,
            "InvalidRequestContent",
            "The request content is not a role assignment.",
        );
    };
    let config = call.shared.config();
    let action = "Microsoft.Authorization/roleAssignments/write";
    if !granted(&config, grant, &route.scope, action) {
        let target = format!(
            "{}/providers/{NAMESPACE}/roleAssignments/{name}",
            route.scope
        );
        return forbidden(grant, action, &target);
    }
    let principal_id = props["principalId"].as_str().unwrap_or_default().to_owned();
    let principal_type = props["principalType"].as_str().map(str::to_owned);
    let definition_id = props["roleDefinitionId"]
        .as_str()
        .and_then(|d| d.rsplit('/').next())
        .unwrap_or_default()
        .to_owned();
    let Some(t) = tenant(&config, &grant.tenant_id) else {
        return error(404, "TenantNotFound", "The tenant was not found.");
    };
    let Some(definition) = t.directory.role_definition(&definition_id) else {
        return error(
            400,
            "RoleDefinitionDoesNotExist",
            &format!("The specified role definition with ID '{definition_id}' does not exist."),
        );
    };
    if !definition
        .assignable_scopes
        .iter()
        .any(|s| covers(s, &route.scope))
    {
        return error(
            400,
            "InvalidRoleAssignmentScope",
            &format!(
                "The role '{}' cannot be assigned at scope '{}': it is not among its assignableScopes.",
                definition.role_name, route.scope
            ),
        );
    }
    let replicating = call
        .shared
        .principal_created_at(&principal_id)
        .is_some_and(|at| {
            let window =
                time::Duration::try_from(config.principal_replication_window).unwrap_or_default();
            call.shared.now() < at + window
        });
    if !principal_exists(t, &principal_id) || (principal_type.is_none() && replicating) {
        return principal_not_found(&principal_id, &grant.tenant_id);
    }
    let same = |a: &&DirectoryRoleAssignment| {
        a.principal_id.eq_ignore_ascii_case(&principal_id)
            && a.role_definition_id.eq_ignore_ascii_case(&definition.id)
            && a.scope.eq_ignore_ascii_case(&route.scope)
    };
    if let Some(existing) = t.directory.role_assignments.iter().find(same) {
        if existing.id.eq_ignore_ascii_case(name) {
            return json_reply(200, assignment_json(existing, &route.subscription));
        }
        return error(
            409,
            "RoleAssignmentExists",
            "The role assignment already exists.",
        );
    }
    drop(config);
    let assignment = DirectoryRoleAssignment::new(
        name,
        route.scope.as_str(),
        definition.id.as_str(),
        principal_id.as_str(),
        principal_type.as_deref().unwrap_or("ServicePrincipal"),
    );
    let answer = assignment_json(&assignment, &route.subscription);
    call.shared.update_config(|config| {
        if let Some(t) = config.tenant_by_id_mut(&grant.tenant_id) {
            t.directory.role_assignments.push(assignment);
        }
    });
    json_reply(201, answer)
}

fn delete_assignment(call: &Call, grant: &Grant, route: &Route, name: &str) -> Response<Body> {
    let config = call.shared.config();
    let action = "Microsoft.Authorization/roleAssignments/delete";
    if !granted(&config, grant, &route.scope, action) {
        return forbidden(grant, action, &route.scope);
    }
    let found = tenant(&config, &grant.tenant_id).and_then(|t| {
        t.directory
            .role_assignments
            .iter()
            .find(|a| a.id.eq_ignore_ascii_case(name) && a.scope.eq_ignore_ascii_case(&route.scope))
            .cloned()
    });
    drop(config);
    let Some(found) = found else {
        return reply(204, "application/json; charset=utf-8", "", &[]);
    };
    call.shared.update_config(|config| {
        for t in &mut config.tenants {
            t.directory
                .role_assignments
                .retain(|a| !a.id.eq_ignore_ascii_case(name));
        }
    });
    json_reply(200, assignment_json(&found, &route.subscription))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_and_filters() {
        let r = route(&[
            "subscriptions",
            "s",
            "providers",
            "Microsoft.Authorization",
            "roleAssignments",
            "g",
        ])
        .unwrap();
        assert!(r.collection == Collection::Assignments && r.name.as_deref() == Some("g"));
        assert_eq!(r.scope, "/subscriptions/s");
        let r = route(&[
            "subscriptions",
            "s",
            "resourceGroups",
            "rg",
            "providers",
            "microsoft.authorization",
            "roleDefinitions",
        ])
        .unwrap();
        assert_eq!(r.scope, "/subscriptions/s/resourceGroups/rg");
        assert!(r.name.is_none());
        assert!(route(&["subscriptions", "s"]).is_none());
        assert!(route(&[
            "subscriptions",
            "s",
            "providers",
            "Microsoft.Authorization",
            "permissions"
        ])
        .is_none());
        assert_eq!(
            role_name_filter("roleName eq 'O''Brien'").as_deref(),
            Some("O'Brien")
        );
        assert_eq!(role_name_filter("type eq 'x'"), None);
        assert!(glob(
            "Microsoft.Authorization/*",
            "microsoft.authorization/roleAssignments/write"
        ));
        assert!(glob("*/read", "Microsoft.Resources/subscriptions/read"));
        assert!(!glob(
            "*/read",
            "Microsoft.Authorization/roleAssignments/write"
        ));
    }
}
