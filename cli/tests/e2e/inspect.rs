//! End-to-end tests of `certtool inspect` and its expiry gate.

use crate::support::*;

fn inspect_json(name: &str) -> serde_json::Value {
    inspect_json_of(&fixture(name), FIXTURE_PASS)
}

#[test]
fn json_report_of_a_pfx() {
    let json = inspect_json("rsa2048-aes.pfx");
    assert_eq!(json["format"], "pfx");
    assert_eq!(json["has_private_key"], true);
    assert_eq!(json["leaf_index"], 0);
    let certs = json["certificates"].as_array().unwrap();
    assert_eq!(certs.len(), 1);
    let c = &certs[0];
    assert_eq!(c["subject"], "CN=Fixture Management Cert");
    assert_eq!(c["self_signed"], true);
    assert_eq!(c["key"]["algorithm"], "RSA");
    assert_eq!(c["key"]["bits"], 2048);
    assert_eq!(c["signature_algorithm"], "sha256WithRSAEncryption");
    assert_eq!(c["extended_key_usage"][0], "clientAuth");
    assert_eq!(c["private_key"]["matches"], true);
    assert!(c["days_to_expiry"].as_i64().unwrap() > 3000);
    assert_eq!(
        c["thumbprint_sha1"],
        openssl_sha1_fingerprint(&fixture("rsa2048.crt"), "pem")
    );
    assert_eq!(c["verdicts"]["asm_management_cert"]["status"], "ok");
    assert_eq!(c["verdicts"]["entra_app_credential"]["status"], "ok");
    let serial = String::from_utf8(openssl(&[
        "x509",
        "-in",
        s(&fixture("rsa2048.crt")),
        "-noout",
        "-serial",
    ]))
    .unwrap();
    assert_eq!(c["serial"], serial.trim().trim_start_matches("serial="));
}

#[test]
fn a_chain_is_a_list_with_the_leaf_marked() {
    let json = inspect_json("chain-ca-first.pem");
    let certs = json["certificates"].as_array().unwrap();
    assert_eq!(certs.len(), 3);
    assert_eq!(json["leaf_index"], 2);
    assert_eq!(certs[2]["subject"], "CN=Fixture Chain Leaf");
    assert_eq!(certs[2]["is_leaf"], true);
    assert_eq!(certs[0]["is_ca"], true);
    assert_eq!(certs[0]["is_leaf"], false);
}

#[test]
fn verdicts_for_weak_old_and_odd_certificates() {
    let weak = inspect_json("rsa1024.crt");
    assert_eq!(
        weak["certificates"][0]["verdicts"]["asm_management_cert"]["status"],
        "unfit"
    );
    assert_eq!(
        weak["certificates"][0]["verdicts"]["entra_app_credential"]["status"],
        "unfit"
    );
    let sha1 = inspect_json("sha1.crt");
    assert_eq!(
        sha1["certificates"][0]["verdicts"]["asm_management_cert"]["status"],
        "warning"
    );
    let expired = inspect_json("expired.crt");
    let v = &expired["certificates"][0]["verdicts"];
    assert_eq!(v["asm_management_cert"]["status"], "warning");
    assert_eq!(v["entra_app_credential"]["status"], "unfit");
    assert!(
        expired["certificates"][0]["days_to_expiry"]
            .as_i64()
            .unwrap()
            < -2000
    );
    let ec = inspect_json("ec.crt");
    assert_eq!(ec["certificates"][0]["key"]["algorithm"], "EC");
    assert_eq!(
        ec["certificates"][0]["verdicts"]["entra_app_credential"]["status"],
        "unfit"
    );
}

#[test]
fn text_report_names_the_essentials() {
    let run = certtool(&["inspect", s(&fixture("rsa2048.cer"))]);
    run.assert_code(EXIT_OK);
    let text = run.stdout_text();
    assert!(text.contains("DER certificate, no private key"), "{text}");
    assert!(text.contains(&openssl_sha1_fingerprint(&fixture("rsa2048.crt"), "pem")));
    assert!(text.contains("ASM management cert:   ok"), "{text}");
}

#[test]
fn expiry_gate_exits_8_within_the_window_only() {
    let crt = fixture("rsa2048.crt");
    let enddate = String::from_utf8(openssl(&[
        "x509",
        "-in",
        s(&crt),
        "-noout",
        "-enddate",
        "-dateopt",
        "iso_8601",
    ]))
    .unwrap();
    // e.g. "notAfter=2036-11-20 14:57:10Z"
    let end = enddate
        .trim()
        .trim_start_matches("notAfter=")
        .replace(' ', "T");
    let end =
        time::OffsetDateTime::parse(&end, &time::format_description::well_known::Rfc3339).unwrap();
    let now_40_days_before = end - time::Duration::days(40);
    let now = now_40_days_before
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let env = [fake_now(now.as_str())];
    certtool_with(
        &["inspect", s(&crt), "--fail-within-days", "30"],
        &env,
        None,
    )
    .assert_code(EXIT_OK);
    certtool_with(
        &["inspect", s(&crt), "--fail-within-days", "45"],
        &env,
        None,
    )
    .assert_code(EXIT_EXPIRY)
    .assert_stderr_contains("45-day limit");
    certtool(&[
        "inspect",
        s(&fixture("expired.crt")),
        "--fail-within-days",
        "0",
    ])
    .assert_code(EXIT_EXPIRY)
    .assert_stderr_contains("expired on 2020-02-01T00:00:00Z");
}

#[test]
fn usage_errors_exit_2() {
    certtool(&["inspect"]).assert_code(EXIT_USAGE);
    certtool(&["inspect", s(&fixture("rsa2048.crt")), "--output", "yaml"]).assert_code(EXIT_USAGE);
    certtool(&["frobnicate"]).assert_code(EXIT_USAGE);
    certtool_with(&["inspect", "-", "--password-stdin"], &[], Some(b"x"))
        .assert_code(EXIT_USAGE)
        .assert_stderr_contains(
            "only one input can come from stdin, but IN and --password-file/--password-stdin both ask for it",
        );
}
