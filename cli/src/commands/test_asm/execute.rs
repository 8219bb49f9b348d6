//! Running the tests: one HTTPS client per certificate, subscriptions tested
//! concurrently under a semaphore, results back in the order given in a [`Report`]; and
//! the exit code it implies.

use std::io::IsTerminal;
use std::sync::Arc;

use certtool_core::asm::{self, AsmClient, CertificateCheck, SubscriptionReport, Verdict};
use certtool_core::http::{self, HttpOptions, RetryPolicy};

use super::report::{Report, Summary};
use super::{render, Identity, TestAsmArgs};
use crate::error::{CliError, ExitKind};

pub(super) fn execute(
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
    let progress = std::io::stderr().is_terminal() && total > 1 && !crate::log::quiet();
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
    });
    // A name lookup that outlived its timeout runs on a blocking thread; do not wait
    // for it on the way out.
    runtime.shutdown_background();
    let subscriptions = subscriptions?;
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
pub(super) fn outcome(report: &Report) -> Result<(), CliError> {
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
            ended_at: None,
            redirects: 0,
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
