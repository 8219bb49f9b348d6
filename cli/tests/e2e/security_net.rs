//! Where credentials may be sent, and how much an answer or a file may cost
//! (docs/security.md "Where credentials may be sent" and "Limits"): issue 9's holes 1, 2,
//! 3, 11 and 12, each pinned by a test that failed before its fix.

use crate::support::arm::*;
use crate::support::*;
use certtool_standin::{Fault, Times};

/// Hole 12: after AADSTS7000215 the rejected secret was `stat`ed to see whether it named
/// a file. A value that is an existing file's name but has no path shape gets no hint
/// (the old code said "is the path of a file" for `Cargo.toml`, which exists in the
/// directory the tests run in), and one with a path's shape gets the hint without the
/// file existing.
#[test]
fn a_rejected_secret_is_judged_by_shape_never_stated() {
    let standin = start(reader_app());
    assert!(std::path::Path::new("Cargo.toml").is_file());
    let run = rejected(
        &standin,
        &with_ids(&["--secret-env", "S"]),
        &[("S", "Cargo.toml")],
        "AADSTS7000215",
    );
    assert!(
        !run.stderr.contains("path") && !run.stderr.contains("file"),
        "{}",
        run.stderr
    );
    rejected(
        &standin,
        &with_ids(&["--secret-env", "S"]),
        &[("S", "/no/such/dir/app-cert.pfx")],
        "AADSTS7000215",
    )
    .assert_stderr_contains("looks like a file path");
}

/// A body far over the 16 MiB cap, streamed without a Content-Length.
const HUGE: u64 = 64 * 1024 * 1024;

/// Hole 3: an ASM answer larger than the cap ends the read at the cap (exit 7, the limit
/// named); the old code read all of it (1 GiB drove RSS to 3.2 GB) and then called it
/// malformed XML.
#[test]
fn an_asm_body_over_the_cap_is_refused_naming_the_limit() {
    use crate::support::asm::{standin, test_asm};
    let standin = standin();
    standin.set_fault(
        &format!("/{SUB}"),
        Fault::HugeBody { bytes: HUGE },
        Times::Always,
    );
    let pem = fixture("rsa2048-bundle.pem");
    let run = test_asm(&standin, &["--cert", s(&pem), "--subscription", SUB], &[]);
    run.assert_code(EXIT_NETWORK)
        .assert_stderr_contains("limit of 16 MiB for a response body");
    let run = test_asm(
        &standin,
        &["--cert", s(&pem), "--subscription", SUB, "--output", "json"],
        &[],
    );
    run.assert_code(EXIT_NETWORK);
    let row = &run.json()["subscriptions"][0];
    assert_eq!(row["failure"]["kind"], "body_too_large");
    assert_eq!(row["diagnosis"]["code"], "ResponseTooLarge");
}

/// Hole 3, the token endpoint: same cap, same exit.
#[test]
fn a_token_body_over_the_cap_is_refused_naming_the_limit() {
    let standin = start(reader_app());
    standin.set_fault(
        "/*/oauth2/v2.0/token",
        Fault::HugeBody { bytes: HUGE },
        Times::Always,
    );
    let run = test_arm(
        &standin,
        &with_ids(&["--secret-env", "S"]),
        &[("S", SECRET)],
    );
    run.assert_code(EXIT_NETWORK)
        .assert_stderr_contains("limit of 16 MiB for a response body");
    assert_no_secrets(&run);
}

/// Hole 3, ARM: same cap, same exit.
#[test]
fn an_arm_body_over_the_cap_is_refused_naming_the_limit() {
    let standin = start(reader_app());
    standin.set_fault(
        "/subscriptions",
        Fault::HugeBody { bytes: HUGE },
        Times::Always,
    );
    let run = test_arm(
        &standin,
        &with_ids(&["--secret-env", "S"]),
        &[("S", SECRET)],
    );
    run.assert_code(EXIT_NETWORK)
        .assert_stderr_contains("limit of 16 MiB for a response body");
}
