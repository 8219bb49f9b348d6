//! Where certtool's TLS client finds the trusted roots (the CA store), and how it keeps
//! loading them cheap. User-facing summary: `docs/tls.md`.
//!
//! **Whose store.** Always the operating system's, never the build machine's. A release
//! binary links OpenSSL statically (`vendored-openssl`), and OpenSSL's own default
//! locations are compiled in (`/usr/local/ssl/cert.pem` and `/usr/local/ssl/certs`, the
//! source build's `OPENSSLDIR`), which is not where any distribution keeps its roots. So
//! certtool looks for the system store itself, in the places distributions use
//! ([`SYSTEM_FILES`], [`SYSTEM_DIRS`]: Debian/Ubuntu `/etc/ssl/certs`, RHEL/Fedora
//! `/etc/pki/ca-trust/extracted` and `/etc/pki/tls/certs`, Alpine `/etc/ssl/cert.pem`,
//! openSUSE `/etc/ssl/ca-bundle.pem`), and names what it found in `SSL_CERT_FILE` /
//! `SSL_CERT_DIR`, the variables OpenSSL's default lookup reads, so the compiled-in
//! directory is not consulted. A dynamically linked build behaves the same way.
//!
//! **The user wins.** When `SSL_CERT_FILE` or `SSL_CERT_DIR` is set to anything other than
//! the system's own bundle or directory, certtool changes nothing: those are the roots.
//! (native-tls additionally consults the system's hashed directories, `/etc/ssl/certs` and
//! `/etc/pki/tls/certs`, for every client; see below.) `--ca-file` adds a CA on top.
//! Verification is never turned off.
//!
//! **Cheap loading.** native-tls builds every client by letting OpenSSL load its default
//! CA file and then the bundle `openssl-probe` finds: on Debian the same 140-odd
//! certificates, parsed eagerly twice, about 70 ms of a `test asm` run that otherwise takes
//! 15 ms before its first packet. The same roots are usually also published as a hashed
//! directory (`c_rehash` / `update-ca-certificates` links), which OpenSSL reads lazily,
//! one issuer at a time, during verification. When such a directory holds at least as many
//! hash links as the bundle holds certificates, certtool points OpenSSL at the directory
//! and sets `SSL_CERT_FILE=/dev/null`. Trust is unchanged: the same roots, looked up
//! instead of preloaded. Otherwise (RHEL before 9, a bundle without links) the bundle is
//! named and loaded eagerly.
//!
//! **Why environment variables.** reqwest's native-tls backend offers no way to keep
//! OpenSSL from parsing the bundle: `SslConnector::builder` runs
//! `SSL_CTX_set_default_verify_paths` (which reads these two variables, else the compiled-in
//! `OPENSSLDIR`), and native-tls then loads openssl-probe's result, which is also taken from
//! these variables, else from a fixed list of bundles. reqwest's `tls_certs_only` and
//! `add_root_certificate` act only after that. So the variables must be set before the
//! first client is built, which is why [`prefer_lazy_system_roots`] calls
//! `std::env::set_var`. `main` calls it once, before any thread or runtime starts, for
//! the commands that talk to Azure; nothing else sets these variables. A client built on
//! `tokio-openssl` would build its `X509Store` directly (a lookup-by-hash directory) and
//! need no environment at all.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

const FILE_VAR: &str = "SSL_CERT_FILE";
const DIR_VAR: &str = "SSL_CERT_DIR";

/// Where distributions put the system CA bundle, in openssl-probe's order of preference.
const SYSTEM_FILES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt", // Debian, Ubuntu, Gentoo, Alpine
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", // RHEL 7+, Fedora, CentOS
    "/etc/pki/tls/certs/ca-bundle.crt",   // RHEL 6, older Fedora
    "/etc/ssl/ca-bundle.pem",             // openSUSE, SLES
    "/etc/pki/tls/cacert.pem",            // OpenELEC
    "/etc/ssl/cert.pem",                  // Alpine, BSDs
    "/usr/lib/ssl/cert.pem",              // Debian's OPENSSLDIR
];
/// Where distributions put a hashed CA directory (links named `<subject hash>.<n>`).
const SYSTEM_DIRS: &[&str] = &[
    "/etc/ssl/certs",                                 // Debian, Ubuntu, Alpine, openSUSE
    "/etc/pki/ca-trust/extracted/pem/directory-hash", // RHEL 9+, Fedora 34+
    "/etc/pki/tls/certs",                             // RHEL, Fedora
    "/usr/lib/ssl/certs",                             // Debian's OPENSSLDIR
];

/// What to tell OpenSSL.
#[derive(Debug, PartialEq, Eq)]
enum Roots {
    /// Leave the environment as it is: the user chose, or no system store was found.
    AsConfigured,
    /// Set `SSL_CERT_FILE` and `SSL_CERT_DIR` to these.
    Use { file: PathBuf, dir: PathBuf },
}

/// Points OpenSSL at the system CA store, lazily read when possible (see the module docs).
/// Called from `main` only, before any thread starts: it sets environment variables.
pub fn prefer_lazy_system_roots() {
    if !cfg!(unix) {
        return;
    }
    let file = std::env::var_os(FILE_VAR);
    let dir = std::env::var_os(DIR_VAR);
    if let Roots::Use { file, dir } = choose(file, dir, Path::new("/")) {
        // Single-threaded here: nothing reads the environment concurrently.
        std::env::set_var(DIR_VAR, dir);
        std::env::set_var(FILE_VAR, file);
    }
}

/// The decision, given the two variables and the file system under `root` ("/" except in
/// tests).
fn choose(env_file: Option<OsString>, env_dir: Option<OsString>, root: &Path) -> Roots {
    let under = |p: &str| root.join(p.trim_start_matches('/'));
    let files: Vec<PathBuf> = SYSTEM_FILES.iter().map(|p| under(p)).collect();
    let dirs: Vec<PathBuf> = SYSTEM_DIRS.iter().map(|p| under(p)).collect();
    let file = match env_file {
        Some(value) => match system_path(Path::new(&value), &files) {
            Some(file) => Some(file),
            None => return Roots::AsConfigured,
        },
        None => files.iter().find(|p| p.is_file()).cloned(),
    };
    let dirs: Vec<PathBuf> = match env_dir {
        Some(value) => match system_path(Path::new(&value), &dirs) {
            Some(dir) => vec![dir],
            None => return Roots::AsConfigured,
        },
        None => dirs.into_iter().filter(|d| d.is_dir()).collect(),
    };
    let in_bundle = file
        .as_deref()
        .and_then(|f| std::fs::read(f).ok())
        .map_or(0, |bundle| count(&bundle, b"-----BEGIN CERTIFICATE-----"));
    let devnull = PathBuf::from("/dev/null");
    if in_bundle > 0 {
        if let Some(dir) = dirs.iter().find(|dir| hash_links(dir) >= in_bundle) {
            return Roots::Use {
                file: devnull,
                dir: dir.clone(),
            };
        }
    }
    match (file, dirs.into_iter().find(|d| hash_links(d) > 0)) {
        (None, None) => Roots::AsConfigured,
        (file, dir) => Roots::Use {
            file: file.unwrap_or_else(|| devnull.clone()),
            dir: dir.unwrap_or(devnull),
        },
    }
}

/// `path` if it is one of `system` (after resolving links), else `None`.
fn system_path(path: &Path, system: &[PathBuf]) -> Option<PathBuf> {
    let real = path.canonicalize().ok()?;
    system
        .iter()
        .any(|s| s.canonicalize().ok().as_deref() == Some(real.as_path()))
        .then_some(real)
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

    const PEM: &str = "-----BEGIN CERTIFICATE-----\nMA==\n-----END CERTIFICATE-----\n";

    /// A fake root with `files` (bundles of `certs` certificates) and `dirs` holding
    /// `links` hash links each.
    fn layout(files: &[(&str, usize)], dirs: &[(&str, usize)]) -> tempfile::TempDir {
        let root = tempfile::tempdir().unwrap();
        for (path, certs) in files {
            let path = root.path().join(path.trim_start_matches('/'));
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, PEM.repeat(*certs)).unwrap();
        }
        for (path, links) in dirs {
            let path = root.path().join(path.trim_start_matches('/'));
            std::fs::create_dir_all(&path).unwrap();
            for i in 0..*links {
                std::fs::write(path.join(format!("{i:08x}.0")), PEM).unwrap();
            }
        }
        root
    }

    fn uses(root: &tempfile::TempDir, file: &str, dir: &str) -> Roots {
        let at = |p: &str| match p {
            "/dev/null" => PathBuf::from(p),
            p => root.path().join(p.trim_start_matches('/')),
        };
        Roots::Use {
            file: at(file),
            dir: at(dir),
        }
    }

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
            count(PEM.repeat(2).as_bytes(), b"-----BEGIN CERTIFICATE-----"),
            2
        );
    }

    #[test]
    fn debian_layout_is_read_lazily_from_the_hashed_directory() {
        let root = layout(
            &[("/etc/ssl/certs/ca-certificates.crt", 3)],
            &[("/etc/ssl/certs", 3)],
        );
        assert_eq!(
            choose(None, None, root.path()),
            uses(&root, "/dev/null", "/etc/ssl/certs")
        );
    }

    #[test]
    fn rhel_layout_without_links_loads_the_extracted_bundle() {
        let root = layout(
            &[
                ("/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", 3),
                ("/etc/pki/tls/certs/ca-bundle.crt", 3),
            ],
            &[],
        );
        assert_eq!(
            choose(None, None, root.path()),
            uses(
                &root,
                "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
                "/dev/null"
            )
        );
    }

    #[test]
    fn rhel9_directory_hash_is_used_lazily() {
        let root = layout(
            &[("/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", 2)],
            &[("/etc/pki/ca-trust/extracted/pem/directory-hash", 2)],
        );
        assert_eq!(
            choose(None, None, root.path()),
            uses(
                &root,
                "/dev/null",
                "/etc/pki/ca-trust/extracted/pem/directory-hash"
            )
        );
    }

    #[test]
    fn alpine_bundle_only_is_loaded_and_too_few_links_do_not_replace_it() {
        let root = layout(&[("/etc/ssl/cert.pem", 3)], &[("/etc/ssl/certs", 1)]);
        assert_eq!(
            choose(None, None, root.path()),
            uses(&root, "/etc/ssl/cert.pem", "/etc/ssl/certs")
        );
    }

    #[test]
    fn no_system_store_leaves_openssl_defaults() {
        let root = layout(&[], &[]);
        assert_eq!(choose(None, None, root.path()), Roots::AsConfigured);
    }

    #[test]
    fn the_users_own_variables_win() {
        let root = layout(
            &[("/etc/ssl/certs/ca-certificates.crt", 1), ("/mine.pem", 1)],
            &[("/etc/ssl/certs", 1), ("/mydir", 1)],
        );
        let mine = root.path().join("mine.pem").into_os_string();
        let mydir = root.path().join("mydir").into_os_string();
        assert_eq!(choose(Some(mine), None, root.path()), Roots::AsConfigured);
        assert_eq!(choose(None, Some(mydir), root.path()), Roots::AsConfigured);
        // Variables that merely name the system's own store are treated as unset.
        let system = root
            .path()
            .join("etc/ssl/certs/ca-certificates.crt")
            .into_os_string();
        assert_eq!(
            choose(Some(system), None, root.path()),
            uses(&root, "/dev/null", "/etc/ssl/certs")
        );
    }
}
