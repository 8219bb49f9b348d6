//! Microsoft Graph, the writes that make a service principal (`docs/graph.md` § "Creating
//! an app registration"): `POST /v1.0/applications`, `POST /v1.0/servicePrincipals`,
//! `POST /v1.0/applications/{id}/addPassword`,
//! `POST /v1.0/applications/{id}/federatedIdentityCredentials` and
//! `DELETE /v1.0/applications/{id}`. An application made here becomes one of the
//! tenant's [`App`]s, so it signs in at the token endpoint (after
//! [`crate::Config::new_app_signin_delay`]) and ARM finds its role assignments.
//!
//! Who may write: `Application.ReadWrite.All` (or `Directory.ReadWrite.All`) any
//! application; `Application.ReadWrite.OwnedBy` creates applications (its service
//! principal becomes their owner) and changes only those it owns; anything else is 403
//! `Authorization_RequestDenied`.

use hyper::{Method, Response};
use serde_json::{json, Value};

use crate::config::{App, ClientSecret, FederatedCredential, Tenant};
use crate::directory::{service_principal_id, Owner};
use crate::graph::{
    error, graph_time, key_credential, ok, password_credential, verify_certificate, DENIED,
};
use crate::ids::{random_guid, random_hex};
use crate::state::Grant;
use crate::wire::{percent_decode, Body, Call};

/// What Graph answers to `call`: a creation route, else the directory's and one
/// application's routes.
pub(crate) fn graph_answer(call: &Call) -> Response<Body> {
    handle(call).unwrap_or_else(|| crate::directory::graph_answer(call))
}

/// The write routes; `None` for any other Graph request.
fn handle(call: &Call) -> Option<Response<Body>> {
    let segments: Vec<String> = call
        .segments()
        .iter()
        .skip(1)
        .map(|s| percent_decode(s.as_bytes()))
        .collect();
    let is = |got: &String, want: &str| got.eq_ignore_ascii_case(want);
    let post = *call.method == Method::POST;
    let route = match segments.as_slice() {
        [c] if post && is(c, "applications") => Write::CreateApplication,
        [c] if post && is(c, "servicePrincipals") => Write::CreateServicePrincipal,
        [c, id, a] if post && is(c, "applications") && action(a, "addPassword") => {
            Write::AddPassword(id.clone())
        }
        [c, id, a] if post && is(c, "applications") && is(a, "federatedIdentityCredentials") => {
            Write::AddFederated(id.clone())
        }
        [c, id] if *call.method == Method::DELETE && is(c, "applications") => {
            Write::Delete(id.clone())
        }
        _ => return None,
    };
    let grant = match crate::graph::authenticate(call) {
        Ok(grant) => grant,
        Err(message) => return Some(error(call, 401, "InvalidAuthenticationToken", message)),
    };
    let Some(writer) = writer(&grant) else {
        return Some(error(call, 403, "Authorization_RequestDenied", DENIED));
    };
    let body = if matches!(route, Write::Delete(_)) {
        Value::Null
    } else {
        match serde_json::from_slice(call.body) {
            Ok(Value::Object(map)) => Value::Object(map),
            _ => {
                return Some(error(
                    call,
                    400,
                    "Request_BadRequest",
                    "The request body is not a JSON object.",
                ))
            }
        }
    };
    Some(match route {
        Write::CreateApplication => create_application(call, &grant, &writer, &body),
        Write::CreateServicePrincipal => create_service_principal(call, &grant, &writer, &body),
        Write::AddPassword(id) => with_owned(call, &grant, &writer, &id, |app| {
            add_password(call, app, &body)
        }),
        Write::AddFederated(id) => with_owned(call, &grant, &writer, &id, |app| {
            add_federated(call, app, &body)
        }),
        Write::Delete(id) => with_owned(call, &grant, &writer, &id, |app| delete(call, app)),
    })
}

enum Write {
    CreateApplication,
    CreateServicePrincipal,
    AddPassword(String),
    AddFederated(String),
    Delete(String),
}

/// `addPassword` or `microsoft.graph.addPassword`.
fn action(segment: &str, name: &str) -> bool {
    segment.eq_ignore_ascii_case(name)
        || segment.eq_ignore_ascii_case(&format!("microsoft.graph.{name}"))
}

/// What the caller may write.
enum Writer {
    /// Any application.
    All,
    /// Only applications this service principal owns.
    OwnedBy(String),
}

fn writer(grant: &Grant) -> Option<Writer> {
    let has = |name: &str| grant.roles.iter().any(|r| r.eq_ignore_ascii_case(name));
    if has("Application.ReadWrite.All") || has("Directory.ReadWrite.All") {
        Some(Writer::All)
    } else if has("Application.ReadWrite.OwnedBy") {
        Some(Writer::OwnedBy(service_principal_id(&grant.client_id)))
    } else {
        None
    }
}

fn tenant_mut<'a>(config: &'a mut crate::Config, tenant_id: &str) -> Option<&'a mut Tenant> {
    config.tenant_by_id_mut(tenant_id)
}

fn owns(tenant: &Tenant, writer: &Writer, object_id: &str) -> bool {
    match writer {
        Writer::All => true,
        Writer::OwnedBy(sp) => tenant
            .directory
            .owners_of(object_id)
            .iter()
            .any(|o| o.id().eq_ignore_ascii_case(sp)),
    }
}

fn not_found(call: &Call, id: &str) -> Response<Body> {
    error(
        call,
        404,
        "Request_ResourceNotFound",
        &format!("Resource '{id}' does not exist or one of its queried reference-property objects are not present."),
    )
}

/// Runs `change` on the application `object_id` of the caller's tenant when the caller
/// may write it; an application it may not see is 404, as Graph hides it.
fn with_owned(
    call: &Call,
    grant: &Grant,
    writer: &Writer,
    object_id: &str,
    change: impl FnOnce(&App) -> Response<Body>,
) -> Response<Body> {
    let config = call.shared.config();
    let found = config.tenant_by_id(&grant.tenant_id).and_then(|t| {
        let app = t
            .apps
            .iter()
            .find(|a| a.object_id.eq_ignore_ascii_case(object_id))?;
        Some((app.clone(), owns(t, writer, &app.object_id)))
    });
    drop(config);
    match found {
        Some((app, true)) => change(&app),
        Some((_, false)) => error(call, 403, "Authorization_RequestDenied", DENIED),
        None => not_found(call, object_id),
    }
}

fn application_json(call: &Call, app: &App) -> Value {
    json!({
        "@odata.context": format!("{}/v1.0/$metadata#applications/$entity", call.base_url),
        "id": app.object_id,
        "appId": app.client_id,
        "displayName": app.display_name,
        "signInAudience": "AzureADMyOrg",
        "createdDateTime": graph_time(call.shared.now()),
        "keyCredentials": app.certificates.iter().map(key_credential).collect::<Vec<_>>(),
        "passwordCredentials": app.secrets.iter().map(password_credential).collect::<Vec<_>>(),
    })
}

fn create_application(call: &Call, grant: &Grant, writer: &Writer, body: &Value) -> Response<Body> {
    let bad = |message: &str| error(call, 400, "Request_BadRequest", message);
    let Some(name) = body
        .get("displayName")
        .and_then(Value::as_str)
        .filter(|n| !n.trim().is_empty())
    else {
        return bad("Property 'displayName' is required.");
    };
    let audience = body.get("signInAudience").and_then(Value::as_str);
    if audience.is_some_and(|a| a != "AzureADMyOrg") {
        return bad("The stand-in makes single-tenant applications only (AzureADMyOrg).");
    }
    let mut certificates = Vec::new();
    for credential in body
        .get("keyCredentials")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        match verify_certificate(credential, "keyCredentials") {
            Ok(certificate) => certificates.push(certificate),
            Err(message) => return bad(&message),
        }
    }
    let client_id = random_guid();
    let mut app = App::new(client_id.clone())
        .object_id(random_guid())
        .display_name(name);
    app.certificates = certificates;
    let delay =
        time::Duration::try_from(call.shared.config().new_app_signin_delay).unwrap_or_default();
    call.shared
        .app_usable_at(&client_id, call.shared.now() + delay);
    let answer = application_json(call, &app);
    let mut created = false;
    call.shared.update_config(|config| {
        if let Some(tenant) = tenant_mut(config, &grant.tenant_id) {
            if let Writer::OwnedBy(sp) = writer {
                tenant
                    .directory
                    .add_owner(&app.object_id, Owner::ServicePrincipal(sp.clone()));
            }
            tenant
                .directory
                .without_service_principal
                .push(client_id.clone());
            tenant.apps.push(app);
            created = true;
        }
    });
    if !created {
        return error(call, 401, "InvalidAuthenticationToken", "Invalid token.");
    }
    ok(call, 201, Some(answer))
}

fn create_service_principal(
    call: &Call,
    grant: &Grant,
    writer: &Writer,
    body: &Value,
) -> Response<Body> {
    let Some(app_id) = body.get("appId").and_then(Value::as_str) else {
        return error(
            call,
            400,
            "Request_BadRequest",
            "Property 'appId' is required.",
        );
    };
    let config = call.shared.config();
    let state = config.tenant_by_id(&grant.tenant_id).and_then(|t| {
        let app = t
            .apps
            .iter()
            .find(|a| a.client_id.eq_ignore_ascii_case(app_id))?;
        let missing = t
            .directory
            .without_service_principal
            .iter()
            .any(|c| c.eq_ignore_ascii_case(app_id));
        Some((app.clone(), owns(t, writer, &app.object_id), missing))
    });
    drop(config);
    let app = match state {
        None => {
            return error(
                call,
                400,
                "Request_BadRequest",
                &format!("The appId '{app_id}' of the service principal does not reference a valid application object."),
            )
        }
        Some((_, false, _)) => return error(call, 403, "Authorization_RequestDenied", DENIED),
        Some((_, true, false)) => {
            return error(
                call,
                409,
                "Request_MultipleObjectsWithSameKeyValue",
                "The service principal cannot be created, updated, or restored because the service principal name is already in use.",
            )
        }
        Some((app, true, true)) => app,
    };
    let sp_id = service_principal_id(&app.client_id);
    call.shared.principal_created(&sp_id);
    call.shared.update_config(|config| {
        if let Some(tenant) = tenant_mut(config, &grant.tenant_id) {
            tenant
                .directory
                .without_service_principal
                .retain(|c| !c.eq_ignore_ascii_case(&app.client_id));
            if let Writer::OwnedBy(sp) = writer {
                tenant
                    .directory
                    .add_owner(&sp_id, Owner::ServicePrincipal(sp.clone()));
            }
        }
    });
    ok(
        call,
        201,
        Some(json!({
            "@odata.context": format!("{}/v1.0/$metadata#servicePrincipals/$entity", call.base_url),
            "id": sp_id,
            "appId": app.client_id,
            "displayName": app.display_name,
            "appOwnerOrganizationId": grant.tenant_id,
            "servicePrincipalType": "Application",
            "accountEnabled": true,
            "keyCredentials": [],
            "passwordCredentials": [],
        })),
    )
}

fn config_app<'a>(config: &'a mut crate::Config, object_id: &str) -> Option<&'a mut App> {
    config
        .tenants
        .iter_mut()
        .flat_map(|t| t.apps.iter_mut())
        .find(|a| a.object_id.eq_ignore_ascii_case(object_id))
}

/// A new secret value in the shape Entra ID hands out: 40 characters with a `~`.
fn new_secret_value() -> String {
    let hex = random_hex(20);
    format!("{}~{}", &hex[..3], &hex[3..])
}

fn add_password(call: &Call, app: &App, body: &Value) -> Response<Body> {
    let credential = body.get("passwordCredential").unwrap_or(&Value::Null);
    let display_name = credential.get("displayName").and_then(Value::as_str);
    let end = match credential.get("endDateTime").and_then(Value::as_str) {
        None => call.shared.now() + time::Duration::days(730),
        Some(text) => {
            match time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
            {
                Ok(t) => t,
                Err(_) => {
                    return error(
                        call,
                        400,
                        "Request_BadRequest",
                        "Invalid value specified for property 'endDateTime'.",
                    )
                }
            }
        }
    };
    let value = new_secret_value();
    let secret = ClientSecret::new(value.clone(), Some(end));
    let key_id = secret.key_id.clone();
    call.shared.update_config(|config| {
        if let Some(target) = config_app(config, &app.object_id) {
            target.secrets.push(secret);
        }
    });
    ok(
        call,
        200,
        Some(json!({
            "@odata.context": format!("{}/v1.0/$metadata#microsoft.graph.passwordCredential", call.base_url),
            "customKeyIdentifier": null,
            "displayName": display_name,
            "endDateTime": graph_time(end),
            "hint": &value[..3],
            "keyId": key_id,
            "secretText": value,
            "startDateTime": graph_time(call.shared.now()),
        })),
    )
}

fn add_federated(call: &Call, app: &App, body: &Value) -> Response<Body> {
    let text = |name: &str| {
        body.get(name)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
    };
    let (Some(name), Some(issuer), Some(subject)) = (text("name"), text("issuer"), text("subject"))
    else {
        return error(
            call,
            400,
            "Request_BadRequest",
            "Properties 'name', 'issuer' and 'subject' are required.",
        );
    };
    let audiences: Vec<String> = body
        .get("audiences")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if audiences.len() != 1 {
        return error(
            call,
            400,
            "Request_BadRequest",
            "The audiences property must hold exactly one value.",
        );
    }
    let credential = FederatedCredential::new(issuer, subject).audiences(audiences.clone());
    call.shared.update_config(|config| {
        if let Some(target) = config_app(config, &app.object_id) {
            target.federated.push(credential);
        }
    });
    ok(
        call,
        201,
        Some(json!({
            "@odata.context": format!("{}/v1.0/$metadata#applications('{}')/federatedIdentityCredentials/$entity", call.base_url, app.object_id),
            "id": random_guid(),
            "name": name,
            "issuer": issuer,
            "subject": subject,
            "audiences": audiences,
            "description": null,
        })),
    )
}

/// Deletes the application and with it its service principal. Role assignments that
/// named the principal stay behind, as in Azure (shown there as "Identity not found").
fn delete(call: &Call, app: &App) -> Response<Body> {
    call.shared.update_config(|config| {
        for tenant in &mut config.tenants {
            tenant
                .apps
                .retain(|a| !a.object_id.eq_ignore_ascii_case(&app.object_id));
            tenant
                .directory
                .without_service_principal
                .retain(|c| !c.eq_ignore_ascii_case(&app.client_id));
        }
    });
    ok(call, 204, None)
}
