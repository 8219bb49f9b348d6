//! Microsoft Graph, the part that manages an app registration's credentials:
//! `GET /v1.0/applications/{object-id}` and `GET /v1.0/applications(appId='{client-id}')`
//! (with `$select`), `POST …/addKey` and `POST …/removeKey` with a proof of possession.
//! Bodies and codes as in `docs/azure.md` § "Microsoft Graph"; `tests/README.md` says
//! which details are ours.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hyper::Response;
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::assertion::validity;
use crate::audience::is_graph_audience;
use crate::config::{App, Certificate, ClientSecret};
use crate::ids::random_guid;
use crate::proof;
use crate::state::Grant;
use crate::wire::{header_value, percent_decode, reply, Body, Call};

/// Properties of `microsoft.graph.application` the stand-in knows, in Graph's order.
const PROPERTIES: [&str; 5] = [
    "id",
    "appId",
    "displayName",
    "keyCredentials",
    "passwordCredentials",
];

/// How the path names the application.
#[derive(Debug, PartialEq, Eq)]
enum AppRef {
    ObjectId(String),
    AppId(String),
}

#[derive(Debug, PartialEq, Eq)]
enum Action {
    Read,
    AddKey,
    RemoveKey,
}

/// `applications/{id}[/action]` or `applications(appId='{id}')[/action]`, after `v1.0`.
fn route(segments: &[String]) -> Option<(AppRef, Action)> {
    let (app, rest) = match segments {
        [first, id, rest @ ..] if first.eq_ignore_ascii_case("applications") => {
            (AppRef::ObjectId(id.clone()), rest)
        }
        [first, rest @ ..] => {
            let inner = first
                .strip_prefix("applications(")
                .and_then(|s| s.strip_suffix(')'))?;
            let (key, value) = inner.split_once('=')?;
            let value = value.strip_prefix('\'')?.strip_suffix('\'')?;
            if !key.eq_ignore_ascii_case("appId") || value.is_empty() {
                return None;
            }
            (AppRef::AppId(value.to_owned()), rest)
        }
        [] => return None,
    };
    let action = match rest {
        [] => Action::Read,
        [a] if is_action(a, "addKey") => Action::AddKey,
        [a] if is_action(a, "removeKey") => Action::RemoveKey,
        _ => return None,
    };
    Some((app, action))
}

/// `addKey` or its qualified name `microsoft.graph.addKey`.
fn is_action(segment: &str, name: &str) -> bool {
    segment.eq_ignore_ascii_case(name)
        || segment.eq_ignore_ascii_case(&format!("microsoft.graph.{name}"))
}

/// Graph's error body: `{"error":{"code","message","innerError":{…}}}`.
pub(crate) fn error(call: &Call, status: u16, code: &str, message: &str) -> Response<Body> {
    let request_id = random_guid();
    let client_request_id = call
        .header("client-request-id")
        .map(str::to_owned)
        .unwrap_or_else(|| request_id.clone());
    let date = call
        .shared
        .now()
        .replace_nanosecond(0)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default();
    let body = json!({
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": date.trim_end_matches('Z'),
                "request-id": request_id,
                "client-request-id": client_request_id,
            }
        }
    });
    with_ids(
        reply(status, "application/json", body.to_string(), &[]),
        &request_id,
        &client_request_id,
    )
}

fn with_ids(mut response: Response<Body>, request_id: &str, client_id: &str) -> Response<Body> {
    let headers = response.headers_mut();
    headers.insert("request-id", header_value(request_id));
    headers.insert("client-request-id", header_value(client_id));
    response
}

pub(crate) fn ok(call: &Call, status: u16, body: Option<Value>) -> Response<Body> {
    let request_id = random_guid();
    let client_request_id = call
        .header("client-request-id")
        .map(str::to_owned)
        .unwrap_or_else(|| request_id.clone());
    let text = body.map(|b| b.to_string()).unwrap_or_default();
    with_ids(
        reply(status, "application/json", text, &[]),
        &request_id,
        &client_request_id,
    )
}

/// Error bodies for injected statuses.
pub(crate) fn status_error(status: u16, call: &Call) -> Response<Body> {
    match status {
        429 => error(
            call,
            429,
            "TooManyRequests",
            "Too many requests. Retry after the time in the Retry-After header.",
        ),
        503 => error(
            call,
            503,
            "serviceNotAvailable",
            "The service is temporarily unavailable. Retry later.",
        ),
        403 => error(call, 403, "Authorization_RequestDenied", DENIED),
        other => error(call, other, "UnknownError", "An internal error occurred."),
    }
}

pub(crate) const DENIED: &str = "Insufficient privileges to complete the operation.";

pub(crate) fn handle(call: &Call) -> Response<Body> {
    let segments: Vec<String> = call
        .segments()
        .iter()
        .skip(1)
        .map(|s| percent_decode(s.as_bytes()))
        .collect();
    let Some((app_ref, action)) = route(&segments) else {
        return error(
            call,
            400,
            "BadRequest",
            &format!("Resource not found for the segment '{}'.", call.path),
        );
    };
    let method_ok = match action {
        Action::Read => call.method == hyper::Method::GET,
        Action::AddKey | Action::RemoveKey => call.method == hyper::Method::POST,
    };
    if !method_ok {
        return error(
            call,
            405,
            "Request_BadRequest",
            &format!("The method {} is not allowed here.", call.method),
        );
    }
    let grant = match authenticate(call) {
        Ok(grant) => grant,
        Err(message) => return error(call, 401, "InvalidAuthenticationToken", message),
    };
    let config = call.shared.config();
    let Some(caller) = config.app(&grant.tenant_id, &grant.client_id).cloned() else {
        return error(call, 401, "InvalidAuthenticationToken", "Invalid token.");
    };
    let target = config
        .tenants
        .iter()
        .filter(|t| t.id.eq_ignore_ascii_case(&grant.tenant_id))
        .flat_map(|t| &t.apps)
        .find(|a| match &app_ref {
            AppRef::ObjectId(id) => a.object_id.eq_ignore_ascii_case(id),
            AppRef::AppId(id) => a.client_id.eq_ignore_ascii_case(id),
        })
        .cloned();
    let skew = time::Duration::try_from(config.clock_skew).unwrap_or(time::Duration::ZERO);
    let delay = time::Duration::try_from(config.replication_delay).unwrap_or_default();
    drop(config);
    let Some(target) = target else {
        let id = match &app_ref {
            AppRef::ObjectId(id) | AppRef::AppId(id) => id,
        };
        return error(
            call,
            404,
            "Request_ResourceNotFound",
            &format!("Resource '{id}' does not exist or one of its queried reference-property objects are not present."),
        );
    };
    match action {
        Action::Read => read(call, &caller, &target),
        Action::AddKey | Action::RemoveKey => {
            let body: Value = match serde_json::from_slice(call.body) {
                Ok(Value::Object(map)) => Value::Object(map),
                _ => {
                    return error(
                        call,
                        400,
                        "Request_BadRequest",
                        "The request body is not a JSON object.",
                    )
                }
            };
            let Some(proof_jwt) = body.get("proof").and_then(Value::as_str) else {
                return error(call, 403, "Authorization_RequestDenied", DENIED);
            };
            let now = call.shared.now();
            if let Err(refusal) = proof::verify(proof_jwt, &target, now, skew) {
                // Graph answers every bad proof alike; the stand-in says why after it.
                return error(
                    call,
                    401,
                    "Authentication_MissingOrMalformed",
                    &format!("Access Token missing or malformed. ({})", refusal.detail()),
                );
            }
            let own = caller.object_id.eq_ignore_ascii_case(&target.object_id);
            if !own && !caller.may_write_applications() {
                return error(call, 403, "Authorization_RequestDenied", DENIED);
            }
            if action == Action::AddKey {
                add_key(call, &target, &body, now + delay)
            } else {
                remove_key(call, &target, &body)
            }
        }
    }
}

/// Checks the bearer token: issued by the stand-in, unexpired, for Graph.
pub(crate) fn authenticate(call: &Call) -> Result<Grant, &'static str> {
    let token = call
        .header("authorization")
        .and_then(|h| h.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|t| !t.is_empty())
        .ok_or("Access token is empty.")?;
    let grant = call.shared.grant(token).ok_or("Invalid token.")?;
    if call.shared.now() >= grant.expires {
        return Err("Lifetime validation failed, the token is expired.");
    }
    if !is_graph_audience(&grant.audience, &call.base_url) {
        return Err("Access token validation failure. Invalid audience.");
    }
    Ok(grant)
}

fn read(call: &Call, caller: &App, target: &App) -> Response<Body> {
    if !caller.may_read_applications() {
        return error(call, 403, "Authorization_RequestDenied", DENIED);
    }
    let selected: Vec<&str> = match call.query_param("$select") {
        None => PROPERTIES.to_vec(),
        Some(list) => {
            let mut chosen = Vec::new();
            for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                match PROPERTIES.iter().find(|p| p.eq_ignore_ascii_case(name)) {
                    Some(p) => chosen.push(*p),
                    None => {
                        return error(
                            call,
                            400,
                            "BadRequest",
                            &format!("Parsing OData Select and Expand failed: Could not find a property named '{name}' on type 'microsoft.graph.application'."),
                        )
                    }
                }
            }
            chosen
        }
    };
    let mut body = serde_json::Map::new();
    body.insert(
        "@odata.context".into(),
        json!(format!(
            "{}/v1.0/$metadata#applications({})/$entity",
            call.base_url,
            selected.join(",")
        )),
    );
    for name in selected {
        let value = match name {
            "id" => json!(target.object_id),
            "appId" => json!(target.client_id),
            "displayName" => json!(target.display_name),
            "keyCredentials" => {
                Value::Array(target.certificates.iter().map(key_credential).collect())
            }
            _ => Value::Array(target.secrets.iter().map(password_credential).collect()),
        };
        body.insert(name.into(), value);
    }
    ok(call, 200, Some(Value::Object(body)))
}

pub(crate) fn graph_time(t: OffsetDateTime) -> String {
    t.replace_nanosecond(0)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

/// A registered certificate as Graph lists it: `customKeyIdentifier` is the base64 of
/// the SHA-1 digest, dates are the certificate's, `key` is only sent on request.
pub(crate) fn key_credential(certificate: &Certificate) -> Value {
    let (start, end) = validity(certificate);
    let sha1 = openssl::hash::hash(openssl::hash::MessageDigest::sha1(), certificate.der())
        .map(|d| STANDARD.encode(d))
        .unwrap_or_default();
    let subject = certificate
        .x509()
        .subject_name()
        .entries()
        .map(|e| {
            let name = e.object().nid().short_name().unwrap_or("?");
            let value = e.data().to_string().unwrap_or_default();
            format!("{name}={value}")
        })
        .collect::<Vec<_>>()
        .join(", ");
    json!({
        "customKeyIdentifier": sha1,
        "displayName": subject,
        "endDateTime": graph_time(end),
        "key": null,
        "keyId": certificate.key_id(),
        "startDateTime": graph_time(start),
        "type": "AsymmetricX509Cert",
        "usage": "Verify",
    })
}

/// A client secret as Graph lists it: never the value, only its first three characters.
pub(crate) fn password_credential(secret: &ClientSecret) -> Value {
    let hint: String = secret.value.chars().take(3).collect();
    json!({
        "customKeyIdentifier": null,
        "displayName": null,
        "endDateTime": secret.expires.map(graph_time),
        "hint": hint,
        "keyId": secret.key_id,
        "secretText": null,
        "startDateTime": null,
    })
}

/// The certificate of a key credential in a request body: `AsymmetricX509Cert` for
/// `Verify`, its `key` base64 DER (addKey's `keyCredential`, an application's
/// `keyCredentials`); else Graph's complaint, naming `property`.
pub(crate) fn verify_certificate(
    credential: &Value,
    property: &str,
) -> Result<Certificate, String> {
    if credential["type"] != "AsymmetricX509Cert" || credential["usage"] != "Verify" {
        return Err(format!(
            "{property} must have type 'AsymmetricX509Cert' and usage 'Verify'."
        ));
    }
    credential["key"]
        .as_str()
        .and_then(|k| STANDARD.decode(k).ok())
        .and_then(|der| Certificate::from_der(&der).ok())
        .ok_or_else(|| {
            "Invalid value specified for property 'key' of resource 'KeyCredential'.".to_string()
        })
}

fn add_key(call: &Call, target: &App, body: &Value, usable_from: OffsetDateTime) -> Response<Body> {
    let credential = &body["keyCredential"];
    let bad = |message: &str| error(call, 400, "Request_BadRequest", message);
    if !body.get("passwordCredential").is_none_or(Value::is_null) {
        return bad("The stand-in adds certificates only: passwordCredential must be null.");
    }
    let certificate = match verify_certificate(credential, "keyCredential") {
        Ok(certificate) => certificate,
        Err(message) => return bad(&message),
    };
    let thumbprint = certificate.sha1_thumbprint();
    if target
        .certificates
        .iter()
        .any(|c| c.sha1_thumbprint() == thumbprint)
    {
        return bad("Key credential with the same key already exists on the application.");
    }
    let listed = key_credential(&certificate);
    call.shared.replicate_at(&thumbprint, usable_from);
    call.shared.update_config(|config| {
        if let Some(app) = config_app(config, &target.object_id) {
            app.certificates.push(certificate);
        }
    });
    let mut listed = listed;
    listed["@odata.context"] = json!(format!(
        "{}/v1.0/$metadata#microsoft.graph.keyCredential",
        call.base_url
    ));
    ok(call, 200, Some(listed))
}

fn remove_key(call: &Call, target: &App, body: &Value) -> Response<Body> {
    let Some(key_id) = body.get("keyId").and_then(Value::as_str) else {
        return error(
            call,
            400,
            "Request_BadRequest",
            "The keyId property is required.",
        );
    };
    let known = target
        .certificates
        .iter()
        .any(|c| c.key_id().eq_ignore_ascii_case(key_id));
    if !known {
        return error(
            call,
            404,
            "Request_ResourceNotFound",
            &format!("No key credential with keyId '{key_id}' exists on the application."),
        );
    }
    call.shared.update_config(|config| {
        if let Some(app) = config_app(config, &target.object_id) {
            app.certificates
                .retain(|c| !c.key_id().eq_ignore_ascii_case(key_id));
        }
    });
    ok(call, 204, None)
}

fn config_app<'a>(config: &'a mut crate::Config, object_id: &str) -> Option<&'a mut App> {
    config
        .tenants
        .iter_mut()
        .flat_map(|t| t.apps.iter_mut())
        .find(|a| a.object_id.eq_ignore_ascii_case(object_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segs(path: &str) -> Vec<String> {
        path.split('/').map(str::to_owned).collect()
    }

    #[test]
    fn routes() {
        assert_eq!(
            route(&segs("applications/o1")),
            Some((AppRef::ObjectId("o1".into()), Action::Read))
        );
        assert_eq!(
            route(&segs("applications(appId='c1')/microsoft.graph.addKey")),
            Some((AppRef::AppId("c1".into()), Action::AddKey))
        );
        assert_eq!(
            route(&segs("applications/o1/removeKey")),
            Some((AppRef::ObjectId("o1".into()), Action::RemoveKey))
        );
        assert_eq!(route(&segs("applications(appId=c1)")), None);
        assert_eq!(route(&segs("applications/o1/patch")), None);
    }

    #[test]
    fn graph_audiences_include_sovereign_clouds_and_own_url() {
        assert!(is_graph_audience(
            "https://graph.microsoft.com/",
            "https://x"
        ));
        assert!(is_graph_audience(
            "https://microsoftgraph.chinacloudapi.cn",
            "https://x"
        ));
        assert!(is_graph_audience("https://x", "https://x"));
        assert!(!is_graph_audience(
            "https://management.azure.com",
            "https://x"
        ));
    }
}
