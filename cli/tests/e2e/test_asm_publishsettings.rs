//! End-to-end tests of `certtool test asm --publishsettings`: every subscription of a
//! schema 1.0 or 2.0 file tested with its own certificate (the fixtures' legacy RC2/3DES
//! PKCS#12) and its own management URL, or the `--endpoint` override.

use std::path::Path;

use crate::support::asm::*;
use crate::support::*;
use certtool_standin::{Config, StandIn, Subscription};

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
    let run = with_file_urls(&standin, &file, &["--output", "json"]);
    run.assert_code(EXIT_REJECTED);
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
    let run = with_file_urls(
        &standin,
        &file,
        &["--subscription", "20000000-0000-0000-0000-000000000002"],
    );
    run.assert_code(EXIT_OK);
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
    run.assert_code(EXIT_USAGE);
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
    run.assert_code(EXIT_OK);
    let json = run.json();
    assert_eq!(json["summary"]["ok"], 2);
    assert_eq!(json["subscriptions"][1]["subscription_name"], "Two");
    assert!(
        json["notes"].as_array().unwrap().is_empty(),
        "the override replaced the public URL"
    );
}

/// The real Terraform sample (RC2 + 3DES, null-password MAC, expired in 2016): its
/// certificate is presented and accepted, with the expiry warning.
#[test]
fn real_terraform_sample_is_tested_with_its_certificate() {
    let Some(vectors) = vectors() else { return };
    let sample = vectors.join("asm/terraform-sample.publishsettings");
    let dir = tempfile::tempdir().unwrap();
    certtool(&[
        "import",
        "publishsettings",
        s(&sample),
        "--out-dir",
        s(dir.path()),
        "--no-password",
    ])
    .assert_code(EXIT_OK);
    let thumb = "6A7F31713273EBE91086040703CC857BB5ECC550";
    let cer =
        certtool_standin::Certificate::from_file(&dir.path().join(format!("{thumb}.cer"))).unwrap();
    let id = "a65bf94f-26b3-4fb1-9d50-6e27c6096df1";
    let standin = StandIn::start(
        Config::new()
            .subscription(Subscription::new(id, "terraform-testing").management_certificate(cer)),
    )
    .unwrap();
    let run = test_asm(
        &standin,
        &["--publishsettings", s(&sample), "--output", "json"],
        &[],
    );
    run.assert_code(EXIT_OK);
    run.assert_stderr_contains("warning: the certificate expired on 2016-06-02T14:29:11Z");
    let json = run.json();
    assert_eq!(json["subscriptions"][0]["verdict"], "ok");
    assert_eq!(json["subscriptions"][0]["thumbprint"], thumb);
    assert_eq!(
        standin.requests()[0].client_thumbprint.as_deref(),
        Some(thumb)
    );
}

/// `test asm --publishsettings FILE`, each subscription at the management URL the file
/// names (no `--endpoint`), trusting the stand-in's CA.
fn with_file_urls(standin: &StandIn, file: &Path, extra: &[&str]) -> Run {
    let mut args = vec![
        "test",
        "asm",
        "--publishsettings",
        s(file),
        "--ca-file",
        s(standin.ca_pem_path()),
        "--timeout",
        "10",
        // The stand-in is not a known cloud's ASM host.
        "--allow-publishsettings-endpoints",
    ];
    args.extend_from_slice(extra);
    certtool(&args)
}
