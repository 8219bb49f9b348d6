//! End-to-end tests of `certtool test asm` against the Azure stand-in: what happens on
//! the wire — paging, 307, throttling, retries, timeouts, TLS trust, refused connections,
//! the retired public endpoint.

use std::time::{Duration, Instant};

use crate::support::asm::*;
use crate::support::*;
use certtool_standin::{Config, Fault, HostedService, StandIn, Subscription, Times};

#[test]
fn follows_continuation_token_pages() {
    let mut sub = Subscription::new(SUB, "Paged")
        .management_certificate(mgmt_cert())
        .hosted_services_page_size(2);
    for n in 0..5 {
        sub = sub.hosted_service(HostedService::new(format!("svc{n}"), "West US"));
    }
    let standin = StandIn::start(Config::new().subscription(sub)).unwrap();
    let pem = fixture("rsa2048-bundle.pem");
    let run = test_asm(
        &standin,
        &["--cert", s(&pem), "--subscription", SUB, "--output", "json"],
        &[],
    );
    run.assert_code(EXIT_OK);
    let row = &run.json()["subscriptions"][0];
    assert_eq!(row["hosted_service_count"], 5);
    let names: Vec<&str> = row["hosted_services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["svc0", "svc1", "svc2", "svc3", "svc4"]);
    let lists: Vec<_> = standin
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/hostedservices"))
        .collect();
    assert_eq!(lists.len(), 3);
    assert!(lists[0].header("x-ms-continuation-token").is_none());
    assert!(lists[1].header("x-ms-continuation-token").is_some());
    assert_ne!(
        lists[1].header("x-ms-continuation-token"),
        lists[2].header("x-ms-continuation-token")
    );
}

#[test]
fn repeats_a_307_at_location_with_the_same_certificate() {
    let standin = standin();
    // Redirect to the same host (another host is refused: see
    // security_net::a_redirect_to_another_host_is_not_followed).
    standin.set_fault(
        &format!("/{SUB}/services/hostedservices"),
        Fault::TemporaryRedirect {
            base_url: standin.url().to_string(),
        },
        Times::Once,
    );
    let pem = fixture("rsa2048-bundle.pem");
    let run = test_asm(
        &standin,
        &["--cert", s(&pem), "--subscription", SUB, "--output", "json"],
        &[],
    );
    run.assert_code(EXIT_OK);
    let row = &run.json()["subscriptions"][0];
    assert_eq!(row["hosted_service_count"], 2);
    assert_eq!(row["redirects"], 1);
    assert_eq!(
        row["ended_at"],
        format!("{}/{SUB}/services/hostedservices", standin.url())
    );
    let lists: Vec<_> = standin
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/hostedservices"))
        .collect();
    assert_eq!(lists.len(), 2);
    assert_eq!(lists[0].status, Some(307));
    assert_eq!(lists[1].status, Some(200));
    assert_eq!(
        lists[1].header("host"),
        Some(format!("127.0.0.1:{}", standin.port()).as_str())
    );
    assert_eq!(
        lists[1].client_thumbprint.as_deref(),
        Some(thumbprint().as_str())
    );
    // The text report says where the test ended.
    standin.set_fault(
        &format!("/{SUB}/services/hostedservices"),
        Fault::TemporaryRedirect {
            base_url: standin.url().to_string(),
        },
        Times::Once,
    );
    let text = test_asm(&standin, &["--cert", s(&pem), "--subscription", SUB], &[]);
    text.assert_code(EXIT_OK);
    let ended = format!(
        "  ended at {}/{SUB}/services/hostedservices after 1 redirect(s)",
        standin.url()
    );
    assert!(
        text.stdout_text().contains(&ended),
        "{}",
        text.stdout_text()
    );
}

#[test]
fn throttled_once_then_succeeds_after_retry_after() {
    let standin = standin();
    standin.set_fault(
        &format!("/{SUB}"),
        Fault::TooManyRequests {
            retry_after_secs: 1,
        },
        Times::Once,
    );
    let pem = fixture("rsa2048-bundle.pem");
    let started = Instant::now();
    let run = test_asm(&standin, &["--cert", s(&pem), "--subscription", SUB], &[]);
    run.assert_code(EXIT_OK);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After honoured"
    );
    let statuses: Vec<_> = standin
        .requests()
        .iter()
        .filter(|r| r.path == format!("/{SUB}"))
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [Some(429), Some(200)]);
}

#[test]
fn server_busy_until_retries_run_out_exits_7() {
    let standin = standin();
    standin.set_fault(&format!("/{SUB}"), Fault::Status(503), Times::Always);
    let pem = fixture("rsa2048-bundle.pem");
    let run = test_asm(
        &standin,
        &["--cert", s(&pem), "--subscription", SUB, "--retries", "2"],
        &[],
    );
    run.assert_code(EXIT_NETWORK);
    assert!(
        run.stdout_text().contains("ServerBusy"),
        "{}",
        run.stdout_text()
    );
    run.assert_stderr_contains("failed on its side");
    let attempts = standin
        .requests()
        .iter()
        .filter(|r| r.path == format!("/{SUB}"))
        .count();
    assert_eq!(attempts, 3, "one attempt and two retries");
}

#[test]
fn timeout_is_reported_as_such() {
    let standin = standin();
    standin.set_fault(
        &format!("/{SUB}"),
        Fault::Delay(Duration::from_secs(6)),
        Times::Always,
    );
    let pem = fixture("rsa2048-bundle.pem");
    let started = Instant::now();
    let run = certtool(&[
        "test",
        "asm",
        "--endpoint",
        standin.url(),
        "--ca-file",
        s(standin.ca_pem_path()),
        "--timeout",
        "1",
        "--cert",
        s(&pem),
        "--subscription",
        SUB,
        "--output",
        "json",
    ]);
    run.assert_code(EXIT_NETWORK);
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "timeouts are not retried"
    );
    let row = &run.json()["subscriptions"][0];
    assert_eq!(row["verdict"], "unreachable");
    assert_eq!(row["failure"]["kind"], "timeout");
    assert_eq!(row["diagnosis"]["code"], "Timeout");
    run.assert_stderr_contains("did not answer in time");
}

#[test]
fn untrusted_server_certificate_names_tls() {
    let standin = standin();
    standin.serve_untrusted_certificate(Times::Always);
    let pem = fixture("rsa2048-bundle.pem");
    let run = test_asm(
        &standin,
        &["--cert", s(&pem), "--subscription", SUB, "--output", "json"],
        &[],
    );
    run.assert_code(EXIT_NETWORK);
    let row = &run.json()["subscriptions"][0];
    assert_eq!(row["failure"]["kind"], "server_certificate");
    run.assert_stderr_contains("server certificate");
    run.assert_stderr_contains("--ca-file");
    // Without --ca-file the stand-in's own CA is not trusted either.
    let run = certtool(&[
        "test",
        "asm",
        "--endpoint",
        standin.url(),
        "--timeout",
        "5",
        "--cert",
        s(&pem),
        "--subscription",
        SUB,
    ]);
    run.assert_code(EXIT_NETWORK);
    run.assert_stderr_contains("is not trusted");
}

#[test]
fn connection_refused() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let pem = fixture("rsa2048-bundle.pem");
    let run = certtool(&[
        "test",
        "asm",
        "--endpoint",
        &format!("https://127.0.0.1:{port}"),
        "--timeout",
        "5",
        "--cert",
        s(&pem),
        "--subscription",
        SUB,
        "--output",
        "json",
    ]);
    run.assert_code(EXIT_NETWORK);
    assert_eq!(run.json()["subscriptions"][0]["failure"]["kind"], "connect");
    run.assert_stderr_contains("could not connect");
}

/// certtool may read the system roots from the hashed directory instead of the bundle
/// (cli/src/tls.rs): a root found only by directory lookup must be trusted, and a
/// directory without it must not be.
#[test]
fn roots_from_a_hashed_directory_are_trusted() {
    let standin = standin();
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(standin.ca_pem_path(), dir.path().join("standin-ca.pem")).unwrap();
    let empty = tempfile::tempdir().unwrap();
    openssl(&["rehash", s(dir.path())]);
    let pem = fixture("rsa2048-bundle.pem");
    let args = [
        "test",
        "asm",
        "--endpoint",
        standin.url(),
        "--timeout",
        "10",
        "--cert",
        s(&pem),
        "--subscription",
        SUB,
    ];
    let trusted = certtool_with(
        &args,
        &[
            ("SSL_CERT_FILE", "/dev/null"),
            ("SSL_CERT_DIR", s(dir.path())),
        ],
        None,
    );
    trusted.assert_code(EXIT_OK);
    let untrusted = certtool_with(
        &args,
        &[
            ("SSL_CERT_FILE", "/dev/null"),
            ("SSL_CERT_DIR", s(empty.path())),
        ],
        None,
    );
    untrusted.assert_code(EXIT_NETWORK);
    untrusted.assert_stderr_contains("is not trusted");
}
