//! PKCS#12 files built from a structure the fuzzer chooses, each with a MAC computed for
//! a known password (see `certtool_fuzz::build`), so `pfx::read` gets past the MAC and
//! the decryption: bag decoding, nested bags, attributes and the BER normaliser see the
//! fuzzer's choices. Checked: no panic ever; a file built only from well-formed parts
//! with the right password opens, with exactly the bags it was built from; a file that
//! opens is written again by `pfx::write` (which reads its output back) and reopens with
//! the same bags.
#![no_main]

use certtool_core::pfx::{self, Profile};
use certtool_core::secret::Secret;
use certtool_core::Error;
use certtool_fuzz::{build, Rewrite, Spec};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|spec: Spec| {
    let built = build(&spec);
    let password = built.password.clone().map(Secret::new);
    let read = pfx::read(&built.der, password.as_ref(), "built.pfx");
    let contents = match (read, &built.expected) {
        (Ok(contents), expected) => {
            if let Some(expected) = expected {
                if let Err(e) = pfx::compare(expected, &contents.pfx) {
                    panic!("a well-formed file opened with other bags: {e}");
                }
                assert_eq!(contents.protection.mac.is_some(), built.has_mac);
            }
            contents
        }
        (Err(e), Some(_)) => panic!("a well-formed file did not open: {e}"),
        (Err(_), None) => return,
    };
    let (profile, new_password) = match spec.rewrite {
        Rewrite::None => (Profile::None, Secret::empty()),
        Rewrite::Compat => (Profile::Compat, Secret::new("new".into())),
        Rewrite::Aes => (Profile::Aes, Secret::new("new".into())),
    };
    match pfx::write(&contents.pfx, profile, &new_password) {
        Ok((der, _)) => {
            let again = pfx::open(&der, Some(&new_password), "rewritten.pfx")
                .unwrap_or_else(|e| panic!("a file certtool wrote does not open: {e}"));
            if let Err(e) = pfx::compare(&contents.pfx, &again.pfx) {
                panic!("writing changed the bags: {e}");
            }
        }
        Err(e @ Error::SelfCheck(_)) => panic!("a file that opened cannot be written: {e}"),
        Err(_) => {}
    }
});
