//! End-to-end tests of `certtool strip-pfx`: every fixture in fixtures/pfx and every real
//! vector in ../shared/vectors is stripped by the real binary, then opened by OpenSSL 3
//! (without `-legacy`), Python `cryptography` and Java keytool, and compared bag by bag
//! with the input. Then the command's edges: pipes, new password, wrong password,
//! damaged input, OUT = IN, overwrite, file mode, failed writes.

use std::path::Path;

use crate::support::readers::{keytool_list, python_load, tool};
use crate::support::*;
use certtool_core::pfx;
use certtool_core::secret::Secret;

const PASS: &str = FIXTURE_PASS;
const UNICODE_PASS: &str = "pässwörd-ключ";

/// `certtool strip-pfx INPUT -o OUT` with `extra` arguments and environment.
fn strip(input: &str, out: &str, extra: &[&str], env: &[(&str, &str)]) -> Run {
    let mut args = vec!["strip-pfx", input, "-o", out];
    args.extend_from_slice(extra);
    certtool_with(&args, env, None)
}

/// OpenSSL's reading of every bag (attributes + PEM), the oracle for "nothing changed".
fn openssl_bags(path: &Path, pass: &str, legacy: bool) -> Option<Vec<u8>> {
    let mut args = vec!["pkcs12", "-in", path.to_str().unwrap(), "-passin", "env:PW"];
    if legacy {
        args.push("-legacy");
    }
    args.push("-nodes");
    let (code, out, _) = tool("openssl", &args, &[("PW", pass)]);
    (code == 0).then_some(out)
}

/// Strips `input` in `profile` and checks the output with every reader.
fn check_strip(input: &Path, password: &str, profile: &str) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.pfx");
    let run = strip(
        input.to_str().unwrap(),
        out.to_str().unwrap(),
        &["--password-env", "PW", "--profile", profile],
        &[("PW", password)],
    );
    run.assert_code(EXIT_OK);
    assert_eq!(mode(&out), 0o600, "{}", input.display());
    let data_in = std::fs::read(input).unwrap();
    let data_out = std::fs::read(&out).unwrap();

    // OpenSSL 3 without -legacy opens it with the empty password.
    let (code, _, err) = tool(
        "openssl",
        &[
            "pkcs12",
            "-in",
            out.to_str().unwrap(),
            "-passin",
            "pass:",
            "-noout",
        ],
        &[],
    );
    assert_eq!(
        code,
        0,
        "openssl cannot open {profile} output of {}: {err}",
        input.display()
    );

    // Bag by bag: certtool's own reading ...
    let before = pfx::open(&data_in, Some(&Secret::new(password.into())), "in").unwrap();
    let after = pfx::open(&data_out, None, "out").unwrap();
    pfx::compare(&before.pfx, &after.pfx).unwrap();
    let has_key = before
        .pfx
        .all_bags()
        .iter()
        .any(|b| matches!(b.value, pfx::BagValue::Key { .. }));
    let expected_alg = match profile {
        "compat" => "pbeWithSHAAnd3-KeyTripleDES-CBC",
        _ => "PBES2 AES-256-CBC PBKDF2-HMAC-SHA-256",
    };
    assert!(after.protection.mac.is_some());
    assert!(
        after
            .protection
            .encryption
            .iter()
            .all(|e| e.algorithm == expected_alg && e.iterations == 2048),
        "{:?}",
        after.protection
    );
    // ... and OpenSSL's: same attributes, same key, same certificates, same order.
    if let Some(oracle) = openssl_bags(input, password, true) {
        let ours = openssl_bags(&out, "", false).expect("openssl reads the output");
        assert_eq!(
            String::from_utf8_lossy(&oracle),
            String::from_utf8_lossy(&ours),
            "openssl sees different bags in {}",
            input.display()
        );
    } else {
        eprintln!(
            "note: openssl -legacy cannot read {}; compared with certtool only",
            input.display()
        );
    }

    // Python cryptography with password None.
    let (key, cert, _) = python_load(&out);
    assert_eq!(key, has_key, "python key in {}", input.display());
    assert!(
        cert || !has_key,
        "python found no certificate in {}",
        input.display()
    );

    // Java keytool, empty store password: a PrivateKeyEntry where there was a key.
    let listing = keytool_list(&out);
    assert_eq!(
        listing.contains("PrivateKeyEntry"),
        has_key,
        "keytool on {}:\n{listing}",
        input.display()
    );
}

macro_rules! fixture_tests {
    ($($name:ident: $file:expr, $pass:expr;)*) => {$(
        #[test]
        fn $name() {
            let input = pfx_fixture($file);
            check_strip(&input, $pass, "compat");
            check_strip(&input, $pass, "aes");
        }
    )*};
}

fixture_tests! {
    fixture_aes_default: "aes-default.pfx", PASS;
    fixture_legacy_rc2: "legacy-rc2.pfx", PASS;
    fixture_des3_sha1: "des3-sha1.pfx", PASS;
    fixture_unencrypted_bags: "unencrypted-bags.pfx", PASS;
    fixture_no_mac: "no-mac.pfx", PASS;
    fixture_no_protection: "no-protection.pfx", "";
    fixture_chain_named: "chain-named.pfx", PASS;
    fixture_csp: "csp.pfx", PASS;
    fixture_unicode_password: "unicode-password.pfx", UNICODE_PASS;
    fixture_empty_password: "empty-password.pfx", "";
    fixture_keytool: "keytool.p12", PASS;
    fixture_rc2_128_2des: "rc2-128-2des.pfx", PASS;
    fixture_aes128_3des_sha512: "aes128-3des-sha512.pfx", PASS;
    fixture_aes192_sha384: "aes192-sha384.pfx", PASS;
    fixture_nss_pk12util_ber: "nss-pk12util.p12", PASS;
    fixture_python_noencryption: "python-noencryption.p12", "";
    fixture_python_aes: "python-aes.p12", PASS;
}

#[test]
fn real_vectors_strip_and_keep_their_attributes() {
    let Some(dir) = vectors() else { return };
    for (file, password) in REAL_PKCS12 {
        let input = dir.join("pkcs12").join(file);
        check_strip(&input, password, "compat");
        check_strip(&input, password, "aes");
    }
}

#[test]
fn publishsettings_management_certificate_strips() {
    use base64::Engine;
    let Some(dir) = vectors() else { return };
    let xml = std::fs::read_to_string(dir.join("asm/terraform-sample.publishsettings")).unwrap();
    let start = xml.find("ManagementCertificate=\"").unwrap() + 23;
    let end = start + xml[start..].find('"').unwrap();
    let der = base64::engine::general_purpose::STANDARD
        .decode(&xml[start..end])
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("management.pfx");
    std::fs::write(&input, der).unwrap();
    check_strip(&input, "", "compat");
}

#[test]
fn chain_keeps_names_and_order() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("chain.pfx");
    strip(
        pfx_fixture("chain-named.pfx").to_str().unwrap(),
        out.to_str().unwrap(),
        &["--password-env", "PW"],
        &[("PW", PASS)],
    )
    .assert_code(EXIT_OK);
    let text = String::from_utf8(openssl_bags(&out, "", false).unwrap()).unwrap();
    let names: Vec<&str> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("friendlyName: "))
        .collect();
    assert_eq!(
        names,
        [
            "Fixture leaf",
            "Fixture intermediate",
            "Fixture root",
            "Fixture leaf"
        ]
    );
}

#[test]
fn pipe_stdin_to_stdout() {
    let input = std::fs::read(pfx_fixture("legacy-rc2.pfx")).unwrap();
    let run = certtool_with(
        &["strip-pfx", "-", "-o", "-", "--password-env", "PW"],
        &[("PW", PASS)],
        Some(&input),
    );
    run.assert_code(EXIT_OK);
    assert!(run.stdout.len() > 1000);
    let opened = pfx::open(&run.stdout, None, "stdout").unwrap();
    assert_eq!(opened.protection.password, pfx::PasswordForm::EmptyBmp);
    openssl_with(&["pkcs12", "-passin", "pass:", "-noout"], Some(&run.stdout));
    assert!(run.stderr.contains("Wrote stdout"), "{}", run.stderr);
}

#[test]
fn default_output_name_and_json_report() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("AzureCert.pfx");
    std::fs::copy(pfx_fixture("legacy-rc2.pfx"), &input).unwrap();
    let run = certtool_with(
        &[
            "strip-pfx",
            input.to_str().unwrap(),
            "--password-env",
            "PW",
            "--output",
            "json",
        ],
        &[("PW", PASS)],
        None,
    );
    run.assert_code(EXIT_OK);
    let json = run.json();
    let out = tmp.path().join("AzureCert-nopass.pfx");
    assert!(out.is_file());
    assert_eq!(json["output"], out.display().to_string());
    assert_eq!(json["output_profile"], "compat");
    assert_eq!(json["bags"]["keys"], 1);
    assert_eq!(json["bags"]["certificates"], 1);
    assert_eq!(json["input_protection"]["mac"]["algorithm"], "SHA-1");
    let algs: Vec<&str> = json["input_protection"]["encryption"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["algorithm"].as_str().unwrap())
        .collect();
    assert!(algs.contains(&"pbeWithSHAAnd40BitRC2-CBC"), "{algs:?}");
    assert_eq!(json["output_protection"]["password"], "empty-bmp");
}

#[test]
fn new_password_reprotects() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("rotated.pfx");
    strip(
        pfx_fixture("aes-default.pfx").to_str().unwrap(),
        out.to_str().unwrap(),
        &["--password-env", "PW", "--new-password-env", "NEWPW"],
        &[("PW", PASS), ("NEWPW", "r0tated!")],
    )
    .assert_code(EXIT_OK);
    let path = out.to_str().unwrap();
    let (code, _, _) = tool(
        "openssl",
        &["pkcs12", "-in", path, "-passin", "pass:", "-noout"],
        &[],
    );
    assert_ne!(
        code, 0,
        "the empty password must not open a re-protected file"
    );
    let (code, _, err) = tool(
        "openssl",
        &["pkcs12", "-in", path, "-passin", "pass:r0tated!", "-noout"],
        &[],
    );
    assert_eq!(code, 0, "{err}");
}

#[test]
fn conventional_env_var_is_used_and_announced() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("o.pfx");
    let run = strip(
        pfx_fixture("des3-sha1.pfx").to_str().unwrap(),
        out.to_str().unwrap(),
        &[],
        &[("AZURE_CLIENT_CERTIFICATE_PASSWORD", PASS)],
    );
    run.assert_code(EXIT_OK)
        .assert_stderr_contains("AZURE_CLIENT_CERTIFICATE_PASSWORD");
    assert!(
        !run.stderr.contains(PASS),
        "the password must never be printed"
    );
}

#[test]
fn wrong_password_exits_4_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("o.pfx");
    let run = strip(
        pfx_fixture("legacy-rc2.pfx").to_str().unwrap(),
        out.to_str().unwrap(),
        &["--password-env", "PW"],
        &[("PW", "not-the-password")],
    );
    run.assert_code(EXIT_PASSWORD)
        .assert_stderr_contains("MAC check failed");
    assert!(!run.stderr.contains("not-the-password"));
    assert!(!out.exists());
    assert_eq!(entries(tmp.path()), 0);
    // A MAC-less file fails in the decryption, and says so.
    let run = strip(
        pfx_fixture("no-mac.pfx").to_str().unwrap(),
        out.to_str().unwrap(),
        &["--password-env", "PW"],
        &[("PW", "not-the-password")],
    );
    run.assert_code(EXIT_PASSWORD)
        .assert_stderr_contains("decrypting the shrouded key bag 1");
    // No password at all, stdin not a terminal: the empty one is tried, then exit 4.
    let run = certtool(&[
        "strip-pfx",
        pfx_fixture("aes-default.pfx").to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    run.assert_code(EXIT_PASSWORD)
        .assert_stderr_contains("--password-env");
    assert!(!out.exists());
}

#[test]
fn truncated_and_garbage_exit_3() {
    let tmp = tempfile::tempdir().unwrap();
    let data = std::fs::read(pfx_fixture("legacy-rc2.pfx")).unwrap();
    let cut = tmp.path().join("cut.pfx");
    std::fs::write(&cut, &data[..data.len() / 2]).unwrap();
    let out = tmp.path().join("o.pfx");
    let run = strip(
        cut.to_str().unwrap(),
        out.to_str().unwrap(),
        &["--password-env", "PW"],
        &[("PW", PASS)],
    );
    run.assert_code(EXIT_INPUT)
        .assert_stderr_contains("truncated");
    assert!(!out.exists());
    let junk = tmp.path().join("junk.pfx");
    std::fs::write(&junk, b"this is not a pfx").unwrap();
    strip(junk.to_str().unwrap(), out.to_str().unwrap(), &[], &[])
        .assert_code(EXIT_INPUT)
        .assert_stderr_contains("not a PKCS#12");
}

#[test]
fn out_equal_to_in_is_refused_and_input_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("same.pfx");
    std::fs::copy(pfx_fixture("empty-password.pfx"), &input).unwrap();
    let before = std::fs::read(&input).unwrap();
    let alias = tmp.path().join(".").join("same.pfx");
    let run = certtool(&[
        "strip-pfx",
        input.to_str().unwrap(),
        "-o",
        alias.to_str().unwrap(),
        "--force",
    ]);
    run.assert_code(EXIT_USAGE)
        .assert_stderr_contains("is the input file");
    assert_eq!(std::fs::read(&input).unwrap(), before);
}

#[test]
fn no_overwrite_without_force() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("o.pfx");
    std::fs::write(&out, b"keep me").unwrap();
    let input = pfx_fixture("empty-password.pfx");
    certtool(&[
        "strip-pfx",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ])
    .assert_code(EXIT_USAGE)
    .assert_stderr_contains("--force");
    assert_eq!(std::fs::read(&out).unwrap(), b"keep me");
    certtool(&[
        "strip-pfx",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--force",
    ])
    .assert_code(EXIT_OK);
    assert_eq!(mode(&out), 0o600);
    assert!(pfx::open(&std::fs::read(&out).unwrap(), None, "o").is_ok());
}

#[test]
fn failed_write_leaves_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    // The directory of OUT is a regular file: creating the temporary file fails.
    let blocker = tmp.path().join("not-a-dir");
    std::fs::write(&blocker, b"x").unwrap();
    let out = blocker.join("o.pfx");
    let run = certtool(&[
        "strip-pfx",
        pfx_fixture("empty-password.pfx").to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_ne!(run.code, 0);
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, [std::ffi::OsString::from("not-a-dir")]);
    // A read-only directory (effective only when not running as root; Unix modes).
    #[cfg(unix)]
    read_only_dir_leaves_nothing(tmp.path());
}

#[cfg(unix)]
fn read_only_dir_leaves_nothing(tmp: &std::path::Path) {
    let ro = tmp.join("ro");
    std::fs::create_dir(&ro).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
    let probe = std::fs::File::create(ro.join("probe"));
    if probe.is_err() {
        let out = ro.join("o.pfx");
        let run = certtool(&[
            "strip-pfx",
            pfx_fixture("empty-password.pfx").to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ]);
        assert_ne!(run.code, 0);
        assert_eq!(entries(&ro), 0);
    } else {
        eprintln!("note: running as root, a read-only directory does not stop writes; checked the not-a-directory case only");
    }
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn profile_none_warns_and_writes_no_mac() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("o.pfx");
    let run = strip(
        pfx_fixture("aes-default.pfx").to_str().unwrap(),
        out.to_str().unwrap(),
        &["--password-env", "PW", "--profile", "none"],
        &[("PW", PASS)],
    );
    run.assert_code(EXIT_OK).assert_stderr_contains("Java");
    let opened = pfx::open(&std::fs::read(&out).unwrap(), None, "o").unwrap();
    assert!(opened.protection.mac.is_none());
    assert!(opened.protection.encryption.is_empty());
    assert_eq!(mode(&out), 0o600);
}

#[test]
fn a_password_free_file_opens_even_when_the_env_password_is_set() {
    // Pipelines set AZURE_CLIENT_CERTIFICATE_PASSWORD for other tools: the empty password
    // is tried first, the variable only when the file needs a password.
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("o.pfx");
    strip(
        pfx_fixture("empty-password.pfx").to_str().unwrap(),
        out.to_str().unwrap(),
        &[],
        &[("AZURE_CLIENT_CERTIFICATE_PASSWORD", "not-this-one")],
    )
    .assert_code(EXIT_OK);
    assert!(out.exists());
}

#[test]
fn an_empty_new_password_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("o.pfx");
    strip(
        pfx_fixture("aes-default.pfx").to_str().unwrap(),
        out.to_str().unwrap(),
        &["--password-env", "PW", "--new-password-env", "NEW_PW"],
        &[("PW", PASS), ("NEW_PW", "")],
    )
    .assert_code(EXIT_USAGE)
    .assert_stderr_contains("empty");
    assert!(!out.exists());
}
