//! Who runs `create sp`: a service principal or pipeline with the sign-in flags every
//! signing-in command shares, or a person at a terminal with a device code (RFC 8628:
//! one browser sign-in, the second resource's token from the refresh token).

use certtool_core::cloud::Cloud;
use certtool_core::entra::device::{self, AZURE_CLI_CLIENT_ID};
use certtool_core::entra::{token_url, Credential, SignIn};
use certtool_core::http::RetryPolicy;
use certtool_core::secret::Secret;
use time::OffsetDateTime;

use super::CreateSpArgs;
use crate::envfile::EnvLookup;
use crate::error::{CliError, ExitKind};
use crate::signin::sign_in_error;
use crate::signin::{required, resolve, resolve_cloud, resolve_who, Identity};

/// The caller, resolved offline.
pub struct Caller {
    pub tenant: String,
    pub cloud: Cloud,
    pub token_url: String,
    /// Who signed in, in words (never a secret).
    pub description: String,
    identity: Option<Identity>,
    public_client: String,
    refresh: std::sync::OnceLock<Secret>,
}

impl Caller {
    /// Resolves the sign-in flags (or the device-code tenant and client) before any
    /// request.
    pub fn resolve(
        args: &CreateSpArgs,
        env: &EnvLookup,
        now: OffsetDateTime,
    ) -> Result<Caller, CliError> {
        let mut sources = Vec::new();
        if args.device_code {
            let tenant = required(
                env,
                &args.signin.tenant,
                "--tenant",
                &["AZURE_TENANT_ID", "ARM_TENANT_ID"],
                "tenant ID",
                &mut sources,
            )?;
            let cloud = resolve_cloud(&args.signin, env, &mut sources)?;
            let public_client = args
                .signin
                .client_id
                .clone()
                .unwrap_or_else(|| AZURE_CLI_CLIENT_ID.to_string());
            return Ok(Caller {
                token_url: token_url(&cloud.login, &tenant)?,
                description: format!(
                    "a person, with a device code (public client {public_client})"
                ),
                tenant,
                cloud,
                identity: None,
                public_client,
                refresh: std::sync::OnceLock::new(),
            });
        }
        let who = resolve_who(&args.signin, env, &mut sources)?;
        let identity = resolve(who, &args.signin, env, now, &mut sources)?;
        Ok(Caller {
            tenant: identity.tenant.clone(),
            cloud: identity.cloud.clone(),
            token_url: token_url(&identity.cloud.login, &identity.tenant)?,
            description: format!(
                "the service principal {} ({})",
                identity.client_id, identity.credential_source
            ),
            identity: Some(identity),
            public_client: String::new(),
            refresh: std::sync::OnceLock::new(),
        })
    }

    /// The caller's sign-in: the service principal's, or the person's after the device
    /// code was approved.
    pub async fn signin(
        &self,
        http: &reqwest::Client,
        policy: &RetryPolicy,
    ) -> Result<SignIn<'_>, CliError> {
        if let Some(identity) = &self.identity {
            return identity.signin(http, policy);
        }
        let scope = format!("{} offline_access", self.cloud.graph_scope);
        let code = device::start(http, &self.token_url, &self.public_client, &scope, policy)
            .await
            .map_err(|e| self.refused(http, &e))?;
        // The person reads this on the terminal; it names no secret.
        eprintln!("{}", crate::output::escape_controls(&code.message));
        let tokens = device::finish(http, &self.token_url, &self.public_client, &code, policy)
            .await
            .map_err(|e| self.refused(http, &e))?;
        let Some(refresh) = tokens.refresh else {
            return Err(CliError::new(ExitKind::Rejected, format!("Entra ID gave no refresh token ({})", self.token_url))
                .cause("the device-code sign-in asked for offline_access, but the answer has no refresh token")
                .fix("check that the tenant allows refresh tokens for the public client (--client-id)"));
        };
        let refresh = self.refresh.get_or_init(|| refresh);
        let signin = SignIn::new(
            http.clone(),
            policy.clone(),
            self.token_url.clone(),
            self.public_client.clone(),
            Credential::RefreshToken(refresh),
        )
        .clock(crate::clock::now_or_system);
        signin
            .keep_token(&self.cloud.graph_scope, tokens.access)
            .await;
        Ok(signin)
    }

    fn refused(
        &self,
        http: &reqwest::Client,
        error: &certtool_core::entra::TokenError,
    ) -> CliError {
        if let certtool_core::entra::TokenError::Rejected(e) = error {
            if let Some((cause, fix)) = device::explain_device_error(&e.error) {
                return CliError::new(
                    ExitKind::Rejected,
                    format!(
                        "the device-code sign-in ended with {} ({})",
                        e.error, self.token_url
                    ),
                )
                .cause(cause)
                .fix(fix);
            }
        }
        let secret = Secret::empty();
        let signin = SignIn::new(
            http.clone(),
            RetryPolicy::default(),
            self.token_url.clone(),
            self.public_client.clone(),
            Credential::Secret(&secret),
        );
        sign_in_error(&signin.explain(error))
    }
}
