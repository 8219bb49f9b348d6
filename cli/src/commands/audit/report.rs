//! What `audit` found, as the data every format renders: `--output json` prints it as
//! is; text, JUnit and SARIF read it. Never a secret, a secret's hint or a token.

use certtool_core::access::TokenStep;
use certtool_core::audit::{
    Audit, AuditedCredential, Counts, Finding, Gap, ObjectType, OwnersCheck,
};
use certtool_core::graph::Listing;
use certtool_core::x509::rfc3339;
use serde::Serialize;
use time::OffsetDateTime;

use crate::error::CliError;
use crate::signin::Identity;

/// The whole report.
#[derive(Serialize)]
pub struct Report<'a> {
    pub tenant_id: String,
    pub client_id: String,
    pub cloud: String,
    pub graph_endpoint: String,
    pub generated_at: String,
    /// Days ahead that count as expiring.
    pub window_days: u32,
    /// The gate, when set.
    pub fail_within_days: Option<u32>,
    /// False when any part of the tenant could not be read: never a clean run.
    pub complete: bool,
    pub exit_code: u8,
    pub sign_in: &'a TokenStep,
    /// What could not be read, and why.
    pub gaps: &'a [Gap],
    pub counts: &'a Counts,
    pub listings: Listings<'a>,
    pub credentials: &'a [AuditedCredential],
    pub findings: &'a [Finding],
}

#[derive(Serialize)]
pub struct Listings<'a> {
    pub applications: Option<&'a Listing>,
    pub service_principals: Option<&'a Listing>,
    pub owners: Option<&'a OwnersCheck>,
}

impl<'a> Report<'a> {
    pub fn new(
        identity: &Identity,
        audit: &'a Audit,
        now: OffsetDateTime,
        fail_within_days: Option<u32>,
        ending: Option<&CliError>,
    ) -> Self {
        Report {
            tenant_id: audit
                .tenant_id
                .clone()
                .unwrap_or_else(|| identity.tenant.clone()),
            client_id: identity.client_id.clone(),
            cloud: identity.cloud.name.clone(),
            graph_endpoint: identity.cloud.graph.clone(),
            generated_at: rfc3339(now),
            window_days: audit.window_days,
            fail_within_days,
            complete: audit.complete(),
            exit_code: ending.map_or(0, |e| e.kind.code()),
            sign_in: &audit.token,
            gaps: &audit.gaps,
            counts: &audit.counts,
            listings: Listings {
                applications: audit.applications.as_ref(),
                service_principals: audit.service_principals.as_ref(),
                owners: audit.owners.as_ref(),
            },
            credentials: &audit.credentials,
            findings: &audit.findings,
        }
    }

    /// The Azure portal of this cloud.
    fn portal_host(&self) -> &'static str {
        match self.cloud.as_str() {
            "AzureUSGovernment" => "https://portal.azure.us",
            "AzureChinaCloud" => "https://portal.azure.cn",
            _ => "https://portal.azure.com",
        }
    }

    /// The portal page of an object's credentials (app registration) or single sign-on
    /// (enterprise application).
    pub fn portal_link(&self, object_type: ObjectType, object_id: &str, app_id: &str) -> String {
        let host = self.portal_host();
        match object_type {
            ObjectType::Application => format!(
                "{host}/#view/Microsoft_AAD_RegisteredApps/ApplicationMenuBlade/~/Credentials/appId/{app_id}"
            ),
            ObjectType::ServicePrincipal => format!(
                "{host}/#view/Microsoft_AAD_IAM/ManagedAppMenuBlade/~/SignOn/objectId/{object_id}/appId/{app_id}"
            ),
        }
    }
}

/// The repository-relative path SARIF and JUnit name an object by (GitHub refuses a URL
/// as a location).
pub fn location(object_type: ObjectType, app_id: &str) -> String {
    let collection = match object_type {
        ObjectType::Application => "applications",
        ObjectType::ServicePrincipal => "servicePrincipals",
    };
    let safe: String = app_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("entra/{collection}/{safe}")
}
