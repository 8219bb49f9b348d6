//! What Entra ID holds for the app, read over Microsoft Graph after a good sign-in: every
//! registered certificate and secret with its dates and days left, and which one this run
//! used. Reading needs a Graph permission many service principals lack; then the report
//! says which permission would show it, and the run's verdict is unchanged.

use std::fmt::Write;

use certtool_core::graph::{Application, GraphError, GraphRefusal};
use certtool_core::x509::{days_until, rfc3339, validity};
use serde::Serialize;
use time::OffsetDateTime;

use super::inputs::{Credential, Plan};
use crate::args::{Ending, ExpiryArgs};
use crate::error::CliError;

/// The registration as Graph showed it, or why it could not be read.
#[derive(Serialize, Default)]
pub struct RegistrationReport {
    /// The Graph endpoint asked.
    pub endpoint: String,
    /// Whether the application was read.
    pub read: bool,
    pub object_id: Option<String>,
    pub display_name: Option<String>,
    pub certificates: Vec<RegisteredCertificate>,
    pub secrets: Vec<RegisteredSecret>,
    /// Why it was not read (the verdict does not depend on it).
    pub unavailable: Option<Unavailable>,
}

#[derive(Serialize)]
pub struct RegisteredCertificate {
    pub key_id: String,
    /// Upper-case hex, when the registration carries it.
    pub thumbprint_sha1: Option<String>,
    pub display_name: Option<String>,
    pub start: Option<String>,
    pub end: Option<String>,
    pub days_to_expiry: Option<i64>,
    /// This run signed in with it.
    pub in_use: bool,
}

#[derive(Serialize)]
pub struct RegisteredSecret {
    pub key_id: String,
    pub hint: Option<String>,
    pub display_name: Option<String>,
    pub end: Option<String>,
    pub days_to_expiry: Option<i64>,
    /// This run signed in with it (its hint is the only one matching the secret's start).
    pub in_use: bool,
}

#[derive(Serialize)]
pub struct Unavailable {
    /// Graph's code, the token error's code, or the network failure kind.
    pub code: String,
    pub cause: String,
    pub fix: String,
}

impl RegistrationReport {
    /// The application as read.
    pub fn read(endpoint: &str, app: &Application, plan: &Plan, now: OffsetDateTime) -> Self {
        let days = |t: Option<OffsetDateTime>| t.map(|t| days_until(t, now));
        let used_thumbprint = match &plan.credential {
            Credential::Certificate(c) => Some(c.facts.thumbprint_sha1.as_str()),
            Credential::Secret(_) | Credential::Federated(_) => None,
        };
        let certificates = app
            .key_credentials
            .iter()
            .map(|k| {
                let thumbprint = k.thumbprint();
                RegisteredCertificate {
                    key_id: k.key_id.clone(),
                    in_use: thumbprint
                        .as_deref()
                        .zip(used_thumbprint)
                        .is_some_and(|(a, b)| a.eq_ignore_ascii_case(b)),
                    thumbprint_sha1: thumbprint,
                    display_name: k.display_name.clone(),
                    start: k.dates.start().map(rfc3339),
                    end: k.dates.end().map(rfc3339),
                    days_to_expiry: days(k.dates.end()),
                }
            })
            .collect();
        let matches_secret = |hint: &Option<String>| match (&plan.credential, hint) {
            (Credential::Secret(s), Some(h)) => !h.is_empty() && s.expose().starts_with(h.as_str()),
            _ => false,
        };
        let matching = app
            .password_credentials
            .iter()
            .filter(|p| matches_secret(&p.hint))
            .count();
        let secrets = app
            .password_credentials
            .iter()
            .map(|p| RegisteredSecret {
                key_id: p.key_id.clone(),
                in_use: matching == 1 && matches_secret(&p.hint),
                hint: p.hint.clone(),
                display_name: p.display_name.clone(),
                end: p.dates.end().map(rfc3339),
                days_to_expiry: days(p.dates.end()),
            })
            .collect();
        RegistrationReport {
            endpoint: endpoint.to_string(),
            read: true,
            object_id: Some(app.id.clone()),
            display_name: app.display_name.clone(),
            certificates,
            secrets,
            unavailable: None,
        }
    }

    /// Graph refused or failed.
    pub fn graph_failed(endpoint: &str, error: &GraphError) -> Self {
        let unavailable = match error {
            GraphError::Api(fault) if fault.refusal() == GraphRefusal::PermissionDenied => Unavailable {
                code: fault.code.clone(),
                cause: "the app may not read its own registration over Microsoft Graph".into(),
                fix: "to list its certificates and secrets here, grant the application permission Application.Read.All (admin consent) to the app".into(),
            },
            GraphError::Api(fault) | GraphError::Service { fault, .. } => Unavailable {
                code: fault.code.clone(),
                cause: format!("Graph answered {} {}: {}", fault.status, fault.code, fault.message),
                fix: "check --graph-endpoint / --cloud; the sign-in check is unaffected".into(),
            },
            GraphError::Network { failure, .. } => {
                let (cause, fix) = failure.explain(endpoint);
                Unavailable {
                    code: format!("{:?}", failure.kind).to_ascii_lowercase(),
                    cause,
                    fix,
                }
            }
            GraphError::Malformed(detail) => Unavailable {
                code: "malformed".into(),
                cause: detail.clone(),
                fix: "check --graph-endpoint".into(),
            },
        };
        Self::unavailable(endpoint, unavailable)
    }

    /// No Graph token.
    pub fn unavailable(endpoint: &str, why: Unavailable) -> Self {
        RegistrationReport {
            endpoint: endpoint.to_string(),
            unavailable: Some(why),
            ..Default::default()
        }
    }

    /// The registered end of the credential in use, when known.
    fn in_use_end(&self) -> Option<(String, i64)> {
        let certificate = self.certificates.iter().find(|c| c.in_use);
        let secret = self.secrets.iter().find(|s| s.in_use);
        certificate
            .and_then(|c| c.end.clone().zip(c.days_to_expiry))
            .or_else(|| secret.and_then(|s| s.end.clone().zip(s.days_to_expiry)))
    }
}

/// `--fail-within-days`: the local certificate's notAfter and the registered end of the
/// credential in use, whichever comes first.
pub fn expiry_gate(
    plan: &Plan,
    registration: Option<&RegistrationReport>,
    expiry: &ExpiryArgs,
    now: OffsetDateTime,
) -> Option<CliError> {
    let mut ends: Vec<(String, String, i64)> = Vec::new();
    if let Credential::Certificate(c) = &plan.credential {
        let end = c.leaf.to_der().ok().and_then(|der| validity(&der).ok());
        if let Some((_, end)) = end {
            ends.push(("the certificate".into(), rfc3339(end), days_until(end, now)));
        }
    }
    if let Some((end, left)) = registration.and_then(RegistrationReport::in_use_end) {
        ends.push(("its registration in Entra ID".into(), end, left));
    }
    let endings = ends.into_iter().map(|(what, not_after, days_left)| Ending {
        what: format!("the credential in use: {what}"),
        not_after,
        days_left,
    });
    expiry.gate(
        endings,
        None,
        "roll it before then: `certtool rotate arm`, or add a new certificate or secret and update the pipelines that use it",
    )
}

/// The registration section of the text report.
pub fn render(out: &mut String, r: &RegistrationReport) {
    if let Some(why) = &r.unavailable {
        let _ = writeln!(
            out,
            "[note] registration: not read over Graph ({}): {}",
            why.code, why.cause
        );
        let _ = writeln!(out, "         fix: {}", why.fix);
        return;
    }
    let _ = writeln!(
        out,
        "[ok]   registration: \"{}\" (object id {}): {} certificate(s), {} secret(s)",
        r.display_name.as_deref().unwrap_or("-"),
        r.object_id.as_deref().unwrap_or("-"),
        r.certificates.len(),
        r.secrets.len()
    );
    let left = |d: Option<i64>| d.map_or("-".to_string(), |d| format!("{d} days left"));
    for c in &r.certificates {
        let _ = writeln!(
            out,
            "         certificate {} {} → {} ({}){}",
            c.thumbprint_sha1.as_deref().unwrap_or(&c.key_id),
            c.start.as_deref().unwrap_or("?"),
            c.end.as_deref().unwrap_or("?"),
            left(c.days_to_expiry),
            if c.in_use { " ← this run" } else { "" }
        );
    }
    for s in &r.secrets {
        let _ = writeln!(
            out,
            "         secret {}… ends {} ({}){}",
            s.hint.as_deref().unwrap_or("?"),
            s.end.as_deref().unwrap_or("never"),
            left(s.days_to_expiry),
            if s.in_use { " ← this run" } else { "" }
        );
    }
}
