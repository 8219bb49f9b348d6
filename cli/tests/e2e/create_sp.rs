//! `certtool create sp` end to end against the stand-in: every step, every refusal,
//! rollback, replication, the device code flow, and `--env-file-out` followed by
//! `test arm --env-file` (the loop closed).

use std::time::Duration;

use certtool_standin::{App, RoleAssignment, StandIn};

use crate::support::arm::{sub_scope, CLIENT, SECRET};
use crate::support::create_sp::*;
use crate::support::*;

fn apps_named(standin: &StandIn, name: &str) -> usize {
    let mut n = 0;
    standin.update_config(|c| {
        n = c.tenants[0]
            .apps
            .iter()
            .filter(|a| a.display_name == name)
            .count()
    });
    n
}

fn assignments(standin: &StandIn) -> usize {
    let mut n = 0;
    standin.update_config(|c| n = c.tenants[0].directory.role_assignments.len());
    n
}

fn no_secret_leaks(run: &Run, secret_value: Option<&str>) {
    let all = format!("{}{}", run.stdout_text(), run.stderr);
    assert!(!all.contains(SECRET), "the runner's secret was printed");
    if let Some(v) = secret_value {
        assert!(!all.contains(v), "the new secret was printed");
    }
    assert!(!all.contains("standin."), "a token was printed");
}

#[test]
fn a_secret_sp_is_created_proven_and_passes_test_arm_from_its_env_file() {
    let standin = start(runner());
    let dir = tempfile::tempdir().unwrap();
    let env_file = dir.path().join("sp.env");
    let run = create_sp(
        &standin,
        &[
            "--name",
            "cloudcraft-prod",
            "--subscription",
            SUB,
            "--for",
            "cloudcraft",
            "--env-file-out",
            s(&env_file),
            "--output",
            "json",
        ],
    );
    run.assert_code(EXIT_OK);
    let report = run.json();
    assert_eq!(report["state"], "proven");
    assert_eq!(report["role"]["name"], "Reader");
    let client_id = report["client_id"].as_str().unwrap().to_string();
    assert_eq!(mode(&env_file), 0o600);
    let text = std::fs::read_to_string(&env_file).unwrap();
    let secret = text
        .lines()
        .find_map(|l| l.strip_prefix("AZURE_CLIENT_SECRET="))
        .unwrap();
    assert!(text.contains(&format!("AZURE_CLIENT_ID={client_id}")));
    no_secret_leaks(&run, Some(secret));
    let labels: Vec<&str> = report["hand_over"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["label"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        [
            "Directory ID",
            "Application ID",
            "Subscription ID",
            "Client secret"
        ]
    );
    // Cloudcraft's guide: a secret for 730 days.
    let expires = report["secret_expires"].as_str().unwrap();
    assert!(expires > "2027", "{expires}");
    // The assignment named principalType, and was the only role write.
    let puts: Vec<_> = standin
        .requests()
        .into_iter()
        .filter(|r| r.method == "PUT")
        .collect();
    assert_eq!(puts.len(), 1);
    assert!(
        puts[0]
            .body
            .contains("\"principalType\":\"ServicePrincipal\""),
        "{}",
        puts[0].body
    );
    // The loop closed: test arm reads the env file and the role holds.
    let check = test_arm_from(&standin, &env_file, &["--require-role", "Reader"]);
    check.assert_code(EXIT_OK);
}

#[test]
fn a_certificate_sp_writes_its_pfx_0600_and_signs_in_with_it() {
    let standin = start(runner());
    let dir = tempfile::tempdir().unwrap();
    let env_file = dir.path().join("sp.env");
    let run = create_sp(
        &standin,
        &[
            "--name",
            "deploy cert",
            "--subscription",
            &format!("{SUB},{SUB2}"),
            "--role",
            "Contributor",
            "--out-dir",
            s(dir.path()),
            "--no-password",
            "--env-file-out",
            s(&env_file),
        ],
    );
    run.assert_code(EXIT_OK);
    let text = run.stdout_text();
    assert!(text.contains("state: proven"), "{text}");
    let pfx = dir.path().join("deploy-cert.pfx");
    assert_eq!(mode(&pfx), 0o600);
    assert!(dir.path().join("deploy-cert.cer").exists());
    assert_eq!(assignments(&standin), 2, "one assignment per subscription");
    let env = std::fs::read_to_string(&env_file).unwrap();
    assert!(env.contains("AZURE_CLIENT_CERTIFICATE_PATH=/"), "{env}");
    test_arm_from(&standin, &env_file, &["--subscription", SUB2]).assert_code(EXIT_OK);
}

#[test]
fn a_taken_name_is_refused_before_anything_is_created() {
    let standin = start(runner());
    standin.update_config(|c| {
        c.tenants[0]
            .apps
            .push(App::new("33333333-3333-3333-3333-333333333333").display_name("Spot"))
    });
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s");
    let run = create_sp(&standin, &secret_sp("spot", s(&out)));
    run.assert_code(EXIT_USAGE)
        .assert_stderr_contains("an application with this display name exists");
    run.assert_stderr_contains("--allow-same-name");
    assert!(
        standin
            .requests()
            .iter()
            .all(|r| r.method == "GET" || r.matches("/*/oauth2")),
        "nothing was written"
    );
    assert_eq!(apps_named(&standin, "Spot"), 1);
    // With --allow-same-name a new one is made beside it, the old one untouched.
    let run = create_sp(
        &standin,
        &[&secret_sp("Spot", s(&out))[..], &["--allow-same-name"]].concat(),
    );
    run.assert_code(EXIT_OK);
    assert_eq!(apps_named(&standin, "Spot"), 2);
}

#[test]
fn refusals_before_anything_is_created() {
    let standin = start(runner());
    let dir = tempfile::tempdir().unwrap();
    // A secret with no destination.
    create_sp(
        &standin,
        &[&named("x", "Reader")[..], &["--credential", "secret"]].concat(),
    )
    .assert_code(EXIT_USAGE)
    .assert_stderr_contains("a client secret needs a destination");
    // One document per stream.
    create_sp(
        &standin,
        &[&secret_sp("x", "-")[..], &["--output", "json"]].concat(),
    )
    .assert_code(EXIT_USAGE)
    .assert_stderr_contains("one document per stream");
    // Spot needs its policy; no wider role is picked.
    create_sp(
        &standin,
        &[
            "--name",
            "x",
            "--subscription",
            SUB,
            "--for",
            "spot",
            "--secret-out",
            s(&dir.path().join("s")),
        ],
    )
    .assert_code(EXIT_USAGE)
    .assert_stderr_contains("--role-definition");
    // A role that does not exist.
    let out = dir.path().join("s");
    create_sp(
        &standin,
        &[
            &named("x", "Reeder")[..],
            &["--credential", "secret", "--secret-out", s(&out)],
        ]
        .concat(),
    )
    .assert_code(EXIT_USAGE)
    .assert_stderr_contains("no role named \"Reeder\"");
    assert!(standin
        .requests()
        .iter()
        .all(|r| r.method == "GET" || r.matches("/*/oauth2")));
    assert!(!dir.path().join("s").exists());
}

#[test]
fn without_graph_permission_nothing_is_created_and_exit_6_names_the_permission() {
    let mut app = runner();
    app.graph_permissions = vec!["Application.Read.All".into()];
    let standin = start(app);
    let dir = tempfile::tempdir().unwrap();
    let run = create_sp(&standin, &certificate_sp("n", s(dir.path())));
    run.assert_code(EXIT_PERMISSION)
        .assert_stderr_contains("Application.ReadWrite.All");
    run.assert_stderr_contains("nothing was created");
    assert_eq!(entries(dir.path()), 0, "the staged PFX is not left behind");
}

#[test]
fn without_role_assignment_rights_everything_created_is_removed_in_order() {
    let mut app = runner();
    app.roles = vec![RoleAssignment::new(sub_scope(SUB), ["*/read"])];
    let standin = start(app);
    let dir = tempfile::tempdir().unwrap();
    let secret_file = dir.path().join("secret");
    let run = create_sp(
        &standin,
        &[
            &secret_sp("rolled back", s(&secret_file))[..],
            &["--output", "json"],
        ]
        .concat(),
    );
    run.assert_code(EXIT_PERMISSION);
    let report = run.json();
    assert_eq!(report["state"], "rolled_back");
    assert!(report["error"]["fix"]
        .as_str()
        .unwrap()
        .contains("User Access Administrator"));
    let created = report["created"].as_array().unwrap();
    assert_eq!(created.len(), 3, "{created:?}");
    assert!(created.iter().all(|c| c["removed"] == true));
    assert_eq!(apps_named(&standin, "rolled back"), 0);
    assert!(!secret_file.exists(), "a rolled-back secret is not written");
    let deletes: Vec<_> = standin
        .requests()
        .into_iter()
        .filter(|r| r.method == "DELETE")
        .collect();
    assert_eq!(deletes.len(), 1);
    assert!(deletes[0].path.starts_with("/v1.0/applications/"));
}

#[test]
fn a_custom_role_is_one_definition_for_every_subscription_and_is_undone_with_keep_or_not() {
    let standin = start(runner());
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("spot.json");
    std::fs::write(&policy, r#"{"Name":"Spot.io","IsCustom":true,"Description":"Spot","Actions":["Microsoft.Compute/*/read","Microsoft.Compute/virtualMachines/start/action"],"NotActions":[],"AssignableScopes":["/subscriptions/x"]}"#).unwrap();
    let secret = dir.path().join("secret");
    let run = create_sp(
        &standin,
        &[
            "--name",
            "spot",
            "--subscription",
            &format!("{SUB},{SUB2}"),
            "--for",
            "spot",
            "--role-definition",
            s(&policy),
            "--secret-out",
            s(&secret),
            "--output",
            "json",
        ],
    );
    run.assert_code(EXIT_OK);
    assert_eq!(run.json()["role"]["custom"], true);
    assert_eq!(mode(&secret), 0o600);
    let mut scopes = Vec::new();
    standin.update_config(|c| {
        let defs = &c.tenants[0].directory.role_definitions;
        assert_eq!(defs.len(), 1);
        scopes = defs[0].assignable_scopes.clone();
    });
    assert_eq!(scopes, [sub_scope(SUB), sub_scope(SUB2)]);
    // The same name again: the role exists and is not ours to change.
    let run = create_sp(
        &standin,
        &[
            "--name",
            "spot2",
            "--subscription",
            SUB,
            "--role-definition",
            s(&policy),
            "--credential",
            "secret",
            "--secret-out",
            s(&dir.path().join("s2")),
        ],
    );
    run.assert_code(EXIT_USAGE)
        .assert_stderr_contains("a role named \"Spot.io\" exists already");
}

#[test]
fn replication_is_waited_for_and_a_short_wait_keeps_everything_unproven() {
    let standin = start_with(runner(), |c| c.new_app_signin_delay(Duration::from_secs(3)));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("a");
    let run = create_sp(&standin, &secret_sp("slow", s(&out)));
    run.assert_code(EXIT_OK)
        .assert_stderr_contains("waiting for Entra ID to replicate the new app (AADSTS700016)");
    let env_file = dir.path().join("b.env");
    let run = create_sp(
        &standin,
        &[
            &named("slower", "Reader")[..],
            &[
                "--credential",
                "secret",
                "--env-file-out",
                s(&env_file),
                "--wait",
                "1",
                "--output",
                "json",
            ],
        ]
        .concat(),
    );
    run.assert_code(EXIT_NETWORK);
    let report = run.json();
    assert_eq!(report["state"], "not_yet_proven");
    assert!(report["check"]
        .as_str()
        .unwrap()
        .starts_with("certtool test arm --env-file"));
    assert!(
        env_file.exists(),
        "the env file is written for the later check"
    );
    assert_eq!(apps_named(&standin, "slower"), 1, "kept");
}

#[test]
fn keep_on_failure_keeps_what_was_created() {
    let mut app = runner();
    app.roles = vec![RoleAssignment::new(sub_scope(SUB), ["*/read"])];
    let standin = start(app);
    let dir = tempfile::tempdir().unwrap();
    let run = create_sp(
        &standin,
        &[
            &certificate_sp("kept", s(dir.path()))[..],
            &["--keep-on-failure"],
        ]
        .concat(),
    );
    run.assert_code(EXIT_PERMISSION);
    assert_eq!(apps_named(&standin, "kept"), 1);
    assert!(
        dir.path().join("kept.pfx").exists(),
        "the kept app's key is kept too"
    );
}

#[test]
fn a_federated_credential_is_created_and_says_no_proof_is_possible_here() {
    let standin = start(runner());
    let run = create_sp(
        &standin,
        &[
            &named("gh", "Reader")[..],
            &[
                "--credential",
                "federated",
                "--federated-issuer",
                "https://token.actions.githubusercontent.com",
                "--federated-subject",
                "repo:contoso/deploy:ref:refs/heads/main",
                "--output",
                "json",
            ],
        ]
        .concat(),
    );
    run.assert_code(EXIT_OK);
    let report = run.json();
    assert_eq!(report["state"], "created_unproven");
    let steps = report["steps"].as_array().unwrap();
    assert!(steps
        .iter()
        .any(|s| s["step"] == "prove_sign_in" && s["status"] == "skipped"));
    let mut found = Vec::new();
    standin.update_config(|c| {
        found = c.tenants[0]
            .apps
            .iter()
            .filter(|a| a.display_name == "gh")
            .flat_map(|a| a.federated.clone())
            .collect()
    });
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].audiences, ["api://AzureADTokenExchange"]);
}

/// Runs `run` while a second thread settles the first device code it asks for with
/// `settle`; fails the test when no code was asked for within 30 s.
fn with_device_code(
    standin: &StandIn,
    settle: fn(&StandIn, &str) -> bool,
    run: impl FnOnce() -> Run,
) -> Run {
    std::thread::scope(|scope| {
        let settler = scope.spawn(|| {
            for _ in 0..300 {
                if let Some(code) = standin.pending_device_codes().first() {
                    return settle(standin, code);
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            false
        });
        let done = run();
        assert!(settler.join().unwrap(), "no device code was asked for");
        done
    })
}

#[test]
fn a_person_signs_in_once_with_a_device_code() {
    let standin = start_with(runner(), |c| c.device_code_interval(1));
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("secret");
    // Graph by another of the stand-in's names, so that its scope differs from ARM's
    // and the second token must come from the refresh token, as in Azure.
    let graph = format!("https://localhost:{}", standin.port());
    let run = with_device_code(
        &standin,
        |st, code| st.approve_device_code(code, CLIENT),
        || by_device_code(&standin, &graph, &secret),
    );
    run.assert_code(EXIT_OK)
        .assert_stderr_contains("enter the code");
    let asked: Vec<_> = standin
        .requests()
        .into_iter()
        .filter(|r| r.matches("/*/oauth2/v2.0/devicecode"))
        .collect();
    assert_eq!(asked.len(), 1, "one sign-in");
    assert!(asked[0]
        .body
        .contains("04b07795-8ddb-461a-bbee-02f9e1bf7b46"));
    let grants: Vec<String> = standin
        .requests()
        .iter()
        .filter(|r| r.matches("/*/oauth2"))
        .map(|r| r.body.split('&').next().unwrap_or_default().to_string())
        .collect();
    assert!(
        grants.iter().any(|g| g == "grant_type=refresh_token"),
        "{grants:?}"
    );
    assert!(secret.exists());
}

#[test]
fn a_declined_device_code_is_exit_5() {
    let standin = start_with(runner(), |c| c.device_code_interval(1));
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("secret");
    let url = standin.url().to_string();
    let run = with_device_code(&standin, StandIn::decline_device_code, || {
        by_device_code(&standin, &url, &secret)
    });
    run.assert_code(EXIT_REJECTED)
        .assert_stderr_contains("declined");
    assert!(
        standin.requests().iter().all(|r| r.matches("/*/oauth2")),
        "nothing else was asked"
    );
    assert!(!secret.exists());
}
