//! A federated token to be requested from the CI runner: GitHub Actions' request URL and
//! bearer token, or Terraform's names for the same pair.

use certtool_core::secret::Secret;

use super::{CredentialSource, Found, Material};
use crate::envfile::EnvLookup;
use crate::error::CliError;

/// Pairs of (request URL, bearer token) variables, tried in order.
pub struct OidcRequest(&'static [(&'static str, &'static str)]);

impl OidcRequest {
    /// GitHub Actions' own variables, then Terraform's names for the same thing.
    pub const CONVENTIONAL: OidcRequest = OidcRequest(&[
        (
            "ACTIONS_ID_TOKEN_REQUEST_URL",
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
        ),
        ("ARM_OIDC_REQUEST_URL", "ARM_OIDC_REQUEST_TOKEN"),
    ]);
}

impl CredentialSource for OidcRequest {
    fn find(&self, env: &EnvLookup) -> Result<Option<Found>, CliError> {
        for (url_var, token_var) in self.0 {
            let Some(url) = env.first(&[url_var]) else {
                continue;
            };
            let Some(token) = env.first(&[token_var]) else {
                return Err(CliError::usage(format!(
                    "{} is set but {token_var} is not",
                    url.origin
                ))
                .fix("in GitHub Actions, give the job `permissions: id-token: write` so the runner sets both"));
            };
            let request_url = url.value.trim().to_string();
            if !request_url.starts_with("https://") && !is_loopback_http(&request_url) {
                return Err(CliError::usage(format!(
                    "{} is not an https:// URL (plain http only to this machine)",
                    url.origin
                ))
                .fix(
                    "the request token is a credential: give the runner's https:// token endpoint",
                ));
            }
            let origin = format!(
                "a token requested from {} with {} (audience {})",
                url.origin,
                token.origin,
                certtool_core::entra::TOKEN_EXCHANGE_AUDIENCE
            );
            return Ok(Some(Found {
                material: Material::FederatedRequest {
                    url: request_url,
                    token: Secret::new(token.value.to_string()),
                },
                origin,
            }));
        }
        Ok(None)
    }
}

/// Plain `http://` is accepted only for this machine (a local token service, the tests):
/// the request token must never cross a network in the clear.
fn is_loopback_http(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => authority.split(':').next().unwrap_or(""),
    };
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::is_loopback_http;

    #[test]
    fn plain_http_only_to_this_machine() {
        assert!(is_loopback_http("http://127.0.0.1:8080/token?x=1"));
        assert!(is_loopback_http("http://localhost/token"));
        assert!(is_loopback_http("http://[::1]:9/t"));
        assert!(!is_loopback_http("http://token.actions.example.com/t"));
        assert!(!is_loopback_http("http://127.0.0.1.evil.example/t"));
        assert!(!is_loopback_http("https://127.0.0.1/t"));
    }
}
