//! The Graph directory routes with curl as the client: listings with `$select`, `$top`,
//! `$filter` and `$skiptoken` next links, the permission model (roles fixed in the token,
//! OwnedBy), page faults, owners, and `$batch`.

use certtool_standin::directory::{service_principal_id, Directory};
use certtool_standin::{
    App, ClientSecret, Collection, Config, Owner, PageFault, StandIn, Tenant, Times,
};
use serde_json::{json, Value};

use crate::support::*;

const SECRET: &str = "dir-secret";

fn start(permission: Option<&str>, directory: Directory) -> StandIn {
    let mut app = App::new(CLIENT)
        .display_name("auditor")
        .secret(ClientSecret::new(SECRET, None));
    if let Some(p) = permission {
        app = app.graph_permission(p);
    }
    StandIn::start(Config::new().tenant(Tenant::new(TENANT).app(app).directory(directory))).unwrap()
}

fn generated(n: usize) -> Directory {
    Directory::generate(TENANT, 9, n, time::OffsetDateTime::now_utc())
}

fn token(standin: &StandIn) -> String {
    let reply = post_form(
        standin,
        &format!("/{TENANT}/oauth2/v2.0/token"),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT),
            ("client_secret", SECRET),
            ("scope", "https://graph.microsoft.com/.default"),
        ],
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    reply.json()["access_token"].as_str().unwrap().to_owned()
}

fn get(standin: &StandIn, url: &str, token: &str) -> Reply {
    let url = if url.starts_with("https://") {
        url.to_owned()
    } else {
        format!("{}{url}", standin.url())
    };
    let auth = format!("Authorization: Bearer {token}");
    curl(standin, &["-g", "-H", &auth, &url])
}

fn post(standin: &StandIn, path: &str, token: &str, body: &Value) -> Reply {
    let auth = format!("Authorization: Bearer {token}");
    let text = body.to_string();
    let url = format!("{}{path}", standin.url());
    curl(
        standin,
        &[
            "-g",
            "-X",
            "POST",
            "-H",
            &auth,
            "-H",
            "Content-Type: application/json",
            "--data-binary",
            &text,
            &url,
        ],
    )
}

fn code(reply: &Reply) -> String {
    reply.json()["error"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn listings_page_with_next_links_that_keep_the_query() {
    let standin = start(Some("Application.Read.All"), generated(250));
    let token = token(&standin);
    let mut url = "/v1.0/servicePrincipals?$select=id,servicePrincipalType&$top=120".to_owned();
    let (mut pages, mut ids) = (0, std::collections::HashSet::new());
    loop {
        let reply = get(&standin, &url, &token);
        assert_eq!(reply.status, 200, "{}", reply.text());
        let body = reply.json();
        pages += 1;
        for item in body["value"].as_array().unwrap() {
            assert_eq!(
                item.as_object().unwrap().len(),
                2,
                "only the selected properties: {item}"
            );
            assert!(ids.insert(item["id"].as_str().unwrap().to_owned()));
        }
        match body["@odata.nextLink"].as_str() {
            Some(next) => {
                assert!(next.starts_with(standin.url()));
                assert!(
                    next.contains("$select=id,servicePrincipalType&$top=120&$skiptoken="),
                    "{next}"
                );
                url = next.to_owned();
            }
            None => break,
        }
    }
    let directory = generated(250);
    assert_eq!(
        ids.len(),
        1 + directory.service_principals.len(),
        "the auditor's own too"
    );
    assert_eq!(pages, ids.len().div_ceil(120));

    let default = get(&standin, "/v1.0/applications", &token).json();
    assert_eq!(
        default["value"].as_array().unwrap().len(),
        100,
        "100 by default"
    );
    assert!(
        default["value"][1]["keyCredentials"].is_array(),
        "all properties without $select"
    );
    for (query, want) in [
        ("$top=1000", "Request_UnsupportedQuery"),
        ("$top=0", "Request_UnsupportedQuery"),
        ("$select=id,secretText", "BadRequest"),
        (
            "$filter=startswith(displayName,'a')",
            "Request_UnsupportedQuery",
        ),
        ("$skiptoken=zz", "Directory_InvalidSkipToken"),
    ] {
        let reply = get(&standin, &format!("/v1.0/applications?{query}"), &token);
        assert_eq!(
            (reply.status, code(&reply)),
            (400, want.to_owned()),
            "{query}"
        );
    }
}

#[test]
fn filter_by_display_name_quotes_and_ignores_case() {
    let mut directory = generated(30);
    directory.applications[7].display_name = "O'Brien app".into();
    let id = directory.applications[7].id.clone();
    let standin = start(Some("Application.ReadWrite.All"), directory);
    let token = token(&standin);
    let reply = get(
        &standin,
        "/v1.0/applications?$filter=displayName%20eq%20'o''brien%20APP'&$select=id,appId",
        &token,
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    let value = reply.json()["value"].as_array().unwrap().clone();
    assert_eq!(value.len(), 1);
    assert_eq!(value[0]["id"], id.as_str());
}

#[test]
fn roles_are_fixed_in_the_token_and_owned_by_sees_only_owned_objects() {
    let mut directory = generated(40);
    let owned = directory.service_principals[2].id.clone();
    directory.add_owner(
        &owned,
        Owner::ServicePrincipal(service_principal_id(CLIENT)),
    );
    let standin = start(None, directory);
    let early = token(&standin);
    let denied = get(&standin, "/v1.0/servicePrincipals", &early);
    assert_eq!(
        (denied.status, code(&denied)),
        (403, "Authorization_RequestDenied".to_owned())
    );
    assert!(denied.header("request-id").is_some());
    assert_eq!(
        get(&standin, "/v1.0/servicePrincipals", "nonsense").status,
        401
    );

    standin.update_config(|c| {
        c.tenants[0].apps[0]
            .graph_permissions
            .push("Application.ReadWrite.OwnedBy".into())
    });
    assert_eq!(
        get(&standin, "/v1.0/servicePrincipals", &early).status,
        403,
        "the old token lacks the role"
    );
    let fresh = token(&standin);
    let listed = get(&standin, "/v1.0/servicePrincipals?$select=id", &fresh).json();
    assert_eq!(listed["value"], json!([{ "id": owned }]));
    let not_owned = standin_first_app(&standin);
    assert_eq!(
        get(
            &standin,
            &format!("/v1.0/applications/{not_owned}/owners"),
            &fresh
        )
        .status,
        404
    );
}

fn standin_first_app(standin: &StandIn) -> String {
    let mut id = String::new();
    standin.update_config(|c| id = c.tenants[0].directory.applications[0].id.clone());
    id
}

#[test]
fn chosen_pages_fail_as_told_and_then_recover() {
    let directory = generated(30)
        .fault_page(
            Collection::Applications,
            1,
            PageFault::TooManyRequests {
                retry_after_secs: 7,
            },
            Times::Once,
        )
        .fault_page(
            Collection::Applications,
            2,
            PageFault::Truncated,
            Times::Once,
        );
    let standin = start(Some("Application.Read.All"), directory);
    let token = token(&standin);
    let first = get(&standin, "/v1.0/applications?$top=10", &token);
    assert_eq!(first.status, 200);
    let next = first.json()["@odata.nextLink"].as_str().unwrap().to_owned();
    let throttled = get(&standin, &next, &token);
    assert_eq!(
        (throttled.status, code(&throttled)),
        (429, "TooManyRequests".to_owned())
    );
    assert_eq!(throttled.header("retry-after"), Some("7"));
    let second = get(&standin, &next, &token);
    assert_eq!(second.status, 200, "once only");
    let third_url = second.json()["@odata.nextLink"]
        .as_str()
        .unwrap()
        .to_owned();
    let cut = get(&standin, &third_url, &token);
    assert_eq!(cut.status, 200);
    assert!(
        serde_json::from_slice::<Value>(&cut.body).is_err(),
        "a truncated body"
    );
    assert_eq!(
        get(&standin, &third_url, &token).json()["value"]
            .as_array()
            .unwrap()
            .len(),
        10
    );
}

#[test]
fn owners_name_their_kind() {
    let mut directory = generated(5);
    let app = directory.applications[0].id.clone();
    directory.owners.remove(&app.to_ascii_lowercase());
    directory.add_owner(&app, Owner::User("u1".into()));
    directory.add_owner(&app, Owner::ServicePrincipal("s1".into()));
    let standin = start(Some("Application.Read.All"), directory);
    let token = token(&standin);
    let owners = get(
        &standin,
        &format!("/v1.0/applications/{app}/owners?$select=id"),
        &token,
    )
    .json();
    assert_eq!(
        owners["value"],
        json!([
            {"@odata.type": "#microsoft.graph.user", "id": "u1"},
            {"@odata.type": "#microsoft.graph.servicePrincipal", "id": "s1"},
        ])
    );
    let missing = get(
        &standin,
        "/v1.0/servicePrincipals/00000000-0000-4000-8000-000000000000/owners",
        &token,
    );
    assert_eq!(
        (missing.status, code(&missing)),
        (404, "Request_ResourceNotFound".to_owned())
    );
}

#[test]
fn batch_answers_out_of_order_and_throttles_chosen_sub_requests() {
    let directory = generated(5);
    let app = directory.applications[1].id.clone();
    let directory = directory.throttle_batch(&format!("/applications/{app}"), 3, Times::Once);
    let standin = start(Some("Application.Read.All"), directory);
    let token = token(&standin);
    let config_app = App::new(CLIENT).object_id.clone();
    let body = json!({ "requests": [
        {"id": "a", "method": "GET", "url": format!("/applications/{app}/owners")},
        {"id": "b", "method": "GET", "url": "/servicePrincipals?$top=2&$select=id"},
        {"id": "c", "method": "GET", "url": format!("/applications/{config_app}?$select=displayName")},
    ]});
    let reply = post(&standin, "/v1.0/$batch", &token, &body);
    assert_eq!(reply.status, 200, "{}", reply.text());
    let responses = reply.json()["responses"].as_array().unwrap().clone();
    let ids: Vec<&str> = responses
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["c", "b", "a"], "not in request order");
    assert_eq!(responses[2]["status"], 429);
    assert_eq!(responses[2]["headers"]["Retry-After"], "3");
    assert_eq!(responses[1]["status"], 200);
    assert_eq!(responses[1]["body"]["value"].as_array().unwrap().len(), 2);
    assert_eq!(
        responses[0]["body"]["displayName"], "auditor",
        "other Graph routes answer too"
    );
    let again = post(
        &standin,
        "/v1.0/$batch",
        &token,
        &json!({"requests": [body["requests"][0]]}),
    );
    assert_eq!(
        again.json()["responses"][0]["status"],
        200,
        "the 429 was for once"
    );

    let many: Vec<Value> = (0..21)
        .map(|i| json!({"id": i.to_string(), "method": "GET", "url": "/applications"}))
        .collect();
    let twin = json!({"requests": [body["requests"][1], body["requests"][1]]});
    for bad in [
        json!({"requests": many}),
        twin,
        json!({"requests": []}),
        json!({}),
    ] {
        let reply = post(&standin, "/v1.0/$batch", &token, &bad);
        assert_eq!(
            (reply.status, code(&reply)),
            (400, "BadRequest".to_owned()),
            "{bad}"
        );
    }
    let no_token = post(&standin, "/v1.0/$batch", "nonsense", &body);
    assert_eq!(no_token.status, 401);
}

/// Follows the next links of `url`: the ids of each page, and the page count.
fn page_ids(standin: &StandIn, url: &str, token: &str) -> Vec<Vec<String>> {
    let mut url = url.to_owned();
    let mut pages = Vec::new();
    loop {
        let reply = get(standin, &url, token);
        assert_eq!(reply.status, 200, "{}", reply.text());
        let body = reply.json();
        let ids = body["value"].as_array().unwrap().iter();
        pages.push(ids.map(|o| o["id"].as_str().unwrap().to_owned()).collect());
        match body["@odata.nextLink"].as_str() {
            Some(next) => url = next.to_owned(),
            None => return pages,
        }
    }
}

#[test]
fn owned_by_and_filtered_listings_page_over_what_the_caller_sees() {
    let mut directory = generated(40);
    let owned: Vec<String> = [1, 5, 6, 20, 21, 22, 39]
        .iter()
        .map(|&i| directory.service_principals[i].id.clone())
        .collect();
    for id in &owned {
        directory.add_owner(id, Owner::ServicePrincipal(service_principal_id(CLIENT)));
    }
    let twins: Vec<String> = [0, 13, 29]
        .iter()
        .map(|&i| {
            directory.applications[i].display_name = "Twin".into();
            directory.applications[i].id.clone()
        })
        .collect();
    let standin = start(Some("Application.ReadWrite.OwnedBy"), directory);
    let token = token(&standin);
    let pages = page_ids(
        &standin,
        "/v1.0/servicePrincipals?$select=id&$top=2",
        &token,
    );
    let want: Vec<Vec<String>> = owned.chunks(2).map(<[String]>::to_vec).collect();
    assert_eq!(pages, want, "only owned objects, two a page, in order");

    standin.update_config(|c| {
        c.tenants[0].apps[0]
            .graph_permissions
            .push("Application.Read.All".into())
    });
    let token = self::token(&standin);
    let pages = page_ids(
        &standin,
        "/v1.0/applications?$filter=displayName%20eq%20'twin'&$select=id&$top=1",
        &token,
    );
    let want: Vec<Vec<String>> = twins.iter().map(|id| vec![id.clone()]).collect();
    assert_eq!(pages, want, "one match a page, no empty last page");
}
