//! Entra ID: client assertions verified for real, client secrets, and the error shape.

use certtool_standin::{App, ClientSecret, Config, ExpiredCertificateError, StandIn, Tenant};
use serde_json::json;

use crate::support::*;

struct World {
    _dir: tempfile::TempDir,
    standin: StandIn,
    app_cert: Identity,
    dir_path: std::path::PathBuf,
}

fn world(configure: impl FnOnce(App) -> App, expired: ExpiredCertificateError) -> World {
    let dir = tempfile::tempdir().unwrap();
    let app_cert = Identity::new(dir.path(), "app", -1, 365);
    let app = configure(App::new(CLIENT).certificate(app_cert.registered()));
    let config = Config::new()
        .tenant(Tenant::new(TENANT).app(app))
        .expired_certificate_error(expired);
    World {
        dir_path: dir.path().to_path_buf(),
        _dir: dir,
        standin: StandIn::start(config).unwrap(),
        app_cert,
    }
}

fn default_world() -> World {
    world(|app| app, ExpiredCertificateError::Aadsts1000502)
}

fn token_url(w: &World) -> String {
    w.standin.token_url(TENANT)
}

#[test]
fn good_rs256_and_ps256_assertions_get_tokens() {
    let w = default_world();
    let rs = token_with_assertion(
        &w.standin,
        TENANT,
        &rs256(&w.app_cert, &claims(&token_url(&w))),
    );
    assert_eq!(rs.status, 200, "{}", rs.text());
    let body = rs.json();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3599);
    assert!(body["access_token"].as_str().is_some_and(|t| !t.is_empty()));

    let header = json!({"alg": "PS256", "typ": "JWT", "x5t#S256": w.app_cert.x5t_s256()});
    let ps = sign(&header, &claims(&token_url(&w)), &w.app_cert.key);
    let reply = token_with_assertion(&w.standin, TENANT, &ps);
    assert_eq!(reply.status, 200, "{}", reply.text());
}

#[test]
fn rejected_assertions_get_their_aadsts_codes() {
    let w = default_world();
    let aud = token_url(&w);
    let other = Identity::new(&w.dir_path, "other", -1, 365);

    // Signed with a key that is not the registered certificate's: 700027 (invalid signature).
    let header = json!({"alg": "RS256", "typ": "JWT", "x5t": w.app_cert.x5t()});
    let wrong_key = token_with_assertion(
        &w.standin,
        TENANT,
        &sign(&header, &claims(&aud), &other.key),
    );
    assert_eq!(
        (wrong_key.status, wrong_key.aadsts()),
        (401, 700027),
        "{}",
        wrong_key.text()
    );
    assert!(wrong_key.text().contains("invalid signature"));

    // A certificate that is not registered: 700027 (key not found).
    let unregistered = token_with_assertion(&w.standin, TENANT, &rs256(&other, &claims(&aud)));
    assert_eq!(unregistered.aadsts(), 700027);
    assert!(unregistered.text().contains("not registered"));
    assert!(unregistered.text().contains(&other.sha1_hex()));

    // The SHA-256 digest put in `x5t` is not found either.
    let misnamed = json!({"alg": "RS256", "typ": "JWT", "x5t": w.app_cert.x5t_s256()});
    let reply = token_with_assertion(
        &w.standin,
        TENANT,
        &sign(&misnamed, &claims(&aud), &w.app_cert.key),
    );
    assert_eq!(reply.aadsts(), 700027);
    assert!(reply.text().contains("not registered"));

    // Wrong audience: the ARM URL instead of the token URL.
    let wrong_aud = claims(&format!("{}/", w.standin.url()));
    let reply = token_with_assertion(&w.standin, TENANT, &rs256(&w.app_cert, &wrong_aud));
    assert_eq!(
        (reply.status, reply.aadsts()),
        (401, 50012),
        "{}",
        reply.text()
    );

    // Expired long ago (beyond the skew): 700024.
    let mut expired = claims(&aud);
    expired["nbf"] = json!(unix_now() - 3600);
    expired["exp"] = json!(unix_now() - 1800);
    let reply = token_with_assertion(&w.standin, TENANT, &rs256(&w.app_cert, &expired));
    assert_eq!(reply.aadsts(), 700024);

    // Not yet valid: also 700024.
    let mut future = claims(&aud);
    future["nbf"] = json!(unix_now() + 3600);
    future["exp"] = json!(unix_now() + 4200);
    assert_eq!(
        token_with_assertion(&w.standin, TENANT, &rs256(&w.app_cert, &future)).aadsts(),
        700024
    );

    // iss/sub other than client_id: 700021.
    let mut wrong_iss = claims(&aud);
    wrong_iss["iss"] = json!("someone-else");
    assert_eq!(
        token_with_assertion(&w.standin, TENANT, &rs256(&w.app_cert, &wrong_iss)).aadsts(),
        700021
    );

    // No thumbprint in the header: 5002723.
    let bare = json!({"alg": "RS256", "typ": "JWT"});
    let reply = token_with_assertion(
        &w.standin,
        TENANT,
        &sign(&bare, &claims(&aud), &w.app_cert.key),
    );
    assert_eq!(reply.aadsts(), 5002723);
    // None of these requests got a token.
    assert!(w.standin.requests().iter().all(|r| r.status != Some(200)));
}

#[test]
fn a_replayed_jti_is_refused() {
    let w = default_world();
    let assertion = rs256(&w.app_cert, &claims(&token_url(&w)));
    assert_eq!(
        token_with_assertion(&w.standin, TENANT, &assertion).status,
        200
    );
    let replay = token_with_assertion(&w.standin, TENANT, &assertion);
    assert_eq!(
        (replay.status, replay.aadsts()),
        (401, 50013),
        "{}",
        replay.text()
    );
}

#[test]
fn an_expired_registered_certificate_is_1000502_or_700027_as_configured() {
    for (mode, code, text) in [
        (
            ExpiredCertificateError::Aadsts1000502,
            1000502,
            "valid time range",
        ),
        (
            ExpiredCertificateError::Aadsts700027,
            700027,
            "Found key 'Start=",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let old = Identity::new(dir.path(), "old", -400, -35);
        let config = Config::new()
            .tenant(Tenant::new(TENANT).app(App::new(CLIENT).certificate(old.registered())))
            .expired_certificate_error(mode);
        let standin = StandIn::start(config).unwrap();
        let reply = token_with_assertion(
            &standin,
            TENANT,
            &rs256(&old, &claims(&standin.token_url(TENANT))),
        );
        assert_eq!(
            (reply.status, reply.aadsts()),
            (401, code),
            "{}",
            reply.text()
        );
        assert!(reply.text().contains(text), "{}", reply.text());
    }
}

#[test]
fn secrets_tenants_and_apps() {
    let past = time::OffsetDateTime::now_utc() - time::Duration::days(1);
    let w = world(
        |app| {
            app.secret(ClientSecret::new("good-secret", None))
                .secret(ClientSecret::new("old-secret", Some(past)))
        },
        ExpiredCertificateError::Aadsts1000502,
    );
    let scope = format!("{}/.default", w.standin.url());
    let path = format!("/{TENANT}/oauth2/v2.0/token");
    let with_secret = |secret: Option<&str>| {
        let mut fields = vec![
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT),
            ("scope", scope.as_str()),
        ];
        if let Some(secret) = secret {
            fields.push(("client_secret", secret));
        }
        post_form(&w.standin, &path, &fields)
    };
    assert_eq!(with_secret(Some("good-secret")).status, 200);
    assert_eq!(with_secret(Some("wrong")).aadsts(), 7000215);
    assert_eq!(with_secret(Some("old-secret")).aadsts(), 7000222);
    assert_eq!(with_secret(None).aadsts(), 7000218);

    let unknown_tenant = format!("/{OTHER_TENANT}/oauth2/v2.0/token");
    let reply = post_form(
        &w.standin,
        &unknown_tenant,
        &[("grant_type", "client_credentials")],
    );
    assert_eq!((reply.status, reply.aadsts()), (400, 90002));
    let reply = post_form(
        &w.standin,
        &path,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", OTHER_TENANT),
            ("client_secret", "x"),
        ],
    );
    assert_eq!(reply.aadsts(), 700016);

    w.standin
        .update_config(|c| c.tenants[0].apps[0].enabled = false);
    assert_eq!(with_secret(Some("good-secret")).aadsts(), 7000112);
}

#[test]
fn errors_have_entra_shape_and_v1_answers_with_strings() {
    let w = default_world();
    let reply = curl(
        &w.standin,
        &[
            "-H",
            "client-request-id: 0f0f0f0f-1111-4222-8333-444444444444",
            "--data-urlencode",
            "grant_type=client_credentials",
            "--data-urlencode",
            &format!("client_id={CLIENT}"),
            &token_url(&w),
        ],
    );
    assert_eq!(reply.status, 401);
    let body = reply.json();
    for field in [
        "error",
        "error_description",
        "error_codes",
        "timestamp",
        "trace_id",
        "correlation_id",
        "error_uri",
    ] {
        assert!(!body[field].is_null(), "missing {field}: {body}");
    }
    assert_eq!(body["error"], "invalid_client");
    assert_eq!(
        body["correlation_id"],
        "0f0f0f0f-1111-4222-8333-444444444444"
    );
    let description = body["error_description"].as_str().unwrap();
    assert!(description.starts_with("AADSTS7000218: "));
    let tail: Vec<&str> = description.split("\r\n").skip(1).collect();
    assert!(
        tail[0].starts_with("Trace ID: ")
            && tail[1].starts_with("Correlation ID: ")
            && tail[2].starts_with("Timestamp: ")
    );

    let v1_url = format!("{}/{TENANT}/oauth2/token", w.standin.url());
    let v1 = post_form(
        &w.standin,
        &format!("/{TENANT}/oauth2/token"),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT),
            ("resource", "https://management.azure.com/"),
            ("client_assertion_type", JWT_BEARER),
            ("client_assertion", &rs256(&w.app_cert, &claims(&v1_url))),
        ],
    );
    assert_eq!(v1.status, 200, "{}", v1.text());
    assert_eq!(v1.json()["expires_in"], "3599");
    assert_eq!(v1.json()["resource"], "https://management.azure.com/");
}

/// What MSAL for Python sends and Entra ID accepts: thumbprints with base64 padding,
/// `iat`/`exp` as floats, no `nbf`. A lifetime that starts in the future (by `iat`) is
/// still refused, and a padded thumbprint of another certificate is still not found.
#[test]
fn msal_shaped_assertions_padding_floats_and_no_nbf_are_accepted() {
    let w = default_world();
    let now = unix_now() as f64 + 0.25;
    let msal_claims = |iat: f64| {
        json!({
            "aud": token_url(&w), "iss": CLIENT, "sub": CLIENT, "jti": fresh_jti(),
            "iat": iat, "exp": iat + 600.0,
        })
    };
    let padded = |unpadded: String| {
        let pad = (4 - unpadded.len() % 4) % 4;
        format!("{unpadded}{}", "=".repeat(pad))
    };
    let sha1 = padded(w.app_cert.x5t());
    let sha256 = padded(w.app_cert.x5t_s256());
    assert!(sha1.ends_with('=') && sha256.ends_with('='));
    for header in [
        json!({"alg": "RS256", "typ": "JWT", "x5t": sha1}),
        json!({"alg": "PS256", "typ": "JWT", "x5t#S256": sha256}),
    ] {
        let jwt = sign(&header, &msal_claims(now), &w.app_cert.key);
        let reply = token_with_assertion(&w.standin, TENANT, &jwt);
        assert_eq!(reply.status, 200, "{header}: {}", reply.text());
    }

    let later = sign(
        &json!({"alg": "RS256", "typ": "JWT", "x5t": sha1}),
        &msal_claims(now + 3600.0),
        &w.app_cert.key,
    );
    let reply = token_with_assertion(&w.standin, TENANT, &later);
    assert_eq!(
        (reply.status, reply.aadsts()),
        (401, 700024),
        "{}",
        reply.text()
    );

    let other = Identity::new(&w.dir_path, "other", -1, 365);
    let unknown = sign(
        &json!({"alg": "RS256", "typ": "JWT", "x5t": padded(other.x5t())}),
        &msal_claims(now),
        &other.key,
    );
    let reply = token_with_assertion(&w.standin, TENANT, &unknown);
    assert_eq!(
        (reply.status, reply.aadsts()),
        (401, 700027),
        "{}",
        reply.text()
    );
}

/// Tenant and instance discovery, as MSAL fetches them before its first token request.
#[test]
fn discovery_documents_point_back_at_the_standin() {
    let w = default_world();
    let standin = &w.standin;
    let base = standin.url().to_owned();
    let get = |path: &str| curl(standin, &[&format!("{base}{path}")]);
    let v2 = get(&format!("/{TENANT}/v2.0/.well-known/openid-configuration"));
    assert_eq!(v2.status, 200, "{}", v2.text());
    let doc = v2.json();
    assert_eq!(doc["token_endpoint"], standin.token_url(TENANT));
    assert_eq!(doc["issuer"], format!("{base}/{TENANT}/v2.0"));
    assert_eq!(
        doc["authorization_endpoint"],
        format!("{base}/{TENANT}/oauth2/v2.0/authorize")
    );
    let v1 = get(&format!("/{TENANT}/.well-known/openid-configuration")).json();
    assert_eq!(
        v1["token_endpoint"],
        format!("{base}/{TENANT}/oauth2/token")
    );
    assert_eq!(v1["issuer"], format!("{base}/{TENANT}/"));
    let keys = get(doc["jwks_uri"].as_str().unwrap().trim_start_matches(&base));
    assert_eq!(
        (keys.status, keys.json()),
        (200, serde_json::json!({"keys": []}))
    );
    let unknown =
        get("/99999999-9999-9999-9999-999999999999/v2.0/.well-known/openid-configuration");
    assert_eq!((unknown.status, unknown.aadsts()), (400, 90002));

    let port = standin.port();
    let instance = |endpoint: &str| {
        get(&format!(
            "/common/discovery/instance?api-version=1.1&authorization_endpoint={}",
            endpoint.replace(':', "%3A").replace('/', "%2F")
        ))
    };
    // MSAL sends the host without its port.
    let known = instance(&format!("https://127.0.0.1/{TENANT}/oauth2/v2.0/authorize"));
    assert_eq!(known.status, 200, "{}", known.text());
    assert_eq!(
        known.json()["tenant_discovery_endpoint"],
        format!("{base}/{TENANT}/v2.0/.well-known/openid-configuration")
    );
    let alias = instance(&format!(
        "https://localhost:{port}/{TENANT}/oauth2/authorize"
    ));
    assert_eq!(
        alias.json()["tenant_discovery_endpoint"],
        format!("{base}/{TENANT}/.well-known/openid-configuration")
    );
    let elsewhere = instance("https://login.example.com/common/oauth2/v2.0/authorize");
    assert_eq!((elsewhere.status, elsewhere.aadsts()), (400, 50049));
    assert_eq!(elsewhere.json()["error"], "invalid_instance");
}
