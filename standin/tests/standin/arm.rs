//! ARM: bearer tokens from the stand-in's Entra ID, role assignments, ARM error codes.

use certtool_standin::{App, ClientSecret, Config, RoleAssignment, StandIn, Subscription, Tenant};

use crate::support::*;

const SUB_API: &str = "api-version=2022-12-01";
const PERM_API: &str = "api-version=2022-04-01";
const OTHER_SUB: &str = "00000000-0000-0000-0000-000000000002";
const RG_ONLY_SUB: &str = "00000000-0000-0000-0000-000000000003";

fn arm_standin() -> StandIn {
    let app = App::new(CLIENT)
        .secret(ClientSecret::new("s3cret", None))
        .role(
            RoleAssignment::reader(format!("/subscriptions/{SUB}"))
                .not_actions(["Microsoft.Compute/*/read"]),
        )
        .role(RoleAssignment::new(
            format!("/subscriptions/{RG_ONLY_SUB}/resourceGroups/rg1"),
            ["*"],
        ));
    let config = Config::new()
        .subscription(Subscription::new(SUB, "Production"))
        .subscription(Subscription::new(OTHER_SUB, "Elsewhere").tenant_id(OTHER_TENANT))
        .subscription(Subscription::new(RG_ONLY_SUB, "Narrow"))
        .tenant(Tenant::new(TENANT).app(app))
        .tenant(Tenant::new(OTHER_TENANT));
    StandIn::start(config).unwrap()
}

fn token(standin: &StandIn, scope: &str) -> String {
    let reply = post_form(
        standin,
        &format!("/{TENANT}/oauth2/v2.0/token"),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT),
            ("client_secret", "s3cret"),
            ("scope", scope),
        ],
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    reply.json()["access_token"].as_str().unwrap().to_owned()
}

#[test]
fn a_good_assertion_gets_a_token_that_reads_the_subscription() {
    let dir = tempfile::tempdir().unwrap();
    let cert = Identity::new(dir.path(), "app", -1, 365);
    let app = App::new(CLIENT)
        .certificate(cert.registered())
        .role(RoleAssignment::reader(format!("/subscriptions/{SUB}")));
    let standin = StandIn::start(
        Config::new()
            .subscription(Subscription::new(SUB, "Production"))
            .tenant(Tenant::new(TENANT).app(app)),
    )
    .unwrap();
    let reply = token_with_assertion(
        &standin,
        TENANT,
        &rs256(&cert, &claims(&standin.token_url(TENANT))),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    let token = reply.json()["access_token"].as_str().unwrap().to_owned();
    let sub = arm_get(
        &standin,
        &format!("/subscriptions/{SUB}?{SUB_API}"),
        Some(&token),
    );
    assert_eq!(sub.status, 200, "{}", sub.text());
    let body = sub.json();
    assert_eq!(body["subscriptionId"], SUB);
    assert_eq!(body["tenantId"], TENANT);
    assert_eq!(body["displayName"], "Production");
    assert_eq!(body["state"], "Enabled");
    assert_eq!(body["id"], format!("/subscriptions/{SUB}"));
    assert!(sub.header("x-ms-request-id").is_some());
}

#[test]
fn permissions_follow_role_assignments_and_scopes() {
    let standin = arm_standin();
    let token = token(&standin, &format!("{}/.default", standin.url()));
    let perms = arm_get(
        &standin,
        &format!("/subscriptions/{SUB}/providers/Microsoft.Authorization/permissions?{PERM_API}"),
        Some(&token),
    );
    assert_eq!(perms.status, 200, "{}", perms.text());
    let value = &perms.json()["value"];
    assert_eq!(value.as_array().unwrap().len(), 1);
    assert_eq!(value[0]["actions"][0], "*/read");
    assert_eq!(value[0]["notActions"][0], "Microsoft.Compute/*/read");
    assert!(value[0]["dataActions"].as_array().unwrap().is_empty());

    // A role only on a resource group: 403 at subscription scope, 200 at that group.
    let at_sub = arm_get(
        &standin,
        &format!(
            "/subscriptions/{RG_ONLY_SUB}/providers/Microsoft.Authorization/permissions?{PERM_API}"
        ),
        Some(&token),
    );
    assert_eq!(
        (at_sub.status, at_sub.arm_code().as_str()),
        (403, "AuthorizationFailed")
    );
    assert!(at_sub.text().contains(CLIENT));
    let at_rg = arm_get(
        &standin,
        &format!("/subscriptions/{RG_ONLY_SUB}/resourceGroups/rg1/providers/Microsoft.Authorization/permissions?{PERM_API}"),
        Some(&token),
    );
    assert_eq!(at_rg.status, 200, "{}", at_rg.text());
    assert_eq!(at_rg.json()["value"][0]["actions"][0], "*");
    let sub_read = arm_get(
        &standin,
        &format!("/subscriptions/{RG_ONLY_SUB}?{SUB_API}"),
        Some(&token),
    );
    assert_eq!(
        (sub_read.status, sub_read.arm_code().as_str()),
        (403, "AuthorizationFailed")
    );
}

#[test]
fn token_problems_get_arm_401_and_404_codes() {
    let standin = arm_standin();
    let token = token(&standin, "https://management.azure.com/.default");
    let get = |path: &str, token: Option<&str>| arm_get(&standin, path, token);

    assert_eq!(
        get(&format!("/subscriptions/{SUB}?{SUB_API}"), Some(&token)).status,
        200
    );
    let none = get(&format!("/subscriptions/{SUB}?{SUB_API}"), None);
    assert_eq!(
        (none.status, none.arm_code().as_str()),
        (401, "AuthenticationFailed")
    );
    assert!(none
        .header("www-authenticate")
        .is_some_and(|h| h.starts_with("Bearer ")));
    let bogus = get(
        &format!("/subscriptions/{SUB}?{SUB_API}"),
        Some("not-a-token"),
    );
    assert_eq!(
        (bogus.status, bogus.arm_code().as_str()),
        (401, "InvalidAuthenticationToken")
    );
    let other_tenant = get(
        &format!("/subscriptions/{OTHER_SUB}?{SUB_API}"),
        Some(&token),
    );
    assert_eq!(
        (other_tenant.status, other_tenant.arm_code().as_str()),
        (401, "InvalidAuthenticationTokenTenant")
    );
    let graph = self::token(&standin, "https://graph.microsoft.com/.default");
    let audience = get(&format!("/subscriptions/{SUB}?{SUB_API}"), Some(&graph));
    assert_eq!(
        (audience.status, audience.arm_code().as_str()),
        (401, "InvalidAuthenticationTokenAudience")
    );
    let missing = get(
        &format!("/subscriptions/99999999-0000-0000-0000-000000000000?{SUB_API}"),
        Some(&token),
    );
    assert_eq!(
        (missing.status, missing.arm_code().as_str()),
        (404, "SubscriptionNotFound")
    );
    let no_version = get(&format!("/subscriptions/{SUB}"), Some(&token));
    assert_eq!(
        (no_version.status, no_version.arm_code().as_str()),
        (400, "MissingApiVersionParameter")
    );

    // A token expires by the stand-in's clock.
    standin.set_clock_offset(2 * 3600);
    let expired = get(&format!("/subscriptions/{SUB}?{SUB_API}"), Some(&token));
    assert_eq!(
        (expired.status, expired.arm_code().as_str()),
        (401, "ExpiredAuthenticationToken")
    );
}

#[test]
fn permissions_page_with_next_link() {
    let app = App::new(CLIENT)
        .secret(ClientSecret::new("s3cret", None))
        .role(RoleAssignment::reader(format!("/subscriptions/{SUB}")))
        .role(RoleAssignment::new("/", ["Microsoft.Resources/*"]));
    let standin = StandIn::start(
        Config::new()
            .subscription(Subscription::new(SUB, "Production"))
            .tenant(Tenant::new(TENANT).app(app))
            .permissions_page_size(1),
    )
    .unwrap();
    let token = token(&standin, "https://management.azure.com/.default");
    let path =
        format!("/subscriptions/{SUB}/providers/Microsoft.Authorization/permissions?{PERM_API}");
    let first = arm_get(&standin, &path, Some(&token));
    assert_eq!(first.status, 200, "{}", first.text());
    assert_eq!(first.json()["value"][0]["actions"][0], "*/read");
    let next = first.json()["nextLink"]
        .as_str()
        .expect("a nextLink")
        .to_owned();
    let rest = next
        .strip_prefix(standin.url())
        .expect("nextLink on the stand-in");
    let second = arm_get(&standin, rest, Some(&token));
    assert_eq!(
        second.json()["value"][0]["actions"][0],
        "Microsoft.Resources/*"
    );
    assert!(second.json().get("nextLink").is_none());
    let queries: Vec<Option<String>> = standin
        .requests()
        .iter()
        .skip(1)
        .map(|r| r.query.clone())
        .collect();
    assert_eq!(
        queries[1].as_deref(),
        Some("api-version=2022-04-01&$skiptoken=1")
    );
}
