//! The audit's rules (`docs/audit.md` "Rules"), applied to one listed object at a time:
//! which credentials are gated, which are listed but excluded, which objects are skipped,
//! and the status of each credential against the window.

use std::sync::Arc;

use serde::Serialize;
use time::OffsetDateTime;

use crate::graph::{
    Application, CredentialDates, KeyCredential, PasswordCredential, ServicePrincipal,
};
use crate::x509::{days_until, rfc3339};

/// The `displayName` Application Proxy gives the secret it makes and rotates itself.
pub const APP_PROXY_SECRET: &str = "CWAP_AuthSecret";

/// Which listing an object came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectType {
    /// An app registration (`/applications`).
    Application,
    /// A service principal (`/servicePrincipals`, "enterprise application").
    ServicePrincipal,
}

impl ObjectType {
    /// `application` or `service_principal`.
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectType::Application => "application",
            ObjectType::ServicePrincipal => "service_principal",
        }
    }
}
one_word!(ObjectType);

/// A certificate (`keyCredentials`) or a client secret (`passwordCredentials`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A key credential.
    Certificate,
    /// A password credential.
    Secret,
}

impl Kind {
    /// `certificate` or `secret`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Certificate => "certificate",
            Kind::Secret => "secret",
        }
    }
}
one_word!(Kind);

/// Where a credential stands against the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// Past its end.
    Expired,
    /// Ends within the window.
    Expiring,
    /// Ends later (or never).
    Ok,
}

impl Status {
    /// `expired`, `expiring` or `ok`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Expired => "expired",
            Status::Expiring => "expiring",
            Status::Ok => "ok",
        }
    }
}
one_word!(Status);

/// One credential of the tenant as the report lists it. Never a secret's value nor its
/// hint (the hint is the secret's first characters).
#[derive(Debug, Clone, Serialize)]
pub struct AuditedCredential {
    /// The application (client) id.
    pub app_id: Arc<str>,
    /// The object id of the application or service principal holding it.
    pub object_id: Arc<str>,
    /// Which kind of object holds it.
    pub object_type: ObjectType,
    /// The object's name.
    pub display_name: Arc<str>,
    /// The credential's `keyId`.
    pub key_id: String,
    /// Certificate or secret.
    pub kind: Kind,
    /// The credential's own `displayName`.
    pub name: Option<String>,
    /// Certificates: `Verify` or `Sign`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage: Option<String>,
    /// Certificates: the SHA-1 thumbprint (upper-case hex) when `customKeyIdentifier`
    /// holds one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thumbprint: Option<String>,
    /// A SAML signing certificate is listed once: the `keyId` of its `Verify` half.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paired_key_id: Option<String>,
    /// `startDateTime`, RFC 3339.
    pub start: Option<String>,
    /// `endDateTime`, RFC 3339 (`None` when Graph gave none: it never ends).
    pub end: Option<String>,
    /// Whole days until `end` (negative once past).
    pub days_left: Option<i64>,
    /// Against the window.
    pub status: Status,
    /// Listed but never gated nor reported as a finding.
    pub excluded: bool,
    /// Why, when excluded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub excluded_reason: Option<String>,
}

impl AuditedCredential {
    /// Counts toward the gate and the findings.
    pub fn gated(&self) -> bool {
        !self.excluded
    }
}

/// The window and the clock every credential is judged by.
#[derive(Debug, Clone, Copy)]
pub struct Judge {
    /// Now.
    pub now: OffsetDateTime,
    /// Days ahead that count as expiring.
    pub window_days: u32,
}

impl Judge {
    fn dates(&self, dates: &CredentialDates) -> (Option<String>, Option<i64>, Status) {
        let Some(end) = dates.end() else {
            return (None, None, Status::Ok);
        };
        let days = days_until(end, self.now);
        let status = if end <= self.now {
            Status::Expired
        } else if days <= i64::from(self.window_days) {
            Status::Expiring
        } else {
            Status::Ok
        };
        (Some(rfc3339(end)), Some(days), status)
    }
}

/// The object a credential belongs to; its names are shared by its credentials' rows
/// (and their findings) rather than copied into each.
struct Holder {
    app_id: Arc<str>,
    object_id: Arc<str>,
    object_type: ObjectType,
    display_name: Arc<str>,
}

impl Holder {
    fn new(app_id: &str, object_id: &str, object_type: ObjectType, name: Option<&str>) -> Self {
        Holder {
            app_id: app_id.into(),
            object_id: object_id.into(),
            object_type,
            display_name: name.unwrap_or("").into(),
        }
    }

    fn key(&self, judge: &Judge, k: &KeyCredential) -> AuditedCredential {
        let (end, days_left, status) = judge.dates(&k.dates);
        AuditedCredential {
            app_id: Arc::clone(&self.app_id),
            object_id: Arc::clone(&self.object_id),
            object_type: self.object_type,
            display_name: Arc::clone(&self.display_name),
            key_id: k.key_id.clone(),
            kind: Kind::Certificate,
            name: k.display_name.clone(),
            usage: k.usage.clone(),
            thumbprint: k.thumbprint(),
            paired_key_id: None,
            start: k.dates.start().map(rfc3339),
            end,
            days_left,
            status,
            excluded: false,
            excluded_reason: None,
        }
    }

    fn password(&self, judge: &Judge, p: &PasswordCredential) -> AuditedCredential {
        let (end, days_left, status) = judge.dates(&p.dates);
        let app_proxy = p
            .display_name
            .as_deref()
            .is_some_and(|n| n.trim().eq_ignore_ascii_case(APP_PROXY_SECRET));
        AuditedCredential {
            app_id: Arc::clone(&self.app_id),
            object_id: Arc::clone(&self.object_id),
            object_type: self.object_type,
            display_name: Arc::clone(&self.display_name),
            key_id: p.key_id.clone(),
            kind: Kind::Secret,
            name: p.display_name.clone(),
            usage: None,
            thumbprint: None,
            paired_key_id: None,
            start: p.dates.start().map(rfc3339),
            end,
            days_left,
            status,
            excluded: app_proxy,
            excluded_reason: app_proxy.then(|| {
                "CWAP_AuthSecret: Application Proxy makes and rotates this secret itself".into()
            }),
        }
    }

    /// Every credential of the object: certificates, then secrets.
    fn all(
        &self,
        judge: &Judge,
        keys: &[KeyCredential],
        passwords: &[PasswordCredential],
        out: &mut Vec<AuditedCredential>,
    ) {
        self.keys(judge, keys, out);
        out.extend(passwords.iter().map(|p| self.password(judge, p)));
    }

    /// Key credentials, a SAML signing pair (a `Sign` and a `Verify` sharing one
    /// `customKeyIdentifier`) counted once, as its `Sign` half.
    fn keys(&self, judge: &Judge, keys: &[KeyCredential], out: &mut Vec<AuditedCredential>) {
        let usage_is = |k: &KeyCredential, u: &str| {
            k.usage
                .as_deref()
                .is_some_and(|x| x.eq_ignore_ascii_case(u))
        };
        let pair_of = |k: &KeyCredential, usage: &str| {
            let id = k
                .custom_key_identifier
                .as_deref()
                .filter(|s| !s.is_empty())?;
            keys.iter().find(|o| {
                o.key_id != k.key_id
                    && usage_is(o, usage)
                    && o.custom_key_identifier.as_deref() == Some(id)
            })
        };
        for k in keys {
            if self.object_type == ObjectType::ServicePrincipal
                && usage_is(k, "Verify")
                && pair_of(k, "Sign").is_some()
            {
                continue;
            }
            let mut audited = self.key(judge, k);
            if self.object_type == ObjectType::ServicePrincipal && usage_is(k, "Sign") {
                audited.paired_key_id = pair_of(k, "Verify").map(|v| v.key_id.clone());
            }
            out.push(audited);
        }
    }
}

/// What the rules did with one object.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Its credentials are listed.
    Listed,
    /// Another tenant's application: skipped (without `--include-foreign`).
    Foreign,
    /// A managed identity: Azure rotates its credentials.
    ManagedIdentity,
}

/// An application's credentials, appended to `out`.
pub fn application(judge: &Judge, app: &Application, out: &mut Vec<AuditedCredential>) {
    if app.key_credentials.is_empty() && app.password_credentials.is_empty() {
        return;
    }
    let name = app.display_name.as_deref();
    let holder = Holder::new(&app.app_id, &app.id, ObjectType::Application, name);
    holder.all(judge, &app.key_credentials, &app.password_credentials, out);
}

/// A service principal's credentials, appended to `out` unless the rules skip it.
pub fn service_principal(
    judge: &Judge,
    sp: &ServicePrincipal,
    tenant_id: &str,
    include_foreign: bool,
    out: &mut Vec<AuditedCredential>,
) -> Verdict {
    if sp.is_managed_identity() {
        return Verdict::ManagedIdentity;
    }
    if sp.is_foreign(tenant_id) && !include_foreign {
        return Verdict::Foreign;
    }
    if sp.key_credentials.is_empty() && sp.password_credentials.is_empty() {
        return Verdict::Listed;
    }
    let name = sp.display_name.as_deref();
    let holder = Holder::new(&sp.app_id, &sp.id, ObjectType::ServicePrincipal, name);
    holder.all(judge, &sp.key_credentials, &sp.password_credentials, out);
    Verdict::Listed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judge() -> Judge {
        Judge {
            now: time::macros::datetime!(2026-01-01 00:00 UTC),
            window_days: 30,
        }
    }

    fn sp(json: &str) -> ServicePrincipal {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn a_saml_pair_counts_once_and_app_proxy_secrets_are_excluded() {
        let saml = sp(
            r#"{"id":"s","appId":"a","displayName":"saml","servicePrincipalType":"Application",
            "appOwnerOrganizationId":"t","keyCredentials":[
             {"keyId":"sign","usage":"Sign","customKeyIdentifier":"q83vASNFZ4mrze8BI0VniavN7wE=","endDateTime":"2026-01-20T00:00:00Z"},
             {"keyId":"verify","usage":"Verify","customKeyIdentifier":"q83vASNFZ4mrze8BI0VniavN7wE=","endDateTime":"2026-01-20T00:00:00Z"},
             {"keyId":"lone","usage":"Verify","customKeyIdentifier":"AAAA","endDateTime":"2025-12-01T00:00:00Z"}],
            "passwordCredentials":[{"keyId":"cwap","displayName":"CWAP_AuthSecret","endDateTime":"2025-06-01T00:00:00Z"},
             {"keyId":"pw","displayName":"ci","endDateTime":"2027-06-01T00:00:00Z","hint":"abc"}]}"#,
        );
        let mut out = Vec::new();
        assert_eq!(
            service_principal(&judge(), &saml, "t", false, &mut out),
            Verdict::Listed
        );
        let ids: Vec<&str> = out.iter().map(|c| c.key_id.as_str()).collect();
        assert_eq!(ids, ["sign", "lone", "cwap", "pw"]);
        assert_eq!(out[0].paired_key_id.as_deref(), Some("verify"));
        assert_eq!(
            (out[0].status, out[0].days_left),
            (Status::Expiring, Some(19))
        );
        assert_eq!(out[1].status, Status::Expired);
        assert!(out[2].excluded && out[2].excluded_reason.is_some());
        assert_eq!(out[2].status, Status::Expired);
        assert!(!out[3].excluded);
        assert_eq!((out[3].kind, out[3].status), (Kind::Secret, Status::Ok));
        assert!(
            !serde_json::to_string(&out).unwrap().contains("abc"),
            "no hint"
        );
    }

    #[test]
    fn foreign_principals_and_managed_identities_are_skipped() {
        let foreign = sp(r#"{"id":"f","appId":"b","appOwnerOrganizationId":"other",
            "keyCredentials":[{"keyId":"k","endDateTime":"2025-01-01T00:00:00Z"}]}"#);
        let mut out = Vec::new();
        assert_eq!(
            service_principal(&judge(), &foreign, "t", false, &mut out),
            Verdict::Foreign
        );
        assert!(out.is_empty());
        assert_eq!(
            service_principal(&judge(), &foreign, "t", true, &mut out),
            Verdict::Listed
        );
        assert_eq!(out.len(), 1);
        let mi = sp(r#"{"id":"m","servicePrincipalType":"ManagedIdentity",
            "keyCredentials":[{"keyId":"k","endDateTime":"2025-01-01T00:00:00Z"}]}"#);
        assert_eq!(
            service_principal(&judge(), &mi, "t", true, &mut out),
            Verdict::ManagedIdentity
        );
        assert_eq!(out.len(), 1);
    }

    #[test]
    fn an_application_lists_every_credential_with_its_status() {
        let app: Application = serde_json::from_str(
            r#"{"id":"o","appId":"a","displayName":"x","keyCredentials":[
              {"keyId":"c1","usage":"Verify","endDateTime":"2026-01-31T00:00:00Z"},
              {"keyId":"c2","usage":"Verify","endDateTime":"2026-02-01T00:00:00Z"}],
              "passwordCredentials":[{"keyId":"s1","endDateTime":"2026-01-01T00:00:00Z"},
              {"keyId":"s2"}]}"#,
        )
        .unwrap();
        let mut out = Vec::new();
        application(&judge(), &app, &mut out);
        let got: Vec<(&str, Status)> = out.iter().map(|c| (c.key_id.as_str(), c.status)).collect();
        assert_eq!(
            got,
            [
                ("c1", Status::Expiring),
                ("c2", Status::Ok),
                ("s1", Status::Expired),
                ("s2", Status::Ok)
            ]
        );
        assert_eq!(out[0].days_left, Some(30));
        assert_eq!(out[3].end, None);
    }
}
