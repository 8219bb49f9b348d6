//! End-to-end tests of `certtool test arm` with a federated (workload identity) token. The
//! tests play the external OIDC issuer: they make an RSA key, publish its JWKS to the
//! stand-in, and sign tokens; the stand-in checks them against the app's federated
//! identity credentials and the JWKS, as Entra ID does.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use certtool_standin::{
    App, Config, FederatedCredential, RoleAssignment, StandIn, Subscription, Tenant,
};
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::sign::Signer;

use crate::support::arm::*;
use crate::support::*;

pub const GITHUB: &str = "https://token.actions.githubusercontent.com";
const SUBJECT: &str = "repo:contoso/deploy:ref:refs/heads/main";
pub const EXCHANGE: &str = "api://AzureADTokenExchange";

/// The external OIDC issuer the tests play.
pub struct Issuer {
    iss: String,
    key: PKey<Private>,
    kid: String,
}

impl Issuer {
    pub fn new(iss: &str, kid: &str) -> Self {
        Issuer {
            iss: iss.into(),
            key: PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap(),
            kid: kid.into(),
        }
    }

    fn jwks(&self) -> String {
        let rsa = self.key.rsa().unwrap();
        let b64 = |n: &openssl::bn::BigNumRef| URL_SAFE_NO_PAD.encode(n.to_vec());
        serde_json::json!({"keys": [{
            "kty": "RSA", "use": "sig", "alg": "RS256", "kid": self.kid,
            "n": b64(rsa.n()), "e": b64(rsa.e()),
        }]})
        .to_string()
    }

    /// A token about `sub` for `aud`, expiring `exp_in` seconds from now.
    fn token(&self, sub: &str, aud: &str, exp_in: i64) -> String {
        self.token_at(
            sub,
            aud,
            time::OffsetDateTime::now_utc().unix_timestamp(),
            exp_in,
        )
    }

    /// A token about `sub` for `aud`, issued at `now` (Unix seconds) and expiring
    /// `exp_in` seconds later.
    pub fn token_at(&self, sub: &str, aud: &str, now: i64, exp_in: i64) -> String {
        let header = serde_json::json!({"alg": "RS256", "typ": "JWT", "kid": self.kid});
        let claims = serde_json::json!({
            "iss": self.iss, "sub": sub, "aud": aud,
            "iat": now - 60, "nbf": now - 60, "exp": now + exp_in,
            "jti": "6f1c7a1e-0000-4000-8000-000000000001",
            "repository": "contoso/deploy",
        });
        let signed = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let mut signer = Signer::new(MessageDigest::sha256(), &self.key).unwrap();
        signer.update(signed.as_bytes()).unwrap();
        format!(
            "{signed}.{}",
            URL_SAFE_NO_PAD.encode(signer.sign_to_vec().unwrap())
        )
    }
}

/// The stand-in with an app that trusts `GITHUB` tokens about `SUBJECT` (and a second
/// issuer's tokens about `other-subject`), Reader on SUB.
pub fn federated_standin(github: &Issuer, other: &Issuer) -> StandIn {
    let app = App::new(CLIENT)
        .federated(FederatedCredential::new(GITHUB, SUBJECT))
        .federated(FederatedCredential::new(&other.iss, "other-subject"))
        .role(RoleAssignment::reader(sub_scope(SUB)));
    let config = Config::new()
        .subscription(Subscription::new(SUB, "Production"))
        .tenant(Tenant::new(TENANT).app(app))
        .oidc_issuer(GITHUB, &github.jwks())
        .unwrap()
        .oidc_issuer(&other.iss, &other.jwks())
        .unwrap();
    StandIn::start(config).unwrap()
}

pub fn issuers() -> (Issuer, Issuer) {
    (
        Issuer::new(GITHUB, "gh-key-1"),
        Issuer::new("https://oidc.prod-aks.azure.com/tenant-x/", "aks-1"),
    )
}

pub fn write_token(dir: &tempfile::TempDir, token: &str) -> std::path::PathBuf {
    let path = dir.path().join("token.jwt");
    std::fs::write(&path, format!("{token}\n")).unwrap();
    path
}

fn assert_token_hidden(run: &Run, token: &str) {
    assert_no_secrets(run);
    let all = format!("{}{}", run.stdout_text(), run.stderr);
    assert!(!all.contains(token), "the federated token was printed");
    let signature = token.rsplit('.').next().unwrap();
    assert!(
        !all.contains(signature),
        "the token's signature was printed"
    );
}

#[test]
fn a_federated_token_file_signs_in_and_is_sent_as_the_assertion() {
    let (github, other) = issuers();
    let standin = federated_standin(&github, &other);
    let dir = tempfile::tempdir().unwrap();
    let token = github.token(SUBJECT, EXCHANGE, 600);
    let file = write_token(&dir, &token);
    let run = test_arm(
        &standin,
        &with_ids(&[
            "--federated-token-file",
            s(&file),
            "--output",
            "json",
            "--debug",
        ]),
        &[],
    );
    run.assert_code(EXIT_OK);
    assert_token_hidden(&run, &token);
    let json = run.json();
    assert_eq!(json["credential"]["kind"], "federated");
    assert_eq!(json["credential"]["federated"]["issuer"], GITHUB);
    assert_eq!(json["credential"]["federated"]["subject"], SUBJECT);
    assert_eq!(json["credential"]["federated"]["audiences"][0], EXCHANGE);
    assert_eq!(json["subscriptions"][0]["display_name"], "Production");
    let body = standin.requests()[0].body.clone();
    assert!(
        body.contains(&format!("client_assertion={token}")),
        "{body}"
    );
    assert!(body.contains(
        "client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"
    ));

    let text = test_arm(
        &standin,
        &with_ids(&["--federated-token-file", s(&file)]),
        &[],
    );
    text.assert_code(EXIT_OK);
    assert!(
        text.stdout_text().contains(&format!(
            "credential: federated token (iss {GITHUB}, sub {SUBJECT}, aud {EXCHANGE}"
        )),
        "{}",
        text.stdout_text()
    );
}

#[test]
fn federated_tokens_come_from_the_conventional_variables() {
    let (github, other) = issuers();
    let standin = federated_standin(&github, &other);
    let dir = tempfile::tempdir().unwrap();
    let token = github.token(SUBJECT, EXCHANGE, 600);
    let file = write_token(&dir, &token);
    for (var, value) in [
        ("AZURE_FEDERATED_TOKEN_FILE", s(&file).to_owned()),
        ("ARM_OIDC_TOKEN_FILE_PATH", s(&file).to_owned()),
        ("ARM_OIDC_TOKEN", token.clone()),
    ] {
        let run = test_arm(&standin, &ids(), &[(var, &value)]);
        run.assert_code(EXIT_OK)
            .assert_stderr_contains(&format!("environment variable {var}"));
        assert_token_hidden(&run, &token);
    }
    // A client secret in the environment wins, as in azure-identity.
    let run = test_arm(
        &standin,
        &ids(),
        &[("AZURE_CLIENT_SECRET", SECRET), ("ARM_OIDC_TOKEN", &token)],
    );
    run.assert_code(EXIT_REJECTED)
        .assert_stderr_contains("AADSTS7000215");
}

/// Request lines and Authorization headers an endpoint received.
type Seen = Arc<Mutex<Vec<(String, String)>>>;

/// A stand-in for GitHub Actions' ID token endpoint (plain HTTP on loopback): answers
/// `status` with `{"value": token}`, recording each request's first line and
/// Authorization header.
fn actions_endpoint(status: u16, token: String) -> (String, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "http://{}/_apis/idtoken?api-version=2.0",
        listener.local_addr().unwrap()
    );
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut first = String::new();
            reader.read_line(&mut first).unwrap();
            let mut auth = String::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap() == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("authorization:") {
                    auth = line[line.len() - v.len()..].trim().to_owned();
                }
            }
            record.lock().unwrap().push((first.trim().to_owned(), auth));
            let body = serde_json::json!({"value": token}).to_string();
            let mut stream = stream;
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (url, seen)
}

#[test]
fn in_github_actions_the_token_is_requested_for_the_exchange_audience() {
    let (github, other) = issuers();
    let standin = federated_standin(&github, &other);
    let token = github.token(SUBJECT, EXCHANGE, 600);
    let (url, seen) = actions_endpoint(200, token.clone());
    let request_token = "ghs_RequestTokenValue0123456789";
    let run = test_arm(
        &standin,
        &with_ids(&["-v"]),
        &[
            ("ACTIONS_ID_TOKEN_REQUEST_URL", &url),
            ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", request_token),
        ],
    );
    run.assert_code(EXIT_OK)
        .assert_stderr_contains("ACTIONS_ID_TOKEN_REQUEST_URL");
    assert_token_hidden(&run, &token);
    assert!(!run.stderr.contains(request_token), "{}", run.stderr);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert!(
        seen[0]
            .0
            .starts_with("GET /_apis/idtoken?api-version=2.0&audience=api://AzureADTokenExchange "),
        "{:?}",
        seen[0]
    );
    assert_eq!(seen[0].1, format!("bearer {request_token}"));
    let body = standin.requests()[0].body.clone();
    assert!(body.contains(&format!("client_assertion={token}")));

    // The job lacks `id-token: write`: the runner refuses.
    let (url, _) = actions_endpoint(403, String::new());
    let run = test_arm(
        &standin,
        &ids(),
        &[
            ("ACTIONS_ID_TOKEN_REQUEST_URL", &url),
            ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", request_token),
        ],
    );
    run.assert_code(EXIT_REJECTED)
        .assert_stderr_contains("HTTP 403")
        .assert_stderr_contains("id-token: write");
    assert!(!run.stderr.contains(request_token));

    // Only the URL: a usage error naming the missing variable.
    let run = test_arm(&standin, &ids(), &[("ACTIONS_ID_TOKEN_REQUEST_URL", &url)]);
    run.assert_code(EXIT_USAGE)
        .assert_stderr_contains("ACTIONS_ID_TOKEN_REQUEST_TOKEN is not");
}

/// Runs with `token` in a file and expects exit 5 with `code` and every one of `words`
/// (the token's claims, never the token, among them).
fn refused(standin: &StandIn, token: &str, code: &str, words: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let file = write_token(&dir, token);
    let run = test_arm(
        standin,
        &with_ids(&["--federated-token-file", s(&file), "--debug"]),
        &[],
    );
    run.assert_code(EXIT_REJECTED).assert_stderr_contains(code);
    for word in words {
        run.assert_stderr_contains(word);
    }
    assert_token_hidden(&run, token);
}

#[test]
fn federation_failures_are_diagnosed_with_the_tokens_claims() {
    let (github, other) = issuers();
    let standin = federated_standin(&github, &other);
    let stranger = Issuer::new("https://accounts.example.com", "x");
    // Signed with a key the issuer's JWKS does not hold.
    let forger = Issuer::new(GITHUB, "gh-key-1");
    let cases = [
        (
            stranger.token(SUBJECT, EXCHANGE, 600),
            "AADSTS700211",
            vec![
                "no federated credential on the app has the token's issuer",
                "iss https://accounts.example.com, sub repo:contoso/deploy",
            ],
        ),
        (
            github.token("repo:contoso/deploy:pull_request", EXCHANGE, 600),
            "AADSTS700213",
            vec!["sub repo:contoso/deploy:pull_request"],
        ),
        // The subject of the other issuer's credential: no record matches both.
        (
            github.token("other-subject", EXCHANGE, 600),
            "AADSTS70021",
            vec!["issuer, subject and audience together"],
        ),
        (
            github.token(SUBJECT, "api://SomethingElse", 600),
            "AADSTS700212",
            vec!["aud api://SomethingElse", "api://AzureADTokenExchange"],
        ),
        (
            github.token(SUBJECT, EXCHANGE, -900),
            "AADSTS700024",
            vec![
                "the federated token is outside its valid time range (it expires ",
                "local clock: ",
                "get a fresh token",
            ],
        ),
        (forger.token(SUBJECT, EXCHANGE, 600), "AADSTS50013", vec![]),
    ];
    for (token, code, words) in cases {
        refused(&standin, &token, code, &words);
    }
}

#[test]
fn a_file_that_is_not_a_token_is_refused_before_any_request() {
    let (github, other) = issuers();
    let standin = federated_standin(&github, &other);
    let dir = tempfile::tempdir().unwrap();
    let file = write_token(&dir, "not-a-jwt");
    let run = test_arm(
        &standin,
        &with_ids(&["--federated-token-file", s(&file)]),
        &[],
    );
    run.assert_code(EXIT_INPUT)
        .assert_stderr_contains("not a federated token");
    assert!(standin.requests().is_empty());
    let run = test_arm(
        &standin,
        &with_ids(&["--federated-token-file", s(&file), "--secret-env", "X"]),
        &[],
    );
    run.assert_code(EXIT_USAGE);
}
