//! Snapshots of what users read, so that a change to any of it shows in review, one file
//! per concept: `help` (every command's `--help`, found by walking the commands the binary
//! lists), `reports` (each reporting command's main success path, as text and as
//! `--output json`, and the warnings around them), `failures_arm`, `failures_network` and
//! `failures_rotate` (one per `cause:`/`fix:` branch of `test arm` and `rotate arm`), `failures` (other
//! commands' failures) and `passwords` (every way a password source goes wrong). Each
//! snapshot is a whole transcript: exit code, stdout and stderr, normalised.
//!
//! Fixture certificates and the test clock (`CERTTOOL_FAKE_NOW`, with the stand-in's clock
//! moved to match) make them deterministic; `support::snapshot` replaces what still
//! differs per run. The `.snap` files live in `cli/tests/e2e/snapshots/`. A snapshot that
//! changes on purpose is accepted with
//! `INSTA_UPDATE=always cargo test -p certtool --features test-clock --test e2e snapshot::`
//! and reviewed in the diff.

use certtool_standin::StandIn;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::support::snapshot::{Normaliser, SNAPSHOT_NOW};
use crate::support::*;

/// `insta::assert_snapshot!(name, text)` with the snapshot kept in
/// `cli/tests/e2e/snapshots/` (not beside this folder's files), named after the module.
macro_rules! snap {
    ($name:expr, $text:expr) => {
        insta::with_settings!({ snapshot_path => "../snapshots", omit_expression => true }, {
            insta::assert_snapshot!($name, $text)
        })
    };
}

/// `test arm` against `standin` at the snapshot instant with `args` and `env`: it must
/// exit with `code` and print no secret; its transcript is snapshotted as `name` (a macro,
/// so that the snapshot is named after the calling module).
macro_rules! arm_case {
    ($name:expr, $standin:expr, $args:expr, $env:expr, $code:expr $(,)?) => {{
        let run = arm_at_now($standin, $args, $env);
        arm::assert_no_secrets(&run);
        snap!($name, standin_transcript($standin, &run, $code));
    }};
}

mod audit;
mod create_sp;
mod failures;
mod failures_arm;
mod failures_network;
mod failures_rotate;
mod help;
mod passwords;
mod reports;

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
    standin.set_clock_offset((snapshot_now() - OffsetDateTime::now_utc()).whole_seconds());
}

/// [`SNAPSHOT_NOW`] as a time.
fn snapshot_now() -> OffsetDateTime {
    OffsetDateTime::parse(SNAPSHOT_NOW, &Rfc3339).unwrap()
}

/// Runs `args` at the snapshot instant with `{tmp}` standing for a fresh temporary
/// directory (`[TMP]` in the transcript), with `env`; it must exit with `code`. Returns
/// the normalised transcript.
fn in_tmp(args: &[&str], env: &[(&str, &str)], code: i32) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let args: Vec<String> = args
        .iter()
        .map(|a| a.replace("{tmp}", s(tmp.path())))
        .collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = run_at_now(&args, env);
    run.assert_code(code);
    transcript(&run, &Normaliser::new().tmp(tmp.path()))
}

/// `test arm` against `standin` at the snapshot instant, with `env` added.
fn arm_at_now(standin: &StandIn, extra: &[&str], env: &[(&str, &str)]) -> Run {
    arm::test_arm(standin, extra, &at_now(env))
}

/// The transcript of `run` against `standin`, which must have exited with `code`.
fn standin_transcript(standin: &StandIn, run: &Run, code: i32) -> String {
    run.assert_code(code);
    transcript(run, &Normaliser::new().standin(standin))
}

/// `rotate arm` of the test app in the test tenant with `cert` as the current
/// certificate; more flags follow.
fn rotate_arm_args(cert: &str) -> Vec<&str> {
    let ids = ["--tenant", arm::TENANT, "--client-id", arm::CLIENT];
    let mut args = vec!["rotate", "arm"];
    args.extend(ids);
    args.extend(["--cert", cert]);
    args
}
