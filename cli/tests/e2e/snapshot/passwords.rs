//! Every way a password source goes wrong, each as a whole transcript: a wrong password,
//! `--…-env` naming no variable, not a name, or a value that is not UTF-8, an unreadable
//! or directory `--…-file`, stdin asked for twice, `--no-input` with no source, an empty
//! or missing new password, a password with `--profile none`, an encrypted key without
//! its password; and the note that names a conventional variable used instead.

use super::*;

/// The environment of a case.
type Env = &'static [(&'static str, &'static str)];

/// The fixture protected with FIXTURE_PASS.
fn protected() -> String {
    s(&fixture("rsa2048-aes.pfx")).to_owned()
}

#[test]
fn the_password_of_an_existing_file() {
    let pfx = protected();
    let cases: [(&str, &[&str], Env, i32); 7] = [
        (
            "wrong_password",
            &["--password-env", "PW"],
            &[("PW", "not-the-password")],
            EXIT_PASSWORD,
        ),
        (
            "env_not_set",
            &["--password-env", "NO_SUCH_VARIABLE"],
            &[],
            EXIT_USAGE,
        ),
        (
            "env_not_a_name",
            &["--password-env", "hunter 2"],
            &[],
            EXIT_USAGE,
        ),
        (
            "file_missing",
            &["--password-file", "{tmp}/missing.txt"],
            &[],
            EXIT_INPUT,
        ),
        (
            "file_is_a_directory",
            &["--password-file", "{tmp}"],
            &[],
            EXIT_INPUT,
        ),
        (
            "no_input_and_no_source",
            &["--no-input"],
            &[],
            EXIT_PASSWORD,
        ),
        ("stdin_closed_and_no_source", &[], &[], EXIT_PASSWORD),
    ];
    for (name, flags, env, code) in cases {
        let mut args = vec!["inspect", pfx.as_str()];
        args.extend_from_slice(flags);
        snap!(name, in_tmp(&args, env, code));
    }
}

/// A value that is not UTF-8 can only be made where the environment is bytes (Unix).
#[cfg(unix)]
#[test]
fn env_value_not_utf8() {
    use std::os::unix::ffi::OsStrExt;
    let mut cmd = certtool_cmd();
    cmd.args(["inspect", &protected(), "--password-env", "PW"])
        .env("PW", std::ffi::OsStr::from_bytes(b"caf\xe9"))
        .envs(at_now(&[]));
    let output = cmd.output_within(DEADLINE).unwrap();
    let run = Run {
        code: output.status.code().unwrap_or(-1),
        stdout: output.stdout,
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    run.assert_code(EXIT_USAGE);
    snap!("env_not_utf8", transcript(&run, &Normaliser::new()));
}

#[test]
fn stdin_used_twice() {
    let pfx = std::fs::read(fixture("rsa2048-aes.pfx")).unwrap();
    let run = certtool_with(
        &["inspect", "-", "--password-stdin"],
        &at_now(&[]),
        Some(&pfx),
    );
    run.assert_code(EXIT_USAGE);
    snap!("stdin_twice_inspect", transcript(&run, &Normaliser::new()));
    let ps = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../fixtures/publishsettings/schema-1.0.publishsettings"),
    )
    .unwrap();
    let args = ["import", "publishsettings", "-", "--password-file", "-"];
    let run = certtool_with(&args, &at_now(&[]), Some(&ps));
    run.assert_code(EXIT_USAGE);
    snap!("stdin_twice_import", transcript(&run, &Normaliser::new()));
    let crt = std::fs::read(fixture("rsa2048.crt")).unwrap();
    let key = s(&fixture("rsa2048-encrypted.key")).to_owned();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out.pfx");
    let args = [
        "export",
        "-",
        "--format",
        "pfx",
        "-o",
        s(&out),
        "--key",
        &key,
        "--key-password-file",
        "-",
        "--no-password",
    ];
    let run = certtool_with(&args, &at_now(&[]), Some(&crt));
    run.assert_code(EXIT_USAGE);
    let n = Normaliser::new().tmp(tmp.path());
    snap!("stdin_twice_export", transcript(&run, &n));
}

#[test]
fn the_password_of_a_new_file() {
    let generate = ["generate", "--name", "app", "--out-dir", "{tmp}"];
    let cases: [(&str, &[&str], Env); 3] = [
        (
            "new_password_empty",
            &["--password-env", "EMPTY"],
            &[("EMPTY", "")],
        ),
        ("new_password_missing", &["--no-input"], &[]),
        (
            "new_password_empty_file",
            &["--password-file", "/dev/null"],
            &[],
        ),
    ];
    for (name, flags, env) in cases {
        let mut args = generate.to_vec();
        args.extend_from_slice(flags);
        snap!(name, in_tmp(&args, env, EXIT_USAGE));
    }
    let pfx = protected();
    let strip = [
        "strip-pfx",
        pfx.as_str(),
        "--out",
        "{tmp}/out.pfx",
        "--password-env",
        "PW",
        "--profile",
        "none",
        "--new-password-env",
        "NEW",
    ];
    let env = [("PW", FIXTURE_PASS), ("NEW", "new-pass")];
    snap!(
        "profile_none_with_a_password_strip_pfx",
        in_tmp(&strip, &env, EXIT_USAGE)
    );
    let ps = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/publishsettings/schema-1.0.publishsettings");
    let import = [
        "import",
        "publishsettings",
        s(&ps),
        "--out-dir",
        "{tmp}",
        "--profile",
        "none",
        "--password-env",
        "NEW",
    ];
    snap!(
        "profile_none_with_a_password_import",
        in_tmp(&import, &env, EXIT_USAGE)
    );
    let bundle = fixture("rsa2048-bundle.pem");
    let mut rotate = rotate_arm_args(s(&bundle));
    rotate.extend(["--out-dir", "{tmp}", "--no-input"]);
    snap!(
        "new_password_missing_rotate",
        in_tmp(&rotate, &[], EXIT_USAGE)
    );
}

#[test]
fn the_password_of_an_encrypted_key() {
    let crt = s(&fixture("rsa2048.crt")).to_owned();
    let key = s(&fixture("rsa2048-encrypted.key")).to_owned();
    let export = [
        "export",
        crt.as_str(),
        "--format",
        "pfx",
        "-o",
        "{tmp}/out.pfx",
        "--key",
        key.as_str(),
        "--no-password",
    ];
    let mut missing = export.to_vec();
    missing.push("--no-input");
    snap!("key_password_missing", in_tmp(&missing, &[], EXIT_PASSWORD));
    let mut wrong = export.to_vec();
    wrong.extend(["--key-password-env", "KP"]);
    snap!(
        "key_password_wrong",
        in_tmp(&wrong, &[("KP", "not-it")], EXIT_PASSWORD)
    );
}

#[test]
fn a_conventional_variable_is_named_never_shown() {
    let standin = arm::start(arm::reader_app());
    at_snapshot_now(&standin);
    let pfx = protected();
    let env = [("AZURE_CLIENT_CERTIFICATE_PASSWORD", FIXTURE_PASS)];
    let run = arm_at_now(&standin, &arm::with_ids(&["--cert", &pfx]), &env);
    assert!(!run.stderr.contains(FIXTURE_PASS) && !run.stdout_text().contains(FIXTURE_PASS));
    snap!(
        "conventional_variable_note",
        standin_transcript(&standin, &run, EXIT_OK)
    );
}
