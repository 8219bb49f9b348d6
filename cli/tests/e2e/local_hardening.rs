//! Issue 9, the local holes: what `--force` may replace, all-or-nothing writes, no key
//! left behind by a killed write, no core dumps, bounded inputs and flag values, names
//! never echoed, a private `--out-dir`. Each test reproduces a hole found on the old code.

use std::path::Path;
use std::process::Stdio;

use crate::support::*;

fn mkfifo(path: &Path) {
    let ok = std::process::Command::new("mkfifo")
        .arg(path)
        .status_within(DEADLINE)
        .expect("run mkfifo")
        .success();
    assert!(ok, "mkfifo {}", path.display());
}

/// Names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn force_never_replaces_a_fifo_or_a_link_to_a_device() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("k.pfx");
    mkfifo(&fifo);
    let null_link = dir.path().join("k.cer");
    std::os::unix::fs::symlink("/dev/null", &null_link).unwrap();
    let out_dir = dir.path().join("out");
    let generate = |pfx: &Path, cer: &Path| {
        certtool(&[
            "generate",
            "--name",
            "k",
            "--no-password",
            "--out-dir",
            s(&out_dir),
            "--pfx",
            s(pfx),
            "--cer",
            s(cer),
            "--force",
        ])
    };
    generate(&fifo, &dir.path().join("ok.cer"))
        .assert_code(EXIT_USAGE)
        .assert_stderr_contains("not a regular file");
    generate(&dir.path().join("ok.pfx"), &null_link)
        .assert_code(EXIT_USAGE)
        .assert_stderr_contains("not a regular file");
    assert!(fifo.symlink_metadata().unwrap().file_type().is_fifo());
    assert!(null_link
        .symlink_metadata()
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(
        names(dir.path()),
        ["k.cer", "k.pfx"],
        "nothing else written"
    );
}

#[test]
fn a_value_given_for_a_variable_name_is_never_echoed() {
    // `Summer2024` looks like a variable name, but it is what a user types by mistake
    // for `--password-env "$PASSWORD"`: it must not be printed back.
    let pfx = fixture("rsa2048-aes.pfx");
    let run = certtool(&["inspect", s(&pfx), "--password-env", "Summer2024"]);
    run.assert_code(EXIT_USAGE)
        .assert_stderr_contains("name is not shown");
    assert!(!run.stderr.contains("Summer2024"), "{}", run.stderr);
    assert!(!run.stdout_text().contains("Summer2024"));
}

#[test]
fn huge_flag_values_are_usage_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let cert = fixture("rsa2048.crt");
    let pem = fixture("rsa2048-bundle.pem");
    let rotate_arm = |flag, value| {
        let (out, pem) = (s(dir.path()), s(&pem));
        certtool(&[
            "rotate",
            "arm",
            "--tenant",
            SUB,
            "--client-id",
            SUB,
            "--cert",
            pem,
            "--new-no-password",
            "--out-dir",
            out,
            flag,
            value,
        ])
    };
    let runs = [
        certtool(&[
            "generate",
            "--name",
            "big",
            "--no-password",
            "--out-dir",
            s(dir.path()),
            "--days",
            "3000000",
        ]),
        certtool(&["inspect", s(&cert), "--fail-within-days", "2930000"]),
        certtool(&[
            "test",
            "asm",
            "--cert",
            s(&pem),
            "--subscription",
            SUB,
            "--concurrency",
            "2305843009213693952",
        ]),
        certtool(&[
            "test",
            "asm",
            "--cert",
            s(&pem),
            "--subscription",
            SUB,
            "--fail-within-days",
            "2930000",
        ]),
        certtool(&[
            "test",
            "arm",
            "--tenant",
            SUB,
            "--client-id",
            SUB,
            "--subscription",
            SUB,
            "--cert",
            s(&pem),
            "--fail-within-days",
            "2930000",
        ]),
        rotate_arm("--days", "3000000"),
        rotate_arm("--wait", "18446744073709551615"),
    ];
    for run in &runs {
        run.assert_code(EXIT_USAGE);
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    }
    runs[0].assert_stderr_contains("--days");
    runs[2].assert_stderr_contains("from 1 to");
    runs[3].assert_stderr_contains("--fail-within-days");
    runs[4].assert_stderr_contains("--fail-within-days");
    runs[5].assert_stderr_contains("--days");
    runs[6].assert_stderr_contains("--wait");
    assert!(names(dir.path()).is_empty());
}

#[test]
fn inputs_stop_at_a_size_limit() {
    certtool(&["inspect", "/dev/zero"])
        .assert_code(EXIT_INPUT)
        .assert_stderr_contains("larger than");
    let pfx = fixture("rsa2048-aes.pfx");
    let run = certtool(&["inspect", s(&pfx), "--password-file", "/dev/zero"]);
    run.assert_code(EXIT_INPUT)
        .assert_stderr_contains("larger than");
    assert!(!run.stderr.contains("/dev/zero"), "the path is not echoed");
}

#[test]
fn out_dir_is_created_private_whatever_the_umask() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("new").join("keys");
    let cmd = format!(
        "umask 000; exec {} generate --name k --no-password --key-size 2048 --out-dir {}",
        env!("CARGO_BIN_EXE_certtool"),
        s(&out)
    );
    let status = std::process::Command::new("sh")
        .args(["-c", &cmd])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .status_within(DEADLINE)
        .unwrap();
    assert!(status.success());
    assert_eq!(mode(&out), 0o700, "the directory that holds the key");
    assert_eq!(mode(&out.join("k.pfx")), 0o600);
    assert_eq!(
        mode(&out.join("k.cer")),
        0o644,
        "a certificate stays readable"
    );
}

/// The signals `an_interrupted_write_leaves_no_key_behind` sends, with their Linux numbers.
const SENT: [(&str, u32); 3] = [("TERM", 15), ("INT", 2), ("XFSZ", 25)];

/// Starts `generate --pem --cer -` with stdout on a pipe that is already full, so the
/// process blocks writing the certificate after the key files were written but before
/// they were put in place. Returns the child, the pipe's read end and the output dir.
/// The child gets the default disposition of the signals the test sends (and SIGQUIT)
/// where `env` can give it, whatever this test process inherited.
#[cfg(target_os = "linux")]
fn blocked_generate(out_dir: &Path) -> (std::process::Child, std::io::PipeReader) {
    let mut cmd =
        certtool_cmd_with_default_signals("TERM,INT,QUIT,XFSZ").unwrap_or_else(certtool_cmd);
    blocked_on_full_pipe(cmd.args([
        "generate",
        "--name",
        "k",
        "--no-password",
        "--pem",
        "--out-dir",
        s(out_dir),
        "--cer",
        "-",
    ]))
}

/// Whether process `pid` ignores signal number `signal` (`SigIgn` in /proc/PID/status).
fn ignores(pid: u32, signal: u32) -> bool {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let mask = status
        .lines()
        .find_map(|l| l.strip_prefix("SigIgn:"))
        .map(|m| u64::from_str_radix(m.trim(), 16).unwrap())
        .unwrap();
    mask & (1 << (signal - 1)) != 0
}

/// How long a signalled or released `generate` may take to end.
const ENDS_WITHIN: std::time::Duration = std::time::Duration::from_secs(60);

#[cfg(target_os = "linux")]
#[test]
fn an_interrupted_write_leaves_no_key_behind() {
    for (signal, number) in SENT {
        let dir = tempfile::tempdir().unwrap();
        let (mut child, reader) = blocked_generate(dir.path());
        if ignores(child.id(), number) {
            // Only where `env --default-signal` is missing and the test was started
            // with the signal ignored (e.g. as a script's background job).
            eprintln!("skipped SIG{signal}: certtool inherited it ignored and `env --default-signal` is not available to reset it");
            let _ = child.kill();
            wait_within(&mut child, ENDS_WITHIN, "certtool generate (killed)");
            continue;
        }
        if signal == "TERM" {
            // While it holds the key: no core file may be written (RLIMIT_CORE 0).
            let limits = std::fs::read_to_string(format!("/proc/{}/limits", child.id())).unwrap();
            let core = limits
                .lines()
                .find(|l| l.starts_with("Max core file size"))
                .unwrap();
            let fields: Vec<&str> = core.split_whitespace().collect();
            assert_eq!(&fields[4..6], ["0", "0"], "{core}");
        }
        let killed = std::process::Command::new("kill")
            .args(["-s", signal, &child.id().to_string()])
            .status_within(DEADLINE)
            .unwrap();
        assert!(killed.success());
        let status = wait_within(
            &mut child,
            ENDS_WITHIN,
            &format!("certtool generate after SIG{signal}"),
        );
        assert!(!status.success(), "SIG{signal}: {status:?}");
        drop(reader);
        assert_eq!(
            names(dir.path()),
            Vec::<String>::new(),
            "SIG{signal} left files in the output directory"
        );
    }
    // A reader that goes away (SIGPIPE / EPIPE, `| head`) is not a failure: the files
    // are put in place and nothing temporary is left.
    let dir = tempfile::tempdir().unwrap();
    let (mut child, reader) = blocked_generate(dir.path());
    drop(reader);
    let status = wait_within(&mut child, ENDS_WITHIN, "certtool generate, reader gone");
    assert!(status.success(), "{status:?}");
    assert_eq!(names(dir.path()), ["k.pem", "k.pfx"]);
}

#[test]
fn version_says_whether_the_test_clock_is_built_in() {
    let run = certtool(&["--version"]);
    run.assert_code(EXIT_OK);
    assert_eq!(
        run.stdout_text().contains("CERTTOOL_FAKE_NOW"),
        cfg!(feature = "test-clock"),
        "{}",
        run.stdout_text()
    );
}

/// Runs `certtool ARGS` with a pseudo-terminal as stdout (`script`, util-linux) in `dir`;
/// returns the exit code and what reached the terminal.
fn on_terminal(dir: &Path, args: &str) -> (Option<i32>, String) {
    let cmd = format!("{} {args}", env!("CARGO_BIN_EXE_certtool"));
    let out = std::process::Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .current_dir(dir)
        .stdin(Stdio::null())
        .output_within(DEADLINE)
        .expect("run script(1)");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn an_unencrypted_key_is_not_printed_to_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let pfx = fixture("rsa2048-nopass.pfx");
    let export = format!("export {} --format pem-bundle", s(&pfx));
    let (code, text) = on_terminal(dir.path(), &export);
    assert_eq!(code, Some(EXIT_USAGE), "{text}");
    assert!(text.contains("--allow-key-on-terminal"), "{text}");
    assert!(!text.contains("PRIVATE KEY"), "{text}");
    let (code, text) = on_terminal(dir.path(), &format!("{export} --allow-key-on-terminal"));
    assert_eq!(code, Some(EXIT_OK), "{text}");
    assert!(text.contains("PRIVATE KEY"), "the user insisted");

    let generate = "generate --name k --no-password --pem-file - --out-dir out";
    let (code, text) = on_terminal(dir.path(), generate);
    assert_eq!(code, Some(EXIT_USAGE), "{text}");
    assert!(!text.contains("PRIVATE KEY"), "{text}");
    assert!(!dir.path().join("out").join("k.pfx").exists());
    // Redirected, the same command is fine.
    let out = certtool_cmd()
        .args([
            "generate",
            "--name",
            "k",
            "--no-password",
            "--pem-file",
            "-",
        ])
        .arg("--out-dir")
        .arg(dir.path().join("out"))
        .output_within(DEADLINE)
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("PRIVATE KEY"));
}

#[test]
fn control_characters_in_a_subject_are_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let (key, cert) = (dir.path().join("evil.key"), dir.path().join("evil.pem"));
    // An OSC sequence that retitles the terminal, then a cursor move.
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-keyout",
        s(&key),
        "-out",
        s(&cert),
        "-subj",
        "/CN=evil\u{1b}]0;pwned\u{7}x\u{1b}[2J",
    ]);
    let run = certtool(&["inspect", s(&cert)]);
    run.assert_code(EXIT_OK);
    let out = run.stdout_text();
    assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{out:?}");
    assert!(out.contains("evil\\x1b]0;pwned\\x07x\\x1b[2J"), "{out}");
    // Error messages too: a file name with a control character, in an expiry message.
    let named = dir.path().join("c\u{1b}[2J.pem");
    std::fs::copy(&cert, &named).unwrap();
    let run = certtool(&["inspect", s(&named), "--fail-within-days", "30"]);
    run.assert_code(EXIT_EXPIRY)
        .assert_stderr_contains("c\\x1b[2J.pem");
    assert!(!run.stderr.contains('\u{1b}'), "{:?}", run.stderr);
}
