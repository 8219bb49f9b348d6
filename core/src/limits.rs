//! Every numeric limit of the core, in one place, with the one check that enforces each.
//!
//! Untrusted input (a file, a server's answer) can ask certtool to do unbounded work; each
//! limit here bounds one kind of it. Iteration counts are checked only through
//! [`check_iterations`] and [`IterationBudget`].

/// The most key-derivation iterations certtool will run for one derivation (one MAC, one
/// encrypted container or one shrouded key): more is a hostile or broken file (real tools
/// write 1 to 100 000).
pub const MAX_ITERATIONS: u64 = 10_000_000;

/// The most key-derivation iterations certtool will run for one whole PFX, all
/// derivations and password forms together: a real file needs a handful of derivations,
/// while a crafted one with thousands of bags at [`MAX_ITERATIONS`] would otherwise burn
/// hours of CPU.
pub const MAX_TOTAL_ITERATIONS: u64 = 64_000_000;

/// The deepest nesting of BER elements the PKCS#12 reader walks (the length check goes
/// to twice this, since it also walks inside OCTET STRINGs).
pub const MAX_BER_DEPTH: usize = 48;

/// The deepest nesting of safeContents bags inside one another a PFX may have.
pub const MAX_SAFE_CONTENTS_NESTING: usize = 8;

/// Redirects followed per ASM request before giving up (a loop is a service fault).
pub const MAX_ASM_REDIRECTS: usize = 5;

/// Pages of ASM's List Hosted Services followed before giving up.
pub const MAX_ASM_PAGES: usize = 1000;

/// Pages of ARM's permissions list followed: more means a loop, not a long list.
pub const MAX_ARM_PAGES: usize = 200;

/// The largest input file certtool reads (a PFX, PEM bundle, certificate, key or
/// `.publishsettings`): real ones are a few kilobytes; `/dev/zero` must not fill memory.
pub const MAX_INPUT_BYTES: u64 = 16 * 1024 * 1024;

/// The largest secret (password or client secret) read from a file or stdin.
pub const MAX_SECRET_BYTES: u64 = 64 * 1024;

/// Reads `reader` to its end, refusing input longer than `limit` bytes (a secret fits
/// the first buffer, so it is never copied by a reallocation and left unwiped).
/// `input` names the source in the error.
pub fn read_limited(
    reader: impl std::io::Read,
    limit: u64,
    input: &str,
) -> crate::Result<zeroize::Zeroizing<Vec<u8>>> {
    use std::io::Read;
    let first = usize::try_from(limit.min(MAX_SECRET_BYTES) + 1).unwrap_or(0);
    let mut buf = zeroize::Zeroizing::new(Vec::with_capacity(first));
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(|source| crate::Error::Read {
            path: input.into(),
            source,
        })?;
    if buf.len() as u64 > limit {
        return Err(crate::Error::malformed(
            input,
            format!("the input is larger than {limit} bytes, the most certtool reads"),
        ));
    }
    Ok(buf)
}

/// Why an iteration count is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IterationLimit {
    /// An iteration count of 0, which no scheme allows.
    Zero,
    /// One derivation asks for more than [`MAX_ITERATIONS`].
    TooMany(u64),
}

/// The file as a whole asks for more than [`MAX_TOTAL_ITERATIONS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverBudget;

/// Checks one derivation's iteration count: `1..=MAX_ITERATIONS`.
pub fn check_iterations(n: u64) -> Result<u64, IterationLimit> {
    match n {
        0 => Err(IterationLimit::Zero),
        n if n > MAX_ITERATIONS => Err(IterationLimit::TooMany(n)),
        n => Ok(n),
    }
}

/// The iterations one file has spent so far, against [`MAX_TOTAL_ITERATIONS`].
#[derive(Debug, Default)]
pub struct IterationBudget {
    spent: u64,
}

impl IterationBudget {
    /// Charges `n` iterations before they are run; an error once the file's budget would
    /// be exceeded (and for every charge after that).
    pub fn charge(&mut self, n: u64) -> Result<(), OverBudget> {
        self.spent = self.spent.saturating_add(n);
        if self.spent <= MAX_TOTAL_ITERATIONS {
            Ok(())
        } else {
            Err(OverBudget)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_stop_at_the_limit() {
        let err = read_limited(std::io::repeat(0), 10, "zeros").unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Input);
        assert!(err.to_string().contains("larger than 10 bytes"), "{err}");
        assert_eq!(
            &*read_limited(&b"0123456789"[..], 10, "ten").unwrap(),
            b"0123456789"
        );
    }

    #[test]
    fn one_derivation_is_capped() {
        assert_eq!(check_iterations(0), Err(IterationLimit::Zero));
        assert_eq!(check_iterations(1), Ok(1));
        assert_eq!(check_iterations(MAX_ITERATIONS), Ok(MAX_ITERATIONS));
        assert_eq!(
            check_iterations(MAX_ITERATIONS + 1),
            Err(IterationLimit::TooMany(MAX_ITERATIONS + 1))
        );
    }

    #[test]
    fn the_whole_file_has_one_iteration_budget() {
        let mut budget = IterationBudget::default();
        assert!(budget.charge(MAX_ITERATIONS).is_ok());
        assert!(budget.charge(MAX_TOTAL_ITERATIONS - MAX_ITERATIONS).is_ok());
        assert_eq!(
            budget.charge(1),
            Err(OverBudget),
            "one more is over the budget"
        );
        let mut budget = IterationBudget {
            spent: u64::MAX - 1,
        };
        assert!(budget.charge(10).is_err(), "no overflow");
    }
}
