//! Typed directory writes for making a service principal (`docs/graph.md` "Creating an
//! app registration"): create the application and its service principal, add a secret
//! or a federated credential, find applications by name, delete one. Creations are
//! repeated only after a 429 (Graph did nothing then); after a 5xx or a lost answer the
//! object may exist, so callers look it up by name before trying again.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::client::guid;
use super::listing::Page;
use super::odata;
use super::request::Repeat;
use super::throttle::Budget;
use super::{GraphClient, GraphError};
use crate::secret::Secret;

/// The most objects a lookup by name or client id collects (they are meant to find one).
const MAX_LOOKUP_RESULTS: usize = 1000;

/// An application or service principal: its object id and the client id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryObject {
    /// The object id.
    pub id: String,
    /// The application (client) id.
    pub app_id: String,
}

/// A new client secret. `secret` is shown by Graph once, now; it is redacted from
/// `Debug` and wiped from memory when dropped.
#[derive(Debug)]
pub struct NewPassword {
    /// Its `keyId`.
    pub key_id: String,
    /// Its first characters, as Graph lists them later.
    pub hint: Option<String>,
    /// When it expires (RFC 3339).
    pub end_date_time: Option<String>,
    /// The secret's value.
    pub secret: Secret,
}

/// The answer of `addPassword`; never `Debug` (it holds the secret).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AddedPassword {
    key_id: String,
    #[serde(default)]
    hint: Option<String>,
    #[serde(default)]
    end_date_time: Option<String>,
    #[serde(default)]
    secret_text: Option<String>,
}

/// A federated identity credential: the application accepts tokens from `issuer` about
/// `subject` for one of `audiences` instead of a secret or certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FederatedIdentityCredential {
    /// Its object id (set by Graph; empty in a request).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// A name unique on the application.
    pub name: String,
    /// The external issuer, e.g. `https://token.actions.githubusercontent.com`.
    pub issuer: String,
    /// The subject the issuer puts in its tokens, e.g. `repo:org/repo:environment:prod`.
    pub subject: String,
    /// Accepted audiences; Entra's recommended value is `api://AzureADTokenExchange`.
    pub audiences: Vec<String>,
}

/// What a delete found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Deleted {
    /// The object was deleted now.
    Deleted,
    /// There was no such object (deleted before, or never made): nothing left to undo.
    AlreadyGone,
}

fn parse<T: serde::de::DeserializeOwned>(body: &[u8], what: &str) -> Result<T, GraphError> {
    serde_json::from_slice(body)
        .map_err(|e| GraphError::Malformed(format!("the answer of {what} is unexpected: {e}")))
}

impl GraphClient {
    async fn write(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
        repeat: Repeat,
    ) -> Result<super::request::Answer, GraphError> {
        let mut budget = Budget::new(&self.throttle);
        let url = format!("{}{path}", self.base);
        self.send_throttled(method, &url, body, repeat, &mut budget)
            .await
    }

    /// `POST /v1.0/applications`: a single-tenant app registration named
    /// `display_name`, with the certificate `certificate_der` registered for sign-in when
    /// given.
    pub async fn create_application(
        &self,
        display_name: &str,
        certificate_der: Option<&[u8]>,
    ) -> Result<DirectoryObject, GraphError> {
        let mut body = json!({ "displayName": display_name, "signInAudience": "AzureADMyOrg" });
        if let Some(der) = certificate_der {
            body["keyCredentials"] = json!([{
                "type": "AsymmetricX509Cert",
                "usage": "Verify",
                "key": STANDARD.encode(der),
            }]);
        }
        let answer = self
            .write(
                reqwest::Method::POST,
                "/v1.0/applications",
                Some(&body),
                Repeat::ThrottledOnly,
            )
            .await?;
        parse(&answer.body, "creating the application")
    }

    /// `POST /v1.0/servicePrincipals`: the service principal of the application with
    /// client id `app_id` (what role assignments are given to).
    pub async fn create_service_principal(
        &self,
        app_id: &str,
    ) -> Result<DirectoryObject, GraphError> {
        guid("client id", app_id)?;
        let answer = self
            .write(
                reqwest::Method::POST,
                "/v1.0/servicePrincipals",
                Some(&json!({ "appId": app_id })),
                Repeat::ThrottledOnly,
            )
            .await?;
        parse(&answer.body, "creating the service principal")
    }

    /// `POST /v1.0/applications/{object_id}/addPassword`: a new client secret named
    /// `display_name`, valid until `end`.
    pub async fn add_password(
        &self,
        object_id: &str,
        display_name: &str,
        end: OffsetDateTime,
    ) -> Result<NewPassword, GraphError> {
        guid("application object id", object_id)?;
        let end = end
            .format(&Rfc3339)
            .map_err(|e| GraphError::Malformed(format!("the end date cannot be written: {e}")))?;
        let body =
            json!({ "passwordCredential": { "displayName": display_name, "endDateTime": end } });
        let answer = self
            .write(
                reqwest::Method::POST,
                &format!("/v1.0/applications/{object_id}/addPassword"),
                Some(&body),
                Repeat::ThrottledOnly,
            )
            .await?;
        let added: AddedPassword = parse(&answer.body, "addPassword")?;
        let secret = added.secret_text.filter(|s| !s.is_empty()).ok_or_else(|| {
            GraphError::Malformed("addPassword answered without secretText".into())
        })?;
        Ok(NewPassword {
            key_id: added.key_id,
            hint: added.hint,
            end_date_time: added.end_date_time,
            secret: Secret::new(secret),
        })
    }

    /// `POST /v1.0/applications/{object_id}/federatedIdentityCredentials`.
    pub async fn add_federated_credential(
        &self,
        object_id: &str,
        credential: &FederatedIdentityCredential,
    ) -> Result<FederatedIdentityCredential, GraphError> {
        guid("application object id", object_id)?;
        let body = serde_json::to_value(credential)
            .map_err(|e| GraphError::Malformed(format!("the credential: {e}")))?;
        let answer = self
            .write(
                reqwest::Method::POST,
                &format!("/v1.0/applications/{object_id}/federatedIdentityCredentials"),
                Some(&body),
                Repeat::ThrottledOnly,
            )
            .await?;
        parse(&answer.body, "adding the federated credential")
    }

    /// `DELETE /v1.0/applications/{object_id}`: the application and, with it, its
    /// service principal. An application already gone is [`Deleted::AlreadyGone`].
    pub async fn delete_application(&self, object_id: &str) -> Result<Deleted, GraphError> {
        guid("application object id", object_id)?;
        match self
            .write(
                reqwest::Method::DELETE,
                &format!("/v1.0/applications/{object_id}"),
                None,
                Repeat::Idempotent,
            )
            .await
        {
            Ok(_) => Ok(Deleted::Deleted),
            Err(GraphError::Api(fault)) if fault.status == 404 => Ok(Deleted::AlreadyGone),
            Err(error) => Err(error),
        }
    }

    /// The applications whose `displayName` is exactly `display_name` (display names
    /// are not unique: there may be several, or none).
    pub async fn applications_named(
        &self,
        display_name: &str,
    ) -> Result<Vec<DirectoryObject>, GraphError> {
        self.lookup(
            "applications",
            &odata::eq_filter("displayName", display_name),
        )
        .await
    }

    /// The service principal(s) of the application with client id `app_id` (none when
    /// it has not been created yet).
    pub async fn service_principals_of(
        &self,
        app_id: &str,
    ) -> Result<Vec<DirectoryObject>, GraphError> {
        guid("client id", app_id)?;
        self.lookup("servicePrincipals", &odata::eq_filter("appId", app_id))
            .await
    }

    async fn lookup(
        &self,
        collection: &str,
        filter: &str,
    ) -> Result<Vec<DirectoryObject>, GraphError> {
        let mut budget = Budget::new(&self.throttle);
        let mut url = format!("{}/v1.0/{collection}?{filter}&$select=id,appId", self.base);
        let mut found = Vec::new();
        loop {
            let answer = self
                .send_throttled(
                    reqwest::Method::GET,
                    &url,
                    None,
                    Repeat::Idempotent,
                    &mut budget,
                )
                .await?;
            let page: Page<DirectoryObject> =
                parse(&answer.body, &format!("listing {collection}"))?;
            found.extend(page.value);
            match page.next_link.filter(|n| !n.is_empty()) {
                None => return Ok(found),
                Some(next) if self.owns(&next) && found.len() < MAX_LOOKUP_RESULTS && next != url => {
                    url = next
                }
                Some(_) => {
                    return Err(GraphError::Malformed(format!(
                        "the lookup in {collection} links elsewhere, loops, or finds more than {MAX_LOOKUP_RESULTS}"
                    )))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_password_keeps_its_secret_out_of_debug() {
        let added: AddedPassword = parse(
            br#"{"keyId":"k","hint":"Qx7","endDateTime":"2027-01-01T00:00:00Z","secretText":"Qx7~very-secret-value"}"#,
            "addPassword",
        )
        .unwrap();
        let password = NewPassword {
            key_id: added.key_id,
            hint: added.hint,
            end_date_time: added.end_date_time,
            secret: Secret::new(added.secret_text.unwrap()),
        };
        let shown = format!("{password:?}");
        assert!(!shown.contains("very-secret"), "{shown}");
        assert!(
            shown.contains("Qx7") && shown.contains("<redacted>"),
            "{shown}"
        );
        assert_eq!(password.secret.expose(), "Qx7~very-secret-value");
    }

    #[test]
    fn a_federated_credential_request_has_no_id() {
        let body = serde_json::to_value(FederatedIdentityCredential {
            id: String::new(),
            name: "gh".into(),
            issuer: "https://token.actions.githubusercontent.com".into(),
            subject: "repo:o/r:environment:prod".into(),
            audiences: vec!["api://AzureADTokenExchange".into()],
        })
        .unwrap();
        assert!(body.get("id").is_none());
        assert_eq!(body["audiences"][0], "api://AzureADTokenExchange");
    }
}
