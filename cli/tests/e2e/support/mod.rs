//! Helpers shared by the end-to-end tests: run the real `certtool` binary built by this
//! `cargo test` run (Cargo's `CARGO_BIN_EXE_certtool`, so never a stale one), run the
//! real `openssl` CLI, find fixtures and the real vectors, and name the exit codes.

pub mod arm;
pub mod asm;
pub mod audit;
#[path = "../../../../tests/support/child.rs"]
pub mod child;
pub mod create_sp;
pub mod modgraph;
pub mod readers;
pub mod snapshot;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

// wait_within's callers are Linux-only tests (signals, /proc).
#[cfg_attr(not(target_os = "linux"), allow(unused_imports))]
pub use child::{wait_within, Within, DEADLINE};

/// The fixture file `fixtures/certs/NAME`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/certs")
        .join(name)
}

/// The fixture file `fixtures/pfx/NAME` (the PFX corpus, see fixtures/pfx/README.md).
pub fn pfx_fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/pfx")
        .join(name)
}

/// `certtool inspect PATH --output json`, the password (when not empty) from the
/// environment; asserts exit 0.
pub fn inspect_json_of(path: &Path, pass: &str) -> serde_json::Value {
    let mut args = vec!["inspect", s(path), "--output", "json", "--no-input"];
    if !pass.is_empty() {
        args.extend(["--password-env", "PW"]);
    }
    let run = certtool_with(&args, &[("PW", pass)], None);
    run.assert_code(EXIT_OK);
    run.json()
}

/// `../shared/vectors` (real files from other tools), read in place; `None` with a
/// "skipped" line where the directory is absent (a checkout without `shared/` beside it).
pub fn vectors() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/vectors");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipped: ../shared/vectors not found");
        None
    }
}

/// The password of the protected fixtures (see fixtures/README.md).
pub const FIXTURE_PASS: &str = "fixture-pass";

/// The real PKCS#12 files under `vectors/pkcs12` (Windows and other tools' exports) and
/// their passwords.
pub const REAL_PKCS12: [(&str, &str); 4] = [
    ("windows-azure-tools.p12", ""),
    ("windows-ias-peap.p12", ""),
    ("testing-example-com.p12", ""),
    ("windows-aes256-sha256.p12", "password"),
];

/// The subscription the stand-in set-ups of `test asm` and `test arm` use.
pub const SUB: &str = "00000000-0000-0000-0000-000000000001";

// certtool's exit codes (cli/src/error.rs, docs/exit-codes.md), by name.
/// Success.
pub const EXIT_OK: i32 = 0;
/// Anything else (e.g. an output that cannot be written).
pub const EXIT_OTHER: i32 = 1;
/// A usage error: flags, an existing file without `--force`, a missing password source.
pub const EXIT_USAGE: i32 = 2;
/// Unreadable or malformed input.
pub const EXIT_INPUT: i32 = 3;
/// A wrong password or failed integrity check.
pub const EXIT_PASSWORD: i32 = 4;
/// The cloud rejected the credential.
pub const EXIT_REJECTED: i32 = 5;
/// Authenticated, but a permission is missing.
pub const EXIT_PERMISSION: i32 = 6;
/// A network, TLS or service failure.
pub const EXIT_NETWORK: i32 = 7;
/// An expiry gate tripped.
pub const EXIT_EXPIRY: i32 = 8;
/// The view was incomplete (audit: a listing refused, throttled past its budget, cut short).
pub const EXIT_INCOMPLETE: i32 = 9;

/// The test clock set to `now` (RFC 3339), for a command's environment. Only a binary
/// built with the `test-clock` feature reads it (`bash scripts/test.sh` turns it on);
/// without the feature this fails the test instead of letting the real clock decide.
#[cfg(feature = "test-clock")]
pub fn fake_now(now: &str) -> (&'static str, &str) {
    ("CERTTOOL_FAKE_NOW", now)
}

/// See the `test-clock` version: this build has no test clock.
#[cfg(not(feature = "test-clock"))]
#[track_caller]
pub fn fake_now(_now: &str) -> (&'static str, &str) {
    panic!(
        "this test needs the test clock: run `bash scripts/test.sh`, or cargo test with `--features test-clock`"
    )
}

/// A path as the `&str` an argument list wants.
pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The result of running a command.
pub struct Run {
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl Run {
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
    #[track_caller]
    pub fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code,
            code,
            "exit code\nstdout: {}\nstderr: {}",
            self.stdout_text(),
            self.stderr
        );
        self
    }
    #[track_caller]
    pub fn assert_stderr_contains(&self, needle: &str) -> &Self {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}:\n{}",
            self.stderr
        );
        self
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.stdout_text()))
    }
}

fn finish(output: Output) -> Run {
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: output.stdout,
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A `certtool` command with a clean environment for Azure variables and null stdin.
pub fn certtool_cmd() -> Command {
    clean(Command::new(env!("CARGO_BIN_EXE_certtool")))
}

/// [`certtool_cmd`] started through `env --default-signal=SIGNALS` (GNU coreutils 8.31 and
/// later), so that certtool has the default disposition of those signals whatever the
/// test inherited: a script's background job, for one, starts with SIGINT and SIGQUIT
/// ignored, and its children inherit that. `None` where this `env` cannot do it.
#[cfg(unix)]
pub fn certtool_cmd_with_default_signals(signals: &str) -> Option<Command> {
    let flag = format!("--default-signal={signals}");
    let works = Command::new("env")
        .args([flag.as_str(), "true"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status_within(DEADLINE)
        .is_ok_and(|s| s.success());
    works.then(|| {
        let mut cmd = Command::new("env");
        cmd.arg(flag).arg(env!("CARGO_BIN_EXE_certtool"));
        clean(cmd)
    })
}

fn clean(mut cmd: Command) -> Command {
    for (key, _) in std::env::vars() {
        if key.starts_with("AZURE_") || key.starts_with("ARM_") || key.starts_with("CERTTOOL_") {
            cmd.env_remove(key);
        }
    }
    cmd.stdin(Stdio::null());
    cmd
}

/// Runs certtool with `args`.
pub fn certtool(args: &[&str]) -> Run {
    finish(
        certtool_cmd()
            .args(args)
            .output_within(DEADLINE)
            .expect("run certtool"),
    )
}

/// Runs certtool with `args`, extra environment, and `stdin` bytes.
pub fn certtool_with(args: &[&str], env: &[(&str, &str)], stdin: Option<&[u8]>) -> Run {
    let mut cmd = certtool_cmd();
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    run_with_stdin(cmd, stdin)
}

fn run_with_stdin(mut cmd: Command, stdin: Option<&[u8]>) -> Run {
    let output = match stdin {
        Some(data) => cmd.output_with_stdin_within(data, DEADLINE),
        None => cmd.output_within(DEADLINE),
    };
    finish(output.expect("spawn"))
}

/// Starts `cmd` with stdout on a pipe that is already full and waits (60 s at most) until
/// its first write blocks there (Linux: `/proc/PID/wchan`). Returns the child and the
/// pipe's read end: dropping it closes the pipe under the blocked writer.
#[cfg(target_os = "linux")]
pub fn blocked_on_full_pipe(cmd: &mut Command) -> (std::process::Child, std::io::PipeReader) {
    use std::io::Write;
    let (reader, mut writer) = std::io::pipe().unwrap();
    // A Linux pipe holds 64 KiB unless resized: fill it.
    writer.write_all(&vec![b'.'; 64 * 1024]).unwrap();
    let child = cmd
        .stdout(Stdio::from(writer))
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let wchan = format!("/proc/{}/wchan", child.id());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let now = std::fs::read_to_string(&wchan).unwrap_or_default();
        if now.contains("pipe_write") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never blocked ({now})"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    (child, reader)
}

/// Runs the real `openssl` CLI; panics with its stderr when it fails.
#[track_caller]
pub fn openssl(args: &[&str]) -> Vec<u8> {
    openssl_with(args, None)
}

/// Runs `openssl` feeding `stdin`.
#[track_caller]
pub fn openssl_with(args: &[&str], stdin: Option<&[u8]>) -> Vec<u8> {
    let mut cmd = Command::new("openssl");
    cmd.args(args);
    let run = run_with_stdin(cmd, stdin);
    assert_eq!(run.code, 0, "openssl {args:?} failed: {}", run.stderr);
    run.stdout
}

/// Runs `openssl` and reports only whether it succeeded.
pub fn openssl_ok(args: &[&str]) -> bool {
    Command::new("openssl")
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status_within(DEADLINE)
        .map(|s| s.success())
        .unwrap_or(false)
}

/// `openssl x509 -fingerprint -sha1` of a certificate file, as 40 upper-case hex digits.
pub fn openssl_sha1_fingerprint(cert: &Path, inform: &str) -> String {
    let out = openssl(&[
        "x509",
        "-inform",
        inform,
        "-in",
        cert.to_str().unwrap(),
        "-noout",
        "-fingerprint",
        "-sha1",
    ]);
    let text = String::from_utf8(out).unwrap();
    text.trim()
        .split('=')
        .nth(1)
        .expect("fingerprint line")
        .replace(':', "")
}

/// How many entries a directory holds (what a failed command must not leave behind).
pub fn entries(dir: impl AsRef<Path>) -> usize {
    std::fs::read_dir(dir).unwrap().count()
}

/// Mode bits of a file.
#[cfg(unix)]
pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// On Windows, what the mode bits mean to these tests, read from the DACL: 0o600 (a file)
/// or 0o700 (a directory) when it is exactly the owner-only DACL certtool gives private
/// outputs, else 0o644 / 0o755. So `mode(p) == 0o600` asserts "private" on both systems.
#[cfg(windows)]
pub fn mode(path: &Path) -> u32 {
    let dir = path.is_dir();
    match (certtool_winsec::is_owner_only(path, dir).unwrap(), dir) {
        (true, false) => 0o600,
        (true, true) => 0o700,
        (false, false) => 0o644,
        (false, true) => 0o755,
    }
}

/// The modulus line of a public or private key as openssl prints it.
pub fn modulus_of_cert(cert: &Path, inform: &str) -> String {
    String::from_utf8(openssl(&[
        "x509",
        "-inform",
        inform,
        "-in",
        cert.to_str().unwrap(),
        "-noout",
        "-modulus",
    ]))
    .unwrap()
}
