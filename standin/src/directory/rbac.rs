//! The model behind ARM's role routes (`crate::authorization`): role definitions,
//! built-in and custom, and role assignments to principals by object id, convertible to
//! the [`RoleAssignment`]s the permissions list evaluates.

use crate::config::RoleAssignment;

/// A role definition: built-in (same id in every tenant) or custom (name unique in the
/// tenant).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RoleDefinition {
    /// Its GUID (the last segment of its resource id).
    pub id: String,
    /// `roleName`.
    pub role_name: String,
    /// `BuiltInRole` or `CustomRole`.
    pub kind: String,
    /// Granted actions.
    pub actions: Vec<String>,
    /// Actions taken away from `actions`.
    pub not_actions: Vec<String>,
    /// Granted data actions.
    pub data_actions: Vec<String>,
    /// Data actions taken away from `data_actions`.
    pub not_data_actions: Vec<String>,
    /// `description`.
    pub description: String,
    /// `assignableScopes` (`/` for built-in roles).
    pub assignable_scopes: Vec<String>,
}

impl RoleDefinition {
    /// A custom role granting `actions`, assignable at `assignable_scopes`.
    pub fn custom<S: Into<String>>(
        id: impl Into<String>,
        role_name: impl Into<String>,
        actions: impl IntoIterator<Item = S>,
        assignable_scopes: impl IntoIterator<Item = S>,
    ) -> Self {
        RoleDefinition {
            id: id.into(),
            role_name: role_name.into(),
            kind: "CustomRole".into(),
            actions: actions.into_iter().map(Into::into).collect(),
            not_actions: Vec::new(),
            data_actions: Vec::new(),
            not_data_actions: Vec::new(),
            description: String::new(),
            assignable_scopes: assignable_scopes.into_iter().map(Into::into).collect(),
        }
    }
}

/// Reader, Contributor, Owner, User Access Administrator and Role Based Access Control
/// Administrator with their fixed ids and their actions, as Azure lists them.
pub fn builtin_role_definitions() -> Vec<RoleDefinition> {
    let role = |id: &str, name: &str, actions: &[&str], not_actions: &[&str]| RoleDefinition {
        id: id.into(),
        role_name: name.into(),
        kind: "BuiltInRole".into(),
        actions: actions.iter().map(|s| s.to_string()).collect(),
        not_actions: not_actions.iter().map(|s| s.to_string()).collect(),
        data_actions: Vec::new(),
        not_data_actions: Vec::new(),
        description: format!("Azure's built-in {name} role."),
        assignable_scopes: vec!["/".into()],
    };
    vec![
        role(
            "acdd72a7-3385-48ef-bd42-f606fba81ae7",
            "Reader",
            &["*/read"],
            &[],
        ),
        role(
            "b24988ac-6180-42a0-ab88-20f7382dd24c",
            "Contributor",
            &["*"],
            &[
                "Microsoft.Authorization/*/Delete",
                "Microsoft.Authorization/*/Write",
                "Microsoft.Authorization/elevateAccess/Action",
                "Microsoft.Blueprint/blueprintAssignments/write",
                "Microsoft.Blueprint/blueprintAssignments/delete",
                "Microsoft.Compute/galleries/share/action",
                "Microsoft.Purview/consents/write",
                "Microsoft.Purview/consents/delete",
                "Microsoft.Resources/deploymentStacks/manageDenySetting/action",
                "Microsoft.Subscription/cancel/action",
                "Microsoft.Subscription/enable/action",
            ],
        ),
        role("8e3f2abd-7a6f-4a8d-ba26-3ca9f0b6d5a0", "Owner", &["*"], &[]),
        role(
            "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
            "User Access Administrator",
            &["*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"],
            &[],
        ),
        // Its condition (which roles it may assign) is not modelled.
        role(
            "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
            "Role Based Access Control Administrator",
            &[
                "Microsoft.Authorization/roleAssignments/write",
                "Microsoft.Authorization/roleAssignments/delete",
                "*/read",
                "Microsoft.Support/*",
            ],
            &[],
        ),
    ]
}

/// A role assignment made over ARM.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DirectoryRoleAssignment {
    /// Its GUID.
    pub id: String,
    /// Where it applies.
    pub scope: String,
    /// The role definition's GUID.
    pub role_definition_id: String,
    /// The principal's object id.
    pub principal_id: String,
    /// `ServicePrincipal`, `User`, `Group`.
    pub principal_type: String,
}

impl DirectoryRoleAssignment {
    /// The assignment `id` of role definition `role_definition_id` (a GUID) to
    /// `principal_id` at `scope`.
    pub fn new(
        id: impl Into<String>,
        scope: impl Into<String>,
        role_definition_id: impl Into<String>,
        principal_id: impl Into<String>,
        principal_type: impl Into<String>,
    ) -> Self {
        DirectoryRoleAssignment {
            id: id.into(),
            scope: scope.into(),
            role_definition_id: role_definition_id.into(),
            principal_id: principal_id.into(),
            principal_type: principal_type.into(),
        }
    }
}

impl super::Directory {
    /// The role definition with GUID `id`: a custom one of this tenant or a built-in.
    pub fn role_definition(&self, id: &str) -> Option<RoleDefinition> {
        self.role_definitions
            .iter()
            .cloned()
            .chain(builtin_role_definitions())
            .find(|d| d.id.eq_ignore_ascii_case(id))
    }

    /// The assignments to `principal_id` as the permissions list evaluates them.
    pub fn roles_of(&self, principal_id: &str) -> Vec<RoleAssignment> {
        self.role_assignments
            .iter()
            .filter(|a| a.principal_id.eq_ignore_ascii_case(principal_id))
            .filter_map(|a| {
                let definition = self.role_definition(&a.role_definition_id)?;
                let mut role = RoleAssignment::new(a.scope.clone(), definition.actions)
                    .not_actions(definition.not_actions);
                role.data_actions = definition.data_actions;
                role.not_data_actions = definition.not_data_actions;
                Some(role)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assignments_resolve_to_their_definitions() {
        let mut d = super::super::Directory::default();
        d.role_definitions.push(RoleDefinition::custom(
            "11111111-0000-4000-8000-000000000001",
            "Spot",
            ["Microsoft.Compute/*/read"],
            ["/subscriptions/s"],
        ));
        for (id, role) in [
            ("a1", "11111111-0000-4000-8000-000000000001"),
            ("a2", "B24988AC-6180-42A0-AB88-20F7382DD24C"),
            ("a3", "no-such-role"),
        ] {
            d.role_assignments.push(DirectoryRoleAssignment {
                id: id.into(),
                scope: "/subscriptions/s".into(),
                role_definition_id: role.into(),
                principal_id: "p".into(),
                principal_type: "ServicePrincipal".into(),
            });
        }
        let roles = d.roles_of("P");
        assert_eq!(roles.len(), 2, "an unknown definition grants nothing");
        assert_eq!(roles[0].actions, ["Microsoft.Compute/*/read"]);
        assert_eq!(
            roles[1].not_actions.len(),
            11,
            "Contributor, as Azure lists it"
        );
        assert!(d.roles_of("q").is_empty());
    }
}
