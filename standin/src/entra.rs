//! Entra ID token endpoint: `POST /{tenant}/oauth2/v2.0/token` (with `scope`) and
//! `POST /{tenant}/oauth2/token` (v1, with `resource`), client credentials grant with a
//! client assertion or a client secret; the device code grant and refresh tokens of a
//! person's sign-in are answered by [`crate::device_code`] (with `/devicecode`).
//!
//! Errors use Entra's JSON shape (`docs/azure.md` § "Entra ID sign-in"): `error`,
//! `error_description` ending with Trace ID / Correlation ID / Timestamp lines,
//! `error_codes`, `timestamp`, `trace_id`, `correlation_id`, `error_uri`.

use hyper::Response;
use serde_json::json;
use time::format_description::FormatItem;
use time::macros::format_description;
use time::OffsetDateTime;

use crate::assertion::{self, Expectations};
use crate::audience::is_known_resource;
use crate::config::{App, Config, Tenant};
use crate::entra_error::EntraError;
use crate::ids::random_guid;
use crate::state::Grant;
use crate::wire::{form_decode, reply, Body, Call};

const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// Lifetime of issued tokens, as Entra's `expires_in` usually says.
const TOKEN_SECONDS: i64 = 3599;

pub(crate) fn handle(call: &Call) -> Response<Body> {
    let answer = match call.segments().as_slice() {
        [tenant, "oauth2", "v2.0", "devicecode"] if call.method == hyper::Method::POST => {
            let config = call.shared.config();
            find_tenant(&config, tenant)
                .and_then(|t| crate::device_code::authorize(call, t, &config))
        }
        _ => token(call),
    };
    match answer {
        Ok(body) => reply(
            200,
            "application/json; charset=utf-8",
            body.to_string(),
            &[("cache-control", "no-store, no-cache".to_owned())],
        ),
        Err(error) => error_response(call, error),
    }
}

/// Which token endpoint version a path is.
fn endpoint_version(segments: &[&str]) -> Option<u8> {
    match segments {
        [_, "oauth2", "v2.0", "token"] => Some(2),
        [_, "oauth2", "token"] => Some(1),
        _ => None,
    }
}

fn token(call: &Call) -> Result<serde_json::Value, EntraError> {
    let segments = call.segments();
    let Some(version) = endpoint_version(&segments) else {
        return Err(EntraError::new(
            404,
            "invalid_request",
            900561,
            format!("The endpoint {} does not exist.", call.path),
        ));
    };
    if call.method != hyper::Method::POST {
        return Err(EntraError::invalid_request(
            900561,
            format!(
                "The endpoint only accepts POST requests. Received a {} request.",
                call.method
            ),
        ));
    }
    let tenant_id = segments[0];
    let config = call.shared.config();
    let tenant = find_tenant(&config, tenant_id)?;
    let form = form_decode(call.body);
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };

    let grant_type = field("grant_type").ok_or_else(|| EntraError::missing("grant_type"))?;
    if version == 2
        && (grant_type == crate::device_code::DEVICE_CODE_GRANT || grant_type == "refresh_token")
    {
        let owned = |name: &str| field(name).map(str::to_owned);
        return crate::device_code::token(call, &config, grant_type, &owned);
    }
    if grant_type != "client_credentials" {
        return Err(EntraError::new(
            400,
            "unsupported_grant_type",
            70003,
            format!("The app requested an unsupported grant type '{grant_type}'."),
        ));
    }
    let client_id = field("client_id").ok_or_else(|| EntraError::missing("client_id"))?;
    // An app made over Graph a moment ago is not known to sign-in yet.
    let app = tenant
        .apps
        .iter()
        .find(|a| a.client_id.eq_ignore_ascii_case(client_id))
        .filter(|a| call.shared.app_usable(&a.client_id))
        .ok_or_else(|| {
            EntraError::new(
                400,
                "unauthorized_client",
                700016,
                format!(
                    "Application with identifier '{client_id}' was not found in the directory '{tenant_id}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."
                ),
            )
        })?;
    if !app.enabled {
        return Err(EntraError::new(
            400,
            "unauthorized_client",
            7000112,
            format!("Application '{client_id}' is disabled."),
        ));
    }

    let now = call.shared.now();
    let token_url = format!("{}{}", call.base_url, call.path);
    match (field("client_assertion"), field("client_secret")) {
        (Some(jwt), _) if crate::federated::is_federated(jwt, app) => {
            if field("client_assertion_type") != Some(JWT_BEARER) {
                return Err(EntraError::missing("client_assertion_type"));
            }
            let skew = time::Duration::try_from(config.clock_skew).unwrap_or(time::Duration::ZERO);
            crate::federated::verify(jwt, app, &config.oidc_issuers, now, skew)?;
        }
        (Some(jwt), _) => {
            if field("client_assertion_type") != Some(JWT_BEARER) {
                return Err(EntraError::missing("client_assertion_type"));
            }
            // A certificate added over Graph a moment ago is not known to sign-in yet.
            let mut replicated = app.clone();
            replicated
                .certificates
                .retain(|c| call.shared.replicated(&c.sha1_thumbprint()));
            let want = Expectations {
                app: &replicated,
                token_url: &token_url,
                now,
                skew: time::Duration::try_from(config.clock_skew).unwrap_or(time::Duration::ZERO),
                expired_certificate_error: config.expired_certificate_error,
            };
            let verified = assertion::verify(jwt, &want)?;
            if !call.shared.first_use_of_jti(&app.client_id, &verified.jti) {
                return Err(EntraError::invalid_client(
                    50013,
                    format!(
                        "Assertion is invalid: the jti '{}' was already used. Make a new client assertion for every token request.",
                        verified.jti
                    ),
                ));
            }
        }
        (None, Some(secret)) => check_secret(app, secret, now)?,
        (None, None) => {
            return Err(EntraError::invalid_client(
                7000218,
                "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.".into(),
            ))
        }
    }

    let resource = requested_resource(version, field("scope"), field("resource"))?;
    if !is_known_resource(&resource, &call.base_url) {
        return Err(EntraError::new(
            400,
            "invalid_resource",
            500011,
            format!(
                "The resource principal named {resource} was not found in the tenant named {tenant_id}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant."
            ),
        ));
    }
    let expires = now + time::Duration::seconds(TOKEN_SECONDS);
    let access_token = call.shared.issue_token(Grant {
        tenant_id: tenant.id.clone(),
        client_id: app.client_id.clone(),
        audience: resource.trim_end_matches('/').to_owned(),
        expires,
        roles: app.graph_permissions.clone(),
    });
    Ok(if version == 2 {
        json!({
            "token_type": "Bearer",
            "expires_in": TOKEN_SECONDS,
            "ext_expires_in": TOKEN_SECONDS,
            "access_token": access_token,
        })
    } else {
        // v1 sends its numbers as strings.
        json!({
            "token_type": "Bearer",
            "expires_in": TOKEN_SECONDS.to_string(),
            "ext_expires_in": TOKEN_SECONDS.to_string(),
            "expires_on": expires.unix_timestamp().to_string(),
            "not_before": now.unix_timestamp().to_string(),
            "resource": resource,
            "access_token": access_token,
        })
    })
}

pub(crate) fn find_tenant<'a>(
    config: &'a Config,
    tenant_id: &str,
) -> Result<&'a Tenant, EntraError> {
    if let Some(tenant) = config.tenant_by_id(tenant_id) {
        return Ok(tenant);
    }
    if looks_like_guid(tenant_id) || tenant_id.contains('.') {
        Err(EntraError::invalid_request(
            90002,
            format!(
                "Tenant '{tenant_id}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."
            ),
        ))
    } else {
        Err(EntraError::invalid_request(
            900023,
            format!("Specified tenant identifier '{tenant_id}' is neither a valid DNS name, nor a valid external domain."),
        ))
    }
}

fn looks_like_guid(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

fn check_secret(app: &App, secret: &str, now: OffsetDateTime) -> Result<(), EntraError> {
    let client_id = &app.client_id;
    match app.secrets.iter().find(|s| s.value == secret) {
        Some(s) if s.expires.is_some_and(|e| now >= e) => Err(EntraError::invalid_client(
            7000222,
            format!("The provided client secret keys for app '{client_id}' are expired. Create new keys for your app, or consider using certificate credentials for added security."),
        )),
        Some(_) => Ok(()),
        None => Err(EntraError::invalid_client(
            7000215,
            format!("Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'."),
        )),
    }
}

/// The resource a token is requested for: v2 `scope` = `{resource}/.default`, v1
/// `resource`.
fn requested_resource(
    version: u8,
    scope: Option<&str>,
    resource: Option<&str>,
) -> Result<String, EntraError> {
    if version == 1 {
        return resource
            .map(str::to_owned)
            .ok_or_else(|| EntraError::missing("resource"));
    }
    let scope = scope.ok_or_else(|| EntraError::missing("scope"))?;
    scope
        .strip_suffix("/.default")
        .filter(|r| !r.is_empty() && !scope.contains(' '))
        .map(|r| format!("{r}/"))
        .ok_or_else(|| {
            EntraError::new(
                400,
                "invalid_scope",
                1002012,
                format!("The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."),
            )
        })
}

/// `2016-01-09 02:02:12Z`, Entra's timestamp form.
const ENTRA_TIMESTAMP: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day] [hour]:[minute]:[second]Z");

pub(crate) fn error_response(call: &Call, error: EntraError) -> Response<Body> {
    let trace_id = random_guid();
    // Entra echoes the client's `client-request-id` as the correlation id.
    let correlation_id = call
        .header("client-request-id")
        .map(str::to_owned)
        .unwrap_or_else(random_guid);
    let timestamp = call
        .shared
        .now()
        .format(ENTRA_TIMESTAMP)
        .unwrap_or_default();
    let code = error.code;
    let body = json!({
        "error": error.error,
        "error_description": format!(
            "AADSTS{code}: {}\r\nTrace ID: {trace_id}\r\nCorrelation ID: {correlation_id}\r\nTimestamp: {timestamp}",
            error.message
        ),
        "error_codes": [code],
        "timestamp": timestamp,
        "trace_id": trace_id,
        "correlation_id": correlation_id,
        "error_uri": format!("{}/error?code={code}", call.base_url),
    });
    reply(
        error.status,
        "application/json; charset=utf-8",
        body.to_string(),
        &[("cache-control", "no-store, no-cache".to_owned())],
    )
}

/// Error bodies for injected statuses: 429 as tenant throttling, 5xx as a transient
/// service error (our choice of codes; see tests/README.md).
pub(crate) fn status_error(status: u16, call: &Call) -> Response<Body> {
    let error = match status {
        429 => EntraError::new(
            429,
            "temporarily_unavailable",
            90055,
            "There are too many incoming requests. Retry later.".into(),
        ),
        other => EntraError::new(
            other,
            "temporarily_unavailable",
            90033,
            "A transient error has occurred. Please try again.".into(),
        ),
    };
    error_response(call, error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v2_scope_must_be_a_default_scope() {
        assert_eq!(
            requested_resource(2, Some("https://management.azure.com/.default"), None).unwrap(),
            "https://management.azure.com/"
        );
        assert_eq!(
            requested_resource(2, Some("https://x/read"), None)
                .unwrap_err()
                .code,
            1002012
        );
        assert_eq!(requested_resource(2, None, None).unwrap_err().code, 900144);
        assert_eq!(
            requested_resource(1, None, Some("https://r/")).unwrap(),
            "https://r/"
        );
    }

    #[test]
    fn guid_shape() {
        assert!(looks_like_guid("72f988bf-86f1-41af-91ab-2d7cd011db47"));
        assert!(!looks_like_guid("contoso"));
    }
}
