//! Records what `certtool --version` reports about the build: the git commit and the
//! target. `CERTTOOL_BUILD_COMMIT` (12 hex digits) names the commit where git cannot see
//! the checkout. Outside a git checkout (a crate unpacked from crates.io, a source
//! tarball) the commit comes from cargo's `.cargo_vcs_info.json` when present, else it is
//! "unknown".

use std::path::Path;
use std::process::Command;

fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    // A build where git cannot see the checkout (the Windows build's chroot) is told the
    // commit by scripts/dist-windows.sh.
    println!("cargo:rerun-if-env-changed=CERTTOOL_BUILD_COMMIT");
    let commit = std::env::var("CERTTOOL_BUILD_COMMIT")
        .ok()
        .filter(|c| c.len() == 12 && c.bytes().all(|b| b.is_ascii_hexdigit()))
        .or_else(|| git_commit(Path::new(&dir)))
        .or_else(|| packaged_commit(Path::new(&dir)))
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=CERTTOOL_GIT_COMMIT={commit}");
    let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown".to_owned());
    println!("cargo:rustc-env=CERTTOOL_TARGET={target}");
    println!("cargo:rerun-if-changed=build.rs");
}

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    (out.status.success() && !text.trim().is_empty()).then(|| text.trim().to_owned())
}

/// The checked-out commit, when this crate's own manifest is tracked by git (a packaged
/// copy under an ignored `target/` directory is not, and must not report the outer
/// checkout's commit).
fn git_commit(dir: &Path) -> Option<String> {
    git(dir, &["ls-files", "--error-unmatch", "Cargo.toml"])?;
    let commit = git(dir, &["rev-parse", "--short=12", "HEAD"])?;
    // Rebuild when HEAD moves: the HEAD file, and the branch file it names (if loose).
    for name in [
        "HEAD".to_owned(),
        git(dir, &["symbolic-ref", "-q", "HEAD"]).unwrap_or_default(),
    ] {
        if name.is_empty() {
            continue;
        }
        if let Some(path) = git(dir, &["rev-parse", "--git-path", &name]) {
            let path = dir.join(path);
            if path.is_file() {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
    }
    Some(commit)
}

/// `cargo package` records the commit it packaged in `.cargo_vcs_info.json`.
fn packaged_commit(dir: &Path) -> Option<String> {
    let info = std::fs::read_to_string(dir.join(".cargo_vcs_info.json")).ok()?;
    let rest = &info[info.find("\"sha1\"")? + 6..];
    let start = rest.find('"')? + 1;
    let sha: String = rest[start..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .take(12)
        .collect();
    (sha.len() == 12).then_some(sha)
}
