//! `certtool test asm`: does ASM accept this management certificate for these
//! subscriptions? Many subscriptions are tested concurrently over one HTTPS client per
//! certificate, so connections are reused.

mod execute;
mod render;
mod report;

use std::path::PathBuf;

use certtool_core::asm::{check_certificate, parse_endpoint, CertificateCheck};
use certtool_core::bundle::CredentialBundle;
use certtool_core::cloud::{Cloud, Endpoint};
use certtool_core::http::ClientIdentity;
use certtool_core::ids::{check_subscription_id, subscription_ids};
use certtool_core::publishsettings;
use clap::Args;
use reqwest::Url;

use crate::args::{Ending, ExpiryArgs, NetworkArgs};
use crate::envfile::EnvLookup;
use crate::error::{CliError, ExitKind};
use crate::io::Source;
use crate::output::{emit, OutputArgs, TextTo};
use crate::password::{load_credential, PasswordArgs, AZURE_CERTIFICATE_PASSWORD};

/// Environment variables read when --subscription is not given, in order.
const SUBSCRIPTION_ENV: &[&str] = &["AZURE_SUBSCRIPTION_ID", "AZURE_MANAGEMENT_SUBSCRIPTIONID"];
/// Environment variables read when --cert is not given, in order.
const CERT_ENV: &[&str] = &["AZURE_MANAGEMENT_CERTFILE", "AZURE_CLIENT_CERTIFICATE_PATH"];
/// The variable read for the certificate's password when no flag names one: the Azure
/// SDKs' (Terraform's ARM_* names are for service principals, not ASM).
const PASSWORD_ENV: &[&str] = &[AZURE_CERTIFICATE_PASSWORD];

/// Call ASM (Get Subscription, List Hosted Services) with a management certificate and
/// report, per subscription, whether it is accepted — and why not, with the fix.
#[derive(Args, Debug)]
pub struct TestAsmArgs {
    /// Subscription id(s), repeated or comma-separated (env: AZURE_SUBSCRIPTION_ID,
    /// AZURE_MANAGEMENT_SUBSCRIPTIONID). With --publishsettings: test only these.
    #[arg(long, value_name = "ID", value_delimiter = ',')]
    pub subscription: Vec<String>,
    /// The management certificate: a PFX (any protection) or a PEM with key and
    /// certificate (env: AZURE_MANAGEMENT_CERTFILE, AZURE_CLIENT_CERTIFICATE_PATH).
    #[arg(long, value_name = "FILE", conflicts_with = "publishsettings")]
    pub cert: Option<PathBuf>,
    /// Test every subscription of a .publishsettings file with its own certificate and
    /// management URL.
    #[arg(long, value_name = "FILE")]
    pub publishsettings: Option<PathBuf>,
    /// The ASM endpoint, overriding --cloud and the publishsettings URLs (private
    /// deployments, proxies, the local stand-in).
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,
    /// Use the publishsettings' ServiceManagementUrl even when it is not a known cloud's
    /// ASM host (by default such a file is refused: whoever wrote it chose where the
    /// certificate is presented).
    #[arg(long, requires = "publishsettings")]
    pub allow_publishsettings_endpoints: bool,
    /// Subscriptions tested at the same time.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = concurrency)]
    pub concurrency: usize,
    /// Retries of a request answered 429/503 or cut off (Retry-After is honoured).
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub retries: u32,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub expiry: ExpiryArgs,
    #[command(flatten)]
    pub network: NetworkArgs,
    #[command(flatten)]
    pub password: PasswordArgs,
}

/// One certificate and the subscriptions to test with it.
struct Identity {
    check: CertificateCheck,
    client_identity: ClientIdentity,
    cer_name: String,
    targets: Vec<(String, Url)>,
}

/// Parses `--concurrency`: 1 to [`MAX_CONCURRENCY`](crate::limits::MAX_CONCURRENCY).
fn concurrency(text: &str) -> Result<usize, String> {
    let max = crate::limits::MAX_CONCURRENCY;
    match text.parse::<usize>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(format!("expected a whole number from 1 to {max}")),
    }
}

/// Runs `certtool test asm`.
pub fn run(args: TestAsmArgs) -> Result<(), CliError> {
    use crate::io::{at_most_one_stdin, is_dash};
    at_most_one_stdin(&[
        ("--cert", is_dash(args.cert.as_deref())),
        (
            "--publishsettings",
            is_dash(args.publishsettings.as_deref()),
        ),
        ("--ca-file", is_dash(args.network.ca_file.as_deref())),
        args.password.stdin_claim(),
    ])?;
    let now = crate::clock::now()?;
    let options = args.network.http_options()?;
    let endpoint_override = match (&args.endpoint, &args.network.cloud) {
        (Some(url), _) => Some(parse_endpoint(url)?),
        (None, Some(cloud)) => Some(parse_endpoint(&Cloud::by_name(cloud)?.asm)?),
        (None, None) => None,
    };
    let identities = match &args.publishsettings {
        Some(path) => from_publishsettings(&args, path, endpoint_override, now)?,
        None => vec![from_certificate(&args, endpoint_override, now)?],
    };
    for identity in &identities {
        for warning in &identity.check.warnings {
            crate::log::note!("warning: {} ({})", warning, identity.check.source);
        }
    }
    let gate = expiry_gate(&identities, &args.expiry);
    let report = execute::execute(&args, &options, identities)?;
    emit(args.output, &report, TextTo::Stdout, render::text)?;
    execute::outcome(&report)?;
    gate.map_or(Ok(()), Err)
}

/// `--fail-within-days`: the management certificate that expires first, if within the
/// limit.
fn expiry_gate(identities: &[Identity], expiry: &ExpiryArgs) -> Option<CliError> {
    let first = identities.iter().min_by_key(|i| i.check.days_to_expiry)?;
    let check = &first.check;
    let ending = Ending {
        what: format!("the management certificate {}", check.thumbprint),
        not_after: check.not_after.clone(),
        days_left: check.days_to_expiry,
    };
    expiry.gate(
        [ending],
        Some(&check.source),
        "make a new one (`certtool generate`), upload its .cer to every subscription, then switch the tools that use it",
    )
}

fn subscriptions_from_flags_or_env(args: &TestAsmArgs) -> Result<Vec<String>, CliError> {
    let ids = subscription_ids(args.subscription.iter().map(String::as_str))?;
    if ids.is_empty() && args.publishsettings.is_none() {
        if let Some(found) = EnvLookup::default().first(SUBSCRIPTION_ENV) {
            crate::log::note!("certtool: using the subscription id(s) in {}", found.name);
            return Ok(subscription_ids([found.value.as_str()])?);
        }
    }
    Ok(ids)
}

fn from_certificate(
    args: &TestAsmArgs,
    endpoint: Option<Url>,
    now: time::OffsetDateTime,
) -> Result<Identity, CliError> {
    let subscriptions = subscriptions_from_flags_or_env(args)?;
    if subscriptions.is_empty() {
        return Err(CliError::usage("no subscription to test").fix(
            "give --subscription ID (or set AZURE_SUBSCRIPTION_ID), or --publishsettings FILE",
        ));
    }
    let path = match &args.cert {
        Some(path) => path.clone(),
        None => match EnvLookup::default().first(CERT_ENV) {
            Some(found) => {
                crate::log::note!("certtool: using the certificate file in {}", found.name);
                PathBuf::from(found.value.as_str())
            }
            None => {
                return Err(CliError::usage("no management certificate given").fix(
                    "give --cert FILE (a PFX, or a PEM with key and certificate) or set AZURE_MANAGEMENT_CERTFILE",
                ))
            }
        },
    };
    let source = Source::parse(&path);
    let bundle = load_credential(
        &source,
        &args.password,
        EnvLookup::default().first(PASSWORD_ENV),
    )?;
    let endpoint = match endpoint {
        Some(url) => url,
        None => parse_endpoint(&Cloud::by_name("AzureCloud")?.asm)?,
    };
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.is_empty() && source != Source::Stdin)
        .unwrap_or_else(|| "the certificate".into());
    identity(
        &bundle,
        now,
        format!("{stem}.cer"),
        subscriptions
            .into_iter()
            .map(|id| (id, endpoint.clone()))
            .collect(),
    )
}

fn identity(
    bundle: &CredentialBundle,
    now: time::OffsetDateTime,
    cer_name: String,
    targets: Vec<(String, Url)>,
) -> Result<Identity, CliError> {
    let (check, leaf, chain, key) = check_certificate(bundle, now)?;
    Ok(Identity {
        client_identity: ClientIdentity::new(leaf, &chain, key)?,
        check,
        cer_name,
        targets,
    })
}

fn from_publishsettings(
    args: &TestAsmArgs,
    path: &std::path::Path,
    endpoint: Option<Url>,
    now: time::OffsetDateTime,
) -> Result<Vec<Identity>, CliError> {
    let source = Source::parse(path);
    let data = zeroize::Zeroizing::new(source.read()?);
    let settings = publishsettings::parse(&data, &source.name())?;
    let wanted = subscriptions_from_flags_or_env(args)?;
    for id in &wanted {
        if !settings
            .subscriptions
            .iter()
            .any(|s| s.id.eq_ignore_ascii_case(id))
        {
            return Err(CliError::usage(format!(
                "subscription {id} is not in {}",
                source.name()
            )));
        }
    }
    let mut identities = Vec::new();
    for (index, cert) in settings.certificates.iter().enumerate() {
        let mut targets = Vec::new();
        for sub in settings
            .subscriptions
            .iter()
            .filter(|s| s.certificate == index)
        {
            if !wanted.is_empty() && !wanted.iter().any(|w| w.eq_ignore_ascii_case(&sub.id)) {
                continue;
            }
            check_subscription_id(&sub.id)
                .map_err(|e| CliError::new(ExitKind::Input, format!("{}: {e}", source.name())))?;
            let url = match &endpoint {
                Some(url) => url.clone(),
                None => {
                    let url = parse_endpoint(&sub.management_url).map_err(|e| {
                        CliError::new(ExitKind::Input, format!("{}: {e}", source.name()))
                    })?;
                    if !args.allow_publishsettings_endpoints {
                        known_asm_host(&url, &source.name(), &sub.id)?;
                    }
                    url
                }
            };
            targets.push((sub.id.clone(), url));
        }
        if !targets.is_empty() {
            let mut id = identity(
                &cert.bundle,
                now,
                format!("{}.cer", cert.thumbprint),
                targets,
            )?;
            id.check.source = format!("{} (certificate {})", source.name(), cert.thumbprint);
            identities.push(id);
        }
    }
    Ok(identities)
}

/// A `.publishsettings` may send the management certificate only to a known cloud's ASM
/// host: the file often comes from a mailbox or a download, and whoever wrote it chose
/// the URL (docs/security.md "Where credentials may be sent"). `--endpoint` (or
/// `--cloud`) is how a user chooses another host.
fn known_asm_host(url: &Url, file: &str, subscription: &str) -> Result<(), CliError> {
    if Cloud::owning(url.as_str(), Endpoint::Asm).is_some() {
        return Ok(());
    }
    Err(CliError::usage(format!(
        "{file}: the ServiceManagementUrl of subscription {subscription} is {url}, which is not a known Azure cloud's ASM host: refusing to present the certificate there"
    ))
    .cause("the management URLs of a .publishsettings are used only when they are a known cloud's; the file may have been written by someone else")
    .fix("pass --endpoint URL to test against that host deliberately (or --cloud NAME for a known cloud), or add --allow-publishsettings-endpoints if you trust the file"))
}
