//! Faults on demand: 429 then success, 5xx, dropped connections, delays, redirects, and a
//! server certificate from another CA.

use std::time::{Duration, Instant};

use certtool_tests::{Config, Fault, StandIn, Subscription, Times};

use crate::support::*;

fn standin_with_mgmt(dir: &std::path::Path) -> (StandIn, Identity) {
    let mgmt = Identity::new(dir, "mgmt", -1, 365);
    let config = Config::new().subscription(
        Subscription::new(SUB, "Production").management_certificate(mgmt.registered()),
    );
    (StandIn::start(config).unwrap(), mgmt)
}

#[test]
fn too_many_requests_once_then_success() {
    let dir = tempfile::tempdir().unwrap();
    let (standin, mgmt) = standin_with_mgmt(dir.path());
    standin.set_fault(
        &format!("/{SUB}"),
        Fault::TooManyRequests {
            retry_after_secs: 7,
        },
        Times::Once,
    );
    let first = asm_get(
        &standin,
        &format!("/{SUB}"),
        Some(&mgmt),
        Some("2014-10-01"),
    );
    assert_eq!(first.status, 429);
    assert_eq!(first.header("retry-after"), Some("7"));
    let second = asm_get(
        &standin,
        &format!("/{SUB}"),
        Some(&mgmt),
        Some("2014-10-01"),
    );
    assert_eq!(second.status, 200, "{}", second.text());
    let log = standin.requests();
    let statuses: Vec<Option<u16>> = log.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [Some(429), Some(200)]);
    assert!(log[0].fault.is_some() && log[1].fault.is_none());
    assert_eq!(log[1].header("x-ms-version"), Some("2014-10-01"));
}

#[test]
fn status_drop_delay_and_redirect_faults() {
    let dir = tempfile::tempdir().unwrap();
    let (standin, mgmt) = standin_with_mgmt(dir.path());
    let path = format!("/{SUB}");
    standin.set_fault("/*", Fault::Status(503), Times::Count(2));
    for _ in 0..2 {
        let reply = asm_get(&standin, &path, Some(&mgmt), Some("2014-10-01"));
        assert_eq!(reply.status, 503);
        assert!(reply.text().contains("<Code>ServerBusy</Code>"));
    }
    standin.set_fault(&path, Fault::Drop, Times::Once);
    let dropped = asm_get(&standin, &path, Some(&mgmt), Some("2014-10-01"));
    assert_eq!(dropped.exit, 52, "curl reports an empty reply");
    assert_eq!(standin.requests().last().unwrap().status, None);

    standin.set_fault(&path, Fault::Delay(Duration::from_millis(700)), Times::Once);
    let started = Instant::now();
    assert_eq!(
        asm_get(&standin, &path, Some(&mgmt), Some("2014-10-01")).status,
        200
    );
    assert!(started.elapsed() >= Duration::from_millis(700));

    let base_url = standin.url().replace("127.0.0.1", "localhost");
    standin.set_fault(
        &path,
        Fault::TemporaryRedirect {
            base_url: base_url.clone(),
        },
        Times::Once,
    );
    let redirected = asm_get(&standin, &path, Some(&mgmt), Some("2014-10-01"));
    assert_eq!(redirected.status, 307);
    assert_eq!(
        redirected.header("location"),
        Some(format!("{base_url}{path}").as_str())
    );
}

#[test]
fn a_server_certificate_from_another_ca_is_refused_by_clients() {
    let dir = tempfile::tempdir().unwrap();
    let (standin, mgmt) = standin_with_mgmt(dir.path());
    standin.serve_untrusted_certificate(Times::Once);
    let refused = asm_get(
        &standin,
        &format!("/{SUB}"),
        Some(&mgmt),
        Some("2014-10-01"),
    );
    assert_eq!(
        refused.exit, 60,
        "curl: peer certificate cannot be authenticated"
    );
    assert!(
        standin.requests().is_empty(),
        "no request got through the handshake"
    );
    let trusted = asm_get(
        &standin,
        &format!("/{SUB}"),
        Some(&mgmt),
        Some("2014-10-01"),
    );
    assert_eq!(trusted.status, 200);
    // The certificate also answers for localhost.
    let localhost = curl(
        &standin,
        &[
            "-H",
            "x-ms-version: 2014-10-01",
            &format!("https://localhost:{}/{SUB}", standin.port()),
        ],
    );
    assert_eq!((localhost.exit, localhost.status), (0, 403));
}
