//! Identifiers Azure hands out, checked once for every command that takes them.
//!
//! A subscription ID is a GUID in both Azure Resource Manager and the legacy Service
//! Management API (docs/azure.md, "ARM" and "ASM (Service Management)"), so one rule
//! serves both; a GUID is also safe as a URL path segment.

use crate::error::{Error, Result};

/// True when `text` is a GUID: `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, hex digits in
/// either case.
pub fn is_guid(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Checks a subscription ID (a GUID); the error names the value and the expected shape.
pub fn check_subscription_id(id: &str) -> Result<()> {
    if is_guid(id) {
        Ok(())
    } else {
        Err(Error::InvalidArgument(format!(
            "subscription id {id:?} is not a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)"
        )))
    }
}

/// The subscription IDs in `values` (each may hold a comma-separated list, as flags and
/// environment variables do): trimmed, empty items dropped, each checked, and duplicates
/// (GUIDs compare without regard to case) dropped, first occurrence kept.
pub fn subscription_ids<'a>(values: impl IntoIterator<Item = &'a str>) -> Result<Vec<String>> {
    let mut ids: Vec<String> = Vec::new();
    for id in values
        .into_iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|id| !id.is_empty())
    {
        check_subscription_id(id)?;
        if !ids.iter().any(|seen| seen.eq_ignore_ascii_case(id)) {
            ids.push(id.to_string());
        }
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscription_lists_are_split_trimmed_and_deduplicated() {
        let a = "00000000-0000-0000-0000-00000000000a";
        let ids = subscription_ids([
            " 00000000-0000-0000-0000-00000000000A , ,",
            a,
            "00000000-0000-0000-0000-000000000001",
        ])
        .unwrap();
        assert_eq!(
            ids,
            [
                "00000000-0000-0000-0000-00000000000A",
                "00000000-0000-0000-0000-000000000001"
            ]
        );
        assert!(subscription_ids(["", " , "]).unwrap().is_empty());
        assert!(subscription_ids([a, "sub-1"]).is_err());
    }

    #[test]
    fn subscription_ids_must_be_guids() {
        assert!(check_subscription_id("00000000-0000-0000-0000-000000000001").is_ok());
        assert!(check_subscription_id("A65BF94F-26b3-4fb1-9d50-6e27c6096df1").is_ok());
        for bad in [
            "",
            "sub-1",
            "00000000-0000-0000-0000-00000000000",
            "../x",
            "00000000-0000-0000-0000-00000000000g",
            "00000000-0000-0000-0000-0000000000001",
            " 00000000-0000-0000-0000-000000000001",
        ] {
            assert!(check_subscription_id(bad).is_err(), "{bad}");
        }
    }
}
