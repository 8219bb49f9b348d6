//! Helpers shared by the `audit` end-to-end tests and snapshots: a tenant whose auditor
//! app may list applications, a hand-made directory with one object per rule, and
//! `certtool audit` pointed at the stand-in.

use certtool_standin::directory::{
    DirectoryApplication, DirectoryServicePrincipal, KeyCredential, PasswordCredential,
    MICROSOFT_TENANT,
};
use certtool_standin::{App, ClientSecret, Config, Directory, Owner, StandIn, Tenant};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use super::*;

pub const TENANT: &str = "11111111-1111-4111-8111-111111111111";
pub const CLIENT: &str = "33333333-3333-4333-8333-333333333333";
/// The auditor's client secret: never in any output.
pub const SECRET: &str = "audit~Secret.Value-0123456789abcdefXYZ";
/// A directory secret's value and hint (a secret made over Graph keeps its value in the
/// stand-in): never in any output either.
pub const DIRECTORY_SECRET: &str = "Zq9~DirectorySecretValue-should-never-show";
pub const DIRECTORY_HINT: &str = "Zq9";
/// The instant the audits run at (and the hand-made directory is dated from).
pub const NOW: &str = "2026-03-01T00:00:00Z";

pub fn now() -> OffsetDateTime {
    OffsetDateTime::parse(NOW, &Rfc3339).unwrap()
}

/// The hand-made directory's object ids and client ids.
pub const EXPIRED_APP: &str = "a0000000-0000-4000-8000-000000000001";
pub const EXPIRING_APP: &str = "a0000000-0000-4000-8000-000000000002";
pub const HEALTHY_APP: &str = "a0000000-0000-4000-8000-000000000003";
pub const SAML_SP: &str = "b0000000-0000-4000-8000-000000000003";
pub const FOREIGN_SP: &str = "b0000000-0000-4000-8000-000000000004";
pub const MI_SP: &str = "b0000000-0000-4000-8000-000000000005";

/// The client id of the object `id` in the hand-made directory.
pub fn client_of(id: &str) -> String {
    format!("c{}", &id[1..])
}

fn cert(key: &str, usage: &str, thumbprint: &str, days: i64) -> KeyCredential {
    let end = now() + Duration::days(days);
    KeyCredential {
        key_id: key.into(),
        display_name: Some("CN=audit".into()),
        custom_key_identifier: Some(thumbprint.into()),
        kind: "AsymmetricX509Cert".into(),
        usage: usage.into(),
        start: end - Duration::days(365),
        end,
    }
}

fn password(key: &str, name: &str, days: i64, secret: Option<&str>) -> PasswordCredential {
    let end = now() + Duration::days(days);
    PasswordCredential {
        key_id: key.into(),
        display_name: Some(name.into()),
        custom_key_identifier: None,
        hint: secret.map_or("abc".into(), |s| s[..3].to_owned()),
        start: Some(end - Duration::days(365)),
        end: Some(end),
        secret: secret.map(str::to_owned),
    }
}

fn app(id: &str, name: &str) -> DirectoryApplication {
    DirectoryApplication {
        id: id.into(),
        app_id: client_of(id),
        display_name: name.into(),
        sign_in_audience: "AzureADMyOrg".into(),
        key_credentials: Vec::new(),
        password_credentials: Vec::new(),
        created: now() - Duration::days(400),
    }
}

fn sp(id: &str, name: &str, kind: &str, owner: Option<&str>) -> DirectoryServicePrincipal {
    DirectoryServicePrincipal {
        id: id.into(),
        app_id: client_of(id),
        display_name: name.into(),
        service_principal_type: kind.into(),
        app_owner_organization_id: owner.map(str::to_owned),
        key_credentials: Vec::new(),
        password_credentials: Vec::new(),
        preferred_token_signing_key_thumbprint: None,
    }
}

/// One object per rule: an app with an expired certificate (owned), one with a secret
/// expiring in 10 days (no owner; the secret's value is known to the stand-in), a healthy
/// one (owned) whose service principal holds a SAML signing pair expiring in 20 days and
/// an expired `CWAP_AuthSecret`; another tenant's service principal and a managed
/// identity, both with expired certificates.
pub fn rules_directory() -> Directory {
    let mut expired = app(EXPIRED_APP, "expired-cert");
    expired.key_credentials.push(cert(
        "d0000000-0000-4000-8000-000000000001",
        "Verify",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        -10,
    ));
    let mut expiring = app(EXPIRING_APP, "expiring-secret");
    expiring.password_credentials.push(password(
        "e0000000-0000-4000-8000-000000000002",
        "ci",
        10,
        Some(DIRECTORY_SECRET),
    ));
    let mut healthy = app(HEALTHY_APP, "healthy <&> \"app\"");
    healthy.key_credentials.push(cert(
        "d0000000-0000-4000-8000-000000000003",
        "Verify",
        "q83vASNFZ4mrze8BI0VniavN7wE=",
        300,
    ));
    let mut saml = sp(SAML_SP, "healthy <&> \"app\"", "Application", Some(TENANT));
    saml.app_id = client_of(HEALTHY_APP);
    let pair = "EjRWeJq83vASNFZ4mrze8BI0Vng=";
    saml.key_credentials.push(cert(
        "5a000000-0000-4000-8000-000000000031",
        "Sign",
        pair,
        20,
    ));
    saml.key_credentials.push(cert(
        "5b000000-0000-4000-8000-000000000032",
        "Verify",
        pair,
        20,
    ));
    saml.password_credentials.push(password(
        "f1000000-0000-4000-8000-000000000003",
        "CWAP_AuthSecret",
        -5,
        None,
    ));
    let mut foreign = sp(
        FOREIGN_SP,
        "microsoft-app",
        "Application",
        Some(MICROSOFT_TENANT),
    );
    foreign.key_credentials.push(cert(
        "f0000000-0000-4000-8000-000000000004",
        "Verify",
        "BBBBBBBBBBBBBBBBBBBBBBBBBBB=",
        -30,
    ));
    let mut mi = sp(MI_SP, "mi-build", "ManagedIdentity", None);
    mi.key_credentials.push(cert(
        "d1000000-0000-4000-8000-000000000005",
        "Verify",
        "CCCCCCCCCCCCCCCCCCCCCCCCCCC=",
        -1,
    ));
    Directory::new()
        .application(expired)
        .application(expiring)
        .application(healthy)
        .service_principal(saml)
        .service_principal(foreign)
        .service_principal(mi)
        .owner(
            EXPIRED_APP,
            Owner::User("ee000000-0000-4000-8000-000000000001".into()),
        )
        .owner(
            HEALTHY_APP,
            Owner::User("ee000000-0000-4000-8000-000000000003".into()),
        )
}

/// The auditor app: a client secret that never expires and `permission` (none when empty).
pub fn auditor(permission: &str) -> App {
    let app = App::new(CLIENT)
        .display_name("auditor")
        .secret(ClientSecret::new(SECRET, None));
    if permission.is_empty() {
        app
    } else {
        app.graph_permission(permission)
    }
}

/// The stand-in with the auditor (Application.Read.All) and `directory`.
pub fn start(directory: Directory) -> StandIn {
    start_with(auditor("Application.Read.All"), directory)
}

pub fn start_with(app: App, directory: Directory) -> StandIn {
    StandIn::start(Config::new().tenant(Tenant::new(TENANT).app(app).directory(directory))).unwrap()
}

/// `certtool audit` against `standin` at [`NOW`], signing in with [`SECRET`], then `extra`.
pub fn audit(standin: &StandIn, extra: &[&str]) -> Run {
    audit_with(
        standin,
        extra,
        &[("AZURE_CLIENT_SECRET", SECRET), fake_now(NOW)],
    )
}

/// `certtool audit` against `standin` with `env` as given.
pub fn audit_with(standin: &StandIn, extra: &[&str], env: &[(&str, &str)]) -> Run {
    let url = standin.url().to_string();
    let mut args = vec![
        "audit",
        "--authority-host",
        &url,
        "--graph-endpoint",
        &url,
        "--ca-file",
        s(standin.ca_pem_path()),
        "--tenant",
        TENANT,
        "--client-id",
        CLIENT,
    ];
    args.extend_from_slice(extra);
    certtool_with(&args, env, None)
}

/// Fails when a secret, or a secret's hint, is anywhere in `text`.
#[track_caller]
pub fn assert_no_secret(text: &str) {
    for needle in [SECRET, DIRECTORY_SECRET, DIRECTORY_HINT] {
        assert!(!text.contains(needle), "{needle:?} leaked:\n{text}");
    }
}

/// The credentials of a JSON report not of the auditor app itself.
pub fn directory_credentials(report: &serde_json::Value) -> Vec<serde_json::Value> {
    report["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["app_id"] != CLIENT)
        .cloned()
        .collect()
}
