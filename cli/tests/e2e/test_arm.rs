//! End-to-end tests of `certtool test arm`, signing in: the real binary against the Azure
//! stand-in (real TLS, assertions verified for real). Roles and subscriptions:
//! `test_arm_access.rs`.

use std::time::Duration;

use crate::support::arm::*;
use crate::support::*;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use certtool_standin::{App, ClientSecret, Fault, RoleAssignment, Times};

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
    run.assert_code(EXIT_OK);
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

    // The stand-in serves ARM and Graph under one URL, so both ask for the same scope:
    // one sign-in serves both (a token per scope per run), and the Graph read carries the
    // bearer the ARM calls did. Distinct scopes: `each_scope_is_signed_in_for_once`.
    let sent = assertions(&standin);
    assert_eq!(sent.len(), 1);
    let bearer = |prefix: &str| -> Vec<String> {
        standin
            .requests()
            .iter()
            .filter(|r| r.path.starts_with(prefix))
            .filter_map(|r| {
                r.headers
                    .iter()
                    .find(|(n, _)| n == "authorization")
                    .map(|(_, v)| v.clone())
            })
            .collect()
    };
    let (arm, graph) = (bearer("/subscriptions"), bearer("/v1.0"));
    assert_eq!(arm.len(), 2, "the subscription and its permissions");
    assert_eq!(graph.len(), 1, "the registration");
    assert!(arm
        .iter()
        .chain(&graph)
        .all(|b| b == &arm[0] && b.starts_with("Bearer ")));
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
    run.assert_code(EXIT_OK);
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
    run.assert_code(EXIT_OK);
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
    run.assert_code(EXIT_OK)
        .assert_stderr_contains("--secret-env, from the environment");
    assert!(!run.stderr.contains("MY_SECRET"), "the name is not echoed");
    assert_no_secrets(&run);
    assert!(run.stdout_text().contains("Production"));
    let json_run = test_arm(
        &standin,
        &with_ids(&["--secret-env", "MY_SECRET", "--output", "json"]),
        &[("MY_SECRET", SECRET)],
    );
    json_run.assert_code(EXIT_OK);
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
    run.assert_code(EXIT_REJECTED)
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
        &[fake_now(&fake)],
        "AADSTS700024",
    );
    run.assert_stderr_contains(&format!("local clock: {fake}"))
        .assert_stderr_contains("NTP");
    let (_, claims) = &assertions(&standin)[0];
    assert_eq!(claims["iat"], skewed.unix_timestamp());
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
        .assert_code(EXIT_INPUT)
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
    test_arm(&standin, &args, &[("S", SECRET)]).assert_code(EXIT_OK);
    // A retried assertion is a new one: Entra refuses a jti it has seen.
    standin.clear_requests();
    standin.set_fault("/*/oauth2", Fault::Status(503), Times::Once);
    let bundle = fixture("rsa2048-bundle.pem");
    test_arm(&standin, &with_ids(&["--cert", s(&bundle)]), &[]).assert_code(EXIT_OK);
    let sent = assertions(&standin);
    assert_eq!(
        sent.len(),
        2,
        "the 503 was retried; Graph reuses the token (the stand-in's one scope)"
    );
    assert_ne!(sent[0].1["jti"], sent[1].1["jti"]);
    standin.set_fault(
        "/*/oauth2",
        Fault::TooManyRequests {
            retry_after_secs: 1,
        },
        Times::Always,
    );
    test_arm(&standin, &args, &[("S", SECRET)])
        .assert_code(EXIT_NETWORK)
        .assert_stderr_contains("HTTP 429 after 4 attempt(s)");
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
        .assert_code(EXIT_NETWORK)
        .assert_stderr_contains("did not answer in time");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn a_key_that_is_not_the_certificates_or_not_rsa_is_refused_offline() {
    let standin = start(reader_app());
    test_arm(
        &standin,
        &with_ids(&["--cert", s(&fixture("mismatched-bundle.pem"))]),
        &[],
    )
    .assert_code(EXIT_INPUT)
    .assert_stderr_contains("does not match");
    let dir = tempfile::tempdir().unwrap();
    let ec = dir.path().join("ec.pem");
    let mut data = std::fs::read(fixture("ec.key")).unwrap();
    data.extend(std::fs::read(fixture("ec.crt")).unwrap());
    std::fs::write(&ec, data).unwrap();
    test_arm(&standin, &with_ids(&["--cert", s(&ec)]), &[])
        .assert_code(EXIT_INPUT)
        .assert_stderr_contains("not RSA");
    test_arm(
        &standin,
        &with_ids(&["--cert", s(&fixture("rsa2048.cer"))]),
        &[],
    )
    .assert_code(EXIT_INPUT)
    .assert_stderr_contains("no private key");
    assert!(standin.requests().is_empty(), "nothing is sent");
}

#[test]
fn a_disabled_app_is_7000112() {
    let standin = start(reader_app());
    standin.update_config(|c| c.tenants[0].apps[0].enabled = false);
    rejected(
        &standin,
        &with_ids(&["--secret-env", "S"]),
        &[("S", SECRET)],
        "AADSTS7000112",
    )
    .assert_stderr_contains("re-enable the service principal");
}

/// ARM and Graph with different scopes (a Graph endpoint the stand-in does not know as
/// a resource): one token request for each scope, no more, and a Graph scope Entra ID
/// refuses is a note, not the verdict.
#[test]
fn each_scope_is_signed_in_for_once() {
    let standin = start(reader_app());
    let url = standin.url().to_string();
    let (arm, graph) = (format!("{url}/"), format!("{url}/graph"));
    let extra = with_ids(&["--secret-env", "S", "--output", "json"]);
    let run = test_arm_at(&standin, &graph, &extra, &[("S", SECRET)], None);
    run.assert_code(EXIT_OK);
    let scopes: Vec<String> = standin
        .requests()
        .iter()
        .filter(|r| r.matches("/*/oauth2"))
        .filter_map(|r| {
            r.body
                .split('&')
                .find_map(|kv| kv.strip_prefix("scope="))
                .map(str::to_owned)
        })
        .collect();
    assert_eq!(
        scopes,
        [
            urlencode(&format!("{arm}.default")),
            urlencode(&format!("{graph}/.default"))
        ]
    );
    let note = &run.json()["registration"]["unavailable"];
    assert_eq!(note["code"], "no_graph_token");
    assert!(
        note["cause"].as_str().unwrap().contains("AADSTS500011"),
        "{note}"
    );
}
