//! A partial view is never clean: a listing throttled past the budget, refused with 403,
//! a page that failed or was cut off each end the audit with exit 9, which wins over the
//! expiry gate's 8, and every format says the view is incomplete. A 429 that clears
//! within the budget is waited out and leaves the view complete.

use certtool_standin::{Collection, Directory, PageFault, Times};
use serde_json::Value;

use crate::support::audit::*;
use crate::support::*;

fn faulted(collection: Collection, page: usize, fault: PageFault, times: Times) -> Directory {
    rules_directory().fault_page(collection, page, fault, times)
}

fn incomplete(directory: Directory, extra: &[&str]) -> Value {
    let standin = start(directory);
    let mut args = vec![
        "--output",
        "json",
        "--fail-within-days",
        "30",
        "--throttle-budget",
        "1",
    ];
    args.extend_from_slice(extra);
    let run = audit(&standin, &args);
    run.assert_code(EXIT_INCOMPLETE);
    run.assert_stderr_contains("error: the audit is incomplete:");
    assert_no_secret(&run.stderr);
    let report = run.json();
    assert_eq!(report["complete"], false);
    assert_eq!(report["exit_code"], EXIT_INCOMPLETE);
    report
}

#[test]
fn a_429_within_the_budget_is_waited_out() {
    let directory = faulted(
        Collection::ServicePrincipals,
        0,
        PageFault::TooManyRequests {
            retry_after_secs: 1,
        },
        Times::Once,
    );
    let standin = start(directory);
    let run = audit(&standin, &["--output", "json", "--throttle-budget", "5"]);
    run.assert_code(EXIT_OK);
    let report = run.json();
    assert_eq!(report["complete"], true);
    let throttling = &report["listings"]["service_principals"]["throttling"];
    assert_eq!(throttling["throttled"], 1);
    assert_eq!(throttling["waited_ms"], 1000);
    assert_eq!(directory_credentials(&report).len(), 5);
    let low = standin
        .requests()
        .into_iter()
        .filter(|r| r.path == "/v1.0/servicePrincipals")
        .all(|r| {
            r.headers
                .iter()
                .any(|(n, v)| n == "x-ms-throttle-priority" && v == "low")
        });
    assert!(low, "a nightly audit asks for low priority");
}

#[test]
fn throttled_past_the_budget_is_exit_9_even_when_the_gate_trips() {
    let directory = faulted(
        Collection::ServicePrincipals,
        0,
        PageFault::TooManyRequests {
            retry_after_secs: 1,
        },
        Times::Always,
    );
    let report = incomplete(directory.clone(), &[]);
    let gap = &report["gaps"][0];
    assert_eq!(
        (&gap["what"], &gap["reason"]),
        (&"service principals".into(), &"throttled".into())
    );
    assert!(
        gap["cause"].as_str().unwrap().contains("Retry-After: 1 s"),
        "{gap}"
    );
    // What was read is still reported: the expired certificate is there.
    assert_eq!(report["counts"]["expired"], 1);

    let standin = start(directory);
    let junit = audit(&standin, &["--output", "junit", "--throttle-budget", "1"]);
    junit.assert_code(EXIT_INCOMPLETE);
    let text = junit.stdout_text();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let view = doc
        .root_element()
        .children()
        .find(|n| n.attribute("name") == Some("directory view"))
        .unwrap();
    assert_eq!(view.attribute("errors"), Some("1"));
    let error = view
        .descendants()
        .find(|n| n.has_tag_name("error"))
        .unwrap();
    assert_eq!(error.attribute("type"), Some("incomplete"));
    assert_eq!(
        error.parent().unwrap().attribute("name"),
        Some("service principals read in full")
    );

    let sarif = audit(&standin, &["--output", "sarif", "--throttle-budget", "1"]);
    sarif.assert_code(EXIT_INCOMPLETE);
    let invocation = &sarif.json()["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    assert_eq!(
        invocation["toolExecutionNotifications"][0]["level"],
        "error"
    );

    let text = audit(&standin, &["--throttle-budget", "1"]);
    text.assert_code(EXIT_INCOMPLETE);
    assert!(text
        .stdout_text()
        .contains("[INCOMPLETE] service principals:"));
    assert!(text.stdout_text().trim_end().ends_with("; INCOMPLETE"));
}

#[test]
fn a_refused_listing_after_the_applications_is_exit_9() {
    let report = incomplete(
        faulted(
            Collection::ServicePrincipals,
            0,
            PageFault::Status(403),
            Times::Always,
        ),
        &[],
    );
    assert_eq!(report["gaps"][0]["reason"], "denied");
    assert!(report["gaps"][0]["fix"]
        .as_str()
        .unwrap()
        .contains("Application.Read.All"));
}

#[test]
fn a_page_cut_off_or_failing_is_exit_9_and_what_came_before_is_kept() {
    let big = || Directory::generate(TENANT, 3, 1200, now());
    let cut = big().fault_page(
        Collection::Applications,
        1,
        PageFault::Truncated,
        Times::Always,
    );
    let report = incomplete(cut, &[]);
    let gap = &report["gaps"][0];
    assert_eq!(
        (&gap["what"], &gap["reason"]),
        (&"applications".into(), &"malformed".into())
    );
    assert_eq!(report["listings"]["applications"]["pages"], 1);
    assert_eq!(report["counts"]["applications"], 999);

    let failing = big().fault_page(
        Collection::Applications,
        1,
        PageFault::Status(503),
        Times::Always,
    );
    let report = incomplete(failing, &[]);
    assert_eq!(report["gaps"][0]["reason"], "service");
    // The service principals were still listed: one gap, not two.
    assert_eq!(report["gaps"].as_array().unwrap().len(), 1);
    assert!(report["counts"]["service_principals"].as_u64().unwrap() > 1000);
}
