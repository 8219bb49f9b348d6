//! End-to-end tests of `certtool test asm` against the Azure stand-in: verdicts,
//! diagnoses, inputs (every PFX protection, PEM, environment, publishsettings). The real
//! binary, real TLS with the management certificate as client certificate.

use crate::support::asm::*;
use crate::support::*;
use certtool_standin::{
    Config, Fault, HostedService, StandIn, Subscription, SubscriptionState, Times,
};

#[test]
fn registered_certificate_is_ok_and_lists_services() {
    let standin = standin();
    let pfx = fixture("rsa2048-aes.pfx");
    let mut args = pfx_args(s(&pfx), SUB);
    args.extend(["--output", "json"]);
    let run = test_asm(&standin, &args, &[PW]);
    run.assert_code(EXIT_OK);
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
    text.assert_code(EXIT_OK);
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
    run.assert_code(EXIT_REJECTED);
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
    run.assert_code(EXIT_REJECTED);
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
    run.assert_code(EXIT_REJECTED);
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
    run.assert_code(EXIT_NETWORK);
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
        run.assert_code(EXIT_OK);
        assert!(run.stdout_text().contains(&thumbprint()), "{input:?}");
    }
    let aes = fixture("rsa2048-aes.pfx");
    let wrong = test_asm(&standin, &pfx_args(s(&aes), SUB), &[("PW", "nope")]);
    wrong.assert_code(EXIT_PASSWORD);
    let none = test_asm(&standin, &["--cert", s(&aes), "--subscription", SUB], &[]);
    none.assert_code(EXIT_PASSWORD);
    // Unusable inputs are refused before any request.
    let before = standin.requests().len();
    for (input, code) in [
        ("rsa2048.crt", EXIT_INPUT),
        ("mismatched-bundle.pem", EXIT_INPUT),
        ("garbage.txt", EXIT_INPUT),
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
    bad_id.assert_code(EXIT_USAGE);
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
    run.assert_code(EXIT_OK);
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
    run.assert_code(EXIT_OK);
    let run = test_asm(&standin, &[], &[]);
    run.assert_code(EXIT_USAGE);
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
    run.assert_code(EXIT_INPUT);
    run.assert_stderr_contains("warning: the RSA key has 1024 bits");
    run.assert_stderr_contains("cannot be used as a TLS client certificate");
    assert!(standin.requests().is_empty());
    let pem = fixture("rsa2048-bundle.pem");
    let run = test_asm(
        &standin,
        &["--cert", s(&pem), "--subscription", SUB, "--output", "json"],
        &[fake_now("2099-01-01T00:00:00Z")],
    );
    run.assert_code(EXIT_OK);
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
        run.code == EXIT_NETWORK || run.code == EXIT_REJECTED,
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

#[test]
fn fail_within_days_gates_on_the_management_certificate() {
    let standin = standin();
    let pfx = fixture("rsa2048-aes.pfx");
    // The fixture certificate ends in 2036: inside a 100-year window, outside a 0-day one.
    let mut gated = pfx_args(s(&pfx), SUB);
    gated.extend(["--fail-within-days", "36500"]);
    let run = test_asm(&standin, &gated, &[PW]);
    run.assert_code(EXIT_EXPIRY);
    run.assert_stderr_contains(&format!("the management certificate {}", thumbprint()));
    run.assert_stderr_contains("days left), within the 36500-day limit");
    assert!(
        run.stdout_text().contains("Production"),
        "the subscription is still tested and reported: {}",
        run.stdout_text()
    );
    let mut open = pfx_args(s(&pfx), SUB);
    open.extend(["--fail-within-days", "0"]);
    test_asm(&standin, &open, &[PW]).assert_code(EXIT_OK);
}
