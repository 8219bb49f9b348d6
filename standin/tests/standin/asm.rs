//! ASM: the management-certificate check and the live body shapes.

use certtool_standin::{Config, HostedService, StandIn, Subscription, SubscriptionState};

use crate::support::*;

fn opening_tag(xml: &[u8]) -> &[u8] {
    let end = xml.iter().position(|&b| b == b'>').expect("an XML element");
    &xml[..=end]
}

fn asm_standin(dir: &std::path::Path) -> (StandIn, Identity) {
    let mgmt = Identity::new(dir, "mgmt", -1, 365);
    let config = Config::new().subscription(
        Subscription::new(SUB, "Production")
            .management_certificate(mgmt.registered())
            .hosted_service(HostedService::new("web", "West US"))
            .hosted_service(HostedService::new("api", "North Europe"))
            .hosted_service(HostedService::new("jobs", "West US")),
    );
    (StandIn::start(config).unwrap(), mgmt)
}

#[test]
fn unregistered_certificate_gets_the_live_forbidden_body_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let (standin, _mgmt) = asm_standin(dir.path());
    let stranger = Identity::new(dir.path(), "stranger", -1, 365);
    let path = format!("/{SUB}/services/hostedservices");
    let reply = asm_get(&standin, &path, Some(&stranger), Some("2014-10-01"));
    assert_eq!(reply.status, 403, "{}", reply.text());
    assert_eq!(
        reply.header("content-type"),
        Some("application/xml; charset=utf-8")
    );
    assert!(reply
        .header("x-ms-request-id")
        .is_some_and(|id| id.len() == 32));
    // Same answer for an unknown subscription and for no certificate at all.
    let unknown = asm_get(
        &standin,
        "/99999999-9999-9999-9999-999999999999",
        Some(&stranger),
        Some("2014-10-01"),
    );
    let anonymous = asm_get(&standin, &path, None, Some("2014-10-01"));
    assert_eq!((unknown.status, &unknown.body), (403, &reply.body));
    assert_eq!((anonymous.status, &anonymous.body), (403, &reply.body));
    // The log saw the stranger's certificate.
    let log = standin.requests();
    assert_eq!(
        log[0].client_thumbprint.as_deref(),
        Some(stranger.sha1_hex().as_str())
    );
    assert_eq!(log[2].client_thumbprint, None);

    let Some(vectors) = vectors_dir() else { return };
    let live = std::fs::read(vectors.join("asm/error-403-forbidden.xml")).unwrap();
    assert_eq!(
        reply.body, live,
        "403 body differs from the recorded live body"
    );
}

#[test]
fn registered_certificate_lists_services_in_the_live_shape() {
    let dir = tempfile::tempdir().unwrap();
    let (standin, mgmt) = asm_standin(dir.path());
    let reply = asm_get(
        &standin,
        &format!("/{SUB}/services/hostedservices"),
        Some(&mgmt),
        Some("2014-10-01"),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(
        reply.header("content-type"),
        Some("application/xml; charset=utf-8")
    );
    let request_id = reply.header("x-ms-request-id").expect("x-ms-request-id");
    assert!(
        request_id.len() == 32
            && request_id
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    );
    let body = reply.text();
    assert!(
        !body.starts_with("<?xml"),
        "live bodies have no XML declaration"
    );
    assert_eq!(body.matches("<HostedService>").count(), 3);
    assert!(body.contains("<ServiceName>web</ServiceName>"));
    assert!(body.contains("<Description i:nil=\"true\"/>"));
    assert!(body.contains("<Location>North Europe</Location>"));
    assert!(
        body.contains("<Label>d2Vi</Label>"),
        "Label is base64 of the name: {body}"
    );
    assert!(body.contains(&format!(
        "<Url>{}/{SUB}/services/hostedservices/web</Url>",
        standin.url()
    )));
    assert_eq!(
        standin.requests()[0].client_thumbprint.as_deref(),
        Some(mgmt.sha1_hex().as_str())
    );
    let subscription = asm_get(
        &standin,
        &format!("/{SUB}"),
        Some(&mgmt),
        Some("2014-10-01"),
    );
    assert_eq!(subscription.status, 200);
    let sub_body = subscription.text();
    assert!(sub_body.contains("<SubscriptionStatus>Active</SubscriptionStatus>"));
    assert!(sub_body.contains("<CurrentHostedServices>3</CurrentHostedServices>"));

    let Some(vectors) = vectors_dir() else { return };
    let live_list = std::fs::read(vectors.join("asm/list-hosted-services.xml")).unwrap();
    let live_sub = std::fs::read(vectors.join("asm/get-subscription.xml")).unwrap();
    assert_eq!(opening_tag(&reply.body), opening_tag(&live_list));
    assert_eq!(opening_tag(&subscription.body), opening_tag(&live_sub));
}

#[test]
fn hosted_services_page_with_continuation_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let mgmt = Identity::new(dir.path(), "mgmt", -1, 365);
    let mut sub = Subscription::new(SUB, "Paged")
        .management_certificate(mgmt.registered())
        .hosted_services_page_size(2);
    for name in ["a", "b", "c"] {
        sub = sub.hosted_service(HostedService::new(name, "West US"));
    }
    let standin = StandIn::start(Config::new().subscription(sub)).unwrap();
    let path = format!("/{SUB}/services/hostedservices");
    let first = asm_get(&standin, &path, Some(&mgmt), Some("2014-10-01"));
    assert_eq!(first.text().matches("<HostedService>").count(), 2);
    let token = first
        .header("x-ms-continuation-token")
        .expect("a continuation token")
        .to_owned();
    let second = asm_get_with(
        &standin,
        &path,
        Some(&mgmt),
        Some("2014-10-01"),
        &[format!("x-ms-continuation-token: {token}")],
    );
    assert_eq!(second.status, 200);
    assert!(second.text().contains("<ServiceName>c</ServiceName>"));
    assert_eq!(second.text().matches("<HostedService>").count(), 1);
    assert_eq!(second.header("x-ms-continuation-token"), None);
}

#[test]
fn missing_version_header_is_400_and_disabled_subscription_is_403() {
    let dir = tempfile::tempdir().unwrap();
    let mgmt = Identity::new(dir.path(), "mgmt", -1, 365);
    let config = Config::new().subscription(
        Subscription::new(SUB, "Off")
            .management_certificate(mgmt.registered())
            .state(SubscriptionState::Disabled),
    );
    let standin = StandIn::start(config).unwrap();
    let missing = asm_get(&standin, &format!("/{SUB}"), Some(&mgmt), None);
    assert_eq!(missing.status, 400);
    assert!(missing
        .text()
        .contains("<Code>MissingOrIncorrectVersionHeader</Code>"));
    let disabled = asm_get(
        &standin,
        &format!("/{SUB}"),
        Some(&mgmt),
        Some("2014-10-01"),
    );
    assert_eq!(disabled.status, 403);
    assert!(disabled
        .text()
        .contains("<Code>SubscriptionDisabled</Code>"));
}
