//! Every numeric limit of the core, in one place, with the one check that enforces each.
//!
//! Untrusted input (a file, a server's answer) can ask certtool to do unbounded work; each
//! limit here bounds one kind of it. Iteration counts are checked only through
//! [`check_iterations`] and [`charge_command`].

/// The most key-derivation iterations certtool will run for one derivation (one MAC, one
/// encrypted container or one shrouded key): more is a hostile or broken file (real tools
/// write 1 to 100 000).
pub const MAX_ITERATIONS: u64 = 10_000_000;

/// The most key-derivation work one command runs, all inputs, derivations and password
/// forms together, in SHA-1 block-iterations (see [`PRF_WEIGHT_SHA1`]): one budget for the
/// command, not one per file, so a `.publishsettings` carrying the same hostile PFX ten
/// times, or a password retried, cannot multiply it. Real files need a few thousand to a
/// few hundred thousand (tools write 2 000 to 100 000 iterations, a handful of
/// derivations each), except NSS, which writes 600 000 SHA-256 iterations: such a file
/// opened after the empty password was tried needs 3 000 000. This is two to four seconds
/// of one core. A file whose visible derivations add up to more than what is left is
/// refused before any of them runs, so a hostile file costs milliseconds unless it hides
/// its work inside an encrypted container, and never more than this.
pub const MAX_COMMAND_ITERATIONS: u64 = 4_000_000;

/// Cost of one iteration of one output block of a SHA-1 based derivation (PBKDF2-HMAC or
/// the PKCS#12 KDF): the unit of [`MAX_COMMAND_ITERATIONS`].
///
/// The weights come from timing 2 000 000 iterations of PBKDF2 with one output block on
/// the 2-core build machine (`openssl kdf -keylen <hash size> -kdfopt digest:D -kdfopt
/// iter:2000000 PBKDF2`): SHA-1 2.20 s, SHA-256 2.24 s, SHA-512 5.06 s, SHA-384 like
/// SHA-512 (the same compression function). SHA-224/256 are as cheap as SHA-1 where the
/// CPU has SHA extensions and about 1.5 times dearer where not, so they weigh 1 here and
/// the budget leaves room; SHA-384/512 cost 2.3 times SHA-1, rounded up to 3.
pub const PRF_WEIGHT_SHA1: u64 = 1;
/// Weight of SHA-224 and SHA-256 (see [`PRF_WEIGHT_SHA1`]).
pub const PRF_WEIGHT_SHA256: u64 = 1;
/// Weight of SHA-384 and SHA-512 (see [`PRF_WEIGHT_SHA1`]).
pub const PRF_WEIGHT_SHA512: u64 = 3;

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

/// Pages of one Graph listing followed before giving up: 10 000 pages of 999 objects
/// is ten million, far past the largest tenant; more means a loop, and the listing is
/// reported partial.
pub const MAX_GRAPH_PAGES: usize = 10_000;

/// The largest HTTP response body certtool reads, from any service (ASM, the token
/// endpoint, ARM, and anything added later). Real answers are kilobytes (a List Hosted
/// Services page of a large subscription is well under 1 MiB); bodies are read as they
/// arrive and the read stops at this size, so a hostile endpoint cannot make certtool
/// hold more than this in memory. Exceeding it is a service failure (exit 7).
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

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

/// The command as a whole asks for more than [`MAX_COMMAND_ITERATIONS`].
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

/// The weighted cost of one derivation: `iterations` for each output block of
/// `hash_len` bytes needed to make `out_len` bytes, times the PRF's `weight`.
pub fn derivation_cost(weight: u64, hash_len: usize, out_len: usize, iterations: u64) -> u64 {
    let blocks = out_len.div_ceil(hash_len.max(1)).max(1) as u64;
    blocks.saturating_mul(iterations).saturating_mul(weight)
}

/// Key-derivation work spent so far, against [`MAX_COMMAND_ITERATIONS`].
#[derive(Debug, Default, Clone, Copy)]
pub struct IterationBudget {
    spent: u64,
}

impl IterationBudget {
    /// Charges `cost` (weighted, see [`derivation_cost`]) before the work is run; an error
    /// once the budget would be exceeded (and for every charge after that).
    pub fn charge(&mut self, cost: u64) -> Result<(), OverBudget> {
        self.spent = self.spent.saturating_add(cost);
        if self.spent <= MAX_COMMAND_ITERATIONS {
            Ok(())
        } else {
            Err(OverBudget)
        }
    }

    /// The work charged so far.
    pub fn spent(&self) -> u64 {
        self.spent
    }
}

thread_local! {
    /// The command's budget. Per thread: certtool opens every input of a command on its
    /// main thread, so this is the command's one budget without threading it through
    /// every reader's signature; tests (one thread each) get one apiece.
    static COMMAND_BUDGET: std::cell::Cell<IterationBudget> =
        const { std::cell::Cell::new(IterationBudget { spent: 0 }) };
}

/// Charges `cost` to the command's budget (this thread's): every PFX derivation goes
/// through here before it runs.
pub fn charge_command(cost: u64) -> Result<(), OverBudget> {
    COMMAND_BUDGET.with(|cell| {
        let mut budget = cell.get();
        let result = budget.charge(cost);
        cell.set(budget);
        result
    })
}

/// What is left of the command's budget (this thread's).
pub fn command_remaining() -> u64 {
    MAX_COMMAND_ITERATIONS.saturating_sub(command_spent())
}

/// The work charged to the command's budget so far (this thread's).
pub fn command_spent() -> u64 {
    COMMAND_BUDGET.with(|cell| cell.get().spent())
}

/// Starts a fresh budget on this thread: for a long-lived program that serves unrelated
/// requests on one thread (the CLI never needs it: one process is one command).
pub fn reset_command_budget() {
    COMMAND_BUDGET.with(|cell| cell.set(IterationBudget::default()));
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
    fn the_command_has_one_iteration_budget() {
        let mut budget = IterationBudget::default();
        assert!(budget.charge(1000).is_ok());
        assert!(budget.charge(MAX_COMMAND_ITERATIONS - 1000).is_ok());
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

    #[test]
    fn the_command_budget_is_shared_by_every_charge_on_the_thread() {
        std::thread::spawn(|| {
            assert_eq!(command_spent(), 0);
            assert!(charge_command(MAX_COMMAND_ITERATIONS / 2).is_ok());
            assert!(charge_command(MAX_COMMAND_ITERATIONS / 2).is_ok());
            assert_eq!(charge_command(1), Err(OverBudget));
            reset_command_budget();
            assert!(charge_command(1).is_ok());
        })
        .join()
        .unwrap();
    }

    #[test]
    fn costs_count_blocks_and_weights() {
        // PBKDF2-SHA1 for an AES-256 key: two 20-byte blocks.
        assert_eq!(derivation_cost(PRF_WEIGHT_SHA1, 20, 32, 1000), 2000);
        // PBKDF2-SHA512 for the same key: one block, three times the weight.
        assert_eq!(derivation_cost(PRF_WEIGHT_SHA512, 64, 32, 1000), 3000);
        assert_eq!(derivation_cost(3, 64, 0, u64::MAX), u64::MAX, "saturates");
    }
}
