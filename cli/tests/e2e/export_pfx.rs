//! End-to-end tests of `certtool export --format pfx`: PFX files built from a PEM bundle
//! or a certificate + `--key` (+ `--chain`) are opened by OpenSSL 3 without `-legacy`,
//! Python `cryptography`, azure-identity's `CertificateCredential` and Java keytool;
//! then the edges (no overwrite, 0600, PFX input, missing key, profile none).

use std::path::Path;

use crate::support::readers::{azure_identity_load, keytool_try_list, python_try_load, tool};
use crate::support::*;

const NEW_PASS: &str = "export-pass-1";

fn export_pfx(input: &Path, out: &Path, extra: &[&str]) -> Run {
    let mut args = vec!["export", s(input), "--format", "pfx", "-o", s(out)];
    args.extend_from_slice(extra);
    certtool_with(&args, &[("NEWPW", NEW_PASS)], None)
}

/// The modulus of the key OpenSSL 3 (no -legacy) finds in `pfx`.
fn pfx_key_modulus(pfx: &Path, pass: &str) -> String {
    let pem = openssl_with(
        &[
            "pkcs12",
            "-in",
            s(pfx),
            "-passin",
            &format!("pass:{pass}"),
            "-nocerts",
            "-nodes",
        ],
        None,
    );
    String::from_utf8(openssl_with(&["rsa", "-noout", "-modulus"], Some(&pem))).unwrap()
}

/// How many certificates OpenSSL 3 (no -legacy) finds in `pfx`.
fn pfx_cert_count(pfx: &Path, pass: &str) -> usize {
    let pem = openssl(&[
        "pkcs12",
        "-in",
        s(pfx),
        "-passin",
        &format!("pass:{pass}"),
        "-nokeys",
    ]);
    String::from_utf8(pem)
        .unwrap()
        .matches("-----BEGIN CERTIFICATE-----")
        .count()
}

/// Every reader this issue names opens `pfx` with `pass` and finds the key of `crt`.
fn every_reader_opens(pfx: &Path, pass: &str, crt: &Path, extra_certs: usize) {
    assert_eq!(pfx_key_modulus(pfx, pass), modulus_of_cert(crt, "pem"));
    assert_eq!(pfx_cert_count(pfx, pass), 1 + extra_certs);
    assert_eq!(
        python_try_load(pfx, Some(pass)),
        Ok((true, true, extra_certs))
    );
    azure_identity_load(pfx, Some(pass)).unwrap();
    let (code, listing) = keytool_try_list(pfx, pass);
    assert_eq!(code, 0, "keytool: {listing}");
    assert!(listing.contains("PrivateKeyEntry"), "{listing}");
}

#[test]
fn pem_bundle_to_compat_pfx_opens_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("app.pfx");
    export_pfx(
        &fixture("rsa2048-bundle.pem"),
        &out,
        &["--password-env", "NEWPW"],
    )
    .assert_code(EXIT_OK);
    assert_eq!(mode(&out), 0o600);
    every_reader_opens(&out, NEW_PASS, &fixture("rsa2048.crt"), 0);
    // The compat profile: 3DES for key and certificates, SHA-1 MAC, 2048 iterations.
    let pass = format!("pass:{NEW_PASS}");
    let (code, _, info) = tool(
        "openssl",
        &[
            "pkcs12",
            "-in",
            s(&out),
            "-passin",
            &pass,
            "-info",
            "-noout",
        ],
        &[],
    );
    assert_eq!(code, 0, "{info}");
    assert!(info.contains("MAC: sha1, Iteration 2048"), "{info}");
    assert!(
        info.contains("Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 2048"),
        "{info}"
    );
    assert!(
        info.contains("PKCS7 Encrypted data: pbeWithSHA1And3-KeyTripleDES-CBC"),
        "{info}"
    );
}

#[test]
fn certificate_key_and_chain_to_aes_pfx() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("leaf.pfx");
    let key = fixture("chain-leaf.key");
    let chain = fixture("intermediate.crt");
    export_pfx(
        &fixture("chain-leaf.crt"),
        &out,
        &[
            "--key",
            s(&key),
            "--chain",
            s(&chain),
            "--profile",
            "aes",
            "--password-env",
            "NEWPW",
        ],
    )
    .assert_code(EXIT_OK);
    every_reader_opens(&out, NEW_PASS, &fixture("chain-leaf.crt"), 1);
}

#[test]
fn empty_password_compat_pfx_opens_with_the_empty_password() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("nopass.pfx");
    export_pfx(&fixture("rsa2048-bundle.pem"), &out, &["--no-password"]).assert_code(EXIT_OK);
    every_reader_opens(&out, "", &fixture("rsa2048.crt"), 0);
    // What the tools pass when no password is given at all.
    assert_eq!(python_try_load(&out, None), Ok((true, true, 0)));
    azure_identity_load(&out, None).unwrap();
}

#[test]
fn encrypted_key_needs_its_own_password() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("enc.pfx");
    let key = fixture("rsa2048-encrypted.key");
    export_pfx(
        &fixture("rsa2048.crt"),
        &out,
        &["--key", s(&key), "--no-password", "--no-input"],
    )
    .assert_code(EXIT_PASSWORD)
    .assert_stderr_contains("--key-password-env");
    assert!(!out.exists());
    let run = certtool_with(
        &[
            "export",
            s(&fixture("rsa2048.crt")),
            "--format",
            "pfx",
            "-o",
            s(&out),
            "--key",
            s(&key),
            "--key-password-env",
            "KEYPW",
            "--no-password",
        ],
        &[("KEYPW", FIXTURE_PASS)],
        None,
    );
    run.assert_code(EXIT_OK);
    assert_eq!(
        pfx_key_modulus(&out, ""),
        modulus_of_cert(&fixture("rsa2048.crt"), "pem")
    );
}

#[test]
fn refuses_what_it_cannot_or_should_not_do() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.pfx");
    // A certificate alone has no key.
    export_pfx(&fixture("rsa2048.crt"), &out, &["--no-password"])
        .assert_code(EXIT_USAGE)
        .assert_stderr_contains("--key FILE");
    // A PFX is strip-pfx's job.
    export_pfx(&fixture("rsa2048-aes.pfx"), &out, &["--no-password"])
        .assert_code(EXIT_USAGE)
        .assert_stderr_contains("strip-pfx");
    // The key does not belong to the certificate.
    export_pfx(
        &fixture("rsa2048.crt"),
        &out,
        &["--key", s(&fixture("other.key")), "--no-password"],
    )
    .assert_code(EXIT_INPUT);
    // No password flag: refuse rather than write the key under an empty password.
    export_pfx(&fixture("rsa2048-bundle.pem"), &out, &["--no-input"]).assert_code(EXIT_USAGE);
    assert!(!out.exists());
    // --profile none has no password to give.
    export_pfx(
        &fixture("rsa2048-bundle.pem"),
        &out,
        &["--profile", "none", "--password-env", "NEWPW"],
    )
    .assert_code(EXIT_USAGE);
    // PFX-only flags with another format.
    certtool(&[
        "export",
        s(&fixture("rsa2048.crt")),
        "--format",
        "pem",
        "--key",
        s(&fixture("rsa2048.key")),
    ])
    .assert_code(EXIT_USAGE)
    .assert_stderr_contains("--key applies only to --format pfx");
    // The profile flag counts as given even when it names the default.
    certtool(&[
        "export",
        s(&fixture("rsa2048.crt")),
        "--format",
        "pem",
        "--pfx-profile",
        "compat",
    ])
    .assert_code(EXIT_USAGE)
    .assert_stderr_contains("--profile applies only to --format pfx");
    // No overwrite without --force; with it, the file is replaced.
    std::fs::write(&out, b"keep").unwrap();
    export_pfx(&fixture("rsa2048-bundle.pem"), &out, &["--no-password"]).assert_code(EXIT_USAGE);
    assert_eq!(std::fs::read(&out).unwrap(), b"keep");
    export_pfx(
        &fixture("rsa2048-bundle.pem"),
        &out,
        &["--no-password", "--force"],
    )
    .assert_code(EXIT_OK);
    assert_eq!(pfx_cert_count(&out, ""), 1);
}

#[test]
fn profile_none_warns_and_writes_no_mac() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("none.pfx");
    let run = export_pfx(&fixture("rsa2048-bundle.pem"), &out, &["--profile", "none"]);
    run.assert_code(EXIT_OK);
    assert_eq!(
        run.stderr,
        "warning: --profile none stores the private key unencrypted and without a MAC; \
         Java (keytool, JVM apps) silently drops keys stored this way\n"
    );
    assert_eq!(python_try_load(&out, None), Ok((true, true, 0)));
}
