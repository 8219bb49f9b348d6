//! A person's sign-in at a terminal: the OAuth 2.0 device authorization grant
//! ([RFC 8628](https://www.rfc-editor.org/rfc/rfc8628)) as Entra ID serves it. Ask
//! `{authority}/{tenant}/oauth2/v2.0/devicecode` for a code ([`start`]), show its
//! `message` (or `verification_uri` and `user_code`), then poll the token endpoint
//! ([`finish`]) honouring `interval`, `authorization_pending` and `slow_down` until the
//! person approves, declines (`authorization_declined`, RFC 8628's `access_denied`) or
//! the code expires (`expired_token`). With `offline_access` in the scope the answer
//! holds a refresh token: [`super::Credential::RefreshToken`] turns it into the token of
//! a second resource, so the person signs in once.

use std::time::{Duration, Instant};

use serde::Deserialize;
use zeroize::Zeroizing;

use super::token::{parse_error, parse_token, AccessToken, TokenError};
use crate::http::{read_body, send_with_retry, RetryPolicy};
use crate::limits::MAX_BODY_BYTES;
use crate::secret::Secret;

/// The public client azure-identity's `DeviceCodeCredential` (and the Azure CLI) signs
/// people in with, present in every tenant.
pub const AZURE_CLI_CLIENT_ID: &str = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";

/// `grant_type` of a device code poll.
pub const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// What `/devicecode` handed out. The device code is a secret between certtool and Entra
/// ID; the user code is what the person types.
pub struct DeviceCode {
    device_code: Secret,
    /// The code the person enters.
    pub user_code: String,
    /// Where the person enters it.
    pub verification_uri: String,
    /// Entra ID's sentence saying both (shown as it is).
    pub message: String,
    /// Seconds between polls.
    pub interval: u64,
    /// Seconds the code lives.
    pub expires_in: u64,
}

impl std::fmt::Debug for DeviceCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceCode")
            .field("user_code", &self.user_code)
            .field("verification_uri", &self.verification_uri)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct DeviceBody {
    device_code: String,
    user_code: String,
    verification_uri: String,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    interval: Option<u64>,
    #[serde(default)]
    expires_in: Option<u64>,
}

#[derive(Deserialize)]
struct RefreshBody {
    #[serde(default)]
    refresh_token: Option<String>,
}

/// A device-code sign-in's result: the first resource's token, and the refresh token
/// for the next ones (when `offline_access` was asked for).
pub struct DeviceTokens {
    /// The token of the scope asked for in [`start`].
    pub access: AccessToken,
    /// The refresh token, if Entra ID gave one.
    pub refresh: Option<Secret>,
}

/// The `/devicecode` URL beside a v2 token URL.
pub fn device_code_url(token_url: &str) -> String {
    match token_url.strip_suffix("/token") {
        Some(base) => format!("{base}/devicecode"),
        None => format!("{token_url}/devicecode"),
    }
}

async fn post(
    http: &reqwest::Client,
    url: &str,
    form: &[(&str, &str)],
    policy: &RetryPolicy,
) -> Result<(u16, Zeroizing<Vec<u8>>), TokenError> {
    let correlation = uuid::Uuid::new_v4().to_string();
    let make = || {
        http.post(url)
            .header("client-request-id", &correlation)
            .header(reqwest::header::ACCEPT, "application/json")
            .form(form)
    };
    let answer = send_with_retry(make, policy)
        .await
        .map_err(|(failure, attempts)| TokenError::Network { failure, attempts })?;
    let status = answer.response.status().as_u16();
    let body = read_body(answer.response, MAX_BODY_BYTES)
        .await
        .map_err(|failure| TokenError::Network {
            failure,
            attempts: answer.attempts,
        })?;
    if status == 200 {
        return Ok((status, body));
    }
    Err(match parse_error(status, &body) {
        Some(error) if (400..500).contains(&status) && status != 429 => TokenError::Rejected(error),
        error => TokenError::Service {
            status,
            error,
            attempts: answer.attempts,
        },
    })
}

/// Asks for a device code for `client_id` and `scope` (space-separated, e.g.
/// `https://graph.microsoft.com/.default offline_access`).
pub async fn start(
    http: &reqwest::Client,
    token_url: &str,
    client_id: &str,
    scope: &str,
    policy: &RetryPolicy,
) -> Result<DeviceCode, TokenError> {
    let url = device_code_url(token_url);
    let (status, body) = post(
        http,
        &url,
        &[("client_id", client_id), ("scope", scope)],
        policy,
    )
    .await?;
    let parsed: DeviceBody = serde_json::from_slice(&body).map_err(|_| TokenError::Service {
        status,
        error: None,
        attempts: 1,
    })?;
    let message = parsed.message.unwrap_or_else(|| {
        format!(
            "To sign in, open {} and enter the code {}.",
            parsed.verification_uri, parsed.user_code
        )
    });
    Ok(DeviceCode {
        device_code: Secret::new(parsed.device_code),
        user_code: parsed.user_code,
        verification_uri: parsed.verification_uri,
        message,
        interval: parsed.interval.unwrap_or(5).max(1),
        expires_in: parsed.expires_in.unwrap_or(900),
    })
}

/// Polls the token endpoint until the person approves, declines, or the code expires:
/// `authorization_pending` waits `interval` seconds, `slow_down` adds five to it (RFC
/// 8628 § 3.5); anything else ends the wait with that answer.
pub async fn finish(
    http: &reqwest::Client,
    token_url: &str,
    client_id: &str,
    code: &DeviceCode,
    policy: &RetryPolicy,
) -> Result<DeviceTokens, TokenError> {
    let deadline = Instant::now() + Duration::from_secs(code.expires_in);
    let mut interval = Duration::from_secs(code.interval);
    loop {
        tokio::time::sleep(interval).await;
        let form = [
            ("grant_type", DEVICE_CODE_GRANT),
            ("client_id", client_id),
            ("device_code", code.device_code.expose()),
        ];
        match post(http, token_url, &form, policy).await {
            Ok((status, body)) => {
                let access = parse_token(&body).ok_or(TokenError::Service {
                    status,
                    error: None,
                    attempts: 1,
                })?;
                let refresh = serde_json::from_slice::<RefreshBody>(&body)
                    .ok()
                    .and_then(|r| r.refresh_token)
                    .filter(|r| !r.is_empty())
                    .map(|r| {
                        crate::redact::register(&r);
                        Secret::new(r)
                    });
                return Ok(DeviceTokens { access, refresh });
            }
            Err(TokenError::Rejected(e))
                if e.error == "authorization_pending" && Instant::now() < deadline => {}
            Err(TokenError::Rejected(e)) if e.error == "slow_down" && Instant::now() < deadline => {
                interval += Duration::from_secs(5);
            }
            Err(other) => return Err(other),
        }
    }
}

/// What a device-code refusal means, in words: `(cause, fix)`, or `None` for an answer
/// that is not one of RFC 8628's.
pub fn explain_device_error(error: &str) -> Option<(&'static str, &'static str)> {
    Some(match error {
        "authorization_declined" | "access_denied" => (
            "the person at the browser declined the sign-in",
            "run the command again and approve the request (check the code matches)",
        ),
        "expired_token" => (
            "the code expired before anyone signed in with it",
            "run the command again and finish the browser sign-in within the time shown",
        ),
        "bad_verification_code" => (
            "Entra ID does not know the device code certtool sent",
            "run the command again; if it persists, check --authority-host",
        ),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_devicecode_url_sits_beside_the_token_url() {
        assert_eq!(
            device_code_url("https://login.example/t/oauth2/v2.0/token"),
            "https://login.example/t/oauth2/v2.0/devicecode"
        );
        assert!(explain_device_error("authorization_declined").is_some());
        assert!(explain_device_error("access_denied").is_some());
        assert!(explain_device_error("invalid_client").is_none());
    }

    #[test]
    fn a_device_code_keeps_its_secret_out_of_debug() {
        let code = DeviceCode {
            device_code: Secret::new("very-secret-device-code".into()),
            user_code: "ABCD1234".into(),
            verification_uri: "https://x/devicelogin".into(),
            message: String::new(),
            interval: 5,
            expires_in: 900,
        };
        let shown = format!("{code:?}");
        assert!(shown.contains("ABCD1234") && !shown.contains("very-secret"));
    }
}
