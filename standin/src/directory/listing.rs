//! The listing and owners routes: who may read what, `$select`, `$top`, `$filter`,
//! `$skiptoken` next links, and the faults set on chosen pages.

use hyper::{Method, Response};
use serde::Serialize;
use serde_json::{json, Value};

use super::view::{objects, Listed, Shown, APPLICATION_PROPERTIES, SERVICE_PRINCIPAL_PROPERTIES};
use super::{service_principal_id, Collection, PageFault};
use crate::graph::{error, ok, status_error, DENIED};
use crate::wire::{percent_decode, Body, Call};

const DEFAULT_TOP: usize = 100;
const MAX_TOP: usize = 999;

/// What the caller's token lets it read.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Access {
    /// `Application.Read.All`, `Application.ReadWrite.All` or `Directory.Read(Write).All`.
    All,
    /// `Application.ReadWrite.OwnedBy`: objects owned by this service principal.
    OwnedBy(String),
}

pub(crate) fn access(roles: &[String], client_id: &str) -> Option<Access> {
    let has = |name: &str| roles.iter().any(|r| r.eq_ignore_ascii_case(name));
    if [
        "Application.Read.All",
        "Application.ReadWrite.All",
        "Directory.Read.All",
        "Directory.ReadWrite.All",
    ]
    .iter()
    .any(|r| has(r))
    {
        Some(Access::All)
    } else if has("Application.ReadWrite.OwnedBy") {
        Some(Access::OwnedBy(service_principal_id(client_id)))
    } else {
        None
    }
}

fn collection(segment: &str) -> Option<Collection> {
    [Collection::Applications, Collection::ServicePrincipals]
        .into_iter()
        .find(|c| c.segment().eq_ignore_ascii_case(segment))
}

/// What Graph answers to `call`: the directory's routes, else one application's.
pub(crate) fn graph_answer(call: &Call) -> Response<Body> {
    handle(call).unwrap_or_else(|| crate::graph::handle(call))
}

/// Answers the directory's routes; `None` for any other Graph path.
pub(crate) fn handle(call: &Call) -> Option<Response<Body>> {
    let segments: Vec<String> = call
        .segments()
        .iter()
        .skip(1)
        .map(|s| percent_decode(s.as_bytes()))
        .collect();
    let route = match segments.as_slice() {
        [one] if one == "$batch" => return Some(super::batch::handle(call, graph_answer)),
        [c] => (collection(c)?, None),
        [c, id, owners] if owners.eq_ignore_ascii_case("owners") => {
            (collection(c)?, Some(id.clone()))
        }
        _ => return None,
    };
    let grant = match super::route::authorize(call, Method::GET) {
        Ok(grant) => grant,
        Err(refused) => return Some(*refused),
    };
    let Some(access) = access(&grant.roles, &grant.client_id) else {
        return Some(error(call, 403, "Authorization_RequestDenied", DENIED));
    };
    Some(match route {
        (c, None) => list(call, &grant.tenant_id, c, &access),
        (c, Some(id)) => owners(call, &grant.tenant_id, c, &id, &access),
    })
}

fn visible(tenant: &crate::config::Tenant, object: &Listed, access: &Access) -> bool {
    match access {
        Access::All => true,
        Access::OwnedBy(sp) => tenant
            .directory
            .owners_of(&object.id())
            .iter()
            .any(|o| o.id().eq_ignore_ascii_case(sp)),
    }
}

/// `{property} eq '{value}'` with `''` for a quote; `displayName` and `appId` only.
fn parse_filter(text: &str) -> Option<(&'static str, String)> {
    let (property, rest) = text.trim().split_once(' ')?;
    let property = ["displayName", "appId"]
        .into_iter()
        .find(|p| p.eq_ignore_ascii_case(property))?;
    let literal = rest.trim_start().strip_prefix("eq ")?.trim();
    let inner = literal.strip_prefix('\'')?.strip_suffix('\'')?;
    if inner.replace("''", "").contains('\'') {
        return None;
    }
    Some((property, inner.replace("''", "'")))
}

/// `$skiptoken`: opaque to clients; the stand-in's holds the collection, the offset of
/// the next object and the page number.
fn skiptoken(c: Collection, offset: usize, page: usize) -> String {
    format!("{}:{offset}:{page}", c.segment())
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect::<String>()
}

fn parse_skiptoken(token: &str, c: Collection) -> Option<(usize, usize)> {
    let bytes: Vec<u8> = (0..token.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(token.get(i..i + 2)?, 16).ok())
        .collect::<Option<_>>()?;
    let text = String::from_utf8(bytes).ok()?;
    let mut parts = text.split(':');
    if parts.next()? != c.segment() {
        return None;
    }
    let offset = parts.next()?.parse().ok()?;
    let page = parts.next()?.parse().ok()?;
    Some((offset, page))
}

/// Takes the fault set on page `page` of `c`, if any is left.
fn take_page_fault(call: &Call, tenant_id: &str, c: Collection, page: usize) -> Option<PageFault> {
    super::route::take_rule(
        call,
        tenant_id,
        |d| &mut d.page_faults,
        |r| r.collection == c && r.page == page,
        |r| {
            let fault = r.fault.clone();
            (&mut r.remaining, fault)
        },
    )
}

fn bad_query(call: &Call, message: &str) -> Response<Body> {
    error(call, 400, "Request_UnsupportedQuery", message)
}

fn list(call: &Call, tenant_id: &str, c: Collection, access: &Access) -> Response<Body> {
    let properties: &[&str] = match c {
        Collection::Applications => &APPLICATION_PROPERTIES,
        Collection::ServicePrincipals => &SERVICE_PRINCIPAL_PROPERTIES,
    };
    let selected = match call.query_param("$select") {
        None => properties.to_vec(),
        Some(list) => {
            let mut chosen = Vec::new();
            for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                match properties.iter().find(|p| p.eq_ignore_ascii_case(name)) {
                    Some(p) => chosen.push(*p),
                    None => return error(call, 400, "BadRequest", &format!(
                        "Parsing OData Select and Expand failed: Could not find a property named '{name}' on type 'microsoft.graph.{}'.",
                        if c == Collection::Applications { "application" } else { "servicePrincipal" }
                    )),
                }
            }
            chosen
        }
    };
    let top = match call.query_param("$top") {
        None => DEFAULT_TOP,
        Some(t) => match t.parse::<usize>() {
            Ok(n) if (1..=MAX_TOP).contains(&n) => n,
            _ => {
                return bad_query(
                    call,
                    &format!("Invalid page size specified: '{t}'. Must be between 1 and {MAX_TOP} inclusive."),
                )
            }
        },
    };
    let filter = match call.query_param("$filter") {
        None => None,
        Some(text) => match parse_filter(&text) {
            Some(f) => Some(f),
            None => return bad_query(call, &format!("Unsupported or invalid query filter clause specified for property in '{text}'.")),
        },
    };
    let (offset, page) = match call.query_param("$skiptoken") {
        None => (0, 0),
        Some(token) => match parse_skiptoken(&token, c) {
            Some(position) => position,
            None => {
                return error(
                    call,
                    400,
                    "Directory_InvalidSkipToken",
                    "The specified page token value has expired or is not valid.",
                )
            }
        },
    };
    let fault = take_page_fault(call, tenant_id, c, page);
    match fault {
        Some(PageFault::TooManyRequests { retry_after_secs }) => {
            let mut response = status_error(429, call);
            response.headers_mut().insert(
                "retry-after",
                crate::wire::header_value(&retry_after_secs.to_string()),
            );
            return response;
        }
        Some(PageFault::Status(status)) => return status_error(status, call),
        Some(PageFault::Truncated) | None => {}
    }
    let config = call.shared.config();
    let Some(tenant) = config.tenant_by_id(tenant_id) else {
        return error(call, 401, "InvalidAuthenticationToken", "Invalid token.");
    };
    // The skiptoken's offset is the position of the next object to look at (not a count
    // of matches), so a page costs the objects it looks at, not the whole tenant.
    let listed = objects(tenant, c);
    let mut matching = listed.from(offset).filter(|(_, o)| {
        visible(tenant, o, access)
            && filter.as_ref().is_none_or(|(property, value)| {
                o.text(property)
                    .is_some_and(|v| v.eq_ignore_ascii_case(value))
            })
    });
    let mut value = Vec::with_capacity(top.min(listed.len().saturating_sub(offset)));
    let mut next = offset;
    for (position, o) in matching.by_ref().take(top) {
        value.push(o);
        next = position + 1;
    }
    let more = matching.next().is_some();
    let next_link = more.then(|| {
        let kept: Vec<&str> = call
            .query
            .unwrap_or("")
            .split('&')
            .filter(|p| !p.is_empty() && !percent_decode(p.as_bytes()).starts_with("$skiptoken="))
            .collect();
        let token = skiptoken(c, next, page + 1);
        let mut query = kept.join("&");
        if !query.is_empty() {
            query.push('&');
        }
        format!("{}{}?{query}$skiptoken={token}", call.base_url, call.path)
    });
    // A JSON object's keys come out sorted and once each (serde_json's map).
    let mut shown = selected.clone();
    shown.sort_unstable();
    shown.dedup();
    let page = PageJson {
        context: format!(
            "{}/v1.0/$metadata#{}({})",
            call.base_url,
            c.segment(),
            selected.join(",")
        ),
        next_link,
        value: value.into_iter().map(|o| o.shown(&shown)).collect(),
    };
    let mut bytes = match serde_json::to_vec(&page) {
        Ok(bytes) => bytes,
        Err(e) => return error(call, 500, "UnknownError", &e.to_string()),
    };
    if fault == Some(PageFault::Truncated) {
        // A page lost mid-way.
        bytes.truncate(bytes.len() / 2);
    }
    let (parts, _) = ok(call, 200, None).into_parts();
    Response::from_parts(parts, http_body_util::Full::new(bytes.into()))
}

/// A listing page as Graph sends it, its keys in the order a JSON object's sort.
#[derive(Serialize)]
struct PageJson<'s, 'a> {
    #[serde(rename = "@odata.context")]
    context: String,
    #[serde(rename = "@odata.nextLink", skip_serializing_if = "Option::is_none")]
    next_link: Option<String>,
    value: Vec<Shown<'s, 'a>>,
}

fn owners(
    call: &Call,
    tenant_id: &str,
    c: Collection,
    id: &str,
    access: &Access,
) -> Response<Body> {
    let config = call.shared.config();
    let tenant = config.tenant_by_id(tenant_id);
    let found = tenant.and_then(|t| {
        objects(t, c)
            .from(0)
            .find(|(_, o)| o.id().eq_ignore_ascii_case(id) && visible(t, o, access))
            .map(|_| t)
    });
    let Some(tenant) = found else {
        return error(
            call,
            404,
            "Request_ResourceNotFound",
            &format!("Resource '{id}' does not exist or one of its queried reference-property objects are not present."),
        );
    };
    let value: Vec<Value> = tenant
        .directory
        .owners_of(id)
        .iter()
        .map(|o| {
            let kind = match o {
                super::Owner::User(_) => "#microsoft.graph.user",
                super::Owner::ServicePrincipal(_) => "#microsoft.graph.servicePrincipal",
            };
            json!({ "@odata.type": kind, "id": o.id() })
        })
        .collect();
    ok(
        call,
        200,
        Some(json!({
            "@odata.context": format!("{}/v1.0/$metadata#directoryObjects", call.base_url),
            "value": value,
        })),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_and_skiptokens() {
        assert_eq!(
            parse_filter("displayName eq 'O''Brien'"),
            Some(("displayName", "O'Brien".to_owned()))
        );
        assert_eq!(
            parse_filter("appId eq 'x'"),
            Some(("appId", "x".to_owned()))
        );
        assert_eq!(parse_filter("displayName eq 'a'b'"), None);
        assert_eq!(parse_filter("startswith(displayName,'a')"), None);
        let token = skiptoken(Collection::ServicePrincipals, 1998, 2);
        assert_eq!(
            parse_skiptoken(&token, Collection::ServicePrincipals),
            Some((1998, 2))
        );
        assert_eq!(parse_skiptoken(&token, Collection::Applications), None);
        assert_eq!(parse_skiptoken("zz", Collection::Applications), None);
    }

    #[test]
    fn permissions_decide_access() {
        let roles = |r: &[&str]| r.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            access(&roles(&["application.read.all"]), "c"),
            Some(Access::All)
        );
        assert_eq!(
            access(&roles(&["Application.ReadWrite.OwnedBy"]), "c"),
            Some(Access::OwnedBy(service_principal_id("c")))
        );
        assert_eq!(access(&roles(&["User.Read.All"]), "c"), None);
    }
}
