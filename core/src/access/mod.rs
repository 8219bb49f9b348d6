//! Checking a service principal's access, the flow behind `certtool test arm`: sign in
//! for Azure Resource Manager → read each subscription and the permissions there,
//! against the required actions → sign in for Microsoft Graph and read the app
//! registration (which certificates and secrets it holds, which one this run used) →
//! the date the credential in use ends.
//!
//! Core orchestrates and the CLI parses flags and renders, as for [`crate::rotate`]:
//! [`check`] takes values (a [`SignIn`], endpoints, subscriptions, requirements, an
//! optional fallback secret the caller found) and returns an [`Access`]: typed data the
//! caller renders and maps to an exit code. Nothing here prints, reads the environment
//! or exits. The name says what is checked (the access a credential gives), not which
//! command asks: a pipeline gate or another command can run the same flow.
//!
//! Each scope is signed in for once per run ([`SignIn::token`] keeps the token), so a
//! run makes one ARM and one Graph token request with its credential.

mod registration;

use serde::Serialize;
use time::OffsetDateTime;

use crate::arm::{check_subscriptions, ArmClient, Requirement, SubscriptionCheck, Verdict};
use crate::entra::{Credential, Explanation, FailureKind, SignIn};
use crate::error::Result;
use crate::http::RetryPolicy;
use crate::secret::Secret;
use crate::x509::{days_until, rfc3339, validity};

use registration::Reader;
pub use registration::{RegisteredCertificate, RegisteredSecret, Registration, Unavailable};

/// A client secret of the same app, used only to read the registration after its
/// certificate was refused with AADSTS700027, so that the thumbprints Entra ID holds can
/// be shown beside the one sent.
pub struct FallbackSecret<'a> {
    /// The secret.
    pub secret: &'a Secret,
    /// Where it was found, for the message (never its value).
    pub origin: String,
}

/// What [`check`] needs besides the sign-in.
pub struct AccessRequest<'a> {
    /// The HTTP client (the sign-in's).
    pub http: &'a reqwest::Client,
    /// Retries of each ARM and Graph request.
    pub policy: &'a RetryPolicy,
    /// ARM base URL.
    pub arm: &'a str,
    /// ARM token scope (`{arm}/.default`).
    pub arm_scope: &'a str,
    /// Graph base URL.
    pub graph: &'a str,
    /// Graph token scope.
    pub graph_scope: &'a str,
    /// The subscriptions to check.
    pub subscriptions: &'a [String],
    /// Where to read permissions when the subscription scope is refused.
    pub resource_group: Option<&'a str>,
    /// The actions required.
    pub requirements: &'a [Requirement],
    /// Subscriptions checked at once.
    pub concurrency: usize,
    /// See [`FallbackSecret`].
    pub fallback_secret: Option<FallbackSecret<'a>>,
}

/// The token step.
#[derive(Debug, Serialize, Default)]
pub struct TokenStep {
    /// The token URL called.
    pub url: String,
    /// Whether a token came.
    pub ok: bool,
    /// Its lifetime in seconds, as Entra ID said.
    pub expires_in: Option<u64>,
    /// Why not.
    pub error: Option<Explanation>,
}

/// Which end of the credential in use comes first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialEnd {
    /// `the certificate` (the local file's notAfter) or `its registration in Entra ID`.
    pub what: &'static str,
    /// The end, RFC 3339.
    pub end: String,
    /// Days left (negative once past).
    pub days_left: i64,
}

/// What [`check`] found.
#[derive(Debug)]
pub struct Access {
    /// The ARM sign-in.
    pub token: TokenStep,
    /// Each subscription, in the order asked (empty when the sign-in failed).
    pub subscriptions: Vec<SubscriptionCheck>,
    /// The registration, when read or tried.
    pub registration: Option<Registration>,
    /// After AADSTS700027 with a certificate: the certificates the registration holds,
    /// read with the fallback secret (a `cause:` line).
    pub registered_by_secret: Option<String>,
    /// The worst outcome.
    pub verdict: Verdict,
    /// The end of the credential in use that comes first.
    pub ends_first: Option<CredentialEnd>,
}

/// Runs the check. Offline failures (signing an assertion) are `Err`; everything that
/// happens against Entra ID, ARM and Graph is in the [`Access`].
pub async fn check(signin: &SignIn<'_>, request: &AccessRequest<'_>) -> Result<Access> {
    let mut access = Access {
        token: TokenStep {
            url: signin.token_url().to_owned(),
            ..TokenStep::default()
        },
        subscriptions: Vec::new(),
        registration: None,
        registered_by_secret: None,
        verdict: Verdict::Ok,
        ends_first: None,
    };
    let reader = Reader {
        http: request.http,
        policy: request.policy,
        graph: request.graph,
        graph_scope: request.graph_scope,
        used: signin.credential(),
    };
    let token = match signin.token(request.arm_scope).await? {
        Ok(token) => token,
        Err(error) => {
            let why = signin.explain(&error);
            access.verdict = match why.kind {
                FailureKind::Rejected => Verdict::Rejected,
                FailureKind::Service | FailureKind::Network => Verdict::Unreachable,
            };
            let unregistered =
                why.has_code(700027) && matches!(signin.credential(), Credential::Certificate(_));
            access.token.error = Some(why);
            if let (true, Some(fallback)) = (unregistered, &request.fallback_secret) {
                let by_secret = signin.with_credential(Credential::Secret(fallback.secret));
                let registration = reader.read(&by_secret).await?;
                if registration.read {
                    let with = format!("the client secret in {}", fallback.origin);
                    access.registered_by_secret = Some(registration.certificates_line(&with));
                    access.registration = Some(registration);
                }
            }
            return Ok(access);
        }
    };
    access.token.ok = true;
    access.token.expires_in = Some(token.expires_in);

    let arm = ArmClient::new(
        request.http.clone(),
        request.arm,
        token,
        request.policy.clone(),
    );
    access.subscriptions = check_subscriptions(
        &arm,
        request.subscriptions,
        request.resource_group,
        request.requirements,
        request.concurrency,
    )
    .await;
    access.verdict = access
        .subscriptions
        .iter()
        .map(|c| c.verdict)
        .max()
        .unwrap_or(Verdict::Ok);
    let registration = reader.read(signin).await?;
    access.ends_first = ends_first(signin.credential(), Some(&registration), signin.now());
    access.registration = Some(registration);
    Ok(access)
}

/// The local certificate's notAfter and the registered end of the credential in use,
/// whichever comes first.
pub fn ends_first(
    used: &Credential<'_>,
    registration: Option<&Registration>,
    now: OffsetDateTime,
) -> Option<CredentialEnd> {
    let mut ends = Vec::new();
    if let Credential::Certificate(c) = used {
        let end = c
            .certificate
            .to_der()
            .ok()
            .and_then(|der| validity(&der).ok());
        if let Some((_, end)) = end {
            ends.push(CredentialEnd {
                what: "the certificate",
                end: rfc3339(end),
                days_left: days_until(end, now),
            });
        }
    }
    if let Some((end, days_left)) = registration.and_then(Registration::in_use_end) {
        ends.push(CredentialEnd {
            what: "its registration in Entra ID",
            end,
            days_left,
        });
    }
    ends.into_iter().min_by_key(|e| e.days_left)
}

impl Access {
    /// The first end of the credential in use, when it is within `days`.
    pub fn ending_within(&self, days: u32) -> Option<&CredentialEnd> {
        self.ends_first
            .as_ref()
            .filter(|e| e.days_left <= i64::from(days))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entra::{CertificateKey, SigningAlg};
    use crate::generate::{self_signed, CertificateRequest, Validity};

    #[test]
    fn the_credential_ends_at_whichever_end_comes_first() {
        let now = time::macros::datetime!(2026-01-01 00:00 UTC);
        let key = crate::keys::generate_rsa(2048, false).unwrap();
        let cert = self_signed(
            &key,
            &CertificateRequest {
                common_name: "e".into(),
                validity: Validity::Days(10),
                now,
                serial: [5; 16],
            },
        )
        .unwrap();
        let used = Credential::Certificate(CertificateKey {
            certificate: &cert,
            key: &key,
            chain: &[],
            alg: SigningAlg::Ps256,
            send_x5c: false,
        });
        let local = ends_first(&used, None, now).unwrap();
        assert_eq!(
            (local.what, local.end.as_str(), local.days_left),
            ("the certificate", "2026-01-11T00:00:00Z", 10)
        );
        let mut registration = Registration::default();
        registration.certificates.push(RegisteredCertificate {
            key_id: "k".into(),
            thumbprint_sha1: None,
            display_name: None,
            start: None,
            end: Some("2026-01-06T00:00:00Z".into()),
            days_to_expiry: Some(5),
            in_use: true,
        });
        let first = ends_first(&used, Some(&registration), now).unwrap();
        assert_eq!(
            (first.what, first.days_left),
            ("its registration in Entra ID", 5)
        );
        let access = Access {
            token: TokenStep::default(),
            subscriptions: Vec::new(),
            registration: None,
            registered_by_secret: None,
            verdict: Verdict::Ok,
            ends_first: Some(first),
        };
        assert!(access.ending_within(4).is_none());
        assert_eq!(access.ending_within(5).unwrap().days_left, 5);
    }
}
