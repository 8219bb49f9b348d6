//! The credential loader every command uses on a file (`bundle::load`: PEM, DER or PFX),
//! then the inspect report of what it loaded (X.509 parsing with x509-parser, key checks).
#![no_main]

use certtool_core::secret::Secret;
use certtool_core::{bundle, inspect, Error};
use libfuzzer_sys::fuzz_target;
use time::OffsetDateTime;

fuzz_target!(|data: &[u8]| {
    // Each input is one command with its own key-derivation budget (see pfx_open).
    certtool_core::limits::reset_command_budget();
    let loaded = match bundle::load(data, None, "fuzz.pem") {
        Err(Error::WrongPassword { .. }) => {
            let password = Secret::new("fixture-pass".into());
            bundle::load(data, Some(&password), "fuzz.pem")
        }
        other => other,
    };
    let Ok(bundle) = loaded else { return };
    let _ = bundle.leaf_index();
    let _ = bundle.chain();
    let _ = bundle.leaf_with_key();
    // A fixed instant keeps runs reproducible.
    let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).expect("a valid instant");
    if let Ok(report) = inspect::inspect(&bundle, now) {
        let _ = serde_json::to_string(&report).expect("a report always serializes");
    }
});
