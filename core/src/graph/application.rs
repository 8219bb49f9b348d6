//! An application as Graph describes it: object id, client id, name, and its
//! certificates (`keyCredentials`) and secrets (`passwordCredentials`).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// An app registration's credentials as Graph lists them.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Application {
    /// The application object id (what `addKey`/`removeKey` address).
    pub id: String,
    /// The application (client) id.
    #[serde(default)]
    pub app_id: String,
    /// The registration's name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Registered certificates.
    #[serde(default)]
    pub key_credentials: Vec<KeyCredential>,
    /// Client secrets (only their hints).
    #[serde(default)]
    pub password_credentials: Vec<PasswordCredential>,
}

/// A registered certificate.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct KeyCredential {
    /// Its id, for `removeKey`.
    pub key_id: String,
    /// The SHA-1 thumbprint, base64 of the digest or of its hex text depending on the
    /// tool that registered it (see [`KeyCredential::thumbprint`]).
    #[serde(default)]
    pub custom_key_identifier: Option<String>,
    /// Its name (the portal shows the subject).
    #[serde(default)]
    pub display_name: Option<String>,
    /// When it is valid.
    #[serde(flatten)]
    pub dates: CredentialDates,
    /// `AsymmetricX509Cert` for certificates.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// `Verify` for sign-in certificates.
    #[serde(default)]
    pub usage: Option<String>,
}

/// A client secret (never its value).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct PasswordCredential {
    /// Its id.
    pub key_id: String,
    /// The first characters of the secret.
    #[serde(default)]
    pub hint: Option<String>,
    /// Its name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// When it is valid.
    #[serde(flatten)]
    pub dates: CredentialDates,
}

/// A credential's `startDateTime` and `endDateTime` (RFC 3339, as Graph sends them).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct CredentialDates {
    /// When it starts to be valid.
    #[serde(default)]
    pub start_date_time: Option<String>,
    /// When it stops being valid.
    #[serde(default)]
    pub end_date_time: Option<String>,
}

fn parse_time(text: Option<&str>) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text?, &Rfc3339).ok()
}

impl CredentialDates {
    /// `startDateTime`, parsed.
    pub fn start(&self) -> Option<OffsetDateTime> {
        parse_time(self.start_date_time.as_deref())
    }

    /// `endDateTime`, parsed.
    pub fn end(&self) -> Option<OffsetDateTime> {
        parse_time(self.end_date_time.as_deref())
    }
}

impl KeyCredential {
    /// The SHA-1 thumbprint in upper-case hex, when `customKeyIdentifier` holds one:
    /// base64 of the 20-byte digest (the portal, Graph's addKey) or base64 of the 40
    /// hex characters (some command-line tools).
    pub fn thumbprint(&self) -> Option<String> {
        let bytes = STANDARD
            .decode(self.custom_key_identifier.as_deref()?)
            .ok()?;
        match bytes.len() {
            20 => Some(crate::x509::upper_hex(&bytes)),
            40 if bytes.iter().all(u8::is_ascii_hexdigit) => {
                Some(String::from_utf8(bytes).ok()?.to_ascii_uppercase())
            }
            _ => None,
        }
    }
}

impl Application {
    /// The registered certificate with this SHA-1 thumbprint (hex, any case).
    pub fn key_with_thumbprint(&self, sha1_hex: &str) -> Option<&KeyCredential> {
        self.key_credentials.iter().find(|k| {
            k.thumbprint()
                .is_some_and(|t| t.eq_ignore_ascii_case(sha1_hex))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = r#"{
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#applications(id,appId,displayName,keyCredentials,passwordCredentials)/$entity",
        "id": "8d4c0f61-0000-4000-8000-000000000001",
        "appId": "22222222-2222-4222-8222-222222222222",
        "displayName": "deploy",
        "keyCredentials": [
            {"customKeyIdentifier": "q83vASNFZ4mrze8BI0VniavN7wE=", "displayName": "CN=deploy",
             "endDateTime": "2027-01-01T00:00:00Z", "key": null,
             "keyId": "aaaaaaaa-0000-4000-8000-000000000001",
             "startDateTime": "2026-01-01T00:00:00Z", "type": "AsymmetricX509Cert", "usage": "Verify"},
            {"customKeyIdentifier": "QUJDREVGMDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlBQkNERUYwMQ==",
             "endDateTime": "2026-06-01T00:00:00.1234567Z",
             "keyId": "aaaaaaaa-0000-4000-8000-000000000002", "type": "AsymmetricX509Cert"}
        ],
        "passwordCredentials": [
            {"customKeyIdentifier": null, "displayName": "ci", "endDateTime": "2026-03-01T00:00:00Z",
             "hint": "abc", "keyId": "bbbbbbbb-0000-4000-8000-000000000001", "secretText": null,
             "startDateTime": "2025-03-01T00:00:00Z"}
        ]
    }"#;

    #[test]
    fn graph_body_parses_and_thumbprints_decode_both_ways() {
        let app: Application = serde_json::from_str(BODY).unwrap();
        assert_eq!(app.app_id, "22222222-2222-4222-8222-222222222222");
        let raw = &app.key_credentials[0];
        assert_eq!(
            raw.thumbprint().as_deref(),
            Some("ABCDEF0123456789ABCDEF0123456789ABCDEF01")
        );
        assert_eq!(raw.dates.end().unwrap().year(), 2027);
        let hex_text = &app.key_credentials[1];
        assert_eq!(
            hex_text.thumbprint().as_deref(),
            Some("ABCDEF0123456789ABCDEF0123456789ABCDEF01")
        );
        assert_eq!(hex_text.dates.end().unwrap().month(), time::Month::June);
        assert!(app
            .key_with_thumbprint("abcdef0123456789abcdef0123456789abcdef01")
            .is_some());
        assert_eq!(app.password_credentials[0].hint.as_deref(), Some("abc"));
        assert_eq!(
            app.password_credentials[0].dates.end().unwrap().year(),
            2026
        );
    }
}
