//! End-to-end tests of `certtool generate`, checked with the real openssl CLI.

use crate::support::*;
use std::path::Path;

/// Runs `certtool generate --name NAME --out-dir DIR EXTRA…` with `env`.
fn generate(dir: &Path, name: &str, extra: &[&str], env: &[(&str, &str)]) -> Run {
    generate_with_stdin(dir, name, extra, env, None)
}

fn generate_with_stdin(
    dir: &Path,
    name: &str,
    extra: &[&str],
    env: &[(&str, &str)],
    stdin: Option<&[u8]>,
) -> Run {
    let mut args = vec!["generate", "--name", name, "--out-dir", s(dir)];
    args.extend_from_slice(extra);
    certtool_with(&args, env, stdin)
}

#[test]
fn generate_without_password_yields_files_openssl_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("certs");
    generate(&out, "Octopus Deploy - Production", &["--no-password"], &[])
        .assert_code(EXIT_OK)
        .assert_stderr_contains("Subscriptions → Management certificates");
    let cer = out.join("Octopus-Deploy-Production.cer");
    let pfx = out.join("Octopus-Deploy-Production.pfx");

    // The .cer is DER that openssl parses, with the name, key size and validity asked for.
    let subject = String::from_utf8(openssl(&[
        "x509",
        "-inform",
        "der",
        "-in",
        s(&cer),
        "-noout",
        "-subject",
        "-nameopt",
        "RFC2253",
    ]))
    .unwrap();
    assert_eq!(subject.trim(), "subject=CN=Octopus Deploy - Production");
    let text = String::from_utf8(openssl(&[
        "x509",
        "-inform",
        "der",
        "-in",
        s(&cer),
        "-noout",
        "-text",
    ]))
    .unwrap();
    assert!(text.contains("Public-Key: (2048 bit)"));
    assert!(text.contains("Signature Algorithm: sha256WithRSAEncryption"));
    assert!(text.contains("TLS Web Client Authentication"));
    let enddate = String::from_utf8(openssl(&[
        "x509",
        "-inform",
        "der",
        "-in",
        s(&cer),
        "-noout",
        "-checkend",
        &(364 * 86400).to_string(),
    ]))
    .unwrap();
    assert!(enddate.contains("will not expire"));
    assert!(!openssl_ok(&[
        "x509",
        "-inform",
        "der",
        "-in",
        s(&cer),
        "-noout",
        "-checkend",
        &(366 * 86400).to_string()
    ]));

    // The PFX opens with the empty password on OpenSSL 3 without -legacy, and its key is the .cer's.
    let key_pem = openssl(&[
        "pkcs12",
        "-in",
        s(&pfx),
        "-passin",
        "pass:",
        "-nocerts",
        "-nodes",
    ]);
    let key_modulus = openssl_with(&["rsa", "-noout", "-modulus"], Some(&key_pem));
    assert_eq!(
        String::from_utf8(key_modulus).unwrap(),
        modulus_of_cert(&cer, "der")
    );

    assert_eq!(mode(&pfx), 0o600, "PFX holds the private key");
    assert_eq!(mode(&cer), 0o644);
}

#[test]
fn thumbprint_in_json_summary_equals_openssl_fingerprint() {
    let dir = tempfile::tempdir().unwrap();
    let run = generate(
        dir.path(),
        "json test",
        &["--no-password", "--output", "json"],
        &[],
    );
    run.assert_code(EXIT_OK);
    let json = run.json();
    let cer = dir.path().join("json-test.cer");
    assert_eq!(
        json["thumbprint_sha1"],
        openssl_sha1_fingerprint(&cer, "der")
    );
    assert_eq!(json["files"]["cer"], s(&cer));
    assert_eq!(json["subject"], "CN=json test");
    assert_eq!(json["key_bits"], 2048);
    assert_eq!(json["pfx_password_protected"], false);
}

#[test]
fn password_protected_pfx_opens_only_with_its_password() {
    let dir = tempfile::tempdir().unwrap();
    generate(
        dir.path(),
        "pw",
        &["--password-env", "PFX_PW", "--key-size", "3072"],
        &[("PFX_PW", "Zürich-pässwörd")],
    )
    .assert_code(EXIT_OK);
    let pfx = dir.path().join("pw.pfx");
    assert!(openssl_ok(&[
        "pkcs12",
        "-in",
        s(&pfx),
        "-passin",
        "pass:Zürich-pässwörd",
        "-noout"
    ]));
    assert!(!openssl_ok(&[
        "pkcs12",
        "-in",
        s(&pfx),
        "-passin",
        "pass:",
        "-noout"
    ]));
    let certs = openssl(&[
        "pkcs12",
        "-in",
        s(&pfx),
        "-passin",
        "pass:Zürich-pässwörd",
        "-nokeys",
    ]);
    let text = String::from_utf8(openssl_with(&["x509", "-noout", "-text"], Some(&certs))).unwrap();
    assert!(text.contains("Public-Key: (3072 bit)"));
}

#[test]
fn password_from_file_and_stdin_strip_one_newline() {
    let dir = tempfile::tempdir().unwrap();
    let pw = dir.path().join("pw.txt");
    std::fs::write(&pw, "from-file\n").unwrap();
    generate(dir.path(), "a", &["--password-file", s(&pw)], &[]).assert_code(EXIT_OK);
    assert!(openssl_ok(&[
        "pkcs12",
        "-in",
        s(&dir.path().join("a.pfx")),
        "-passin",
        "pass:from-file",
        "-noout"
    ]));
    generate_with_stdin(
        dir.path(),
        "b",
        &["--password-file", "-"],
        &[],
        Some(b"from-stdin\n"),
    )
    .assert_code(EXIT_OK);
    assert!(openssl_ok(&[
        "pkcs12",
        "-in",
        s(&dir.path().join("b.pfx")),
        "-passin",
        "pass:from-stdin",
        "-noout"
    ]));
}

#[test]
fn aes_profile_and_compat_profile_are_what_they_say() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), "compat", &["--no-password"], &[]).assert_code(EXIT_OK);
    generate(
        dir.path(),
        "aes",
        &["--no-password", "--pfx-profile", "aes"],
        &[],
    )
    .assert_code(EXIT_OK);
    let info = |name: &str| {
        let out = std::process::Command::new("openssl")
            .args([
                "pkcs12",
                "-in",
                s(&dir.path().join(name)),
                "-passin",
                "pass:",
                "-info",
                "-noout",
            ])
            .output_within(DEADLINE)
            .unwrap();
        assert!(out.status.success());
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout)
    };
    let compat = info("compat.pfx");
    assert!(compat.contains("MAC: sha1, Iteration 2048"), "{compat}");
    assert!(
        compat.contains("Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 2048"),
        "{compat}"
    );
    assert!(
        compat.contains("PKCS7 Encrypted data: pbeWithSHA1And3-KeyTripleDES-CBC"),
        "{compat}"
    );
    let aes = info("aes.pfx");
    assert!(aes.contains("MAC: sha256"), "{aes}");
    assert!(aes.contains("AES-256-CBC"), "{aes}");
}

#[test]
fn weak_keys_need_insecure() {
    let dir = tempfile::tempdir().unwrap();
    generate(
        dir.path(),
        "weak",
        &["--no-password", "--key-size", "1024"],
        &[],
    )
    .assert_code(EXIT_USAGE)
    .assert_stderr_contains("too weak");
    assert_eq!(entries(dir.path()), 0, "nothing written");
    generate(
        dir.path(),
        "weak",
        &["--no-password", "--key-size", "1024", "--insecure"],
        &[],
    )
    .assert_code(EXIT_OK);
    generate(
        dir.path(),
        "odd",
        &["--no-password", "--key-size", "2500"],
        &[],
    )
    .assert_code(EXIT_USAGE);
}

#[test]
fn existing_files_are_not_overwritten_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "generate",
        "--name",
        "same",
        "--out-dir",
        s(dir.path()),
        "--no-password",
    ];
    certtool(&args).assert_code(EXIT_OK);
    let before = std::fs::read(dir.path().join("same.pfx")).unwrap();
    certtool(&args)
        .assert_code(EXIT_USAGE)
        .assert_stderr_contains("already exists");
    assert_eq!(std::fs::read(dir.path().join("same.pfx")).unwrap(), before);
    let mut forced = args.to_vec();
    forced.push("--force");
    certtool(&forced).assert_code(EXIT_OK);
    assert_ne!(std::fs::read(dir.path().join("same.pfx")).unwrap(), before);
}

#[test]
fn certifies_an_existing_key_plain_or_encrypted() {
    let dir = tempfile::tempdir().unwrap();
    for (i, key) in ["rsa2048.key", "rsa2048-pkcs1.key"].iter().enumerate() {
        let name = format!("k{i}");
        generate(
            dir.path(),
            &name,
            &["--no-password", "--key", s(&fixture(key))],
            &[],
        )
        .assert_code(EXIT_OK);
        assert_eq!(
            modulus_of_cert(&dir.path().join(format!("{name}.cer")), "der"),
            modulus_of_cert(&fixture("rsa2048.crt"), "pem")
        );
    }
    let enc = fixture("rsa2048-encrypted.key");
    generate(dir.path(), "enc", &["--no-password", "--key", s(&enc)], &[])
        .assert_code(EXIT_PASSWORD)
        .assert_stderr_contains("--key-password-env");
    generate(
        dir.path(),
        "enc",
        &[
            "--no-password",
            "--key",
            s(&enc),
            "--key-password-env",
            "KP",
        ],
        &[("KP", "wrong")],
    )
    .assert_code(EXIT_PASSWORD);
    generate(
        dir.path(),
        "enc",
        &[
            "--no-password",
            "--key",
            s(&enc),
            "--key-password-env",
            "KP",
        ],
        &[("KP", FIXTURE_PASS)],
    )
    .assert_code(EXIT_OK);
    generate(
        dir.path(),
        "weak",
        &["--no-password", "--key", s(&fixture("rsa1024.key"))],
        &[],
    )
    .assert_code(EXIT_USAGE);
    generate(
        dir.path(),
        "ec",
        &["--no-password", "--key", s(&fixture("ec.key"))],
        &[],
    )
    .assert_code(EXIT_USAGE)
    .assert_stderr_contains("RSA");
}

#[test]
fn pem_output_holds_key_and_certificate_with_mode_0600() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), "sp", &["--no-password", "--pem"], &[]).assert_code(EXIT_OK);
    let pem = dir.path().join("sp.pem");
    assert_eq!(mode(&pem), 0o600);
    let key_mod = openssl(&["rsa", "-in", s(&pem), "-noout", "-modulus"]);
    assert_eq!(
        String::from_utf8(key_mod).unwrap(),
        modulus_of_cert(&pem, "pem")
    );
}

#[test]
fn pfx_to_stdout_and_explicit_paths() {
    let dir = tempfile::tempdir().unwrap();
    let cer = dir.path().join("custom.cer");
    let run = generate(
        dir.path(),
        "piped",
        &["--no-password", "--pfx", "-", "--cer", s(&cer)],
        &[],
    );
    run.assert_code(EXIT_OK);
    assert!(!dir.path().join("piped.pfx").exists());
    let pfx = dir.path().join("from-stdout.pfx");
    std::fs::write(&pfx, &run.stdout).unwrap();
    let certs = openssl(&["pkcs12", "-in", s(&pfx), "-passin", "pass:", "-nokeys"]);
    let from_pfx = openssl_with(&["x509", "-outform", "der"], Some(&certs));
    assert_eq!(from_pfx, std::fs::read(&cer).unwrap());
    certtool(&[
        "generate",
        "--name",
        "two",
        "--no-password",
        "--pfx",
        "-",
        "--cer",
        "-",
    ])
    .assert_code(EXIT_USAGE);
}

#[test]
fn validity_by_days_and_by_date() {
    let dir = tempfile::tempdir().unwrap();
    let run = generate(
        dir.path(),
        "d",
        &["--no-password", "--days", "30", "--output", "json"],
        &[fake_now("2026-01-01T12:00:00Z")],
    );
    run.assert_code(EXIT_OK);
    assert_eq!(
        run.json()["not_before"],
        "2026-01-01T11:55:00Z",
        "backdated five minutes"
    );
    assert_eq!(run.json()["not_after"], "2026-01-31T12:00:00Z");
    let run = generate(
        dir.path(),
        "n",
        &[
            "--no-password",
            "--not-after",
            "2027-06-30",
            "--output",
            "json",
        ],
        &[fake_now("2026-01-01T12:00:00Z")],
    );
    run.assert_code(EXIT_OK);
    assert_eq!(run.json()["not_after"], "2027-06-30T23:59:59Z");
    generate(
        dir.path(),
        "x",
        &["--no-password", "--not-after", "2001-01-01"],
        &[],
    )
    .assert_code(EXIT_USAGE)
    .assert_stderr_contains("not in the future");
    generate(
        dir.path(),
        "x",
        &["--no-password", "--not-after", "tomorrow"],
        &[],
    )
    .assert_code(EXIT_USAGE);
}

#[test]
fn no_password_source_without_terminal_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), "np", &[], &[])
        .assert_code(EXIT_USAGE)
        .assert_stderr_contains("--no-password");
    assert_eq!(entries(dir.path()), 0);
    generate(
        dir.path(),
        "np",
        &["--password-env", "CERTTOOL_UNSET_VAR"],
        &[],
    )
    .assert_code(EXIT_USAGE)
    .assert_stderr_contains("flag names is not set")
    .assert_stderr_contains("name is not shown");
}

#[test]
fn unwritable_out_dir_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let run = generate(&file.join("sub"), "u", &["--no-password"], &[]);
    run.assert_code(EXIT_OTHER)
        .assert_stderr_contains("cannot write");
    assert_eq!(entries(dir.path()), 1);
}

#[test]
fn second_output_failing_removes_the_first() {
    let dir = tempfile::tempdir().unwrap();
    // The .cer goes into a directory that does not exist: the PFX written first must go.
    let run = generate(
        dir.path(),
        "half",
        &[
            "--no-password",
            "--cer",
            s(&dir.path().join("missing/half.cer")),
        ],
        &[],
    );
    run.assert_code(EXIT_OTHER);
    assert_eq!(entries(dir.path()), 0, "no half-written output");
}

#[test]
fn secrets_never_appear_in_output() {
    let dir = tempfile::tempdir().unwrap();
    let run = generate(
        dir.path(),
        "secret",
        &["--password-env", "PW", "--output", "json"],
        &[("PW", "VerySecretValue123")],
    );
    run.assert_code(EXIT_OK);
    assert!(!run.stdout_text().contains("VerySecretValue123"));
    assert!(!run.stderr.contains("VerySecretValue123"));
}

#[test]
fn a_failed_forced_run_keeps_the_files_it_would_have_replaced() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), "keep", &["--no-password"], &[]).assert_code(EXIT_OK);
    let pfx = dir.path().join("keep.pfx");
    let before = std::fs::read(&pfx).unwrap();
    let missing = dir.path().join("missing/keep.cer");
    generate(
        dir.path(),
        "keep",
        &["--no-password", "--force", "--cer", s(&missing)],
        &[],
    )
    .assert_code(EXIT_OTHER);
    assert_eq!(std::fs::read(&pfx).unwrap(), before, "the old key survives");
}

#[test]
fn two_outputs_to_one_path_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let same = dir.path().join("same");
    generate(
        dir.path(),
        "dup",
        &[
            "--no-password",
            "--pfx",
            s(&same),
            "--cer",
            s(&same),
            "--force",
        ],
        &[],
    )
    .assert_code(EXIT_USAGE)
    .assert_stderr_contains("same file");
    assert!(!same.exists());
}

#[test]
fn an_empty_password_from_a_named_source_is_refused() {
    // An unset CI secret often arrives as an empty variable: never a silent unprotected PFX.
    let dir = tempfile::tempdir().unwrap();
    generate(
        dir.path(),
        "e",
        &["--password-env", "EMPTY_PW"],
        &[("EMPTY_PW", "")],
    )
    .assert_code(EXIT_USAGE)
    .assert_stderr_contains("empty");
    let empty = dir.path().join("empty.txt");
    std::fs::write(&empty, "\n").unwrap();
    generate(dir.path(), "f", &["--password-file", s(&empty)], &[])
        .assert_code(EXIT_USAGE)
        .assert_stderr_contains("--no-password");
    assert_eq!(entries(dir.path()), 1, "only empty.txt");
}

#[test]
fn a_password_passed_where_a_variable_name_goes_is_not_echoed() {
    let dir = tempfile::tempdir().unwrap();
    let run = generate(
        dir.path(),
        "g",
        &["--password-env", "S3cr3t!Pass word"],
        &[],
    );
    run.assert_code(EXIT_USAGE)
        .assert_stderr_contains("not an environment variable name");
    assert!(!run.stderr.contains("S3cr3t"), "{}", run.stderr);
    let run = generate(dir.path(), "g", &["--password-file", "S3cr3t!Pass"], &[]);
    run.assert_code(EXIT_INPUT);
    assert!(!run.stderr.contains("S3cr3t"), "{}", run.stderr);
}
