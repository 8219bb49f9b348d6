//! End-to-end tests of `certtool test asm` against the Azure stand-in: the real binary,
//! real TLS with the management certificate as client certificate, real ASM bodies.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use certtool_tests::{
    Certificate, Config, Fault, HostedService, StandIn, Subscription, SubscriptionState, Times,
};
use common::*;

const SUB: &str = "00000000-0000-0000-0000-000000000001";

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn mgmt_cert() -> Certificate {
    Certificate::from_file(&fixture("rsa2048.cer")).unwrap()
}

fn sub_id(n: usize) -> String {
    format!("00000000-0000-0000-0000-{n:012}")
}

/// A stand-in where SUB knows the fixture certificate and has two services.
fn standin() -> StandIn {
    StandIn::start(
        Config::new().subscription(
            Subscription::new(SUB, "Production")
                .management_certificate(mgmt_cert())
                .hosted_service(HostedService::new("web", "West US"))
                .hosted_service(HostedService::new("DinoNodeCS", "East US")),
        ),
    )
    .unwrap()
}

/// `certtool test asm` against `standin` with `extra` arguments and environment.
fn test_asm(standin: &StandIn, extra: &[&str], env: &[(&str, &str)]) -> Run {
    let mut args = vec![
        "test",
        "asm",
        "--endpoint",
        standin.url(),
        "--ca-file",
        s(standin.ca_pem_path()),
        "--timeout",
        "10",
    ];
    args.extend_from_slice(extra);
    certtool_with(&args, env, None)
}

fn pfx_args<'a>(name: &'a str, sub: &'a str) -> Vec<&'a str> {
    vec![
        "--cert",
        name,
        "--subscription",
        sub,
        "--password-env",
        "PW",
    ]
}

const PW: (&str, &str) = ("PW", FIXTURE_PASS);

fn thumbprint() -> String {
    openssl_sha1_fingerprint(&fixture("rsa2048.crt"), "pem")
}

#[test]
fn registered_certificate_is_ok_and_lists_services() {
    let standin = standin();
    let pfx = fixture("rsa2048-aes.pfx");
    let mut args = pfx_args(s(&pfx), SUB);
    args.extend(["--output", "json"]);
    let run = test_asm(&standin, &args, &[PW]);
    run.assert_code(0);
    let json = run.json();
    let row = &json["subscriptions"][0];
    assert_eq!(row["verdict"], "ok");
    assert_eq!(row["subscription_name"], "Production");
    assert_eq!(row["subscription_status"], "Active");
    assert_eq!(row["hosted_service_count"], 2);
    assert_eq!(row["hosted_services"][1]["name"], "DinoNodeCS");
    assert_eq!(
        row["hosted_services"][1]["label"], "DinoNodeCS",
        "Label is decoded"
    );
    assert_eq!(row["thumbprint"], thumbprint());
    assert_eq!(json["certificates"][0]["thumbprint"], thumbprint());
    let ids = row["request_ids"].as_array().unwrap();
    assert_eq!(ids.len(), 2);
    assert!(ids.iter().all(|id| id.as_str().unwrap().len() == 32));
    assert!(row["latency_ms"].as_u64().is_some());
    assert_eq!(json["summary"]["ok"], 1);
    assert!(json["notes"].as_array().unwrap().is_empty());
    let requests = standin.requests();
    assert_eq!(requests.len(), 2);
    for r in &requests {
        assert_eq!(r.header("x-ms-version"), Some("2014-10-01"));
        assert_eq!(r.client_thumbprint.as_deref(), Some(thumbprint().as_str()));
    }
    assert_eq!(requests[0].path, format!("/{SUB}"));
    assert_eq!(requests[1].path, format!("/{SUB}/services/hostedservices"));
    // Text form: a table row and the service names.
    let text = test_asm(&standin, &pfx_args(s(&pfx), SUB), &[PW]);
    text.assert_code(0);
    let out = text.stdout_text();
    assert!(
        out.contains("VERDICT") && out.contains("Production"),
        "{out}"
    );
    assert!(out.contains("2 hosted services: web, DinoNodeCS"), "{out}");
    assert!(!out.contains(FIXTURE_PASS) && !text.stderr.contains(FIXTURE_PASS));
}

#[test]
fn unknown_certificate_is_rejected_with_the_forbidden_diagnosis() {
    let standin = StandIn::start(
        Config::new().subscription(Subscription::new(SUB, "Production")), // no certificate
    )
    .unwrap();
    let pfx = fixture("rsa2048-aes.pfx");
    let run = test_asm(&standin, &pfx_args(s(&pfx), SUB), &[PW]);
    run.assert_code(5);
    let out = run.stdout_text();
    assert!(
        out.contains("rejected") && out.contains("ForbiddenError"),
        "{out}"
    );
    let cause = format!(
        "the certificate {} is not registered as a management certificate on subscription {SUB}",
        thumbprint()
    );
    assert!(run.stderr.contains(&cause), "{}", run.stderr);
    run.assert_stderr_contains(
        "fix: upload rsa2048-aes.cer under Subscriptions → Management certificates",
    );
    // Never retried: a 403 is a verdict.
    assert_eq!(standin.requests().len(), 1);
}

#[test]
fn disabled_subscription() {
    let standin = StandIn::start(
        Config::new().subscription(
            Subscription::new(SUB, "Old")
                .management_certificate(mgmt_cert())
                .state(SubscriptionState::Disabled),
        ),
    )
    .unwrap();
    let pem = fixture("rsa2048-bundle.pem");
    let run = test_asm(
        &standin,
        &["--cert", s(&pem), "--subscription", SUB, "--output", "json"],
        &[],
    );
    run.assert_code(5);
    let row = &run.json()["subscriptions"][0];
    assert_eq!(row["verdict"], "rejected");
    assert_eq!(row["error"]["code"], "SubscriptionDisabled");
    assert_eq!(row["diagnosis"]["cause"], "the subscription is disabled");
    run.assert_stderr_contains("cause: the subscription is disabled");
}

#[test]
fn twenty_subscriptions_with_mixed_outcomes() {
    // 1-14 registered, 15-17 unknown to the certificate, 18-19 disabled, 20 failing (500).
    let mut config = Config::new();
    for n in 1..=20 {
        let mut sub = Subscription::new(sub_id(n), format!("Sub {n}"));
        if !(15..=17).contains(&n) {
            sub = sub.management_certificate(mgmt_cert());
        }
        if n == 18 || n == 19 {
            sub = sub.state(SubscriptionState::Disabled);
        }
        if n <= 3 {
            sub = sub.hosted_service(HostedService::new(format!("svc{n}"), "West US"));
        }
        config = config.subscription(sub);
    }
    let standin = StandIn::start(config).unwrap();
    standin.set_fault(
        &format!("/{}", sub_id(20)),
        Fault::Status(500),
        Times::Always,
    );
    let ids: Vec<String> = (1..=20).map(sub_id).collect();
    let list = ids.join(",");
    let pem = fixture("rsa2048-bundle.pem");
    let run = test_asm(
        &standin,
        &[
            "--cert",
            s(&pem),
            "--subscription",
            &list,
            "--output",
            "json",
            "--concurrency",
            "8",
        ],
        &[],
    );
    run.assert_code(5);
    let json = run.json();
    let rows = json["subscriptions"].as_array().unwrap();
    assert_eq!(rows.len(), 20);
    for (i, row) in rows.iter().enumerate() {
        let n = i + 1;
        assert_eq!(
            row["subscription_id"],
            sub_id(n),
            "rows keep the order given"
        );
        let want = match n {
            15..=19 => "rejected",
            20 => "error",
            _ => "ok",
        };
        assert_eq!(row["verdict"], want, "subscription {n}: {row}");
    }
    assert_eq!(rows[0]["hosted_services"][0]["name"], "svc1");
    assert_eq!(rows[14]["error"]["code"], "ForbiddenError");
    assert_eq!(rows[17]["error"]["code"], "SubscriptionDisabled");
    assert_eq!(rows[19]["http_status"], 500);
    assert_eq!(rows[19]["error"]["code"], "InternalError");
    let summary = &json["summary"];
    assert_eq!(
        (&summary["ok"], &summary["rejected"], &summary["error"]),
        (&14.into(), &5.into(), &1.into())
    );
    run.assert_stderr_contains("20 subscriptions: 14 ok, 5 rejected, 1 error");
    // Without the rejections, the failure alone exits 7.
    let run = test_asm(
        &standin,
        &[
            "--cert",
            s(&pem),
            "--subscription",
            &format!("{},{}", sub_id(1), sub_id(20)),
        ],
        &[],
    );
    run.assert_code(7);
}

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
    run.assert_code(0);
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
    // Redirect to another host name of the same server: proves Location is followed.
    let other = format!("https://localhost:{}", standin.port());
    standin.set_fault(
        &format!("/{SUB}/services/hostedservices"),
        Fault::TemporaryRedirect { base_url: other },
        Times::Once,
    );
    let pem = fixture("rsa2048-bundle.pem");
    let run = test_asm(
        &standin,
        &["--cert", s(&pem), "--subscription", SUB, "--output", "json"],
        &[],
    );
    run.assert_code(0);
    assert_eq!(run.json()["subscriptions"][0]["hosted_service_count"], 2);
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
        Some(format!("localhost:{}", standin.port()).as_str())
    );
    assert_eq!(
        lists[1].client_thumbprint.as_deref(),
        Some(thumbprint().as_str())
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
    run.assert_code(0);
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
    run.assert_code(7);
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
    run.assert_code(7);
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
    run.assert_code(7);
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
    run.assert_code(7);
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
    run.assert_code(7);
    assert_eq!(run.json()["subscriptions"][0]["failure"]["kind"], "connect");
    run.assert_stderr_contains("could not connect");
}

#[test]
fn every_pfx_protection_and_pem() {
    let standin = standin();
    let dir = tempfile::tempdir().unwrap();
    // A 3DES-only (compat) PFX made by openssl, next to the fixtures (AES, legacy RC2, none).
    let compat = dir.path().join("compat.pfx");
    openssl(&[
        "pkcs12",
        "-export",
        "-inkey",
        s(&fixture("rsa2048.key")),
        "-in",
        s(&fixture("rsa2048.crt")),
        "-keypbe",
        "PBE-SHA1-3DES",
        "-certpbe",
        "PBE-SHA1-3DES",
        "-macalg",
        "sha1",
        "-passout",
        &format!("pass:{FIXTURE_PASS}"),
        "-out",
        s(&compat),
    ]);
    for input in [
        fixture("rsa2048-aes.pfx"),
        fixture("rsa2048-legacy.pfx"),
        fixture("rsa2048-nopass.pfx"),
        compat,
        fixture("rsa2048-bundle.pem"),
    ] {
        let run = test_asm(&standin, &pfx_args(s(&input), SUB), &[PW]);
        run.assert_code(0);
        assert!(run.stdout_text().contains(&thumbprint()), "{input:?}");
    }
    let aes = fixture("rsa2048-aes.pfx");
    let wrong = test_asm(&standin, &pfx_args(s(&aes), SUB), &[("PW", "nope")]);
    wrong.assert_code(4);
    let none = test_asm(&standin, &["--cert", s(&aes), "--subscription", SUB], &[]);
    none.assert_code(4);
    // Unusable inputs are refused before any request.
    let before = standin.requests().len();
    for (input, code) in [
        ("rsa2048.crt", 3),
        ("mismatched-bundle.pem", 3),
        ("garbage.txt", 3),
    ] {
        let run = test_asm(
            &standin,
            &["--cert", s(&fixture(input)), "--subscription", SUB],
            &[],
        );
        run.assert_code(code);
    }
    let bad_id = test_asm(
        &standin,
        &["--cert", s(&aes), "--subscription", "sub-1"],
        &[PW],
    );
    bad_id.assert_code(2);
    assert_eq!(standin.requests().len(), before);
}

#[test]
fn environment_fallbacks() {
    let standin = standin();
    let pfx = fixture("rsa2048-aes.pfx");
    let run = test_asm(
        &standin,
        &[],
        &[
            ("AZURE_SUBSCRIPTION_ID", SUB),
            ("AZURE_MANAGEMENT_CERTFILE", s(&pfx)),
            ("AZURE_CLIENT_CERTIFICATE_PASSWORD", FIXTURE_PASS),
        ],
    );
    run.assert_code(0);
    run.assert_stderr_contains("AZURE_SUBSCRIPTION_ID");
    run.assert_stderr_contains("AZURE_MANAGEMENT_CERTFILE");
    run.assert_stderr_contains("AZURE_CLIENT_CERTIFICATE_PASSWORD");
    assert!(!run.stderr.contains(FIXTURE_PASS));
    let run = test_asm(
        &standin,
        &[],
        &[
            ("AZURE_MANAGEMENT_SUBSCRIPTIONID", SUB),
            (
                "AZURE_CLIENT_CERTIFICATE_PATH",
                s(&fixture("rsa2048-bundle.pem")),
            ),
        ],
    );
    run.assert_code(0);
    let run = test_asm(&standin, &[], &[]);
    run.assert_code(2);
    run.assert_stderr_contains("no subscription");
}

#[test]
fn expired_and_weak_certificates_warn_but_are_tested() {
    let dir = tempfile::tempdir().unwrap();
    let weak = dir.path().join("weak.pem");
    let mut pem = std::fs::read(fixture("rsa1024.key")).unwrap();
    pem.extend(std::fs::read(fixture("rsa1024.crt")).unwrap());
    std::fs::write(&weak, pem).unwrap();
    let standin = standin();
    // OpenSSL will not present a 1024-bit key: a clear input error, before any request.
    let run = test_asm(&standin, &["--cert", s(&weak), "--subscription", SUB], &[]);
    run.assert_code(3);
    run.assert_stderr_contains("warning: the RSA key has 1024 bits");
    run.assert_stderr_contains("cannot be used as a TLS client certificate");
    assert!(standin.requests().is_empty());
    let pem = fixture("rsa2048-bundle.pem");
    let run = test_asm(
        &standin,
        &["--cert", s(&pem), "--subscription", SUB, "--output", "json"],
        &[("CERTTOOL_FAKE_NOW", "2099-01-01T00:00:00Z")],
    );
    run.assert_code(0);
    run.assert_stderr_contains("warning: the certificate expired on");
    run.assert_stderr_contains("ASM has been seen to accept expired management certificates");
    assert!(
        run.json()["certificates"][0]["days_to_expiry"]
            .as_i64()
            .unwrap()
            < 0
    );
}

#[test]
fn retired_public_endpoint_gets_the_note_with_the_result() {
    let pem = fixture("rsa2048-bundle.pem");
    let run = certtool(&[
        "test",
        "asm",
        "--cloud",
        "AzureCloud",
        "--timeout",
        "3",
        "--retries",
        "0",
        "--cert",
        s(&pem),
        "--subscription",
        SUB,
    ]);
    // Offline this is unreachable (7); with a network the retired endpoint answers (5 or 7).
    assert!(
        run.code == 7 || run.code == 5,
        "{} {}",
        run.code,
        run.stderr
    );
    let out = run.stdout_text();
    assert!(
        out.contains("note: https://management.core.windows.net/"),
        "{out}"
    );
    assert!(
        out.contains("retired on 2024-08-31") && out.contains("certtool test arm"),
        "{out}"
    );
    assert!(out.contains(SUB), "the result is still reported: {out}");
}

/// The fixture publishsettings with every management URL pointed at the stand-in.
fn publishsettings_at(standin: &StandIn, name: &str, dir: &Path) -> std::path::PathBuf {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../fixtures/publishsettings")
            .join(name),
    )
    .unwrap();
    let text = text
        .replace("https://management.core.windows.net", standin.url())
        .replace(
            "https://management.core.usgovcloudapi.net",
            &format!("https://localhost:{}", standin.port()),
        );
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn ps_cert(name: &str) -> Certificate {
    Certificate::from_file(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../fixtures/publishsettings")
            .join(name),
    )
    .unwrap()
}

#[test]
fn publishsettings_schema_2_tests_each_subscription_with_its_own_certificate() {
    let a = ps_cert("ps-a.cer");
    let b = ps_cert("ps-b.cer");
    let standin = StandIn::start(
        Config::new()
            .subscription(
                Subscription::new("20000000-0000-0000-0000-000000000001", "Three")
                    .management_certificate(a.clone()),
            )
            .subscription(
                Subscription::new("20000000-0000-0000-0000-000000000002", "Four")
                    .management_certificate(b.clone()),
            )
            // Five knows only B, but the file pairs it with A.
            .subscription(
                Subscription::new("20000000-0000-0000-0000-000000000003", "Five")
                    .management_certificate(b.clone()),
            ),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = publishsettings_at(&standin, "schema-2.0.publishsettings", dir.path());
    let run = certtool(&[
        "test",
        "asm",
        "--publishsettings",
        s(&file),
        "--ca-file",
        s(standin.ca_pem_path()),
        "--timeout",
        "10",
        "--output",
        "json",
    ]);
    run.assert_code(5);
    let json = run.json();
    let rows = json["subscriptions"].as_array().unwrap();
    let verdict = |id: &str| {
        rows.iter()
            .find(|r| r["subscription_id"] == id)
            .map(|r| {
                (
                    r["verdict"].clone(),
                    r["thumbprint"].clone(),
                    r["endpoint"].clone(),
                )
            })
            .unwrap()
    };
    let (v, t, _) = verdict("20000000-0000-0000-0000-000000000001");
    assert_eq!(
        (v.as_str(), t.as_str()),
        (Some("ok"), Some(a.sha1_thumbprint().as_str()))
    );
    let (v, t, _) = verdict("20000000-0000-0000-0000-000000000002");
    assert_eq!(
        (v.as_str(), t.as_str()),
        (Some("ok"), Some(b.sha1_thumbprint().as_str()))
    );
    let (v, _, e) = verdict("20000000-0000-0000-0000-000000000003");
    assert_eq!(v, "rejected");
    assert_eq!(
        e,
        format!("https://localhost:{}/", standin.port()),
        "the subscription's own URL"
    );
    assert_eq!(json["certificates"].as_array().unwrap().len(), 2);
    // --subscription picks from the file.
    let run = certtool(&[
        "test",
        "asm",
        "--publishsettings",
        s(&file),
        "--ca-file",
        s(standin.ca_pem_path()),
        "--timeout",
        "10",
        "--subscription",
        "20000000-0000-0000-0000-000000000002",
    ]);
    run.assert_code(0);
    assert!(!run
        .stdout_text()
        .contains("20000000-0000-0000-0000-000000000001"));
    let run = certtool(&[
        "test",
        "asm",
        "--publishsettings",
        s(&file),
        "--subscription",
        SUB,
    ]);
    run.assert_code(2);
}

#[test]
fn publishsettings_schema_1_with_endpoint_override() {
    let standin = StandIn::start(
        Config::new()
            .subscription(
                Subscription::new("10000000-0000-0000-0000-000000000001", "One")
                    .management_certificate(ps_cert("ps-a.cer")),
            )
            .subscription(
                Subscription::new("10000000-0000-0000-0000-000000000002", "Two")
                    .management_certificate(ps_cert("ps-a.cer")),
            ),
    )
    .unwrap();
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/publishsettings/schema-1.0.publishsettings");
    let run = test_asm(
        &standin,
        &["--publishsettings", s(&file), "--output", "json"],
        &[],
    );
    run.assert_code(0);
    let json = run.json();
    assert_eq!(json["summary"]["ok"], 2);
    assert_eq!(json["subscriptions"][1]["subscription_name"], "Two");
    assert!(
        json["notes"].as_array().unwrap().is_empty(),
        "the override replaced the public URL"
    );
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
    trusted.assert_code(0);
    let untrusted = certtool_with(
        &args,
        &[
            ("SSL_CERT_FILE", "/dev/null"),
            ("SSL_CERT_DIR", s(empty.path())),
        ],
        None,
    );
    untrusted.assert_code(7);
    untrusted.assert_stderr_contains("is not trusted");
}
