//! ARM writes for giving a service principal a role (`docs/graph.md` "Roles in ARM"):
//! find a role definition by name, create a custom role, assign a role to a principal,
//! and undo both. Each new object gets a fresh GUID as its name, so a repeated `PUT` (after
//! a 429 or a dropped connection) lands on the same object rather than making a second.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::rbac::PermissionEntry;
use super::{is_path_segment, ArmClient, ArmError};
use crate::graph::odata;
use crate::ids::is_guid;

/// api-version of Role Definitions and Role Assignments.
pub const AUTHORIZATION_API_VERSION: &str = "2022-04-01";

/// The built-in roles certtool names, with the ids Azure gives them in every tenant.
pub const BUILTIN_ROLE_IDS: [(&str, &str); 3] = [
    ("Reader", "acdd72a7-3385-48ef-bd42-f606fba81ae7"),
    ("Contributor", "b24988ac-6180-42a0-ab88-20f7382dd24c"),
    ("Owner", "8e3f2abd-7a6f-4a8d-ba26-3ca9f0b6d5a0"),
];

/// The id (a GUID) of the built-in role `name` (case-insensitive), if certtool knows it.
pub fn builtin_role_id(name: &str) -> Option<&'static str> {
    BUILTIN_ROLE_IDS
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name.trim()))
        .map(|(_, id)| *id)
}

/// A role definition as ARM returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleDefinition {
    /// Its resource id: `/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{guid}`.
    pub id: String,
    /// Its GUID.
    pub name: String,
    /// What it is and grants.
    pub properties: RoleDefinitionProperties,
}

/// The `properties` of a role definition.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleDefinitionProperties {
    /// Its name (unique in the tenant).
    pub role_name: String,
    /// What it is for.
    #[serde(default)]
    pub description: String,
    /// `BuiltInRole` or `CustomRole`.
    #[serde(default, rename = "type")]
    pub kind: String,
    /// What it grants.
    #[serde(default)]
    pub permissions: Vec<PermissionEntry>,
    /// Where it may be assigned (`/subscriptions/{sub}`, …).
    #[serde(default)]
    pub assignable_scopes: Vec<String>,
}

/// A role assignment as ARM returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleAssignment {
    /// Its resource id: `{scope}/providers/Microsoft.Authorization/roleAssignments/{guid}`.
    pub id: String,
    /// Its GUID.
    pub name: String,
    /// What it assigns to whom.
    pub properties: RoleAssignmentProperties,
}

/// The `properties` of a role assignment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleAssignmentProperties {
    /// The role definition's resource id.
    pub role_definition_id: String,
    /// The principal's object id (a service principal's `id`, not its client id).
    pub principal_id: String,
    /// `ServicePrincipal` for what certtool creates.
    #[serde(default)]
    pub principal_type: Option<String>,
    /// Where it applies.
    #[serde(default)]
    pub scope: Option<String>,
}

#[derive(Deserialize)]
struct DefinitionList {
    value: Vec<RoleDefinition>,
}

fn malformed(what: &str) -> impl Fn(serde_json::Error) -> ArmError + '_ {
    move |e| ArmError::Malformed(format!("the answer of {what} is unexpected: {e}"))
}

/// `scope` without its outer slashes, if every segment is a safe path segment (the
/// refusal becomes an [`ArmError::Malformed`]).
fn check_scope(scope: &str) -> Result<&str, String> {
    let trimmed = scope.trim_matches('/');
    if trimmed.split('/').all(is_path_segment) {
        Ok(trimmed)
    } else {
        Err(format!("the scope {scope:?} is not a resource path"))
    }
}

fn check_guid(what: &str, id: &str) -> Result<(), String> {
    if is_guid(id) {
        Ok(())
    } else {
        Err(format!("the {what} {id:?} is not a GUID"))
    }
}

impl ArmClient {
    fn authorization_url(&self, scope: &str, collection: &str, name: &str) -> String {
        format!(
            "{}{scope}/providers/Microsoft.Authorization/{collection}/{name}?api-version={AUTHORIZATION_API_VERSION}",
            self.base()
        )
    }

    /// The role definitions named `role_name` visible at `/subscriptions/{subscription}`
    /// (built-in and custom; at most one, names being unique in a tenant).
    pub async fn role_definition_by_name(
        &self,
        subscription: &str,
        role_name: &str,
    ) -> Result<Option<RoleDefinition>, ArmError> {
        check_guid("subscription id", subscription).map_err(ArmError::Malformed)?;
        let url = format!(
            "{}subscriptions/{subscription}/providers/Microsoft.Authorization/roleDefinitions?{}&api-version={AUTHORIZATION_API_VERSION}",
            self.base(),
            odata::eq_filter("roleName", role_name)
        );
        let value = self.call(reqwest::Method::GET, &url, None).await?;
        let list: DefinitionList =
            serde_json::from_value(value).map_err(malformed("listing role definitions"))?;
        Ok(list.value.into_iter().next())
    }

    /// Creates a custom role in `subscription` (`properties.type` is set to
    /// `CustomRole`). A name already taken in the tenant is ARM's 409
    /// `RoleDefinitionWithSameNameExists`.
    pub async fn create_custom_role(
        &self,
        subscription: &str,
        properties: &RoleDefinitionProperties,
    ) -> Result<RoleDefinition, ArmError> {
        check_guid("subscription id", subscription).map_err(ArmError::Malformed)?;
        let properties = RoleDefinitionProperties {
            kind: "CustomRole".into(),
            ..properties.clone()
        };
        let url = self.authorization_url(
            &format!("subscriptions/{subscription}"),
            "roleDefinitions",
            &uuid::Uuid::new_v4().to_string(),
        );
        let value = self
            .call(
                reqwest::Method::PUT,
                &url,
                Some(&json!({ "properties": properties })),
            )
            .await?;
        serde_json::from_value(value).map_err(malformed("creating the role definition"))
    }

    /// Assigns the role `role_definition_id` (a resource id, see
    /// [`role_definition_resource_id`]) to the service principal `principal_id` at
    /// `scope`. `principalType` is sent so that a principal created moments ago is
    /// found (without it ARM answers 400 `PrincipalNotFound` until replication).
    /// Needs `Microsoft.Authorization/roleAssignments/write`: 403 `AuthorizationFailed`
    /// otherwise.
    pub async fn create_role_assignment(
        &self,
        scope: &str,
        role_definition_id: &str,
        principal_id: &str,
    ) -> Result<RoleAssignment, ArmError> {
        let scope = check_scope(scope).map_err(ArmError::Malformed)?;
        check_guid("principal id", principal_id).map_err(ArmError::Malformed)?;
        let url =
            self.authorization_url(scope, "roleAssignments", &uuid::Uuid::new_v4().to_string());
        let body = json!({ "properties": {
            "roleDefinitionId": role_definition_id,
            "principalId": principal_id,
            "principalType": "ServicePrincipal",
        }});
        let value = self.call(reqwest::Method::PUT, &url, Some(&body)).await?;
        serde_json::from_value(value).map_err(malformed("creating the role assignment"))
    }

    /// Deletes the role assignment with resource id `assignment_id`; `false` when it
    /// was already gone.
    pub async fn delete_role_assignment(&self, assignment_id: &str) -> Result<bool, ArmError> {
        self.delete(assignment_id, "roleAssignments").await
    }

    /// Deletes the custom role with resource id `definition_id` (ARM refuses while it
    /// is still assigned); `false` when it was already gone.
    pub async fn delete_role_definition(&self, definition_id: &str) -> Result<bool, ArmError> {
        self.delete(definition_id, "roleDefinitions").await
    }

    async fn delete(&self, resource_id: &str, collection: &str) -> Result<bool, ArmError> {
        let path = check_scope(resource_id).map_err(ArmError::Malformed)?;
        let marker = format!("/providers/Microsoft.Authorization/{collection}/");
        let Some((scope, name)) = path.rsplit_once('/').filter(|_| {
            path.to_ascii_lowercase()
                .contains(&marker.to_ascii_lowercase())
        }) else {
            return Err(ArmError::Malformed(format!(
                "{resource_id:?} is not a Microsoft.Authorization/{collection} id"
            )));
        };
        check_guid("name", name).map_err(ArmError::Malformed)?;
        let url = format!(
            "{}{scope}/{name}?api-version={AUTHORIZATION_API_VERSION}",
            self.base()
        );
        match self.call(reqwest::Method::DELETE, &url, None).await {
            Ok(serde_json::Value::Null) => Ok(false),
            Ok(_) => Ok(true),
            Err(ArmError::Api(fault)) if fault.status == 404 => Ok(false),
            Err(error) => Err(error),
        }
    }
}

/// The resource id of role definition `id` (a GUID) as seen from `subscription`, as a
/// role assignment names it.
pub fn role_definition_resource_id(subscription: &str, id: &str) -> String {
    format!("/subscriptions/{subscription}/providers/Microsoft.Authorization/roleDefinitions/{id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_ids_and_resource_ids() {
        assert_eq!(
            builtin_role_id(" reader"),
            Some("acdd72a7-3385-48ef-bd42-f606fba81ae7")
        );
        assert_eq!(builtin_role_id("User Access Administrator"), None);
        assert_eq!(
            role_definition_resource_id("s", "i"),
            "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/i"
        );
        assert!(check_scope("/subscriptions/x/resourceGroups/rg-1/").is_ok());
        assert!(check_scope("/subscriptions/x/../y").is_err());
    }
}
