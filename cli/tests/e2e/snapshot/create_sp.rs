//! What `create sp` prints: its success report (text and JSON) and the failures with
//! their cause and fix — a taken name, a secret with nowhere to go, missing Graph and
//! ARM permissions (with the rollback), and a wait that ran out.

use certtool_standin::{RoleAssignment, StandIn};

use super::*;
use crate::create_sp::{runner, start};
use crate::support::arm::{sub_scope, CLIENT, SECRET, TENANT};

/// `create sp` at the snapshot instant, signed in as the runner; the transcript with
/// `tmp` and the stand-in normalised. Must exit with `code` and print no secret.
fn case(standin: &StandIn, extra: &[&str], code: i32) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let url = standin.url().to_string();
    let arm = format!("{url}/");
    let extra: Vec<String> = extra
        .iter()
        .map(|a| a.replace("{tmp}", s(tmp.path())))
        .collect();
    let mut args = vec![
        "create",
        "sp",
        "--authority-host",
        &url,
        "--arm-endpoint",
        &arm,
        "--graph-endpoint",
        &url,
        "--ca-file",
        s(standin.ca_pem_path()),
        "--tenant",
        TENANT,
        "--client-id",
        CLIENT,
        "--secret-env",
        "RUNNER_SECRET",
    ];
    args.extend(extra.iter().map(String::as_str));
    let run = run_at_now(&args, &[("RUNNER_SECRET", SECRET)]);
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
    let secret = ["--credential", "secret", "--secret-out", "{tmp}/s"];
    let base = [
        "--name",
        "runner",
        "--subscription",
        SUB,
        "--role",
        "Reader",
    ];
    snap!(
        "create_sp_name_taken",
        case(&standin, &[&base[..], &secret[..]].concat(), EXIT_USAGE)
    );
    let no_destination = [
        "--name",
        "n",
        "--subscription",
        SUB,
        "--role",
        "Reader",
        "--credential",
        "secret",
    ];
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
    let secret = [
        "--name",
        "n",
        "--subscription",
        SUB,
        "--role",
        "Reader",
        "--credential",
        "secret",
        "--secret-out",
        "{tmp}/s",
    ];
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
