//! What `audit` prints when it does not end clean, each a whole transcript with its
//! `cause:` and `fix:`: a refused sign-in (5), no permission to list applications (6), a
//! listing throttled past the budget (9), a listing refused after the applications (9),
//! and the gate (8). The success paths are in `reports`.

use certtool_standin::{Collection, PageFault, Times};

use super::*;
use crate::support::audit::{
    assert_no_secret, audit, audit_with, auditor, rules_directory, start, start_with, NOW,
};

/// The transcript of `run`, which must exit with `code` and show no secret.
fn case(standin: &StandIn, run: &Run, code: i32) -> String {
    run.assert_code(code);
    assert_no_secret(&format!("{}{}", run.stdout_text(), run.stderr));
    transcript(run, &Normaliser::new().standin(standin))
}

#[test]
fn audit_failures() {
    let standin = start(rules_directory());
    let refused = audit_with(
        &standin,
        &[],
        &[("AZURE_CLIENT_SECRET", "not-the-secret"), fake_now(NOW)],
    );
    snap!(
        "audit_sign_in_refused",
        case(&standin, &refused, EXIT_REJECTED)
    );
    let gate = audit(&standin, &["--fail-within-days", "30"]);
    snap!("audit_gate", case(&standin, &gate, EXIT_EXPIRY));

    let unprivileged = start_with(auditor(""), rules_directory());
    let denied = audit(&unprivileged, &[]);
    snap!(
        "audit_may_not_list_applications",
        case(&unprivileged, &denied, EXIT_PERMISSION)
    );

    for (name, fault) in [
        (
            "audit_throttled_past_the_budget",
            PageFault::TooManyRequests {
                retry_after_secs: 1,
            },
        ),
        ("audit_service_principals_refused", PageFault::Status(403)),
    ] {
        let directory =
            rules_directory().fault_page(Collection::ServicePrincipals, 0, fault, Times::Always);
        let standin = start(directory);
        let run = audit(
            &standin,
            &["--fail-within-days", "30", "--throttle-budget", "1"],
        );
        snap!(name, case(&standin, &run, EXIT_INCOMPLETE));
    }
}
