//! The objects a run creates, as the report lists them and [`undo`](super::undo) removes
//! them.

use serde::Serialize;

/// What kind of object a run created (shown in snake case, as in the JSON report).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectKind {
    /// The application registration.
    Application,
    /// Its service principal.
    ServicePrincipal,
    /// A client secret (`addPassword`) on the application.
    ClientSecret,
    /// A federated identity credential on the application.
    FederatedCredential,
    /// A custom role definition.
    RoleDefinition,
    /// A role assignment on a subscription.
    RoleAssignment,
}

impl ObjectKind {
    /// The kind's name as the report spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Application => "application",
            ObjectKind::ServicePrincipal => "service_principal",
            ObjectKind::ClientSecret => "client_secret",
            ObjectKind::FederatedCredential => "federated_credential",
            ObjectKind::RoleDefinition => "role_definition",
            ObjectKind::RoleAssignment => "role_assignment",
        }
    }

    /// Whether removing the application removes this object too.
    pub(super) fn goes_with_application(self) -> bool {
        matches!(
            self,
            ObjectKind::ServicePrincipal
                | ObjectKind::ClientSecret
                | ObjectKind::FederatedCredential
        )
    }
}

impl std::fmt::Display for ObjectKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One object this run created, and what became of it.
#[derive(Debug, Clone, Serialize)]
pub struct CreatedObject {
    /// What it is.
    pub kind: ObjectKind,
    /// Its id (object id, keyId, resource id or name).
    pub id: String,
    /// Whether this run removed it again (a service principal goes with its
    /// application; a credential with its application).
    pub removed: bool,
}
