//! Azure Resource Manager: read a subscription and the caller's permissions (at
//! subscription or resource-group scope), checking the bearer token issued by the
//! stand-in's Entra ID. Bodies and error codes as in `docs/azure.md` § "ARM".

use hyper::Response;
use serde_json::json;

use crate::assertion::us_date;
use crate::audience::is_arm_audience;
use crate::config::{Config, RoleAssignment};
use crate::state::Grant;
use crate::wire::{header_value, reply, Body, Call};

enum Route<'a> {
    Subscription(&'a str),
    Permissions {
        subscription: &'a str,
        scope: String,
    },
}

fn route<'a>(segments: &[&'a str]) -> Option<Route<'a>> {
    let is = |got: &str, want: &str| got.eq_ignore_ascii_case(want);
    match segments {
        [_, id] => Some(Route::Subscription(id)),
        [_, id, p, ns, perm]
            if is(p, "providers")
                && is(ns, "Microsoft.Authorization")
                && is(perm, "permissions") =>
        {
            Some(Route::Permissions {
                subscription: id,
                scope: format!("/subscriptions/{id}"),
            })
        }
        [_, id, groups, rg, p, ns, perm]
            if is(groups, "resourceGroups")
                && is(p, "providers")
                && is(ns, "Microsoft.Authorization")
                && is(perm, "permissions") =>
        {
            Some(Route::Permissions {
                subscription: id,
                scope: format!("/subscriptions/{id}/resourceGroups/{rg}"),
            })
        }
        _ => None,
    }
}

/// An ARM error: `{"error":{"code","message"}}`.
pub(crate) fn error(status: u16, code: &str, message: &str) -> Response<Body> {
    let body = json!({ "error": { "code": code, "message": message } });
    reply(
        status,
        "application/json; charset=utf-8",
        body.to_string(),
        &[],
    )
}

/// A 401 also carries the `WWW-Authenticate` challenge naming the authority to use.
fn unauthorized(call: &Call, tenant: &str, code: &str, message: &str) -> Response<Body> {
    let mut response = error(401, code, message);
    let challenge = format!(
        "Bearer authorization_uri=\"{}/{tenant}\", error=\"invalid_token\", error_description=\"{}\"",
        call.base_url,
        message.replace('"', "'")
    );
    response
        .headers_mut()
        .insert("www-authenticate", header_value(&challenge));
    response
}

/// Error bodies for injected statuses.
pub(crate) fn status_error(status: u16) -> Response<Body> {
    match status {
        429 => error(
            429,
            "TooManyRequests",
            "The request is being throttled. Retry later.",
        ),
        503 => error(
            503,
            "ServiceUnavailable",
            "The service is temporarily unavailable. Retry later.",
        ),
        other => error(
            other,
            "InternalServerError",
            "The server encountered an internal error. Retry the request.",
        ),
    }
}

pub(crate) fn handle(call: &Call) -> Response<Body> {
    let segments = call.segments();
    let route = match (call.method.as_str(), route(&segments)) {
        ("GET", Some(route)) => route,
        _ => {
            return error(
                404,
                "NotFound",
                &format!(
                    "No route for {} {} in the stand-in's ARM.",
                    call.method, call.path
                ),
            )
        }
    };
    if call.query_param("api-version").is_none_or(|v| v.is_empty()) {
        return error(
            400,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        );
    }
    let grant = match authenticate(call) {
        Ok(grant) => grant,
        Err(refusal) => return unauthorized(call, &refusal.tenant, refusal.code, &refusal.message),
    };
    let config = call.shared.config();
    let subscription_id = match &route {
        Route::Subscription(id) => *id,
        Route::Permissions { subscription, .. } => *subscription,
    };
    let Some(subscription) = config
        .subscriptions
        .iter()
        .find(|s| s.id.eq_ignore_ascii_case(subscription_id))
    else {
        return error(
            404,
            "SubscriptionNotFound",
            &format!("The subscription '{subscription_id}' could not be found."),
        );
    };
    let owner = config.subscription_tenant(subscription).unwrap_or("common");
    if !owner.eq_ignore_ascii_case(&grant.tenant_id) {
        return unauthorized(
            call,
            owner,
            "InvalidAuthenticationTokenTenant",
            &format!(
                "The access token is from the wrong issuer 'https://sts.windows.net/{}/'. It must match the tenant 'https://sts.windows.net/{owner}/' associated with this subscription. Please use the authority (URL) '{}/{owner}' to get the token.",
                grant.tenant_id, call.base_url
            ),
        );
    }
    let (scope, action) = match &route {
        Route::Subscription(id) => (
            format!("/subscriptions/{id}"),
            "Microsoft.Resources/subscriptions/read",
        ),
        Route::Permissions { scope, .. } => {
            (scope.clone(), "Microsoft.Authorization/permissions/read")
        }
    };
    let roles = assignments(&config, &grant, &scope);
    let roles: Vec<&RoleAssignment> = roles.iter().collect();
    if roles.is_empty() {
        return error(
            403,
            "AuthorizationFailed",
            &format!(
                "The client '{client}' with object id '{client}' does not have authorization to perform action '{action}' over scope '{scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.",
                client = grant.client_id
            ),
        );
    }
    let body = match route {
        Route::Subscription(_) => json!({
            "id": format!("/subscriptions/{}", subscription.id),
            "authorizationSource": "RoleBased",
            "managedByTenants": [],
            "subscriptionId": subscription.id,
            "tenantId": owner,
            "displayName": subscription.name,
            "state": subscription.state.arm_name(),
            "subscriptionPolicies": {
                "locationPlacementId": "Public_2014-09-01",
                "quotaId": "PayAsYouGo_2014-09-01",
                "spendingLimit": "Off"
            }
        }),
        Route::Permissions { .. } => {
            match permissions_page(call, &roles, config.permissions_page_size) {
                Ok(page) => page,
                Err(response) => return *response,
            }
        }
    };
    reply(
        200,
        "application/json; charset=utf-8",
        body.to_string(),
        &[],
    )
}

/// One page of the permissions list: entries from `$skiptoken` on, and a `nextLink`
/// (the same URL with the next `$skiptoken`) when more remain.
fn permissions_page(
    call: &Call,
    roles: &[&RoleAssignment],
    page_size: Option<usize>,
) -> Result<serde_json::Value, Box<Response<Body>>> {
    let start = match call.query_param("$skiptoken") {
        None => 0,
        Some(token) => match token.parse::<usize>().ok().filter(|&n| n <= roles.len()) {
            Some(n) => n,
            None => {
                return Err(Box::new(error(
                    400,
                    "InvalidSkipToken",
                    "The $skiptoken query parameter is not valid.",
                )))
            }
        },
    };
    let end = page_size.map_or(roles.len(), |size| (start + size).min(roles.len()));
    let value: Vec<serde_json::Value> = roles[start..end]
        .iter()
        .map(|r| {
            json!({
                "actions": r.actions,
                "notActions": r.not_actions,
                "dataActions": r.data_actions,
                "notDataActions": r.not_data_actions,
            })
        })
        .collect();
    let mut page = json!({ "value": value });
    if end < roles.len() {
        let api_version = call.query_param("api-version").unwrap_or_default();
        page["nextLink"] = json!(format!(
            "{}{}?api-version={api_version}&$skiptoken={end}",
            call.base_url, call.path
        ));
    }
    Ok(page)
}

/// The role assignments of the token's app that apply at `scope` (at it or above it):
/// the configured ones, then those made over ARM to its service principal.
pub(crate) fn assignments(config: &Config, grant: &Grant, scope: &str) -> Vec<RoleAssignment> {
    let sp = crate::directory::service_principal_id(&grant.client_id);
    config
        .tenants
        .iter()
        .filter(|t| t.id.eq_ignore_ascii_case(&grant.tenant_id))
        .flat_map(|t| {
            let configured = t
                .apps
                .iter()
                .filter(|a| a.client_id.eq_ignore_ascii_case(&grant.client_id))
                .flat_map(|a| a.roles.iter().cloned());
            configured.chain(t.directory.roles_of(&sp))
        })
        .filter(|r| r.covers(scope))
        .collect()
}

/// The caller's grant, or ARM's 401 with its challenge.
pub(crate) fn bearer(call: &Call) -> Result<Grant, Box<Response<Body>>> {
    authenticate(call).map_err(|refusal| {
        Box::new(unauthorized(
            call,
            &refusal.tenant,
            refusal.code,
            &refusal.message,
        ))
    })
}

/// Why a bearer token was refused: the tenant to name in the challenge, code, message.
struct Refusal {
    tenant: String,
    code: &'static str,
    message: String,
}

impl Refusal {
    fn new(tenant: &str, code: &'static str, message: String) -> Self {
        Refusal {
            tenant: tenant.to_owned(),
            code,
            message,
        }
    }
}

/// Checks `Authorization: Bearer …` against the tokens the stand-in issued.
fn authenticate(call: &Call) -> Result<Grant, Refusal> {
    let Some(header) = call.header("authorization") else {
        return Err(Refusal::new(
            "common",
            "AuthenticationFailed",
            "Authentication failed. The 'Authorization' header is missing.".into(),
        ));
    };
    let token = match header.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            token.trim()
        }
        _ => return Err(Refusal::new(
            "common",
            "AuthenticationFailed",
            "Authentication failed. The 'Authorization' header is provided in an invalid format."
                .into(),
        )),
    };
    let Some(grant) = call.shared.grant(token) else {
        return Err(Refusal::new(
            "common",
            "InvalidAuthenticationToken",
            "The access token is invalid.".into(),
        ));
    };
    let now = call.shared.now();
    if now >= grant.expires {
        return Err(Refusal::new(
            &grant.tenant_id,
            "ExpiredAuthenticationToken",
            format!(
                "The access token expiry UTC time '{}' is earlier than current UTC time '{}'.",
                us_date(grant.expires),
                us_date(now)
            ),
        ));
    }
    if !is_arm_audience(&grant.audience, &call.base_url) {
        return Err(Refusal::new(
            &grant.tenant_id,
            "InvalidAuthenticationTokenAudience",
            format!(
                "The access token has been obtained for wrong audience or resource '{}'. It should exactly match with one of the allowed audiences '{}/', 'https://management.core.windows.net/', 'https://management.azure.com/'.",
                grant.audience, call.base_url
            ),
        ));
    }
    Ok(grant)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        assert!(matches!(
            route(&["subscriptions", "s"]),
            Some(Route::Subscription("s"))
        ));
        match route(&[
            "subscriptions",
            "s",
            "resourcegroups",
            "rg",
            "providers",
            "Microsoft.Authorization",
            "permissions",
        ]) {
            Some(Route::Permissions { scope, .. }) => {
                assert_eq!(scope, "/subscriptions/s/resourceGroups/rg")
            }
            _ => panic!("resource-group permissions not routed"),
        }
        assert!(route(&["subscriptions", "s", "resourceGroups"]).is_none());
    }

    #[test]
    fn role_scopes_cover_themselves_and_below() {
        let role = RoleAssignment::reader("/subscriptions/S");
        assert!(role.covers("/subscriptions/s"));
        assert!(role.covers("/subscriptions/s/resourceGroups/rg"));
        assert!(!role.covers("/subscriptions/s2"));
        let rg = RoleAssignment::reader("/subscriptions/s/resourceGroups/rg");
        assert!(!rg.covers("/subscriptions/s"));
    }
}
