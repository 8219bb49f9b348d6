//! Helpers shared by the `test arm` end-to-end tests: the stand-in set up with one
//! tenant, app and subscription, and `certtool test arm` pointed at it.

use std::path::Path;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use certtool_standin::{
    App, Certificate, ClientSecret, Config, RoleAssignment, StandIn, Subscription, Tenant,
};

use super::*;

pub const TENANT: &str = "11111111-1111-1111-1111-111111111111";
pub const CLIENT: &str = "22222222-2222-2222-2222-222222222222";
pub const SECRET: &str = "s3cr3t~Value.With-Marks_0123456789abcd";

pub fn registered(name: &str) -> Certificate {
    Certificate::from_file(&fixture(name)).unwrap()
}

pub fn sub_scope(sub: &str) -> String {
    format!("/subscriptions/{sub}")
}

/// The app with the fixture certificate and SECRET, Reader on SUB.
pub fn reader_app() -> App {
    App::new(CLIENT)
        .certificate(registered("rsa2048.cer"))
        .secret(ClientSecret::new(SECRET, None))
        .role(RoleAssignment::reader(sub_scope(SUB)))
}

pub fn start(app: App) -> StandIn {
    StandIn::start(
        Config::new()
            .subscription(Subscription::new(SUB, "Production"))
            .tenant(Tenant::new(TENANT).app(app)),
    )
    .unwrap()
}

/// `test arm` pointed at the stand-in, with `extra` flags and environment.
pub fn test_arm(standin: &StandIn, extra: &[&str], env: &[(&str, &str)]) -> Run {
    test_arm_at(standin, standin.url(), extra, env, None)
}

/// `test arm` against the stand-in as [`test_arm`] does, but with `graph` as the Graph
/// endpoint and `stdin` fed to it.
pub fn test_arm_at(
    standin: &StandIn,
    graph: &str,
    extra: &[&str],
    env: &[(&str, &str)],
    stdin: Option<&[u8]>,
) -> Run {
    let url = standin.url().to_string();
    let arm = format!("{url}/");
    let mut args = vec![
        "test",
        "arm",
        "--authority-host",
        &url,
        "--arm-endpoint",
        &arm,
        "--graph-endpoint",
        graph,
        "--ca-file",
        s(standin.ca_pem_path()),
    ];
    args.extend_from_slice(extra);
    certtool_with(&args, env, stdin)
}

pub fn ids() -> Vec<&'static str> {
    vec![
        "--tenant",
        TENANT,
        "--client-id",
        CLIENT,
        "--subscription",
        SUB,
    ]
}

pub fn with_ids<'a>(more: &[&'a str]) -> Vec<&'a str> {
    let mut v = ids();
    v.extend_from_slice(more);
    v
}

/// The client assertions the stand-in received, decoded (header, claims).
pub fn assertions(standin: &StandIn) -> Vec<(serde_json::Value, serde_json::Value)> {
    standin
        .requests()
        .iter()
        .filter(|r| r.matches("/*/oauth2"))
        .filter_map(|r| {
            let jwt = r
                .body
                .split('&')
                .find_map(|kv| kv.strip_prefix("client_assertion="))?
                .to_string();
            let mut parts = jwt.split('.');
            let mut part = || -> serde_json::Value {
                serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap())
                    .unwrap()
            };
            Some((part(), part()))
        })
        .collect()
}

pub fn sha256_hex(path: &Path) -> String {
    let der = openssl(&["x509", "-in", s(path), "-outform", "DER"]);
    let out = openssl_with(&["dgst", "-sha256", "-r"], Some(&der));
    String::from_utf8(out).unwrap()[..64].to_ascii_uppercase()
}

pub fn assert_no_secrets(run: &Run) {
    let all = format!("{}{}", run.stdout_text(), run.stderr);
    assert!(!all.contains(SECRET), "the secret was printed");
    assert!(!all.contains("standin."), "a token was printed");
    assert!(!all.contains("eyJ"), "an assertion was printed");
}

pub fn urlencode(text: &str) -> String {
    text.replace(':', "%3A").replace('/', "%2F")
}

pub fn rejected(standin: &StandIn, args: &[&str], env: &[(&str, &str)], code: &str) -> Run {
    let run = test_arm(standin, args, env);
    run.assert_code(EXIT_REJECTED).assert_stderr_contains(code);
    assert_no_secrets(&run);
    run
}
