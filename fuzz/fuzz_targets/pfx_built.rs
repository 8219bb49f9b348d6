//! PKCS#12 files built from a structure the fuzzer chooses, each with a MAC computed for
//! a known password (see `certtool_fuzz::build`), so `pfx::read` gets past the MAC and
//! the decryption: bag decoding, nested bags, attributes and the BER normaliser see the
//! fuzzer's choices. Checked: no panic ever; a file built only from well-formed parts
//! with the right password opens, with exactly the bags it was built from; a file that
//! opens is written again by `pfx::write` (which reads its output back) and reopens with
//! the same bags. The checks are `certtool_fuzz::check_built`, so the harness's unit tests
//! replay crash inputs through exactly what this target runs.
#![no_main]

use certtool_fuzz::{check_built, Spec};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|spec: Spec| check_built(&spec));
