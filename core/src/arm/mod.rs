//! Azure Resource Manager with a service principal's token: read the subscription, read
//! the caller's permissions, and check required role actions with RBAC wildcard rules;
//! create and remove role definitions and assignments (`docs/graph.md` "Roles in ARM").

mod authorization;
mod check;
mod client;
mod rbac;
mod roles;

pub use authorization::{
    builtin_role_id, role_definition_resource_id, RoleAssignment, RoleAssignmentProperties,
    RoleDefinition, RoleDefinitionProperties, AUTHORIZATION_API_VERSION, BUILTIN_ROLE_IDS,
};
pub use check::{check_subscription, check_subscriptions, Problem, SubscriptionCheck, Verdict};
pub use client::{
    is_path_segment, ArmClient, ArmError, ArmFault, SubscriptionInfo, PERMISSIONS_API_VERSION,
    SUBSCRIPTION_API_VERSION,
};
pub use rbac::{action_granted, covers, missing, overlaps, PermissionEntry, Requirement};
pub use roles::{builtin_role, parse_role_definition};
