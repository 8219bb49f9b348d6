//! Turning flags, environment variables and a `.env` file into what `test arm` needs,
//! saying on stderr where each value came from (never a secret's value). Everything
//! that can be checked offline is checked here, before any request.

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
use crate::credential::{self, CredentialArgs, Material};
use crate::envfile::EnvLookup;
use crate::error::{CliError, ExitKind};
use crate::io::{at_most_one_stdin, is_dash, Source};
use crate::password::{load_credential_bytes, CERTIFICATE_PASSWORD_VARS};

const TENANT_VARS: &[&str] = &["AZURE_TENANT_ID", "ARM_TENANT_ID"];
const CLIENT_VARS: &[&str] = &["AZURE_CLIENT_ID", "ARM_CLIENT_ID"];
const SUBSCRIPTION_VARS: &[&str] = &["AZURE_SUBSCRIPTION_ID", "ARM_SUBSCRIPTION_ID"];
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

/// Refuses two inputs that would both read stdin, before anything (the `.env` file
/// included) is read.
pub fn claim_stdin(args: &TestArmArgs) -> Result<(), CliError> {
    let [cert, secret_file, token_file] = args.credential.stdin_claims();
    at_most_one_stdin(&[
        cert,
        secret_file,
        token_file,
        ("--env-file", is_dash(args.env_file.as_deref())),
        ("--ca-file", is_dash(args.network.ca_file.as_deref())),
        args.password.stdin_claim(),
        (
            "--require-actions",
            args.require_actions.iter().any(|p| is_dash(Some(p))),
        ),
    ])
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

/// The credential: the first of [`CredentialArgs::sources`] that holds one, checked
/// offline.
fn resolve_credential(
    args: &TestArmArgs,
    env: &EnvLookup,
    now: OffsetDateTime,
) -> Result<(Credential, String), CliError> {
    let sources = args.credential.sources();
    let found = credential::first(&sources, env)?.ok_or_else(CredentialArgs::none_given)?;
    let credential = match found.material {
        Material::Secret(secret) => Credential::Secret(secret),
        Material::Certificate { data, name } => certificate(&data, &name, args, env, now)?,
        Material::FederatedToken { data, name } => federated_token(&data, &name)?,
        Material::FederatedRequest { url, token } => {
            Credential::Federated(FederatedSource::Request { url, token })
        }
    };
    Ok((credential, found.origin))
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

/// Loads and checks a certificate credential: password from the flags, else
/// AZURE_/ARM_CLIENT_CERTIFICATE_PASSWORD (environment or `.env`), else a prompt.
fn certificate(
    data: &[u8],
    name: &str,
    args: &TestArmArgs,
    env: &EnvLookup,
    now: OffsetDateTime,
) -> Result<Credential, CliError> {
    let bundle = load_credential_bytes(
        data,
        name,
        &args.password,
        env.first(CERTIFICATE_PASSWORD_VARS),
    )?;
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
