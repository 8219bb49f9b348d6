//! End-to-end tests of `certtool test arm` against the Azure stand-in: the real binary,
//! a real TLS server, assertions verified for real.

mod common;

use std::path::Path;
use std::time::Duration;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use certtool_tests::{
    App, Certificate, ClientSecret, Config, Fault, RoleAssignment, StandIn, Subscription, Tenant,
    Times,
};
use common::*;

const TENANT: &str = "11111111-1111-1111-1111-111111111111";
const CLIENT: &str = "22222222-2222-2222-2222-222222222222";
const SUB: &str = "00000000-0000-0000-0000-000000000001";
const SECRET: &str = "s3cr3t~Value.With-Marks_0123456789abcd";

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn registered(name: &str) -> Certificate {
    Certificate::from_file(&fixture(name)).unwrap()
}

fn sub_scope(sub: &str) -> String {
    format!("/subscriptions/{sub}")
}

/// The app with the fixture certificate and SECRET, Reader on SUB.
fn reader_app() -> App {
    App::new(CLIENT)
        .certificate(registered("rsa2048.cer"))
        .secret(ClientSecret::new(SECRET, None))
        .role(RoleAssignment::reader(sub_scope(SUB)))
}

fn start(app: App) -> StandIn {
    StandIn::start(
        Config::new()
            .subscription(Subscription::new(SUB, "Production"))
            .tenant(Tenant::new(TENANT).app(app)),
    )
    .unwrap()
}

/// `test arm` pointed at the stand-in, with `extra` flags and environment.
fn test_arm(standin: &StandIn, extra: &[&str], env: &[(&str, &str)]) -> Run {
    let url = standin.url().to_string();
    let arm = format!("{url}/");
    let mut args = vec![
        "test",
        "arm",
        "--authority-host",
        &url,
        "--arm-endpoint",
        &arm,
        "--ca-file",
        s(standin.ca_pem_path()),
    ];
    args.extend_from_slice(extra);
    certtool_with(&args, env, None)
}

fn ids() -> Vec<&'static str> {
    vec![
        "--tenant",
        TENANT,
        "--client-id",
        CLIENT,
        "--subscription",
        SUB,
    ]
}

fn with_ids<'a>(more: &[&'a str]) -> Vec<&'a str> {
    let mut v = ids();
    v.extend_from_slice(more);
    v
}

/// The client assertions the stand-in received, decoded (header, claims).
fn assertions(standin: &StandIn) -> Vec<(serde_json::Value, serde_json::Value)> {
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

fn sha256_hex(path: &Path) -> String {
    let der = openssl(&["x509", "-in", s(path), "-outform", "DER"]);
    let out = openssl_with(&["dgst", "-sha256", "-r"], Some(&der));
    String::from_utf8(out).unwrap()[..64].to_ascii_uppercase()
}

fn assert_no_secrets(run: &Run) {
    let all = format!("{}{}", run.stdout_text(), run.stderr);
    assert!(!all.contains(SECRET), "the secret was printed");
    assert!(!all.contains("standin."), "a token was printed");
    assert!(!all.contains("eyJ"), "an assertion was printed");
}

#[test]
fn certificate_ps256_with_reader_required_is_ok() {
    let standin = start(reader_app());
    let bundle = fixture("rsa2048-bundle.pem");
    let run = test_arm(
        &standin,
        &with_ids(&[
            "--cert",
            s(&bundle),
            "--require-role",
            "Reader",
            "--output",
            "json",
        ]),
        &[],
    );
    run.assert_code(0);
    assert_no_secrets(&run);
    let json = run.json();
    assert_eq!(json["verdict"], "ok");
    assert_eq!(json["exit_code"], 0);
    assert_eq!(json["token"]["ok"], true);
    assert_eq!(json["token"]["expires_in"], 3599);
    let cert = &json["credential"]["certificate"];
    assert_eq!(
        cert["thumbprint_sha1"],
        openssl_sha1_fingerprint(&fixture("rsa2048.crt"), "pem")
    );
    assert_eq!(
        cert["thumbprint_sha256"],
        sha256_hex(&fixture("rsa2048.crt"))
    );
    let sub = &json["subscriptions"][0];
    assert_eq!(sub["display_name"], "Production");
    assert_eq!(sub["state"], "Enabled");
    assert_eq!(sub["tenant_id"], TENANT);
    assert_eq!(sub["permissions_scope"], sub_scope(SUB));
    assert_eq!(sub["missing_actions"], serde_json::json!([]));

    let sent = assertions(&standin);
    assert_eq!(sent.len(), 1);
    let (header, claims) = &sent[0];
    assert_eq!(header["alg"], "PS256");
    assert!(header.get("x5t#S256").is_some() && header.get("x5t").is_none());
    assert_eq!(claims["aud"], standin.token_url(TENANT));
    assert_eq!(claims["iss"], CLIENT);
    // Steps in order: token, subscription, permissions.
    let paths: Vec<String> = standin.requests().iter().map(|r| r.path.clone()).collect();
    assert!(paths[0].ends_with("/oauth2/v2.0/token"));
    assert_eq!(paths[1], sub_scope(SUB));
    assert!(paths[2].ends_with("/providers/Microsoft.Authorization/permissions"));
    let scope = standin.requests()[0].body.clone();
    assert!(scope.contains(&format!(
        "scope={}",
        urlencode(&format!("{}/.default", standin.url()))
    )));
}

fn urlencode(text: &str) -> String {
    text.replace(':', "%3A").replace('/', "%2F")
}

#[test]
fn certificate_rs256_from_a_pfx_is_ok() {
    let standin = start(reader_app());
    let run = test_arm(
        &standin,
        &with_ids(&[
            "--cert",
            s(&fixture("rsa2048-aes.pfx")),
            "--password-env",
            "PFXPW",
            "--alg",
            "rs256",
        ]),
        &[("PFXPW", FIXTURE_PASS)],
    );
    run.assert_code(0);
    assert!(
        run.stdout_text().contains("[ok]   token: issued"),
        "{}",
        run.stdout_text()
    );
    let (header, _) = &assertions(&standin)[0];
    assert_eq!(header["alg"], "RS256");
    let sha1 = openssl_sha1_fingerprint(&fixture("rsa2048.crt"), "pem");
    let x5t = URL_SAFE_NO_PAD
        .decode(header["x5t"].as_str().unwrap())
        .unwrap();
    let hex: String = x5t.iter().map(|b| format!("{b:02X}")).collect();
    assert_eq!(hex, sha1);
}

#[test]
fn chain_with_the_ca_first_picks_the_leaf() {
    let app = App::new(CLIENT)
        .certificate(registered("chain-leaf.crt"))
        .role(RoleAssignment::reader(sub_scope(SUB)));
    let standin = start(app);
    let run = test_arm(
        &standin,
        &with_ids(&[
            "--cert",
            s(&fixture("chain-ca-first-with-key.pem")),
            "--send-x5c",
            "--output",
            "json",
        ]),
        &[],
    );
    run.assert_code(0);
    let (header, _) = &assertions(&standin)[0];
    let x5c = header["x5c"].as_array().unwrap();
    assert_eq!(x5c.len(), 3);
    let leaf_der = openssl(&[
        "x509",
        "-in",
        s(&fixture("chain-leaf.crt")),
        "-outform",
        "DER",
    ]);
    assert_eq!(STANDARD.decode(x5c[0].as_str().unwrap()).unwrap(), leaf_der);
}

#[test]
fn secret_from_env_is_ok_and_never_printed() {
    let standin = start(reader_app());
    let run = test_arm(
        &standin,
        &with_ids(&["--secret-env", "MY_SECRET", "--require-role", "reader"]),
        &[("MY_SECRET", SECRET)],
    );
    run.assert_code(0)
        .assert_stderr_contains("environment variable MY_SECRET");
    assert_no_secrets(&run);
    assert!(run.stdout_text().contains("Production"));
    let json_run = test_arm(
        &standin,
        &with_ids(&["--secret-env", "MY_SECRET", "--output", "json"]),
        &[("MY_SECRET", SECRET)],
    );
    json_run.assert_code(0);
    assert_no_secrets(&json_run);
    assert_eq!(json_run.json()["credential"]["kind"], "secret");
}

#[test]
fn unregistered_certificate_is_700027_with_both_thumbprints() {
    let app = App::new(CLIENT).certificate(registered("chain-leaf.crt"));
    let standin = start(app);
    let run = test_arm(
        &standin,
        &with_ids(&["--cert", s(&fixture("rsa2048-bundle.pem"))]),
        &[],
    );
    run.assert_code(5)
        .assert_stderr_contains("AADSTS700027")
        .assert_stderr_contains(&openssl_sha1_fingerprint(&fixture("rsa2048.crt"), "pem"))
        .assert_stderr_contains(&sha256_hex(&fixture("rsa2048.crt")))
        .assert_stderr_contains("fix: upload the certificate's .cer");
    let out = run.stdout_text();
    assert!(
        out.contains("Trace ID: ") && out.contains("Correlation ID: "),
        "{out}"
    );
    // No ARM call after a refused sign-in.
    assert!(standin
        .requests()
        .iter()
        .all(|r| !r.matches("/subscriptions")));
}

fn rejected(standin: &StandIn, args: &[&str], env: &[(&str, &str)], code: &str) -> Run {
    let run = test_arm(standin, args, env);
    run.assert_code(5).assert_stderr_contains(code);
    assert_no_secrets(&run);
    run
}

#[test]
fn wrong_tenant_is_90002() {
    let standin = start(reader_app());
    let run = rejected(
        &standin,
        &[
            "--tenant",
            "99999999-9999-9999-9999-999999999999",
            "--client-id",
            CLIENT,
            "--subscription",
            SUB,
            "--secret-env",
            "S",
            "--output",
            "json",
        ],
        &[("S", SECRET)],
        "AADSTS90002",
    );
    run.assert_stderr_contains("tenant was not found");
    let json = run.json();
    assert_eq!(
        json["token"]["error"]["error_codes"],
        serde_json::json!([90002])
    );
    assert!(json["token"]["error"]["trace_id"].as_str().unwrap().len() == 36);
    assert_eq!(json["verdict"], "rejected");
}

#[test]
fn unknown_app_is_700016() {
    let standin = start(reader_app());
    rejected(
        &standin,
        &[
            "--tenant",
            TENANT,
            "--client-id",
            "33333333-3333-3333-3333-333333333333",
            "--subscription",
            SUB,
            "--secret-env",
            "S",
        ],
        &[("S", SECRET)],
        "AADSTS700016",
    )
    .assert_stderr_contains("client (application) ID");
}

#[test]
fn wrong_secret_is_7000215_and_says_value_not_id() {
    let standin = start(reader_app());
    rejected(
        &standin,
        &with_ids(&["--secret-env", "S"]),
        &[("S", "5a1b2c3d-0000-4000-8000-123456789abc")],
        "AADSTS7000215",
    )
    .assert_stderr_contains("Value, not the Secret ID")
    .assert_stderr_contains("shape of a GUID");
}

#[test]
fn expired_secret_is_7000222() {
    let past = time::OffsetDateTime::now_utc() - time::Duration::days(1);
    let app = App::new(CLIENT).secret(ClientSecret::new(SECRET, Some(past)));
    let standin = start(app);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("secret.txt");
    std::fs::write(&file, format!("{SECRET}\n")).unwrap();
    rejected(
        &standin,
        &with_ids(&["--secret-file", s(&file)]),
        &[],
        "AADSTS7000222",
    )
    .assert_stderr_contains("expired");
}

#[test]
fn clock_skew_is_700024_with_the_local_clock() {
    let standin = start(reader_app());
    // Ahead, not behind: the fixture certificate may have been made minutes ago.
    let skewed = time::OffsetDateTime::now_utc() + time::Duration::hours(1);
    let fake = skewed
        .replace_nanosecond(0)
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let run = rejected(
        &standin,
        &with_ids(&["--cert", s(&fixture("rsa2048-bundle.pem"))]),
        &[("CERTTOOL_FAKE_NOW", &fake)],
        "AADSTS700024",
    );
    run.assert_stderr_contains(&format!("local clock: {fake}"))
        .assert_stderr_contains("NTP");
    let (_, claims) = &assertions(&standin)[0];
    assert_eq!(claims["iat"], skewed.unix_timestamp());
}

#[test]
fn custom_role_file_with_one_missing_action_exits_6_naming_it() {
    let app = App::new(CLIENT)
        .secret(ClientSecret::new(SECRET, None))
        .role(RoleAssignment::new(
            sub_scope(SUB),
            [
                "Microsoft.Compute/*/read",
                "Microsoft.Network/*",
                "Microsoft.Resources/subscriptions/read",
            ],
        ));
    let standin = start(app);
    let dir = tempfile::tempdir().unwrap();
    let role = dir.path().join("spot-role.json");
    std::fs::write(
        &role,
        r#"{"properties":{"roleName":"Spot","permissions":[{"actions":[
            "Microsoft.Compute/virtualMachines/read",
            "Microsoft.Network/virtualNetworks/write",
            "Microsoft.Compute/virtualMachines/start/action"],"notActions":[]}]}}"#,
    )
    .unwrap();
    let run = test_arm(
        &standin,
        &with_ids(&[
            "--secret-env",
            "S",
            "--require-actions",
            s(&role),
            "--output",
            "json",
        ]),
        &[("S", SECRET)],
    );
    run.assert_code(6)
        .assert_stderr_contains("Microsoft.Compute/virtualMachines/start/action");
    let json = run.json();
    assert_eq!(
        json["subscriptions"][0]["missing_actions"],
        serde_json::json!(["Microsoft.Compute/virtualMachines/start/action"])
    );
    assert_eq!(json["subscriptions"][0]["verdict"], "permission_missing");
    assert_eq!(json["exit_code"], 6);
}

#[test]
fn role_only_on_a_resource_group_exits_6_with_the_scope() {
    let rg_scope = format!("{}/resourceGroups/web", sub_scope(SUB));
    let app = App::new(CLIENT)
        .secret(ClientSecret::new(SECRET, None))
        .role(RoleAssignment::reader(rg_scope.clone()));
    let standin = start(app);
    let run = test_arm(
        &standin,
        &with_ids(&[
            "--secret-env",
            "S",
            "--require-role",
            "Reader",
            "--resource-group",
            "web",
            "--output",
            "json",
        ]),
        &[("S", SECRET)],
    );
    run.assert_code(6)
        .assert_stderr_contains("credential works")
        .assert_stderr_contains(&format!("scope {}", sub_scope(SUB)))
        .assert_stderr_contains("cannot be read");
    let sub = &run.json()["subscriptions"][0];
    assert_eq!(sub["verdict"], "not_visible");
    assert_eq!(sub["problems"][0]["code"], "AuthorizationFailed");
    assert_eq!(sub["problems"][0]["status"], 403);
    assert!(sub["problems"][0]["request_id"].is_string());
    assert_eq!(
        sub["permissions_scope"], rg_scope,
        "fell back to the resource group"
    );
    assert_eq!(sub["missing_actions"], serde_json::json!([]));
}

#[test]
fn one_token_for_ten_subscriptions() {
    let subs: Vec<String> = (1..=10)
        .map(|i| format!("00000000-0000-0000-0000-0000000000{i:02}"))
        .collect();
    let mut app = App::new(CLIENT).secret(ClientSecret::new(SECRET, None));
    let mut config = Config::new();
    for (i, sub) in subs.iter().enumerate() {
        config = config.subscription(Subscription::new(sub, format!("Team {i}")));
        if i != 6 {
            app = app.role(RoleAssignment::reader(sub_scope(sub)));
        }
    }
    let standin = StandIn::start(config.tenant(Tenant::new(TENANT).app(app))).unwrap();
    let list = subs.join(",");
    let run = test_arm(
        &standin,
        &[
            "--tenant",
            TENANT,
            "--client-id",
            CLIENT,
            "--subscription",
            &list,
            "--secret-env",
            "S",
            "--require-role",
            "Reader",
        ],
        &[("S", SECRET)],
    );
    run.assert_code(6)
        .assert_stderr_contains(&format!("1 of 10 subscription(s), first {}", subs[6]));
    let tokens = standin
        .requests()
        .iter()
        .filter(|r| r.matches("/*/oauth2"))
        .count();
    assert_eq!(tokens, 1, "one token for all subscriptions");
    let gets = standin
        .requests()
        .iter()
        .filter(|r| subs.iter().any(|s| r.path == sub_scope(s)))
        .count();
    assert_eq!(gets, 10);
    let out = run.stdout_text();
    let table = out.split("SUBSCRIPTION").nth(1).expect("summary table");
    for (i, sub) in subs.iter().enumerate() {
        let line = table.lines().find(|l| l.starts_with(sub.as_str())).unwrap();
        if i == 6 {
            assert!(line.contains("not_visible"), "{line}");
        } else {
            assert!(
                line.contains(&format!("Team {i}")) && line.contains(" ok "),
                "{line}"
            );
        }
    }
}

#[test]
fn environment_variables_fill_in_and_flags_win() {
    let standin = start(reader_app());
    let bundle = fixture("rsa2048-bundle.pem");
    let run = test_arm(
        &standin,
        &["--tenant", TENANT],
        &[
            ("AZURE_TENANT_ID", "99999999-9999-9999-9999-999999999999"),
            ("AZURE_CLIENT_ID", CLIENT),
            ("AZURE_SUBSCRIPTION_ID", SUB),
            ("AZURE_CLIENT_CERTIFICATE_PATH", s(&bundle)),
        ],
    );
    run.assert_code(0)
        .assert_stderr_contains("tenant ID from flag --tenant")
        .assert_stderr_contains("client ID from environment variable AZURE_CLIENT_ID")
        .assert_stderr_contains("subscription ID from environment variable AZURE_SUBSCRIPTION_ID")
        .assert_stderr_contains("environment variable AZURE_CLIENT_CERTIFICATE_PATH");
}

#[test]
fn dotenv_file_with_terraform_names() {
    let standin = start(reader_app());
    let dir = tempfile::tempdir().unwrap();
    let env_file = dir.path().join(".env");
    std::fs::write(
        &env_file,
        format!(
            "# pasted from the portal\nARM_TENANT_ID={TENANT}\nexport ARM_CLIENT_ID=\"{CLIENT}\"\n\
             ARM_SUBSCRIPTION_ID={SUB}\nARM_CLIENT_SECRET='{SECRET}'\n"
        ),
    )
    .unwrap();
    let run = test_arm(
        &standin,
        &["--env-file", s(&env_file), "--output", "json"],
        &[],
    );
    run.assert_code(0)
        .assert_stderr_contains(&format!("ARM_CLIENT_SECRET in {}", s(&env_file)))
        .assert_stderr_contains(&format!("ARM_TENANT_ID in {}", s(&env_file)));
    assert_no_secrets(&run);
    assert_eq!(run.json()["subscriptions"][0]["display_name"], "Production");
}

#[test]
fn arm_client_certificate_holds_a_base64_pfx() {
    let standin = start(reader_app());
    let pfx = std::fs::read(fixture("rsa2048-aes.pfx")).unwrap();
    let b64 = STANDARD.encode(pfx);
    let run = test_arm(
        &standin,
        &[],
        &[
            ("ARM_TENANT_ID", TENANT),
            ("ARM_CLIENT_ID", CLIENT),
            ("ARM_SUBSCRIPTION_ID", SUB),
            ("ARM_CLIENT_CERTIFICATE", &b64),
            ("ARM_CLIENT_CERTIFICATE_PASSWORD", FIXTURE_PASS),
        ],
    );
    run.assert_code(0)
        .assert_stderr_contains("ARM_CLIENT_CERTIFICATE (base64 PKCS#12)")
        .assert_stderr_contains("password for ARM_CLIENT_CERTIFICATE from environment variable ARM_CLIENT_CERTIFICATE_PASSWORD");
    assert!(!run.stderr.contains(FIXTURE_PASS));
    assert_eq!(assertions(&standin).len(), 1);
}

#[test]
fn an_expired_certificate_is_refused_before_any_request() {
    let standin = start(reader_app());
    let dir = tempfile::tempdir().unwrap();
    let pem = dir.path().join("expired.pem");
    let mut data = std::fs::read(fixture("rsa2048.key")).unwrap();
    data.extend(std::fs::read(fixture("expired.crt")).unwrap());
    std::fs::write(&pem, data).unwrap();
    test_arm(&standin, &with_ids(&["--cert", s(&pem)]), &[])
        .assert_code(3)
        .assert_stderr_contains("expired on 2020-02-01")
        .assert_stderr_contains("renew");
    assert!(standin.requests().is_empty());
}

#[test]
fn throttling_once_is_retried_but_always_exits_7() {
    let standin = start(reader_app());
    let args = with_ids(&["--secret-env", "S"]);
    standin.set_fault(
        "/*/oauth2",
        Fault::TooManyRequests {
            retry_after_secs: 1,
        },
        Times::Once,
    );
    test_arm(&standin, &args, &[("S", SECRET)]).assert_code(0);
    standin.set_fault(
        "/*/oauth2",
        Fault::TooManyRequests {
            retry_after_secs: 1,
        },
        Times::Always,
    );
    test_arm(&standin, &args, &[("S", SECRET)])
        .assert_code(7)
        .assert_stderr_contains("HTTP 429 after 4 attempt(s)");
}

#[test]
fn arm_unavailable_exits_7() {
    let standin = start(reader_app());
    standin.set_fault("/subscriptions", Fault::Status(503), Times::Always);
    let run = test_arm(
        &standin,
        &with_ids(&["--secret-env", "S", "--output", "json"]),
        &[("S", SECRET)],
    );
    run.assert_code(7)
        .assert_stderr_contains("ARM could not be reached or failed");
    assert_eq!(run.json()["subscriptions"][0]["verdict"], "unreachable");
}

#[test]
fn a_slow_token_endpoint_times_out_with_exit_7() {
    let standin = start(reader_app());
    standin.set_fault(
        "/*/oauth2",
        Fault::Delay(Duration::from_secs(5)),
        Times::Always,
    );
    let mut args = with_ids(&["--secret-env", "S"]);
    args.extend(["--timeout", "1"]);
    let started = std::time::Instant::now();
    test_arm(&standin, &args, &[("S", SECRET)])
        .assert_code(7)
        .assert_stderr_contains("did not answer in time");
    assert!(started.elapsed() < Duration::from_secs(5));
}
