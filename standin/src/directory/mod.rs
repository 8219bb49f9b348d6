//! The tenant's directory as Graph lists it: applications and service principals beyond
//! the configured [`crate::App`]s (which are listed too), with owners and credentials of
//! every kind and age, the permission model of the listings, and faults on chosen pages
//! and `$batch` sub-requests. `tests/README.md` § "Graph directory" says where each rule
//! comes from.
//!
//! Routes (hooked in before [`crate::graph`]): `GET /v1.0/applications`,
//! `GET /v1.0/servicePrincipals` (`$select`, `$top`, `$skiptoken`, `$filter`),
//! `GET /v1.0/{applications|servicePrincipals}/{id}/owners`, `POST /v1.0/$batch`.

use std::collections::HashMap;

use time::OffsetDateTime;

use crate::faults::Times;

mod batch;
mod generate;
mod listing;
mod rbac;
mod route;
mod view;

pub use generate::MICROSOFT_TENANT;
pub(crate) use listing::graph_answer;
pub use rbac::{builtin_role_definitions, DirectoryRoleAssignment, RoleDefinition};

/// Which listing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Collection {
    /// `/v1.0/applications`.
    Applications,
    /// `/v1.0/servicePrincipals`.
    ServicePrincipals,
}

impl Collection {
    pub(crate) fn segment(self) -> &'static str {
        match self {
            Collection::Applications => "applications",
            Collection::ServicePrincipals => "servicePrincipals",
        }
    }
}

/// A certificate (or symmetric key) credential as Graph lists it; the key itself is
/// never listed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyCredential {
    /// `keyId`.
    pub key_id: String,
    /// `displayName` (the portal puts the certificate subject there).
    pub display_name: Option<String>,
    /// `customKeyIdentifier`, base64 (the SHA-1 thumbprint's bytes for certificates).
    pub custom_key_identifier: Option<String>,
    /// `type`: `AsymmetricX509Cert`, `X509CertAndPassword` or `Symmetric`.
    pub kind: String,
    /// `usage`: `Verify` (sign-in, SAML verification) or `Sign` (SAML token signing).
    pub usage: String,
    /// `startDateTime`.
    pub start: OffsetDateTime,
    /// `endDateTime`.
    pub end: OffsetDateTime,
}

/// A password credential (client secret) as Graph lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PasswordCredential {
    /// `keyId`.
    pub key_id: String,
    /// `displayName` (`CWAP_AuthSecret` for the ones Application Proxy manages).
    pub display_name: Option<String>,
    /// `customKeyIdentifier`, base64.
    pub custom_key_identifier: Option<String>,
    /// `hint`: the first characters of the value.
    pub hint: String,
    /// `startDateTime`.
    pub start: Option<OffsetDateTime>,
    /// `endDateTime`.
    pub end: Option<OffsetDateTime>,
    /// The value, kept only for secrets made over Graph (so they can sign in); never
    /// listed.
    pub secret: Option<String>,
}

/// An application that is not one of the configured apps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirectoryApplication {
    /// Object id.
    pub id: String,
    /// Client id.
    pub app_id: String,
    /// `displayName`.
    pub display_name: String,
    /// `signInAudience`, e.g. `AzureADMyOrg`.
    pub sign_in_audience: String,
    /// `keyCredentials`.
    pub key_credentials: Vec<KeyCredential>,
    /// `passwordCredentials`.
    pub password_credentials: Vec<PasswordCredential>,
    /// `createdDateTime`.
    pub created: OffsetDateTime,
}

/// A service principal that is not a configured app's own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirectoryServicePrincipal {
    /// Object id.
    pub id: String,
    /// Client id of its application.
    pub app_id: String,
    /// `displayName`.
    pub display_name: String,
    /// `Application` or `ManagedIdentity`.
    pub service_principal_type: String,
    /// The tenant owning the application (`None` for managed identities).
    pub app_owner_organization_id: Option<String>,
    /// `keyCredentials`.
    pub key_credentials: Vec<KeyCredential>,
    /// `passwordCredentials`.
    pub password_credentials: Vec<PasswordCredential>,
    /// SAML apps: hex thumbprint of the signing certificate in use.
    pub preferred_token_signing_key_thumbprint: Option<String>,
}

/// What owns an object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Owner {
    /// A user, by object id.
    User(String),
    /// A service principal, by object id (what `Application.ReadWrite.OwnedBy` checks).
    ServicePrincipal(String),
}

impl Owner {
    pub(crate) fn id(&self) -> &str {
        match self {
            Owner::User(id) | Owner::ServicePrincipal(id) => id,
        }
    }
}

/// What a chosen listing page answers instead of its objects.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PageFault {
    /// 429 `TooManyRequests` with `Retry-After`.
    TooManyRequests {
        /// Seconds in `Retry-After`.
        retry_after_secs: u64,
    },
    /// This status with Graph's error body for it.
    Status(u16),
    /// 200 with a body cut off in the middle of the JSON.
    Truncated,
}

#[derive(Clone, Debug)]
pub(crate) struct PageFaultRule {
    pub collection: Collection,
    pub page: usize,
    pub fault: PageFault,
    pub remaining: Times,
}

#[derive(Clone, Debug)]
pub(crate) struct BatchThrottle {
    pub url_prefix: String,
    pub retry_after_secs: u64,
    pub remaining: Times,
}

/// The directory of one tenant.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct Directory {
    /// Applications besides the configured apps, in listing order.
    pub applications: Vec<DirectoryApplication>,
    /// Service principals besides the configured apps' own, in listing order.
    pub service_principals: Vec<DirectoryServicePrincipal>,
    /// Owners by object id (lower case), of any object, configured apps included.
    pub owners: HashMap<String, Vec<Owner>>,
    /// Client ids of configured apps that have no service principal (yet): an app made
    /// over Graph has none until `POST /servicePrincipals`.
    pub without_service_principal: Vec<String>,
    /// Custom role definitions of the tenant (built-in ones: [`builtin_role_definitions`]).
    pub role_definitions: Vec<RoleDefinition>,
    /// Role assignments made over ARM, by principal object id.
    pub role_assignments: Vec<DirectoryRoleAssignment>,
    pub(crate) page_faults: Vec<PageFaultRule>,
    pub(crate) batch_throttles: Vec<BatchThrottle>,
}

impl Directory {
    /// An empty directory.
    pub fn new() -> Self {
        Directory::default()
    }

    /// Adds an application.
    pub fn application(mut self, application: DirectoryApplication) -> Self {
        self.applications.push(application);
        self
    }

    /// Adds a service principal.
    pub fn service_principal(mut self, sp: DirectoryServicePrincipal) -> Self {
        self.service_principals.push(sp);
        self
    }

    /// Makes `owner` an owner of the object `object_id`.
    pub fn owner(mut self, object_id: &str, owner: Owner) -> Self {
        self.add_owner(object_id, owner);
        self
    }

    /// Makes `owner` an owner of the object `object_id` (in place).
    pub fn add_owner(&mut self, object_id: &str, owner: Owner) {
        self.owners
            .entry(object_id.to_ascii_lowercase())
            .or_default()
            .push(owner);
    }

    /// Answers page `page` (0 = the first) of `collection` with `fault`, `times` times.
    /// A page is counted by the position a `$skiptoken` points at, whatever `$top` is.
    pub fn fault_page(
        mut self,
        collection: Collection,
        page: usize,
        fault: PageFault,
        times: Times,
    ) -> Self {
        self.page_faults.push(PageFaultRule {
            collection,
            page,
            fault,
            remaining: times,
        });
        self
    }

    /// Answers `$batch` sub-requests whose `url` starts with `url_prefix` with their own
    /// 429 and `Retry-After: retry_after_secs`, `times` times.
    pub fn throttle_batch(mut self, url_prefix: &str, retry_after_secs: u64, times: Times) -> Self {
        self.batch_throttles.push(BatchThrottle {
            url_prefix: url_prefix.to_owned(),
            retry_after_secs,
            remaining: times,
        });
        self
    }

    /// The owners of `object_id`.
    pub(crate) fn owners_of(&self, object_id: &str) -> &[Owner] {
        // Called for every object an OwnedBy listing looks at: no copy of an id that is
        // already lower case.
        let key = if object_id.bytes().any(|b| b.is_ascii_uppercase()) {
            std::borrow::Cow::Owned(object_id.to_ascii_lowercase())
        } else {
            std::borrow::Cow::Borrowed(object_id)
        };
        self.owners.get(key.as_ref()).map_or(&[], Vec::as_slice)
    }
}

/// The object id of a configured app's service principal (stable, derived from the
/// client id).
pub fn service_principal_id(client_id: &str) -> String {
    crate::ids::derived_guid("service principal", client_id)
}
