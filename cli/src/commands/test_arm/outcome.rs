//! How `test arm` ends: the verdicts and failures recorded in the [`Report`], and the
//! error (exit code, cause, fix) each one ends the command with.

use certtool_core::arm::{SubscriptionCheck, Verdict};
use certtool_core::entra::TokenError;
use certtool_core::ids::is_guid;
use certtool_core::x509::rfc3339;
use time::OffsetDateTime;

use super::inputs::{Credential, FederatedSource, Plan};
use super::report::{Report, TokenFailure, TokenReport};
use crate::error::{CliError, ExitKind};

/// Whether a rejected client secret has the shape of a file path (a separator, or a
/// certificate or key file's extension). Judged by shape only: the secret is never handed
/// to the file system, not even to `stat` it.
fn looks_like_a_path(value: &str) -> bool {
    const EXTENSIONS: [&str; 7] = [".pfx", ".p12", ".pem", ".cer", ".crt", ".key", ".der"];
    let lower = value.to_ascii_lowercase();
    value.contains('/')
        || value.contains('\\')
        || value.starts_with('~')
        || EXTENSIONS.iter().any(|e| lower.ends_with(e))
}

impl Report {
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
                let federated = match &plan.credential {
                    Credential::Federated(FederatedSource::Token(token)) => Some(&token.claims),
                    _ => None,
                };
                if let Some(claims) = federated {
                    if aad.has_code(700024) {
                        cause = format!(
                            "the federated token is outside its valid time range (it expires {}; local clock: {})",
                            claims.expires.as_deref().unwrap_or("(no exp)"),
                            rfc3339(now)
                        );
                        fix = "get a fresh token right before signing in (GitHub Actions and Kubernetes tokens live minutes to an hour; a token file must be the one the platform keeps refreshing)".into();
                    }
                    cause = format!(
                        "{cause}; certtool sent a federated token with {}",
                        claims.describe()
                    );
                } else if aad.has_code(700024) || aad.has_code(1000502) {
                    cause = format!("{cause}; local clock: {}", rfc3339(now));
                    fix = format!("{fix}; check that NTP keeps this machine's time");
                }
                if aad.has_code(7000215) {
                    if let Credential::Secret(s) = &plan.credential {
                        if is_guid(s.expose().trim()) {
                            cause = format!("{cause}; the value given has the shape of a GUID, as a Secret ID has");
                        } else if looks_like_a_path(s.expose().trim()) {
                            cause = format!("{cause}; the value given looks like a file path — a certificate goes with --cert");
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
                error: aad,
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
                let (cause, fix) = certtool_core::proxy::explain(&failure, url);
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
