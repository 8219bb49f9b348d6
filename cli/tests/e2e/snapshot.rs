//! Snapshots of what users read, so that a change to any of it shows in review: every
//! `--help`, the `error:` / `cause:` / `fix:` blocks of the main failures, and the text
//! reports of `inspect`, `test asm`, `test arm`, `rotate arm` and `strip-pfx`. Fixture
//! certificates and the test clock (`CERTTOOL_FAKE_NOW`, with the stand-in's clock moved to match) make
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
    &["rotate"],
    &["rotate", "arm"],
];

/// `env` with the clock at the snapshot instant and a fixed help width.
fn at_now<'a>(env: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut all = vec![fake_now(SNAPSHOT_NOW), ("COLUMNS", "100")];
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

/// Runs `args` with `{tmp}` standing for a fresh temporary directory (`[TMP]` in the
/// snapshot), with `env`; it must exit with `code`.
fn snapshot_in_tmp(name: &str, args: &[&str], env: &[(&str, &str)], code: i32) {
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
    snapshot_in_tmp(
        "failure_wrong_password",
        &[
            "inspect",
            s(&fixture("rsa2048-aes.pfx")),
            "--password-env",
            "PW",
        ],
        &[("PW", "not-the-password")],
        EXIT_PASSWORD,
    );
}

#[test]
fn failure_missing_file() {
    snapshot_in_tmp(
        "failure_missing_file",
        &["inspect", "{tmp}/missing.pfx"],
        &[],
        EXIT_INPUT,
    );
}

#[test]
fn failure_malformed_pfx() {
    snapshot_in_tmp(
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
    snapshot_in_tmp(
        "failure_usage_unknown_flag",
        &["inspect", "--no-such-flag"],
        &[],
        EXIT_USAGE,
    );
    snapshot_in_tmp(
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
    asm_snapshot(
        "failure_unregistered_asm_certificate_403",
        &standin,
        EXIT_REJECTED,
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
    standin_snapshot("failure_aadsts700027", &standin, &run, EXIT_REJECTED);
}

#[test]
fn failure_federated_subject_mismatch_700213() {
    use crate::test_arm_federated::{federated_standin, issuers, write_token, EXCHANGE};
    let (github, other) = issuers();
    let standin = federated_standin(&github, &other);
    at_snapshot_now(&standin);
    let now = OffsetDateTime::parse(SNAPSHOT_NOW, &Rfc3339).unwrap();
    let token = github.token_at(
        "repo:contoso/deploy:environment:production",
        EXCHANGE,
        now.unix_timestamp(),
        600,
    );
    let dir = tempfile::tempdir().unwrap();
    let file = write_token(&dir, &token);
    let run = arm_at_now(
        &standin,
        &arm::with_ids(&["--federated-token-file", s(&file)]),
        &[],
    );
    assert!(!run.stderr.contains(&token));
    let normaliser = Normaliser::new().standin(&standin).tmp(dir.path());
    run.assert_code(EXIT_REJECTED);
    insta::assert_snapshot!("failure_federated_700213", transcript(&run, &normaliser));
}

#[test]
fn failure_usage_o_json() {
    snapshot_in_tmp(
        "failure_usage_o_json",
        &[
            "export",
            s(&fixture("rsa2048.crt")),
            "--format",
            "pem",
            "-o",
            "json",
        ],
        &[],
        EXIT_USAGE,
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
    standin_snapshot("failure_arm_403", &standin, &run, EXIT_PERMISSION);
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
    snapshot_in_tmp(
        "report_strip_pfx",
        &[
            "strip-pfx",
            s(&fixture("chain.pfx")),
            "--out",
            "{tmp}/stripped.pfx",
            "--password-env",
            "PW",
        ],
        &[("PW", FIXTURE_PASS)],
        EXIT_OK,
    );
}

#[test]
fn report_test_asm() {
    asm_snapshot("report_test_asm", &asm::standin(), EXIT_OK);
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
    standin_snapshot("report_test_arm", &standin, &run, EXIT_OK);
}

/// Snapshots `run` against `standin`; it must have exited with `code`.
fn standin_snapshot(name: &str, standin: &StandIn, run: &Run, code: i32) {
    run.assert_code(code);
    let normaliser = Normaliser::new().standin(standin);
    insta::assert_snapshot!(name, transcript(run, &normaliser));
}

/// `test asm` of the fixture certificate (`rsa2048-aes.pfx`) on SUB at the snapshot
/// instant; it must exit with `code`.
fn asm_snapshot(name: &str, standin: &StandIn, code: i32) {
    at_snapshot_now(standin);
    let pfx = fixture("rsa2048-aes.pfx");
    let run = asm::test_asm(standin, &asm::pfx_args(s(&pfx), SUB), &at_now(&[asm::PW]));
    standin_snapshot(name, standin, &run, code);
}

/// `test arm` at the snapshot instant, with `env` added.
fn arm_at_now(standin: &StandIn, extra: &[&str], env: &[(&str, &str)]) -> Run {
    arm::test_arm(standin, extra, &at_now(env))
}

#[test]
fn report_rotate_waiting_for_replication() {
    // The new key never replicates within --wait 0: the report and the error show each
    // step, the state the app is left in, and the commands that finish or undo.
    let standin = StandIn::start(
        Config::new()
            .tenant(
                certtool_standin::Tenant::new(arm::TENANT).app(
                    App::new(arm::CLIENT)
                        .object_id("44444444-4444-4444-8444-444444444444")
                        .graph_permission("Application.Read.All")
                        .certificate(arm::registered("rsa2048.cer")),
                ),
            )
            .replication_delay(std::time::Duration::from_secs(600)),
    )
    .unwrap();
    at_snapshot_now(&standin);
    let tmp = tempfile::tempdir().unwrap();
    let new_cert = tmp.path().join("next.pem");
    let mut pem = std::fs::read(fixture("chain-leaf.key")).unwrap();
    pem.extend(std::fs::read(fixture("chain-leaf.crt")).unwrap());
    std::fs::write(&new_cert, pem).unwrap();
    let out = tmp.path().join("out");
    let url = standin.url().to_owned();
    let bundle = fixture("rsa2048-bundle.pem");
    let run = certtool_with(
        &[
            "rotate",
            "arm",
            "--tenant",
            arm::TENANT,
            "--client-id",
            arm::CLIENT,
            "--cert",
            s(&bundle),
            "--new-cert",
            s(&new_cert),
            "--new-no-password",
            "--name",
            "deploy",
            "--out-dir",
            s(&out),
            "--remove-old",
            "--wait",
            "0",
            "--authority-host",
            &url,
            "--graph-endpoint",
            &url,
            "--ca-file",
            s(standin.ca_pem_path()),
        ],
        &at_now(&[]),
        None,
    );
    run.assert_code(EXIT_NETWORK);
    let normaliser = Normaliser::new().standin(&standin).tmp(tmp.path());
    insta::assert_snapshot!(
        "report_rotate_waiting_for_replication",
        transcript(&run, &normaliser)
    );
}
