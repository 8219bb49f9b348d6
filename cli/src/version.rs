//! What `certtool --version` prints: the version, the commit it was built from, the
//! target, and the OpenSSL it runs with, as `openssl version -a` users expect. `-V` stays
//! the one-line version.

use clap::Parser;

/// The `--version` text.
fn long() -> String {
    let linkage = if cfg!(feature = "vendored-openssl") {
        "statically linked, built from source"
    } else {
        "dynamically linked, the system's library"
    };
    format!(
        "{version}\ncommit: {commit}\ntarget: {target}\nopenssl: {openssl} ({linkage})\nopenssl directory: {dir}",
        version = crate::clock::VERSION,
        commit = env!("CERTTOOL_GIT_COMMIT"),
        target = env!("CERTTOOL_TARGET"),
        openssl = openssl::version::version(),
        dir = openssl::version::dir()
            .trim_start_matches("OPENSSLDIR: ")
            .trim_matches('"'),
    )
}

/// Parses the command line like `P::parse()`, with the long `--version` text.
pub fn parse<P: Parser>() -> P {
    let command = P::command().long_version(long());
    let mut matches = command.get_matches();
    P::from_arg_matches_mut(&mut matches).unwrap_or_else(|e| e.format(&mut P::command()).exit())
}
