//! How a sign-in that got no token ends a command: the same exit code, the same
//! headline, cause and fix, and the same lines under a failed step in a text report, for
//! every command that signs in.

use certtool_core::entra::{Explanation, FailureKind};

use std::fmt::Write;

use crate::error::{CliError, ExitKind};

/// The exit kind of a sign-in that got no token: 5 refused, 7 otherwise.
pub(crate) fn sign_in_exit(kind: FailureKind) -> ExitKind {
    match kind {
        FailureKind::Rejected => ExitKind::Rejected,
        FailureKind::Service | FailureKind::Network => ExitKind::Network,
    }
}

/// The error a sign-in that got no token ends a command with: the explanation's
/// headline, cause and fix.
pub(crate) fn sign_in_error(why: &Explanation) -> CliError {
    CliError::new(sign_in_exit(why.kind), why.headline())
        .cause(&why.cause)
        .fix(&why.fix)
}

/// The support IDs that are known, on one indented line.
pub(crate) fn ids(out: &mut String, pairs: &[(&str, &Option<String>)]) {
    let shown: Vec<String> = pairs
        .iter()
        .filter_map(|(name, v)| v.as_ref().map(|v| format!("{name}: {v}")))
        .collect();
    if !shown.is_empty() {
        let _ = writeln!(out, "         {}", shown.join(", "));
    }
}

/// The lines under a sign-in that got no token (every command that signs in shows
/// them): Entra ID's message, cause, fix, and the IDs Microsoft support asks for.
pub(crate) fn explanation(out: &mut String, e: &Explanation) {
    if !e.description.is_empty() {
        // A network failure has no answer from Entra ID, only the client's own error.
        let said = match e.kind {
            FailureKind::Network => "the request failed",
            FailureKind::Rejected | FailureKind::Service => "Entra ID said",
        };
        let _ = writeln!(out, "         {said}: {}", e.description);
    }
    let _ = writeln!(out, "         cause: {}", e.cause);
    let _ = writeln!(out, "         fix: {}", e.fix);
    ids(
        out,
        &[
            ("Trace ID", &e.trace_id),
            ("Correlation ID", &e.correlation_id),
            ("Timestamp", &e.timestamp),
        ],
    );
}
