//! `publishsettings::parse`: XML from a mailbox or a download, with base64 PKCS#12 inside.
#![no_main]

use certtool_core::publishsettings;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = publishsettings::parse(data, "fuzz.publishsettings");
});
