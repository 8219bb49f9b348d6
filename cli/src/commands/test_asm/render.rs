//! The text report of `test asm`: the certificate, notes, a summary table with one row
//! per subscription, then the details (services, or cause and fix) of each.

use certtool_core::asm::{SubscriptionReport, Verdict};

use super::report::{Report, Summary};

/// `3 subscriptions: 1 ok, 1 rejected, 1 unreachable`.
pub fn counts(s: &Summary) -> String {
    let mut parts = vec![format!("{} ok", s.ok)];
    for (n, word) in [
        (s.rejected, "rejected"),
        (s.unreachable, "unreachable"),
        (s.error, "error"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {word}"));
        }
    }
    let noun = if s.total == 1 {
        "subscription"
    } else {
        "subscriptions"
    };
    format!("{} {noun}: {}", s.total, parts.join(", "))
}

fn dash(v: Option<&str>) -> String {
    v.unwrap_or("-").to_string()
}

fn row(r: &SubscriptionReport) -> [String; 7] {
    [
        r.subscription_id.clone(),
        r.verdict.as_str().to_string(),
        dash(r.subscription_name.as_deref()),
        dash(r.subscription_status.as_deref()),
        r.hosted_service_count
            .map_or_else(|| "-".into(), |n| n.to_string()),
        format!("{} ms", r.latency_ms),
        dash(r.request_ids.last().map(String::as_str)),
    ]
}

fn table(rows: &[[String; 7]]) -> String {
    let mut widths = [0usize; 7];
    for r in rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for r in rows {
        let mut line = String::new();
        for (i, (cell, w)) in r.iter().zip(widths).enumerate() {
            if i + 1 == r.len() {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<w$}  "));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The whole text report.
pub fn text(report: &Report) -> String {
    let mut out = String::new();
    for c in &report.certificates {
        out.push_str(&format!("certificate: {} ({})\n", c.subject, c.source));
        out.push_str(&format!(
            "  thumbprint {}  {} {} bits  valid until {} ({} days)\n",
            c.thumbprint, c.key_algorithm, c.key_bits, c.not_after, c.days_to_expiry
        ));
    }
    for note in &report.notes {
        out.push_str(&format!("note: {note}\n"));
    }
    out.push('\n');
    let mut rows = vec![[
        "SUBSCRIPTION".to_string(),
        "VERDICT".into(),
        "NAME".into(),
        "STATUS".into(),
        "SERVICES".into(),
        "LATENCY".into(),
        "REQUEST ID".into(),
    ]];
    rows.extend(report.subscriptions.iter().map(row));
    out.push_str(&table(&rows));
    out.push('\n');
    for r in &report.subscriptions {
        out.push_str(&details(r));
    }
    out.push_str(&counts(&report.summary));
    out.push('\n');
    out
}

fn details(r: &SubscriptionReport) -> String {
    let mut out = format!("{} ({}): ", r.subscription_id, r.endpoint);
    let redirected = match (&r.ended_at, r.redirects) {
        (Some(url), n) if n > 0 => format!("  ended at {url} after {n} redirect(s)\n"),
        _ => String::new(),
    };
    match r.verdict {
        Verdict::Ok => {
            let names: Vec<&str> = r.hosted_services.iter().map(|s| s.name.as_str()).collect();
            let n = names.len();
            if n == 0 {
                out.push_str("ok, no hosted services");
            } else {
                out.push_str(&format!(
                    "ok, {n} hosted service{}: {}",
                    if n == 1 { "" } else { "s" },
                    names.join(", ")
                ));
            }
            out.push_str(&format!(" (certificate {})\n", r.thumbprint));
            out.push_str(&redirected);
        }
        verdict => {
            out.push_str(verdict.as_str());
            if let Some(status) = r.http_status {
                out.push_str(&format!(": HTTP {status}"));
            }
            if let Some(e) = &r.error {
                out.push_str(&format!(" {}: {}", e.code, e.message));
            } else if let Some(f) = &r.failure {
                out.push_str(&format!(": {}", f.detail));
            }
            out.push('\n');
            out.push_str(&redirected);
            if let Some(d) = &r.diagnosis {
                out.push_str(&format!("  cause: {}\n  fix: {}\n", d.cause, d.fix));
            }
            if !r.request_ids.is_empty() {
                out.push_str(&format!(
                    "  x-ms-request-id: {}\n",
                    r.request_ids.join(", ")
                ));
            }
        }
    }
    out
}
