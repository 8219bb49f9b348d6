//! What the audit reports beyond the list: one finding per expired or expiring
//! credential, one per object holding a client secret, one per application without an
//! owner. Rule ids are stable: SARIF alerts and scripts key on them.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;

use super::rules::{AuditedCredential, Kind, ObjectType, Status};

/// A finding's rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rule {
    /// A credential past its end.
    CredentialExpired,
    /// A credential ending within the window.
    CredentialExpiring,
    /// A client secret where a certificate or a federated credential would do.
    SecretNotCert,
    /// An application without an owner: nobody receives Entra ID's expiry mail.
    NoOwner,
}

impl Rule {
    /// Every rule, in the order reports list them.
    pub const ALL: [Rule; 4] = [
        Rule::CredentialExpired,
        Rule::CredentialExpiring,
        Rule::SecretNotCert,
        Rule::NoOwner,
    ];

    /// The stable rule id.
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::CredentialExpired => "credential-expired",
            Rule::CredentialExpiring => "credential-expiring",
            Rule::SecretNotCert => "secret-not-cert",
            Rule::NoOwner => "no-owner",
        }
    }

    /// One line on what the rule checks.
    pub fn summary(self) -> &'static str {
        match self {
            Rule::CredentialExpired => "A certificate or client secret of the tenant has expired",
            Rule::CredentialExpiring => {
                "A certificate or client secret of the tenant expires within the window"
            }
            Rule::SecretNotCert => {
                "A client secret is used where a certificate or a federated credential would do"
            }
            Rule::NoOwner => "An application has no owner, so nobody receives expiry notices",
        }
    }

    /// What to do about it.
    pub fn fix(self) -> &'static str {
        match self {
            Rule::CredentialExpired | Rule::CredentialExpiring => {
                "add a new credential, move its users to it, then remove the old one (certtool rotate arm rolls a certificate)"
            }
            Rule::SecretNotCert => {
                "replace the secret with a certificate or a federated identity credential, then remove it"
            }
            Rule::NoOwner => "add an owner to the application (Owners in the app registration)",
        }
    }
}
one_word!(Rule);

/// One finding.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// Its rule.
    pub rule: Rule,
    /// The application (client) id.
    pub app_id: Arc<str>,
    /// The object id of the application or service principal.
    pub object_id: Arc<str>,
    /// Which kind of object.
    pub object_type: ObjectType,
    /// The object's name.
    pub display_name: Arc<str>,
    /// The credential, for the credential rules.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// What was found, in one sentence.
    pub message: String,
}

fn days(n: i64) -> String {
    match n.abs() {
        1 => "1 day".into(),
        d => format!("{d} days"),
    }
}

/// The credential rule `c` breaks, if any.
fn credential_rule(c: &AuditedCredential) -> Option<Rule> {
    match (c.gated(), c.status) {
        (false, _) | (true, Status::Ok) => None,
        (true, Status::Expired) => Some(Rule::CredentialExpired),
        (true, Status::Expiring) => Some(Rule::CredentialExpiring),
    }
}

/// The credential rules' finding for `c`, if it has one.
pub fn for_credential(c: &AuditedCredential, window_days: u32) -> Option<Finding> {
    let rule = credential_rule(c)?;
    let end = c.end.as_deref().unwrap_or("?");
    let left = c.days_left.unwrap_or(0);
    let message = if rule == Rule::CredentialExpired {
        format!(
            "the {} {} expired on {end} ({} ago)",
            c.kind,
            c.key_id,
            days(left)
        )
    } else {
        format!(
            "the {} {} expires on {end} ({} left, within {window_days})",
            c.kind,
            c.key_id,
            days(left)
        )
    };
    Some(Finding {
        rule,
        app_id: Arc::clone(&c.app_id),
        object_id: Arc::clone(&c.object_id),
        object_type: c.object_type,
        display_name: Arc::clone(&c.display_name),
        key_id: Some(c.key_id.clone()),
        message,
    })
}

/// `secret-not-cert` for the object holding `secrets` gated client secrets, `first`
/// of them the first the report lists.
pub fn secret_not_cert(first: &AuditedCredential, secrets: usize) -> Finding {
    Finding {
        rule: Rule::SecretNotCert,
        app_id: Arc::clone(&first.app_id),
        object_id: Arc::clone(&first.object_id),
        object_type: first.object_type,
        display_name: Arc::clone(&first.display_name),
        key_id: None,
        message: format!(
            "holds {secrets} client secret(s); a certificate or a federated credential would do"
        ),
    }
}

/// Every finding of `credentials` (in report order): the credential rules' in that
/// order, then `secret-not-cert` and `no-owner` (`no_owner`: indices of one credential
/// of each application without an owner), each by name and app id.
pub(super) fn of(
    credentials: &[AuditedCredential],
    window_days: u32,
    mut no_owner: Vec<usize>,
) -> Vec<Finding> {
    // Per object holding gated secrets: the index of its first one, and how many.
    let mut holders: HashMap<(&str, &str), (usize, usize)> = HashMap::new();
    for (i, c) in credentials.iter().enumerate() {
        if c.gated() && c.kind == Kind::Secret {
            let key = (c.object_type.as_str(), &*c.object_id);
            holders.entry(key).or_insert((i, 0)).1 += 1;
        }
    }
    let mut secrets: Vec<(usize, usize)> = holders.into_values().collect();
    // An application and its service principal share name and app id: the kind, then
    // the object id, decide between them.
    let by_name = |i: usize| {
        let c = &credentials[i];
        (&*c.display_name, &*c.app_id)
    };
    secrets.sort_unstable_by_key(|&(i, _)| {
        (
            by_name(i),
            credentials[i].object_type.as_str(),
            &*credentials[i].object_id,
        )
    });
    no_owner.sort_by_key(|&i| by_name(i));
    let ending = credentials.iter().filter(|c| credential_rule(c).is_some());
    let mut out = Vec::with_capacity(ending.count() + secrets.len() + no_owner.len());
    out.extend(
        credentials
            .iter()
            .filter_map(|c| for_credential(c, window_days)),
    );
    out.extend(
        secrets
            .into_iter()
            .map(|(i, n)| secret_not_cert(&credentials[i], n)),
    );
    out.extend(
        no_owner
            .into_iter()
            .map(|i| no_owner_finding(&credentials[i])),
    );
    out
}

/// `no-owner` for an application.
pub fn no_owner_finding(app: &AuditedCredential) -> Finding {
    Finding {
        rule: Rule::NoOwner,
        app_id: Arc::clone(&app.app_id),
        object_id: Arc::clone(&app.object_id),
        object_type: ObjectType::Application,
        display_name: Arc::clone(&app.display_name),
        key_id: None,
        message:
            "the application has no owner: nobody receives the expiry notices of its credentials"
                .into(),
    }
}
