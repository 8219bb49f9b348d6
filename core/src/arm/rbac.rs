//! Azure RBAC evaluation as ARM's permissions list reports it (`docs/azure.md` "ARM"): an action
//! is granted when one entry's `actions` cover it and the *same* entry's `notActions` do
//! not take it away. Patterns use `*` for any run of characters (slashes included) and
//! compare case-insensitively.

use serde::{Deserialize, Serialize};

/// One entry of the permissions list: the effect of one role assignment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PermissionEntry {
    /// Allowed control-plane actions.
    #[serde(default)]
    pub actions: Vec<String>,
    /// Control-plane actions taken away from `actions`.
    #[serde(default)]
    pub not_actions: Vec<String>,
    /// Allowed data-plane actions.
    #[serde(default)]
    pub data_actions: Vec<String>,
    /// Data-plane actions taken away from `data_actions`.
    #[serde(default)]
    pub not_data_actions: Vec<String>,
}

/// What the caller must be allowed: actions and data actions, each with exclusions (a
/// built-in role such as Contributor is "`*` except …").
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Requirement {
    /// Where it came from: a role name or a file.
    pub source: String,
    /// Required actions (may hold wildcards).
    pub actions: Vec<String>,
    /// Actions the requirement itself leaves out.
    pub not_actions: Vec<String>,
    /// Required data actions.
    pub data_actions: Vec<String>,
    /// Data actions the requirement leaves out.
    pub not_data_actions: Vec<String>,
}

fn lower(p: &str) -> Vec<u8> {
    p.trim().to_ascii_lowercase().into_bytes()
}

/// Whether the concrete or wildcard `pattern` matches the text `action` (with any `*`
/// in `action` taken literally).
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    // Iterative wildcard match with one backtrack point: linear enough for action names.
    let (mut p, mut t) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while t < text.len() {
        if p < pattern.len() && pattern[p] == b'*' {
            star = Some(p);
            mark = t;
            p += 1;
        } else if p < pattern.len() && pattern[p] == text[t] {
            p += 1;
            t += 1;
        } else if let Some(s) = star {
            p = s + 1;
            mark += 1;
            t = mark;
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

/// Whether `grant` covers everything `wanted` stands for: every action `wanted` matches
/// is matched by `grant`. Exact for concrete actions; for wildcards, `wanted`'s `*` must
/// be absorbed by a `*` of `grant`.
pub fn covers(grant: &str, wanted: &str) -> bool {
    glob(&lower(grant), &lower(wanted))
}

/// Whether some action matches both patterns.
pub fn overlaps(a: &str, b: &str) -> bool {
    let (a, b) = (lower(a), lower(b));
    let (n, m) = (a.len(), b.len());
    // reach[i][j]: some string takes a[..i] and b[..j] to the same point.
    let mut reach = vec![vec![false; m + 1]; n + 1];
    reach[0][0] = true;
    for i in 0..=n {
        for j in 0..=m {
            if !reach[i][j] {
                continue;
            }
            if i < n && a[i] == b'*' {
                reach[i + 1][j] = true;
                if j < m {
                    reach[i][j + 1] = true;
                }
            }
            if j < m && b[j] == b'*' {
                reach[i][j + 1] = true;
                if i < n {
                    reach[i + 1][j] = true;
                }
            }
            if i < n && j < m && a[i] != b'*' && b[j] != b'*' && a[i] == b[j] {
                reach[i + 1][j + 1] = true;
            }
        }
    }
    reach[n][m]
}

/// Whether one entry grants `wanted`: some allowed pattern covers it, and each excluded
/// pattern that overlaps it is also excluded by the requirement (`wanted_not`).
fn entry_grants(
    allowed: &[String],
    excluded: &[String],
    wanted: &str,
    wanted_not: &[String],
) -> bool {
    allowed.iter().any(|a| covers(a, wanted))
        && excluded
            .iter()
            .filter(|n| overlaps(n, wanted))
            .all(|n| wanted_not.iter().any(|w| covers(w, n)))
}

/// Whether the permissions grant the control-plane action `wanted`.
pub fn action_granted(entries: &[PermissionEntry], wanted: &str) -> bool {
    entries
        .iter()
        .any(|e| entry_grants(&e.actions, &e.not_actions, wanted, &[]))
}

/// The required actions and data actions that `entries` do not grant, in requirement
/// order (data actions after actions), each once.
pub fn missing(entries: &[PermissionEntry], requirement: &Requirement) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for wanted in &requirement.actions {
        let ok = entries
            .iter()
            .any(|e| entry_grants(&e.actions, &e.not_actions, wanted, &requirement.not_actions));
        if !ok && !out.iter().any(|m| m.eq_ignore_ascii_case(wanted)) {
            out.push(wanted.clone());
        }
    }
    for wanted in &requirement.data_actions {
        let ok = entries.iter().any(|e| {
            entry_grants(
                &e.data_actions,
                &e.not_data_actions,
                wanted,
                &requirement.not_data_actions,
            )
        });
        if !ok && !out.iter().any(|m| m.eq_ignore_ascii_case(wanted)) {
            out.push(wanted.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(actions: &[&str], not_actions: &[&str]) -> PermissionEntry {
        PermissionEntry {
            actions: actions.iter().map(|s| s.to_string()).collect(),
            not_actions: not_actions.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn wildcard_table() {
        // (granted pattern, wanted action, granted?)
        let table = [
            ("*", "Microsoft.Compute/virtualMachines/read", true),
            ("*/read", "Microsoft.Compute/virtualMachines/read", true),
            ("*/read", "Microsoft.Compute/virtualMachines/write", false),
            ("*/read", "*/read", true),
            ("*/read", "*", false),
            ("*", "*/read", true),
            (
                "Microsoft.Compute/*",
                "Microsoft.Compute/virtualMachines/start/action",
                true,
            ),
            (
                "Microsoft.Compute/*",
                "Microsoft.Network/virtualNetworks/read",
                false,
            ),
            (
                "Microsoft.Compute/*/read",
                "Microsoft.Compute/disks/read",
                true,
            ),
            (
                "Microsoft.Compute/*/read",
                "Microsoft.Compute/disks/write",
                false,
            ),
            (
                "Microsoft.Compute/*/read",
                "Microsoft.Network/disks/read",
                false,
            ),
            (
                "Microsoft.Network/*/read",
                "Microsoft.Network/virtualNetworks/subnets/read",
                true,
            ),
            ("microsoft.compute/*", "MICROSOFT.COMPUTE/DISKS/READ", true),
            (
                "Microsoft.Compute/virtualMachines/read",
                "microsoft.compute/virtualmachines/READ",
                true,
            ),
            (
                "Microsoft.Compute/virtualMachines/read",
                "Microsoft.Compute/virtualMachines/reads",
                false,
            ),
            ("Microsoft.Compute/*", "Microsoft.Compute/*/read", true),
            ("Microsoft.Compute/*/read", "Microsoft.Compute/*", false),
            ("", "Microsoft.Compute/disks/read", false),
        ];
        for (grant, wanted, expect) in table {
            assert_eq!(
                action_granted(&[entry(&[grant], &[])], wanted),
                expect,
                "{grant} ⊇ {wanted}"
            );
        }
    }

    #[test]
    fn overlap_table() {
        let table = [
            ("Microsoft.Authorization/*/Write", "*/read", false),
            ("Microsoft.Authorization/*/Write", "*", true),
            (
                "Microsoft.Authorization/*/Write",
                "Microsoft.Authorization/roleAssignments/write",
                true,
            ),
            ("Microsoft.Compute/*", "*/read", true),
            ("a*c", "ab*", true),
            ("a*c", "b*", false),
        ];
        for (a, b, expect) in table {
            assert_eq!(overlaps(a, b), expect, "{a} ∩ {b}");
            assert_eq!(overlaps(b, a), expect, "{b} ∩ {a}");
        }
    }

    #[test]
    fn not_actions_subtract_within_the_same_entry_only() {
        let contributor = entry(
            &["*"],
            &[
                "Microsoft.Authorization/*/Delete",
                "Microsoft.Authorization/*/Write",
                "Microsoft.Authorization/elevateAccess/Action",
            ],
        );
        let wanted = "Microsoft.Authorization/roleAssignments/write";
        assert!(!action_granted(std::slice::from_ref(&contributor), wanted));
        assert!(action_granted(
            std::slice::from_ref(&contributor),
            "Microsoft.Compute/disks/write"
        ));
        assert!(action_granted(std::slice::from_ref(&contributor), "*/read"));
        // Another assignment that grants it is not cancelled by the first one's notActions.
        let both = [
            contributor.clone(),
            entry(&["Microsoft.Authorization/*"], &[]),
        ];
        assert!(action_granted(&both, wanted));
        // Owner wanted (`*`) is not met by Contributor; Contributor wanted is.
        let owner = Requirement {
            actions: vec!["*".into()],
            ..Default::default()
        };
        assert_eq!(missing(std::slice::from_ref(&contributor), &owner), ["*"]);
        let contrib_req = Requirement {
            actions: vec!["*".into()],
            not_actions: contributor.not_actions.clone(),
            ..Default::default()
        };
        assert!(missing(std::slice::from_ref(&contributor), &contrib_req).is_empty());
        assert!(missing(&[entry(&["*/read"], &[])], &contrib_req) == ["*"]);
    }

    #[test]
    fn missing_lists_each_ungranted_action_once() {
        let reader = [entry(&["*/read"], &[])];
        let req = Requirement {
            actions: vec![
                "Microsoft.Compute/virtualMachines/read".into(),
                "Microsoft.Compute/virtualMachines/start/action".into(),
                "microsoft.compute/virtualmachines/START/action".into(),
            ],
            data_actions: vec![
                "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read".into(),
            ],
            ..Default::default()
        };
        assert_eq!(
            missing(&reader, &req),
            [
                "Microsoft.Compute/virtualMachines/start/action",
                "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"
            ]
        );
        let data = [PermissionEntry {
            data_actions: vec!["Microsoft.Storage/*".into()],
            ..Default::default()
        }];
        assert_eq!(
            missing(&data, &req).len(),
            2,
            "data actions do not grant actions"
        );
        assert!(missing(&[], &Requirement::default()).is_empty());
    }
}
