//! End-to-end tests of `certtool import publishsettings`: the fixtures made with the
//! legacy RC2/3DES empty-password PKCS#12 (fixtures/make-publishsettings.sh), the real
//! Terraform sample from shared/vectors, and damaged files.

use std::path::{Path, PathBuf};

use crate::support::*;
use certtool_standin::{Certificate, Config, StandIn, Subscription};

fn ps(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/publishsettings")
        .join(name)
}

fn import(file: &Path, out: &Path, extra: &[&str], env: &[(&str, &str)]) -> Run {
    let mut args = vec!["import", "publishsettings", s(file), "--out-dir", s(out)];
    args.extend_from_slice(extra);
    certtool_with(&args, env, None)
}

fn assert_no_secret(run: &Run, file: &Path) {
    let text = std::fs::read_to_string(file).unwrap();
    let start = text.find("ManagementCertificate=\"").unwrap() + 23;
    let b64 = &text[start..start + 60];
    for out in [run.stdout_text(), run.stderr.clone()] {
        assert!(!out.contains("PRIVATE KEY") && !out.contains(b64), "{out}");
    }
}

#[test]
fn schema_1_import_then_test() {
    let dir = tempfile::tempdir().unwrap();
    let file = ps("schema-1.0.publishsettings");
    let run = import(
        &file,
        dir.path(),
        &["--no-password", "--output", "json"],
        &[],
    );
    run.assert_code(EXIT_OK);
    assert_no_secret(&run, &file);
    let json = run.json();
    assert_eq!(json["schema_version"], "1.0");
    let thumb = openssl_sha1_fingerprint(&ps("ps-a.cer"), "der");
    assert_eq!(json["certificates"].as_array().unwrap().len(), 1);
    assert_eq!(json["certificates"][0]["thumbprint"], thumb);
    let subs = json["subscriptions"].as_array().unwrap();
    assert_eq!(subs.len(), 2);
    assert_eq!(subs[0]["id"], "10000000-0000-0000-0000-000000000001");
    assert_eq!(subs[0]["name"], "Fixture One");
    assert_eq!(
        subs[1]["management_url"],
        "https://management.core.windows.net/"
    );
    assert_eq!(subs[1]["cloud"], "AzureCloud");
    assert_eq!(subs[1]["thumbprint"], thumb);
    let pfx = dir.path().join(format!("{thumb}.pfx"));
    let cer = dir.path().join(format!("{thumb}.cer"));
    assert_eq!(mode(&pfx), 0o600);
    assert_eq!(mode(&cer), 0o644);
    assert_eq!(
        std::fs::read(&cer).unwrap(),
        std::fs::read(ps("ps-a.cer")).unwrap()
    );
    // openssl opens the PFX (compat profile, empty password) and its key fits the cert.
    let key = openssl(&[
        "pkcs12",
        "-in",
        s(&pfx),
        "-passin",
        "pass:",
        "-nocerts",
        "-nodes",
    ]);
    let key_mod = openssl_with(&["rsa", "-noout", "-modulus"], Some(&key));
    assert_eq!(
        String::from_utf8(key_mod).unwrap(),
        modulus_of_cert(&cer, "der")
    );
    // The imported PFX is accepted by ASM for the file's subscription.
    let standin = StandIn::start(
        Config::new().subscription(
            Subscription::new("10000000-0000-0000-0000-000000000001", "One")
                .management_certificate(Certificate::from_file(&cer).unwrap()),
        ),
    )
    .unwrap();
    let test = certtool(&[
        "test",
        "asm",
        "--cert",
        s(&pfx),
        "--subscription",
        "10000000-0000-0000-0000-000000000001",
        "--endpoint",
        standin.url(),
        "--ca-file",
        s(standin.ca_pem_path()),
        "--timeout",
        "10",
    ]);
    test.assert_code(EXIT_OK);
    // Again: existing files are not replaced without --force.
    import(&file, dir.path(), &["--no-password"], &[]).assert_code(EXIT_USAGE);
    import(&file, dir.path(), &["--no-password", "--force"], &[]).assert_code(EXIT_OK);
}

#[test]
fn schema_2_two_certificates_with_a_password_and_aes() {
    let dir = tempfile::tempdir().unwrap();
    let file = ps("schema-2.0.publishsettings");
    let run = import(
        &file,
        dir.path(),
        &[
            "--password-env",
            "NEWPW",
            "--profile",
            "aes",
            "--output",
            "json",
        ],
        &[("NEWPW", "import-pass")],
    );
    run.assert_code(EXIT_OK);
    assert_no_secret(&run, &file);
    assert!(!run.stdout_text().contains("import-pass"));
    let json = run.json();
    assert_eq!(json["schema_version"], "2.0");
    let a = openssl_sha1_fingerprint(&ps("ps-a.cer"), "der");
    let b = openssl_sha1_fingerprint(&ps("ps-b.cer"), "der");
    let thumbs: Vec<&str> = json["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["thumbprint"].as_str().unwrap())
        .collect();
    assert_eq!(thumbs, [a.as_str(), b.as_str()]);
    let subs = json["subscriptions"].as_array().unwrap();
    assert_eq!(subs.len(), 3);
    assert_eq!(subs[1]["thumbprint"], b);
    assert_eq!(subs[2]["thumbprint"], a);
    assert_eq!(subs[2]["cloud"], "AzureUSGovernment");
    assert_eq!(
        subs[2]["management_url"],
        "https://management.core.usgovcloudapi.net"
    );
    for t in [&a, &b] {
        let pfx = dir.path().join(format!("{t}.pfx"));
        assert_eq!(mode(&pfx), 0o600);
        let info = run_openssl_info(&pfx, "import-pass");
        assert!(info.contains("AES-256-CBC"), "{info}");
        assert!(!openssl_ok(&[
            "pkcs12",
            "-in",
            s(&pfx),
            "-passin",
            "pass:wrong",
            "-noout"
        ]));
    }
    // Text listing names every subscription and the files.
    let dir2 = tempfile::tempdir().unwrap();
    let text = import(&file, dir2.path(), &["--no-password"], &[]);
    text.assert_code(EXIT_OK);
    let out = text.stdout_text();
    assert!(
        out.contains("Fixture Five") && out.contains("AzureUSGovernment"),
        "{out}"
    );
    assert!(out.contains(&format!("{b}.pfx")), "{out}");
}

fn run_openssl_info(pfx: &Path, pass: &str) -> String {
    let out = std::process::Command::new("openssl")
        .args([
            "pkcs12",
            "-in",
            s(pfx),
            "-passin",
            &format!("pass:{pass}"),
            "-info",
            "-noout",
        ])
        .output_within(DEADLINE)
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout)
}

#[test]
fn real_terraform_sample() {
    let Some(vectors) = vectors() else { return };
    let sample = vectors.join("asm/terraform-sample.publishsettings");
    let dir = tempfile::tempdir().unwrap();
    let run = import(
        &sample,
        dir.path(),
        &["--no-password", "--output", "json"],
        &[],
    );
    run.assert_code(EXIT_OK);
    let json = run.json();
    assert_eq!(
        json["subscriptions"][0]["id"],
        "a65bf94f-26b3-4fb1-9d50-6e27c6096df1"
    );
    assert_eq!(json["subscriptions"][0]["name"], "terraform-testing");
    assert_eq!(
        json["certificates"][0]["thumbprint"],
        "6A7F31713273EBE91086040703CC857BB5ECC550"
    );
    assert_eq!(json["certificates"][0]["subject"], "CN=Windows Azure Tools");
    assert!(dir
        .path()
        .join("6A7F31713273EBE91086040703CC857BB5ECC550.pfx")
        .exists());
}

#[test]
fn damaged_files_exit_3_naming_the_element_and_attribute() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read_to_string(ps("schema-2.0.publishsettings")).unwrap();
    let cases: Vec<(String, &str)> = vec![
        (
            good.replacen("Id=\"20000000-0000-0000-0000-000000000001\"", "", 1),
            "Subscription[1] (line 6): attribute Id is missing",
        ),
        (
            good.replacen(
                "ServiceManagementUrl=\"https://management.core.windows.net\"",
                "",
                1,
            ),
            "ServiceManagementUrl is missing",
        ),
        (
            good.replacen(
                "ManagementCertificate=\"MII",
                "ManagementCertificate=\"!!!",
                1,
            ),
            "Subscription[1]@ManagementCertificate: not valid base64",
        ),
        (
            good.replacen(
                "ManagementCertificate=\"MII",
                "ManagementCertificate=\"MIA",
                1,
            ),
            "Subscription[1]@ManagementCertificate",
        ),
        (good.replace("</PublishData>", ""), "malformed XML"),
        ("<NotPublishData/>".into(), "expected <PublishData>"),
    ];
    for (i, (text, needle)) in cases.iter().enumerate() {
        let file = dir.path().join(format!("bad{i}.publishsettings"));
        std::fs::write(&file, text).unwrap();
        let run = import(&file, &dir.path().join("out"), &["--no-password"], &[]);
        run.assert_code(EXIT_INPUT);
        run.assert_stderr_contains(needle);
        assert!(!run.stderr.contains("PRIVATE KEY"));
    }
    assert!(
        !dir.path().join("out").exists()
            || std::fs::read_dir(dir.path().join("out")).unwrap().count() == 0
    );
}

#[test]
fn usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let file = ps("schema-1.0.publishsettings");
    let none = import(
        &file,
        dir.path(),
        &["--profile", "none", "--password-env", "PW"],
        &[("PW", "x")],
    );
    none.assert_code(EXIT_USAGE);
    none.assert_stderr_contains("without any password");
    let no_pw = import(&file, dir.path(), &[], &[]);
    no_pw.assert_code(EXIT_USAGE);
    no_pw.assert_stderr_contains("--no-password");
    assert_eq!(entries(dir.path()), 0);
    import(
        &dir.path().join("missing.publishsettings"),
        dir.path(),
        &["--no-password"],
        &[],
    )
    .assert_code(EXIT_INPUT);
}

#[test]
fn profile_none_writes_unprotected_pfx_files_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let run = import(
        &ps("schema-1.0.publishsettings"),
        &out,
        &["--profile", "none"],
        &[],
    );
    run.assert_code(EXIT_OK);
    // One warning, not two: the whole of stderr.
    assert_eq!(
        run.stderr,
        "warning: --profile none stores the private keys unencrypted and without a MAC; \
         Java (keytool, JVM apps) silently drops keys stored this way\n"
    );
    let pfxs: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pfx"))
        .collect();
    assert!(!pfxs.is_empty());
    for pfx in pfxs {
        let opened = certtool_core::pfx::open(&std::fs::read(&pfx).unwrap(), None, "out").unwrap();
        assert!(opened.protection.mac.is_none(), "{pfx:?}");
        assert!(opened.protection.encryption.is_empty(), "{pfx:?}");
        assert_eq!(opened.pfx.all_bags().len(), 2, "key + certificate");
    }
}

#[test]
fn profile_none_warning_honours_quiet() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let run = certtool(&[
        "-q",
        "import",
        "publishsettings",
        s(&ps("schema-1.0.publishsettings")),
        "--out-dir",
        s(&out),
        "--pfx-profile",
        "none",
    ]);
    run.assert_code(EXIT_OK);
    assert_eq!(run.stderr, "");
    assert!(std::fs::read_dir(&out).unwrap().count() > 0);
}
