//! What the stand-in knows: subscriptions (for ASM and ARM) and tenants with their apps
//! (for Entra ID and role assignments). Built in code with the builder methods here, or
//! read from the TOML file described in `tests/README.md` ([`Config::from_toml_file`]).

use std::path::Path;
use std::time::Duration;

use serde::Deserialize;

use crate::StandInError;

mod certificate;
mod file;
mod subscription;
mod tenant;

pub(crate) use certificate::digest_hex;
pub use certificate::Certificate;
pub use subscription::{HostedService, Subscription, SubscriptionState};
pub use tenant::{App, ClientSecret, FederatedCredential, RoleAssignment, Tenant};

/// The whole stand-in configuration.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Config {
    /// Subscriptions served by ASM and ARM.
    pub subscriptions: Vec<Subscription>,
    /// Entra ID tenants and their app registrations.
    pub tenants: Vec<Tenant>,
    /// How the token endpoint answers an assertion signed with a registered certificate
    /// that is outside its validity window (both are seen live, see `docs/azure.md` § "Entra ID sign-in").
    pub expired_certificate_error: ExpiredCertificateError,
    /// Clock skew tolerated on an assertion's `nbf` and `exp`.
    pub clock_skew: Duration,
    /// Page size of ARM's permissions list; more entries than this are paged with
    /// `nextLink`. `None` lists all at once.
    pub permissions_page_size: Option<usize>,
    /// How long after Graph's `addKey` Entra ID starts accepting the new certificate
    /// (until then it answers as for an unregistered key).
    pub replication_delay: Duration,
    /// External OIDC issuers whose tokens federated credentials accept, with their keys.
    pub oidc_issuers: Vec<OidcIssuer>,
    /// How long after `POST /v1.0/applications` the new app can sign in (until then the
    /// token endpoint answers AADSTS700016, as for an app it does not know).
    pub new_app_signin_delay: Duration,
    /// How long after `POST /v1.0/servicePrincipals` a role assignment that names the
    /// principal without `principalType` is refused with 400 `PrincipalNotFound`.
    pub principal_replication_window: Duration,
    /// The `interval` (seconds) the device code endpoint tells clients to poll at.
    pub device_code_interval_secs: u64,
    /// How long a device code lives (`expires_in`).
    pub device_code_lifetime: Duration,
}

/// An external OpenID Connect issuer and its signing keys (a JWKS), as Entra ID would
/// fetch them from the issuer's `jwks_uri`.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct OidcIssuer {
    /// `iss`, exactly as in the tokens.
    pub issuer: String,
    /// The JWKS document (`{"keys": [{"kty": "RSA", "kid", "n", "e"}, …]}`).
    pub jwks: serde_json::Value,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            subscriptions: Vec::new(),
            tenants: Vec::new(),
            expired_certificate_error: ExpiredCertificateError::default(),
            clock_skew: Duration::from_secs(300),
            permissions_page_size: None,
            replication_delay: Duration::ZERO,
            oidc_issuers: Vec::new(),
            new_app_signin_delay: Duration::ZERO,
            principal_replication_window: Duration::from_secs(60),
            device_code_interval_secs: 5,
            device_code_lifetime: Duration::from_secs(900),
        }
    }
}

/// Which error an assertion signed by an expired (or not yet valid) registered
/// certificate gets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
pub enum ExpiredCertificateError {
    /// `AADSTS1000502`: the certificate is outside its valid time range.
    #[default]
    #[serde(rename = "1000502")]
    Aadsts1000502,
    /// `AADSTS700027` "The key used is expired", with the found key's Start/End.
    #[serde(rename = "700027")]
    Aadsts700027,
}

impl Config {
    /// An empty configuration: no subscription, no tenant.
    pub fn new() -> Self {
        Config::default()
    }

    /// Adds a subscription.
    pub fn subscription(mut self, subscription: Subscription) -> Self {
        self.subscriptions.push(subscription);
        self
    }

    /// Adds a tenant.
    pub fn tenant(mut self, tenant: Tenant) -> Self {
        self.tenants.push(tenant);
        self
    }

    /// The tenant with this id (GUIDs compare case-insensitively, as Azure does).
    pub(crate) fn tenant_by_id(&self, id: &str) -> Option<&Tenant> {
        self.tenants.iter().find(|t| t.id.eq_ignore_ascii_case(id))
    }

    /// [`Config::tenant_by_id`], to change it.
    pub(crate) fn tenant_by_id_mut(&mut self, id: &str) -> Option<&mut Tenant> {
        self.tenants
            .iter_mut()
            .find(|t| t.id.eq_ignore_ascii_case(id))
    }

    /// Pages ARM's permissions list by `size` entries (linked with `nextLink`).
    pub fn permissions_page_size(mut self, size: usize) -> Self {
        self.permissions_page_size = Some(size.max(1));
        self
    }

    /// Delays sign-in with certificates added over Graph by `delay`.
    pub fn replication_delay(mut self, delay: Duration) -> Self {
        self.replication_delay = delay;
        self
    }

    /// Delays sign-in of apps made over Graph by `delay` after their creation.
    pub fn new_app_signin_delay(mut self, delay: Duration) -> Self {
        self.new_app_signin_delay = delay;
        self
    }

    /// Refuses role assignments without `principalType` for `window` after the
    /// principal's creation (directory replication).
    pub fn principal_replication_window(mut self, window: Duration) -> Self {
        self.principal_replication_window = window;
        self
    }

    /// Tells device-code clients to poll every `seconds` (at least 1).
    pub fn device_code_interval(mut self, seconds: u64) -> Self {
        self.device_code_interval_secs = seconds.max(1);
        self
    }

    /// Lets device codes live `lifetime`.
    pub fn device_code_lifetime(mut self, lifetime: Duration) -> Self {
        self.device_code_lifetime = lifetime;
        self
    }

    /// The app with `client_id` in `tenant_id`.
    pub(crate) fn app(&self, tenant_id: &str, client_id: &str) -> Option<&App> {
        self.tenants
            .iter()
            .filter(|t| t.id.eq_ignore_ascii_case(tenant_id))
            .flat_map(|t| &t.apps)
            .find(|a| a.client_id.eq_ignore_ascii_case(client_id))
    }

    /// Trusts `issuer`'s tokens, verified with the keys of `jwks` (a JWKS JSON document).
    pub fn oidc_issuer(
        mut self,
        issuer: impl Into<String>,
        jwks: &str,
    ) -> Result<Self, StandInError> {
        let jwks: serde_json::Value = serde_json::from_str(jwks)
            .map_err(|e| StandInError::Config(format!("the JWKS is not JSON: {e}")))?;
        if !jwks.get("keys").is_some_and(serde_json::Value::is_array) {
            return Err(StandInError::Config("the JWKS has no \"keys\" list".into()));
        }
        self.oidc_issuers.push(OidcIssuer {
            issuer: issuer.into(),
            jwks,
        });
        Ok(self)
    }

    /// Chooses the answer to an assertion signed by an expired registered certificate.
    pub fn expired_certificate_error(mut self, error: ExpiredCertificateError) -> Self {
        self.expired_certificate_error = error;
        self
    }

    /// Reads the TOML file; certificate paths in it are relative to the file's folder.
    pub fn from_toml_file(path: &Path) -> Result<Self, StandInError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| StandInError::Config(format!("cannot read {}: {e}", path.display())))?;
        let base = path.parent().unwrap_or(Path::new("."));
        Self::from_toml_str(&text, base)
    }

    /// Parses TOML text; relative certificate paths are resolved against `base_dir`.
    pub fn from_toml_str(text: &str, base_dir: &Path) -> Result<Self, StandInError> {
        let file: file::ConfigFile =
            toml::from_str(text).map_err(|e| StandInError::Config(e.to_string()))?;
        file.resolve(base_dir)
    }

    /// The tenant that owns `subscription` for ARM: its `tenant_id`, else the first tenant.
    pub(crate) fn subscription_tenant<'a>(
        &'a self,
        subscription: &'a Subscription,
    ) -> Option<&'a str> {
        subscription
            .tenant_id
            .as_deref()
            .or_else(|| self.tenants.first().map(|t| t.id.as_str()))
    }
}
