//! The text form of the `test arm` report: one line per step, `cause:`/`fix:` lines under
//! a failed step, support IDs, then a summary table of the subscriptions.

use std::fmt::Write;

use certtool_core::arm::{Problem, SubscriptionCheck, Verdict};

use super::report::Report;
use crate::signin::{explanation, ids};

fn mark(ok: bool) -> &'static str {
    if ok {
        "[ok]  "
    } else {
        "[FAIL]"
    }
}

fn problem(out: &mut String, p: &Problem) {
    let status = p.status.map(|s| format!("{s} ")).unwrap_or_default();
    let _ = writeln!(
        out,
        "  [FAIL] {}: {status}{} at {}",
        p.step, p.code, p.scope
    );
    if !p.message.is_empty() {
        let _ = writeln!(out, "         ARM said: {}", p.message);
    }
    let _ = writeln!(out, "         cause: {}", p.cause);
    let _ = writeln!(out, "         fix: {}", p.fix);
    ids(
        out,
        &[
            ("request ID", &p.request_id),
            ("correlation ID", &p.correlation_id),
        ],
    );
}

/// Which requirements list `action`, for the "missing" lines.
fn required_by(r: &Report, action: &str) -> String {
    let by: Vec<&str> = r
        .requirements
        .iter()
        .filter(|q| {
            q.actions
                .iter()
                .chain(&q.data_actions)
                .any(|a| a.eq_ignore_ascii_case(action))
        })
        .map(|q| q.source.as_str())
        .collect();
    if by.is_empty() {
        String::new()
    } else {
        format!(" (required by {})", by.join(", "))
    }
}

fn subscription(out: &mut String, r: &Report, c: &SubscriptionCheck) {
    let required = !r.requirements.is_empty();
    let _ = writeln!(out, "subscription {}", c.subscription_id);
    if let Some(name) = &c.display_name {
        let _ = writeln!(
            out,
            "  [ok]   subscription: \"{name}\", state {}, tenant {}",
            c.state.as_deref().unwrap_or("?"),
            c.tenant_id.as_deref().unwrap_or("?")
        );
        if c.state.as_deref().is_some_and(|s| s != "Enabled") {
            let _ = writeln!(out, "         note: the subscription is not Enabled");
        }
    }
    for p in &c.problems {
        problem(out, p);
    }
    if let (Some(scope), Some(n)) = (&c.permissions_scope, c.permission_entries) {
        let _ = writeln!(
            out,
            "  [ok]   permissions at {scope}: {n} role assignment(s)"
        );
    }
    match &c.missing_actions {
        Some(m) if m.is_empty() => {
            let _ = writeln!(out, "  [ok]   required actions: all granted");
        }
        Some(m) => {
            let _ = writeln!(out, "  [FAIL] required actions: {} missing", m.len());
            for a in m {
                let _ = writeln!(out, "         missing: {a}{}", required_by(r, a));
            }
        }
        None if required && c.verdict != Verdict::Unreachable => {
            let _ = writeln!(
                out,
                "  [FAIL] required actions: not evaluated (permissions unreadable)"
            );
        }
        None => {}
    }
}

/// The report as text.
pub fn render(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "tenant {}, client {}, cloud {}",
        r.tenant_id, r.client_id, r.cloud
    );
    match &r.credential.certificate {
        Some(c) => {
            let _ = writeln!(
                out,
                "credential: certificate {} ({} with {}), expires {}",
                c.subject,
                r.credential.alg.map_or("", |a| a.jose_name()),
                r.credential.header.unwrap_or(""),
                c.not_after
            );
            let _ = writeln!(out, "  thumbprint SHA-1:   {}", c.thumbprint_sha1);
            let _ = writeln!(out, "  thumbprint SHA-256: {}", c.thumbprint_sha256);
        }
        None => match &r.credential.federated {
            Some(f) => {
                let _ = writeln!(out, "credential: federated token ({})", f.describe());
            }
            None => {
                let _ = writeln!(out, "credential: client secret");
            }
        },
    }
    for req in &r.requirements {
        let _ = writeln!(
            out,
            "required: {} ({} action(s))",
            req.source,
            req.actions.len() + req.data_actions.len()
        );
    }
    let t = &r.token;
    match &t.error {
        None => {
            let _ = writeln!(
                out,
                "{} token: issued by {} (expires in {} s)",
                mark(true),
                t.url,
                t.expires_in.unwrap_or(0)
            );
        }
        Some(e) => {
            let _ = writeln!(out, "{} token: {} from {}", mark(false), e.label(), t.url);
            explanation(&mut out, e);
            return out;
        }
    }
    if let Some(registration) = &r.registration {
        super::registration::render(&mut out, registration);
    }
    for c in &r.subscriptions {
        subscription(&mut out, r, c);
    }
    let _ = writeln!(
        out,
        "\n{:<38} {:<24} {:<9} {:<18} MISSING",
        "SUBSCRIPTION", "NAME", "STATE", "VERDICT"
    );
    for c in &r.subscriptions {
        let verdict = serde_json::to_value(c.verdict)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let missing = c.missing_actions.as_ref().map_or(0, Vec::len);
        let _ = writeln!(
            out,
            "{:<38} {:<24} {:<9} {:<18} {missing}",
            c.subscription_id,
            c.display_name.as_deref().unwrap_or("-"),
            c.state.as_deref().unwrap_or("-"),
            verdict
        );
    }
    out
}
