//! How `test arm` ends: the verdicts and failures recorded in the [`Report`], and the
//! error (exit code, cause, fix) each one ends the command with.

use super::report::Report;
use crate::error::{CliError, ExitKind};
use crate::signin::sign_in_error;
use certtool_core::access::Access;
use certtool_core::arm::{SubscriptionCheck, Verdict};

impl Report {
    /// Records what the check found; returns the error to end with when the sign-in
    /// got no token.
    pub fn record(&mut self, access: Access) -> Option<CliError> {
        self.token = access.token;
        self.subscriptions = access.subscriptions;
        self.registration = access.registration;
        self.verdict = access.verdict;
        self.exit_code = exit_kind(access.verdict).map_or(0, ExitKind::code);
        let why = self.token.error.as_ref()?;
        let error = sign_in_error(why);
        Some(match access.registered_by_secret {
            Some(line) => error.cause(line),
            None => error,
        })
    }

    /// The error a non-ok `verdict` ends with: the first subscription with it explains.
    pub fn failure(&self, verdict: Verdict) -> CliError {
        let kind = exit_kind(verdict).unwrap_or(ExitKind::Other);
        let failing: Vec<&SubscriptionCheck> = self
            .subscriptions
            .iter()
            .filter(|c| c.verdict == verdict)
            .collect();
        let first = failing[0];
        let (n, m) = (failing.len(), self.subscriptions.len());
        let what = match verdict {
            Verdict::PermissionMissing => "a required permission is missing",
            Verdict::NotVisible => "the subscription cannot be read with this credential",
            Verdict::Rejected => "ARM refused the token",
            _ => "ARM could not be reached or failed",
        };
        let mut error = CliError::new(
            kind,
            format!(
                "{what}: {n} of {m} subscription(s), first {}",
                first.subscription_id
            ),
        );
        match (&first.missing_actions, first.problems.first()) {
            (Some(missing), _) if verdict == Verdict::PermissionMissing && !missing.is_empty() => {
                error = error
                    .cause(format!(
                        "the credential works, but the roles at {} do not grant: {}",
                        first.permissions_scope.as_deref().unwrap_or("the scope"),
                        missing.join(", ")
                    ))
                    .fix("add these actions to the service principal's role, or assign a role that has them (Access control (IAM) → Add role assignment)");
            }
            (_, Some(p)) => error = error.cause(&p.cause).fix(&p.fix),
            _ => {}
        }
        error
    }
}

/// The exit kind of a verdict (none for ok).
pub fn exit_kind(v: Verdict) -> Option<ExitKind> {
    match v {
        Verdict::Ok => None,
        Verdict::PermissionMissing | Verdict::NotVisible => Some(ExitKind::Permission),
        Verdict::Rejected => Some(ExitKind::Rejected),
        Verdict::Unreachable => Some(ExitKind::Network),
    }
}
