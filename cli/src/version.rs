//! What `certtool --version` prints: the version, the commit it was built from, the
//! target, the OpenSSL it runs with, and what its HTTPS trusts, as `openssl version -a`
//! users expect. `-V` stays the one-line version.

use clap::Parser;

/// The `--version` text.
fn long() -> String {
    let linkage = if cfg!(feature = "vendored-openssl") {
        "statically linked, built from source"
    } else {
        "dynamically linked, the system's library"
    };
    format!(
        "{version}\ncommit: {commit}\ntarget: {target}\nopenssl: {openssl} ({linkage})\n{tls}",
        version = crate::clock::VERSION,
        commit = env!("CERTTOOL_GIT_COMMIT"),
        target = env!("CERTTOOL_TARGET"),
        openssl = openssl::version::version(),
        tls = tls_lines(),
    )
}

/// Where HTTPS (`test`, `rotate`) gets its roots. On Unix OpenSSL does TLS too, and its
/// directory is where it reads `openssl.cnf`; the system CA store is found by cli/src/tls.rs.
#[cfg(not(any(windows, target_os = "macos")))]
fn tls_lines() -> String {
    format!(
        "openssl directory: {dir}\ntls: OpenSSL, the system CA store (SSL_CERT_FILE / SSL_CERT_DIR when set); --ca-file adds CAs",
        dir = openssl::version::dir()
            .trim_start_matches("OPENSSLDIR: ")
            .trim_matches('"'),
    )
}

/// On Windows OpenSSL handles keys, certificates and PFX files only; HTTPS is SChannel.
/// OpenSSL's compiled-in directory is deliberately not a Windows path (openssl-src sets a
/// VMS-style placeholder so that no user-writable `openssl.cnf` can be planted), so it is
/// not shown: nothing is read from it.
#[cfg(windows)]
fn tls_lines() -> String {
    "tls: SChannel (Windows), trusting the Windows certificate store (Trusted Root Certification Authorities); --ca-file adds CAs".to_owned()
}

/// On macOS OpenSSL handles keys, certificates and PFX files only; HTTPS is Secure Transport.
#[cfg(target_os = "macos")]
fn tls_lines() -> String {
    "tls: Secure Transport (macOS), trusting the system keychain; --ca-file adds CAs".to_owned()
}

/// Parses the command line like `P::parse()`, with the long `--version` text.
pub fn parse<P: Parser>() -> P {
    let command = P::command().long_version(long());
    let mut matches = command.get_matches();
    P::from_arg_matches_mut(&mut matches).unwrap_or_else(|e| e.format(&mut P::command()).exit())
}
