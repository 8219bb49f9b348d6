//! Entra ID's token endpoint answers: the token JSON and the error JSON (with the
//! AADSTS codes certtool decides on).
#![no_main]

use certtool_core::entra;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(token) = entra::parse_token(data) {
        assert!(
            !token.expose().is_empty(),
            "an empty access_token is refused"
        );
    }
    if let Some(error) = entra::parse_error(400, data) {
        let _ = error.code_label();
        let _ = error.diagnosis();
        let _ = error.has_code(7_000_215);
        assert!(
            !error.description.contains('\n'),
            "only the first line is kept"
        );
    }
});
