//! The text form of the audit: a table of every credential, the gated ones worst first,
//! then the excluded ones; the findings that are not about one credential; what could
//! not be read; and one summary line.

use std::fmt::Write;

use certtool_core::audit::{AuditedCredential, Rule};

use super::report::Report;
use crate::signin::explanation;

fn object(c: &AuditedCredential) -> &'static str {
    match c.object_type {
        certtool_core::audit::ObjectType::Application => "app",
        certtool_core::audit::ObjectType::ServicePrincipal => "sp",
    }
}

fn row(out: &mut String, c: &AuditedCredential, status: &str) {
    let days = c.days_left.map_or("-".to_owned(), |d| d.to_string());
    let kind = match (c.kind, c.paired_key_id.is_some()) {
        (certtool_core::audit::Kind::Certificate, true) => "saml-cert",
        (certtool_core::audit::Kind::Certificate, false) => "certificate",
        (certtool_core::audit::Kind::Secret, _) => "secret",
    };
    let _ = writeln!(
        out,
        "{days:>6}  {status:<9} {kind:<11} {:<20} {:<3} {:<36} {:<36} {}",
        c.end.as_deref().unwrap_or("never"),
        object(c),
        c.app_id,
        c.key_id,
        c.display_name
    );
}

/// The one-line summary (also printed on stderr when the report goes to a file).
pub fn summary(r: &Report) -> String {
    let c = r.counts;
    let mut line = format!(
        "audit: {} credential(s) in {} application(s) and {} service principal(s): {} expired, {} expiring within {} days, {} ok, {} excluded",
        c.credentials,
        c.applications,
        c.service_principals,
        c.expired,
        c.expiring,
        r.window_days,
        c.ok,
        c.excluded
    );
    if c.foreign_skipped + c.managed_identities_skipped > 0 {
        let _ = write!(
            line,
            "; skipped {} foreign service principal(s), {} managed identit{}",
            c.foreign_skipped,
            c.managed_identities_skipped,
            if c.managed_identities_skipped == 1 {
                "y"
            } else {
                "ies"
            }
        );
    }
    line.push_str(if r.complete {
        "; complete"
    } else {
        "; INCOMPLETE"
    });
    line
}

/// The report as text.
pub fn render(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "tenant {}, client {}, Graph {}",
        r.tenant_id, r.client_id, r.graph_endpoint
    );
    if let Some(e) = &r.sign_in.error {
        let _ = writeln!(out, "[FAIL] token: {} from {}", e.label(), r.sign_in.url);
        explanation(&mut out, e);
        return out;
    }
    let _ = writeln!(
        out,
        "\n{:>6}  {:<9} {:<11} {:<20} {:<3} {:<36} {:<36} NAME",
        "DAYS", "STATUS", "KIND", "END", "OBJ", "APP ID", "KEY ID"
    );
    for c in r.credentials.iter().filter(|c| c.gated()) {
        row(&mut out, c, c.status.as_str());
    }
    let excluded: Vec<&AuditedCredential> = r.credentials.iter().filter(|c| !c.gated()).collect();
    if !excluded.is_empty() {
        let _ = writeln!(out, "\nexcluded (listed, never gated):");
        for c in excluded {
            row(&mut out, c, "excluded");
            if let Some(why) = &c.excluded_reason {
                let _ = writeln!(out, "{:>8}{why}", "");
            }
        }
    }
    let others: Vec<_> = r
        .findings
        .iter()
        .filter(|f| matches!(f.rule, Rule::SecretNotCert | Rule::NoOwner))
        .collect();
    if !others.is_empty() {
        let _ = writeln!(out, "\nfindings:");
        for f in others {
            let _ = writeln!(
                out,
                "  {:<15} {} {} ({}): {}",
                f.rule.as_str(),
                f.object_type,
                f.display_name,
                f.app_id,
                f.message
            );
        }
    }
    for gap in r.gaps {
        let _ = writeln!(out, "\n[INCOMPLETE] {}: {}", gap.what, gap.cause);
        let _ = writeln!(out, "         fix: {}", gap.fix);
    }
    let counts: Vec<String> = Rule::ALL
        .iter()
        .map(|rule| {
            format!(
                "{} {}",
                r.counts.findings.get(rule.as_str()).copied().unwrap_or(0),
                rule.as_str()
            )
        })
        .collect();
    let _ = writeln!(out, "\nfindings: {}", counts.join(", "));
    let _ = writeln!(out, "{}", summary(r));
    out
}
