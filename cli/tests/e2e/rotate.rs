//! `certtool rotate arm` against the stand-in's Entra ID and Graph: with and without
//! `--remove-old`, replication shorter and longer than `--wait`, an app that cannot read
//! itself, refused proofs, Graph failing mid-way, and `--dry-run`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use certtool_standin::{App, Config, Fault, StandIn, Tenant, Times};

use crate::support::arm::*;
use crate::support::*;

const OBJECT_ID: &str = "44444444-4444-4444-8444-444444444444";
const OTHER_CLIENT: &str = "55555555-5555-4555-8555-555555555555";
const OLD_THUMBPRINT: &str = "0E10E8E93A1565AE712190DF2D37B426DB9C0521";

fn app(readable: bool) -> App {
    let app = App::new(CLIENT)
        .object_id(OBJECT_ID)
        .certificate(registered("rsa2048.cer"));
    if readable {
        app.graph_permission("Application.Read.All")
    } else {
        app
    }
}

fn standin(app: App, replication: Duration) -> StandIn {
    StandIn::start(
        Config::new()
            .tenant(Tenant::new(TENANT).app(app).app(App::new(OTHER_CLIENT)))
            .replication_delay(replication),
    )
    .unwrap()
}

/// `rotate arm` with `cert` as the current certificate, new files in `out` (no
/// password), then `extra`.
fn rotate_cert(standin: &StandIn, out: &Path, cert: &Path, extra: &[&str]) -> Run {
    rotate_as(standin, TENANT, CLIENT, out, cert, extra)
}

/// [`rotate_cert`] as `client` of `tenant`.
fn rotate_as(
    standin: &StandIn,
    tenant: &str,
    client: &str,
    out: &Path,
    cert: &Path,
    extra: &[&str],
) -> Run {
    let url = standin.url().to_string();
    let mut args = vec![
        "rotate",
        "arm",
        "--tenant",
        tenant,
        "--client-id",
        client,
        "--cert",
        s(cert),
        "--authority-host",
        &url,
        "--graph-endpoint",
        &url,
        "--ca-file",
        s(standin.ca_pem_path()),
        "--out-dir",
        s(out),
        "--new-no-password",
    ];
    args.extend_from_slice(extra);
    certtool_with(&args, &[], None)
}

/// `rotate arm` with the fixture certificate as the current one, new files in `out`
/// named "rolled", a JSON report.
fn rotate(standin: &StandIn, out: &Path, extra: &[&str]) -> Run {
    let mut args = vec!["--name", "rolled", "--output", "json"];
    args.extend_from_slice(extra);
    rotate_cert(standin, out, &fixture("rsa2048-bundle.pem"), &args)
}

fn thumbprints(standin: &StandIn) -> Vec<String> {
    let mut all = Vec::new();
    standin.update_config(|c| {
        all = c.tenants[0].apps[0]
            .certificates
            .iter()
            .map(|c| c.sha1_thumbprint())
            .collect();
    });
    all
}

fn files(out: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

fn statuses(run: &Run) -> Vec<(String, String)> {
    run.json()["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["step"].as_str().unwrap().to_owned(),
                s["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn graph_writes(standin: &StandIn) -> usize {
    standin
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.matches("/v1.0"))
        .count()
}

/// Signs in with the new PFX (empty password) through `test arm`.
fn new_pfx_signs_in(standin: &StandIn, pfx: &Path) -> bool {
    new_pfx_signs_in_at(standin, pfx, &[])
}

/// The same with extra environment (a fake clock).
fn new_pfx_signs_in_at(standin: &StandIn, pfx: &Path, env: &[(&str, &str)]) -> bool {
    test_arm(standin, &with_ids(&["--cert", s(pfx)]), env)
        .stdout_text()
        .contains("[ok]   token")
}

#[test]
fn rotate_keeps_the_old_certificate_without_remove_old() {
    let standin = standin(app(true), Duration::ZERO);
    let out = tempfile::tempdir().unwrap();
    let run = rotate(&standin, out.path(), &[]);
    run.assert_code(EXIT_OK);
    let json = run.json();
    assert_eq!(json["state"], "both_registered");
    assert_eq!(json["object_id"], OBJECT_ID);
    assert_eq!(json["old_thumbprint"], OLD_THUMBPRINT);
    let new = json["new_thumbprint"].as_str().unwrap().to_owned();
    assert_eq!(
        statuses(&run),
        [
            ("sign_in", "done"),
            ("resolve_app", "done"),
            ("stage", "done"),
            ("add_key", "done"),
            ("verify_new", "done"),
            ("remove_old", "skipped"),
            ("commit", "done"),
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
    );
    let registered = thumbprints(&standin);
    assert!(registered.contains(&OLD_THUMBPRINT.to_owned()) && registered.contains(&new));
    // Only the committed files remain, the key file private.
    let written = files(out.path());
    assert_eq!(written.len(), 2, "{written:?}");
    let pfx = written
        .iter()
        .find(|p| p.extension().unwrap() == "pfx")
        .unwrap();
    assert_eq!(mode(pfx) & 0o777, 0o600);
    assert!(!pfx.to_string_lossy().contains("staged"));
    assert!(new_pfx_signs_in(&standin, pfx));
    // The proof went with addKey: one Graph write.
    assert_eq!(graph_writes(&standin), 1);
}

#[test]
fn rotate_with_remove_old_leaves_only_the_new_certificate() {
    let standin = standin(app(true), Duration::ZERO);
    let out = tempfile::tempdir().unwrap();
    let run = rotate(&standin, out.path(), &["--remove-old"]);
    run.assert_code(EXIT_OK);
    let json = run.json();
    assert_eq!(json["state"], "rotated");
    let new = json["new_thumbprint"].as_str().unwrap();
    assert_eq!(thumbprints(&standin), [new.to_owned()]);
    // removeKey came after the new certificate signed in.
    let log = standin.requests();
    let remove = log
        .iter()
        .position(|r| r.path.ends_with("/removeKey"))
        .unwrap();
    let add = log
        .iter()
        .position(|r| r.path.ends_with("/addKey"))
        .unwrap();
    let new_sign_in = log[add..]
        .iter()
        .position(|r| r.matches("/*/oauth2") && r.status == Some(200))
        .unwrap()
        + add;
    assert!(add < new_sign_in && new_sign_in < remove);
    // The old certificate no longer signs in.
    let old = test_arm(
        &standin,
        &with_ids(&["--cert", s(&fixture("rsa2048-bundle.pem"))]),
        &[],
    );
    old.assert_code(EXIT_REJECTED);
}

#[test]
fn replication_shorter_than_wait_is_waited_for() {
    let standin = standin(app(true), Duration::from_secs(2));
    let out = tempfile::tempdir().unwrap();
    let run = rotate(&standin, out.path(), &["--wait", "20", "--remove-old"]);
    run.assert_code(EXIT_OK);
    assert!(run.json()["verify_attempts"].as_u64().unwrap() >= 2);
    assert_eq!(run.json()["state"], "rotated");
}

#[test]
fn replication_longer_than_wait_exits_7_with_the_new_key_saved() {
    let standin = standin(app(true), Duration::from_secs(600));
    let out = tempfile::tempdir().unwrap();
    let run = rotate(&standin, out.path(), &["--wait", "2", "--remove-old"]);
    run.assert_code(EXIT_NETWORK)
        .assert_stderr_contains("the new certificate did not sign in within")
        .assert_stderr_contains("the app holds both certificates")
        .assert_stderr_contains("to undo: az ad app credential delete --id");
    let json = run.json();
    assert_eq!(json["state"], "both_registered");
    // Nothing removed; the new PFX is on disk under its staged name.
    assert_eq!(thumbprints(&standin).len(), 2);
    let staged = PathBuf::from(json["pfx"].as_str().unwrap());
    assert!(staged.is_file() && staged.to_string_lossy().contains(".staged."));
    assert!(!standin
        .requests()
        .iter()
        .any(|r| r.path.ends_with("/removeKey")));
    // Once replicated (both clocks ten minutes on), the saved PFX signs in.
    assert!(!new_pfx_signs_in(&standin, &staged));
    standin.set_clock_offset(601);
    let later = (time::OffsetDateTime::now_utc() + time::Duration::seconds(601))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    assert!(new_pfx_signs_in_at(&standin, &staged, &[fake_now(&later)]));
}

#[test]
fn an_app_that_cannot_read_itself_needs_its_object_id() {
    let standin = standin(app(false), Duration::ZERO);
    let out = tempfile::tempdir().unwrap();
    let run = rotate(&standin, out.path(), &[]);
    run.assert_code(EXIT_PERMISSION)
        .assert_stderr_contains("--app-object-id");
    assert_eq!(graph_writes(&standin), 0, "nothing changed");
    assert!(files(out.path()).is_empty());

    let run = rotate(&standin, out.path(), &["--app-object-id", OBJECT_ID]);
    run.assert_code(EXIT_OK);
    assert_eq!(run.json()["state"], "both_registered");
    assert_eq!(thumbprints(&standin).len(), 2);
}

#[test]
fn a_proof_for_the_wrong_object_id_is_refused_and_nothing_is_left() {
    let standin = standin(app(false), Duration::ZERO);
    let out = tempfile::tempdir().unwrap();
    let other = App::new(OTHER_CLIENT).object_id;
    let run = rotate(&standin, out.path(), &["--app-object-id", &other]);
    run.assert_code(EXIT_REJECTED)
        .assert_stderr_contains("Authentication_MissingOrMalformed")
        .assert_stderr_contains("the app registration is unchanged");
    assert_eq!(run.json()["state"], "unchanged");
    assert_eq!(thumbprints(&standin), [OLD_THUMBPRINT.to_owned()]);
    assert!(files(out.path()).is_empty(), "staged files removed");
}

#[test]
fn graph_failing_at_remove_key_keeps_both_keys_and_the_new_pfx() {
    let standin = standin(app(true), Duration::ZERO);
    standin.set_fault("/v1.0/applications/*/removeKey", Fault::Drop, Times::Always);
    let out = tempfile::tempdir().unwrap();
    let run = rotate(&standin, out.path(), &["--remove-old"]);
    run.assert_code(EXIT_NETWORK)
        .assert_stderr_contains("remove_old");
    assert_eq!(run.json()["state"], "both_registered");
    assert_eq!(thumbprints(&standin).len(), 2);
    let pfx = PathBuf::from(run.json()["pfx"].as_str().unwrap());
    assert!(pfx.is_file() && !pfx.to_string_lossy().contains("staged"));
    assert!(new_pfx_signs_in(&standin, &pfx));
}

#[test]
fn dry_run_signs_in_and_sends_nothing_else() {
    let standin = standin(app(true), Duration::ZERO);
    let out = tempfile::tempdir().unwrap();
    let run = rotate(&standin, out.path(), &["--dry-run", "--remove-old"]);
    run.assert_code(EXIT_OK);
    let steps = statuses(&run);
    assert_eq!(steps[0], ("sign_in".to_owned(), "done".to_owned()));
    assert!(steps[1..].iter().all(|(_, s)| s == "planned"), "{steps:?}");
    let log = standin.requests();
    assert_eq!(log.len(), 1, "only the sign-in");
    assert!(log[0].matches("/*/oauth2"));
    assert!(files(out.path()).is_empty());
    assert_eq!(thumbprints(&standin), [OLD_THUMBPRINT.to_owned()]);
}

#[test]
fn an_unregistered_current_certificate_exits_5_before_any_change() {
    let standin = standin(App::new(CLIENT).object_id(OBJECT_ID), Duration::ZERO);
    let out = tempfile::tempdir().unwrap();
    let run = rotate(&standin, out.path(), &[]);
    run.assert_code(EXIT_REJECTED)
        .assert_stderr_contains("the current certificate did not sign in");
    assert_eq!(graph_writes(&standin), 0);
}

#[test]
fn an_expired_current_certificate_is_refused_before_anything_is_sent() {
    // Graph would refuse its proof (no valid certificate); certtool says so offline.
    let expired = certtool_standin::Certificate::from_file(&fixture("expired.crt")).unwrap();
    let standin = standin(
        App::new(CLIENT).object_id(OBJECT_ID).certificate(expired),
        Duration::ZERO,
    );
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("expired-bundle.pem");
    let mut pem = std::fs::read(fixture("rsa2048.key")).unwrap();
    pem.extend(std::fs::read(fixture("expired.crt")).unwrap());
    std::fs::write(&bundle, pem).unwrap();
    let out = tempfile::tempdir().unwrap();
    let run = rotate_cert(&standin, out.path(), &bundle, &[]);
    run.assert_code(EXIT_INPUT)
        .assert_stderr_contains("expired on 2020-02-01");
    assert!(standin.requests().is_empty());
    assert!(files(out.path()).is_empty());
}

#[test]
fn a_given_new_certificate_is_registered_as_is() {
    let standin = standin(app(true), Duration::ZERO);
    let made = tempfile::tempdir().unwrap();
    certtool(&[
        "generate",
        "--name",
        "next year",
        "--out-dir",
        s(made.path()),
        "--no-password",
    ])
    .assert_code(EXIT_OK);
    let given = made.path().join("next year.pfx");
    let given = if given.exists() {
        given
    } else {
        files(made.path())
            .into_iter()
            .find(|p| p.extension().unwrap() == "pfx")
            .unwrap()
    };
    let thumbprint = certtool(&["export", s(&given), "--format", "thumbprint"])
        .stdout_text()
        .trim()
        .to_owned();
    let out = tempfile::tempdir().unwrap();
    let run = rotate(&standin, out.path(), &["--new-cert", s(&given)]);
    run.assert_code(EXIT_OK);
    assert_eq!(run.json()["new_thumbprint"], thumbprint.as_str());
    assert!(thumbprints(&standin).contains(&thumbprint));
    // Generating options do not go with --new-cert.
    rotate(
        &standin,
        out.path(),
        &["--new-cert", s(&given), "--days", "30"],
    )
    .assert_code(EXIT_USAGE);
}

/// `test arm` and `rotate arm` explain a refused sign-in from the one AADSTS table
/// (`certtool_core::diagnose`): each code's cause and fix, word for word, in both.
#[test]
fn test_arm_and_rotate_arm_explain_a_refusal_from_the_same_table() {
    const OTHER_TENANT: &str = "99999999-9999-4999-8999-999999999999";
    const UNKNOWN_CLIENT: &str = "66666666-6666-4666-8666-666666666666";
    let standin = standin(App::new(CLIENT).object_id(OBJECT_ID), Duration::ZERO);
    let bundle = fixture("rsa2048-bundle.pem");
    for (code, tenant, client) in [
        (700027, TENANT, CLIENT),
        (700016, TENANT, UNKNOWN_CLIENT),
        (90002, OTHER_TENANT, CLIENT),
    ] {
        let row = certtool_core::diagnose::aadsts(code).unwrap();
        let ids = [
            "--tenant",
            tenant,
            "--client-id",
            client,
            "--subscription",
            SUB,
        ];
        let tested = test_arm(&standin, &[&ids[..], &["--cert", s(&bundle)]].concat(), &[]);
        let out = tempfile::tempdir().unwrap();
        let rotated = rotate_as(&standin, tenant, client, out.path(), &bundle, &[]);
        for run in [&tested, &rotated] {
            run.assert_code(EXIT_REJECTED)
                .assert_stderr_contains(&format!("AADSTS{code}"))
                .assert_stderr_contains(&row.cause)
                .assert_stderr_contains(&format!("fix: {}", row.fix));
        }
        rotated.assert_stderr_contains("the current certificate did not sign in");
        assert!(
            files(out.path()).is_empty(),
            "AADSTS{code}: nothing written"
        );
    }
    assert_eq!(graph_writes(&standin), 0);
}
