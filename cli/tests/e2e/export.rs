//! End-to-end tests of `certtool export`, checked against the openssl CLI.

use crate::support::*;
use base64::Engine;
use std::path::Path;

fn export(input: &Path, format: &str) -> Run {
    certtool_with(
        &[
            "export",
            s(input),
            "--format",
            format,
            "--password-env",
            "PW",
        ],
        &[("PW", FIXTURE_PASS)],
        None,
    )
}

fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[test]
fn every_format_agrees_with_openssl() {
    let crt = fixture("rsa2048.crt");
    let der = openssl(&["x509", "-in", s(&crt), "-outform", "der"]);
    for input in [
        "rsa2048-aes.pfx",
        "rsa2048-nopass.pfx",
        "rsa2048.crt",
        "rsa2048.cer",
        "rsa2048-bundle.pem",
    ] {
        let input = fixture(input);
        assert_eq!(
            export(&input, "cer").assert_code(EXIT_OK).stdout,
            der,
            "{input:?}"
        );
        let pem = export(&input, "pem");
        assert_eq!(
            openssl_with(&["x509", "-outform", "der"], Some(&pem.stdout)),
            der
        );
        assert_eq!(
            export(&input, "base64").stdout_text(),
            format!(
                "{}\n",
                base64::engine::general_purpose::STANDARD.encode(&der)
            )
        );
        assert_eq!(
            export(&input, "thumbprint").stdout_text().trim(),
            openssl_sha1_fingerprint(&crt, "pem")
        );
        let sha256 = String::from_utf8(openssl(&[
            "x509",
            "-in",
            s(&crt),
            "-noout",
            "-fingerprint",
            "-sha256",
        ]))
        .unwrap();
        assert_eq!(
            export(&input, "thumbprint-sha256").stdout_text().trim(),
            sha256.trim().split('=').nth(1).unwrap().replace(':', "")
        );
        let sha1_bin = openssl_with(&["dgst", "-sha1", "-binary"], Some(&der));
        assert_eq!(
            export(&input, "x5t").stdout_text().trim(),
            b64url(&sha1_bin)
        );
        let sha256_bin = openssl_with(&["dgst", "-sha256", "-binary"], Some(&der));
        assert_eq!(
            export(&input, "x5t-s256").stdout_text().trim(),
            b64url(&sha256_bin)
        );
    }
}

#[test]
fn legacy_rc2_pfx_is_read() {
    let der = openssl(&["x509", "-in", s(&fixture("rsa2048.crt")), "-outform", "der"]);
    assert_eq!(
        export(&fixture("rsa2048-legacy.pfx"), "cer")
            .assert_code(EXIT_OK)
            .stdout,
        der
    );
}

#[test]
fn keycredential_round_trips() {
    let run = export(&fixture("rsa2048-aes.pfx"), "keycredential");
    run.assert_code(EXIT_OK);
    let json = run.json();
    let der = base64::engine::general_purpose::STANDARD
        .decode(json["key"].as_str().unwrap())
        .unwrap();
    assert_eq!(
        der,
        openssl(&["x509", "-in", s(&fixture("rsa2048.crt")), "-outform", "der"])
    );
    let id = base64::engine::general_purpose::STANDARD
        .decode(json["customKeyIdentifier"].as_str().unwrap())
        .unwrap();
    assert_eq!(id, openssl_with(&["dgst", "-sha1", "-binary"], Some(&der)));
    assert_eq!(json["type"], "AsymmetricX509Cert");
    assert_eq!(json["usage"], "Verify");
    assert_eq!(json["displayName"], "CN=Fixture Management Cert");
    let start = json["startDateTime"].as_str().unwrap();
    assert!(start.ends_with('Z') && start.len() == 20, "{start}");
}

#[test]
fn the_leaf_is_exported_not_the_first_certificate() {
    let leaf_tp = openssl_sha1_fingerprint(&fixture("chain-leaf.crt"), "pem");
    for input in [
        "chain-ca-first.pem",
        "chain-ca-first-with-key.pem",
        "chain.pfx",
    ] {
        let run = export(&fixture(input), "thumbprint");
        run.assert_code(EXIT_OK);
        assert_eq!(run.stdout_text().trim(), leaf_tp, "{input}");
    }
}

#[test]
fn pem_bundle_has_matching_key_and_chain() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sp.pem");
    certtool_with(
        &[
            "export",
            s(&fixture("chain.pfx")),
            "--format",
            "pem-bundle",
            "-o",
            s(&out),
            "--password-env",
            "PW",
        ],
        &[("PW", FIXTURE_PASS)],
        None,
    )
    .assert_code(EXIT_OK);
    assert_eq!(mode(&out), 0o600);
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.starts_with("-----BEGIN PRIVATE KEY-----"));
    assert_eq!(text.matches("BEGIN CERTIFICATE").count(), 3);
    let key_mod = openssl(&["rsa", "-in", s(&out), "-noout", "-modulus"]);
    assert_eq!(
        String::from_utf8(key_mod).unwrap(),
        modulus_of_cert(&fixture("chain-leaf.crt"), "pem")
    );
    // The first certificate in the bundle is the leaf.
    assert_eq!(
        openssl_sha1_fingerprint(&out, "pem"),
        openssl_sha1_fingerprint(&fixture("chain-leaf.crt"), "pem")
    );
}

#[test]
fn pem_bundle_needs_a_matching_key() {
    export(&fixture("rsa2048.cer"), "pem-bundle")
        .assert_code(EXIT_INPUT)
        .assert_stderr_contains("no private key");
    export(&fixture("mismatched-bundle.pem"), "pem-bundle")
        .assert_code(EXIT_INPUT)
        .assert_stderr_contains("does not match");
}

#[test]
fn reads_stdin_and_refuses_overwrite() {
    let data = std::fs::read(fixture("rsa2048.cer")).unwrap();
    let run = certtool_with(&["export", "-", "--format", "thumbprint"], &[], Some(&data));
    run.assert_code(EXIT_OK);
    assert_eq!(
        run.stdout_text().trim(),
        openssl_sha1_fingerprint(&fixture("rsa2048.crt"), "pem")
    );

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.cer");
    std::fs::write(&out, "keep").unwrap();
    certtool(&[
        "export",
        s(&fixture("rsa2048.crt")),
        "--format",
        "cer",
        "-o",
        s(&out),
    ])
    .assert_code(EXIT_USAGE)
    .assert_stderr_contains("already exists");
    assert_eq!(std::fs::read(&out).unwrap(), b"keep");
    certtool(&[
        "export",
        s(&fixture("rsa2048.crt")),
        "--format",
        "cer",
        "-o",
        s(&out),
        "--force",
    ])
    .assert_code(EXIT_OK);
    assert_eq!(std::fs::read(&out).unwrap(), data);
}

#[test]
fn passwords_wrong_or_missing_exit_4() {
    certtool_with(
        &[
            "export",
            s(&fixture("rsa2048-aes.pfx")),
            "--format",
            "thumbprint",
            "--password-env",
            "PW",
        ],
        &[("PW", "wrong")],
        None,
    )
    .assert_code(EXIT_PASSWORD)
    .assert_stderr_contains("rsa2048-aes.pfx");
    certtool(&[
        "export",
        s(&fixture("rsa2048-aes.pfx")),
        "--format",
        "thumbprint",
    ])
    .assert_code(EXIT_PASSWORD)
    .assert_stderr_contains("--password-env");
}

#[test]
fn bad_inputs_exit_3_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    for (input, words) in [
        (fixture("truncated.pfx"), "truncated.pfx"),
        (fixture("empty.pfx"), "empty"),
        (fixture("garbage.txt"), "garbage.txt"),
        (dir.path().to_path_buf(), "is a directory"),
        (dir.path().join("missing.pfx"), "missing.pfx"),
    ] {
        certtool(&["export", s(&input), "--format", "thumbprint"])
            .assert_code(EXIT_INPUT)
            .assert_stderr_contains(words);
    }
}

#[test]
fn unwritable_output_exits_1() {
    certtool(&[
        "export",
        s(&fixture("rsa2048.crt")),
        "--format",
        "pem",
        "-o",
        "/nonexistent-dir/x.pem",
    ])
    .assert_code(EXIT_OTHER)
    .assert_stderr_contains("/nonexistent-dir/x.pem");
}

#[test]
fn binary_output_is_refused_on_a_terminal() {
    // `script` (util-linux) gives certtool a pseudo-terminal as stdout; -e returns its code.
    let on_terminal = |format: &str| {
        let cmd = format!(
            "{} export {} --format {format}",
            env!("CARGO_BIN_EXE_certtool"),
            s(&fixture("rsa2048.cer"))
        );
        let out = std::process::Command::new("script")
            .args(["-qec", &cmd, "/dev/null"])
            .stdin(std::process::Stdio::null())
            .output_within(DEADLINE)
            .expect("run script(1)");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, text) = on_terminal("cer");
    assert_eq!(code, Some(2), "{text}");
    assert!(
        text.contains("refusing to write binary data to a terminal"),
        "{text}"
    );
    assert!(!text.contains('\u{0}'), "no DER bytes reached the terminal");
    // Text formats are fine on a terminal.
    let (code, text) = on_terminal("thumbprint");
    assert_eq!(code, Some(0), "{text}");
}

#[test]
fn export_never_writes_over_its_input() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("b.pem");
    std::fs::copy(fixture("rsa2048-bundle.pem"), &bundle).unwrap();
    let before = std::fs::read(&bundle).unwrap();
    certtool(&[
        "export",
        s(&bundle),
        "--format",
        "pem",
        "-o",
        s(&bundle),
        "--force",
    ])
    .assert_code(EXIT_USAGE)
    .assert_stderr_contains("is the input file");
    assert_eq!(std::fs::read(&bundle).unwrap(), before);
}
