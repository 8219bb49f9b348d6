//! A service principal as Graph lists it, and the `$select` list of the service principal
//! listing (`docs/graph.md` "Listing applications and service principals").

use serde::{Deserialize, Serialize};

use super::{KeyCredential, PasswordCredential};

/// The service principal properties a tenant-wide listing asks for.
pub const SERVICE_PRINCIPAL_LIST_SELECT: &str = "id,appId,displayName,servicePrincipalType,appOwnerOrganizationId,keyCredentials,passwordCredentials,preferredTokenSigningKeyThumbprint";

/// The largest page Graph serves for these listings (`$top`); its default is 100.
pub const MAX_PAGE_SIZE: u32 = 999;

/// A service principal: the tenant's instance of an application (its own, another
/// tenant's, or Microsoft's), or a managed identity.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ServicePrincipal {
    /// The service principal's object id (what role assignments name as `principalId`).
    pub id: String,
    /// The application (client) id it stands for.
    #[serde(default)]
    pub app_id: String,
    /// Its name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// `Application`, `ManagedIdentity`, `Legacy` or `SocialIdp`.
    #[serde(default)]
    pub service_principal_type: Option<String>,
    /// The tenant that owns the application: this tenant, another one (a multi-tenant
    /// app), or none (managed identities).
    #[serde(default)]
    pub app_owner_organization_id: Option<String>,
    /// Certificates: sign-in certificates, and SAML token-signing pairs (one `Sign`, one
    /// `Verify`, sharing a `customKeyIdentifier`).
    #[serde(default)]
    pub key_credentials: Vec<KeyCredential>,
    /// Passwords (Application Proxy's `CWAP_AuthSecret` among them).
    #[serde(default)]
    pub password_credentials: Vec<PasswordCredential>,
    /// For SAML apps: the thumbprint (hex) of the signing certificate in use.
    #[serde(default)]
    pub preferred_token_signing_key_thumbprint: Option<String>,
}

impl ServicePrincipal {
    /// Whether this is a managed identity (its credentials are Azure's to rotate).
    pub fn is_managed_identity(&self) -> bool {
        self.service_principal_type
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case("ManagedIdentity"))
    }

    /// Whether the application belongs to another tenant than `tenant_id` (so its
    /// credentials are not this tenant's to rotate).
    pub fn is_foreign(&self, tenant_id: &str) -> bool {
        self.app_owner_organization_id
            .as_deref()
            .is_some_and(|owner| !owner.eq_ignore_ascii_case(tenant_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listed_service_principal_parses() {
        let sp: ServicePrincipal = serde_json::from_str(
            r#"{"id":"s","appId":"a","displayName":"saml","servicePrincipalType":"Application",
            "appOwnerOrganizationId":"t2","preferredTokenSigningKeyThumbprint":"AB",
            "keyCredentials":[{"keyId":"k1","usage":"Sign","type":"AsymmetricX509Cert","key":null,
            "customKeyIdentifier":"q83vASNFZ4mrze8BI0VniavN7wE=","endDateTime":"2027-01-01T00:00:00Z"}],
            "passwordCredentials":[]}"#,
        )
        .unwrap();
        assert!(sp.is_foreign("t1") && !sp.is_foreign("T2"));
        assert!(!sp.is_managed_identity());
        assert_eq!(sp.key_credentials[0].usage.as_deref(), Some("Sign"));
        let mi: ServicePrincipal =
            serde_json::from_str(r#"{"id":"m","servicePrincipalType":"ManagedIdentity"}"#).unwrap();
        assert!(mi.is_managed_identity() && !mi.is_foreign("t1"));
    }
}
