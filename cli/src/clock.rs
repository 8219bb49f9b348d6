//! "Now", with one testing hook: `CERTTOOL_FAKE_NOW` (RFC 3339) replaces the system
//! clock so end-to-end tests of expiry gates and validity are deterministic.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::error::CliError;

/// The environment variable that overrides the clock (tests only).
pub const FAKE_NOW_VAR: &str = "CERTTOOL_FAKE_NOW";

/// The current time, or the instant in `CERTTOOL_FAKE_NOW`.
pub fn now() -> Result<OffsetDateTime, CliError> {
    match std::env::var(FAKE_NOW_VAR) {
        Ok(text) => OffsetDateTime::parse(&text, &Rfc3339).map_err(|_| {
            CliError::usage(format!(
                "{FAKE_NOW_VAR}={text} is not an RFC 3339 date-time"
            ))
        }),
        Err(_) => Ok(OffsetDateTime::now_utc()),
    }
}

/// [`now`] for code that cannot fail mid-way (the variable was checked at start): the
/// fake instant when set and valid, else the system clock.
pub fn now_or_system() -> OffsetDateTime {
    now().unwrap_or_else(|_| OffsetDateTime::now_utc())
}
