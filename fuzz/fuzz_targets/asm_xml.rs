//! The ASM (Service Management) answers certtool reads: Get Subscription, List Hosted
//! Services and the `<Error>` body, on whatever text an endpoint sends.
#![no_main]

use certtool_core::asm;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let body = String::from_utf8_lossy(data);
    let _ = asm::parse_subscription(&body);
    let _ = asm::parse_hosted_services(&body);
    let _ = asm::parse_error(&body);
});
