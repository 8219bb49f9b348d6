//! `pfx::open` and `pfx::read` on raw bytes: the outer structure, the MAC, the
//! AuthenticatedSafe and whatever a mutation leaves reachable. Mutated files rarely keep a
//! valid MAC, so `pfx_built` is the target that reaches decryption and bag decoding.
#![no_main]

use certtool_core::pfx;
use certtool_core::secret::Secret;
use certtool_core::Error;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Each input is one command with its own key-derivation budget (libFuzzer runs
    // every input on one thread, where the budget lives).
    certtool_core::limits::reset_command_budget();
    let _ = pfx::looks_like_pfx(data);
    // As the CLI does: the empty password first, then the password (the fixtures' one).
    match pfx::read(data, None, "fuzz.pfx") {
        Err(Error::WrongPassword { .. }) => {
            let password = Secret::new("fixture-pass".into());
            let _ = pfx::read(data, Some(&password), "fuzz.pfx");
        }
        Ok(contents) => {
            let _ = pfx::BagSummary::of(&contents.pfx);
        }
        Err(_) => {}
    }
});
