//! Faults on demand: 429 then success, 5xx, dropped connections, delays, redirects, and a
//! server certificate from another CA.

use std::time::{Duration, Instant};

use certtool_standin::{Config, Fault, StandIn, Subscription, Times};

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

#[test]
fn a_given_ca_signs_the_server_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let (ca_pem, ca_key) = (dir.path().join("ca.pem"), dir.path().join("ca.key"));
    let made = std::process::Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args(["-subj", "/CN=team test CA"])
        .args(["-addext", "basicConstraints=critical,CA:TRUE"])
        .args(["-addext", "keyUsage=critical,keyCertSign"])
        .arg("-keyout")
        .arg(&ca_key)
        .arg("-out")
        .arg(&ca_pem)
        .output_within(DEADLINE)
        .expect("the openssl command");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let (cert, key) = (
        std::fs::read(&ca_pem).unwrap(),
        std::fs::read(&ca_key).unwrap(),
    );
    let options = certtool_standin::Options::new().ca(cert.clone(), key);
    let standin = StandIn::start_with(Config::new(), options).unwrap();
    let given = openssl::x509::X509::from_pem(&cert)
        .unwrap()
        .to_der()
        .unwrap();
    let served = openssl::x509::X509::from_pem(standin.ca_pem())
        .unwrap()
        .to_der()
        .unwrap();
    assert_eq!(given, served);
    let reply = asm_get(&standin, &format!("/{SUB}"), None, Some("2014-10-01"));
    assert_eq!((reply.exit, reply.status), (0, 403));

    // A key that is not the certificate's is refused at start.
    let other_key = openssl::rsa::Rsa::generate(2048)
        .unwrap()
        .private_key_to_pem()
        .unwrap();
    let mismatched = certtool_standin::Options::new().ca(cert, other_key);
    assert!(StandIn::start_with(Config::new(), mismatched).is_err());
}

#[test]
fn entra_and_arm_faults_use_their_service_error_bodies() {
    let standin = StandIn::start(Config::new()).unwrap();
    standin.set_fault(
        "/*/oauth2",
        Fault::TooManyRequests {
            retry_after_secs: 2,
        },
        Times::Always,
    );
    standin.set_fault("/subscriptions", Fault::Status(500), Times::Once);
    let token = post_form(
        &standin,
        &format!("/{TENANT}/oauth2/v2.0/token"),
        &[("grant_type", "client_credentials")],
    );
    assert_eq!(
        (token.status, token.header("retry-after")),
        (429, Some("2"))
    );
    assert_eq!(token.aadsts(), 90055);
    let arm = arm_get(
        &standin,
        &format!("/subscriptions/{SUB}?api-version=2022-12-01"),
        None,
    );
    assert_eq!(
        (arm.status, arm.arm_code().as_str()),
        (500, "InternalServerError")
    );
    let request_id = arm.header("x-ms-request-id").unwrap();
    assert_eq!((request_id.len(), request_id.matches('-').count()), (36, 4));

    let log = standin.requests();
    assert_eq!(
        log.iter()
            .filter(|r| r.matches("/*/oauth2/v2.0/token"))
            .count(),
        1
    );
    assert_eq!(
        log.iter().filter(|r| r.matches("/subscriptions/*")).count(),
        1
    );
    standin.clear_faults();
    standin.clear_requests();
    let token = post_form(
        &standin,
        &format!("/{TENANT}/oauth2/v2.0/token"),
        &[("grant_type", "client_credentials")],
    );
    assert_eq!(
        (token.status, token.aadsts()),
        (400, 90002),
        "no tenant configured"
    );
    assert_eq!(standin.requests().len(), 1);
}
