//! `--fail-within-days N` and the gate it sets: one flag, one comparison and one wording
//! for every command that gates a pipeline on expiry (`inspect`, `test asm`, `test arm`).

use clap::Args;

use crate::error::{CliError, ExitKind};
use crate::limits::MAX_WITHIN_DAYS;

/// `--fail-within-days N`.
#[derive(Args, Debug, Clone, Copy, Default)]
pub struct ExpiryArgs {
    /// Exit with code 8 when the certificate or secret in use expires within N days (or
    /// has expired).
    #[arg(
        long,
        value_name = "N",
        value_parser = clap::value_parser!(u32).range(..=i64::from(MAX_WITHIN_DAYS))
    )]
    pub fail_within_days: Option<u32>,
}

/// One end a gate weighs.
pub struct Ending {
    /// What ends, as the message names it ("the certificate").
    pub what: String,
    /// When, as RFC 3339.
    pub not_after: String,
    /// Whole days left from now (negative once past).
    pub days_left: i64,
}

impl ExpiryArgs {
    /// The expiry error when the first of `endings` to come is within the limit; `None`
    /// without the flag or when every end is further away. `context` (the file) closes
    /// the message in parentheses; `fix` is the command's advice.
    pub fn gate(
        &self,
        endings: impl IntoIterator<Item = Ending>,
        context: Option<&str>,
        fix: &str,
    ) -> Option<CliError> {
        let days = self.fail_within_days?;
        let first = endings.into_iter().min_by_key(|e| e.days_left)?;
        if first.days_left > i64::from(days) {
            return None;
        }
        let when = if first.days_left < 0 {
            format!("expired on {}", first.not_after)
        } else {
            format!(
                "expires on {} ({} days left)",
                first.not_after, first.days_left
            )
        };
        let context = context.map(|c| format!(" ({c})")).unwrap_or_default();
        Some(
            CliError::new(
                ExitKind::Expiry,
                format!(
                    "{} {when}, within the {days}-day limit{context}",
                    first.what
                ),
            )
            .fix(fix.to_string()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ending(days_left: i64) -> Ending {
        Ending {
            what: "the certificate".into(),
            not_after: "2030-01-01T00:00:00Z".into(),
            days_left,
        }
    }

    #[test]
    fn the_first_end_within_the_limit_trips_with_one_wording() {
        let gate = ExpiryArgs {
            fail_within_days: Some(30),
        };
        assert!(gate.gate([ending(31)], None, "renew").is_none());
        let err = gate
            .gate([ending(400), ending(30)], Some("x.cer"), "renew")
            .unwrap();
        assert_eq!(err.kind, ExitKind::Expiry);
        assert_eq!(
            err.message,
            "the certificate expires on 2030-01-01T00:00:00Z (30 days left), within the 30-day limit (x.cer)"
        );
        let past = gate.gate([ending(-2)], None, "renew").unwrap();
        assert_eq!(
            past.message,
            "the certificate expired on 2030-01-01T00:00:00Z, within the 30-day limit"
        );
        assert!(ExpiryArgs::default()
            .gate([ending(-2)], None, "r")
            .is_none());
    }
}
