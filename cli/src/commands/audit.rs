//! `certtool audit`: every certificate and client secret of a tenant's applications and
//! service principals, worst first, as a CI gate that never reads a partial view as
//! clean. The flow is `certtool_core::audit`; this module gathers the inputs, renders
//! the report (text, JSON, JUnit, SARIF) and picks the exit code.

mod junit;
mod report;
mod sarif;
mod text;

use std::path::PathBuf;
use std::time::Duration;

use certtool_core::audit::{self, AuditRequest};
use certtool_core::graph::ThrottlePolicy;
use certtool_core::http::{client, RetryPolicy};
use clap::{Args, ValueEnum};

use crate::args::ExpiryArgs;
use crate::envfile::EnvLookup;
use crate::error::{CliError, ExitKind};
use crate::io::{
    at_most_one_stdin, check_destination, write_all, write_stdout, PlannedWrite, Sink,
};
use crate::limits::{MAX_WAIT_SECS, MAX_WITHIN_DAYS};
use crate::signin::{self, sign_in_error, SignInArgs};
use report::Report;

/// The window of `expiring` when `--fail-within-days` is not given.
const DEFAULT_WINDOW_DAYS: u32 = 30;

/// `audit --output`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum AuditFormat {
    /// A table for people, worst first, with a summary line (default).
    #[default]
    Text,
    /// A JSON document for scripts.
    Json,
    /// JUnit XML: one test case per credential (GitLab, Azure Pipelines, Jenkins).
    Junit,
    /// SARIF 2.1.0 for GitHub code scanning.
    Sarif,
}

/// Every certificate and client secret of the tenant, worst first, as a CI gate.
///
/// Lists the credentials of every app registration and service principal of the tenant,
/// the worst first, and gates a pipeline on them. Needs one app-only
/// Microsoft Graph permission: Application.Read.All. Exits 9 when Graph showed only part
/// of the tenant (refused, throttled past the budget, a page that failed): a partial view
/// never passes as clean. Rules and formats: docs/audit.md.
#[derive(Args, Debug)]
pub struct AuditArgs {
    /// Exit with code 8 when a credential of the tenant expires within N days (or has
    /// expired); N is also the window a credential counts as expiring in [default
    /// window: 30].
    #[arg(
        long,
        value_name = "N",
        value_parser = clap::value_parser!(u32).range(..=i64::from(MAX_WITHIN_DAYS))
    )]
    pub fail_within_days: Option<u32>,
    /// Report format.
    #[arg(long = "output", value_enum, default_value_t = AuditFormat::Text)]
    pub output: AuditFormat,
    /// Write the report to FILE (`-` or omitted: stdout); a summary line goes to stderr.
    #[arg(short = 'o', long = "out", value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Replace an existing FILE.
    #[arg(long)]
    pub force: bool,
    /// Flag applications without an owner, who would receive Entra ID's expiry notices
    /// (one $batch request per 20 applications).
    #[arg(long)]
    pub owners: bool,
    /// Also audit other tenants' service principals (multi-tenant and Microsoft apps),
    /// whose credentials their publisher rotates.
    #[arg(long)]
    pub include_foreign: bool,
    /// Seconds each listing may wait on Graph's throttling before the audit stops and
    /// reports itself incomplete (exit 9).
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 300,
        value_parser = clap::value_parser!(u64).range(..=MAX_WAIT_SECS)
    )]
    pub throttle_budget: u64,
    /// Last, so that its help heading closes the list.
    #[command(flatten)]
    pub signin: SignInArgs,
}

/// Runs `certtool audit`.
pub fn run(args: AuditArgs) -> Result<(), CliError> {
    crate::output::guard_out(args.out.as_deref())?;
    at_most_one_stdin(&args.signin.stdin_claims())?;
    let sink = args.out.as_deref().map(Sink::parse).unwrap_or(Sink::Stdout);
    check_destination(&sink, false, args.force)?;
    let now = crate::clock::now()?;
    let env = EnvLookup::load(args.signin.env_file.as_deref())?;
    let mut sources = Vec::new();
    let who = signin::resolve_who(&args.signin, &env, &mut sources)?;
    let mut identity = signin::resolve(who, &args.signin, &env, now, &mut sources)?;
    let http = client(&args.signin.network.http_options()?, None)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::new(ExitKind::Other, format!("cannot start the runtime: {e}")))?;
    let policy = RetryPolicy::default();
    runtime.block_on(identity.fetch_federated(&http, &policy))?;
    let signin = identity.signin(&http, &policy)?;
    let window_days = args.fail_within_days.unwrap_or(DEFAULT_WINDOW_DAYS);
    let request = AuditRequest {
        http: &http,
        policy: &policy,
        graph: &identity.cloud.graph,
        graph_scope: &identity.cloud.graph_scope,
        tenant: &identity.tenant,
        window_days,
        include_foreign: args.include_foreign,
        owners: args.owners,
        throttle: ThrottlePolicy {
            budget: Duration::from_secs(args.throttle_budget),
            // A nightly audit yields to the tenant's interactive traffic.
            low_priority: true,
            ..ThrottlePolicy::default()
        },
    };
    let found = runtime.block_on(audit::audit(&signin, &request))?;
    let ending = outcome(&found, args.fail_within_days);
    let report = Report::new(
        &identity,
        &found,
        now,
        args.fail_within_days,
        ending.as_ref(),
    );
    emit(&args, &sink, &report)?;
    // The report is written: the process ends next and the system reclaims its memory at
    // once, where freeing a large tenant's rows one by one takes measurable time. They hold
    // no secret (values are never read, hints never kept), so nothing needs wiping.
    std::mem::forget(report);
    std::mem::forget(found);
    match ending {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

/// How the audit ends: sign-in refused (5/7), no permission to list applications (6),
/// a partial view (9, which wins over the gate), the gate (8), or success.
fn outcome(found: &audit::Audit, gate_days: Option<u32>) -> Option<CliError> {
    if let Some(why) = &found.token.error {
        return Some(sign_in_error(why));
    }
    if found.applications_denied() {
        let gap = &found.gaps[0];
        return Some(
            CliError::new(
                ExitKind::Permission,
                "Graph refused to list the tenant's applications",
            )
            .cause(&gap.cause)
            .fix(&gap.fix),
        );
    }
    if !found.complete() {
        let mut error =
            CliError::new(
                ExitKind::Incomplete,
                format!(
                "the audit is incomplete: {} could not be read in full, so it cannot pass as clean",
                found.gaps.iter().map(|g| g.what).collect::<Vec<_>>().join(" and ")
            ),
            );
        for gap in &found.gaps {
            error = error.cause(format!("{}: {}", gap.what, gap.cause));
        }
        if let Some(gap) = found.gaps.first() {
            error = error.fix(&gap.fix);
        }
        return Some(error);
    }
    let ending: Vec<_> = found.ending().collect();
    let gate = ExpiryArgs {
        fail_within_days: gate_days,
    };
    let endings = ending.iter().map(|c| crate::args::Ending {
        what: format!(
            "the {} {} of {} ({})",
            c.kind,
            c.key_id,
            if c.display_name.is_empty() {
                "?"
            } else {
                &c.display_name
            },
            c.app_id
        ),
        not_after: c.end.clone().unwrap_or_default(),
        days_left: c.days_left.unwrap_or(i64::MAX),
    });
    let error = gate.gate(
        endings,
        None,
        "renew each credential listed (certtool rotate arm rolls a certificate), then remove the old one",
    )?;
    let expired = ending
        .iter()
        .filter(|c| c.status == audit::Status::Expired)
        .count();
    Some(error.cause(format!(
        "{} credential(s) expired, {} expiring within {} days",
        expired,
        ending.len() - expired,
        found.window_days
    )))
}

/// `--output json` on stdout, written as it is serialized: the report of a large tenant
/// is never held whole in memory beside its credentials.
fn stream_json(report: &Report) -> Result<(), CliError> {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let written = serde_json::to_writer_pretty(&mut out, report)
        .map_err(std::io::Error::from)
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush());
    match written {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::new(
            ExitKind::Other,
            format!("cannot write stdout: {e}"),
        )),
    }
}

fn emit(args: &AuditArgs, sink: &Sink, report: &Report) -> Result<(), CliError> {
    if args.output == AuditFormat::Json && *sink == Sink::Stdout {
        return stream_json(report);
    }
    let body = match args.output {
        AuditFormat::Text => crate::output::escape_controls(&text::render(report)).into_owned(),
        AuditFormat::Json => {
            let mut json = serde_json::to_string_pretty(report).expect("serializable");
            json.push('\n');
            json
        }
        AuditFormat::Junit => junit::render(report),
        AuditFormat::Sarif => {
            let mut json =
                serde_json::to_string_pretty(&sarif::render(report)).expect("serializable");
            json.push('\n');
            json
        }
    };
    match sink {
        Sink::Stdout => {
            if args.output == AuditFormat::Text && crate::log::quiet() {
                return Ok(());
            }
            write_stdout(body.as_bytes())
        }
        Sink::File(_) => {
            write_all(
                &[PlannedWrite {
                    sink: sink.clone(),
                    data: body.as_bytes(),
                    binary: false,
                    secrecy: certtool_core::fsutil::FileSecrecy::Public,
                }],
                args.force,
            )?;
            crate::log::note!(
                "certtool: {} ({} written)",
                text::summary(report),
                sink.name()
            );
            Ok(())
        }
    }
}
