//! Requirements from a built-in role's name or from a role definition JSON (a custom role
//! such as the one a product tells users to create).

use serde_json::Value;

use super::rbac::Requirement;
use crate::error::{Error, Result};

/// Contributor's exclusions, as the built-in role definition lists them today (Microsoft's
/// "Azure built-in roles" page, Privileged category). The list has grown over the years
/// (6, then 8, 9 and 11 entries); the requirement excludes the latest and longest list, so
/// an assignment of the role made under any of them is seen to cover it.
const CONTRIBUTOR_NOT_ACTIONS: [&str; 11] = [
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
];

/// The requirement of a built-in role: Reader = `*/read`; Contributor = `*` except
/// Microsoft.Authorization writes, deletes and elevateAccess; Owner = `*`.
/// Names compare case-insensitively.
pub fn builtin_role(name: &str) -> Result<Requirement> {
    let (canonical, actions, not_actions): (&str, &[&str], &[&str]) =
        match name.trim().to_ascii_lowercase().as_str() {
            "reader" => ("Reader", &["*/read"], &[]),
            "contributor" => ("Contributor", &["*"], &CONTRIBUTOR_NOT_ACTIONS),
            "owner" => ("Owner", &["*"], &[]),
            _ => {
                return Err(Error::InvalidArgument(format!(
                    "unknown role {name:?}: --require-role knows Reader, Contributor and Owner; \
                     for any other role give its definition with --require-actions FILE"
                )))
            }
        };
    let strings = |list: &[&str]| list.iter().map(|s| s.to_string()).collect();
    Ok(Requirement {
        source: format!("role {canonical}"),
        actions: strings(actions),
        not_actions: strings(not_actions),
        ..Default::default()
    })
}

fn string_list(value: Option<&Value>, field: &str, input: &str) -> Result<Vec<String>> {
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(|s| s.trim().to_string())
                    .ok_or_else(|| Error::malformed(input, format!("{field} holds a non-string")))
            })
            .collect(),
        Some(_) => Err(Error::malformed(input, format!("{field} is not a list"))),
    }
}

/// The first of `names` present in `object`, case-insensitively (`Actions`/`actions`).
fn field<'a>(object: &'a serde_json::Map<String, Value>, name: &str) -> Option<&'a Value> {
    object
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

fn add_block(
    object: &serde_json::Map<String, Value>,
    req: &mut Requirement,
    input: &str,
) -> Result<()> {
    req.actions
        .extend(string_list(field(object, "actions"), "actions", input)?);
    req.not_actions.extend(string_list(
        field(object, "notActions"),
        "notActions",
        input,
    )?);
    req.data_actions.extend(string_list(
        field(object, "dataActions"),
        "dataActions",
        input,
    )?);
    req.not_data_actions.extend(string_list(
        field(object, "notDataActions"),
        "notDataActions",
        input,
    )?);
    Ok(())
}

/// Reads a role definition JSON in any of the shapes users have: the `az role definition
/// create` form (`Actions`, `NotActions`, `DataActions`…), the ARM form
/// (`properties.permissions[].actions`), or a bare `permissions` list or `actions` list.
/// Keys compare case-insensitively.
pub fn parse_role_definition(json: &[u8], input: &str) -> Result<Requirement> {
    let value: Value = serde_json::from_slice(json)
        .map_err(|e| Error::malformed(input, format!("not JSON: {e}")))?;
    let Value::Object(mut root) = value else {
        return Err(Error::malformed(
            input,
            "expected a JSON object (a role definition)",
        ));
    };
    if let Some(Value::Object(props)) = field(&root, "properties").cloned() {
        root = props;
    }
    let name = ["roleName", "Name", "name"]
        .iter()
        .find_map(|k| field(&root, k).and_then(Value::as_str))
        .map(str::to_string);
    let mut req = Requirement {
        source: match &name {
            Some(n) => format!("{input} (role {n})"),
            None => input.to_string(),
        },
        ..Default::default()
    };
    add_block(&root, &mut req, input)?;
    match field(&root, "permissions") {
        None | Some(Value::Null) => {}
        Some(Value::Array(blocks)) => {
            for block in blocks {
                let Value::Object(block) = block else {
                    return Err(Error::malformed(input, "permissions holds a non-object"));
                };
                add_block(block, &mut req, input)?;
            }
        }
        Some(_) => return Err(Error::malformed(input, "permissions is not a list")),
    }
    if req.actions.is_empty() && req.data_actions.is_empty() {
        return Err(Error::malformed(
            input,
            "the role definition lists no actions (looked for Actions, actions and permissions[].actions)",
        ));
    }
    Ok(req)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_roles() {
        assert_eq!(builtin_role("reader").unwrap().actions, ["*/read"]);
        let c = builtin_role("Contributor").unwrap();
        assert_eq!(c.actions, ["*"]);
        assert_eq!(c.not_actions.len(), 11);
        assert!(builtin_role("OWNER").unwrap().not_actions.is_empty());
        assert!(builtin_role("Storage Blob Data Reader")
            .unwrap_err()
            .to_string()
            .contains("--require-actions"));
    }

    /// A Contributor assignment as Azure lists the role today (11 exclusions) or as it
    /// listed it before (6) covers `--require-role Contributor`; one that also excludes
    /// something else does not.
    #[test]
    fn contributor_assignments_of_every_vintage_cover_the_role() {
        use crate::arm::rbac::{missing, PermissionEntry};
        let entry = |not_actions: &[&str]| PermissionEntry {
            actions: vec!["*".into()],
            not_actions: not_actions.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        };
        let role = builtin_role("Contributor").unwrap();
        assert!(missing(&[entry(&CONTRIBUTOR_NOT_ACTIONS)], &role).is_empty());
        assert!(missing(&[entry(&CONTRIBUTOR_NOT_ACTIONS[..6])], &role).is_empty());
        assert!(!missing(&[entry(&["Microsoft.Compute/*"])], &role).is_empty());
    }

    #[test]
    fn the_shapes_of_role_definitions() {
        let cli = br#"{"Name":"Spot","IsCustom":true,"Actions":["Microsoft.Compute/*/read","Microsoft.Compute/virtualMachines/start/action"],"NotActions":["Microsoft.Compute/disks/read"],"AssignableScopes":["/subscriptions/x"]}"#;
        let r = parse_role_definition(cli, "spot.json").unwrap();
        assert_eq!(r.actions.len(), 2);
        assert_eq!(r.not_actions, ["Microsoft.Compute/disks/read"]);
        assert_eq!(r.source, "spot.json (role Spot)");

        let arm = br#"{"properties":{"roleName":"r","permissions":[{"actions":["a/read"],"notActions":[]},{"actions":["b/write"],"dataActions":["d/read"]}]}}"#;
        let r = parse_role_definition(arm, "f").unwrap();
        assert_eq!(r.actions, ["a/read", "b/write"]);
        assert_eq!(r.data_actions, ["d/read"]);

        let bare = br#"{"actions":["x/read"]}"#;
        assert_eq!(
            parse_role_definition(bare, "f").unwrap().actions,
            ["x/read"]
        );
        let perms = br#"{"permissions":[{"Actions":["y/read"]}]}"#;
        assert_eq!(
            parse_role_definition(perms, "f").unwrap().actions,
            ["y/read"]
        );

        for bad in [
            &b"[]"[..],
            b"{}",
            b"{\"Actions\":\"x\"}",
            b"{\"Actions\":[1]}",
            b"nope",
        ] {
            assert!(
                parse_role_definition(bad, "f").is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
