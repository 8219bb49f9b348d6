//! Where credentials may be sent, and how much an answer or a file may cost
//! (docs/security.md "Where credentials may be sent" and "Limits"): issue 9's holes 1, 2,
//! 3, 11 and 12, each pinned by a test that failed before its fix.

use crate::support::arm::*;
use crate::support::*;

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
