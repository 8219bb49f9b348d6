//! Every credential of a tenant, the flow behind `certtool audit` (`docs/audit.md`):
//! one app-only Graph token → every application, page by page → every service principal
//! → optionally the owners of the applications (`$batch`) → the credentials sorted worst
//! first, with findings and counts.
//!
//! Pages are turned into [`AuditedCredential`]s as they arrive and dropped, so memory
//! holds one page and the credentials the report keeps, whatever the tenant's size.
//!
//! An audit never reads a partial view as clean: a listing refused, throttled past the
//! budget, or cut short by a failed page is recorded as a [`Gap`], and
//! [`Audit::complete`] is false. The caller decides what that means (certtool: exit 9,
//! which wins over the expiry gate's 8). Nothing here prints, reads the environment or
//! exits.

mod findings;
mod owners;
mod rules;

use std::collections::BTreeMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Serialize;

use crate::access::TokenStep;
use crate::entra::SignIn;
use crate::error::{Error, Result};
use crate::graph::{GraphClient, Listing, PartialReason, ThrottlePolicy};
use crate::http::RetryPolicy;
use crate::ids::is_guid;

pub use findings::{Finding, Rule};
pub use owners::OwnersCheck;
pub use rules::{AuditedCredential, Judge, Kind, ObjectType, Status, APP_PROXY_SECRET};

/// What [`audit`] needs besides the sign-in.
pub struct AuditRequest<'a> {
    /// The HTTP client (the sign-in's).
    pub http: &'a reqwest::Client,
    /// Retries of each request.
    pub policy: &'a RetryPolicy,
    /// Graph base URL.
    pub graph: &'a str,
    /// Graph token scope.
    pub graph_scope: &'a str,
    /// The tenant as given (a GUID, or a domain: then the token's `tid` names it).
    pub tenant: &'a str,
    /// Days ahead that count as expiring.
    pub window_days: u32,
    /// List other tenants' service principals too.
    pub include_foreign: bool,
    /// Ask for the owners of every application holding a credential.
    pub owners: bool,
    /// How patient to be with a throttling Graph (each listing and batch has its budget).
    pub throttle: ThrottlePolicy,
}

/// A part of the tenant the audit could not see.
#[derive(Debug, Clone, Serialize)]
pub struct Gap {
    /// `applications`, `service principals` or `owners`.
    pub what: &'static str,
    /// `throttled`, `denied`, `refused`, `service`, `network`, `malformed` or `not_read`.
    pub reason: String,
    /// What happened.
    pub cause: String,
    /// What to do.
    pub fix: String,
}

/// The counts a summary line and a script read.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Counts {
    /// Applications listed.
    pub applications: u64,
    /// Service principals listed (skipped ones included).
    pub service_principals: u64,
    /// Credentials listed (excluded ones included).
    pub credentials: u64,
    /// Expired, gated.
    pub expired: u64,
    /// Expiring within the window, gated.
    pub expiring: u64,
    /// Ending after the window (or never), gated.
    pub ok: u64,
    /// Listed but excluded by a rule.
    pub excluded: u64,
    /// Other tenants' service principals not audited.
    pub foreign_skipped: u64,
    /// Managed identities not audited.
    pub managed_identities_skipped: u64,
    /// Findings by rule id.
    pub findings: BTreeMap<&'static str, u64>,
}

/// What [`audit`] found.
#[derive(Debug, Serialize)]
pub struct Audit {
    /// The tenant's GUID, once known.
    pub tenant_id: Option<String>,
    /// Days ahead that count as expiring.
    pub window_days: u32,
    /// The Graph sign-in.
    pub token: TokenStep,
    /// How the application listing ended (`None`: not started).
    pub applications: Option<Listing>,
    /// How the service principal listing ended.
    pub service_principals: Option<Listing>,
    /// The owners check, when asked for and started.
    pub owners: Option<OwnersCheck>,
    /// What could not be seen; empty when the view is complete.
    pub gaps: Vec<Gap>,
    /// The counts.
    pub counts: Counts,
    /// Every credential, the gated ones first, each part sorted by days left, worst first.
    pub credentials: Vec<AuditedCredential>,
    /// The findings, credential rules first.
    pub findings: Vec<Finding>,
}

impl Audit {
    /// True when the sign-in worked and every listing (and the owners check) was read
    /// to its end.
    pub fn complete(&self) -> bool {
        self.token.ok && self.gaps.is_empty()
    }

    /// True when Graph refused the very first page of applications: the credential may
    /// not list applications at all.
    pub fn applications_denied(&self) -> bool {
        self.applications
            .as_ref()
            .is_some_and(|l| l.pages == 0 && matches!(l.partial, Some(PartialReason::Denied(_))))
    }

    /// The gated credentials that end within the window (or have ended).
    pub fn ending(&self) -> impl Iterator<Item = &AuditedCredential> {
        self.credentials
            .iter()
            .filter(|c| c.gated() && c.status != Status::Ok)
    }
}

/// The `tid` claim of a JWT access token, when it is one.
fn token_tenant(token: &str) -> Option<String> {
    let payload = token.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    claims
        .get("tid")?
        .as_str()
        .filter(|t| is_guid(t))
        .map(str::to_ascii_lowercase)
}

fn gap(what: &'static str, reason: &PartialReason) -> Gap {
    let (cause, fix) = reason.explain(what);
    let kind = serde_json::to_value(reason)
        .ok()
        .and_then(|v| v.get("kind").and_then(|k| k.as_str()).map(str::to_owned))
        .unwrap_or_default();
    Gap {
        what,
        reason: kind,
        cause,
        fix,
    }
}

/// Runs the audit. `Err` only offline (an assertion that cannot be signed, a tenant that
/// is neither a GUID nor named by the token); everything Entra ID and Graph answered is
/// in the [`Audit`].
pub async fn audit(signin: &SignIn<'_>, request: &AuditRequest<'_>) -> Result<Audit> {
    let judge = Judge {
        now: signin.now(),
        window_days: request.window_days,
    };
    let mut audit = Audit {
        tenant_id: None,
        window_days: request.window_days,
        token: TokenStep {
            url: signin.token_url().to_owned(),
            ..TokenStep::default()
        },
        applications: None,
        service_principals: None,
        owners: None,
        gaps: Vec::new(),
        counts: Counts::default(),
        credentials: Vec::new(),
        findings: Vec::new(),
    };
    let token = match signin.token(request.graph_scope).await? {
        Ok(token) => token,
        Err(error) => {
            audit.token.error = Some(signin.explain(&error));
            return Ok(audit);
        }
    };
    audit.token.ok = true;
    audit.token.expires_in = Some(token.expires_in);
    let tenant_id = if is_guid(request.tenant) {
        request.tenant.to_ascii_lowercase()
    } else {
        token_tenant(token.expose()).ok_or_else(|| {
            Error::InvalidArgument(format!(
                "the tenant {:?} is not a GUID and the token does not name one: pass --tenant as the directory (tenant) ID",
                request.tenant
            ))
        })?
    };
    audit.tenant_id = Some(tenant_id.clone());
    let graph = GraphClient::new(
        request.http.clone(),
        request.graph,
        token,
        request.policy.clone(),
    )
    .with_throttle(request.throttle.clone());

    let mut credentials = Vec::new();
    let listing = graph
        .list_applications()
        .for_each_page(|page| {
            audit.counts.applications += page.len() as u64;
            for app in &page {
                rules::application(&judge, app, &mut credentials);
            }
        })
        .await;
    if let Some(reason) = &listing.partial {
        audit.gaps.push(gap("applications", reason));
    }
    let denied = listing.pages == 0 && matches!(listing.partial, Some(PartialReason::Denied(_)));
    audit.applications = Some(listing);
    if !denied {
        let counts = &mut audit.counts;
        let listing = graph
            .list_service_principals()
            .for_each_page(|page| {
                counts.service_principals += page.len() as u64;
                for sp in &page {
                    match rules::service_principal(
                        &judge,
                        sp,
                        &tenant_id,
                        request.include_foreign,
                        &mut credentials,
                    ) {
                        rules::Verdict::Listed => {}
                        rules::Verdict::Foreign => counts.foreign_skipped += 1,
                        rules::Verdict::ManagedIdentity => counts.managed_identities_skipped += 1,
                    }
                }
            })
            .await;
        if let Some(reason) = &listing.partial {
            audit.gaps.push(gap("service principals", reason));
        }
        audit.service_principals = Some(listing);
    }
    sort(&mut credentials);
    let owners = if request.owners && !denied {
        Some(check_owners(&graph, &credentials, &mut audit).await)
    } else {
        None
    };
    audit.findings = findings::of(
        &credentials,
        request.window_days,
        owners.unwrap_or_default(),
    );
    audit.counts.credentials = credentials.len() as u64;
    for c in &credentials {
        let n = match (c.excluded, c.status) {
            (true, _) => &mut audit.counts.excluded,
            (false, Status::Expired) => &mut audit.counts.expired,
            (false, Status::Expiring) => &mut audit.counts.expiring,
            (false, Status::Ok) => &mut audit.counts.ok,
        };
        *n += 1;
    }
    for rule in Rule::ALL {
        let n = audit.findings.iter().filter(|f| f.rule == rule).count();
        audit.counts.findings.insert(rule.as_str(), n as u64);
    }
    audit.credentials = credentials;
    Ok(audit)
}

/// Gated first; then by days left (never-ending last), worst first; then by name and
/// key id so that the order is the same on every run.
fn sort(credentials: &mut [AuditedCredential]) {
    fn key(c: &AuditedCredential) -> (bool, bool, Option<i64>, &str, &str, &str) {
        (
            c.excluded,
            c.days_left.is_none(),
            c.days_left,
            &c.display_name,
            &c.app_id,
            &c.key_id,
        )
    }
    // The (stable) sort moves small indices, not the rows; then the rows are put in
    // place, each cycle of the permutation followed once, without a second row array.
    let mut order: Vec<usize> = (0..credentials.len()).collect();
    order.sort_by(|&a, &b| key(&credentials[a]).cmp(&key(&credentials[b])));
    for start in 0..order.len() {
        // Position `k` takes the row first at `order[k]`; the row first at `start`
        // travels along the cycle until it reaches the position that wants it.
        let mut k = start;
        while order[k] != start {
            let from = order[k];
            credentials.swap(k, from);
            order[k] = k;
            k = from;
        }
        order[k] = k;
    }
}

/// Asks for the owners of every application holding a gated credential; returns the
/// indices (into `credentials`) of one credential of each application without one.
async fn check_owners(
    graph: &GraphClient,
    credentials: &[AuditedCredential],
    audit: &mut Audit,
) -> Vec<usize> {
    let mut seen = std::collections::HashSet::new();
    let apps: Vec<usize> = (0..credentials.len())
        .filter(|&i| {
            let c = &credentials[i];
            c.gated() && c.object_type == ObjectType::Application && seen.insert(&*c.object_id)
        })
        .collect();
    let ids: Vec<&str> = apps.iter().map(|&i| &*credentials[i].object_id).collect();
    let (none, check) = owners::without_owner(graph, &ids).await;
    if check.unknown > 0 {
        audit.gaps.push(Gap {
            what: "owners",
            reason: "unread".into(),
            cause: format!(
                "the owners of {} of {} application(s) could not be read (last: {})",
                check.unknown,
                check.checked,
                check.last_problem.as_deref().unwrap_or("?")
            ),
            fix: "run it again later; owners need Application.Read.All like the listings".into(),
        });
    }
    audit.owners = Some(check);
    none.into_iter().map(|n| apps[n]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tenant_comes_from_a_jwt_tid_claim() {
        let claims =
            URL_SAFE_NO_PAD.encode(br#"{"tid":"11111111-1111-1111-1111-11111111111A","aud":"x"}"#);
        assert_eq!(
            token_tenant(&format!("e30.{claims}.sig")).as_deref(),
            Some("11111111-1111-1111-1111-11111111111a")
        );
        assert_eq!(token_tenant("standin.opaque"), None);
        let bad = URL_SAFE_NO_PAD.encode(br#"{"tid":"contoso.com"}"#);
        assert_eq!(token_tenant(&format!("e30.{bad}.sig")), None);
    }
}
