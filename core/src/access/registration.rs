//! What Entra ID holds for the app, read over Microsoft Graph: every registered
//! certificate and secret with its dates and days left, and which one the run signed in
//! with. Reading needs a Graph permission many service principals lack; then the
//! registration says which permission would show it, and the run's verdict is unchanged.

use serde::Serialize;
use time::OffsetDateTime;

use crate::entra::{Credential, SignIn};
use crate::graph::{Application, GraphClient, GraphError, GraphRefusal};
use crate::http::RetryPolicy;
use crate::x509::{days_until, rfc3339, thumbprint_sha1};

/// The registration as Graph showed it, or why it could not be read.
#[derive(Debug, Serialize, Default)]
pub struct Registration {
    /// The Graph endpoint asked.
    pub endpoint: String,
    /// Whether the application was read.
    pub read: bool,
    /// The application object id.
    pub object_id: Option<String>,
    /// The registration's name.
    pub display_name: Option<String>,
    /// Registered certificates.
    pub certificates: Vec<RegisteredCertificate>,
    /// Registered client secrets (never their values).
    pub secrets: Vec<RegisteredSecret>,
    /// Why it was not read (the verdict does not depend on it).
    pub unavailable: Option<Unavailable>,
}

/// A registered certificate.
#[derive(Debug, Serialize)]
pub struct RegisteredCertificate {
    /// Its keyId.
    pub key_id: String,
    /// Upper-case hex, when the registration carries it.
    pub thumbprint_sha1: Option<String>,
    /// Its name.
    pub display_name: Option<String>,
    /// `startDateTime`, RFC 3339.
    pub start: Option<String>,
    /// `endDateTime`, RFC 3339.
    pub end: Option<String>,
    /// Days until `end`.
    pub days_to_expiry: Option<i64>,
    /// This run signed in with it.
    pub in_use: bool,
}

/// A registered client secret.
#[derive(Debug, Serialize)]
pub struct RegisteredSecret {
    /// Its keyId.
    pub key_id: String,
    /// The first characters of the secret, as Graph shows them.
    pub hint: Option<String>,
    /// Its name.
    pub display_name: Option<String>,
    /// `endDateTime`, RFC 3339.
    pub end: Option<String>,
    /// Days until `end`.
    pub days_to_expiry: Option<i64>,
    /// This run signed in with it (its hint is the only one matching the secret's start).
    pub in_use: bool,
}

/// Why the registration was not read.
#[derive(Debug, Serialize)]
pub struct Unavailable {
    /// Graph's code, the token error's code, or the network failure kind.
    pub code: String,
    /// What happened.
    pub cause: String,
    /// What to do.
    pub fix: String,
}

impl Registration {
    /// The application as read; `used` is the run's credential (not necessarily the one
    /// the registration was read with), matched to the registered keys.
    pub fn read(
        endpoint: &str,
        app: &Application,
        used: &Credential<'_>,
        now: OffsetDateTime,
    ) -> Self {
        let days = |t: Option<OffsetDateTime>| t.map(|t| days_until(t, now));
        let used_thumbprint = match used {
            Credential::Certificate(c) => c.certificate.to_der().ok().map(|d| thumbprint_sha1(&d)),
            Credential::Secret(_) | Credential::Federated(_) | Credential::RefreshToken(_) => None,
        };
        let certificates = app
            .key_credentials
            .iter()
            .map(|k| {
                let thumbprint = k.thumbprint();
                RegisteredCertificate {
                    key_id: k.key_id.clone(),
                    in_use: thumbprint
                        .as_deref()
                        .zip(used_thumbprint.as_deref())
                        .is_some_and(|(a, b)| a.eq_ignore_ascii_case(b)),
                    thumbprint_sha1: thumbprint,
                    display_name: k.display_name.clone(),
                    start: k.dates.start().map(rfc3339),
                    end: k.dates.end().map(rfc3339),
                    days_to_expiry: days(k.dates.end()),
                }
            })
            .collect();
        let matches_secret = |hint: &Option<String>| match (used, hint) {
            (Credential::Secret(s), Some(h)) => !h.is_empty() && s.expose().starts_with(h.as_str()),
            _ => false,
        };
        let matching = app
            .password_credentials
            .iter()
            .filter(|p| matches_secret(&p.hint))
            .count();
        let secrets = app
            .password_credentials
            .iter()
            .map(|p| RegisteredSecret {
                key_id: p.key_id.clone(),
                in_use: matching == 1 && matches_secret(&p.hint),
                hint: p.hint.clone(),
                display_name: p.display_name.clone(),
                end: p.dates.end().map(rfc3339),
                days_to_expiry: days(p.dates.end()),
            })
            .collect();
        Registration {
            endpoint: endpoint.to_string(),
            read: true,
            object_id: Some(app.id.clone()),
            display_name: app.display_name.clone(),
            certificates,
            secrets,
            unavailable: None,
        }
    }

    /// Graph refused or failed.
    pub fn graph_failed(endpoint: &str, error: &GraphError) -> Self {
        let unavailable = match error {
            GraphError::Api(fault) if fault.refusal() == GraphRefusal::PermissionDenied => Unavailable {
                code: fault.code.clone(),
                cause: "the app may not read its own registration over Microsoft Graph".into(),
                fix: "to list its certificates and secrets here, grant the application permission Application.Read.All (admin consent) to the app".into(),
            },
            GraphError::Api(fault) | GraphError::Service { fault, .. } => Unavailable {
                code: fault.code.clone(),
                cause: format!("Graph answered {} {}: {}", fault.status, fault.code, fault.message),
                fix: "check --graph-endpoint / --cloud; the sign-in check is unaffected".into(),
            },
            GraphError::Network { failure, .. } => {
                let (cause, fix) = failure.explain(endpoint);
                Unavailable {
                    code: format!("{:?}", failure.kind).to_ascii_lowercase(),
                    cause,
                    fix,
                }
            }
            GraphError::Malformed(detail) => Unavailable {
                code: "malformed".into(),
                cause: detail.clone(),
                fix: "check --graph-endpoint".into(),
            },
        };
        Self::unavailable(endpoint, unavailable)
    }

    /// Not read, for `why`.
    pub fn unavailable(endpoint: &str, why: Unavailable) -> Self {
        Registration {
            endpoint: endpoint.to_string(),
            unavailable: Some(why),
            ..Default::default()
        }
    }

    /// The registered end of the credential in use (RFC 3339, days left), when known.
    pub fn in_use_end(&self) -> Option<(String, i64)> {
        let certificate = self.certificates.iter().find(|c| c.in_use);
        let secret = self.secrets.iter().find(|s| s.in_use);
        certificate
            .and_then(|c| c.end.clone().zip(c.days_to_expiry))
            .or_else(|| secret.and_then(|s| s.end.clone().zip(s.days_to_expiry)))
    }

    /// `registered on the app (…): THUMBPRINT (ends …), …`: what a registration read with
    /// another credential shows about the certificates Entra ID holds.
    pub fn certificates_line(&self, read_with: &str) -> String {
        let registered: Vec<String> = self
            .certificates
            .iter()
            .map(|c| {
                format!(
                    "{} (ends {})",
                    c.thumbprint_sha1.as_deref().unwrap_or(&c.key_id),
                    c.end.as_deref().unwrap_or("?")
                )
            })
            .collect();
        if registered.is_empty() {
            format!("the app has no certificate registered (read over Graph with {read_with})")
        } else {
            format!(
                "registered on the app (read over Graph with {read_with}): {}",
                registered.join(", ")
            )
        }
    }
}

/// Where the registration is read, and the run's own credential to match it against.
pub(super) struct Reader<'a> {
    pub http: &'a reqwest::Client,
    pub policy: &'a RetryPolicy,
    pub graph: &'a str,
    pub graph_scope: &'a str,
    pub used: &'a Credential<'a>,
}

impl Reader<'_> {
    /// Signs in for Graph with `signin` (the run's own, or a secret after a refused
    /// certificate) and reads the app registration; any failure becomes the
    /// registration's `unavailable`, never the run's verdict. `Err` only offline.
    pub async fn read(&self, signin: &SignIn<'_>) -> crate::Result<Registration> {
        let endpoint = self.graph;
        let token = match signin.token(self.graph_scope).await? {
            Ok(token) => token,
            Err(error) => {
                let why = signin.explain(&error);
                let said = why.answer();
                return Ok(Registration::unavailable(
                    endpoint,
                    Unavailable {
                        code: "no_graph_token".into(),
                        cause: format!("Entra ID issued no token for {}: {said}", self.graph_scope),
                        fix: "check --graph-endpoint / --cloud; the sign-in check is unaffected"
                            .into(),
                    },
                ));
            }
        };
        let graph = GraphClient::new(self.http.clone(), endpoint, token, self.policy.clone());
        Ok(
            match graph.application_by_app_id(signin.client_id()).await {
                Ok(app) => Registration::read(endpoint, &app, self.used, signin.now()),
                Err(error) => Registration::graph_failed(endpoint, &error),
            },
        )
    }
}
