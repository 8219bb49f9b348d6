//! One view over what a tenant lists: its configured apps (and their service
//! principals) first, then the directory's own objects; and each object as Graph's JSON
//! with `$select` applied.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{json, Map, Value};

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
pub(crate) enum Listed<'a> {
    ConfigApp(&'a App),
    ConfigSp(&'a App, &'a str),
    App(&'a DirectoryApplication),
    Sp(&'a DirectoryServicePrincipal),
}

/// Everything `collection` lists in `tenant`, in order.
pub(crate) fn objects(tenant: &Tenant, collection: Collection) -> Vec<Listed<'_>> {
    let d = &tenant.directory;
    match collection {
        Collection::Applications => tenant
            .apps
            .iter()
            .map(Listed::ConfigApp)
            .chain(d.applications.iter().map(Listed::App))
            .collect(),
        Collection::ServicePrincipals => tenant
            .apps
            .iter()
            .filter(|a| {
                !d.without_service_principal
                    .iter()
                    .any(|c| c.eq_ignore_ascii_case(&a.client_id))
            })
            .map(|a| Listed::ConfigSp(a, tenant.id.as_str()))
            .chain(d.service_principals.iter().map(Listed::Sp))
            .collect(),
    }
}

impl Listed<'_> {
    pub fn id(&self) -> String {
        match self {
            Listed::ConfigApp(a) => a.object_id.clone(),
            Listed::ConfigSp(a, _) => service_principal_id(&a.client_id),
            Listed::App(a) => a.id.clone(),
            Listed::Sp(s) => s.id.clone(),
        }
    }

    /// The value of a string property `$filter` may compare (`displayName`, `appId`).
    pub fn text(&self, property: &str) -> Option<&str> {
        let (name, app_id) = match self {
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

    /// The object as Graph's JSON, with only `selected` properties.
    pub fn json(&self, selected: &[&str]) -> Value {
        let mut out = Map::new();
        for &name in selected {
            if let Some(value) = self.property(name) {
                out.insert(name.to_owned(), value);
            }
        }
        Value::Object(out)
    }

    fn property(&self, name: &str) -> Option<Value> {
        Some(match (self, name) {
            (_, "id") => json!(self.id()),
            (_, "appId") => json!(self.text("appId")),
            (_, "displayName") => json!(self.text("displayName")),
            (Listed::ConfigApp(a), "keyCredentials") => {
                Value::Array(a.certificates.iter().map(key_credential).collect())
            }
            (Listed::ConfigApp(a), "passwordCredentials") => {
                Value::Array(a.secrets.iter().map(password_credential).collect())
            }
            (Listed::ConfigApp(_), "signInAudience") => json!("AzureADMyOrg"),
            (Listed::ConfigApp(_), "createdDateTime") => Value::Null,
            (Listed::ConfigSp(_, tenant), "appOwnerOrganizationId") => json!(tenant),
            (Listed::ConfigSp(..), "servicePrincipalType") => json!("Application"),
            (Listed::ConfigSp(..), "keyCredentials" | "passwordCredentials") => json!([]),
            (Listed::ConfigSp(..), "preferredTokenSigningKeyThumbprint") => Value::Null,
            (Listed::App(a), "signInAudience") => json!(a.sign_in_audience),
            (Listed::App(a), "createdDateTime") => json!(graph_time(a.created)),
            (Listed::App(a), "keyCredentials") => keys(&a.key_credentials),
            (Listed::App(a), "passwordCredentials") => passwords(&a.password_credentials),
            (Listed::Sp(s), "appOwnerOrganizationId") => json!(s.app_owner_organization_id),
            (Listed::Sp(s), "servicePrincipalType") => json!(s.service_principal_type),
            (Listed::Sp(s), "keyCredentials") => keys(&s.key_credentials),
            (Listed::Sp(s), "passwordCredentials") => passwords(&s.password_credentials),
            (Listed::Sp(s), "preferredTokenSigningKeyThumbprint") => {
                json!(s.preferred_token_signing_key_thumbprint)
            }
            _ => return None,
        })
    }
}

fn keys(list: &[KeyCredential]) -> Value {
    Value::Array(
        list.iter()
            .map(|k| {
                json!({
                    "customKeyIdentifier": k.custom_key_identifier,
                    "displayName": k.display_name,
                    "endDateTime": graph_time(k.end),
                    "key": null,
                    "keyId": k.key_id,
                    "startDateTime": graph_time(k.start),
                    "type": k.kind,
                    "usage": k.usage,
                })
            })
            .collect(),
    )
}

fn passwords(list: &[PasswordCredential]) -> Value {
    Value::Array(
        list.iter()
            .map(|p| {
                json!({
                    "customKeyIdentifier": p.custom_key_identifier,
                    "displayName": p.display_name,
                    "endDateTime": p.end.map(graph_time),
                    "hint": p.hint,
                    "keyId": p.key_id,
                    "secretText": null,
                    "startDateTime": p.start.map(graph_time),
                })
            })
            .collect(),
    )
}

/// The base64 `customKeyIdentifier` Graph shows for a thumbprint's bytes.
pub(crate) fn key_identifier(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}
