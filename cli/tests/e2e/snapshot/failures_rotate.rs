//! One snapshot per `cause:`/`fix:` branch of `rotate arm`: the current certificate's
//! sign-in (refused, service, network), each Graph refusal and failure at the step it
//! happens, a key `--remove-old` cannot find, files that cannot be staged, and a new key
//! that does not sign in within `--wait`. Each shows the state the app is left in.

use std::time::Duration;

use certtool_standin::{App, Fault, Times};

use super::reports::{rotate_at_now, rotate_standin, ROTATE_OBJECT_ID};
use super::*;

/// `rotate arm` (see `rotate_at_now`) with `extra`: it must exit with `code`; snapshotted
/// as `name`.
fn case(name: &str, standin: &StandIn, extra: &[&str], code: i32) {
    let tmp = tempfile::tempdir().unwrap();
    let run = rotate_at_now(standin, tmp.path(), extra);
    run.assert_code(code);
    let n = Normaliser::new().standin(standin).tmp(tmp.path());
    snap!(name, transcript(&run, &n));
}

/// Another app in the tenant: its object id is one `--app-object-id` can name by mistake.
const OTHER_CLIENT: &str = "55555555-5555-4555-8555-555555555555";
const OTHER_OBJECT_ID: &str = "66666666-6666-4666-8666-666666666666";

fn with_other_app(standin: &StandIn) {
    standin.update_config(|c| {
        c.tenants[0]
            .apps
            .push(App::new(OTHER_CLIENT).object_id(OTHER_OBJECT_ID))
    });
}

#[test]
fn sign_in_failures() {
    let standin = rotate_standin(Duration::ZERO);
    standin.update_config(|c| c.tenants[0].apps[0].certificates.clear());
    case("sign_in_refused_aadsts700027", &standin, &[], EXIT_REJECTED);

    let standin = rotate_standin(Duration::ZERO);
    standin.set_fault("/*/oauth2", Fault::Status(503), Times::Always);
    case("sign_in_503_unavailable", &standin, &[], EXIT_NETWORK);

    let standin = rotate_standin(Duration::ZERO);
    standin.serve_untrusted_certificate(Times::Always);
    case("sign_in_untrusted_certificate", &standin, &[], EXIT_NETWORK);
}

#[test]
fn graph_failures_before_any_change() {
    let standin = rotate_standin(Duration::ZERO);
    standin.update_config(|c| c.tenants[0].apps[0].graph_permissions.clear());
    case(
        "resolve_app_permission_denied",
        &standin,
        &[],
        EXIT_PERMISSION,
    );

    let unknown = "77777777-7777-4777-8777-777777777777";
    let standin = rotate_standin(Duration::ZERO);
    case(
        "add_key_app_not_found",
        &standin,
        &["--app-object-id", unknown],
        EXIT_PERMISSION,
    );

    let standin = rotate_standin(Duration::ZERO);
    with_other_app(&standin);
    standin.update_config(|c| c.tenants[0].apps[0].graph_permissions.clear());
    let args = ["--app-object-id", OTHER_OBJECT_ID];
    case("add_key_proof_refused", &standin, &args, EXIT_REJECTED);

    let standin = rotate_standin(Duration::ZERO);
    with_other_app(&standin);
    let args = ["--app-object-id", OTHER_OBJECT_ID, "--remove-old"];
    case("remove_old_key_unknown", &standin, &args, EXIT_PERMISSION);

    let standin = rotate_standin(Duration::ZERO);
    let path = format!("/v1.0/applications/{ROTATE_OBJECT_ID}/addKey");
    standin.set_fault(&path, Fault::Status(503), Times::Always);
    case("add_key_503_unavailable", &standin, &[], EXIT_NETWORK);
}

#[test]
fn failures_after_the_new_key_is_registered() {
    let standin = rotate_standin(Duration::ZERO);
    standin.set_fault("/v1.0/applications/*/removeKey", Fault::Drop, Times::Always);
    case(
        "remove_key_connection_closed",
        &standin,
        &["--remove-old"],
        EXIT_NETWORK,
    );

    // The new key never replicates within --wait 0: the report and the error show each
    // step, the state the app is left in, and the commands that finish or undo.
    let standin = rotate_standin(Duration::from_secs(600));
    let args = ["--remove-old", "--wait", "0"];
    case(
        "new_key_not_signed_in_within_wait",
        &standin,
        &args,
        EXIT_NETWORK,
    );
}

#[test]
fn files_that_cannot_be_staged() {
    let standin = rotate_standin(Duration::ZERO);
    let tmp = tempfile::tempdir().unwrap();
    // A directory where the staged PFX goes: the write fails even for root.
    std::fs::create_dir_all(tmp.path().join("out/deploy-20270101.staged.pfx")).unwrap();
    let run = rotate_at_now(&standin, tmp.path(), &[]);
    run.assert_code(EXIT_OTHER);
    let n = Normaliser::new().standin(&standin).tmp(tmp.path());
    snap!("stage_files_not_written", transcript(&run, &n));
}
