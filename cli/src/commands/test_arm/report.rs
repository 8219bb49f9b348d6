//! What `test arm` found, as plain data (the text renderer and `--output json` read it),
//! and the error (exit code, cause, fix) it ends with. Never a secret or a token: the
//! report holds verdicts, names, IDs, thumbprints, missing actions and support IDs only.

use certtool_core::aad::{AccessToken, SigningAlg, TokenError};
use certtool_core::arm::{Requirement, SubscriptionCheck, Verdict};
use certtool_core::ids::is_guid;
use certtool_core::inspect::rfc3339;
use serde::Serialize;
use time::OffsetDateTime;

use super::inputs::{CertificateFacts, Credential, Plan};
use crate::error::{CliError, ExitKind};

/// The whole report (`--output json` prints it as is).
#[derive(Serialize)]
pub struct Report {
    pub tenant_id: String,
    pub client_id: String,
    pub cloud: String,
    pub authority_host: String,
    pub arm_endpoint: String,
    pub token_scope: String,
    pub local_clock: String,
    pub sources: Vec<SourceLine>,
    pub credential: CredentialReport,
    pub requirements: Vec<Requirement>,
    pub token: TokenReport,
    pub subscriptions: Vec<SubscriptionCheck>,
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
}

/// The token step.
#[derive(Serialize, Default)]
pub struct TokenReport {
    /// The token URL called.
    pub url: String,
    pub ok: bool,
    pub expires_in: Option<u64>,
    pub error: Option<TokenFailure>,
}

#[derive(Serialize)]
pub struct TokenFailure {
    pub kind: &'static str,
    pub status: Option<u16>,
    pub code: Option<String>,
    pub error_codes: Vec<u32>,
    pub description: String,
    pub cause: String,
    pub fix: String,
    pub trace_id: Option<String>,
    pub correlation_id: Option<String>,
    pub timestamp: Option<String>,
    pub attempts: Option<u32>,
}

impl TokenReport {
    /// A token was issued.
    pub fn issued(url: &str, token: &AccessToken) -> Self {
        TokenReport {
            url: url.to_string(),
            ok: true,
            expires_in: Some(token.expires_in),
            error: None,
        }
    }
}

impl Report {
    /// An empty report for `plan`.
    pub fn new(plan: &Plan, now: OffsetDateTime) -> Self {
        let credential = match &plan.credential {
            Credential::Secret(_) => CredentialReport {
                kind: "secret",
                source: plan.credential_source.clone(),
                alg: None,
                header: None,
                certificate: None,
            },
            Credential::Certificate(c) => CredentialReport {
                kind: "certificate",
                source: plan.credential_source.clone(),
                alg: Some(plan.alg),
                header: Some(match plan.alg {
                    SigningAlg::Ps256 => "x5t#S256",
                    SigningAlg::Rs256 => "x5t",
                }),
                certificate: Some(c.facts.clone()),
            },
        };
        Report {
            tenant_id: plan.tenant.clone(),
            client_id: plan.client_id.clone(),
            cloud: plan.cloud.name.clone(),
            authority_host: plan.cloud.login.clone(),
            arm_endpoint: plan.cloud.arm.clone(),
            token_scope: plan.cloud.arm_scope.clone(),
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
            token: TokenReport::default(),
            subscriptions: Vec::new(),
            verdict: Verdict::Ok,
            exit_code: 0,
        }
    }

    /// Records a failed token request and returns the error to end with.
    pub fn token_failed(
        &mut self,
        plan: &Plan,
        url: &str,
        err: TokenError,
        now: OffsetDateTime,
    ) -> CliError {
        let (failure, error) = match err {
            TokenError::Rejected(aad) => {
                let code = aad.code_label();
                let (mut cause, mut fix) = match aad.diagnosis() {
                    Some(d) => (d.cause, d.fix),
                    None => (
                        format!("Entra ID refused the request: {}", aad.description),
                        "see Entra ID's message; give the trace and correlation IDs to support"
                            .into(),
                    ),
                };
                if aad.has_code(700027) {
                    if let Credential::Certificate(c) = &plan.credential {
                        cause = format!(
                            "{cause}; certtool sent the certificate with SHA-1 thumbprint {} and SHA-256 {} (header {})",
                            c.facts.thumbprint_sha1,
                            c.facts.thumbprint_sha256,
                            self.credential.header.unwrap_or("x5t#S256")
                        );
                        fix = format!("{fix}; or try --alg rs256 if the app expects the SHA-1 x5t");
                    }
                }
                if aad.has_code(700024) || aad.has_code(1000502) {
                    cause = format!("{cause}; local clock: {}", rfc3339(now));
                    fix = format!("{fix}; check that NTP keeps this machine's time");
                }
                if aad.has_code(7000215) {
                    if let Credential::Secret(s) = &plan.credential {
                        if is_guid(s.expose().trim()) {
                            cause = format!("{cause}; the value given has the shape of a GUID, as a Secret ID has");
                        } else if std::path::Path::new(s.expose().trim()).is_file() {
                            cause = format!("{cause}; the value given is the path of a file — a certificate goes with --cert");
                        }
                    }
                }
                let message = format!("Entra ID rejected the sign-in with {code} ({url})");
                let error = CliError::new(ExitKind::Rejected, message)
                    .cause(&cause)
                    .fix(&fix);
                let failure = TokenFailure {
                    kind: "rejected",
                    status: Some(aad.status),
                    code: Some(code),
                    error_codes: aad.error_codes.clone(),
                    description: aad.description.clone(),
                    cause,
                    fix,
                    trace_id: aad.trace_id.clone(),
                    correlation_id: aad.correlation_id.clone(),
                    timestamp: aad.timestamp.clone(),
                    attempts: None,
                };
                (failure, error)
            }
            TokenError::Service {
                status,
                aad,
                attempts,
            } => {
                let cause = format!(
                    "the token endpoint answered HTTP {status} after {attempts} attempt(s)"
                );
                let fix =
                    "try again later; certtool already retried, honouring Retry-After".to_string();
                let error = CliError::new(
                    ExitKind::Network,
                    format!("Entra ID did not issue a token ({url})"),
                )
                .cause(&cause)
                .fix(&fix);
                let failure = TokenFailure {
                    kind: "service",
                    status: Some(status),
                    code: aad.as_ref().map(|a| a.code_label()),
                    error_codes: aad
                        .as_ref()
                        .map(|a| a.error_codes.clone())
                        .unwrap_or_default(),
                    description: aad
                        .as_ref()
                        .map(|a| a.description.clone())
                        .unwrap_or_default(),
                    cause,
                    fix,
                    trace_id: aad.as_ref().and_then(|a| a.trace_id.clone()),
                    correlation_id: aad.as_ref().and_then(|a| a.correlation_id.clone()),
                    timestamp: aad.as_ref().and_then(|a| a.timestamp.clone()),
                    attempts: Some(attempts),
                };
                (failure, error)
            }
            TokenError::Network { failure, attempts } => {
                let (cause, fix) = failure.explain(url);
                let error = CliError::new(
                    ExitKind::Network,
                    format!("could not reach Entra ID ({url})"),
                )
                .cause(&cause)
                .fix(&fix);
                let failure = TokenFailure {
                    kind: "network",
                    status: None,
                    code: Some(format!("{:?}", failure.kind).to_ascii_lowercase()),
                    error_codes: Vec::new(),
                    description: failure.detail.clone(),
                    cause,
                    fix,
                    trace_id: None,
                    correlation_id: None,
                    timestamp: None,
                    attempts: Some(attempts),
                };
                (failure, error)
            }
        };
        self.token = TokenReport {
            url: url.to_string(),
            ok: false,
            expires_in: None,
            error: Some(failure),
        };
        self.verdict = if error.kind == ExitKind::Rejected {
            Verdict::Rejected
        } else {
            Verdict::Unreachable
        };
        self.exit_code = error.kind.code();
        error
    }

    /// The worst verdict over the subscriptions.
    pub fn worst(&mut self) -> Verdict {
        let worst = self
            .subscriptions
            .iter()
            .map(|c| c.verdict)
            .max()
            .unwrap_or(Verdict::Ok);
        self.verdict = worst;
        self.exit_code = exit_kind(worst).map_or(0, ExitKind::code);
        worst
    }

    /// The error a non-ok `verdict` ends with: the first subscription with it explains.
    pub fn failure(&self, verdict: Verdict) -> CliError {
        let kind = exit_kind(verdict).unwrap_or(ExitKind::Other);
        let failing: Vec<&SubscriptionCheck> = self
            .subscriptions
            .iter()
            .filter(|c| c.verdict == verdict)
            .collect();
        let first = failing[0];
        let (n, m) = (failing.len(), self.subscriptions.len());
        let what = match verdict {
            Verdict::PermissionMissing => "a required permission is missing",
            Verdict::NotVisible => "the subscription cannot be read with this credential",
            Verdict::Rejected => "ARM refused the token",
            _ => "ARM could not be reached or failed",
        };
        let mut error = CliError::new(
            kind,
            format!(
                "{what}: {n} of {m} subscription(s), first {}",
                first.subscription_id
            ),
        );
        match (&first.missing_actions, first.problems.first()) {
            (Some(missing), _) if verdict == Verdict::PermissionMissing && !missing.is_empty() => {
                error = error
                    .cause(format!(
                        "the credential works, but the roles at {} do not grant: {}",
                        first.permissions_scope.as_deref().unwrap_or("the scope"),
                        missing.join(", ")
                    ))
                    .fix("add these actions to the service principal's role, or assign a role that has them (Access control (IAM) → Add role assignment)");
            }
            (_, Some(p)) => error = error.cause(&p.cause).fix(&p.fix),
            _ => {}
        }
        error
    }
}

/// The exit kind of a verdict (none for ok).
pub fn exit_kind(v: Verdict) -> Option<ExitKind> {
    match v {
        Verdict::Ok => None,
        Verdict::PermissionMissing | Verdict::NotVisible => Some(ExitKind::Permission),
        Verdict::Rejected => Some(ExitKind::Rejected),
        Verdict::Unreachable => Some(ExitKind::Network),
    }
}
