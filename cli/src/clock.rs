//! "Now". A build with the `test-clock` feature (the test suite's, never the shipped
//! binary) lets `CERTTOOL_FAKE_NOW` (RFC 3339) replace the system clock, so end-to-end
//! tests of expiry gates and validity are deterministic. Without the feature the variable
//! is ignored: nobody can make an expiry gate pass by setting it.

use time::OffsetDateTime;

use crate::error::CliError;

/// The environment variable that overrides the clock in a `test-clock` build.
#[cfg(feature = "test-clock")]
pub const FAKE_NOW_VAR: &str = "CERTTOOL_FAKE_NOW";

/// What `--version` adds: whether this build honours the test clock.
#[cfg(feature = "test-clock")]
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (test build: the clock follows CERTTOOL_FAKE_NOW)"
);
/// What `--version` shows.
#[cfg(not(feature = "test-clock"))]
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The current time (in a `test-clock` build: the instant in `CERTTOOL_FAKE_NOW` if set).
pub fn now() -> Result<OffsetDateTime, CliError> {
    #[cfg(feature = "test-clock")]
    if let Ok(text) = std::env::var(FAKE_NOW_VAR) {
        use time::format_description::well_known::Rfc3339;
        return OffsetDateTime::parse(&text, &Rfc3339).map_err(|_| {
            CliError::usage(format!(
                "{FAKE_NOW_VAR}={text} is not an RFC 3339 date-time"
            ))
        });
    }
    Ok(OffsetDateTime::now_utc())
}

/// [`now`] for code that cannot fail mid-way (the variable was checked at start): the
/// fake instant when set and valid, else the system clock.
pub fn now_or_system() -> OffsetDateTime {
    now().unwrap_or_else(|_| OffsetDateTime::now_utc())
}

#[cfg(test)]
mod tests {
    /// The shipped build (no `test-clock` feature) reads the system clock whatever the
    /// environment says. `scripts/test.sh` runs this with the default features.
    #[cfg(not(feature = "test-clock"))]
    #[test]
    fn the_shipped_clock_ignores_fake_now() {
        // Only this test touches the variable, and nothing else in this binary reads it.
        std::env::set_var("CERTTOOL_FAKE_NOW", "2099-01-01T00:00:00Z");
        let now = super::now().unwrap();
        std::env::remove_var("CERTTOOL_FAKE_NOW");
        assert!(now.year() < 2099, "{now}");
        assert!(!super::VERSION.contains("test"));
    }
}
