//! Entra ID's discovery documents, which MSAL (and so azure-identity) fetches before its
//! first token request:
//!
//! - tenant discovery, `GET /{tenant}/v2.0/.well-known/openid-configuration` (v1: without
//!   `/v2.0`): where the tenant's token, authorization and key endpoints are; every URL
//!   in it points back at the stand-in;
//! - instance discovery, `GET /common/discovery/instance?authorization_endpoint=…`: is
//!   this authority host known? The stand-in knows itself (its loopback names, with its
//!   port or without one: MSAL sends the host without the port) and answers for other
//!   hosts as Entra does for a host it does not know (400 `invalid_instance`,
//!   AADSTS50049, which MSAL turns into "The authority you provided … is not known");
//! - the key set named by `jwks_uri`, which is empty: the stand-in's tokens are opaque,
//!   so nothing is ever signed with a key a client would need.
//!
//! tests/README.md says which real client showed each behaviour.

use hyper::Response;
use serde_json::{json, Value};

use crate::config::Tenant;
use crate::entra::{error_response, find_tenant};
use crate::entra_error::EntraError;
use crate::wire::{reply, Body, Call};

/// The discovery document a path asks for.
#[derive(Debug, PartialEq, Eq)]
enum Document<'a> {
    /// Tenant discovery, v1 (`1`) or v2.0 (`2`).
    Tenant { tenant: &'a str, version: u8 },
    /// The tenant's signing keys, v1 or v2.0.
    Keys { tenant: &'a str },
    /// `/common/discovery/instance`.
    Instance,
}

fn document<'a>(segments: &[&'a str]) -> Option<Document<'a>> {
    let well_known = |s: &str, c: &str| {
        s.eq_ignore_ascii_case(".well-known") && c.eq_ignore_ascii_case("openid-configuration")
    };
    match segments {
        [tenant, v, s, c] if v.eq_ignore_ascii_case("v2.0") && well_known(s, c) => {
            Some(Document::Tenant { tenant, version: 2 })
        }
        [tenant, s, c] if well_known(s, c) => Some(Document::Tenant { tenant, version: 1 }),
        [c, d, i]
            if c.eq_ignore_ascii_case("common")
                && d.eq_ignore_ascii_case("discovery")
                && i.eq_ignore_ascii_case("instance") =>
        {
            Some(Document::Instance)
        }
        [tenant, d, v, k]
            if d.eq_ignore_ascii_case("discovery")
                && v.eq_ignore_ascii_case("v2.0")
                && k.eq_ignore_ascii_case("keys") =>
        {
            Some(Document::Keys { tenant })
        }
        [tenant, d, k] if d.eq_ignore_ascii_case("discovery") && k.eq_ignore_ascii_case("keys") => {
            Some(Document::Keys { tenant })
        }
        _ => None,
    }
}

/// Whether a path (its non-empty segments) is one of the discovery documents.
pub(crate) fn is_document(segments: &[&str]) -> bool {
    document(segments).is_some()
}

/// Answers a discovery request (the path passed [`is_document`]).
pub(crate) fn handle(call: &Call) -> Response<Body> {
    let segments = call.segments();
    let answer = if call.method != hyper::Method::GET {
        Err(EntraError::invalid_request(
            900561,
            format!(
                "The endpoint only accepts GET requests. Received a {} request.",
                call.method
            ),
        ))
    } else {
        match document(&segments) {
            Some(Document::Tenant { tenant, version }) => tenant_document(call, tenant, version),
            Some(Document::Keys { tenant }) => {
                let config = call.shared.config();
                find_tenant(&config, tenant).map(|_| json!({ "keys": [] }))
            }
            Some(Document::Instance) => instance(call),
            None => Err(EntraError::invalid_request(
                900561,
                format!("The endpoint {} does not exist.", call.path),
            )),
        }
    };
    match answer {
        Ok(body) => reply(
            200,
            "application/json; charset=utf-8",
            body.to_string(),
            &[("access-control-allow-origin", "*".to_owned())],
        ),
        Err(error) => error_response(call, error),
    }
}

/// The OpenID configuration of one tenant. Entra's documents name the tenant by its GUID
/// even when asked by domain; the stand-in's tenants are GUIDs, so the one configured is
/// used.
fn tenant_document(call: &Call, tenant_id: &str, version: u8) -> Result<Value, EntraError> {
    let config = call.shared.config();
    let tenant: &Tenant = find_tenant(&config, tenant_id)?;
    let base = &call.base_url;
    let id = &tenant.id;
    let (v, issuer) = if version == 2 {
        ("/v2.0", format!("{base}/{id}/v2.0"))
    } else {
        ("", format!("{base}/{id}/"))
    };
    Ok(json!({
        "token_endpoint": format!("{base}/{id}/oauth2{v}/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": format!("{base}/{id}/discovery{v}/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": issuer,
        "request_uri_parameter_supported": false,
        "authorization_endpoint": format!("{base}/{id}/oauth2{v}/authorize"),
        "device_authorization_endpoint": format!("{base}/{id}/oauth2{v}/devicecode"),
        "end_session_endpoint": format!("{base}/{id}/oauth2{v}/logout"),
        "tenant_region_scope": null,
        "cloud_instance_name": "microsoftonline.com",
    }))
}

/// Instance discovery: the stand-in's own host is a known instance (its tenant discovery
/// URL follows the authorization endpoint's path and version, on the stand-in's own
/// host and port); any other host is unknown, as it would be to Entra.
fn instance(call: &Call) -> Result<Value, EntraError> {
    let endpoint = call
        .query_param("authorization_endpoint")
        .filter(|e| !e.is_empty())
        .ok_or_else(|| {
            EntraError::invalid_request(
                900144,
                "The request must contain the following parameter: 'authorization_endpoint'."
                    .into(),
            )
        })?;
    let own_host = call.base_url.trim_start_matches("https://");
    let (host, path) = endpoint
        .strip_prefix("https://")
        .map(|rest| rest.split_once('/').unwrap_or((rest, "")))
        .unwrap_or(("", ""));
    let aliases = own_aliases(own_host);
    if !is_own_host(host, &aliases) {
        return Err(EntraError::new(
            400,
            "invalid_instance",
            50049,
            "Unknown or invalid instance.".into(),
        ));
    }
    let segments: Vec<&str> = path
        .split(['?', '#'])
        .next()
        .unwrap_or("")
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let is = |s: &str, want: &str| s.eq_ignore_ascii_case(want);
    let (tenant, v) = match segments[..] {
        [tenant, o, v, a] if is(o, "oauth2") && is(v, "v2.0") && is(a, "authorize") => {
            (tenant, "/v2.0")
        }
        [tenant, o, a] if is(o, "oauth2") && is(a, "authorize") => (tenant, ""),
        _ => ("common", "/v2.0"),
    };
    Ok(json!({
        "tenant_discovery_endpoint": format!("{}/{tenant}{v}/.well-known/openid-configuration", call.base_url),
        "api-version": "1.1",
        "metadata": [{
            "preferred_network": own_host,
            "preferred_cache": own_host,
            "aliases": aliases,
        }],
    }))
}

/// The names clients reach the stand-in by: the host it was called as, and its loopback
/// names on the same port.
fn own_aliases(own_host: &str) -> Vec<String> {
    let port = own_host.rsplit_once(':').map(|(_, p)| p).unwrap_or("443");
    let mut aliases = vec![own_host.to_owned()];
    for name in ["127.0.0.1", "localhost", "[::1]"] {
        let alias = format!("{name}:{port}");
        if !aliases.iter().any(|a| a.eq_ignore_ascii_case(&alias)) {
            aliases.push(alias);
        }
    }
    aliases
}

/// Whether `host` (with or without a port) is one of `aliases`.
fn is_own_host(host: &str, aliases: &[String]) -> bool {
    aliases.iter().any(|alias| {
        let name = alias.rsplit_once(':').map_or(alias.as_str(), |(n, _)| n);
        alias.eq_ignore_ascii_case(host) || name.eq_ignore_ascii_case(host)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(path: &str) -> Option<Document<'_>> {
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        document(&segments).map(|d| match d {
            Document::Tenant { version, .. } => Document::Tenant {
                tenant: "t",
                version,
            },
            Document::Keys { .. } => Document::Keys { tenant: "t" },
            Document::Instance => Document::Instance,
        })
    }

    #[test]
    fn discovery_paths_are_recognised() {
        let tenant = |version| {
            Some(Document::Tenant {
                tenant: "t",
                version,
            })
        };
        assert_eq!(parse("/t/v2.0/.well-known/openid-configuration"), tenant(2));
        assert_eq!(parse("/t/.well-known/openid-configuration"), tenant(1));
        assert_eq!(
            parse("/common/discovery/instance"),
            Some(Document::Instance)
        );
        assert_eq!(
            parse("/t/discovery/v2.0/keys"),
            Some(Document::Keys { tenant: "t" })
        );
        assert_eq!(
            parse("/t/discovery/keys"),
            Some(Document::Keys { tenant: "t" })
        );
        assert_eq!(parse("/t/oauth2/v2.0/token"), None);
        assert_eq!(parse("/t/v2.0/.well-known/other"), None);
        assert!(!is_document(&["00000000-0000-0000-0000-000000000001"]));
    }

    #[test]
    fn aliases_are_the_loopback_names_on_the_port() {
        assert_eq!(
            own_aliases("localhost:8443"),
            ["localhost:8443", "127.0.0.1:8443", "[::1]:8443"]
        );
        let aliases = own_aliases("127.0.0.1:8443");
        assert!(is_own_host("127.0.0.1", &aliases), "MSAL drops the port");
        assert!(is_own_host("LOCALHOST:8443", &aliases));
        assert!(!is_own_host("127.0.0.1:9999", &aliases));
        assert!(!is_own_host("login.microsoftonline.com", &aliases));
        assert!(!is_own_host("", &aliases));
    }
}
