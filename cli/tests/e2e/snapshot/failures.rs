//! The `error:` / `cause:` / `fix:` blocks of the main failures outside `test arm` and
//! `rotate arm`: missing, malformed and refused input, usage errors, and ASM refusing a
//! management certificate.

use certtool_standin::{Config, Subscription};

use super::*;

#[test]
fn missing_file() {
    snap!(
        "missing_file",
        in_tmp(&["inspect", "{tmp}/missing.pfx"], &[], EXIT_INPUT)
    );
}

#[test]
fn malformed_pfx() {
    let truncated = fixture("truncated.pfx");
    let args = ["strip-pfx", s(&truncated), "--out", "{tmp}/out.pfx"];
    snap!("malformed_pfx", in_tmp(&args, &[], EXIT_INPUT));
}

#[test]
fn overwrite_without_force() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out.pfx");
    std::fs::write(&out, b"already here").unwrap();
    let run = run_at_now(
        &[
            "strip-pfx",
            s(&fixture("rsa2048-nopass.pfx")),
            "--out",
            s(&out),
        ],
        &[],
    );
    run.assert_code(EXIT_USAGE);
    let normaliser = Normaliser::new().tmp(tmp.path());
    snap!("overwrite_without_force", transcript(&run, &normaliser));
    assert_eq!(std::fs::read(&out).unwrap(), b"already here");
}

#[test]
fn usage() {
    let unknown = ["inspect", "--no-such-flag"];
    snap!("usage_unknown_flag", in_tmp(&unknown, &[], EXIT_USAGE));
    let weak = [
        "generate",
        "--name",
        "weak",
        "--out-dir",
        "{tmp}",
        "--key-size",
        "1024",
        "--no-password",
    ];
    snap!("usage_weak_key", in_tmp(&weak, &[], EXIT_USAGE));
    let crt = fixture("rsa2048.crt");
    let o_json = ["export", s(&crt), "--format", "pem", "-o", "json"];
    snap!("usage_o_json", in_tmp(&o_json, &[], EXIT_USAGE));
}

#[test]
fn unregistered_asm_certificate_403() {
    let standin = StandIn::start(
        Config::new().subscription(Subscription::new(SUB, "Production")), // no certificate
    )
    .unwrap();
    at_snapshot_now(&standin);
    let pfx = fixture("rsa2048-aes.pfx");
    let run = asm::test_asm(&standin, &asm::pfx_args(s(&pfx), SUB), &at_now(&[asm::PW]));
    snap!(
        "unregistered_asm_certificate_403",
        standin_transcript(&standin, &run, EXIT_REJECTED)
    );
}
