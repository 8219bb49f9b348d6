//! A reader that goes away (`certtool … | head -1`) ends certtool quietly, whatever the
//! command: exit 0 and nothing on stderr. Rust ignores SIGPIPE, so every write to such a
//! pipe fails with EPIPE (on Windows `ERROR_NO_DATA`, under Wine
//! `ERROR_PIPE_NOT_CONNECTED`); `completions` used to hand it to clap_complete, which
//! panicked (exit 101, "failed to write completion file").

use std::process::Stdio;

use crate::support::*;

/// Runs certtool with stdout a pipe whose reading end was closed before it started, so
/// its first write fails; returns the exit code and stderr.
fn into_closed_pipe(args: &[&str]) -> (Option<i32>, String) {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = certtool_cmd()
        .args(args)
        .stdout(Stdio::from(writer))
        .stderr(Stdio::piped())
        .output_within(DEADLINE)
        .expect("run certtool");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn completions_for_every_shell_end_quietly() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        assert_eq!(
            into_closed_pipe(&["completions", shell]),
            (Some(EXIT_OK), String::new()),
            "{shell}"
        );
    }
}

#[test]
fn reports_exports_help_and_version_end_quietly() {
    let bundle = fixture("chain-ca-first-with-key.pem");
    let pfx = fixture("rsa2048-nopass.pfx");
    for args in [
        vec!["export", s(&bundle), "--format", "pem-bundle"],
        vec![
            "export",
            s(&bundle),
            "--format",
            "pfx",
            "-o",
            "-",
            "--no-password",
        ],
        vec!["-q", "strip-pfx", s(&pfx), "-o", "-"],
        vec!["inspect", s(&bundle), "--output", "json"],
        vec!["inspect", s(&pfx)],
        vec!["--help"],
        vec!["--version"],
    ] {
        assert_eq!(
            into_closed_pipe(&args),
            (Some(EXIT_OK), String::new()),
            "{args:?}"
        );
    }
}

/// `| head -1` proper: the reader goes away while certtool is blocked writing to it.
#[cfg(target_os = "linux")]
#[test]
fn a_reader_leaving_mid_write_ends_it_quietly() {
    for args in [
        &["completions", "powershell"][..],
        &["inspect", s(&fixture("rsa2048-nopass.pfx"))],
    ] {
        let (mut child, reader) = blocked_on_full_pipe(certtool_cmd().args(args));
        drop(reader);
        let status = wait_within(&mut child, DEADLINE, "certtool");
        assert_eq!(status.code(), Some(EXIT_OK), "{args:?}");
    }
}

/// `2>&1 | head`: a closed stderr ends an error quietly too (the message is lost, the
/// exit code is not); `eprint!` used to panic there (exit 101).
#[test]
fn an_error_into_a_closed_stderr_keeps_its_exit_code() {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = certtool_cmd()
        .args(["inspect", "/nonexistent/certtool-closed-stderr.pem"])
        .stdout(Stdio::null())
        .stderr(Stdio::from(writer))
        .output_within(DEADLINE)
        .expect("run certtool");
    assert_eq!(out.status.code(), Some(EXIT_INPUT));
}
