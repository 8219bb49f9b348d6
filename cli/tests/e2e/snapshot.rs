//! Snapshots of what users read, so that a change to any of it shows in review: every
//! `--help`, the `error:` / `cause:` / `fix:` blocks of the main failures, and the text
//! reports of `inspect`, `test asm`, `test arm` and `strip-pfx`. Fixture certificates and
//! the test clock (`CERTTOOL_FAKE_NOW`, with the stand-in's clock moved to match) make
//! them deterministic; `support::snapshot` replaces what still differs per run.
//!
//! A snapshot that changes on purpose is accepted with
//! `INSTA_UPDATE=always cargo test -p certtool --test e2e snapshot::` and reviewed in the diff.

use certtool_standin::{App, ClientSecret, Config, RoleAssignment, StandIn, Subscription};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::support::snapshot::{Normaliser, SNAPSHOT_NOW};
use crate::support::*;

/// Every command path, `--help` appended.
const HELP: &[&[&str]] = &[
    &[],
    &["generate"],
    &["export"],
    &["inspect"],
    &["strip-pfx"],
    &["test"],
    &["test", "asm"],
    &["test", "arm"],
    &["import"],
    &["import", "publishsettings"],
];

/// `env` with the clock at the snapshot instant and a fixed help width.
fn at_now<'a>(env: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut all = vec![("CERTTOOL_FAKE_NOW", SNAPSHOT_NOW), ("COLUMNS", "100")];
    all.extend_from_slice(env);
    all
}

/// certtool at the snapshot instant, `env` added.
fn run_at_now(args: &[&str], env: &[(&str, &str)]) -> Run {
    certtool_with(args, &at_now(env), None)
}

/// The exit code, stdout and stderr as one text, normalised.
fn transcript(run: &Run, normaliser: &Normaliser) -> String {
    normaliser.apply(&format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        run.code,
        run.stdout_text(),
        run.stderr
    ))
}

/// The stand-in's clock moved to the snapshot instant, so that assertions made at
/// `CERTTOOL_FAKE_NOW` are inside its time window.
fn at_snapshot_now(standin: &StandIn) {
    let now = OffsetDateTime::parse(SNAPSHOT_NOW, &Rfc3339).unwrap();
    standin.set_clock_offset((now - OffsetDateTime::now_utc()).whole_seconds());
}

#[test]
fn help_of_every_command() {
    for command in HELP {
        let mut args = command.to_vec();
        args.push("--help");
        let run = run_at_now(&args, &[]);
        run.assert_code(EXIT_OK);
        let name = if command.is_empty() {
            "help".to_owned()
        } else {
            format!("help_{}", command.join("_").replace('-', "_"))
        };
        insta::assert_snapshot!(name, run.stdout_text());
    }
}

/// Runs `args` in a fresh temporary directory (`[TMP]` in the snapshot), with `env`.
fn failure_in_tmp(name: &str, args: &[&str], env: &[(&str, &str)], code: i32) {
    let tmp = tempfile::tempdir().unwrap();
    let args: Vec<String> = args
        .iter()
        .map(|a| a.replace("{tmp}", s(tmp.path())))
        .collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = run_at_now(&args, env);
    run.assert_code(code);
    let normaliser = Normaliser::new().tmp(tmp.path());
    insta::assert_snapshot!(name, transcript(&run, &normaliser));
}

#[test]
fn failure_wrong_password() {
    failure_in_tmp(
        "failure_wrong_password",
        &[
            "export",
            s(&fixture("rsa2048-aes.pfx")),
            "--format",
            "thumbprint",
            "--password-env",
            "PW",
        ],
        &[("PW", "not-the-password")],
        EXIT_PASSWORD,
    );
}

#[test]
fn failure_missing_file() {
    failure_in_tmp(
        "failure_missing_file",
        &["inspect", "{tmp}/missing.pfx"],
        &[],
        EXIT_INPUT,
    );
}

#[test]
fn failure_malformed_pfx() {
    failure_in_tmp(
        "failure_malformed_pfx",
        &[
            "strip-pfx",
            s(&fixture("truncated.pfx")),
            "--out",
            "{tmp}/out.pfx",
        ],
        &[],
        EXIT_INPUT,
    );
}

#[test]
fn failure_overwrite_without_force() {
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
    insta::assert_snapshot!(
        "failure_overwrite_without_force",
        transcript(&run, &normaliser)
    );
    assert_eq!(std::fs::read(&out).unwrap(), b"already here");
}

#[test]
fn failure_usage() {
    failure_in_tmp(
        "failure_usage_unknown_flag",
        &["inspect", "--no-such-flag"],
        &[],
        EXIT_USAGE,
    );
    failure_in_tmp(
        "failure_usage_weak_key",
        &[
            "generate",
            "--name",
            "weak",
            "--out-dir",
            "{tmp}",
            "--key-size",
            "1024",
            "--no-password",
        ],
        &[],
        EXIT_USAGE,
    );
}

#[test]
fn failure_unregistered_asm_certificate_403() {
    let standin = StandIn::start(
        Config::new().subscription(Subscription::new(SUB, "Production")), // no certificate
    )
    .unwrap();
    at_snapshot_now(&standin);
    let pfx = fixture("rsa2048-aes.pfx");
    let run = asm_at_now(&standin, &asm::pfx_args(s(&pfx), SUB));
    run.assert_code(EXIT_REJECTED);
    insta::assert_snapshot!(
        "failure_unregistered_asm_certificate_403",
        transcript(&run, &standin_normaliser(&standin))
    );
}

#[test]
fn failure_aadsts700027() {
    let standin = arm::start(App::new(arm::CLIENT).certificate(arm::registered("chain-leaf.crt")));
    at_snapshot_now(&standin);
    let run = arm_at_now(
        &standin,
        &arm::with_ids(&["--cert", s(&fixture("rsa2048-bundle.pem"))]),
        &[],
    );
    run.assert_code(EXIT_REJECTED);
    insta::assert_snapshot!(
        "failure_aadsts700027",
        transcript(&run, &standin_normaliser(&standin))
    );
}

#[test]
fn failure_arm_403() {
    let rg_scope = format!("{}/resourceGroups/web", arm::sub_scope(SUB));
    let standin = arm::start(
        App::new(arm::CLIENT)
            .secret(ClientSecret::new(arm::SECRET, None))
            .role(RoleAssignment::reader(rg_scope)),
    );
    at_snapshot_now(&standin);
    let run = arm_at_now(
        &standin,
        &arm::with_ids(&["--secret-env", "S", "--require-role", "Reader"]),
        &[("S", arm::SECRET)],
    );
    run.assert_code(EXIT_PERMISSION);
    insta::assert_snapshot!(
        "failure_arm_403",
        transcript(&run, &standin_normaliser(&standin))
    );
}

#[test]
fn report_inspect() {
    for (name, file) in [
        ("report_inspect_pfx_chain", "chain.pfx"),
        ("report_inspect_weak_and_old", "rsa1024.crt"),
        ("report_inspect_expired", "expired.crt"),
    ] {
        let run = run_at_now(
            &["inspect", s(&fixture(file)), "--password-env", "PW"],
            &[("PW", FIXTURE_PASS)],
        );
        let normaliser = Normaliser::new();
        insta::assert_snapshot!(name, transcript(&run, &normaliser));
    }
}

#[test]
fn report_strip_pfx() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("stripped.pfx");
    let run = run_at_now(
        &[
            "strip-pfx",
            s(&fixture("chain.pfx")),
            "--out",
            s(&out),
            "--password-env",
            "PW",
        ],
        &[("PW", FIXTURE_PASS)],
    );
    run.assert_code(EXIT_OK);
    let normaliser = Normaliser::new().tmp(tmp.path());
    insta::assert_snapshot!("report_strip_pfx", transcript(&run, &normaliser));
}

#[test]
fn report_test_asm() {
    let standin = asm::standin();
    at_snapshot_now(&standin);
    let pfx = fixture("rsa2048-aes.pfx");
    let run = asm_at_now(&standin, &asm::pfx_args(s(&pfx), SUB));
    run.assert_code(EXIT_OK);
    insta::assert_snapshot!(
        "report_test_asm",
        transcript(&run, &standin_normaliser(&standin))
    );
}

#[test]
fn report_test_arm() {
    let standin = arm::start(arm::reader_app());
    at_snapshot_now(&standin);
    let run = arm_at_now(
        &standin,
        &arm::with_ids(&[
            "--cert",
            s(&fixture("rsa2048-bundle.pem")),
            "--require-role",
            "Reader",
        ]),
        &[],
    );
    run.assert_code(EXIT_OK);
    insta::assert_snapshot!(
        "report_test_arm",
        transcript(&run, &standin_normaliser(&standin))
    );
}

fn standin_normaliser(standin: &StandIn) -> Normaliser {
    Normaliser::new().standin(standin)
}

/// `test asm` at the snapshot instant, the fixture password in `PW`.
fn asm_at_now(standin: &StandIn, extra: &[&str]) -> Run {
    asm::test_asm(standin, extra, &at_now(&[asm::PW]))
}

/// `test arm` at the snapshot instant, with `env` added.
fn arm_at_now(standin: &StandIn, extra: &[&str], env: &[(&str, &str)]) -> Run {
    arm::test_arm(standin, extra, &at_now(env))
}
