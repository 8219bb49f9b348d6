//! What `test arm` found, as plain data: the text renderer (`render.rs`) and
//! `--output json` read it; `outcome.rs` records failures in it and picks the exit. Never
//! a secret or a token: the report holds verdicts, names, IDs, thumbprints, missing
//! actions and support IDs only.

use certtool_core::access::{Registration, TokenStep};
use certtool_core::arm::{Requirement, SubscriptionCheck, Verdict};
use certtool_core::entra::{FederatedClaims, SigningAlg};
use certtool_core::x509::rfc3339;
use serde::Serialize;
use time::OffsetDateTime;

use super::inputs::Plan;
use crate::signin::{CertificateFacts, Credential, FederatedSource};

/// The whole report (`--output json` prints it as is).
#[derive(Serialize)]
pub struct Report {
    pub tenant_id: String,
    pub client_id: String,
    pub cloud: String,
    pub authority_host: String,
    pub arm_endpoint: String,
    pub graph_endpoint: String,
    pub token_scope: String,
    pub local_clock: String,
    pub sources: Vec<SourceLine>,
    pub credential: CredentialReport,
    pub requirements: Vec<Requirement>,
    pub token: TokenStep,
    pub subscriptions: Vec<SubscriptionCheck>,
    /// What Entra ID holds for the app (read over Graph after a good sign-in).
    pub registration: Option<Registration>,
    /// The worst outcome (serialized as `ok`, `permission_missing`, …).
    pub verdict: Verdict,
    pub exit_code: u8,
}

#[derive(Serialize)]
pub struct SourceLine {
    pub what: String,
    pub from: String,
}

#[derive(Serialize)]
pub struct CredentialReport {
    pub kind: &'static str,
    pub source: String,
    pub alg: Option<SigningAlg>,
    pub header: Option<&'static str>,
    pub certificate: Option<CertificateFacts>,
    /// The federated token's public claims (never the token).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub federated: Option<FederatedClaims>,
}

impl Report {
    /// An empty report for `plan`.
    pub fn new(plan: &Plan, now: OffsetDateTime) -> Self {
        let credential = match &plan.identity.credential {
            Credential::Secret(_) => CredentialReport {
                kind: "secret",
                source: plan.identity.credential_source.clone(),
                alg: None,
                header: None,
                certificate: None,
                federated: None,
            },
            Credential::Federated(source) => CredentialReport {
                kind: "federated",
                source: plan.identity.credential_source.clone(),
                alg: None,
                header: None,
                certificate: None,
                federated: match source {
                    FederatedSource::Token(token) => Some(token.claims.clone()),
                    FederatedSource::Request { .. } => None,
                },
            },
            Credential::Certificate(c) => CredentialReport {
                kind: "certificate",
                source: plan.identity.credential_source.clone(),
                alg: Some(plan.identity.alg),
                header: Some(plan.identity.alg.thumbprint_header()),
                certificate: Some(c.facts.clone()),
                federated: None,
            },
        };
        Report {
            tenant_id: plan.identity.tenant.clone(),
            client_id: plan.identity.client_id.clone(),
            cloud: plan.identity.cloud.name.clone(),
            authority_host: plan.identity.cloud.login.clone(),
            arm_endpoint: plan.identity.cloud.arm.clone(),
            graph_endpoint: plan.identity.cloud.graph.clone(),
            token_scope: plan.identity.cloud.arm_scope.clone(),
            local_clock: rfc3339(now),
            sources: plan
                .sources
                .iter()
                .map(|(v, f)| SourceLine {
                    what: v.clone(),
                    from: f.clone(),
                })
                .collect(),
            credential,
            requirements: plan.requirements.clone(),
            token: TokenStep::default(),
            subscriptions: Vec::new(),
            registration: None,
            verdict: Verdict::Ok,
            exit_code: 0,
        }
    }
}
