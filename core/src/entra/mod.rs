//! Entra ID sign-in: the client assertion (a JWS signed with the app certificate's key),
//! the token request with an assertion, a client secret or a federated token, Entra's
//! answers — a token, or an error decided on its `error_codes` — and the one place that
//! puts them together, [`SignIn`].
//!
//! # Signing in: [`SignIn`]
//! Every command signs in through a [`SignIn`]: built from the token URL
//! ([`token_url`]), the client ID, a [`Credential`], the HTTP client and the
//! [`RetryPolicy`](crate::http::RetryPolicy), with the clock and the `jti` source
//! injectable for tests. [`SignIn::token`] asks for a scope once per run and hands the
//! same token out again (a cache keyed by scope); a certificate's client assertion is
//! signed afresh for every attempt, because Entra ID refuses a `jti` it has seen.
//! [`SignIn::token_within`] keeps asking while a [`Patience`] allows (an identity Entra
//! ID has not replicated yet). [`SignIn::explain`] turns a [`TokenError`] into the one
//! [`Explanation`] every command shows: kind, cause and fix from
//! [`crate::diagnose::aadsts`] (sharpened with what was sent) and the support IDs.
//!
//! # A person's sign-in: [`device`]
//! A person at a terminal signs in with a device code ([`device::start`], then
//! [`device::finish`]): the first resource's token comes with a refresh token, which
//! [`Credential::RefreshToken`] turns into the next resource's token
//! (`grant_type=refresh_token`); [`SignIn::keep_token`] puts the first token in the
//! per-scope cache, so callers keep calling `token(scope)`.
//!
//! # Where later sign-ins plug in
//! - Another credential kind is a new [`Credential`] variant and an arm in `SignIn`'s
//!   request. Callers keep calling `token(scope)`.
//! - Signing in as an app Entra ID is still replicating (a just-created service
//!   principal answers AADSTS700016 for a while) is [`SignIn::token_within`] with a
//!   [`Patience`] whose `retry` accepts that code until its deadline, as `rotate arm`
//!   already does for a just-added certificate ([`Patience::replication`]).
//! - A new AADSTS diagnosis is one row in [`crate::diagnose::aadsts`] (and
//!   `docs/errors.md`): [`Explanation`] picks it up for every command.

mod assertion;
mod credential;
pub mod device;
mod explain;
mod federated;
mod signin;
mod token;

pub(crate) use assertion::{jws_header, sign_jws};
pub use assertion::{
    sign_assertion, AssertionRequest, ClientAssertion, SigningAlg, ASSERTION_LIFETIME_SECS,
};
pub use credential::{CertificateKey, Credential};
pub use explain::{Explanation, FailureKind};
pub use federated::{
    oidc_request_url, request_oidc_token, FederatedClaims, FederatedToken, OidcRequestError,
    TOKEN_EXCHANGE_AUDIENCE,
};
pub use signin::{Patience, SignIn, TokenResult, Waited};
pub use token::{
    parse_error, parse_token, request_token, AccessToken, AssertionSigner, ClientCredential,
    EntraError, TokenError, TokenRequest,
};

use openssl::pkey::{PKey, Private};
use openssl::x509::X509;
use time::OffsetDateTime;

use crate::error::{Error, Result};
use crate::x509::{rfc3339, validity};

/// The v2 token URL of `tenant` under the `login` authority host (no trailing slash).
/// The tenant must look like a GUID or a domain name: anything with `/`, `?`, `#` or
/// spaces is refused here rather than sent.
pub fn token_url(login: &str, tenant: &str) -> Result<String> {
    let tenant = tenant.trim();
    let ok = !tenant.is_empty()
        && tenant
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'));
    if !ok {
        return Err(Error::InvalidArgument(format!(
            "the tenant {tenant:?} is not a tenant ID or domain name"
        )));
    }
    Ok(format!(
        "{}/{tenant}/oauth2/v2.0/token",
        login.trim_end_matches('/')
    ))
}

/// Offline checks of an app credential before anything is sent: the key is RSA and the
/// certificate is inside its validity window at `now`. (That key and certificate belong
/// together is checked when the leaf is picked.)
pub fn check_certificate(
    certificate: &X509,
    key: &PKey<Private>,
    now: OffsetDateTime,
    input: &str,
) -> Result<()> {
    if key.rsa().is_err() {
        return Err(Error::Unfit {
            input: input.into(),
            detail: "the key is not RSA; Entra ID app certificates must be RSA (2048 bits or more)"
                .into(),
        });
    }
    let der = certificate
        .to_der()
        .map_err(Error::crypto("encoding the certificate"))?;
    let (not_before, not_after) = validity(&der)?;
    if now > not_after {
        return Err(Error::Unfit {
            input: input.into(),
            detail: format!(
                "the certificate expired on {} (local clock: {})",
                rfc3339(not_after),
                rfc3339(now)
            ),
        });
    }
    if now < not_before {
        return Err(Error::Unfit {
            input: input.into(),
            detail: format!(
                "the certificate is not valid before {} (local clock: {})",
                rfc3339(not_before),
                rfc3339(now)
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_urls() {
        assert_eq!(
            token_url(
                "https://login.microsoftonline.com/",
                "contoso.onmicrosoft.com"
            )
            .unwrap(),
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
        );
        for bad in ["", "a/b", "x?y", "a b"] {
            assert!(token_url("https://l", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn expired_and_future_certificates_are_unfit() {
        use crate::generate::{self_signed, CertificateRequest, Validity};
        let key = crate::keys::generate_rsa(2048, false).unwrap();
        let made = time::macros::datetime!(2026-01-01 00:00 UTC);
        let cert = self_signed(
            &key,
            &CertificateRequest {
                common_name: "c".into(),
                validity: Validity::Days(10),
                now: made,
                serial: [1; 16],
            },
        )
        .unwrap();
        check_certificate(&cert, &key, made + time::Duration::days(1), "c").unwrap();
        let late = check_certificate(&cert, &key, made + time::Duration::days(11), "c")
            .unwrap_err()
            .to_string();
        assert!(late.contains("expired on 2026-01-11T00:00:00Z"), "{late}");
        let early =
            check_certificate(&cert, &key, made - time::Duration::days(1), "c").unwrap_err();
        assert_eq!(early.kind(), crate::ErrorKind::Input);
    }
}
