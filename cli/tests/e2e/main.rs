//! The end-to-end tests of certtool: the real binary built by this `cargo test` run,
//! driven as a user drives it, against fixtures, the real vectors, the openssl CLI, Java
//! keytool, Python `cryptography` and the local Azure stand-in (`certtool_standin`).
//! One module per command; what they share is in `support/`. `snapshot` pins what users
//! read (every help, every report in text and JSON, each cause/fix branch, warnings in
//! whole transcripts) with `insta`; see tests/README.md.

mod support;

mod audit;
mod audit_partial;
mod audit_scale;
mod closed_pipe;
mod create_sp;
mod export;
mod export_pfx;
mod generate;
mod help;
mod import;
mod inspect;
mod inspect_readers;
mod layout;
#[cfg(unix)]
mod local_hardening;
mod logging;
mod real_vectors;
mod rotate;
#[cfg(unix)]
mod sdk_clients;
mod security_net;
mod snapshot;
mod stdin;
mod strip_pfx;
mod test_arm;
mod test_arm_access;
mod test_arm_federated;
mod test_arm_registration;
mod test_arm_sources;
mod test_asm;
mod test_asm_network;
mod test_asm_publishsettings;
