//! Microsoft's own clients against the Azure stand-in, side by side with certtool:
//! azure-identity (`CertificateCredential` with certtool's PEM and password-protected PFX,
//! `ClientSecretCredential`) + Resource Manager's `SubscriptionClient`, MSAL's client
//! assertion (RS256 and PS256) and `ConfidentialClientApplication` with instance
//! discovery, and the legacy ASM SDK. Each refusal must read the same (AADSTS code or
//! HTTP status) in the real client as in certtool.
//!
//! These double as interop tests of certtool's outputs: the PFX and PEM that
//! `certtool generate` / `certtool export` write are used by Microsoft's libraries. The
//! Python scripts are tests/python/*.py; docs/try-offline.md step 7 is run as written.

use std::path::{Path, PathBuf};
use std::process::Command;

use certtool_standin::{
    App, Certificate, ClientSecret, Config, HostedService, RoleAssignment, StandIn, Subscription,
    Tenant,
};
use serde_json::Value;

use crate::support::child::{Within, DEADLINE};

const TENANT: &str = "11111111-1111-1111-1111-111111111111";
const CLIENT: &str = "22222222-2222-2222-2222-222222222222";
/// An app registered with the same certificate and no role assignment.
const CLIENT_NO_ROLE: &str = "33333333-3333-3333-3333-333333333333";
const SUB: &str = "00000000-0000-0000-0000-000000000001";
const SECRET: &str = "let-me-in";
const EXPIRED_SECRET: &str = "was-good-once";
const PFX_PASSWORD: &str = "pfx-pass-0123";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The venv Python with the Azure packages: $CERTTOOL_PYTHON (scripts/test.sh sets it),
/// else the venv scripts/setup.sh makes. A missing package fails the test with the fix.
fn python() -> String {
    let py = std::env::var("CERTTOOL_PYTHON")
        .unwrap_or_else(|_| repo().join("target/pyenv/bin/python").display().to_string());
    let check = Command::new(&py)
        .args([
            "-c",
            "import azure.identity, msal, azure.mgmt.resource.subscriptions, azure.servicemanagement",
        ])
        .output_within(DEADLINE);
    match check {
        Ok(out) if out.status.success() => py,
        other => panic!(
            "{py} lacks the Azure SDK packages ({other:?}); run `bash scripts/setup.sh` \
             (it installs them in target/pyenv) and set CERTTOOL_PYTHON, as scripts/test.sh does"
        ),
    }
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Out {
    /// The last line of stderr: the scripts' one-line `error: …`.
    fn error_line(&self) -> &str {
        self.stderr.lines().last().unwrap_or("")
    }
}

/// `program` without the caller's Azure, ARM and requests variables: each test sets its own.
fn command(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut cmd = Command::new(program);
    for (key, _) in std::env::vars() {
        if key.starts_with("AZURE_") || key.starts_with("ARM_") || key.starts_with("REQUESTS_") {
            cmd.env_remove(key);
        }
    }
    cmd
}

fn run(mut cmd: Command) -> Out {
    let out = cmd
        .output_within(DEADLINE)
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn certtool(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Out {
    let mut cmd = command(env!("CARGO_BIN_EXE_certtool"));
    cmd.current_dir(dir).args(args).envs(env.iter().copied());
    run(cmd)
}

/// Runs tests/python/SCRIPT with `args` and `env`, trusting the stand-in's CA.
fn script(standin: &StandIn, script: &str, args: &[&str], env: &[(&str, &str)]) -> Out {
    let mut cmd = command(python());
    cmd.arg(repo().join("tests/python").join(script))
        .args(args)
        .env("REQUESTS_CA_BUNDLE", standin.ca_pem_path())
        .envs(env.iter().copied());
    run(cmd)
}

/// certtool-made credentials in a temporary directory: `app.pfx` (password-protected),
/// `app.cer`, `app.pem` (exported pem-bundle), `other.pem` (never registered), and
/// `mgmt.pem` + `mgmt.cer` for ASM.
fn credentials() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let pw = [("PFX_PASSWORD", PFX_PASSWORD)];
    let generate = |name: &str, extra: &[&str]| {
        let mut args = vec!["generate", "--name", name, "--out-dir", "."];
        args.extend_from_slice(extra);
        let out = certtool(dir.path(), &args, &pw);
        assert_eq!(out.code, 0, "generate {name}: {}", out.stderr);
    };
    generate("app", &["--password-env", "PFX_PASSWORD"]);
    generate("other", &["--pem", "--no-password"]);
    generate("mgmt", &["--pem", "--no-password"]);
    let out = certtool(
        dir.path(),
        &[
            "export",
            "app.pfx",
            "--format",
            "pem-bundle",
            "--password-env",
            "PFX_PASSWORD",
            "-o",
            "app.pem",
        ],
        &pw,
    );
    assert_eq!(out.code, 0, "export: {}", out.stderr);
    dir
}

fn cert(dir: &Path, name: &str) -> Certificate {
    Certificate::from_file(&dir.join(name)).unwrap()
}

fn start(dir: &Path) -> StandIn {
    let expired = time::OffsetDateTime::now_utc() - time::Duration::days(1);
    let app = |id: &str| {
        App::new(id)
            .certificate(cert(dir, "app.cer"))
            .secret(ClientSecret::new(SECRET, None))
            .secret(ClientSecret::new(EXPIRED_SECRET, Some(expired)))
    };
    StandIn::start(
        Config::new()
            .subscription(
                Subscription::new(SUB, "Production")
                    .management_certificate(cert(dir, "mgmt.cer"))
                    .hosted_service(HostedService::new("web", "West US")),
            )
            .tenant(
                Tenant::new(TENANT)
                    .app(app(CLIENT).role(RoleAssignment::reader(format!("/subscriptions/{SUB}"))))
                    .app(app(CLIENT_NO_ROLE)),
            ),
    )
    .unwrap()
}

/// The variables azure-identity and certtool both read, for `client`, plus `extra`.
fn arm_env<'a>(
    standin: &'a StandIn,
    client: &'a str,
    extra: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut env = vec![
        ("AZURE_TENANT_ID", TENANT),
        ("AZURE_CLIENT_ID", client),
        ("AZURE_SUBSCRIPTION_ID", SUB),
        ("AZURE_AUTHORITY_HOST", standin.url()),
        ("ARM_ENDPOINT", standin.url()),
    ];
    env.extend_from_slice(extra);
    env
}

/// tests/python/sdk_arm.py run in `dir`, so certificate paths are relative to it as for
/// certtool.
fn sdk_arm(standin: &StandIn, dir: &Path, client: &str, extra: &[(&str, &str)]) -> Out {
    let mut cmd = command(python());
    cmd.arg(repo().join("tests/python/sdk_arm.py"))
        .current_dir(dir)
        .env("REQUESTS_CA_BUNDLE", standin.ca_pem_path())
        .envs(arm_env(standin, client, extra));
    run(cmd)
}

/// `certtool test arm --output json` with the same variables.
fn certtool_arm(standin: &StandIn, dir: &Path, client: &str, extra: &[(&str, &str)]) -> Value {
    let arm = format!("{}/", standin.url());
    let ca = standin.ca_pem_path().display().to_string();
    let out = certtool(
        dir,
        &[
            "test",
            "arm",
            "--arm-endpoint",
            &arm,
            "--graph-endpoint",
            &arm,
            "--ca-file",
            &ca,
            "--output",
            "json",
        ],
        &arm_env(standin, client, extra),
    );
    serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("certtool JSON ({e}): {}\n{}", out.stdout, out.stderr))
}

#[test]
fn azure_identity_reads_the_subscription_with_certtools_pem_pfx_and_a_secret() {
    let dir = credentials();
    let standin = start(dir.path());
    let want = format!("{SUB} Production Enabled");
    for extra in [
        vec![("AZURE_CLIENT_CERTIFICATE_PATH", "app.pem")],
        vec![
            ("AZURE_CLIENT_CERTIFICATE_PATH", "app.pfx"),
            ("AZURE_CLIENT_CERTIFICATE_PASSWORD", PFX_PASSWORD),
        ],
        vec![("AZURE_CLIENT_SECRET", SECRET)],
    ] {
        let out = sdk_arm(&standin, dir.path(), CLIENT, &extra);
        assert_eq!(out.code, 0, "{extra:?}: {}", out.stderr);
        assert_eq!(out.stdout.trim(), want, "{extra:?}");
    }
    // MSAL fetched the tenant's discovery document, then posted to the token endpoint
    // it named; SubscriptionClient read the subscription through the stand-in's ARM.
    let paths: Vec<String> = standin.requests().iter().map(|r| r.path.clone()).collect();
    let discovery = format!("/{TENANT}/v2.0/.well-known/openid-configuration");
    assert!(paths.contains(&discovery), "{paths:?}");
    assert!(
        paths.contains(&format!("/subscriptions/{SUB}")),
        "{paths:?}"
    );
    let assertions = standin
        .requests()
        .iter()
        .filter(|r| r.matches("/*/oauth2/v2.0/token") && r.body.contains("client_assertion="))
        .count();
    assert_eq!(assertions, 2, "one assertion for the PEM, one for the PFX");
}

#[test]
fn msal_assertions_rs256_and_ps256_get_tokens() {
    let dir = credentials();
    let standin = start(dir.path());
    let pem = dir.path().join("app.pem").display().to_string();
    let token_url = standin.token_url(TENANT);
    for alg in ["RS256", "PS256"] {
        let out = script(
            &standin,
            "msal_assertion.py",
            &["post", alg, &token_url, CLIENT, &pem],
            &[],
        );
        assert_eq!(
            (out.code, out.stdout.trim()),
            (0, "200 Bearer"),
            "{alg}: {}",
            out.stderr
        );
    }
    // What MSAL sent: padded thumbprints, float times, no nbf (the shapes the stand-in
    // now accepts because Entra ID does).
    let sent: Vec<String> = standin.requests().iter().map(|r| r.body.clone()).collect();
    assert_eq!(sent.len(), 2);
    for body in sent {
        let jwt = body
            .split('&')
            .find_map(|kv| kv.strip_prefix("client_assertion="))
            .unwrap();
        let part = |i: usize| -> Value {
            use base64::Engine as _;
            let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(jwt.split('.').nth(i).unwrap())
                .unwrap();
            serde_json::from_slice(&bytes).unwrap()
        };
        let (header, claims) = (part(0), part(1));
        let thumbprint = header
            .get("x5t")
            .or_else(|| header.get("x5t#S256"))
            .and_then(Value::as_str)
            .unwrap();
        assert!(thumbprint.ends_with('='), "MSAL pads: {header}");
        assert!(
            claims["exp"].is_f64() && claims.get("nbf").is_none(),
            "{claims}"
        );
    }
}

#[test]
fn msal_instance_discovery_knows_the_standin_and_refuses_other_hosts() {
    let dir = credentials();
    let standin = start(dir.path());
    let pem = dir.path().join("app.pem").display().to_string();
    let discovery = format!("{}/common/discovery/instance", standin.url());
    let scope = format!("{}/.default", standin.url());
    let authority = format!("{}/{TENANT}", standin.url());
    let out = script(
        &standin,
        "msal_assertion.py",
        &["app", &authority, &discovery, CLIENT, &pem, &scope],
        &[],
    );
    assert_eq!(
        (out.code, out.stdout.trim()),
        (0, "token Bearer"),
        "{}",
        out.stderr
    );
    let order: Vec<String> = standin.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(
        order,
        [
            "/common/discovery/instance".to_owned(),
            format!("/{TENANT}/v2.0/.well-known/openid-configuration"),
            format!("/{TENANT}/oauth2/v2.0/token"),
        ]
    );
    // Another host is unknown to Entra's instance discovery: MSAL stops before any
    // connection to it.
    let elsewhere = format!("https://login.example.invalid/{TENANT}");
    let out = script(
        &standin,
        "msal_assertion.py",
        &["app", &elsewhere, &discovery, CLIENT, &pem, &scope],
        &[],
    );
    assert_eq!(out.code, 1);
    assert!(
        out.error_line().starts_with("error: invalid_instance"),
        "{}",
        out.stderr
    );
}

#[test]
fn legacy_asm_sdk_lists_hosted_services_with_certtools_pem() {
    let dir = credentials();
    let standin = start(dir.path());
    let host = standin.url().trim_start_matches("https://").to_owned();
    let pem = |name: &str| dir.path().join(name).display().to_string();
    let out = script(
        &standin,
        "asm_legacy.py",
        &[&host, &pem("mgmt.pem"), SUB],
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout.trim(), format!("{SUB} Production web"));
    let asm = standin.requests();
    assert!(asm.iter().all(|r| r.header("x-ms-version").is_some()));
    assert!(
        asm.iter().all(|r| r.client_thumbprint.is_some()),
        "mutual TLS"
    );

    // An unregistered certificate: the same 403 ForbiddenError in both clients.
    let out = script(
        &standin,
        "asm_legacy.py",
        &[&host, &pem("other.pem"), SUB],
        &[],
    );
    assert_eq!(
        (out.code, out.error_line()),
        (1, "error: HTTP 403 ForbiddenError")
    );
    let ca = standin.ca_pem_path().display().to_string();
    let endpoint = format!("{}/", standin.url());
    let ct = certtool(
        dir.path(),
        &[
            "test",
            "asm",
            "--subscription",
            SUB,
            "--cert",
            "other.pem",
            "--endpoint",
            &endpoint,
            "--ca-file",
            &ca,
            "--output",
            "json",
        ],
        &[],
    );
    let report: Value = serde_json::from_str(&ct.stdout).unwrap();
    let row = &report["subscriptions"][0];
    assert_eq!(row["error"]["code"], "ForbiddenError", "{row}");
    assert_eq!(row["http_status"], 403, "{row}");
}

#[test]
fn refusals_read_the_same_in_azure_identity_msal_and_certtool() {
    let dir = credentials();
    let standin = start(dir.path());
    let cases = [
        (
            "unregistered certificate",
            "AZURE_CLIENT_CERTIFICATE_PATH",
            "other.pem",
            "700027",
        ),
        (
            "wrong secret",
            "AZURE_CLIENT_SECRET",
            "not-the-secret",
            "7000215",
        ),
        (
            "expired secret",
            "AZURE_CLIENT_SECRET",
            EXPIRED_SECRET,
            "7000222",
        ),
    ];
    for (what, variable, value, code) in cases {
        let extra = [(variable, value)];
        let sdk = sdk_arm(&standin, dir.path(), CLIENT, &extra);
        assert_eq!(sdk.code, 1, "{what}: {}", sdk.stderr);
        assert_eq!(sdk.error_line(), format!("error: AADSTS{code}"), "{what}");
        let ct = certtool_arm(&standin, dir.path(), CLIENT, &extra);
        assert_eq!(
            ct["token"]["error"]["code"],
            format!("AADSTS{code}"),
            "{what}: {ct}"
        );
        assert_eq!(ct["exit_code"], 5, "{what}");
    }
    // The HTTP status of the unregistered certificate, as MSAL's own assertion gets it.
    let other = dir.path().join("other.pem").display().to_string();
    let token_url = standin.token_url(TENANT);
    let msal = script(
        &standin,
        "msal_assertion.py",
        &["post", "PS256", &token_url, CLIENT, &other],
        &[],
    );
    assert_eq!(msal.error_line(), "401 AADSTS700027");
    let ct = certtool_arm(
        &standin,
        dir.path(),
        CLIENT,
        &[("AZURE_CLIENT_CERTIFICATE_PATH", &other)],
    );
    assert_eq!(ct["token"]["error"]["status"], 401);

    // No role: the sign-in works, Resource Manager answers 403 AuthorizationFailed.
    let extra = [("AZURE_CLIENT_CERTIFICATE_PATH", "app.pem")];
    let sdk = sdk_arm(&standin, dir.path(), CLIENT_NO_ROLE, &extra);
    assert_eq!(
        sdk.error_line(),
        "error: HTTP 403 AuthorizationFailed",
        "{}",
        sdk.stderr
    );
    let ct = certtool_arm(&standin, dir.path(), CLIENT_NO_ROLE, &extra);
    let problem = &ct["subscriptions"][0]["problems"][0];
    assert_eq!(
        (&problem["status"], &problem["code"]),
        (&Value::from(403), &Value::from("AuthorizationFailed")),
        "{ct}"
    );
}

/// The fenced block of `language` that follows `heading` in docs/try-offline.md.
fn doc_block(doc: &str, heading: &str, language: &str) -> String {
    let section = &doc[doc
        .find(heading)
        .unwrap_or_else(|| panic!("no {heading:?}"))..];
    let fence = format!("```{language}\n");
    let start = section.find(&fence).unwrap() + fence.len();
    section[start..start + section[start..].find("```").unwrap()].to_owned()
}

#[test]
fn try_offline_sdk_section_runs_as_written() {
    let doc = std::fs::read_to_string(repo().join("docs/try-offline.md")).unwrap();
    // The layout the doc assumes: offline/ beside target/ and tests/python/.
    let root = tempfile::tempdir().unwrap();
    let offline = root.path().join("offline");
    std::fs::create_dir(&offline).unwrap();
    let bin = root.path().join("target/pyenv/bin");
    std::fs::create_dir_all(&bin).unwrap();
    let wrapper = bin.join("python");
    std::fs::write(&wrapper, format!("#!/bin/sh\nexec '{}' \"$@\"\n", python())).unwrap();
    std::fs::set_permissions(
        &wrapper,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_certtool"), bin.join("certtool")).unwrap();
    std::fs::create_dir(root.path().join("tests")).unwrap();
    std::os::unix::fs::symlink(
        repo().join("tests/python"),
        root.path().join("tests/python"),
    )
    .unwrap();

    // Step 2's files, made by certtool (the doc says it makes the same ones).
    for name in ["mgmt", "app"] {
        let bundle = format!("{name}-bundle.pem");
        let out = certtool(
            &offline,
            &[
                "generate",
                "--name",
                name,
                "--no-password",
                "--pem-file",
                &bundle,
            ],
            &[],
        );
        assert_eq!(out.code, 0, "{}", out.stderr);
    }
    // Step 3's configuration, with step 4's secret inline.
    let toml = doc_block(&doc, "## 3.", "toml");
    let inline = toml.replace(r#"value_env = "STANDIN_SECRET""#, r#"value = "let-me-in""#);
    assert_ne!(inline, toml, "step 3 reads the secret from STANDIN_SECRET");
    assert!(doc.contains("STANDIN_SECRET=let-me-in"));
    std::fs::write(offline.join("standin.toml"), inline).unwrap();
    let standin = StandIn::start_with(
        Config::from_toml_file(&offline.join("standin.toml")).unwrap(),
        certtool_standin::Options::new().ca_out(offline.join("ca.pem")),
    )
    .unwrap();

    // Step 7 as written, with the port this stand-in got.
    let steps = doc_block(&doc, "## 7.", "sh");
    assert!(steps.contains("https://127.0.0.1:8443"));
    let steps = steps.replace("https://127.0.0.1:8443", standin.url());
    let mut cmd = command("bash");
    cmd.args(["-euo", "pipefail", "-c", &steps])
        .current_dir(&offline)
        .env(
            "PATH",
            format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()),
        );
    let out = run(cmd);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    let read = format!("{SUB} Production Enabled");
    assert_eq!(
        lines.iter().filter(|l| **l == read).count(),
        2,
        "{}",
        out.stdout
    );
    assert!(
        lines.contains(&format!("{SUB} Production web").as_str()),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("[ok]   token") && out.stdout.contains("Production"),
        "certtool's report: {}",
        out.stdout
    );
}
