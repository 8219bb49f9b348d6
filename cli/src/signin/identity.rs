//! Who signs in: the tenant, the app, the cloud's endpoints and the credential, resolved
//! from [`SignInArgs`](super::SignInArgs), the environment and a `.env` file and checked
//! offline; then the core [`SignIn`] that every command signs in with.

use certtool_core::cloud::Cloud;
use certtool_core::entra::{
    self, request_oidc_token, token_url, CertificateKey, FederatedToken, OidcRequestError, SignIn,
    SigningAlg,
};
use certtool_core::http::RetryPolicy;
use certtool_core::secret::Secret;
use openssl::pkey::{PKey, Private};
use openssl::x509::X509;
use serde::Serialize;

use crate::error::{CliError, ExitKind};

/// A certificate credential, checked offline.
pub struct CertificateCredential {
    /// The leaf (the certificate whose public key matches the key).
    pub leaf: X509,
    /// Its key.
    pub key: PKey<Private>,
    /// The other certificates, for `x5c`.
    pub chain: Vec<X509>,
    /// What certtool tells the user (and prints in JSON) about it.
    pub facts: CertificateFacts,
}

/// The public facts of the certificate sent.
#[derive(Debug, Clone, Serialize)]
pub struct CertificateFacts {
    /// The leaf's subject.
    pub subject: String,
    /// SHA-1 thumbprint, upper-case hex (what the portal shows).
    pub thumbprint_sha1: String,
    /// SHA-256 thumbprint, upper-case hex.
    pub thumbprint_sha256: String,
    /// notAfter, RFC 3339.
    pub not_after: String,
}

/// The secret, the certificate or the federated token.
pub enum Credential {
    /// A client secret.
    Secret(Secret),
    /// A certificate with its key.
    Certificate(Box<CertificateCredential>),
    /// A federated token, or where to ask for one.
    Federated(FederatedSource),
}

/// A federated token in hand, or the GitHub Actions (or Terraform-style) request URL and
/// bearer token to ask for one with.
pub enum FederatedSource {
    /// Read from a file or a variable.
    Token(Box<FederatedToken>),
    /// To be requested before signing in.
    Request {
        /// `ACTIONS_ID_TOKEN_REQUEST_URL` (or `ARM_OIDC_REQUEST_URL`).
        url: String,
        /// `ACTIONS_ID_TOKEN_REQUEST_TOKEN` (or `ARM_OIDC_REQUEST_TOKEN`).
        token: Secret,
    },
}

/// Everything a sign-in needs, resolved and checked offline.
pub struct Identity {
    /// Tenant ID or verified domain.
    pub tenant: String,
    /// Application (client) ID.
    pub client_id: String,
    /// Endpoints (with any overrides applied).
    pub cloud: Cloud,
    /// The secret, certificate or federated token.
    pub credential: Credential,
    /// Where the credential came from, for the "credential from" line and reports.
    pub credential_source: String,
    /// Send the chain in `x5c`.
    pub send_x5c: bool,
    /// The assertion's signature algorithm.
    pub alg: SigningAlg,
}

impl Identity {
    /// Asks GitHub Actions (or the `ARM_OIDC_REQUEST_URL`) for the federated token, when
    /// that is where the credential comes from; otherwise does nothing.
    pub async fn fetch_federated(
        &mut self,
        http: &reqwest::Client,
        policy: &RetryPolicy,
    ) -> Result<(), CliError> {
        if let Credential::Federated(FederatedSource::Request { url, token }) = &self.credential {
            let fetched = request_oidc_token(http, url, token, policy).await;
            let token =
                fetched.map_err(|e| oidc_request_failed(url, &self.credential_source, e))?;
            self.credential = Credential::Federated(FederatedSource::Token(Box::new(token)));
        }
        Ok(())
    }

    /// The sign-in for this identity. Assertions read the clock when they are signed: a
    /// password prompt may have taken minutes, and an assertion lives for five.
    pub fn signin(
        &self,
        http: &reqwest::Client,
        policy: &RetryPolicy,
    ) -> Result<SignIn<'_>, CliError> {
        let url = token_url(&self.cloud.login, &self.tenant)?;
        Ok(SignIn::new(
            http.clone(),
            policy.clone(),
            url,
            self.client_id.clone(),
            self.credential(),
        )
        .clock(crate::clock::now_or_system))
    }

    /// The credential as the sign-in takes it (a federated token must have been fetched).
    fn credential(&self) -> entra::Credential<'_> {
        match &self.credential {
            Credential::Secret(secret) => entra::Credential::Secret(secret),
            Credential::Certificate(c) => entra::Credential::Certificate(CertificateKey {
                certificate: &c.leaf,
                key: &c.key,
                chain: &c.chain,
                alg: self.alg,
                send_x5c: self.send_x5c,
            }),
            Credential::Federated(FederatedSource::Token(token)) => {
                entra::Credential::Federated(token)
            }
            Credential::Federated(FederatedSource::Request { .. }) => {
                unreachable!("the federated token is requested before any sign-in")
            }
        }
    }
}

/// The error when GitHub Actions (or the `ARM_OIDC_REQUEST_URL`) hands out no token.
fn oidc_request_failed(url: &str, source: &str, error: OidcRequestError) -> CliError {
    let shown = reqwest::Url::parse(url)
        .map(|u| certtool_core::redact::url_for_log(&u))
        .unwrap_or_else(|_| "the request URL".into());
    match error {
        OidcRequestError::Network(failure) => {
            let (cause, fix) = certtool_core::proxy::explain(&failure, url);
            CliError::new(
                ExitKind::Network,
                format!("could not request a federated token ({shown})"),
            )
            .cause(cause)
            .fix(fix)
        }
        OidcRequestError::Status(status @ (401 | 403)) => CliError::new(
            ExitKind::Rejected,
            format!("the OIDC token request was refused with HTTP {status} ({shown})"),
        )
        .cause(format!("the request token of {source} was not accepted"))
        .fix("give the job `permissions: id-token: write`, and run certtool inside that job (the request token is valid only while it runs)"),
        OidcRequestError::Status(status) => CliError::new(
            ExitKind::Network,
            format!("the OIDC token request failed with HTTP {status} ({shown})"),
        )
        .cause("the token service did not issue a token")
        .fix("try again; check the request URL variable is the runner's"),
        OidcRequestError::Malformed(detail) => CliError::new(
            ExitKind::Network,
            format!("the OIDC token request answered something else than a token ({shown})"),
        )
        .cause(detail)
        .fix("check the request URL variable is the runner's (GitHub Actions answers {\"value\": \"<jwt>\"})"),
    }
}
