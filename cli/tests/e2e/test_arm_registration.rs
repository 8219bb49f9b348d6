//! `test arm` reads the app registration over Graph after a good sign-in: certificates
//! and secrets with their dates, which one this run used, a note when the app may not
//! read itself, and `--fail-within-days` on the credential in use. `test asm
//! --fail-within-days` gates on the management certificate.

use certtool_standin::{App, ClientSecret, RoleAssignment};
use time::{Duration, OffsetDateTime};

use crate::support::arm::*;
use crate::support::asm;
use crate::support::*;

const OBJECT_ID: &str = "44444444-4444-4444-8444-444444444444";

fn readable_app() -> App {
    App::new(CLIENT)
        .object_id(OBJECT_ID)
        .display_name("octopus-deploy")
        .graph_permission("Application.Read.All")
        .certificate(registered("rsa2048.cer"))
        .role(RoleAssignment::reader(sub_scope(SUB)))
}

/// `test arm` with the fixture certificate, JSON output and `more` flags.
fn with_cert(standin: &certtool_standin::StandIn, more: &[&str]) -> Run {
    let bundle = fixture("rsa2048-bundle.pem");
    let mut args = with_ids(&["--cert", s(&bundle), "--output", "json"]);
    args.extend_from_slice(more);
    test_arm(standin, &args, &[])
}

#[test]
fn registered_certificates_and_secrets_are_listed_with_the_one_in_use() {
    let ends = OffsetDateTime::now_utc() + Duration::days(200);
    let app = readable_app().secret(ClientSecret::new("xyzOtherSecret", Some(ends)));
    let standin = start(app);
    let run = with_cert(&standin, &[]);
    run.assert_code(EXIT_OK);
    let registration = &run.json()["registration"];
    assert_eq!(registration["read"], true);
    assert_eq!(registration["object_id"], OBJECT_ID);
    assert_eq!(registration["display_name"], "octopus-deploy");
    let cert = &registration["certificates"][0];
    assert_eq!(
        cert["thumbprint_sha1"],
        "0E10E8E93A1565AE712190DF2D37B426DB9C0521"
    );
    assert_eq!(cert["in_use"], true);
    assert!(cert["end"].as_str().unwrap().starts_with("2036-11-20"));
    assert!(cert["days_to_expiry"].as_i64().unwrap() > 3000);
    let secret = &registration["secrets"][0];
    assert_eq!(secret["hint"], "xyz");
    assert_eq!(secret["in_use"], false);
    assert!((199..=200).contains(&secret["days_to_expiry"].as_i64().unwrap()));
    // Graph was read by client id, with $select.
    let read = standin
        .requests()
        .into_iter()
        .find(|r| r.matches("/v1.0"))
        .expect("a Graph read");
    assert!(read
        .path
        .contains(&format!("applications(appId='{CLIENT}')")));
    assert!(read.query.unwrap_or_default().contains("$select="));

    let text = test_arm(
        &standin,
        &with_ids(&["--cert", s(&fixture("rsa2048-bundle.pem"))]),
        &[],
    );
    text.assert_code(EXIT_OK);
    let out = text.stdout_text();
    assert!(out.contains("registration: \"octopus-deploy\""), "{out}");
    assert!(
        out.contains("certificate 0E10E8E93A1565AE712190DF2D37B426DB9C0521 "),
        "{out}"
    );
    assert!(out.contains("← this run"), "{out}");
    assert!(out.contains("secret xyz… ends"), "{out}");
}

#[test]
fn an_app_that_may_not_read_itself_gets_a_note_and_the_verdict_stands() {
    let app = readable_app();
    let mut app = app;
    app.graph_permissions.clear();
    let standin = start(app);
    let run = with_cert(&standin, &[]);
    run.assert_code(EXIT_OK);
    let registration = &run.json()["registration"];
    assert_eq!(registration["read"], false);
    assert_eq!(
        registration["unavailable"]["code"],
        "Authorization_RequestDenied"
    );
    assert!(registration["unavailable"]["fix"]
        .as_str()
        .unwrap()
        .contains("Application.Read.All"));
    assert_eq!(run.json()["verdict"], "ok");
}

#[test]
fn fail_within_days_gates_on_the_secret_in_use() {
    let soon = OffsetDateTime::now_utc() + Duration::days(10);
    let app = readable_app().secret(ClientSecret::new(SECRET, Some(soon)));
    let standin = start(app);
    let args = with_ids(&["--secret-env", "S", "--output", "json"]);
    let run = test_arm(&standin, &args, &[("S", SECRET)]);
    run.assert_code(EXIT_OK);
    let secret = &run.json()["registration"]["secrets"][0];
    assert_eq!(secret["in_use"], true);
    assert_eq!(secret["hint"], &SECRET[..3]);

    let mut gated = args.clone();
    gated.extend_from_slice(&["--fail-within-days", "30"]);
    let run = test_arm(&standin, &gated, &[("S", SECRET)]);
    run.assert_code(EXIT_EXPIRY)
        .assert_stderr_contains("its registration in Entra ID expires on")
        .assert_stderr_contains("within the 30-day limit");
    assert_eq!(run.json()["exit_code"], 8);
    assert!(!run.stderr.contains(SECRET) && !run.stdout_text().contains(SECRET));

    let mut relaxed = args.clone();
    relaxed.extend_from_slice(&["--fail-within-days", "5"]);
    test_arm(&standin, &relaxed, &[("S", SECRET)]).assert_code(EXIT_OK);
}

#[test]
fn fail_within_days_gates_on_the_certificate() {
    let standin = start(readable_app());
    // The fixture certificate ends in 2036: a limit beyond that trips, a short one does not.
    with_cert(&standin, &["--fail-within-days", "30"]).assert_code(EXIT_OK);
    with_cert(&standin, &["--fail-within-days", "9000"])
        .assert_code(EXIT_EXPIRY)
        .assert_stderr_contains("the credential in use: the certificate expires on 2036-11-20");
    // Without Graph the local certificate still gates.
    let mut no_read = readable_app();
    no_read.graph_permissions.clear();
    let standin = start(no_read);
    with_cert(&standin, &["--fail-within-days", "9000"]).assert_code(EXIT_EXPIRY);
}

#[test]
fn a_failing_subscription_outranks_the_expiry_gate() {
    let mut app = readable_app();
    app.roles.clear();
    let standin = start(app);
    with_cert(
        &standin,
        &["--fail-within-days", "9000", "--require-role", "Reader"],
    )
    .assert_code(EXIT_PERMISSION);
}

#[test]
fn the_graph_endpoint_must_be_https() {
    let standin = start(readable_app());
    // Not `test_arm`, which names the stand-in as the Graph endpoint.
    let args = with_ids(&[
        "--secret-env",
        "S",
        "--graph-endpoint",
        "http://127.0.0.1:1",
        "--ca-file",
        s(standin.ca_pem_path()),
    ]);
    let run = certtool_with(
        &[&["test", "arm"][..], &args].concat(),
        &[("S", SECRET)],
        None,
    );
    run.assert_code(EXIT_USAGE)
        .assert_stderr_contains("the Graph endpoint http://127.0.0.1:1 is not an https:// URL");
    assert!(standin.requests().is_empty());
}

#[test]
fn test_asm_fail_within_days_gates_on_the_management_certificate() {
    let standin = asm::standin();
    let cert = fixture("rsa2048-bundle.pem");
    let base = ["--subscription", SUB, "--cert", s(&cert)];
    let mut ok = base.to_vec();
    ok.extend_from_slice(&["--fail-within-days", "30"]);
    asm::test_asm(&standin, &ok, &[]).assert_code(EXIT_OK);
    let mut gated = base.to_vec();
    gated.extend_from_slice(&["--fail-within-days", "9000"]);
    asm::test_asm(&standin, &gated, &[])
        .assert_code(EXIT_EXPIRY)
        .assert_stderr_contains("the management certificate 0E10E8E93A1565AE712190DF2D37B426DB9C0521 expires on 2036-11-20");
}

/// An app that holds another certificate (and a secret): certtool sends the fixture one.
fn another_certificate_and_a_secret() -> App {
    App::new(CLIENT)
        .object_id(OBJECT_ID)
        .graph_permission("Application.Read.All")
        .certificate(registered("chain-leaf.crt"))
        .secret(ClientSecret::new(SECRET, None))
}

#[test]
fn aadsts700027_lists_the_registered_thumbprints_when_a_secret_can_read_them() {
    let standin = start(another_certificate_and_a_secret());
    let bundle = fixture("rsa2048-bundle.pem");
    let args = with_ids(&["--cert", s(&bundle)]);
    let run = test_arm(&standin, &args, &[("AZURE_CLIENT_SECRET", SECRET)]);
    run.assert_code(EXIT_REJECTED)
        .assert_stderr_contains("AADSTS700027")
        .assert_stderr_contains("SHA-1 thumbprint 0E10E8E93A1565AE712190DF2D37B426DB9C0521")
        .assert_stderr_contains(&format!(
            "registered on the app (read over Graph with the client secret in environment variable AZURE_CLIENT_SECRET): {}",
            registered("chain-leaf.crt").sha1_thumbprint()
        ));
    assert!(!run.stderr.contains(SECRET));
    // Without a secret at hand, the refusal stands alone.
    let run = test_arm(&standin, &args, &[]);
    run.assert_code(EXIT_REJECTED);
    assert!(!run.stderr.contains("read over Graph"));
}

/// `--env-file -` is read once: the secret it holds still lists the registration after
/// the certificate is refused (a second read of stdin would find nothing).
#[test]
fn an_env_file_on_stdin_is_read_once_and_its_secret_lists_the_registration() {
    let standin = start(another_certificate_and_a_secret());
    let url = standin.url().to_string();
    let bundle = fixture("rsa2048-bundle.pem");
    let args = with_ids(&["--cert", s(&bundle), "--env-file", "-"]);
    let env_file = format!("AZURE_CLIENT_SECRET={SECRET}\n");
    let run =
        crate::support::arm::test_arm_at(&standin, &url, &args, &[], Some(env_file.as_bytes()));
    run.assert_code(EXIT_REJECTED)
        .assert_stderr_contains("AADSTS700027")
        .assert_stderr_contains(&format!(
            "registered on the app (read over Graph with the client secret in AZURE_CLIENT_SECRET in stdin): {}",
            registered("chain-leaf.crt").sha1_thumbprint()
        ));
    assert!(!run.stderr.contains(SECRET));
}
