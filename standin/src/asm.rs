//! Legacy Service Management (ASM): Get Subscription and List Hosted Services, with the
//! per-request management-certificate check.
//!
//! Body shapes follow responses recorded from the real service (namespace plus
//! `xmlns:i`, no XML declaration, `i:nil="true"`, base64 `Label`); the error codes and
//! messages follow `docs/azure.md` § "ASM (Service Management)". The text is our own,
//! written to that format; `tests/README.md` names the source of each.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hyper::Response;

use crate::config::{Subscription, SubscriptionState};
use crate::wire::{reply, Body, Call};

const NAMESPACES: &str = r#"xmlns="http://schemas.microsoft.com/windowsazure" xmlns:i="http://www.w3.org/2001/XMLSchema-instance""#;

/// The live answer to a client certificate that is not registered on the subscription
/// (and to an unknown subscription): vectors/asm/error-403-forbidden.xml, byte for byte.
const FORBIDDEN_MESSAGE: &str = "The server failed to authenticate the request. Verify that the certificate is valid and is associated with this subscription.";

/// Fixed service dates: the stand-in has no history.
const DATE_CREATED: &str = "2015-06-23T22:39:29Z";
const DATE_LAST_MODIFIED: &str = "2015-06-23T22:40:05Z";

pub(crate) fn handle(call: &Call) -> Response<Body> {
    if !call.header("x-ms-version").is_some_and(is_version) {
        return error(
            400,
            "MissingOrIncorrectVersionHeader",
            "The versioning header is not specified or was specified incorrectly.",
        );
    }
    let segments = call.segments();
    let config = call.shared.config();
    let registered = segments.first().and_then(|id| {
        config
            .subscriptions
            .iter()
            .find(|s| s.id.eq_ignore_ascii_case(id))
            .filter(|s| is_registered(s, call.client_thumbprint))
    });
    let Some(subscription) = registered else {
        return error(403, "ForbiddenError", FORBIDDEN_MESSAGE);
    };
    if subscription.state == SubscriptionState::Disabled {
        return error(
            403,
            "SubscriptionDisabled",
            "The subscription is in a disabled state.",
        );
    }
    let tenant = config.subscription_tenant(subscription);
    match (call.method.as_str(), &segments[1..]) {
        ("GET", []) => ok(get_subscription(subscription, tenant)),
        ("GET", [services, hosted]) if *services == "services" && *hosted == "hostedservices" => {
            list_hosted_services(call, subscription)
        }
        _ => error(
            404,
            "ResourceNotFound",
            "The requested resource does not exist.",
        ),
    }
}

/// `x-ms-version` must be a date `YYYY-MM-DD`.
fn is_version(value: &str) -> bool {
    let b = value.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        })
}

fn is_registered(subscription: &Subscription, thumbprint: Option<&str>) -> bool {
    thumbprint.is_some_and(|t| {
        subscription
            .management_certificates
            .iter()
            .any(|c| c.sha1_thumbprint() == t)
    })
}

fn headers() -> [(&'static str, String); 1] {
    [("cache-control", "no-cache".to_owned())]
}

fn ok(body: String) -> Response<Body> {
    reply(200, "application/xml; charset=utf-8", body, &headers())
}

/// An ASM error body: `<Error>` with `Code` and `Message` in the live shape.
pub(crate) fn error(status: u16, code: &str, message: &str) -> Response<Body> {
    let body = format!(
        "<Error {NAMESPACES}><Code>{}</Code><Message>{}</Message></Error>",
        escape(code),
        escape(message)
    );
    reply(status, "application/xml; charset=utf-8", body, &headers())
}

/// Error bodies for injected statuses, with the documented ASM codes.
pub(crate) fn status_error(status: u16) -> Response<Body> {
    match status {
        429 => error(429, "TooManyRequests", "The request rate is too high. Retry later."),
        503 => error(
            503,
            "ServerBusy",
            "The server (or an internal component) is currently unavailable to receive requests. Please retry your request.",
        ),
        500 => error(
            500,
            "InternalError",
            "The server encountered an internal error. Please retry the request.",
        ),
        other => error(other, "InternalError", "The request failed."),
    }
}

pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// `<Name>value</Name>`, or `<Name i:nil="true"/>` when there is no value (live format).
fn element(name: &str, value: Option<&str>) -> String {
    match value {
        Some(v) => format!("<{name}>{}</{name}>", escape(v)),
        None => format!("<{name} i:nil=\"true\"/>"),
    }
}

fn get_subscription(subscription: &Subscription, tenant: Option<&str>) -> String {
    let services = subscription.hosted_services.len().to_string();
    let fields: [(&str, Option<&str>); 17] = [
        ("SubscriptionID", Some(&subscription.id)),
        ("SubscriptionName", Some(&subscription.name)),
        ("SubscriptionStatus", Some(subscription.state.asm_name())),
        ("AccountAdminLiveEmailId", Some("admin@standin.invalid")),
        ("ServiceAdminLiveEmailId", Some("admin@standin.invalid")),
        ("MaxCoreCount", Some("20")),
        ("MaxStorageAccounts", Some("100")),
        ("MaxHostedServices", Some("20")),
        ("CurrentCoreCount", Some("0")),
        ("CurrentHostedServices", Some(&services)),
        ("CurrentStorageAccounts", Some("0")),
        ("MaxVirtualNetworkSites", Some("50")),
        ("MaxLocalNetworkSites", Some("20")),
        ("MaxDnsServers", Some("20")),
        ("OfferCategories", None),
        ("AADTenantID", tenant),
        ("CreatedTime", Some("2012-05-02T01:53:33Z")),
    ];
    let inner: String = fields.iter().map(|(n, v)| element(n, *v)).collect();
    format!("<Subscription {NAMESPACES}>{inner}</Subscription>")
}

fn hosted_service(base_url: &str, subscription_id: &str, service: &crate::HostedService) -> String {
    let label = STANDARD.encode(service.label.as_deref().unwrap_or(&service.name));
    let placement = match (&service.location, &service.affinity_group) {
        (Some(location), _) => element("Location", Some(location)),
        (None, group) => element("AffinityGroup", group.as_deref()),
    };
    let extended = match &service.location {
        Some(location) => format!(
            "<ExtendedProperties><ExtendedProperty><Name>ResourceGroup</Name><Value>{name}</Value></ExtendedProperty><ExtendedProperty><Name>ResourceLocation</Name><Value>{location}</Value></ExtendedProperty></ExtendedProperties>",
            name = escape(&service.name),
            location = escape(location)
        ),
        None => "<ExtendedProperties/>".to_owned(),
    };
    format!(
        "<HostedService><Url>{base}/{sub}/services/hostedservices/{name}</Url><ServiceName>{name}</ServiceName><HostedServiceProperties>{description}{placement}<Label>{label}</Label><Status>Created</Status><DateCreated>{DATE_CREATED}</DateCreated><DateLastModified>{DATE_LAST_MODIFIED}</DateLastModified>{extended}</HostedServiceProperties><ComputeCapabilities><WebWorkerRoleSizes><RoleSize>Small</RoleSize><RoleSize>Medium</RoleSize></WebWorkerRoleSizes><VirtualMachinesRoleSizes><RoleSize>Basic_A0</RoleSize><RoleSize>Small</RoleSize></VirtualMachinesRoleSizes></ComputeCapabilities></HostedService>",
        base = escape(base_url),
        sub = escape(subscription_id),
        name = escape(&service.name),
        description = element("Description", service.description.as_deref()),
    )
}

/// Lists one page of services. A page that is not the last carries the response header
/// `x-ms-continuation-token`; the client sends it back as a request header for the next.
fn list_hosted_services(call: &Call, subscription: &Subscription) -> Response<Body> {
    let all = &subscription.hosted_services;
    let start = match call.header("x-ms-continuation-token") {
        None => 0,
        Some(token) => match parse_token(token).filter(|&n| n <= all.len()) {
            Some(n) => n,
            None => return error(400, "BadRequest", "The continuation token is not valid."),
        },
    };
    let end = subscription
        .hosted_services_page_size
        .map_or(all.len(), |size| (start + size).min(all.len()));
    let services: String = all[start..end]
        .iter()
        .map(|s| hosted_service(&call.base_url, &subscription.id, s))
        .collect();
    let body = format!("<HostedServices {NAMESPACES}>{services}</HostedServices>");
    let mut extra = headers().to_vec();
    if end < all.len() {
        extra.push(("x-ms-continuation-token", make_token(end)));
    }
    reply(200, "application/xml; charset=utf-8", body, &extra)
}

/// Continuation tokens are opaque to clients; ours encode the next index.
fn make_token(next: usize) -> String {
    STANDARD.encode(format!("hostedservices:{next}"))
}

fn parse_token(token: &str) -> Option<usize> {
    let text = String::from_utf8(STANDARD.decode(token).ok()?).ok()?;
    text.strip_prefix("hostedservices:")?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_header_must_be_a_date() {
        assert!(is_version("2014-10-01"));
        assert!(!is_version("2014-10-1"));
        assert!(!is_version("latest"));
    }

    #[test]
    fn continuation_tokens_round_trip() {
        assert_eq!(parse_token(&make_token(7)), Some(7));
        assert_eq!(parse_token("garbage"), None);
    }

    #[test]
    fn nil_elements_use_the_live_form() {
        assert_eq!(
            element("Description", None),
            "<Description i:nil=\"true\"/>"
        );
        assert_eq!(element("Name", Some("a&b")), "<Name>a&amp;b</Name>");
    }
}
