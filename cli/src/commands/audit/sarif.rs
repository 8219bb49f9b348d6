//! SARIF 2.1.0 for GitHub code scanning: one result per finding under stable rule ids,
//! `partialFingerprints` from the app id and the key id (so that an alert is the same
//! alert on the next night's run), repository-relative locations
//! (`entra/applications/<appId>`: GitHub refuses a URL there) and the portal link as a
//! property. A partial view is an unsuccessful invocation with one notification per gap.

use certtool_core::audit::{Finding, Rule};
use serde_json::{json, Value};

use super::report::{location, Report};

/// The documentation of the rules.
const HELP_URI: &str = "https://github.com/certtool/certtool/blob/main/docs/audit.md";

fn level(rule: Rule) -> &'static str {
    match rule {
        Rule::CredentialExpired => "error",
        Rule::CredentialExpiring | Rule::NoOwner => "warning",
        Rule::SecretNotCert => "note",
    }
}

/// Rule ids as GitHub shows them in words.
fn name(rule: Rule) -> &'static str {
    match rule {
        Rule::CredentialExpired => "CredentialExpired",
        Rule::CredentialExpiring => "CredentialExpiring",
        Rule::SecretNotCert => "SecretNotCert",
        Rule::NoOwner => "NoOwner",
    }
}

fn rule(rule: Rule) -> Value {
    json!({
        "id": rule.as_str(),
        "name": name(rule),
        "shortDescription": { "text": rule.summary() },
        "fullDescription": { "text": format!("{}. Fix: {}.", rule.summary(), rule.fix()) },
        "help": { "text": format!("Fix: {}.", rule.fix()) },
        "helpUri": format!("{HELP_URI}#{}", rule.as_str()),
        "defaultConfiguration": { "level": level(rule) },
        "properties": { "tags": ["security", "credentials", "entra-id"] },
    })
}

fn result(r: &Report, f: &Finding) -> Value {
    let index = Rule::ALL.iter().position(|x| *x == f.rule).unwrap_or(0);
    let subject = f
        .key_id
        .clone()
        .unwrap_or_else(|| format!("{}/{}", f.object_type, f.rule));
    json!({
        "ruleId": f.rule.as_str(),
        "ruleIndex": index,
        "level": level(f.rule),
        "message": { "text": format!("{} ({}): {}", if f.display_name.is_empty() { "?" } else { &f.display_name }, f.app_id, f.message) },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": { "uri": location(f.object_type, &f.app_id) },
                "region": { "startLine": 1 }
            },
            "logicalLocations": [{ "name": f.display_name, "fullyQualifiedName": format!("{}/{}", f.object_type, f.object_id), "kind": "object" }]
        }],
        "partialFingerprints": { "certtoolCredential/v1": format!("{}/{}", f.app_id, subject) },
        "properties": {
            "portal": r.portal_link(f.object_type, &f.object_id, &f.app_id),
            "app_id": f.app_id,
            "object_id": f.object_id,
            "object_type": f.object_type,
            "key_id": f.key_id,
        }
    })
}

/// The report as a SARIF log.
pub fn render(r: &Report) -> Value {
    let mut notifications: Vec<Value> = r
        .gaps
        .iter()
        .map(|g| json!({ "level": "error", "message": { "text": format!("{}: {} (fix: {})", g.what, g.cause, g.fix) } }))
        .collect();
    if let Some(e) = &r.sign_in.error {
        notifications.push(json!({ "level": "error", "message": { "text": format!("{} (cause: {}; fix: {})", e.headline(), e.cause, e.fix) } }));
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "certtool",
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "informationUri": HELP_URI,
                "rules": Rule::ALL.iter().map(|x| rule(*x)).collect::<Vec<_>>(),
            }},
            "automationDetails": { "id": format!("certtool-audit/{}/", r.tenant_id) },
            "invocations": [{
                "executionSuccessful": r.complete,
                "exitCode": r.exit_code,
                "toolExecutionNotifications": notifications,
            }],
            "results": r.findings.iter().map(|f| result(r, f)).collect::<Vec<_>>(),
            "properties": {
                "tenant_id": r.tenant_id,
                "complete": r.complete,
                "window_days": r.window_days,
                "counts": r.counts,
            }
        }]
    })
}
