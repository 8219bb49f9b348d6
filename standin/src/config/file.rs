//! The TOML file's shape (see tests/README.md), resolved into [`Config`]: certificate
//! files read relative to the file's folder, secrets taken from the environment.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::{
    App, Certificate, ClientSecret, Config, ExpiredCertificateError, FederatedCredential,
    HostedService, RoleAssignment, Subscription, SubscriptionState, Tenant,
};
use crate::StandInError;

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
    #[serde(default)]
    permissions_page_size: Option<usize>,
    #[serde(default)]
    replication_delay_seconds: Option<u64>,
    #[serde(default)]
    new_app_signin_delay_seconds: Option<u64>,
    #[serde(default)]
    principal_replication_window_seconds: Option<u64>,
    #[serde(default)]
    device_code_interval_seconds: Option<u64>,
    #[serde(default)]
    oidc_issuer: Vec<OidcIssuerFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OidcIssuerFile {
    issuer: String,
    /// Path of the JWKS JSON, relative to the configuration file.
    jwks: PathBuf,
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
    #[serde(default)]
    directory: Option<DirectoryFile>,
}

/// `[tenant.directory]`: a generated directory (`Directory::generate`) of `applications`
/// app registrations from `seed`, dated around the moment the stand-in starts.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DirectoryFile {
    applications: usize,
    #[serde(default)]
    seed: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AppFile {
    client_id: String,
    #[serde(default)]
    object_id: Option<String>,
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    graph_permissions: Vec<String>,
    #[serde(default)]
    certificates: Vec<PathBuf>,
    #[serde(default)]
    secrets: Vec<SecretFile>,
    #[serde(default = "yes")]
    enabled: bool,
    #[serde(default)]
    role: Vec<RoleAssignment>,
    #[serde(default)]
    federated: Vec<FederatedCredential>,
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
        Ok(ClientSecret::new(value, expires))
    }
}

impl ConfigFile {
    pub(super) fn resolve(self, base: &Path) -> Result<Config, StandInError> {
        let mut config = Config::new().expired_certificate_error(self.expired_certificate_error);
        config.permissions_page_size = self.permissions_page_size.map(|n| n.max(1));
        if let Some(seconds) = self.replication_delay_seconds {
            config.replication_delay = Duration::from_secs(seconds);
        }
        if let Some(seconds) = self.new_app_signin_delay_seconds {
            config.new_app_signin_delay = Duration::from_secs(seconds);
        }
        if let Some(seconds) = self.principal_replication_window_seconds {
            config.principal_replication_window = Duration::from_secs(seconds);
        }
        if let Some(seconds) = self.device_code_interval_seconds {
            config.device_code_interval_secs = seconds.max(1);
        }
        if let Some(seconds) = self.clock_skew_seconds {
            config.clock_skew = Duration::from_secs(seconds);
        }
        for issuer in self.oidc_issuer {
            let path = base.join(&issuer.jwks);
            let text = std::fs::read_to_string(&path).map_err(|e| {
                StandInError::Config(format!("cannot read {}: {e}", path.display()))
            })?;
            config = config.oidc_issuer(issuer.issuer, &text)?;
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
            if let Some(d) = t.directory {
                tenant.directory = crate::directory::Directory::generate(
                    &tenant.id,
                    d.seed,
                    d.applications,
                    OffsetDateTime::now_utc(),
                );
            }
            for a in t.app {
                let mut app = App::new(a.client_id);
                if let Some(id) = a.object_id {
                    app.object_id = id;
                }
                if let Some(name) = a.display_name {
                    app.display_name = name;
                }
                app.graph_permissions = a.graph_permissions;
                app.certificates = certificates(&a.certificates, base)?;
                app.secrets = a
                    .secrets
                    .into_iter()
                    .map(SecretFile::resolve)
                    .collect::<Result<_, _>>()?;
                app.enabled = a.enabled;
                app.roles = a.role;
                app.federated = a.federated;
                tenant.apps.push(app);
            }
            config.tenants.push(tenant);
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_cert(dir: &Path) {
        let ca = crate::pki::ThrowawayCa::generate("file test").unwrap();
        std::fs::write(dir.join("mgmt.cer"), ca.certificate.to_der().unwrap()).unwrap();
        std::fs::write(dir.join("app.pem"), ca.certificate.to_pem().unwrap()).unwrap();
    }

    #[test]
    fn the_documented_file_resolves() {
        let dir = tempfile::tempdir().unwrap();
        write_cert(dir.path());
        let text = r#"
expired_certificate_error = "700027"
replication_delay_seconds = 30
[[subscription]]
id = "s1"
name = "Production"
state = "Disabled"
management_certificates = ["mgmt.cer"]
hosted_services = [{ name = "web", location = "West US", label = "web" }]
[[tenant]]
id = "t1"
[[tenant.app]]
client_id = "c1"
object_id = "o1"
graph_permissions = ["Application.Read.All"]
certificates = ["app.pem"]
secrets = [{ value = "v", expires = "2030-01-01T00:00:00Z" }]
[[tenant.app.role]]
scope = "/subscriptions/s1"
actions = ["*/read"]
[[tenant.app.federated]]
issuer = "https://token.actions.githubusercontent.com"
subject = "repo:o/r:ref:refs/heads/main"
[[oidc_issuer]]
issuer = "https://token.actions.githubusercontent.com"
jwks = "jwks.json"
"#;
        std::fs::write(dir.path().join("jwks.json"), r#"{"keys": []}"#).unwrap();
        let config = Config::from_toml_str(text, dir.path()).unwrap();
        let federated = &config.tenants[0].apps[0].federated[0];
        assert_eq!(federated.subject, "repo:o/r:ref:refs/heads/main");
        assert_eq!(
            federated.audiences,
            ["api://AzureADTokenExchange"],
            "the default audience"
        );
        assert_eq!(config.oidc_issuers[0].issuer, federated.issuer);
        let sub = &config.subscriptions[0];
        assert_eq!(sub.state, SubscriptionState::Disabled);
        assert_eq!(sub.management_certificates.len(), 1);
        assert_eq!(sub.hosted_services[0].location.as_deref(), Some("West US"));
        let app = &config.tenants[0].apps[0];
        assert!(app.enabled, "enabled defaults to true");
        assert_eq!(
            app.certificates[0].sha1_thumbprint(),
            sub.management_certificates[0].sha1_thumbprint(),
            "PEM and DER of one certificate register the same thumbprint"
        );
        assert_eq!(app.secrets[0].expires.unwrap().year(), 2030);
        assert_eq!(app.roles[0].actions, ["*/read"]);
        assert_eq!(app.object_id, "o1");
        assert!(app.may_read_applications());
        assert_eq!(config.replication_delay, Duration::from_secs(30));
        assert_eq!(
            config.expired_certificate_error,
            ExpiredCertificateError::Aadsts700027
        );
    }

    #[test]
    fn mistakes_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let bad = [
            "[[subscription]]\nid = \"s\"\nname = \"n\"\ncolour = \"red\"\n",
            "[[subscription]]\nid = \"s\"\nname = \"n\"\nmanagement_certificates = [\"missing.cer\"]\n",
            "[[tenant]]\nid = \"t\"\n[[tenant.app]]\nclient_id = \"c\"\nsecrets = [{ value = \"a\", value_env = \"B\" }]\n",
            "[[tenant]]\nid = \"t\"\n[[tenant.app]]\nclient_id = \"c\"\nsecrets = [{ value = \"a\", expires = \"tomorrow\" }]\n",
            "[[oidc_issuer]]\nissuer = \"i\"\njwks = \"missing.json\"\n",
        ];
        for text in bad {
            assert!(
                matches!(
                    Config::from_toml_str(text, dir.path()),
                    Err(StandInError::Config(_))
                ),
                "accepted: {text}"
            );
        }
    }
}
