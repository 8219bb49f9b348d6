//! Parsing ASM response bodies (`docs/azure.md` "ASM (Service Management)"):
//! `<Subscription>`, `<HostedServices>` and `<Error>`. Elements are matched on local names
//! (the live bodies use the `windowsazure` namespace), unknown elements are ignored, and
//! `i:nil="true"` reads as absent.

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use roxmltree::{Document, Node};
use serde::Serialize;

use crate::error::{Error, Result};

const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// What Get Subscription says about a subscription.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SubscriptionInfo {
    /// `SubscriptionID`.
    pub id: Option<String>,
    /// `SubscriptionName`.
    pub name: Option<String>,
    /// `SubscriptionStatus`: Active, Disabled, Warned, Deleted, Deleting.
    pub status: Option<String>,
    /// `AccountAdminLiveEmailId`.
    pub account_admin: Option<String>,
    /// `ServiceAdminLiveEmailId`.
    pub service_admin: Option<String>,
    /// `AADTenantID`.
    pub aad_tenant_id: Option<String>,
    /// `CurrentHostedServices`.
    pub current_hosted_services: Option<u32>,
    /// `MaxHostedServices`.
    pub max_hosted_services: Option<u32>,
    /// `CurrentCoreCount`.
    pub current_core_count: Option<u32>,
    /// `MaxCoreCount`.
    pub max_core_count: Option<u32>,
    /// `CreatedTime`.
    pub created_time: Option<String>,
}

/// One `<HostedService>` (a cloud service, classic).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct HostedService {
    /// `ServiceName`.
    pub name: String,
    /// `Url`.
    pub url: Option<String>,
    /// `Label`, decoded from base64 (kept as sent when it is not valid base64 UTF-8).
    pub label: Option<String>,
    /// `Description`.
    pub description: Option<String>,
    /// `Location` (a region), when the service is not in an affinity group.
    pub location: Option<String>,
    /// `AffinityGroup`, when the service is in one.
    pub affinity_group: Option<String>,
    /// `Status`: Creating, Created, Deleting, Deleted, Changing, ResolvingDns.
    pub status: Option<String>,
    /// `DateCreated`.
    pub date_created: Option<String>,
    /// `DateLastModified`.
    pub date_last_modified: Option<String>,
    /// `ExtendedProperties`: name → value.
    pub extended_properties: BTreeMap<String, String>,
}

/// An ASM `<Error>` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AsmError {
    /// `Code`, e.g. `ForbiddenError`.
    pub code: String,
    /// `Message`.
    pub message: String,
}

fn parse<'a>(body: &'a str, what: &str) -> Result<Document<'a>> {
    Document::parse(body).map_err(|e| Error::malformed(what, format!("not XML: {e}")))
}

fn children<'a, 'i>(node: Node<'a, 'i>, name: &'a str) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children()
        .filter(move |c| c.is_element() && c.tag_name().name() == name)
}

fn child<'a, 'i>(node: Node<'a, 'i>, name: &'a str) -> Option<Node<'a, 'i>> {
    children(node, name).next()
}

/// The text of a child element; `None` when missing, `i:nil`, or empty.
fn text(node: Node<'_, '_>, name: &str) -> Option<String> {
    let c = child(node, name)?;
    if c.attribute((XSI, "nil")) == Some("true") {
        return None;
    }
    let t: String = c
        .descendants()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .collect();
    let t = t.trim();
    (!t.is_empty()).then(|| t.to_string())
}

fn number(node: Node<'_, '_>, name: &str) -> Option<u32> {
    text(node, name)?.parse().ok()
}

fn expect_root<'a, 'i>(doc: &'a Document<'i>, name: &str, what: &str) -> Result<Node<'a, 'i>> {
    let root = doc.root_element();
    if root.tag_name().name() != name {
        return Err(Error::malformed(
            what,
            format!(
                "expected a <{name}> document, got <{}>",
                root.tag_name().name()
            ),
        ));
    }
    Ok(root)
}

/// Parses a Get Subscription body.
pub fn parse_subscription(body: &str) -> Result<SubscriptionInfo> {
    const WHAT: &str = "the Get Subscription response";
    let doc = parse(body, WHAT)?;
    let root = expect_root(&doc, "Subscription", WHAT)?;
    Ok(SubscriptionInfo {
        id: text(root, "SubscriptionID"),
        name: text(root, "SubscriptionName"),
        status: text(root, "SubscriptionStatus"),
        account_admin: text(root, "AccountAdminLiveEmailId"),
        service_admin: text(root, "ServiceAdminLiveEmailId"),
        aad_tenant_id: text(root, "AADTenantID"),
        current_hosted_services: number(root, "CurrentHostedServices"),
        max_hosted_services: number(root, "MaxHostedServices"),
        current_core_count: number(root, "CurrentCoreCount"),
        max_core_count: number(root, "MaxCoreCount"),
        created_time: text(root, "CreatedTime"),
    })
}

fn decode_label(raw: String) -> String {
    STANDARD
        .decode(raw.as_bytes())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .unwrap_or(raw)
}

/// Parses one page of a List Hosted Services body.
pub fn parse_hosted_services(body: &str) -> Result<Vec<HostedService>> {
    const WHAT: &str = "the List Hosted Services response";
    let doc = parse(body, WHAT)?;
    let root = expect_root(&doc, "HostedServices", WHAT)?;
    let mut out = Vec::new();
    for (i, service) in children(root, "HostedService").enumerate() {
        let name = text(service, "ServiceName").ok_or_else(|| {
            Error::malformed(WHAT, format!("HostedService[{}] has no ServiceName", i + 1))
        })?;
        let mut hs = HostedService {
            name,
            url: text(service, "Url"),
            ..HostedService::default()
        };
        if let Some(props) = child(service, "HostedServiceProperties") {
            hs.label = text(props, "Label").map(decode_label);
            hs.description = text(props, "Description");
            hs.location = text(props, "Location");
            hs.affinity_group = text(props, "AffinityGroup");
            hs.status = text(props, "Status");
            hs.date_created = text(props, "DateCreated");
            hs.date_last_modified = text(props, "DateLastModified");
            if let Some(ext) = child(props, "ExtendedProperties") {
                for p in children(ext, "ExtendedProperty") {
                    if let Some(n) = text(p, "Name") {
                        hs.extended_properties
                            .insert(n, text(p, "Value").unwrap_or_default());
                    }
                }
            }
        }
        out.push(hs);
    }
    Ok(out)
}

/// Parses an `<Error>` body; `None` when the body is not one (a proxy's HTML page, empty).
pub fn parse_error(body: &str) -> Option<AsmError> {
    let doc = Document::parse(body).ok()?;
    let root = doc.root_element();
    if root.tag_name().name() != "Error" {
        return None;
    }
    Some(AsmError {
        code: text(root, "Code")?,
        message: text(root, "Message").unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A real recorded body from the test vectors' `asm/` directory, or `None` (with a
    /// note) when the vectors are not checked out next to the repository.
    fn vector(name: &str) -> Option<String> {
        let path = format!(
            "{}/../../shared/vectors/asm/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        match std::fs::read_to_string(&path) {
            Ok(text) => Some(text),
            Err(_) => {
                eprintln!("skipped: ../shared/vectors not found ({path})");
                None
            }
        }
    }

    #[test]
    fn real_list_hosted_services() {
        let Some(body) = vector("list-hosted-services.xml") else {
            return;
        };
        let services = parse_hosted_services(&body).unwrap();
        assert_eq!(services.len(), 12);
        let first = &services[0];
        assert_eq!(first.name, "crwcent");
        assert_eq!(first.label.as_deref(), Some("crwcent"));
        assert_eq!(first.description, None, "i:nil reads as absent");
        assert_eq!(first.location.as_deref(), Some("West US"));
        assert_eq!(first.status.as_deref(), Some("Created"));
        assert_eq!(
            first
                .extended_properties
                .get("ResourceGroup")
                .map(String::as_str),
            Some("crwcent")
        );
        assert!(services.iter().any(|s| s.name == "DinoNodeCS"));
        assert!(services.iter().any(|s| s.description.is_some()));
        let grouped: Vec<_> = services
            .iter()
            .filter(|s| s.affinity_group.is_some())
            .collect();
        assert!(!grouped.is_empty());
        assert!(grouped.iter().all(|s| s.location.is_none()));
    }

    #[test]
    fn real_get_subscription() {
        let Some(body) = vector("get-subscription.xml") else {
            return;
        };
        let sub = parse_subscription(&body).unwrap();
        assert_eq!(
            sub.id.as_deref(),
            Some("00000000-0000-0000-0000-000000000000")
        );
        assert_eq!(
            sub.name.as_deref(),
            Some("PTVSAazure @ outlook.com account for IPython Team")
        );
        assert_eq!(sub.status.as_deref(), Some("Active"));
        assert_eq!(sub.current_hosted_services, Some(11));
        assert_eq!(sub.max_core_count, Some(20));
        assert_eq!(
            sub.aad_tenant_id.as_deref(),
            Some("72f988bf-86f1-41af-91ab-2d7cd011db47")
        );
    }

    #[test]
    fn real_errors() {
        let Some(forbidden) = vector("error-403-forbidden.xml") else {
            return;
        };
        let e = parse_error(&forbidden).unwrap();
        assert_eq!(e.code, "ForbiddenError");
        assert!(e.message.starts_with("The server failed to authenticate"));
        let Some(missing) = vector("error-404-resource-not-found.xml") else {
            return;
        };
        let e = parse_error(&missing).unwrap();
        assert_eq!(e.code, "ResourceNotFound");
        assert_eq!(e.message, "The hosted service does not exist.");
    }

    #[test]
    fn not_an_error_body() {
        assert_eq!(parse_error("<html><body>502</body></html>"), None);
        assert_eq!(parse_error(""), None);
        assert!(parse_subscription("<Error/>").is_err());
        assert!(parse_hosted_services("not xml").is_err());
    }

    #[test]
    fn empty_list_and_unknown_elements() {
        let body = r#"<HostedServices xmlns="http://schemas.microsoft.com/windowsazure"><Future/></HostedServices>"#;
        assert!(parse_hosted_services(body).unwrap().is_empty());
        let body = r#"<HostedServices><HostedService><ServiceName>x</ServiceName><HostedServiceProperties><Label>bm90IGJhc2U2NA</Label><New>1</New></HostedServiceProperties></HostedService></HostedServices>"#;
        let s = parse_hosted_services(body).unwrap();
        assert_eq!(s[0].name, "x");
        assert_eq!(
            s[0].label.as_deref(),
            Some("bm90IGJhc2U2NA"),
            "kept as sent"
        );
    }
}
