//! Turning the sign-in flags, environment variables and a `.env` file into an
//! [`Identity`], saying on stderr where each value came from (never a secret's value).
//! Everything that can be checked offline is checked here, before any request.

use certtool_core::cloud::{Cloud, Endpoint};
use certtool_core::entra::{check_certificate, FederatedToken};
use certtool_core::x509::{rfc3339, subject_string, thumbprint_sha1, thumbprint_sha256, validity};
use certtool_core::Error as CoreError;
use time::OffsetDateTime;

use super::identity::{
    CertificateCredential, CertificateFacts, Credential, FederatedSource, Identity,
};
use super::SignInArgs;
use crate::args::Origin;
use crate::credential::{self, CredentialArgs, Material};
use crate::envfile::EnvLookup;
use crate::error::{CliError, ExitKind};
use crate::password::{load_credential_bytes, CERTIFICATE_PASSWORD_VARS};

const TENANT_VARS: &[&str] = &["AZURE_TENANT_ID", "ARM_TENANT_ID"];
const CLIENT_VARS: &[&str] = &["AZURE_CLIENT_ID", "ARM_CLIENT_ID"];

/// (what, where from) for every value, in the order resolved.
pub type Sources = Vec<(String, String)>;

/// Says on stderr where `what` came from, and records it.
pub fn note(sources: &mut Vec<(String, String)>, what: &str, origin: String) {
    crate::log::note!("certtool: {what} from {origin}");
    sources.push((what.to_string(), origin));
}

/// A value from its flag, else the first of `vars` set (environment, then `.env`).
pub fn required(
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

/// The tenant and the app that sign in: the first values a signing-in command resolves,
/// before its own (subscriptions, …) and before the credential, which may prompt.
pub struct Who {
    /// Tenant ID or verified domain.
    pub tenant: String,
    /// Application (client) ID.
    pub client_id: String,
}

/// Resolves the tenant and the app.
pub fn resolve_who(
    args: &SignInArgs,
    env: &EnvLookup,
    sources: &mut Sources,
) -> Result<Who, CliError> {
    let tenant = required(
        env,
        &args.tenant,
        "--tenant",
        TENANT_VARS,
        "tenant ID",
        sources,
    )?;
    let client_id = required(
        env,
        &args.client_id,
        "--client-id",
        CLIENT_VARS,
        "client ID",
        sources,
    )?;
    Ok(Who { tenant, client_id })
}

/// Resolves and checks the rest of the sign-in (cloud, endpoints, credential) for `who`,
/// before any request.
pub fn resolve(
    who: Who,
    args: &SignInArgs,
    env: &EnvLookup,
    now: OffsetDateTime,
    sources: &mut Sources,
) -> Result<Identity, CliError> {
    let Who { tenant, client_id } = who;
    let cloud = resolve_cloud(args, env, sources)?;
    let (credential, credential_source) = resolve_credential(args, env, now)?;
    crate::log::note!("certtool: credential from {credential_source}");
    sources.push(("credential".into(), credential_source.clone()));
    let send_x5c = args.send_x5c
        || env
            .first(&["AZURE_CLIENT_SEND_CERTIFICATE_CHAIN"])
            .is_some_and(|f| matches!(f.value.trim(), "1" | "true" | "True" | "TRUE"));
    Ok(Identity {
        tenant,
        client_id,
        cloud,
        credential,
        credential_source,
        send_x5c,
        alg: args.alg.into(),
    })
}

/// The cloud and its endpoints, with the overrides of the flags and the environment.
pub fn resolve_cloud(
    args: &SignInArgs,
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
pub fn check_https(url: &str, what: &str) -> Result<(), CliError> {
    if !url.starts_with("https://") {
        return Err(CliError::usage(format!(
            "the {what} {url} is not an https:// URL (tokens are never sent in clear text)"
        )));
    }
    Ok(())
}

/// The credential: the first of [`CredentialArgs::sources`] that holds one, checked
/// offline.
fn resolve_credential(
    args: &SignInArgs,
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
    args: &SignInArgs,
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
