//! What `create sp` prints: its success report (text and JSON) and the failures with
//! their cause and fix — a taken name, a secret with nowhere to go, missing Graph and
//! ARM permissions (with the rollback), and a wait that ran out.

use certtool_standin::{RoleAssignment, StandIn};

use super::*;
use crate::support::arm::{sub_scope, SECRET};
use crate::support::create_sp::{create_sp_args, named, runner, secret_sp, start, RUNNER_ENV};

/// `create sp` at the snapshot instant, signed in as the runner; the transcript with
/// `tmp` and the stand-in normalised. Must exit with `code` and print no secret.
fn case(standin: &StandIn, extra: &[&str], code: i32) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let mut args = create_sp_args(standin);
    args.extend(extra.iter().map(|a| a.replace("{tmp}", s(tmp.path()))));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = run_at_now(&args, &[RUNNER_ENV]);
    run.assert_code(code);
    let all = format!("{}{}", run.stdout_text(), run.stderr);
    assert!(
        !all.contains(SECRET) && !all.contains("standin."),
        "a secret was printed"
    );
    transcript(&run, &Normaliser::new().standin(standin).tmp(tmp.path()))
}

#[test]
fn report_create_sp() {
    for format in [("text", &[][..]), ("json", &["--output", "json"][..])] {
        let standin = start(runner());
        let mut args = vec![
            "--name",
            "Cloudcraft",
            "--subscription",
            SUB,
            "--for",
            "cloudcraft",
            "--secret-out",
            "{tmp}/secret",
        ];
        args.extend_from_slice(format.1);
        let text = case(&standin, &args, EXIT_OK);
        snap!(format!("create_sp_{}", format.0), text);
    }
}

#[test]
fn create_sp_refusals() {
    let standin = start(runner());
    snap!(
        "create_sp_name_taken",
        case(&standin, &secret_sp("runner", "{tmp}/s"), EXIT_USAGE)
    );
    let no_destination = [&named("n", "Reader")[..], &["--credential", "secret"]].concat();
    snap!(
        "create_sp_secret_without_destination",
        case(&standin, &no_destination, EXIT_USAGE)
    );
    let spot = [
        "--name",
        "n",
        "--subscription",
        SUB,
        "--for",
        "spot",
        "--secret-out",
        "{tmp}/s",
    ];
    snap!(
        "create_sp_spot_without_policy",
        case(&standin, &spot, EXIT_USAGE)
    );
}

#[test]
fn create_sp_permission_failures() {
    let secret = secret_sp("n", "{tmp}/s");
    let mut app = runner();
    app.graph_permissions.clear();
    snap!(
        "create_sp_graph_permission_missing",
        case(&start(app), &secret, EXIT_PERMISSION)
    );
    let mut app = runner();
    app.roles = vec![RoleAssignment::new(sub_scope(SUB), ["*/read"])];
    snap!(
        "create_sp_arm_permission_missing_rolled_back",
        case(&start(app), &secret, EXIT_PERMISSION)
    );
}
