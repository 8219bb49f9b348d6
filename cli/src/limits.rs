//! The CLI's numeric limits on flag values, in one place. A value outside its range is a
//! usage error (exit 2) from the flag parser, never an overflow deeper down. Limits on
//! input sizes, iterations and bodies live in `certtool_core::limits`.

/// The longest validity `generate --days` and `rotate arm --days` accept: 100 years.
pub const MAX_VALIDITY_DAYS: u32 = 36_500;

/// The largest `--fail-within-days` (`inspect`, `test asm`, `test arm`): 100 years.
pub const MAX_WITHIN_DAYS: u32 = 36_500;

/// The longest `rotate arm --wait` for replication: a day, in seconds.
pub const MAX_WAIT_SECS: u64 = 86_400;

/// The most subscriptions `test asm` tests at the same time.
pub const MAX_CONCURRENCY: usize = 256;
