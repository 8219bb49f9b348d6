//! Turning flags, environment variables and a `.env` file into what `test arm` needs,
//! saying on stderr where each value came from (never a secret's value). Everything
//! that can be checked offline is checked here, before any request.

use base64::Engine;
use certtool_core::arm::{builtin_role, is_path_segment, parse_role_definition, Requirement};
use certtool_core::cloud::{Cloud, Endpoint};
use certtool_core::entra::{check_certificate, FederatedToken, SigningAlg};
use certtool_core::ids::subscription_ids;
use certtool_core::secret::Secret;
use certtool_core::x509::{rfc3339, subject_string, thumbprint_sha1, thumbprint_sha256, validity};
use certtool_core::Error as CoreError;
use openssl::pkey::{PKey, Private};
use openssl::x509::X509;
use serde::Serialize;
use time::OffsetDateTime;

use super::TestArmArgs;
use crate::args::Origin;
use crate::envfile::EnvLookup;
use crate::error::{CliError, ExitKind};
use crate::io::Source;
use crate::password::{is_env_name, load_credential_bytes, secret_from_path, NAME_NOT_SHOWN};

const TENANT_VARS: &[&str] = &["AZURE_TENANT_ID", "ARM_TENANT_ID"];
const CLIENT_VARS: &[&str] = &["AZURE_CLIENT_ID", "ARM_CLIENT_ID"];
const SUBSCRIPTION_VARS: &[&str] = &["AZURE_SUBSCRIPTION_ID", "ARM_SUBSCRIPTION_ID"];
/// azure-identity's order within a family (secret, then certificate); AZURE_* before ARM_*.
const CREDENTIAL_VARS: &[&str] = &[
    "AZURE_CLIENT_SECRET",
    "AZURE_CLIENT_CERTIFICATE_PATH",
    "ARM_CLIENT_SECRET",
    "ARM_CLIENT_CERTIFICATE_PATH",
    "ARM_CLIENT_CERTIFICATE",
];
/// Files or values holding a federated token, in this order: azure-identity's, then
/// Terraform's.
const FEDERATED_VARS: &[&str] = &[
    "AZURE_FEDERATED_TOKEN_FILE",
    "ARM_OIDC_TOKEN",
    "ARM_OIDC_TOKEN_FILE_PATH",
];
/// Where a token can be requested (URL, bearer token): GitHub Actions' own variables, then
/// Terraform's names for the same thing.
const OIDC_REQUEST_VARS: &[(&str, &str)] = &[
    (
        "ACTIONS_ID_TOKEN_REQUEST_URL",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    ),
    ("ARM_OIDC_REQUEST_URL", "ARM_OIDC_REQUEST_TOKEN"),
];
const PASSWORD_VARS: &[&str] = &[
    "AZURE_CLIENT_CERTIFICATE_PASSWORD",
    "ARM_CLIENT_CERTIFICATE_PASSWORD",
];

/// A certificate credential, checked offline.
pub struct CertificateCredential {
    /// The leaf (the certificate whose public key matches the key).
    pub leaf: X509,
    /// Its key.
    pub key: PKey<Private>,
    /// The other certificates, for `x5c`.
    pub chain: Vec<X509>,
    /// What certtool tells the user (and prints in JSON) about it.
    pub facts: CertificateFacts,
}

/// The public facts of the certificate sent.
#[derive(Debug, Clone, Serialize)]
pub struct CertificateFacts {
    /// The leaf's subject.
    pub subject: String,
    /// SHA-1 thumbprint, upper-case hex (what the portal shows).
    pub thumbprint_sha1: String,
    /// SHA-256 thumbprint, upper-case hex.
    pub thumbprint_sha256: String,
    /// notAfter, RFC 3339.
    pub not_after: String,
}

/// The secret, the certificate or the federated token.
pub enum Credential {
    /// A client secret.
    Secret(Secret),
    /// A certificate with its key.
    Certificate(Box<CertificateCredential>),
    /// A federated token, or where to ask for one.
    Federated(FederatedSource),
}

/// A federated token in hand, or the GitHub Actions (or Terraform-style) request URL and
/// bearer token to ask for one with.
pub enum FederatedSource {
    /// Read from a file or a variable.
    Token(Box<FederatedToken>),
    /// To be requested before signing in.
    Request {
        /// `ACTIONS_ID_TOKEN_REQUEST_URL` (or `ARM_OIDC_REQUEST_URL`).
        url: String,
        /// `ACTIONS_ID_TOKEN_REQUEST_TOKEN` (or `ARM_OIDC_REQUEST_TOKEN`).
        token: Secret,
    },
}

/// Everything resolved.
pub struct Plan {
    pub tenant: String,
    pub client_id: String,
    pub subscriptions: Vec<String>,
    pub cloud: Cloud,
    pub credential: Credential,
    pub credential_source: String,
    pub requirements: Vec<Requirement>,
    pub send_x5c: bool,
    pub alg: SigningAlg,
    /// (what, where from) for every value, in the order resolved.
    pub sources: Vec<(String, String)>,
}

fn note(sources: &mut Vec<(String, String)>, what: &str, origin: String) {
    crate::log::note!("certtool: {what} from {origin}");
    sources.push((what.to_string(), origin));
}

fn required(
    env: &EnvLookup,
    flag: &Option<String>,
    flag_name: &'static str,
    vars: &[&'static str],
    what: &str,
    sources: &mut Vec<(String, String)>,
) -> Result<String, CliError> {
    let (value, origin) = match flag {
        Some(v) => (v.trim().to_string(), Origin::Flag(flag_name)),
        None => match env.first(vars) {
            Some(found) => (found.value.trim().to_string(), found.origin),
            None => {
                return Err(CliError::usage(format!("no {what} given"))
                    .fix(format!("pass {flag_name}, or set {}", vars.join(" or "))))
            }
        },
    };
    if value.is_empty() {
        return Err(CliError::usage(format!("the {what} ({origin}) is empty")));
    }
    note(sources, what, origin.to_string());
    Ok(value)
}

/// Resolves and checks everything before the first request.
pub fn resolve(args: &TestArmArgs, env: &EnvLookup, now: OffsetDateTime) -> Result<Plan, CliError> {
    let mut sources = Vec::new();
    let tenant = required(
        env,
        &args.tenant,
        "--tenant",
        TENANT_VARS,
        "tenant ID",
        &mut sources,
    )?;
    let client_id = required(
        env,
        &args.client_id,
        "--client-id",
        CLIENT_VARS,
        "client ID",
        &mut sources,
    )?;
    let given = if args.subscription.is_empty() {
        vec![required(
            env,
            &None,
            "--subscription",
            SUBSCRIPTION_VARS,
            "subscription ID",
            &mut sources,
        )?]
    } else {
        note(
            &mut sources,
            "subscription ID",
            Origin::Flag("--subscription").to_string(),
        );
        args.subscription.clone()
    };
    let subscriptions = subscription_ids(given.iter().map(String::as_str))?;
    if subscriptions.is_empty() {
        return Err(CliError::usage("no subscription ID given"));
    }
    if let Some(rg) = &args.resource_group {
        if !is_path_segment(rg) {
            return Err(CliError::usage(format!(
                "{rg:?} is not a resource group name"
            )));
        }
    }

    let cloud = resolve_cloud(args, env, &mut sources)?;
    let requirements = requirements(args)?;
    let (credential, credential_source) = resolve_credential(args, env, now)?;
    crate::log::note!("certtool: credential from {credential_source}");
    sources.push(("credential".into(), credential_source.clone()));
    let send_x5c = args.send_x5c
        || env
            .first(&["AZURE_CLIENT_SEND_CERTIFICATE_CHAIN"])
            .is_some_and(|f| matches!(f.value.trim(), "1" | "true" | "True" | "TRUE"));
    Ok(Plan {
        tenant,
        client_id,
        subscriptions,
        cloud,
        credential,
        credential_source,
        requirements,
        send_x5c,
        alg: args.alg.into(),
        sources,
    })
}

fn resolve_cloud(
    args: &TestArmArgs,
    env: &EnvLookup,
    sources: &mut Vec<(String, String)>,
) -> Result<Cloud, CliError> {
    let mut cloud = match (&args.network.cloud, env.first(&["ARM_ENVIRONMENT"])) {
        (Some(name), _) => {
            note(sources, "cloud", Origin::Flag("--cloud").to_string());
            Cloud::by_name(name)?
        }
        (None, Some(found)) => {
            note(sources, "cloud", found.origin.to_string());
            Cloud::by_name(&found.value)?
        }
        (None, None) => Cloud::by_name("AzureCloud")?,
    };
    let login = match &args.authority_host {
        Some(url) => Some((url.clone(), Origin::Flag("--authority-host"))),
        None => env
            .first(&["AZURE_AUTHORITY_HOST"])
            .map(|f| (f.value.trim().to_string(), f.origin)),
    };
    if let Some((url, origin)) = login {
        check_https(&url, "authority host")?;
        if matches!(origin, Origin::EnvFile(_)) && !args.allow_env_file_endpoints {
            env_file_endpoint(&url, Endpoint::Login, &origin)?;
        }
        let origin = origin.to_string();
        note(sources, "authority host", origin);
        cloud = cloud.with_login(&url);
    }
    if let Some(url) = &args.arm_endpoint {
        check_https(url, "ARM endpoint")?;
        note(
            sources,
            "ARM endpoint",
            Origin::Flag("--arm-endpoint").to_string(),
        );
        cloud = cloud.with_arm(url, false);
    }
    if let Some(url) = &args.graph_endpoint {
        check_https(url, "Graph endpoint")?;
        note(
            sources,
            "Graph endpoint",
            Origin::Flag("--graph-endpoint").to_string(),
        );
        cloud = cloud.with_graph(url, false);
    }
    Ok(cloud)
}

/// An endpoint read from `--env-file` must be a known cloud's: the file may be written by
/// someone else (a pull request controls a repository's `.env`), and the credential goes
/// wherever the endpoint says (docs/security.md "Where credentials may be sent").
fn env_file_endpoint(url: &str, which: Endpoint, origin: &Origin) -> Result<(), CliError> {
    if Cloud::owning(url, which).is_some() {
        return Ok(());
    }
    Err(CliError::usage(format!(
        "{origin} names the endpoint {url}, which is not a known Azure cloud's: refusing to send the credential there"
    ))
    .cause("an endpoint in an env file is used only when it is a known cloud's host; the file may have been written by someone else")
    .fix("pass the endpoint as a flag (--authority-host URL), or add --allow-env-file-endpoints if you trust the file"))
}

/// Refuses an endpoint that is not `https://`: tokens are never sent in clear text.
pub(crate) fn check_https(url: &str, what: &str) -> Result<(), CliError> {
    if !url.starts_with("https://") {
        return Err(CliError::usage(format!(
            "the {what} {url} is not an https:// URL (tokens are never sent in clear text)"
        )));
    }
    Ok(())
}

fn requirements(args: &TestArmArgs) -> Result<Vec<Requirement>, CliError> {
    let mut out = Vec::new();
    for role in &args.require_role {
        out.push(builtin_role(role)?);
    }
    for path in &args.require_actions {
        let source = Source::parse(path);
        let data = source.read()?;
        out.push(parse_role_definition(&data, &source.name())?);
    }
    Ok(out)
}

fn resolve_credential(
    args: &TestArmArgs,
    env: &EnvLookup,
    now: OffsetDateTime,
) -> Result<(Credential, String), CliError> {
    if let Some(var) = &args.secret_env {
        if !is_env_name(var) {
            return Err(CliError::usage(
                "the value given to --secret-env is not an environment variable name (it is not shown: it may be the secret itself)",
            )
            .fix("pass the variable's NAME, e.g. --secret-env AZURE_CLIENT_SECRET, not its value"));
        }
        let (value, origin) = env.named(var).ok_or_else(|| {
            CliError::usage(format!(
                "the environment variable --secret-env names is not set {NAME_NOT_SHOWN}"
            ))
            .fix("check the variable's name, or export it before running certtool")
        })?;
        return Ok((
            secret(value),
            format!("--secret-env, from {origin} (name and value not shown)"),
        ));
    }
    if let Some(path) = &args.secret_file {
        if path == std::path::Path::new("-") && args.password.uses_stdin() {
            return Err(CliError::usage(
                "the secret and the password cannot both come from stdin",
            ));
        }
        let s = secret_from_path(path)?;
        let name = Source::parse(path).name();
        return Ok((
            Credential::Secret(s),
            format!("{name} (--secret-file; value not shown)"),
        ));
    }
    if let Some(path) = &args.cert {
        let source = Source::parse(path);
        args.password.check_against(&source)?;
        let data = zeroize::Zeroizing::new(source.read()?);
        let cert = certificate(&data, &source.name(), args, env, now)?;
        return Ok((cert, format!("{} (--cert)", source.name())));
    }
    if let Some(path) = &args.federated_token_file {
        let source = Source::parse(path);
        let token = federated_token(&source.read()?, &source.name())?;
        return Ok((token, format!("{} (--federated-token-file)", source.name())));
    }
    let Some(found) = env.first(CREDENTIAL_VARS) else {
        return match federated_from_env(env)? {
            Some(found) => Ok(found),
            None => Err(CliError::usage("no credential given").fix(
                "pass --cert FILE, --secret-env VAR, --secret-file PATH or --federated-token-file FILE, or set \
                 AZURE_CLIENT_SECRET / AZURE_CLIENT_CERTIFICATE_PATH / AZURE_FEDERATED_TOKEN_FILE (or Terraform's \
                 ARM_CLIENT_SECRET / ARM_CLIENT_CERTIFICATE_PATH / ARM_CLIENT_CERTIFICATE / ARM_OIDC_TOKEN / \
                 ARM_OIDC_TOKEN_FILE_PATH); in GitHub Actions give the job `permissions: id-token: write`",
            )),
        };
    };
    let origin = found.origin.to_string();
    match found.name {
        "AZURE_CLIENT_SECRET" | "ARM_CLIENT_SECRET" => {
            Ok((secret(found.value), format!("{origin} (value not shown)")))
        }
        "ARM_CLIENT_CERTIFICATE" => {
            let compact: zeroize::Zeroizing<String> = zeroize::Zeroizing::new(
                found.value.chars().filter(|c| !c.is_whitespace()).collect(),
            );
            let data = zeroize::Zeroizing::new(
                base64::engine::general_purpose::STANDARD
                    .decode(compact.as_bytes())
                    .map_err(|_| {
                        CliError::new(
                            ExitKind::Input,
                            format!("{origin}: not base64 (ARM_CLIENT_CERTIFICATE holds a base64 PKCS#12)"),
                        )
                    })?,
            );
            let cert = certificate(&data, found.name, args, env, now)?;
            Ok((cert, format!("{origin} (base64 PKCS#12)")))
        }
        _ => {
            let path = std::path::PathBuf::from(found.value.trim());
            let source = Source::parse(&path);
            let data = zeroize::Zeroizing::new(source.read()?);
            let cert = certificate(&data, &source.name(), args, env, now)?;
            Ok((cert, format!("{} ({origin})", source.name())))
        }
    }
}

/// A federated token from the environment or the `.env` file: a file or value first,
/// else a request URL with its bearer token.
fn federated_from_env(env: &EnvLookup) -> Result<Option<(Credential, String)>, CliError> {
    if let Some(found) = env.first(FEDERATED_VARS) {
        let origin = found.origin.to_string();
        if found.name == "ARM_OIDC_TOKEN" {
            let token = federated_token(found.value.as_bytes(), found.name)?;
            return Ok(Some((token, format!("{origin} (value not shown)"))));
        }
        let path = std::path::PathBuf::from(found.value.trim());
        let source = Source::parse(&path);
        let token = federated_token(&source.read()?, &source.name())?;
        return Ok(Some((token, format!("{} ({origin})", source.name()))));
    }
    for (url_var, token_var) in OIDC_REQUEST_VARS {
        let Some(url) = env.first(&[url_var]) else {
            continue;
        };
        let Some(token) = env.first(&[token_var]) else {
            return Err(CliError::usage(format!(
                "{} is set but {token_var} is not",
                url.origin
            ))
            .fix("in GitHub Actions, give the job `permissions: id-token: write` so the runner sets both"));
        };
        let request_url = url.value.trim().to_string();
        if !request_url.starts_with("https://") && !is_loopback_http(&request_url) {
            return Err(CliError::usage(format!(
                "{} is not an https:// URL (plain http only to this machine)",
                url.origin
            ))
            .fix("the request token is a credential: give the runner's https:// token endpoint"));
        }
        let source = format!(
            "a token requested from {} with {} (audience {})",
            url.origin,
            token.origin,
            certtool_core::entra::TOKEN_EXCHANGE_AUDIENCE
        );
        return Ok(Some((
            Credential::Federated(FederatedSource::Request {
                url: request_url,
                token: Secret::new(token.value.to_string()),
            }),
            source,
        )));
    }
    Ok(None)
}

/// Plain `http://` is accepted only for this machine (a local token service, the tests):
/// the request token must never cross a network in the clear.
fn is_loopback_http(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => authority.split(':').next().unwrap_or(""),
    };
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Reads a federated token (a JWT) from file or variable contents.
fn federated_token(data: &[u8], name: &str) -> Result<Credential, CliError> {
    let text = std::str::from_utf8(data).map_err(|_| {
        CliError::new(
            ExitKind::Input,
            format!("{name}: the federated token is not text"),
        )
    })?;
    let token = FederatedToken::parse(text, name)?;
    Ok(Credential::Federated(FederatedSource::Token(Box::new(
        token,
    ))))
}

fn secret(value: zeroize::Zeroizing<String>) -> Credential {
    Credential::Secret(Secret::new(value.to_string()))
}

/// Loads and checks a certificate credential: password from the flags, else
/// AZURE_/ARM_CLIENT_CERTIFICATE_PASSWORD (environment or `.env`), else a prompt.
fn certificate(
    data: &[u8],
    name: &str,
    args: &TestArmArgs,
    env: &EnvLookup,
    now: OffsetDateTime,
) -> Result<Credential, CliError> {
    let bundle = load_credential_bytes(data, name, &args.password, env.first(PASSWORD_VARS))?;
    let (leaf, key) = bundle.leaf_with_key()?;
    check_certificate(leaf, key, now, name).map_err(|e| {
        CliError::from(e)
            .fix("renew the certificate (certtool generate) and upload the new .cer to the app")
    })?;
    let der = leaf
        .to_der()
        .map_err(CoreError::crypto("encoding the certificate"))?;
    let (_, not_after) = validity(&der)?;
    let facts = CertificateFacts {
        subject: subject_string(&der)?,
        thumbprint_sha1: thumbprint_sha1(&der),
        thumbprint_sha256: thumbprint_sha256(&der),
        not_after: rfc3339(not_after),
    };
    Ok(Credential::Certificate(Box::new(CertificateCredential {
        leaf: leaf.clone(),
        key: key.clone(),
        chain: bundle.chain(),
        facts,
    })))
}

#[cfg(test)]
mod loopback_tests {
    use super::is_loopback_http;

    #[test]
    fn plain_http_only_to_this_machine() {
        assert!(is_loopback_http("http://127.0.0.1:8080/token?x=1"));
        assert!(is_loopback_http("http://localhost/token"));
        assert!(is_loopback_http("http://[::1]:9/t"));
        assert!(!is_loopback_http("http://token.actions.example.com/t"));
        assert!(!is_loopback_http("http://127.0.0.1.evil.example/t"));
        assert!(!is_loopback_http("https://127.0.0.1/t"));
    }
}
