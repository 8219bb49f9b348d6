//! Entra ID tenants, app registrations, their credentials and role assignments.

use serde::Deserialize;
use time::OffsetDateTime;

use super::Certificate;
use crate::ids::derived_guid;

/// An Entra ID tenant.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Tenant {
    /// Tenant id (a GUID, as used in the token URL).
    pub id: String,
    /// App registrations (service principals) of the tenant.
    pub apps: Vec<App>,
    /// Every other application and service principal Graph lists (generated or made
    /// over Graph), with owners and per-page faults.
    pub directory: crate::directory::Directory,
}

impl Tenant {
    /// A tenant without apps.
    pub fn new(id: impl Into<String>) -> Self {
        Tenant {
            id: id.into(),
            apps: Vec::new(),
            directory: crate::directory::Directory::default(),
        }
    }

    /// Sets the tenant's directory (see [`crate::directory::Directory::generate`]).
    pub fn directory(mut self, directory: crate::directory::Directory) -> Self {
        self.directory = directory;
        self
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
    /// The application object's id in the directory (Graph's `id`; the proof's `iss`).
    /// Defaults to a GUID derived from the client id.
    pub object_id: String,
    /// Graph's `displayName` of the application.
    pub display_name: String,
    /// Graph application permissions granted to this app (`Application.Read.All`,
    /// `Application.ReadWrite.All`): either lets it read any app of its tenant; without
    /// one, reading an app (even itself) is refused with `Authorization_RequestDenied`.
    pub graph_permissions: Vec<String>,
    /// Certificates registered as credentials (`keyCredentials`).
    pub certificates: Vec<Certificate>,
    /// Client secrets (`passwordCredentials`).
    pub secrets: Vec<ClientSecret>,
    /// `false`: the token endpoint answers AADSTS7000112.
    pub enabled: bool,
    /// Role assignments of the service principal.
    pub roles: Vec<RoleAssignment>,
    /// Federated identity credentials: external tokens the app accepts.
    pub federated: Vec<FederatedCredential>,
}

impl App {
    /// An enabled app without credentials or roles.
    pub fn new(client_id: impl Into<String>) -> Self {
        let client_id = client_id.into();
        App {
            object_id: derived_guid("application object", &client_id),
            display_name: format!("app {}", client_id.get(..8).unwrap_or(&client_id)),
            client_id,
            graph_permissions: Vec::new(),
            certificates: Vec::new(),
            secrets: Vec::new(),
            enabled: true,
            roles: Vec::new(),
            federated: Vec::new(),
        }
    }

    /// Sets the application object id.
    pub fn object_id(mut self, object_id: impl Into<String>) -> Self {
        self.object_id = object_id.into();
        self
    }

    /// Sets Graph's `displayName`.
    pub fn display_name(mut self, name: impl Into<String>) -> Self {
        self.display_name = name.into();
        self
    }

    /// Grants a Graph application permission (e.g. `Application.Read.All`).
    pub fn graph_permission(mut self, permission: impl Into<String>) -> Self {
        self.graph_permissions.push(permission.into());
        self
    }

    /// Whether this app may read app registrations over Graph.
    pub(crate) fn may_read_applications(&self) -> bool {
        self.graph_permissions.iter().any(|p| {
            p.eq_ignore_ascii_case("Application.Read.All")
                || p.eq_ignore_ascii_case("Application.ReadWrite.All")
        })
    }

    /// Whether this app may change other apps' credentials over Graph.
    pub(crate) fn may_write_applications(&self) -> bool {
        self.graph_permissions
            .iter()
            .any(|p| p.eq_ignore_ascii_case("Application.ReadWrite.All"))
    }

    /// Adds a federated identity credential.
    pub fn federated(mut self, credential: FederatedCredential) -> Self {
        self.federated.push(credential);
        self
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

/// A federated identity credential: the app accepts, as its client assertion, a token
/// from `issuer` about `subject` for one of `audiences` (signature checked against the
/// issuer's JWKS, see [`crate::Config::oidc_issuer`]).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct FederatedCredential {
    /// `iss` of accepted tokens, compared exactly.
    pub issuer: String,
    /// `sub` of accepted tokens, compared exactly.
    pub subject: String,
    /// Accepted `aud` values (Entra's default is `api://AzureADTokenExchange`).
    #[serde(default = "default_audiences")]
    pub audiences: Vec<String>,
}

fn default_audiences() -> Vec<String> {
    vec!["api://AzureADTokenExchange".to_owned()]
}

impl FederatedCredential {
    /// A credential for `issuer` and `subject` with the default audience.
    pub fn new(issuer: impl Into<String>, subject: impl Into<String>) -> Self {
        FederatedCredential {
            issuer: issuer.into(),
            subject: subject.into(),
            audiences: default_audiences(),
        }
    }

    /// Replaces the accepted audiences.
    pub fn audiences<S: Into<String>>(mut self, audiences: impl IntoIterator<Item = S>) -> Self {
        self.audiences = audiences.into_iter().map(Into::into).collect();
        self
    }
}

/// A client secret and its expiry.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ClientSecret {
    /// The secret value.
    pub value: String,
    /// Graph's `keyId` of the secret (random at creation).
    pub key_id: String,
    /// After this instant the token endpoint answers AADSTS7000222. `None`: never.
    pub expires: Option<OffsetDateTime>,
}

impl ClientSecret {
    /// A secret that expires at `expires` (or never).
    pub fn new(value: impl Into<String>, expires: Option<OffsetDateTime>) -> Self {
        ClientSecret {
            value: value.into(),
            key_id: crate::ids::random_guid(),
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
