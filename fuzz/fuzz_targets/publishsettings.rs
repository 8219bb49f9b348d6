//! `publishsettings::parse`: XML from a mailbox or a download, with base64 PKCS#12 inside.
#![no_main]

use certtool_core::publishsettings;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Each input is one command with its own key-derivation budget (see pfx_open).
    certtool_core::limits::reset_command_budget();
    let _ = publishsettings::parse(data, "fuzz.publishsettings");
});
