//! The registration section of `test arm`: what Entra ID holds for the app (read in
//! `certtool_core::access`), rendered, and the `--fail-within-days` gate on the end of
//! the credential in use.

use std::fmt::Write;

use certtool_core::access::{CredentialEnd, Registration};

use crate::args::{Ending, ExpiryArgs};
use crate::error::CliError;

/// `--fail-within-days`: the error when the credential's first end, `end`, is within the
/// limit (the wording is the shared gate's).
pub fn expiry_gate(end: Option<&CredentialEnd>, expiry: &ExpiryArgs) -> Option<CliError> {
    let endings = end.map(|end| Ending {
        what: format!("the credential in use: {}", end.what),
        not_after: end.end.clone(),
        days_left: end.days_left,
    });
    expiry.gate(
        endings,
        None,
        "roll it before then: `certtool rotate arm`, or add a new certificate or secret and update the pipelines that use it",
    )
}

/// The registration section of the text report.
pub fn render(out: &mut String, r: &Registration) {
    if let Some(why) = &r.unavailable {
        let _ = writeln!(
            out,
            "[note] registration: not read over Graph ({}): {}",
            why.code, why.cause
        );
        let _ = writeln!(out, "         fix: {}", why.fix);
        return;
    }
    let _ = writeln!(
        out,
        "[ok]   registration: \"{}\" (object id {}): {} certificate(s), {} secret(s)",
        r.display_name.as_deref().unwrap_or("-"),
        r.object_id.as_deref().unwrap_or("-"),
        r.certificates.len(),
        r.secrets.len()
    );
    let left = |d: Option<i64>| d.map_or("-".to_string(), |d| format!("{d} days left"));
    for c in &r.certificates {
        let _ = writeln!(
            out,
            "         certificate {} {} → {} ({}){}",
            c.thumbprint_sha1.as_deref().unwrap_or(&c.key_id),
            c.start.as_deref().unwrap_or("?"),
            c.end.as_deref().unwrap_or("?"),
            left(c.days_to_expiry),
            if c.in_use { " ← this run" } else { "" }
        );
    }
    for s in &r.secrets {
        let _ = writeln!(
            out,
            "         secret {}… ends {} ({}){}",
            s.hint.as_deref().unwrap_or("?"),
            s.end.as_deref().unwrap_or("never"),
            left(s.days_to_expiry),
            if s.in_use { " ← this run" } else { "" }
        );
    }
}
