//! How a sign-in that got no token ends a command: the same exit code and the same
//! headline, cause and fix for every command that signs in.

use certtool_core::entra::{Explanation, FailureKind};

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
