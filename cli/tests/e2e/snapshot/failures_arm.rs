//! One snapshot per `cause:`/`fix:` branch of `test arm`: every AADSTS diagnosis the
//! stand-in can provoke (and one code the table does not know), ARM's refusals and
//! failures, Graph's note and the expiry gate. The token endpoint's service and network
//! failures are in `failures_network`.

use certtool_standin::{
    App, ClientSecret, Config, Fault, RoleAssignment, StandIn, Subscription, Tenant, Times,
};

use super::*;
use crate::test_arm_federated::{federated_standin, issuers, write_token, Issuer, EXCHANGE};

/// The stand-in with `app`, its clock at the snapshot instant.
pub(super) fn start_now(app: App) -> StandIn {
    let standin = arm::start(app);
    at_snapshot_now(&standin);
    standin
}

/// The flags that sign in with SECRET from `S`, after the ids.
pub(super) fn secret_args<'a>(more: &[&'a str]) -> Vec<&'a str> {
    let mut args = arm::with_ids(&["--secret-env", "S"]);
    args.extend_from_slice(more);
    args
}

pub(super) const S: (&str, &str) = ("S", arm::SECRET);

#[test]
fn entra_refusals_of_the_tenant_and_app() {
    let standin = start_now(arm::reader_app());
    let ids = |tenant: &'static str, client: &'static str| {
        vec![
            "--tenant",
            tenant,
            "--client-id",
            client,
            "--subscription",
            SUB,
        ]
    };
    for (name, tenant, client) in [
        (
            "aadsts90002_unknown_tenant",
            "99999999-9999-9999-9999-999999999999",
            arm::CLIENT,
        ),
        ("aadsts900023_malformed_tenant", "not_a_tenant", arm::CLIENT),
        (
            "aadsts700016_unknown_app",
            arm::TENANT,
            "33333333-3333-3333-3333-333333333333",
        ),
    ] {
        let mut args = ids(tenant, client);
        args.extend(["--secret-env", "S"]);
        arm_case!(name, &standin, &args, &[S], EXIT_REJECTED);
    }
    standin.update_config(|c| c.tenants[0].apps[0].enabled = false);
    arm_case!(
        "aadsts7000112_disabled_app",
        &standin,
        &secret_args(&[]),
        &[S],
        EXIT_REJECTED,
    );
}

#[test]
fn entra_refusals_of_the_secret() {
    let standin = start_now(arm::reader_app());
    for (name, value) in [
        ("aadsts7000215_wrong_secret", "not-the-secret-value"),
        (
            "aadsts7000215_wrong_secret_guid_shaped",
            "5a1b2c3d-0000-4000-8000-123456789abc",
        ),
        ("aadsts7000215_wrong_secret_path_shaped", "./certs/app.pfx"),
    ] {
        arm_case!(
            name,
            &standin,
            &secret_args(&[]),
            &[("S", value)],
            EXIT_REJECTED,
        );
    }
    let expired = snapshot_now() - time::Duration::days(1);
    let standin =
        start_now(App::new(arm::CLIENT).secret(ClientSecret::new(arm::SECRET, Some(expired))));
    arm_case!(
        "aadsts7000222_expired_secret",
        &standin,
        &secret_args(&[]),
        &[S],
        EXIT_REJECTED,
    );
}

#[test]
fn entra_refusals_of_the_certificate() {
    let bundle = fixture("rsa2048-bundle.pem");
    let with_cert = |more: &[&'static str]| {
        let mut args = arm::with_ids(&["--cert", s(&bundle)]);
        args.extend_from_slice(more);
        args
    };
    let unregistered =
        start_now(App::new(arm::CLIENT).certificate(arm::registered("chain-leaf.crt")));
    arm_case!(
        "aadsts700027_unregistered_certificate",
        &unregistered,
        &with_cert(&[]),
        &[],
        EXIT_REJECTED,
    );
    arm_case!(
        "aadsts700027_unregistered_certificate_rs256",
        &unregistered,
        &with_cert(&["--alg", "rs256"]),
        &[],
        EXIT_REJECTED,
    );
    // This machine's clock an hour ahead of Entra's.
    let standin = start_now(arm::reader_app());
    let ahead = (snapshot_now() + time::Duration::hours(1))
        .format(&Rfc3339)
        .unwrap();
    let run = arm::test_arm(
        &standin,
        &with_cert(&[]),
        &[fake_now(&ahead), ("COLUMNS", "100")],
    );
    snap!(
        "aadsts700024_clock_skew",
        standin_transcript(&standin, &run, EXIT_REJECTED)
    );
    // Entra's clock past the registered certificate's end (2036-11-20), this machine's not.
    let late = OffsetDateTime::parse("2037-01-01T00:00:00Z", &Rfc3339).unwrap();
    standin.set_clock_offset((late - OffsetDateTime::now_utc()).whole_seconds());
    arm_case!(
        "aadsts1000502_certificate_outside_validity",
        &standin,
        &with_cert(&[]),
        &[],
        EXIT_REJECTED,
    );
}

#[test]
fn entra_refusal_of_the_resource() {
    let standin = start_now(arm::reader_app());
    // A token for a resource the tenant does not know: an ARM endpoint of no cloud.
    let mut args = vec![
        "test",
        "arm",
        "--authority-host",
        standin.url(),
        "--arm-endpoint",
        "https://management.example.invalid/",
        "--ca-file",
        s(standin.ca_pem_path()),
    ];
    args.extend(secret_args(&[]));
    let run = certtool_with(&args, &at_now(&[S]), None);
    snap!(
        "aadsts500011_unknown_resource",
        standin_transcript(&standin, &run, EXIT_REJECTED)
    );
}

#[test]
fn entra_refusals_of_a_federated_token() {
    let (github, other) = issuers();
    let standin = federated_standin(&github, &other);
    at_snapshot_now(&standin);
    let now = snapshot_now().unix_timestamp();
    let stranger = Issuer::new("https://issuer.example/", "k1");
    let impostor = Issuer::new(crate::test_arm_federated::GITHUB, "gh-key-1");
    let main = "repo:contoso/deploy:ref:refs/heads/main";
    for (name, token) in [
        (
            "aadsts700211_unknown_issuer",
            stranger.token_at(main, EXCHANGE, now, 600),
        ),
        (
            "aadsts70021_subject_of_another_issuer",
            github.token_at("other-subject", EXCHANGE, now, 600),
        ),
        (
            "aadsts700212_wrong_audience",
            github.token_at(main, "api://other", now, 600),
        ),
        (
            "aadsts700213_unknown_subject",
            github.token_at(
                "repo:contoso/deploy:environment:production",
                EXCHANGE,
                now,
                600,
            ),
        ),
        (
            "aadsts700024_expired_token",
            github.token_at(main, EXCHANGE, now - 3600, 600),
        ),
        (
            "aadsts50013_signature_not_verified_undiagnosed",
            impostor.token_at(main, EXCHANGE, now, 600),
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let file = write_token(&dir, &token);
        let run = arm_at_now(
            &standin,
            &arm::with_ids(&["--federated-token-file", s(&file)]),
            &[],
        );
        assert!(!run.stderr.contains(&token) && !run.stdout_text().contains(&token));
        run.assert_code(EXIT_REJECTED);
        let n = Normaliser::new().standin(&standin).tmp(dir.path());
        snap!(name, transcript(&run, &n));
    }
}

#[test]
fn arm_refusals_and_failures() {
    let rg_scope = format!("{}/resourceGroups/web", arm::sub_scope(SUB));
    let standin = start_now(
        App::new(arm::CLIENT)
            .secret(ClientSecret::new(arm::SECRET, None))
            .role(RoleAssignment::reader(rg_scope)),
    );
    let reader = secret_args(&["--require-role", "Reader"]);
    arm_case!(
        "arm_403_authorization_failed",
        &standin,
        &reader,
        &[S],
        EXIT_PERMISSION,
    );

    let standin = start_now(arm::reader_app());
    let contributor = secret_args(&["--require-role", "Contributor"]);
    arm_case!(
        "arm_missing_actions",
        &standin,
        &contributor,
        &[S],
        EXIT_PERMISSION,
    );
    let unknown = "00000000-0000-0000-0000-000000000099";
    let args = [
        "--tenant",
        arm::TENANT,
        "--client-id",
        arm::CLIENT,
        "--subscription",
        unknown,
        "--secret-env",
        "S",
    ];
    arm_case!(
        "arm_subscription_not_found",
        &standin,
        &args,
        &[S],
        EXIT_PERMISSION,
    );
    standin.set_fault("/subscriptions", Fault::Status(503), Times::Always);
    arm_case!(
        "arm_503_unavailable",
        &standin,
        &secret_args(&[]),
        &[S],
        EXIT_NETWORK,
    );

    // Not version 4, so the normaliser keeps it.
    const OTHER: &str = "44444444-4444-0000-0000-444444444444";
    let config = Config::new()
        .subscription(Subscription::new(SUB, "Elsewhere").tenant_id(OTHER))
        .tenant(Tenant::new(arm::TENANT).app(arm::reader_app()))
        .tenant(Tenant::new(OTHER));
    let standin = StandIn::start(config).unwrap();
    at_snapshot_now(&standin);
    arm_case!(
        "arm_subscription_of_another_tenant",
        &standin,
        &secret_args(&[]),
        &[S],
        EXIT_PERMISSION,
    );
}

#[test]
fn graph_failures_and_the_expiry_gate() {
    let readable = || arm::reader_app().graph_permission("Application.Read.All");
    let standin = start_now(readable());
    standin.set_fault("/v1.0", Fault::Status(503), Times::Always);
    arm_case!("graph_503_note", &standin, &secret_args(&[]), &[S], EXIT_OK);

    let standin = start_now(readable());
    let bundle = fixture("rsa2048-bundle.pem");
    let gate = arm::with_ids(&["--cert", s(&bundle), "--fail-within-days", "9000"]);
    arm_case!("expiry_gate", &standin, &gate, &[], EXIT_EXPIRY);
}
