//! End-to-end tests of `certtool test arm`, after sign-in: subscriptions, permissions,
//! required actions, many subscriptions at once, ARM failures.

use std::path::Path;

use crate::support::arm::*;
use crate::support::*;
use certtool_standin::{
    App, ClientSecret, Config, Fault, RoleAssignment, StandIn, Subscription, Tenant, Times,
};

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
    let run = require_actions_json(&standin, &role);
    run.assert_code(EXIT_PERMISSION)
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
    run.assert_code(EXIT_PERMISSION)
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
    run.assert_code(EXIT_PERMISSION)
        .assert_stderr_contains(&format!("1 of 10 subscription(s), first {}", subs[6]));
    let tokens = standin
        .requests()
        .iter()
        .filter(|r| r.matches("/*/oauth2"))
        .count();
    assert_eq!(
        tokens, 1,
        "one token for all subscriptions and Graph (the stand-in serves both under one scope)"
    );
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
fn arm_unavailable_exits_7() {
    let standin = start(reader_app());
    standin.set_fault("/subscriptions", Fault::Status(503), Times::Always);
    let run = test_arm(
        &standin,
        &with_ids(&["--secret-env", "S", "--output", "json"]),
        &[("S", SECRET)],
    );
    run.assert_code(EXIT_NETWORK)
        .assert_stderr_contains("ARM could not be reached or failed");
    assert_eq!(run.json()["subscriptions"][0]["verdict"], "unreachable");
}

#[test]
fn a_subscription_of_another_tenant_is_named_so() {
    const OTHER: &str = "44444444-4444-4444-4444-444444444444";
    let config = Config::new()
        .subscription(Subscription::new(SUB, "Elsewhere").tenant_id(OTHER))
        .tenant(Tenant::new(TENANT).app(reader_app()))
        .tenant(Tenant::new(OTHER));
    let standin = StandIn::start(config).unwrap();
    let run = test_arm(
        &standin,
        &with_ids(&["--secret-env", "S", "--output", "json"]),
        &[("S", SECRET)],
    );
    run.assert_code(EXIT_PERMISSION)
        .assert_stderr_contains("the subscription belongs to another tenant")
        .assert_stderr_contains(&format!("ARM names tenant {OTHER} as its owner"));
    let sub = &run.json()["subscriptions"][0];
    assert_eq!(sub["verdict"], "not_visible");
    assert_eq!(
        sub["problems"][0]["code"],
        "InvalidAuthenticationTokenTenant"
    );
    // Nothing more is asked of a subscription the token cannot see.
    assert!(!standin
        .requests()
        .iter()
        .any(|r| r.path.ends_with("/permissions")));
}

#[test]
fn permissions_are_read_across_pages() {
    let app = App::new(CLIENT)
        .secret(ClientSecret::new(SECRET, None))
        .role(RoleAssignment::new(
            sub_scope(SUB),
            ["Microsoft.Compute/*/read"],
        ))
        .role(RoleAssignment::new(sub_scope(SUB), ["Microsoft.Network/*"]))
        .role(RoleAssignment::new(
            sub_scope(SUB),
            ["Microsoft.Resources/*/read"],
        ));
    let config = Config::new()
        .subscription(Subscription::new(SUB, "Production"))
        .tenant(Tenant::new(TENANT).app(app))
        .permissions_page_size(1);
    let standin = StandIn::start(config).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let role = dir.path().join("role.json");
    std::fs::write(
        &role,
        r#"{"Name":"three pages","Actions":["Microsoft.Compute/disks/read","Microsoft.Network/publicIPAddresses/write","Microsoft.Resources/subscriptions/resourceGroups/read"]}"#,
    )
    .unwrap();
    let run = require_actions_json(&standin, &role);
    run.assert_code(EXIT_OK);
    assert_eq!(run.json()["subscriptions"][0]["permission_entries"], 3);
    let pages = standin
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/permissions"))
        .count();
    assert_eq!(pages, 3);
    // The same file fails when a page is missing: the last role is gone.
    standin.update_config(|c| {
        c.tenants[0].apps[0].roles.pop();
    });
    let run = test_arm(
        &standin,
        &with_ids(&["--secret-env", "S", "--require-actions", s(&role)]),
        &[("S", SECRET)],
    );
    run.assert_code(EXIT_PERMISSION).assert_stderr_contains(
        "do not grant: Microsoft.Resources/subscriptions/resourceGroups/read",
    );
    assert!(
        run.stdout_text().contains("(required by "),
        "{}",
        run.stdout_text()
    );
}

/// `test arm` with the secret, `--require-actions ROLE_FILE` and JSON output.
fn require_actions_json(standin: &StandIn, role: &Path) -> Run {
    test_arm(
        standin,
        &with_ids(&[
            "--secret-env",
            "S",
            "--require-actions",
            s(role),
            "--output",
            "json",
        ]),
        &[("S", SECRET)],
    )
}
