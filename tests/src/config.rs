//! What the stand-in knows: subscriptions (for ASM and ARM) and tenants with their apps
//! (for Entra ID and role assignments). Built in code with the builder methods here, or
//! read from the TOML file described in `tests/README.md` ([`Config::from_toml_file`]).

use std::path::{Path, PathBuf};
use std::time::Duration;

use openssl::hash::{hash, MessageDigest};
use openssl::x509::X509;
use serde::Deserialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::StandInError;

/// The whole stand-in configuration.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Config {
    /// Subscriptions served by ASM and ARM.
    pub subscriptions: Vec<Subscription>,
    /// Entra ID tenants and their app registrations.
    pub tenants: Vec<Tenant>,
    /// How the token endpoint answers an assertion signed with a registered certificate
    /// that is outside its validity window (both are seen live, see AZURE.md).
    pub expired_certificate_error: ExpiredCertificateError,
    /// Clock skew tolerated on an assertion's `nbf` and `exp`.
    pub clock_skew: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            subscriptions: Vec::new(),
            tenants: Vec::new(),
            expired_certificate_error: ExpiredCertificateError::default(),
            clock_skew: Duration::from_secs(300),
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

/// A subscription, known to ASM (management certificates) and ARM (role assignments).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Subscription {
    /// Subscription id (a GUID).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Active or Disabled (or Warned, Deleted).
    pub state: SubscriptionState,
    /// Tenant the subscription belongs to; `None` means the first configured tenant.
    pub tenant_id: Option<String>,
    /// Registered management certificates (ASM accepts a client certificate whose SHA-1
    /// thumbprint matches one of these).
    pub management_certificates: Vec<Certificate>,
    /// Cloud services listed by List Hosted Services.
    pub hosted_services: Vec<HostedService>,
    /// Page size of List Hosted Services; more services than this are paged with
    /// `x-ms-continuation-token`. `None` lists all at once.
    pub hosted_services_page_size: Option<usize>,
}

impl Subscription {
    /// An active subscription without certificates or services.
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        Subscription {
            id: id.into(),
            name: name.into(),
            state: SubscriptionState::Active,
            tenant_id: None,
            management_certificates: Vec::new(),
            hosted_services: Vec::new(),
            hosted_services_page_size: None,
        }
    }

    /// Sets the state.
    pub fn state(mut self, state: SubscriptionState) -> Self {
        self.state = state;
        self
    }

    /// Sets the owning tenant.
    pub fn tenant_id(mut self, tenant_id: impl Into<String>) -> Self {
        self.tenant_id = Some(tenant_id.into());
        self
    }

    /// Registers a management certificate.
    pub fn management_certificate(mut self, certificate: Certificate) -> Self {
        self.management_certificates.push(certificate);
        self
    }

    /// Adds a cloud service.
    pub fn hosted_service(mut self, service: HostedService) -> Self {
        self.hosted_services.push(service);
        self
    }

    /// Pages List Hosted Services by `size` entries.
    pub fn hosted_services_page_size(mut self, size: usize) -> Self {
        self.hosted_services_page_size = Some(size.max(1));
        self
    }
}

/// Subscription states, as ASM names them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
pub enum SubscriptionState {
    /// Usable; ARM calls it `Enabled`.
    #[default]
    Active,
    /// ASM answers 403 SubscriptionDisabled.
    Disabled,
    /// Usable with a warning.
    Warned,
    /// Deleted.
    Deleted,
}

impl SubscriptionState {
    /// The ASM `SubscriptionStatus` text.
    pub fn asm_name(self) -> &'static str {
        match self {
            SubscriptionState::Active => "Active",
            SubscriptionState::Disabled => "Disabled",
            SubscriptionState::Warned => "Warned",
            SubscriptionState::Deleted => "Deleted",
        }
    }

    /// The ARM `state` text.
    pub fn arm_name(self) -> &'static str {
        match self {
            SubscriptionState::Active => "Enabled",
            other => other.asm_name(),
        }
    }
}

/// A cloud service (classic) listed by ASM.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct HostedService {
    /// Service name.
    pub name: String,
    /// Region; sent instead of an affinity group.
    #[serde(default)]
    pub location: Option<String>,
    /// Affinity group (a GUID); sent when `location` is not set.
    #[serde(default)]
    pub affinity_group: Option<String>,
    /// Label (plain text; sent base64-encoded as ASM does). Defaults to the name.
    #[serde(default)]
    pub label: Option<String>,
    /// Description; absent ones are sent as `i:nil="true"`.
    #[serde(default)]
    pub description: Option<String>,
}

impl HostedService {
    /// A service in `location`.
    pub fn new(name: impl Into<String>, location: impl Into<String>) -> Self {
        HostedService {
            name: name.into(),
            location: Some(location.into()),
            affinity_group: None,
            label: None,
            description: None,
        }
    }
}

/// A registered certificate (management certificate or app credential): DER bytes and
/// the parsed certificate.
#[derive(Clone, Debug)]
pub struct Certificate {
    x509: X509,
    der: Vec<u8>,
}

impl Certificate {
    /// From DER bytes (a `.cer`).
    pub fn from_der(der: &[u8]) -> Result<Self, StandInError> {
        let x509 = X509::from_der(der)
            .map_err(|e| StandInError::Config(format!("not a DER certificate: {e}")))?;
        Ok(Certificate {
            x509,
            der: der.to_vec(),
        })
    }

    /// From PEM text (the first certificate in it).
    pub fn from_pem(pem: &[u8]) -> Result<Self, StandInError> {
        let x509 = X509::from_pem(pem)
            .map_err(|e| StandInError::Config(format!("not a PEM certificate: {e}")))?;
        Self::from_x509(&x509)
    }

    /// From a parsed certificate.
    pub fn from_x509(x509: &X509) -> Result<Self, StandInError> {
        let der = x509
            .to_der()
            .map_err(|e| StandInError::Config(e.to_string()))?;
        Ok(Certificate {
            x509: x509.clone(),
            der,
        })
    }

    /// From a file holding DER or PEM.
    pub fn from_file(path: &Path) -> Result<Self, StandInError> {
        let bytes = std::fs::read(path)
            .map_err(|e| StandInError::Config(format!("cannot read {}: {e}", path.display())))?;
        if bytes.trim_ascii_start().starts_with(b"-----BEGIN") {
            Self::from_pem(&bytes)
        } else {
            Self::from_der(&bytes)
        }
        .map_err(|e| StandInError::Config(format!("{}: {e}", path.display())))
    }

    /// The DER encoding.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The parsed certificate.
    pub fn x509(&self) -> &X509 {
        &self.x509
    }

    /// SHA-1 of the DER, upper-case hex, as Azure shows thumbprints.
    pub fn sha1_thumbprint(&self) -> String {
        digest_hex(MessageDigest::sha1(), &self.der)
    }
}

/// Upper-case hex digest of `data`.
pub(crate) fn digest_hex(md: MessageDigest, data: &[u8]) -> String {
    hash(md, data)
        .map(|d| d.iter().map(|b| format!("{b:02X}")).collect())
        .unwrap_or_default()
}

/// An Entra ID tenant.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Tenant {
    /// Tenant id (a GUID, as used in the token URL).
    pub id: String,
    /// App registrations (service principals) of the tenant.
    pub apps: Vec<App>,
}

impl Tenant {
    /// A tenant without apps.
    pub fn new(id: impl Into<String>) -> Self {
        Tenant {
            id: id.into(),
            apps: Vec::new(),
        }
    }

    /// Adds an app registration.
    pub fn app(mut self, app: App) -> Self {
        self.apps.push(app);
        self
    }
}

/// An app registration with its service principal's credentials and role assignments.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct App {
    /// Application (client) id.
    pub client_id: String,
    /// Certificates registered as credentials (`keyCredentials`).
    pub certificates: Vec<Certificate>,
    /// Client secrets (`passwordCredentials`).
    pub secrets: Vec<ClientSecret>,
    /// `false`: the token endpoint answers AADSTS7000112.
    pub enabled: bool,
    /// Role assignments of the service principal.
    pub roles: Vec<RoleAssignment>,
}

impl App {
    /// An enabled app without credentials or roles.
    pub fn new(client_id: impl Into<String>) -> Self {
        App {
            client_id: client_id.into(),
            certificates: Vec::new(),
            secrets: Vec::new(),
            enabled: true,
            roles: Vec::new(),
        }
    }

    /// Registers a certificate credential.
    pub fn certificate(mut self, certificate: Certificate) -> Self {
        self.certificates.push(certificate);
        self
    }

    /// Adds a client secret.
    pub fn secret(mut self, secret: ClientSecret) -> Self {
        self.secrets.push(secret);
        self
    }

    /// Enables or disables the app.
    pub fn enabled(mut self, enabled: bool) -> Self {
        self.enabled = enabled;
        self
    }

    /// Adds a role assignment.
    pub fn role(mut self, role: RoleAssignment) -> Self {
        self.roles.push(role);
        self
    }
}

/// A client secret and its expiry.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ClientSecret {
    /// The secret value.
    pub value: String,
    /// After this instant the token endpoint answers AADSTS7000222. `None`: never.
    pub expires: Option<OffsetDateTime>,
}

impl ClientSecret {
    /// A secret that expires at `expires` (or never).
    pub fn new(value: impl Into<String>, expires: Option<OffsetDateTime>) -> Self {
        ClientSecret {
            value: value.into(),
            expires,
        }
    }
}

/// A role assignment: a scope and the actions the role grants there.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct RoleAssignment {
    /// `/subscriptions/{id}` or `/subscriptions/{id}/resourceGroups/{rg}` (or `/`).
    pub scope: String,
    /// Granted actions (wildcards as in Azure RBAC).
    #[serde(default)]
    pub actions: Vec<String>,
    /// Actions excluded from `actions`.
    #[serde(default)]
    pub not_actions: Vec<String>,
    /// Granted data actions.
    #[serde(default)]
    pub data_actions: Vec<String>,
    /// Data actions excluded from `data_actions`.
    #[serde(default)]
    pub not_data_actions: Vec<String>,
}

impl RoleAssignment {
    /// A role at `scope` granting `actions`.
    pub fn new<S: Into<String>>(
        scope: impl Into<String>,
        actions: impl IntoIterator<Item = S>,
    ) -> Self {
        RoleAssignment {
            scope: scope.into(),
            actions: actions.into_iter().map(Into::into).collect(),
            not_actions: Vec::new(),
            data_actions: Vec::new(),
            not_data_actions: Vec::new(),
        }
    }

    /// The built-in Reader role (`*/read`) at `scope`.
    pub fn reader(scope: impl Into<String>) -> Self {
        Self::new(scope, ["*/read"])
    }

    /// Sets the excluded actions.
    pub fn not_actions<S: Into<String>>(
        mut self,
        not_actions: impl IntoIterator<Item = S>,
    ) -> Self {
        self.not_actions = not_actions.into_iter().map(Into::into).collect();
        self
    }

    /// Whether this assignment applies at `target` (its scope is `target` or above it).
    pub fn covers(&self, target: &str) -> bool {
        let scope = self.scope.trim_end_matches('/').to_ascii_lowercase();
        let target = target.trim_end_matches('/').to_ascii_lowercase();
        scope.is_empty() || target == scope || target.starts_with(&format!("{scope}/"))
    }
}

/// The TOML file's shape, resolved into [`Config`] (files read, env vars looked up).
mod file {
    use super::*;

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct ConfigFile {
        #[serde(default)]
        subscription: Vec<SubscriptionFile>,
        #[serde(default)]
        tenant: Vec<TenantFile>,
        #[serde(default)]
        expired_certificate_error: ExpiredCertificateError,
        #[serde(default)]
        clock_skew_seconds: Option<u64>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct SubscriptionFile {
        id: String,
        name: String,
        #[serde(default)]
        state: SubscriptionState,
        #[serde(default)]
        tenant: Option<String>,
        #[serde(default)]
        management_certificates: Vec<PathBuf>,
        #[serde(default)]
        hosted_services: Vec<HostedService>,
        #[serde(default)]
        hosted_services_page_size: Option<usize>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct TenantFile {
        id: String,
        #[serde(default)]
        app: Vec<AppFile>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct AppFile {
        client_id: String,
        #[serde(default)]
        certificates: Vec<PathBuf>,
        #[serde(default)]
        secrets: Vec<SecretFile>,
        #[serde(default = "yes")]
        enabled: bool,
        #[serde(default)]
        role: Vec<RoleAssignment>,
    }

    fn yes() -> bool {
        true
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct SecretFile {
        #[serde(default)]
        value: Option<String>,
        #[serde(default)]
        value_env: Option<String>,
        #[serde(default)]
        expires: Option<String>,
    }

    fn certificates(paths: &[PathBuf], base: &Path) -> Result<Vec<Certificate>, StandInError> {
        paths
            .iter()
            .map(|p| Certificate::from_file(&base.join(p)))
            .collect()
    }

    impl SecretFile {
        fn resolve(self) -> Result<ClientSecret, StandInError> {
            let value = match (self.value, self.value_env) {
                (Some(v), None) => v,
                (None, Some(var)) => std::env::var(&var).map_err(|_| {
                    StandInError::Config(format!("secret: environment variable {var} is not set"))
                })?,
                _ => {
                    return Err(StandInError::Config(
                        "secret: give exactly one of `value` and `value_env`".into(),
                    ))
                }
            };
            let expires = match self.expires {
                None => None,
                Some(text) => Some(OffsetDateTime::parse(&text, &Rfc3339).map_err(|e| {
                    StandInError::Config(format!("secret expires {text:?}: {e} (want RFC 3339)"))
                })?),
            };
            Ok(ClientSecret { value, expires })
        }
    }

    impl ConfigFile {
        pub(super) fn resolve(self, base: &Path) -> Result<Config, StandInError> {
            let mut config =
                Config::new().expired_certificate_error(self.expired_certificate_error);
            if let Some(seconds) = self.clock_skew_seconds {
                config.clock_skew = Duration::from_secs(seconds);
            }
            for s in self.subscription {
                config.subscriptions.push(Subscription {
                    id: s.id,
                    name: s.name,
                    state: s.state,
                    tenant_id: s.tenant,
                    management_certificates: certificates(&s.management_certificates, base)?,
                    hosted_services: s.hosted_services,
                    hosted_services_page_size: s.hosted_services_page_size.map(|n| n.max(1)),
                });
            }
            for t in self.tenant {
                let mut tenant = Tenant::new(t.id);
                for a in t.app {
                    tenant.apps.push(App {
                        client_id: a.client_id,
                        certificates: certificates(&a.certificates, base)?,
                        secrets: a
                            .secrets
                            .into_iter()
                            .map(SecretFile::resolve)
                            .collect::<Result<_, _>>()?,
                        enabled: a.enabled,
                        roles: a.role,
                    });
                }
                config.tenants.push(tenant);
            }
            Ok(config)
        }
    }
}
