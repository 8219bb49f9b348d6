//! Microsoft Graph: reading an application, addKey/removeKey with proofs made here with
//! the openssl crate, Graph's error shape, replication delay and token audiences.

use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use certtool_standin::{App, ClientSecret, Config, StandIn, Tenant};
use serde_json::{json, Value};

use crate::support::*;

const OBJECT_ID: &str = "44444444-4444-4444-8444-444444444444";
const READER: &str = "55555555-5555-4555-8555-555555555555";
const PROOF_AUD: &str = "00000002-0000-0000-c000-000000000000";

struct World {
    dir: tempfile::TempDir,
    standin: StandIn,
    current: Identity,
}

fn world(read_permission: bool, replication: Duration) -> World {
    let dir = tempfile::tempdir().unwrap();
    let current = Identity::new(dir.path(), "current", -1, 365);
    let mut app = App::new(CLIENT)
        .object_id(OBJECT_ID)
        .display_name("deploy")
        .certificate(current.registered())
        .secret(ClientSecret::new(
            "abcSECRET",
            Some(time::OffsetDateTime::now_utc() + time::Duration::days(30)),
        ));
    if read_permission {
        app = app.graph_permission("Application.Read.All");
    }
    let config = Config::new()
        .tenant(Tenant::new(TENANT).app(app).app(App::new(READER)))
        .replication_delay(replication);
    World {
        standin: StandIn::start(config).unwrap(),
        dir,
        current,
    }
}

/// A Graph token for CLIENT, signed in with `identity`; `None` when refused.
fn graph_token(w: &World, identity: &Identity, resource: &str) -> Option<String> {
    let reply = post_form(
        &w.standin,
        &format!("/{TENANT}/oauth2/v2.0/token"),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT),
            ("scope", &format!("{resource}/.default")),
            ("client_assertion_type", JWT_BEARER),
            (
                "client_assertion",
                &rs256(identity, &claims(&w.standin.token_url(TENANT))),
            ),
        ],
    );
    (reply.status == 200).then(|| reply.json()["access_token"].as_str().unwrap().to_owned())
}

fn proof_claims(iss: &str) -> Value {
    let now = unix_now();
    json!({"aud": PROOF_AUD, "iss": iss, "nbf": now, "exp": now + 600})
}

fn graph(w: &World, method: &str, path: &str, token: &str, body: Option<&Value>) -> Reply {
    let url = format!("{}{path}", w.standin.url());
    let auth = format!("Authorization: Bearer {token}");
    let mut args = vec!["-X", method, "-H", auth.as_str()];
    let text = body.map(Value::to_string);
    if let Some(text) = &text {
        args.extend([
            "-H",
            "Content-Type: application/json",
            "--data-binary",
            text,
        ]);
    }
    args.push(url.as_str());
    curl(&w.standin, &args)
}

fn add_key_body(new: &Identity, proof: &str) -> Value {
    json!({
        "keyCredential": {
            "type": "AsymmetricX509Cert",
            "usage": "Verify",
            "key": STANDARD.encode(new.cert.to_der().unwrap()),
        },
        "passwordCredential": null,
        "proof": proof,
    })
}

fn code(reply: &Reply) -> String {
    reply.json()["error"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn an_app_with_read_permission_lists_its_credentials() {
    let w = world(true, Duration::ZERO);
    let token = graph_token(&w, &w.current, "https://graph.microsoft.com").unwrap();
    let select = "$select=id,appId,displayName,keyCredentials,passwordCredentials";
    let by_app_id = graph(
        &w,
        "GET",
        &format!("/v1.0/applications(appId='{CLIENT}')?{select}"),
        &token,
        None,
    );
    assert_eq!(by_app_id.status, 200, "{}", by_app_id.text());
    assert!(by_app_id.header("request-id").is_some());
    let app = by_app_id.json();
    assert_eq!(app["id"], OBJECT_ID);
    assert_eq!(app["appId"], CLIENT);
    assert_eq!(app["displayName"], "deploy");
    let key = &app["keyCredentials"][0];
    let sha1 = STANDARD
        .decode(key["customKeyIdentifier"].as_str().unwrap())
        .unwrap();
    assert_eq!(hex(&sha1), w.current.sha1_hex());
    assert_eq!(key["type"], "AsymmetricX509Cert");
    assert!(key["endDateTime"].as_str().unwrap().ends_with('Z'));
    assert!(key["keyId"].as_str().unwrap().len() == 36);
    let secret = &app["passwordCredentials"][0];
    assert_eq!(secret["hint"], "abc");
    assert!(!by_app_id.text().contains("SECRET"), "never the secret");

    // By object id, percent-encoded quotes and a narrower $select.
    let by_object = graph(
        &w,
        "GET",
        &format!("/v1.0/applications/{OBJECT_ID}?$select=id,keyCredentials"),
        &token,
        None,
    );
    assert_eq!(by_object.status, 200);
    let body = by_object.json();
    assert!(body.get("displayName").is_none(), "only what was selected");
    let encoded = graph(
        &w,
        "GET",
        &format!("/v1.0/applications(appId=%27{CLIENT}%27)"),
        &token,
        None,
    );
    assert_eq!(encoded.json()["id"], OBJECT_ID);

    let unknown_property = graph(
        &w,
        "GET",
        &format!("/v1.0/applications/{OBJECT_ID}?$select=id,colour"),
        &token,
        None,
    );
    assert_eq!(unknown_property.status, 400);
    let missing = graph(&w, "GET", "/v1.0/applications/nope", &token, None);
    assert_eq!(
        (missing.status, code(&missing)),
        (404, "Request_ResourceNotFound".into())
    );
    let error = &missing.json()["error"]["innerError"];
    assert!(error["request-id"].is_string() && error["date"].is_string());
}

#[test]
fn reading_needs_a_permission_and_a_graph_token() {
    let w = world(false, Duration::ZERO);
    let token = graph_token(&w, &w.current, "https://graph.microsoft.com").unwrap();
    let denied = graph(
        &w,
        "GET",
        &format!("/v1.0/applications/{OBJECT_ID}"),
        &token,
        None,
    );
    assert_eq!(
        (denied.status, code(&denied)),
        (403, "Authorization_RequestDenied".into()),
        "{}",
        denied.text()
    );
    let arm = graph_token(&w, &w.current, "https://management.azure.com").unwrap();
    let wrong_audience = graph(
        &w,
        "GET",
        &format!("/v1.0/applications/{OBJECT_ID}"),
        &arm,
        None,
    );
    assert_eq!(
        (wrong_audience.status, code(&wrong_audience)),
        (401, "InvalidAuthenticationToken".into())
    );
    assert!(wrong_audience.text().contains("Invalid audience"));
    // Sovereign Graph audiences and the stand-in's own URL are Graph too.
    for resource in ["https://graph.microsoft.us", w.standin.url()] {
        let t = graph_token(&w, &w.current, resource).unwrap();
        let reply = graph(
            &w,
            "GET",
            &format!("/v1.0/applications/{OBJECT_ID}"),
            &t,
            None,
        );
        assert_eq!(reply.status, 403, "{resource}: authenticated, then denied");
    }
}

#[test]
fn add_key_then_sign_in_after_replication_then_remove_the_old_key() {
    let w = world(true, Duration::from_secs(120));
    let token = graph_token(&w, &w.current, "https://graph.microsoft.com").unwrap();
    let new = Identity::new(w.dir.path(), "new", -1, 730);
    let proof = rs256(&w.current, &proof_claims(OBJECT_ID));
    let added = graph(
        &w,
        "POST",
        &format!("/v1.0/applications/{OBJECT_ID}/addKey"),
        &token,
        Some(&add_key_body(&new, &proof)),
    );
    assert_eq!(added.status, 200, "{}", added.text());
    let new_key_id = added.json()["keyId"].as_str().unwrap().to_owned();

    // Graph lists it at once; Entra ID refuses it until replication is done.
    let list = graph(
        &w,
        "GET",
        &format!("/v1.0/applications/{OBJECT_ID}"),
        &token,
        None,
    );
    assert_eq!(list.json()["keyCredentials"].as_array().unwrap().len(), 2);
    assert!(graph_token(&w, &new, "https://graph.microsoft.com").is_none());
    w.standin.set_clock_offset(121);
    let new_token = graph_token(&w, &new, "https://graph.microsoft.com").expect("replicated");

    // The same key twice is refused.
    let proof = rs256(&new, &proof_claims(OBJECT_ID));
    let again = graph(
        &w,
        "POST",
        &format!("/v1.0/applications/{OBJECT_ID}/addKey"),
        &new_token,
        Some(&add_key_body(&new, &proof)),
    );
    assert_eq!(again.status, 400);

    let old_key_id = list.json()["keyCredentials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["keyId"].as_str().unwrap().to_owned())
        .find(|id| *id != new_key_id)
        .unwrap();
    let removed = graph(
        &w,
        "POST",
        &format!("/v1.0/applications/{OBJECT_ID}/removeKey"),
        &new_token,
        Some(&json!({"keyId": old_key_id, "proof": proof})),
    );
    assert_eq!(removed.status, 204, "{}", removed.text());
    assert!(graph_token(&w, &w.current, "https://graph.microsoft.com").is_none());
    let list = graph(
        &w,
        "GET",
        &format!("/v1.0/applications/{OBJECT_ID}"),
        &new_token,
        None,
    );
    let keys = list.json()["keyCredentials"].as_array().unwrap().clone();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["keyId"], new_key_id.as_str());
    let gone = graph(
        &w,
        "POST",
        &format!("/v1.0/applications/{OBJECT_ID}/removeKey"),
        &new_token,
        Some(&json!({"keyId": old_key_id, "proof": proof})),
    );
    assert_eq!(gone.status, 404);
}

#[test]
fn bad_proofs_are_refused() {
    let w = world(false, Duration::ZERO);
    let token = graph_token(&w, &w.current, "https://graph.microsoft.com").unwrap();
    let new = Identity::new(w.dir.path(), "new", -1, 730);
    let path = format!("/v1.0/applications/{OBJECT_ID}/addKey");
    let try_proof = |proof: &str| {
        let reply = graph(&w, "POST", &path, &token, Some(&add_key_body(&new, proof)));
        (reply.status, code(&reply))
    };
    let refused = (401, "Authentication_MissingOrMalformed".to_owned());

    let mut wrong_aud = proof_claims(OBJECT_ID);
    wrong_aud["aud"] = json!("00000003-0000-0000-c000-000000000000");
    assert_eq!(try_proof(&rs256(&w.current, &wrong_aud)), refused);
    assert_eq!(
        try_proof(&rs256(&w.current, &proof_claims(CLIENT))),
        refused,
        "iss = client id"
    );
    assert_eq!(
        try_proof(&rs256(&new, &proof_claims(OBJECT_ID))),
        refused,
        "unregistered key"
    );
    let header = json!({"alg": "RS256", "typ": "JWT", "x5t": w.current.x5t()});
    assert_eq!(
        try_proof(&sign(&header, &proof_claims(OBJECT_ID), &new.key)),
        refused,
        "signed by another key"
    );
    let mut long = proof_claims(OBJECT_ID);
    long["exp"] = json!(unix_now() + 3600);
    assert_eq!(
        try_proof(&rs256(&w.current, &long)),
        refused,
        "over ten minutes"
    );
    let mut old = proof_claims(OBJECT_ID);
    old["nbf"] = json!(unix_now() - 3600);
    old["exp"] = json!(unix_now() - 3000);
    assert_eq!(
        try_proof(&rs256(&w.current, &old)),
        refused,
        "expired proof"
    );
    // PS256 with x5t#S256 is a good proof too.
    let ps = json!({"alg": "PS256", "typ": "JWT", "x5t#S256": w.current.x5t_s256()});
    let reply = graph(
        &w,
        "POST",
        &path,
        &token,
        Some(&add_key_body(
            &new,
            &sign(&ps, &proof_claims(OBJECT_ID), &w.current.key),
        )),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());

    // No proof at all: Authorization_RequestDenied.
    let mut no_proof = add_key_body(&new, "");
    no_proof.as_object_mut().unwrap().remove("proof");
    let reply = graph(&w, "POST", &path, &token, Some(&no_proof));
    assert_eq!(
        (reply.status, code(&reply)),
        (403, "Authorization_RequestDenied".into())
    );
}

#[test]
fn an_app_whose_certificates_expired_cannot_prove_anything() {
    let dir = tempfile::tempdir().unwrap();
    let expired = Identity::new(dir.path(), "expired", -400, -1);
    let new = Identity::new(dir.path(), "new", -1, 730);
    let app = App::new(CLIENT)
        .object_id(OBJECT_ID)
        .certificate(expired.registered())
        .secret(ClientSecret::new("s3cret-value", None));
    let standin = StandIn::start(Config::new().tenant(Tenant::new(TENANT).app(app))).unwrap();
    // Signed in with the secret: Graph still wants a proof from a valid certificate.
    let reply = post_form(
        &standin,
        &format!("/{TENANT}/oauth2/v2.0/token"),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT),
            ("scope", "https://graph.microsoft.com/.default"),
            ("client_secret", "s3cret-value"),
        ],
    );
    let token = reply.json()["access_token"].as_str().unwrap().to_owned();
    let w = World {
        dir,
        standin,
        current: expired,
    };
    let proof = rs256(&w.current, &proof_claims(OBJECT_ID));
    let reply = graph(
        &w,
        "POST",
        &format!("/v1.0/applications/{OBJECT_ID}/addKey"),
        &token,
        Some(&add_key_body(&new, &proof)),
    );
    assert_eq!(
        (reply.status, code(&reply)),
        (401, "Authentication_MissingOrMalformed".into())
    );
    assert!(
        reply.text().contains("no valid certificate"),
        "{}",
        reply.text()
    );
}

#[test]
fn another_app_needs_read_write_all_to_roll_keys() {
    let w = world(false, Duration::ZERO);
    let token = graph_token(&w, &w.current, "https://graph.microsoft.com").unwrap();
    let new = Identity::new(w.dir.path(), "new", -1, 730);
    let other_object = App::new(READER).object_id;
    // The proof names the other app, but none of its certificates signed it.
    let proof = rs256(&w.current, &proof_claims(&other_object));
    let reply = graph(
        &w,
        "POST",
        &format!("/v1.0/applications/{other_object}/addKey"),
        &token,
        Some(&add_key_body(&new, &proof)),
    );
    assert_eq!(reply.status, 401, "{}", reply.text());
}
