//! ARM answers and role files: the error body (`{"error":{"code","message"}}`), a
//! subscription, a page of the permissions list evaluated against a required role
//! (wildcard matching on patterns the server sends), and a role definition file.
#![no_main]

use certtool_core::arm::{self, ArmFault, PermissionEntry, SubscriptionInfo};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let _ = ArmFault::from_body(403, data);
    let _ = serde_json::from_slice::<SubscriptionInfo>(data);
    let page: Option<Value> = serde_json::from_slice(data).ok();
    let entries: Vec<PermissionEntry> = page
        .as_ref()
        .and_then(|p| p.get("value").cloned())
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default();
    let requirement = arm::parse_role_definition(data, "fuzz-role.json").ok();
    if entries.is_empty() && requirement.is_none() {
        return;
    }
    let _ = arm::action_granted(&entries, "Microsoft.Authorization/roleAssignments/write");
    for role in ["Reader", "Contributor", "Owner"] {
        let builtin = arm::builtin_role(role).expect("a built-in role");
        let _ = arm::missing(&entries, &builtin);
    }
    if let Some(req) = requirement {
        let _ = arm::missing(&entries, &req);
        // The role's own patterns as the server's grants: each covers itself.
        let own = PermissionEntry {
            actions: req.actions.clone(),
            ..PermissionEntry::default()
        };
        for action in &req.actions {
            assert!(
                arm::covers(action, action),
                "a pattern covers itself: {action:?}"
            );
            let _ = arm::action_granted(std::slice::from_ref(&own), action);
        }
    }
});
