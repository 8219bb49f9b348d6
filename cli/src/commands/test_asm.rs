//! `certtool test asm`: does ASM accept this management certificate for these
//! subscriptions? Many subscriptions are tested concurrently over one HTTPS client per
//! certificate, so connections are reused.

mod render;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;

use certtool_core::asm::{
    self, check_certificate, check_subscription_id, parse_endpoint, AsmClient, CertificateCheck,
    SubscriptionReport, Verdict,
};
use certtool_core::bundle::CredentialBundle;
use certtool_core::cloud::Cloud;
use certtool_core::http::{self, ClientIdentity, HttpOptions, RetryPolicy};
use certtool_core::publishsettings;
use clap::Args;
use reqwest::Url;
use serde::Serialize;

use crate::args::{first_env, load_credential_with_env, NetworkArgs, OutputFormat, PasswordArgs};
use crate::error::{CliError, ExitKind};
use crate::io::{write_stdout, Source};

/// Environment variables read when --subscription is not given, in order.
const SUBSCRIPTION_ENV: &[&str] = &["AZURE_SUBSCRIPTION_ID", "AZURE_MANAGEMENT_SUBSCRIPTIONID"];
/// Environment variables read when --cert is not given, in order.
const CERT_ENV: &[&str] = &["AZURE_MANAGEMENT_CERTFILE", "AZURE_CLIENT_CERTIFICATE_PATH"];
/// Environment variables read for the certificate's password when no flag names one.
const PASSWORD_ENV: &[&str] = &["AZURE_CLIENT_CERTIFICATE_PASSWORD"];

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
    /// Subscriptions tested at the same time.
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub concurrency: usize,
    /// Retries of a request answered 429/503 or cut off (Retry-After is honoured).
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub retries: u32,
    /// Report format.
    #[arg(long, value_enum, default_value = "text")]
    pub output: OutputFormat,
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

/// The whole report (`--output json` prints it as is).
#[derive(Debug, Serialize)]
pub struct Report {
    /// The certificates presented, with their pre-flight warnings.
    pub certificates: Vec<CertificateCheck>,
    /// Notes about the endpoints (the public ASM endpoint's retirement).
    pub notes: Vec<String>,
    /// One entry per subscription, in the order given.
    pub subscriptions: Vec<SubscriptionReport>,
    /// Counts per verdict.
    pub summary: Summary,
}

/// Counts per verdict.
#[derive(Debug, Default, Serialize)]
pub struct Summary {
    /// Subscriptions tested.
    pub total: usize,
    /// Accepted.
    pub ok: usize,
    /// Certificate rejected.
    pub rejected: usize,
    /// ASM not reached.
    pub unreachable: usize,
    /// ASM answered with a failure.
    pub error: usize,
}

/// Runs `certtool test asm`.
pub fn run(args: TestAsmArgs) -> Result<(), CliError> {
    if args.concurrency == 0 {
        return Err(CliError::usage("--concurrency must be at least 1"));
    }
    crate::tls::prefer_lazy_system_roots();
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
            eprintln!("warning: {} ({})", warning, identity.check.source);
        }
    }
    let report = execute(&args, &options, identities)?;
    let text = match args.output {
        OutputFormat::Json => {
            let mut s = serde_json::to_string_pretty(&report).expect("serializable");
            s.push('\n');
            s
        }
        OutputFormat::Text => render::text(&report),
    };
    write_stdout(text.as_bytes())?;
    outcome(&report)
}

fn subscriptions_from_flags_or_env(args: &TestAsmArgs) -> Result<Vec<String>, CliError> {
    let mut ids: Vec<String> = args
        .subscription
        .iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    if ids.is_empty() && args.publishsettings.is_none() {
        if let Some((value, name)) = first_env(SUBSCRIPTION_ENV) {
            eprintln!("certtool: using the subscription id(s) in {name}");
            ids = value
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
        }
    }
    for id in &ids {
        check_subscription_id(id)?;
    }
    let mut seen = std::collections::HashSet::new();
    ids.retain(|id| seen.insert(id.to_ascii_lowercase()));
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
        None => match first_env(CERT_ENV) {
            Some((value, name)) => {
                eprintln!("certtool: using the certificate file in {name}");
                PathBuf::from(value)
            }
            None => {
                return Err(CliError::usage("no management certificate given").fix(
                    "give --cert FILE (a PFX, or a PEM with key and certificate) or set AZURE_MANAGEMENT_CERTFILE",
                ))
            }
        },
    };
    let source = Source::parse(&path);
    let bundle = load_credential_with_env(&source, &args.password, PASSWORD_ENV)?;
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
                None => parse_endpoint(&sub.management_url).map_err(|e| {
                    CliError::new(ExitKind::Input, format!("{}: {e}", source.name()))
                })?,
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

fn execute(
    args: &TestAsmArgs,
    options: &HttpOptions,
    identities: Vec<Identity>,
) -> Result<Report, CliError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::new(ExitKind::Other, format!("cannot start the runtime: {e}")))?;
    let policy = RetryPolicy {
        retries: args.retries,
        ..RetryPolicy::default()
    };
    let total: usize = identities.iter().map(|i| i.targets.len()).sum();
    let progress = std::io::stderr().is_terminal() && total > 1;
    let mut notes: Vec<String> = Vec::new();
    for identity in &identities {
        for (_, url) in &identity.targets {
            if let Some(note) = asm::retirement_note(url) {
                if !notes.contains(&note) {
                    notes.push(note);
                }
            }
        }
    }
    let subscriptions = runtime.block_on(async {
        let semaphore = Arc::new(tokio::sync::Semaphore::new(args.concurrency));
        let mut tasks = tokio::task::JoinSet::new();
        let mut index = 0usize;
        for identity in &identities {
            let http = http::client(options, Some(&identity.client_identity))
                .map_err(|e| client_setup_error(e, &identity.check))?;
            let client = Arc::new(AsmClient::new(
                http,
                &identity.check.thumbprint,
                policy.clone(),
            ));
            let cer_name: Arc<str> = identity.cer_name.as_str().into();
            for (sub, url) in &identity.targets {
                let (client, cer_name, sub, url) =
                    (client.clone(), cer_name.clone(), sub.clone(), url.clone());
                let semaphore = semaphore.clone();
                let i = index;
                index += 1;
                tasks.spawn(async move {
                    let _permit = semaphore.acquire_owned().await;
                    (i, client.test(&url, &sub, &cer_name).await)
                });
            }
        }
        let mut done: Vec<Option<SubscriptionReport>> = vec![None; total];
        let mut finished = 0;
        while let Some(joined) = tasks.join_next().await {
            let (i, report) = joined
                .map_err(|e| CliError::new(ExitKind::Other, format!("a test task failed: {e}")))?;
            done[i] = Some(report);
            finished += 1;
            if progress {
                eprint!("\rtesting subscriptions: {finished}/{total}");
            }
        }
        if progress {
            eprint!("\r{:width$}\r", "", width = 40);
        }
        Ok::<_, CliError>(done.into_iter().flatten().collect::<Vec<_>>())
    })?;
    let mut summary = Summary {
        total: subscriptions.len(),
        ..Summary::default()
    };
    for s in &subscriptions {
        match s.verdict {
            Verdict::Ok => summary.ok += 1,
            Verdict::Rejected => summary.rejected += 1,
            Verdict::Unreachable => summary.unreachable += 1,
            Verdict::Error => summary.error += 1,
        }
    }
    Ok(Report {
        certificates: identities.into_iter().map(|i| i.check).collect(),
        notes,
        subscriptions,
        summary,
    })
}

/// OpenSSL (security level 2 and up) refuses to present an RSA key under 2048 bits, so
/// such a certificate cannot even be offered; say so instead of "builder error".
fn client_setup_error(err: certtool_core::Error, check: &CertificateCheck) -> CliError {
    if check.key_algorithm == "RSA" && check.key_bits < 2048 {
        return CliError::new(
            ExitKind::Input,
            format!(
                "{}: the {}-bit RSA key cannot be used as a TLS client certificate",
                check.source, check.key_bits
            ),
        )
        .cause("this system's OpenSSL refuses RSA keys under 2048 bits, and ASM requires at least 2048")
        .fix("make a new management certificate with `certtool generate` and upload its .cer");
    }
    err.into()
}

/// The exit: 0 when every subscription is ok; 5 when any rejected the certificate (the
/// definite answer wins); else 7 when any was unreachable or failed.
fn outcome(report: &Report) -> Result<(), CliError> {
    let s = &report.summary;
    let failing: Vec<&SubscriptionReport> = report
        .subscriptions
        .iter()
        .filter(|r| r.verdict != Verdict::Ok)
        .collect();
    if failing.is_empty() {
        return Ok(());
    }
    let kind = if s.rejected > 0 {
        ExitKind::Rejected
    } else {
        ExitKind::Network
    };
    let mut err = if failing.len() == 1 && s.total == 1 {
        let r = failing[0];
        let what = match r.verdict {
            Verdict::Rejected => "rejected the certificate",
            Verdict::Unreachable => "could not be reached",
            _ => "failed",
        };
        CliError::new(
            kind,
            format!("subscription {} {what} ({})", r.subscription_id, r.endpoint),
        )
    } else {
        CliError::new(kind, render::counts(s))
    };
    if failing.len() == 1 {
        if let Some(d) = &failing[0].diagnosis {
            err = err.cause(d.cause.clone()).fix(d.fix.clone());
        }
    } else {
        err = err.fix("see each subscription's cause and fix in the report above");
    }
    Err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, verdict: Verdict) -> SubscriptionReport {
        SubscriptionReport {
            subscription_id: id.into(),
            endpoint: "https://asm.example/".into(),
            verdict,
            subscription_name: None,
            subscription_status: None,
            hosted_service_count: None,
            hosted_services: Vec::new(),
            thumbprint: "AB".into(),
            request_ids: Vec::new(),
            requests: 1,
            latency_ms: 5,
            http_status: None,
            error: None,
            failure: None,
            diagnosis: None,
        }
    }

    fn report(verdicts: &[Verdict]) -> Report {
        let subscriptions: Vec<_> = verdicts
            .iter()
            .enumerate()
            .map(|(i, v)| row(&format!("s{i}"), *v))
            .collect();
        let count = |v| verdicts.iter().filter(|x| **x == v).count();
        Report {
            certificates: Vec::new(),
            notes: Vec::new(),
            summary: Summary {
                total: verdicts.len(),
                ok: count(Verdict::Ok),
                rejected: count(Verdict::Rejected),
                unreachable: count(Verdict::Unreachable),
                error: count(Verdict::Error),
            },
            subscriptions,
        }
    }

    #[test]
    fn exit_kinds_rejection_wins() {
        use Verdict::*;
        assert!(outcome(&report(&[Ok, Ok])).is_ok());
        let kind = |v: &[Verdict]| outcome(&report(v)).unwrap_err().kind;
        assert_eq!(kind(&[Ok, Rejected]), ExitKind::Rejected);
        assert_eq!(kind(&[Unreachable, Rejected, Error]), ExitKind::Rejected);
        assert_eq!(kind(&[Ok, Unreachable]), ExitKind::Network);
        assert_eq!(kind(&[Error]), ExitKind::Network);
        let err = outcome(&report(&[Ok, Unreachable, Error])).unwrap_err();
        assert_eq!(err.message, "3 subscriptions: 1 ok, 1 unreachable, 1 error");
    }

    #[test]
    fn text_table_is_aligned() {
        let mut r = report(&[Verdict::Ok, Verdict::Rejected]);
        r.subscriptions[0].subscription_name = Some("Production".into());
        r.subscriptions[0].hosted_service_count = Some(0);
        let text = render::text(&r);
        let lines: Vec<&str> = text.lines().collect();
        let header = lines
            .iter()
            .position(|l| l.starts_with("SUBSCRIPTION"))
            .unwrap();
        let col = lines[header].find("VERDICT").unwrap();
        assert_eq!(&lines[header + 1][col..col + 2], "ok");
        assert_eq!(&lines[header + 2][col..col + 8], "rejected");
        assert!(text.contains("s0 (https://asm.example/): ok, no hosted services"));
        assert!(text.ends_with("2 subscriptions: 1 ok, 1 rejected\n"));
    }
}
