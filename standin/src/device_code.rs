//! A person's sign-in with the OAuth 2.0 device authorization grant (RFC 8628), as Entra
//! ID serves it: `POST /{tenant}/oauth2/v2.0/devicecode` hands out a device code and a
//! user code; the token endpoint answers `grant_type=urn:ietf:params:oauth:grant-type:device_code`
//! with `authorization_pending` until the code is approved (a test does that with
//! [`crate::StandIn::approve_device_code`]), `slow_down` when polled faster than the
//! interval, `authorization_declined` or `expired_token`; with `offline_access` in the
//! scope it also hands out a refresh token, which `grant_type=refresh_token` redeems for
//! another resource's token.
//!
//! The person is modelled by a configured [`crate::App`] (named at approval): its
//! `graph_permissions` and roles stand for the person's directory and Azure roles.

use serde_json::{json, Value};

use crate::audience::is_known_resource;
use crate::config::{Config, Tenant};
use crate::entra_error::EntraError;
use crate::ids::random_hex;
use crate::state::{DeviceCode, DeviceState, Grant};
use crate::wire::{form_decode, Call};

/// `grant_type` of a device code poll.
pub(crate) const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
const TOKEN_SECONDS: i64 = 3599;

/// The resource of a space-separated scope list (`{resource}/.default`), and whether
/// `offline_access` is asked for.
fn resource_of(scope: &str) -> Result<(String, bool), EntraError> {
    let mut resource = None;
    let mut offline = false;
    for s in scope.split_whitespace() {
        match s {
            "offline_access" => offline = true,
            "openid" | "profile" => {}
            other => match other.strip_suffix("/.default") {
                Some(r) if !r.is_empty() && resource.is_none() => resource = Some(format!("{r}/")),
                _ => {
                    return Err(EntraError::new(
                        400,
                        "invalid_scope",
                        70011,
                        format!("The provided value for the input parameter 'scope' is not valid. The scope {scope} is not valid."),
                    ))
                }
            },
        }
    }
    resource
        .map(|r| (r, offline))
        .ok_or_else(|| EntraError::missing("scope"))
}

/// `POST /{tenant}/oauth2/v2.0/devicecode`.
pub(crate) fn authorize(
    call: &Call,
    tenant: &Tenant,
    config: &Config,
) -> Result<Value, EntraError> {
    let form = form_decode(call.body);
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    };
    let client_id = field("client_id").ok_or_else(|| EntraError::missing("client_id"))?;
    let (resource, offline_access) =
        resource_of(&field("scope").ok_or_else(|| EntraError::missing("scope"))?)?;
    if !is_known_resource(&resource, &call.base_url) {
        return Err(EntraError::new(
            400,
            "invalid_resource",
            500011,
            format!("The resource principal named {resource} was not found in the tenant."),
        ));
    }
    let user_code = random_hex(4).to_ascii_uppercase();
    let lifetime = config.device_code_lifetime.as_secs();
    let interval = config.device_code_interval_secs;
    let verification_uri = format!("{}/devicelogin", call.base_url);
    call.shared.device_codes().push(DeviceCode {
        device_code: format!("standin-device.{}", random_hex(24)),
        user_code: user_code.clone(),
        tenant_id: tenant.id.clone(),
        client_id,
        resource,
        offline_access,
        expires: call.shared.now() + time::Duration::seconds(lifetime as i64),
        interval,
        last_poll: None,
        state: DeviceState::Pending,
    });
    let device_code = call
        .shared
        .device_codes()
        .last()
        .map(|d| d.device_code.clone())
        .unwrap_or_default();
    Ok(json!({
        "user_code": user_code,
        "device_code": device_code,
        "verification_uri": verification_uri,
        "expires_in": lifetime,
        "interval": interval,
        "message": format!("To sign in, use a web browser to open the page {verification_uri} and enter the code {user_code} to authenticate."),
    }))
}

fn issue(
    call: &Call,
    config: &Config,
    code: &DeviceCode,
    principal: &str,
    resource: &str,
    offline: bool,
) -> Result<Value, EntraError> {
    let roles = config
        .app(&code.tenant_id, principal)
        .map(|a| a.graph_permissions.clone())
        .unwrap_or_default();
    let now = call.shared.now();
    let grant = Grant {
        tenant_id: code.tenant_id.clone(),
        client_id: principal.to_owned(),
        audience: resource.trim_end_matches('/').to_owned(),
        expires: now + time::Duration::seconds(TOKEN_SECONDS),
        roles,
    };
    let mut body = json!({
        "token_type": "Bearer",
        "scope": format!("{resource}.default"),
        "expires_in": TOKEN_SECONDS,
        "ext_expires_in": TOKEN_SECONDS,
        "access_token": call.shared.issue_token(grant.clone()),
    });
    if offline {
        // What the refresh token renews: the person, for the public client that asked.
        let renewal = Grant {
            client_id: format!("{}\n{principal}", code.client_id),
            ..grant
        };
        body["refresh_token"] = json!(call.shared.issue_refresh_token(renewal));
    }
    Ok(body)
}

/// The token endpoint's answer to a device code poll or a refresh token.
pub(crate) fn token(
    call: &Call,
    config: &Config,
    grant_type: &str,
    field: &dyn Fn(&str) -> Option<String>,
) -> Result<Value, EntraError> {
    let client_id = field("client_id").ok_or_else(|| EntraError::missing("client_id"))?;
    if grant_type == "refresh_token" {
        let token = field("refresh_token").ok_or_else(|| EntraError::missing("refresh_token"))?;
        let renewal = call.shared.refresh_grant(&token).ok_or_else(|| {
            EntraError::new(
                400,
                "invalid_grant",
                9002313,
                "Invalid request. Request is malformed or invalid.".into(),
            )
        })?;
        let (public_client, principal) = renewal
            .client_id
            .split_once('\n')
            .map(|(c, p)| (c.to_owned(), p.to_owned()))
            .unwrap_or_default();
        if !public_client.eq_ignore_ascii_case(&client_id) {
            return Err(EntraError::new(
                400,
                "invalid_grant",
                70000,
                "The refresh token was issued to a different client.".into(),
            ));
        }
        let (resource, offline) =
            resource_of(&field("scope").ok_or_else(|| EntraError::missing("scope"))?)?;
        if !is_known_resource(&resource, &call.base_url) {
            return Err(EntraError::new(
                400,
                "invalid_resource",
                500011,
                format!("The resource principal named {resource} was not found in the tenant."),
            ));
        }
        let code = DeviceCode {
            device_code: String::new(),
            user_code: String::new(),
            tenant_id: renewal.tenant_id.clone(),
            client_id: public_client,
            resource: resource.clone(),
            offline_access: offline,
            expires: renewal.expires,
            interval: 0,
            last_poll: None,
            state: DeviceState::Redeemed,
        };
        return issue(call, config, &code, &principal, &resource, offline);
    }
    let device_code = field("device_code").ok_or_else(|| EntraError::missing("device_code"))?;
    let now = call.shared.now();
    let mut codes = call.shared.device_codes();
    let Some(code) = codes
        .iter_mut()
        .find(|c| c.device_code == device_code && c.client_id.eq_ignore_ascii_case(&client_id))
    else {
        return Err(EntraError::new(
            400,
            "bad_verification_code",
            70019,
            "The device code is not known.".into(),
        ));
    };
    if now >= code.expires {
        return Err(EntraError::new(
            400,
            "expired_token",
            70020,
            "The device code has expired. Ask for a new one.".into(),
        ));
    }
    let too_soon = code.last_poll.is_some_and(|last| {
        now < last + time::Duration::seconds(code.interval as i64)
            - time::Duration::milliseconds(500)
    });
    code.last_poll = Some(now);
    match code.state.clone() {
        DeviceState::Pending if too_soon => {
            code.interval += 5;
            Err(EntraError::new(
                400,
                "slow_down",
                70016,
                "Polling faster than the interval; wait longer between requests.".into(),
            ))
        }
        DeviceState::Pending => Err(EntraError::new(
            400,
            "authorization_pending",
            70016,
            "OAuth 2.0 device flow error. Authorization is pending. Continue polling.".into(),
        )),
        DeviceState::Declined => Err(EntraError::new(
            400,
            "authorization_declined",
            70000,
            "The user declined the sign-in request.".into(),
        )),
        DeviceState::Redeemed => Err(EntraError::new(
            400,
            "invalid_grant",
            70000,
            "The device code was already used.".into(),
        )),
        DeviceState::Approved(principal) => {
            code.state = DeviceState::Redeemed;
            let code = code.clone();
            drop(codes);
            issue(
                call,
                config,
                &code,
                &principal,
                &code.resource,
                code.offline_access,
            )
        }
    }
}
