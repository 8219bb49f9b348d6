//! Start-up cost of the system trust store.
//!
//! native-tls builds every client by first letting OpenSSL load its default CA file and
//! then loading the file `openssl-probe` finds — on Debian the same 140-odd certificate
//! bundle, parsed eagerly twice: about 70 ms of a `test asm` run that otherwise takes
//! 15 ms before its first packet. The same roots are also published as a hashed
//! directory (`c_rehash` / `update-ca-certificates` links), which OpenSSL reads lazily,
//! one issuer at a time, during verification. When the user has not configured
//! `SSL_CERT_FILE`/`SSL_CERT_DIR` and that directory holds at least as many hash links
//! as the bundle holds certificates, certtool points OpenSSL at the directory alone. The
//! same is done when those variables merely name the system's own bundle and directory
//! (some environments export them); any other value is the user's choice and is kept.
//! Trust is unchanged: the same roots, looked up instead of preloaded; `--ca-file` still
//! adds its CA; verification is never turned off.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

const FILE_VAR: &str = "SSL_CERT_FILE";
const DIR_VAR: &str = "SSL_CERT_DIR";

/// Where distributions put the system CA bundle (the file OpenSSL and openssl-probe load).
const SYSTEM_FILES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/ssl/ca-bundle.pem",
    "/etc/ssl/cert.pem",
    "/usr/lib/ssl/cert.pem",
];
/// Where distributions put the hashed CA directory.
const SYSTEM_DIRS: &[&str] = &["/etc/ssl/certs", "/etc/pki/tls/certs", "/usr/lib/ssl/certs"];

/// `path` if it is one of `system` (after resolving links), else `None`.
fn system_path(path: &Path, system: &[&str]) -> Option<PathBuf> {
    let real = path.canonicalize().ok()?;
    system
        .iter()
        .any(|s| Path::new(s).canonicalize().ok().as_deref() == Some(real.as_path()))
        .then_some(real)
}

/// The variable's value when set: `Some(Some(system path))` when it names one of
/// `system`, `Some(None)` when it names anything else.
fn from_env(var: &str, system: &[&str]) -> Option<Option<PathBuf>> {
    let value: OsString = std::env::var_os(var)?;
    Some(system_path(Path::new(&value), system))
}

/// Switches OpenSSL to the lazily read hashed directory when that is safe (see the
/// module docs). Call before any thread starts (it sets environment variables).
pub fn prefer_lazy_system_roots() {
    if !cfg!(unix) {
        return;
    }
    let file = match from_env(FILE_VAR, SYSTEM_FILES) {
        Some(Some(file)) => file,
        Some(None) => return,
        None => match SYSTEM_FILES.iter().map(Path::new).find(|p| p.is_file()) {
            Some(file) => file.to_path_buf(),
            None => return,
        },
    };
    let dirs: Vec<PathBuf> = match from_env(DIR_VAR, SYSTEM_DIRS) {
        Some(Some(dir)) => vec![dir],
        Some(None) => return,
        None => SYSTEM_DIRS
            .iter()
            .map(PathBuf::from)
            .filter(|d| d.is_dir())
            .collect(),
    };
    let Ok(bundle) = std::fs::read(&file) else {
        return;
    };
    let in_bundle = count(&bundle, b"-----BEGIN CERTIFICATE-----");
    if in_bundle == 0 {
        return;
    }
    if let Some(dir) = dirs.iter().find(|dir| hash_links(dir) >= in_bundle) {
        // Single-threaded here: nothing reads the environment concurrently.
        std::env::set_var(DIR_VAR, dir);
        std::env::set_var(FILE_VAR, "/dev/null");
    }
}

fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .filter(|w| *w == needle)
        .count()
}

/// Entries named like OpenSSL's subject-hash links: eight hex digits, a dot, a number.
fn hash_links(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            match name.split_once('.') {
                Some((hash, n)) => {
                    hash.len() == 8
                        && hash.bytes().all(|b| b.is_ascii_hexdigit())
                        && !n.is_empty()
                        && n.bytes().all(|b| b.is_ascii_digit())
                }
                None => false,
            }
        })
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_hash_links_only() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "0a1b2c3d.0",
            "0a1b2c3d.1",
            "ffffffff.0",
            "ca.pem",
            "0a1b2c3.0",
            "0a1b2c3d.x",
        ] {
            std::fs::write(dir.path().join(name), b"").unwrap();
        }
        assert_eq!(hash_links(dir.path()), 3);
        assert_eq!(
            count(
                b"-----BEGIN CERTIFICATE-----\n-----BEGIN CERTIFICATE-----",
                b"-----BEGIN CERTIFICATE-----"
            ),
            2
        );
    }
}
