//! The dispatcher: which service answers a path, and what every answer of a service
//! carries. It sits above the service handlers (`asm`, `entra`, `discovery`, `arm`,
//! `graph`), which know only the plain request and response types of `wire`; the server
//! (`server`: TLS, HTTP, faults, the request log) sits above it.
//!
//! The URL space, and where each endpoint is matched:
//!
//! | service | paths | matched in |
//! |---|---|---|
//! | ARM | `/subscriptions/{id}`, `…[/resourceGroups/{rg}]/providers/Microsoft.Authorization/permissions` | `arm::route` |
//! | ARM | `…[/resourceGroups/{rg}]/providers/Microsoft.Authorization/roleDefinitions[/{id}]`, `…/roleAssignments/{id}` | `authorization::route` |
//! | Graph | `POST /v1.0/applications`, `POST /v1.0/servicePrincipals`, `…/applications/{id}/addPassword`, `…/federatedIdentityCredentials`, `DELETE /v1.0/applications/{id}` | `creation::handle` |
//! | Graph | `/v1.0/applications`, `/v1.0/servicePrincipals` (listings), `…/{id}/owners`, `/v1.0/$batch` | `directory::graph_answer` (then `graph::handle`) |
//! | Graph | `/v1.0/applications/{id}`, `/v1.0/applications(appId='{id}')`, `…/addKey`, `…/removeKey` | `graph::route` |
//! | Entra ID | `/{tenant}/oauth2/v2.0/token`, `/{tenant}/oauth2/token` | `entra::endpoint_version` |
//! | Entra ID | `/{tenant}/oauth2/v2.0/devicecode` | `entra::handle` (then `device_code`) |
//! | Entra ID | `/{tenant}[/v2.0]/.well-known/openid-configuration`, `/{tenant}/discovery[/v2.0]/keys`, `/common/discovery/instance` | `discovery::document` |
//! | ASM | `/{subscription}`, `/{subscription}/services/hostedservices` (any other path) | `asm::handle` |
//!
//! Adding an endpoint: a path under a service's prefix is one more arm in the function
//! named in the table (with the handler beside it in that module); a new prefix is one
//! more row of [`ROUTES`] (before ASM, which takes every path no other service claims).
//! The service's error body for injected faults ([`status_error`]) and its request-id
//! headers ([`with_request_id`]) then apply to it.

use hyper::Response;

use crate::ids::{random_guid, random_hex};
use crate::state::Service;
use crate::wire::{header_value, Body, Call};
use crate::{arm, asm, authorization, creation, discovery, entra, graph};

/// A part of the URL space: the paths it claims and the handler that answers them.
pub(crate) struct Route {
    /// The service the answers come from (for faults, request ids and the request log).
    pub service: Service,
    /// Whether the path (its non-empty segments) is this route's.
    claims: fn(&[&str]) -> bool,
    /// The answer.
    handle: fn(&Call) -> Response<Body>,
}

impl Route {
    /// Answers `call`.
    pub fn answer(&self, call: &Call) -> Response<Body> {
        (self.handle)(call)
    }
}

/// First match wins.
const ROUTES: [Route; 5] = [
    Route {
        service: Service::Arm,
        claims: |s| {
            s.first()
                .is_some_and(|f| f.eq_ignore_ascii_case("subscriptions"))
        },
        // Role definitions and assignments first; subscriptions and permissions otherwise.
        handle: authorization::arm_answer,
    },
    Route {
        service: Service::Graph,
        claims: |s| s.first() == Some(&"v1.0"),
        // The writes that make a service principal, then the tenant-wide directory
        // (listings, owners, `$batch`), then one app's registration and its keys.
        handle: creation::graph_answer,
    },
    Route {
        service: Service::Entra,
        claims: |s| s.get(1) == Some(&"oauth2"),
        handle: entra::handle,
    },
    Route {
        service: Service::Entra,
        claims: discovery::is_document,
        handle: discovery::handle,
    },
    Route {
        service: Service::Asm,
        claims: |_| true,
        handle: asm::handle,
    },
];

/// The route that answers `path`.
pub(crate) fn route_of(path: &str) -> &'static Route {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    ROUTES
        .iter()
        .find(|route| (route.claims)(&segments))
        .unwrap_or(&ROUTES[ROUTES.len() - 1])
}

/// The error body each service sends for an injected status.
pub(crate) fn status_error(service: Service, status: u16, call: &Call) -> Response<Body> {
    match service {
        Service::Asm => asm::status_error(status),
        Service::Entra => entra::status_error(status, call),
        Service::Arm => arm::status_error(status),
        Service::Graph => graph::status_error(status, call),
    }
}

/// Every answer carries `x-ms-request-id` as the service formats it: 32 lower-case hex
/// digits for ASM (recorded live, vectors/asm/responses.json), a GUID for Entra ID and
/// ARM. Graph's handlers set Graph's own `request-id` header.
pub(crate) fn with_request_id(service: Service, mut response: Response<Body>) -> Response<Body> {
    let id = match service {
        Service::Asm => random_hex(16),
        Service::Entra | Service::Arm => random_guid(),
        Service::Graph => return response,
    };
    let headers = response.headers_mut();
    if !headers.contains_key("x-ms-request-id") {
        headers.insert("x-ms-request-id", header_value(&id));
    }
    if service == Service::Arm && !headers.contains_key("x-ms-correlation-request-id") {
        headers.insert("x-ms-correlation-request-id", header_value(&random_guid()));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service_of(path: &str) -> Service {
        route_of(path).service
    }

    #[test]
    fn paths_are_routed_to_their_service() {
        assert_eq!(service_of("/subscriptions/1"), Service::Arm);
        assert_eq!(service_of("/t/oauth2/v2.0/token"), Service::Entra);
        assert_eq!(service_of("/1/services/hostedservices"), Service::Asm);
        assert_eq!(
            service_of("/t/v2.0/.well-known/openid-configuration"),
            Service::Entra
        );
        assert_eq!(service_of("/common/discovery/instance"), Service::Entra);
        assert_eq!(service_of("/"), Service::Asm);
        assert_eq!(service_of("/v1.0/applications/o"), Service::Graph);
    }

    #[test]
    fn discovery_documents_go_to_discovery_and_tokens_to_the_token_endpoint() {
        let is = |path: &str, handle: fn(&Call) -> Response<Body>| {
            std::ptr::fn_addr_eq(route_of(path).handle, handle)
        };
        assert!(is("/t/.well-known/openid-configuration", discovery::handle));
        assert!(is("/t/discovery/v2.0/keys", discovery::handle));
        assert!(is("/t/oauth2/token", entra::handle));
        assert!(
            is("/V1.0/applications/o", asm::handle),
            "Graph's prefix is exact"
        );
        assert!(is("/SUBSCRIPTIONS/1", authorization::arm_answer));
    }
}
