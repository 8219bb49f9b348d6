//! One view over what a tenant lists: its configured apps (and their service
//! principals) first, then the directory's own objects, reachable by position so that a
//! page costs its own size, not the tenant's; and each object serialised as Graph's JSON
//! with `$select` applied, straight into the page's body.

use std::borrow::Cow;
use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use serde_json::Value;
use time::{OffsetDateTime, UtcOffset};

use super::{
    service_principal_id, Collection, DirectoryApplication, DirectoryServicePrincipal,
    KeyCredential, PasswordCredential,
};
use crate::config::{App, Tenant};
use crate::graph::{graph_time, key_credential, password_credential};

/// Properties of `microsoft.graph.application` the listing knows, in Graph's order.
pub(crate) const APPLICATION_PROPERTIES: [&str; 7] = [
    "id",
    "appId",
    "createdDateTime",
    "displayName",
    "signInAudience",
    "keyCredentials",
    "passwordCredentials",
];

/// Properties of `microsoft.graph.servicePrincipal` the listing knows.
pub(crate) const SERVICE_PRINCIPAL_PROPERTIES: [&str; 8] = [
    "id",
    "appId",
    "appOwnerOrganizationId",
    "displayName",
    "servicePrincipalType",
    "keyCredentials",
    "passwordCredentials",
    "preferredTokenSigningKeyThumbprint",
];

/// An object as listed.
#[derive(Clone, Copy)]
pub(crate) enum Listed<'a> {
    ConfigApp(&'a App),
    ConfigSp(&'a App, &'a str),
    App(&'a DirectoryApplication),
    Sp(&'a DirectoryServicePrincipal),
}

/// Everything a collection lists in a tenant, in order: the configured apps (a few)
/// collected, the directory's objects borrowed as they are.
pub(crate) struct Objects<'a> {
    configured: Vec<Listed<'a>>,
    applications: &'a [DirectoryApplication],
    service_principals: &'a [DirectoryServicePrincipal],
}

/// Everything `collection` lists in `tenant`, in order.
pub(crate) fn objects(tenant: &Tenant, collection: Collection) -> Objects<'_> {
    let d = &tenant.directory;
    match collection {
        Collection::Applications => Objects {
            configured: tenant.apps.iter().map(Listed::ConfigApp).collect(),
            applications: &d.applications,
            service_principals: &[],
        },
        Collection::ServicePrincipals => Objects {
            configured: tenant
                .apps
                .iter()
                .filter(|a| {
                    !d.without_service_principal
                        .iter()
                        .any(|c| c.eq_ignore_ascii_case(&a.client_id))
                })
                .map(|a| Listed::ConfigSp(a, tenant.id.as_str()))
                .collect(),
            applications: &[],
            service_principals: &d.service_principals,
        },
    }
}

impl<'a> Objects<'a> {
    /// How many objects are listed.
    pub fn len(&self) -> usize {
        self.configured.len() + self.applications.len() + self.service_principals.len()
    }

    /// The object at `position`.
    pub fn get(&self, position: usize) -> Option<Listed<'a>> {
        let own = position.checked_sub(self.configured.len());
        match own {
            None => self.configured.get(position).copied(),
            Some(i) if !self.applications.is_empty() => self.applications.get(i).map(Listed::App),
            Some(i) => self.service_principals.get(i).map(Listed::Sp),
        }
    }

    /// Every object from `position` on, with its position.
    pub fn from(&self, position: usize) -> impl Iterator<Item = (usize, Listed<'a>)> + '_ {
        (position..self.len()).map_while(|i| self.get(i).map(|o| (i, o)))
    }
}

impl<'a> Listed<'a> {
    pub fn id(&self) -> Cow<'a, str> {
        match *self {
            Listed::ConfigApp(a) => Cow::Borrowed(&a.object_id),
            Listed::ConfigSp(a, _) => Cow::Owned(service_principal_id(&a.client_id)),
            Listed::App(a) => Cow::Borrowed(&a.id),
            Listed::Sp(s) => Cow::Borrowed(&s.id),
        }
    }

    /// The value of a string property `$filter` may compare (`displayName`, `appId`).
    pub fn text(&self, property: &str) -> Option<&'a str> {
        let (name, app_id) = match *self {
            Listed::ConfigApp(a) | Listed::ConfigSp(a, _) => (&a.display_name, &a.client_id),
            Listed::App(a) => (&a.display_name, &a.app_id),
            Listed::Sp(s) => (&s.display_name, &s.app_id),
        };
        match property {
            "displayName" => Some(name),
            "appId" => Some(app_id),
            _ => None,
        }
    }

    /// The object as Graph's JSON with only the `selected` properties (sorted, without
    /// repeats, as a JSON object's keys come out of a `serde_json::Map`).
    pub fn shown<'s>(self, selected: &'s [&'s str]) -> Shown<'s, 'a> {
        Shown {
            object: self,
            selected,
        }
    }
}

/// An object with its selected properties; serialises as Graph's JSON.
pub(crate) struct Shown<'s, 'a> {
    object: Listed<'a>,
    selected: &'s [&'s str],
}

impl Serialize for Shown<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for &name in self.selected {
            self.object.property(name, &mut map)?;
        }
        map.end()
    }
}

impl Listed<'_> {
    /// Writes the property `name` into `map`, when this kind of object has it.
    fn property<M: SerializeMap>(&self, name: &str, map: &mut M) -> Result<(), M::Error> {
        let own = match *self {
            Listed::App(a) => Some((&a.key_credentials, &a.password_credentials)),
            Listed::Sp(s) => Some((&s.key_credentials, &s.password_credentials)),
            Listed::ConfigApp(_) | Listed::ConfigSp(..) => None,
        };
        match (own, name) {
            (Some((keys, _)), "keyCredentials") => return map.serialize_entry(name, &Keys(keys)),
            (Some((_, secrets)), "passwordCredentials") => {
                return map.serialize_entry(name, &Passwords(secrets))
            }
            _ => {}
        }
        match (self, name) {
            (_, "id") => map.serialize_entry(name, &self.id()),
            (_, "appId" | "displayName") => map.serialize_entry(name, &self.text(name)),
            (Listed::ConfigApp(a), "keyCredentials") => {
                let list: Vec<Value> = a.certificates.iter().map(key_credential).collect();
                map.serialize_entry(name, &list)
            }
            (Listed::ConfigApp(a), "passwordCredentials") => {
                let list: Vec<Value> = a.secrets.iter().map(password_credential).collect();
                map.serialize_entry(name, &list)
            }
            (Listed::ConfigApp(_), "signInAudience") => map.serialize_entry(name, "AzureADMyOrg"),
            (Listed::ConfigApp(_), "createdDateTime") => map.serialize_entry(name, &()),
            (Listed::ConfigSp(_, tenant), "appOwnerOrganizationId") => {
                map.serialize_entry(name, tenant)
            }
            (Listed::ConfigSp(..), "servicePrincipalType") => {
                map.serialize_entry(name, "Application")
            }
            (Listed::ConfigSp(..), "keyCredentials" | "passwordCredentials") => {
                map.serialize_entry(name, &[(); 0])
            }
            (Listed::ConfigSp(..), "preferredTokenSigningKeyThumbprint") => {
                map.serialize_entry(name, &())
            }
            (Listed::App(a), "signInAudience") => map.serialize_entry(name, &a.sign_in_audience),
            (Listed::App(a), "createdDateTime") => map.serialize_entry(name, &GraphTime(a.created)),
            (Listed::Sp(s), "appOwnerOrganizationId") => {
                map.serialize_entry(name, &s.app_owner_organization_id)
            }
            (Listed::Sp(s), "servicePrincipalType") => {
                map.serialize_entry(name, &s.service_principal_type)
            }
            (Listed::Sp(s), "preferredTokenSigningKeyThumbprint") => {
                map.serialize_entry(name, &s.preferred_token_signing_key_thumbprint)
            }
            _ => Ok(()),
        }
    }
}

/// A time as [`graph_time`] writes it, without building a string for the common case
/// (UTC, a four-digit year).
struct GraphTime(OffsetDateTime);

impl fmt::Display for GraphTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.0;
        if t.offset() == UtcOffset::UTC && (0..=9999).contains(&t.year()) {
            write!(
                f,
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            )
        } else {
            f.write_str(&graph_time(t))
        }
    }
}

impl Serialize for GraphTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A key credential as listed; the fields in the order a JSON object's keys sort.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct KeyJson<'a> {
    custom_key_identifier: &'a Option<String>,
    display_name: &'a Option<String>,
    end_date_time: GraphTime,
    key: (),
    key_id: &'a str,
    start_date_time: GraphTime,
    r#type: &'a str,
    usage: &'a str,
}

/// A password credential as listed (never its value); fields sorted as [`KeyJson`]'s.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PasswordJson<'a> {
    custom_key_identifier: &'a Option<String>,
    display_name: &'a Option<String>,
    end_date_time: Option<GraphTime>,
    hint: &'a str,
    key_id: &'a str,
    secret_text: (),
    start_date_time: Option<GraphTime>,
}

/// A list of key credentials as listed.
struct Keys<'a>(&'a [KeyCredential]);

impl Serialize for Keys<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|k| KeyJson {
            custom_key_identifier: &k.custom_key_identifier,
            display_name: &k.display_name,
            end_date_time: GraphTime(k.end),
            key: (),
            key_id: &k.key_id,
            start_date_time: GraphTime(k.start),
            r#type: &k.kind,
            usage: &k.usage,
        }))
    }
}

/// A list of password credentials as listed.
struct Passwords<'a>(&'a [PasswordCredential]);

impl Serialize for Passwords<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|p| PasswordJson {
            custom_key_identifier: &p.custom_key_identifier,
            display_name: &p.display_name,
            end_date_time: p.end.map(GraphTime),
            hint: &p.hint,
            key_id: &p.key_id,
            secret_text: (),
            start_date_time: p.start.map(GraphTime),
        }))
    }
}

/// The base64 `customKeyIdentifier` Graph shows for a thumbprint's bytes.
pub(crate) fn key_identifier(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{datetime, offset};

    #[test]
    fn graph_times_are_written_as_graph_time_writes_them() {
        let mut t = datetime!(2026-01-01 00:00:00.123456789 UTC);
        for step in 0..2_000 {
            t += time::Duration::seconds(9_876_543 - step * 7_919);
            for shown in [
                t,
                t.to_offset(offset!(+05:30)),
                t.to_offset(offset!(-08:00)),
            ] {
                assert_eq!(GraphTime(shown).to_string(), graph_time(shown), "{shown}");
            }
        }
        for edge in [
            datetime!(0000-01-01 00:00 UTC),
            datetime!(9999-12-31 23:59:59.999 UTC),
            datetime!(-0001-12-31 23:59:59 UTC),
        ] {
            assert_eq!(GraphTime(edge).to_string(), graph_time(edge), "{edge}");
        }
    }
}
