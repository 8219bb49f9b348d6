//! The main success path of every command that takes `--output`, once as text and once
//! as `--output json` (whose stdout must parse as JSON), and the warnings printed around
//! a report, each as a whole transcript.

use std::path::Path;

use certtool_standin::{App, Config, StandIn, Tenant};

use super::*;
use crate::help::command_paths;

/// The commands snapshotted here (`create sp` in `snapshot::create_sp`); `every_reporting_command_is_snapshotted` checks this
/// against the commands whose `--help` offers `--output`.
const REPORTING: &[&str] = &[
    "generate",
    "inspect",
    "strip-pfx",
    "test asm",
    "test arm",
    "import publishsettings",
    "rotate arm",
    "audit",
    "create sp",
];

/// A report format: the snapshot suffix and the flags that ask for it.
type Format = (&'static str, &'static [&'static str]);

/// Both report formats.
const FORMATS: [Format; 2] = [("text", &[]), ("json", &["--output", "json"])];

/// The transcript of `run`, which must have succeeded; for `json` its stdout must parse.
fn success(format: Format, run: &Run, n: &Normaliser) -> String {
    run.assert_code(EXIT_OK);
    if format.0 == "json" {
        run.json();
    }
    transcript(run, n)
}

#[test]
fn every_reporting_command_is_snapshotted() {
    let takes_output: Vec<String> = command_paths()
        .into_iter()
        .filter(|path| {
            let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
            args.push("--help");
            certtool(&args).stdout_text().contains("--output <")
        })
        .map(|path| path.join(" "))
        .collect();
    assert_eq!(takes_output, REPORTING, "snapshot the new report here");
}

/// `args` then `format`'s flags, at the snapshot instant with `env`; must exit 0. The
/// transcript, checked as JSON for `json`.
fn report(args: &[&str], format: Format, env: &[(&str, &str)], n: &Normaliser) -> String {
    let mut all = args.to_vec();
    all.extend_from_slice(format.1);
    success(format, &run_at_now(&all, env), n)
}

#[test]
fn report_inspect() {
    for (name, file) in [
        ("inspect_pfx_chain", "chain.pfx"),
        ("inspect_weak_and_old", "rsa1024.crt"),
        ("inspect_expired", "expired.crt"),
    ] {
        let input = fixture(file);
        let args = ["inspect", s(&input), "--password-env", "PW"];
        let pw = [("PW", FIXTURE_PASS)];
        snap!(name, report(&args, FORMATS[0], &pw, &Normaliser::new()));
    }
    let chain = fixture("chain.pfx");
    let args = ["inspect", s(&chain), "--password-env", "PW"];
    let text = report(
        &args,
        FORMATS[1],
        &[("PW", FIXTURE_PASS)],
        &Normaliser::new(),
    );
    snap!("inspect_pfx_chain_json", text);
}

#[test]
fn report_strip_pfx() {
    let chain = fixture("chain.pfx");
    for format in FORMATS {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("stripped.pfx");
        let args = [
            "strip-pfx",
            s(&chain),
            "--out",
            s(&out),
            "--password-env",
            "PW",
        ];
        let n = Normaliser::new().tmp(tmp.path());
        let text = report(&args, format, &[("PW", FIXTURE_PASS)], &n);
        snap!(format!("strip_pfx_{}", format.0), text);
    }
}

#[test]
fn report_generate() {
    for format in FORMATS {
        let tmp = tempfile::tempdir().unwrap();
        let args = [
            "generate",
            "--name",
            "Octopus Deploy - Production",
            "--out-dir",
            s(tmp.path()),
            "--no-password",
        ];
        let mut all = args.to_vec();
        all.extend_from_slice(format.1);
        let run = run_at_now(&all, &[]);
        run.assert_code(EXIT_OK);
        // The key is new on every run: its thumbprints, read back with openssl, are not.
        let cer = tmp.path().join("Octopus-Deploy-Production.cer");
        let n = Normaliser::new()
            .tmp(tmp.path())
            .literal(&openssl_sha1_fingerprint(&cer, "der"), "[SHA1-THUMBPRINT]")
            .literal(&sha256_thumbprint(&cer), "[SHA256-THUMBPRINT]");
        snap!(format!("generate_{}", format.0), success(format, &run, &n));
    }
}

/// The SHA-256 thumbprint of a DER certificate, upper-case hex, by openssl.
fn sha256_thumbprint(cer: &Path) -> String {
    let der = std::fs::read(cer).unwrap();
    let out = openssl_with(&["dgst", "-sha256", "-r"], Some(&der));
    String::from_utf8(out).unwrap()[..64].to_ascii_uppercase()
}

#[test]
fn report_test_asm() {
    let standin = asm::standin();
    at_snapshot_now(&standin);
    let pfx = fixture("rsa2048-aes.pfx");
    for format in FORMATS {
        let mut args = asm::pfx_args(s(&pfx), SUB);
        args.extend_from_slice(format.1);
        let run = asm::test_asm(&standin, &args, &at_now(&[asm::PW]));
        let text = success(format, &run, &Normaliser::new().standin(&standin));
        snap!(format!("test_asm_{}", format.0), text);
    }
}

#[test]
fn report_test_arm() {
    let standin = arm::start(arm::reader_app());
    at_snapshot_now(&standin);
    let bundle = fixture("rsa2048-bundle.pem");
    for format in FORMATS {
        let mut args = arm::with_ids(&["--cert", s(&bundle), "--require-role", "Reader"]);
        args.extend_from_slice(format.1);
        let run = arm_at_now(&standin, &args, &[]);
        let text = success(format, &run, &Normaliser::new().standin(&standin));
        snap!(format!("test_arm_{}", format.0), text);
    }
}

/// The object id of the app `rotate arm` rolls in these snapshots.
pub const ROTATE_OBJECT_ID: &str = "44444444-4444-4444-8444-444444444444";

/// A stand-in whose app has the fixture certificate and may read itself, with new keys
/// signing in after `replication`.
pub fn rotate_standin(replication: std::time::Duration) -> StandIn {
    let standin = StandIn::start(
        Config::new()
            .tenant(
                Tenant::new(arm::TENANT).app(
                    App::new(arm::CLIENT)
                        .object_id(ROTATE_OBJECT_ID)
                        .graph_permission("Application.Read.All")
                        .certificate(arm::registered("rsa2048.cer")),
                ),
            )
            .replication_delay(replication),
    )
    .unwrap();
    at_snapshot_now(&standin);
    standin
}

/// `rotate arm` of the fixture certificate to `chain-leaf` (a fixed new certificate, so
/// thumbprints and key ids are the same on every run) at the snapshot instant, new files
/// under `tmp`, then `extra`.
pub fn rotate_at_now(standin: &StandIn, tmp: &Path, extra: &[&str]) -> Run {
    let new_cert = tmp.join("next.pem");
    let mut pem = std::fs::read(fixture("chain-leaf.key")).unwrap();
    pem.extend(std::fs::read(fixture("chain-leaf.crt")).unwrap());
    std::fs::write(&new_cert, pem).unwrap();
    let out = tmp.join("out");
    let url = standin.url().to_owned();
    let bundle = fixture("rsa2048-bundle.pem");
    let mut args = rotate_arm_args(s(&bundle));
    args.extend([
        "--new-cert",
        s(&new_cert),
        "--new-no-password",
        "--name",
        "deploy",
        "--out-dir",
        s(&out),
        "--authority-host",
        &url,
        "--graph-endpoint",
        &url,
        "--ca-file",
        s(standin.ca_pem_path()),
    ]);
    args.extend_from_slice(extra);
    certtool_with(&args, &at_now(&[]), None)
}

#[test]
fn report_rotate_arm() {
    for format in FORMATS {
        let standin = rotate_standin(std::time::Duration::ZERO);
        let tmp = tempfile::tempdir().unwrap();
        let mut args = vec!["--remove-old"];
        args.extend_from_slice(format.1);
        let run = rotate_at_now(&standin, tmp.path(), &args);
        let n = Normaliser::new().standin(&standin).tmp(tmp.path());
        snap!(
            format!("rotate_arm_{}", format.0),
            success(format, &run, &n)
        );
    }
}

/// A publishsettings fixture.
fn publishsettings(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/publishsettings")
        .join(name)
}

#[test]
fn report_import_publishsettings() {
    let file = publishsettings("schema-2.0.publishsettings");
    for format in FORMATS {
        let tmp = tempfile::tempdir().unwrap();
        let args = [
            "import",
            "publishsettings",
            s(&file),
            "--out-dir",
            s(tmp.path()),
            "--password-env",
            "PW",
        ];
        let n = Normaliser::new().tmp(tmp.path());
        let text = report(&args, format, &[("PW", FIXTURE_PASS)], &n);
        snap!(format!("import_publishsettings_{}", format.0), text);
    }
}

/// Warnings are pinned in whole transcripts, so a repeated or unwanted line shows.
#[test]
fn warnings_around_reports() {
    let file = publishsettings("schema-1.0.publishsettings");
    for (name, quiet) in [
        ("warning_import_profile_none", &[][..]),
        ("warning_import_profile_none_quiet", &["-q"][..]),
    ] {
        let mut args = quiet.to_vec();
        args.extend([
            "import",
            "publishsettings",
            s(&file),
            "--out-dir",
            "{tmp}",
            "--profile",
            "none",
        ]);
        snap!(name, in_tmp(&args, &[], EXIT_OK));
    }
    let pfx = fixture("rsa2048-aes.pfx");
    // A PFX that some readers refuse: the report's warnings, and what -q leaves.
    for (name, quiet) in [
        ("warning_strip_pfx_profile_none", &[][..]),
        ("warning_strip_pfx_profile_none_quiet", &["-q"][..]),
    ] {
        let mut args = quiet.to_vec();
        args.extend([
            "strip-pfx",
            s(&pfx),
            "--out",
            "{tmp}/out.pfx",
            "--profile",
            "none",
            "--password-env",
            "PW",
        ]);
        snap!(name, in_tmp(&args, &[("PW", FIXTURE_PASS)], EXIT_OK));
    }
}

/// `test asm`'s notes about the certificate (here: expired) come before the report, and
/// `-q` drops both.
#[test]
fn warnings_of_test_asm() {
    let expired = arm::registered("expired.crt");
    let standin = StandIn::start(Config::new().subscription(
        certtool_standin::Subscription::new(SUB, "Production").management_certificate(expired),
    ))
    .unwrap();
    at_snapshot_now(&standin);
    let tmp = tempfile::tempdir().unwrap();
    let pem = tmp.path().join("expired.pem");
    let mut data = std::fs::read(fixture("rsa2048.key")).unwrap();
    data.extend(std::fs::read(fixture("expired.crt")).unwrap());
    std::fs::write(&pem, data).unwrap();
    for (name, quiet) in [
        ("warning_test_asm_expired", &[][..]),
        ("warning_test_asm_expired_quiet", &["-q"][..]),
    ] {
        let mut args = quiet.to_vec();
        args.extend(["test", "asm", "--endpoint", standin.url(), "--ca-file"]);
        args.extend([
            s(standin.ca_pem_path()),
            "--cert",
            s(&pem),
            "--subscription",
            SUB,
        ]);
        let run = certtool_with(&args, &at_now(&[]), None);
        run.assert_code(EXIT_OK);
        let n = Normaliser::new().standin(&standin).tmp(tmp.path());
        snap!(name, transcript(&run, &n));
    }
}

#[test]
fn report_audit() {
    use crate::support::audit;
    let directory = audit::rules_directory();
    let standin = audit::start(directory);
    let formats: [Format; 4] = [
        ("text", &[]),
        ("json", &["--output", "json"]),
        ("junit", &["--output", "junit"]),
        ("sarif", &["--output", "sarif"]),
    ];
    for format in formats {
        let mut args = vec!["--owners"];
        args.extend_from_slice(format.1);
        let run = audit::audit(&standin, &args);
        audit::assert_no_secret(&run.stdout_text());
        run.assert_code(EXIT_OK);
        if format.0 != "text" && format.0 != "junit" {
            run.json();
        }
        snap!(
            format!("audit_{}", format.0),
            transcript(&run, &Normaliser::new().standin(&standin))
        );
    }
}
