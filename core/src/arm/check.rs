//! The per-subscription check `certtool test arm` runs once it has a token: read the
//! subscription, read the permissions (falling back to a resource group when the
//! subscription scope is refused), and list the required actions that are missing.
//! Several subscriptions are checked concurrently over one client.

use std::sync::Arc;

use serde::Serialize;

use super::client::{ArmClient, ArmError, ArmFault};
use super::rbac::{missing, PermissionEntry, Requirement};
use crate::diagnose;
use crate::http::FailureKind;

/// The outcome of one subscription, worst last. Its one word (`ok`,
/// `permission_missing`, `not_visible`, `rejected`, `unreachable`) is the same in text
/// ([`Verdict::as_str`], Display) and JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    /// Visible, and every required action is granted.
    Ok,
    /// Visible (or readable at a resource group), but a required action is missing or the
    /// permissions could not be read.
    PermissionMissing,
    /// The subscription cannot be read: no role on it, not found, or another tenant's.
    NotVisible,
    /// ARM refused the token itself (wrong audience or issuer).
    Rejected,
    /// ARM could not be reached or failed.
    Unreachable,
}

impl Verdict {
    /// The word shown in reports and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::PermissionMissing => "permission_missing",
            Verdict::NotVisible => "not_visible",
            Verdict::Rejected => "rejected",
            Verdict::Unreachable => "unreachable",
        }
    }
}

one_word!(Verdict);

/// One thing that went wrong, with ARM's words and certtool's.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    /// `subscription` or `permissions`.
    pub step: &'static str,
    /// The scope the call was about.
    pub scope: String,
    /// HTTP status, when there was an answer.
    pub status: Option<u16>,
    /// ARM's `error.code`, or the network failure kind.
    pub code: String,
    /// ARM's message, or the failure detail.
    pub message: String,
    /// What it means.
    pub cause: String,
    /// What to do.
    pub fix: String,
    /// `x-ms-request-id`.
    pub request_id: Option<String>,
    /// `x-ms-correlation-request-id`.
    pub correlation_id: Option<String>,
}

/// Everything learnt about one subscription.
#[derive(Debug, Clone, Serialize)]
pub struct SubscriptionCheck {
    /// The subscription ID asked for.
    pub subscription_id: String,
    /// The verdict.
    pub verdict: Verdict,
    /// Its name, when it could be read.
    pub display_name: Option<String>,
    /// Its state (Enabled, Warned, Disabled…), when it could be read.
    pub state: Option<String>,
    /// The tenant it belongs to, when it could be read.
    pub tenant_id: Option<String>,
    /// The scope whose permissions were read, if any.
    pub permissions_scope: Option<String>,
    /// How many permission entries (role assignments) apply there.
    pub permission_entries: Option<usize>,
    /// Required actions not granted; `None` when nothing was required or the permissions
    /// could not be read.
    pub missing_actions: Option<Vec<String>>,
    /// What went wrong, in order.
    pub problems: Vec<Problem>,
}

/// `endpoint` is the ARM base URL, named when the network failed.
fn problem(step: &'static str, scope: &str, endpoint: &str, err: &ArmError) -> Problem {
    let from_fault = |f: &ArmFault, extra_cause: Option<String>| {
        let diag = diagnose::arm(&f.code);
        let mut cause = diag.as_ref().map_or_else(
            || format!("ARM answered {} {}", f.status, f.code),
            |d| d.cause.clone(),
        );
        if f.code == "AuthorizationFailed" {
            cause = format!("{cause} {scope}");
        }
        if let Some(extra) = extra_cause {
            cause = format!("{cause}; {extra}");
        }
        let fix = diag.map_or_else(
            || "see ARM's message; certtool already retried".to_string(),
            |d| d.fix,
        );
        Problem {
            step,
            scope: scope.to_string(),
            status: Some(f.status),
            code: f.code.clone(),
            message: f.message.clone(),
            cause,
            fix,
            request_id: f.request_id.clone(),
            correlation_id: f.correlation_id.clone(),
        }
    };
    match err {
        ArmError::Api(f) => {
            let owner = (f.code == "InvalidAuthenticationTokenTenant")
                .then(|| f.challenge_tenant.clone())
                .flatten()
                .map(|t| format!("ARM names tenant {t} as its owner"));
            from_fault(f, owner)
        }
        ArmError::Service { fault, attempts } => {
            let mut p = from_fault(fault, None);
            p.cause = format!(
                "ARM failed on its side ({} {}) after {attempts} attempt(s)",
                fault.status, fault.code
            );
            p.fix = "try again later; raise --timeout if it is slow".into();
            p
        }
        ArmError::Network { failure, attempts } => {
            let (cause, fix) = crate::proxy::explain(failure, endpoint);
            Problem {
                step,
                scope: scope.to_string(),
                status: None,
                code: format!("{:?}", failure.kind).to_ascii_lowercase(),
                message: failure.detail.clone(),
                cause: if failure.kind == FailureKind::Timeout {
                    format!("{cause} ({attempts} attempt(s))")
                } else {
                    cause
                },
                fix,
                request_id: None,
                correlation_id: None,
            }
        }
        ArmError::Malformed(detail) => Problem {
            step,
            scope: scope.to_string(),
            status: Some(200),
            code: "malformed".into(),
            message: detail.clone(),
            cause: "ARM's answer is not in the documented shape".into(),
            fix: "check --arm-endpoint points at Azure Resource Manager".into(),
            request_id: None,
            correlation_id: None,
        },
    }
}

/// How a failed call decides the verdict.
fn verdict_of(err: &ArmError) -> Verdict {
    match err {
        ArmError::Api(f) => match (f.status, f.code.as_str()) {
            (401, "InvalidAuthenticationTokenTenant") => Verdict::NotVisible,
            (401, _) => Verdict::Rejected,
            _ => Verdict::NotVisible,
        },
        ArmError::Service { .. } | ArmError::Network { .. } | ArmError::Malformed(_) => {
            Verdict::Unreachable
        }
    }
}

fn is_forbidden(err: &ArmError) -> bool {
    matches!(err, ArmError::Api(f) if f.status == 403)
}

/// Checks one subscription. `resource_group`, when given, is where permissions are read
/// if the subscription scope is refused.
pub async fn check_subscription(
    client: &ArmClient,
    subscription_id: &str,
    resource_group: Option<&str>,
    requirements: &[Requirement],
) -> SubscriptionCheck {
    let sub_scope = format!("/subscriptions/{subscription_id}");
    let mut check = SubscriptionCheck {
        subscription_id: subscription_id.to_string(),
        verdict: Verdict::Ok,
        display_name: None,
        state: None,
        tenant_id: None,
        permissions_scope: None,
        permission_entries: None,
        missing_actions: None,
        problems: Vec::new(),
    };
    let mut subscription_visible = true;
    match client.subscription(subscription_id).await {
        Ok(info) => {
            check.display_name = Some(info.display_name);
            check.state = Some(info.state);
            check.tenant_id = info.tenant_id;
        }
        Err(err) => {
            check
                .problems
                .push(problem("subscription", &sub_scope, client.base(), &err));
            if !is_forbidden(&err) {
                check.verdict = verdict_of(&err);
                return check;
            }
            subscription_visible = false;
        }
    }

    let mut entries: Option<Vec<PermissionEntry>> = None;
    match client.permissions(&sub_scope).await {
        Ok(list) => {
            check.permissions_scope = Some(sub_scope.clone());
            entries = Some(list);
        }
        Err(err) => {
            let forbidden = is_forbidden(&err);
            check
                .problems
                .push(problem("permissions", &sub_scope, client.base(), &err));
            if !forbidden {
                check.verdict = verdict_of(&err);
                return check;
            }
            if let Some(rg) = resource_group {
                let rg_scope = format!("{sub_scope}/resourceGroups/{rg}");
                match client.permissions(&rg_scope).await {
                    Ok(list) => {
                        check.permissions_scope = Some(rg_scope);
                        entries = Some(list);
                    }
                    Err(err) => {
                        check
                            .problems
                            .push(problem("permissions", &rg_scope, client.base(), &err));
                        if !is_forbidden(&err) {
                            check.verdict = verdict_of(&err);
                            return check;
                        }
                    }
                }
            }
        }
    }
    check.permission_entries = entries.as_ref().map(Vec::len);
    if let (Some(list), false) = (&entries, requirements.is_empty()) {
        let mut all: Vec<String> = Vec::new();
        for req in requirements {
            for m in missing(list, req) {
                if !all.iter().any(|a| a.eq_ignore_ascii_case(&m)) {
                    all.push(m);
                }
            }
        }
        check.missing_actions = Some(all);
    }
    check.verdict = if !subscription_visible {
        Verdict::NotVisible
    } else if !requirements.is_empty()
        && check.missing_actions.as_ref().is_none_or(|m| !m.is_empty())
    {
        Verdict::PermissionMissing
    } else {
        Verdict::Ok
    };
    check
}

/// Checks every subscription, at most `concurrency` at a time, over one client; results
/// come back in the order asked.
pub async fn check_subscriptions(
    client: &ArmClient,
    subscription_ids: &[String],
    resource_group: Option<&str>,
    requirements: &[Requirement],
    concurrency: usize,
) -> Vec<SubscriptionCheck> {
    let limit = Arc::new(tokio::sync::Semaphore::new(concurrency.max(1)));
    let requirements = Arc::new(requirements.to_vec());
    let resource_group = resource_group.map(str::to_string);
    let mut tasks = tokio::task::JoinSet::new();
    for (index, id) in subscription_ids.iter().enumerate() {
        let (client, limit, requirements) = (client.clone(), limit.clone(), requirements.clone());
        let (id, rg) = (id.clone(), resource_group.clone());
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            let result = check_subscription(&client, &id, rg.as_deref(), &requirements).await;
            (index, result)
        });
    }
    let mut results: Vec<Option<SubscriptionCheck>> = vec![None; subscription_ids.len()];
    while let Some(joined) = tasks.join_next().await {
        if let Ok((index, result)) = joined {
            results[index] = Some(result);
        }
    }
    results
        .into_iter()
        .zip(subscription_ids)
        .map(|(r, id)| {
            r.unwrap_or_else(|| SubscriptionCheck {
                subscription_id: id.clone(),
                verdict: Verdict::Unreachable,
                display_name: None,
                state: None,
                tenant_id: None,
                permissions_scope: None,
                permission_entries: None,
                missing_actions: None,
                problems: Vec::new(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdict_words_are_the_same_in_text_and_json() {
        for (v, word) in [
            (Verdict::Ok, "ok"),
            (Verdict::PermissionMissing, "permission_missing"),
            (Verdict::NotVisible, "not_visible"),
            (Verdict::Rejected, "rejected"),
            (Verdict::Unreachable, "unreachable"),
        ] {
            assert_eq!(v.to_string(), word);
            assert_eq!(serde_json::to_value(v).unwrap(), word);
        }
    }
}
