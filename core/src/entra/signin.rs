//! [`SignIn`]: one identity signing in to Entra ID for a run. See the module docs of
//! [`crate::entra`] for what it decides and where later kinds of sign-in plug in.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use time::OffsetDateTime;

use super::assertion::{sign_assertion, AssertionRequest, ClientAssertion};
use super::credential::{CertificateKey, Credential};
use super::explain::{explain, Explanation};
use super::token::{request_token, AccessToken, ClientCredential, TokenError, TokenRequest};
use crate::error::Result;
use crate::http::RetryPolicy;

/// A cached token is requested again when less than this is left of it, so that no
/// request of a run is sent with a token about to lapse.
const TOKEN_MARGIN: Duration = Duration::from_secs(120);

/// A token for a scope, or Entra ID's reason for not issuing one.
pub type TokenResult = std::result::Result<Arc<AccessToken>, TokenError>;

/// How long [`SignIn::token_within`] keeps asking, and which refusals are worth asking
/// again (a key or an app Entra ID has not replicated yet).
#[derive(Debug, Clone, Copy)]
pub struct Patience {
    /// Give up once this much time has passed.
    pub wait: Duration,
    /// The first pause; it doubles up to `max_backoff`.
    pub first_backoff: Duration,
    /// The longest pause.
    pub max_backoff: Duration,
    /// Whether a failure may go away by waiting.
    pub retry: fn(&TokenError) -> bool,
}

impl Patience {
    /// Every failure is retried until `wait` runs out (1 s, 2 s, 4 s … 15 s apart):
    /// a certificate just added over Graph is refused (AADSTS700027) until sign-in has
    /// replicated it, and a network blip is no reason to stop.
    pub fn replication(wait: Duration) -> Self {
        Patience {
            wait,
            first_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(15),
            retry: |_| true,
        }
    }
}

/// What [`SignIn::token_within`] ended with.
#[derive(Debug)]
pub struct Waited {
    /// The token, or the last failure.
    pub result: TokenResult,
    /// Token requests made.
    pub attempts: u32,
    /// Time spent.
    pub elapsed: Duration,
}

/// One identity signing in to one tenant for the length of a run: at most one token
/// request per scope (the token is kept and handed out again), a fresh client assertion
/// for every attempt, the retry policy of [`crate::http`], and one [`Explanation`] of a
/// refusal. The clock and the `jti` source are injected so that tests decide them.
pub struct SignIn<'a> {
    http: reqwest::Client,
    policy: RetryPolicy,
    token_url: String,
    client_id: String,
    credential: Credential<'a>,
    now: fn() -> OffsetDateTime,
    jti: fn() -> uuid::Uuid,
    tokens: tokio::sync::Mutex<HashMap<String, (Arc<AccessToken>, Instant)>>,
}

impl std::fmt::Debug for SignIn<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignIn")
            .field("token_url", &self.token_url)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

impl<'a> SignIn<'a> {
    /// Signs in as `client_id` at `token_url` (see [`super::token_url`]) with
    /// `credential`, over `http`, retrying as `policy` says. The clock is the system's
    /// and every `jti` a fresh UUID v4 until [`SignIn::clock`] / [`SignIn::jti_source`]
    /// say otherwise.
    pub fn new(
        http: reqwest::Client,
        policy: RetryPolicy,
        token_url: impl Into<String>,
        client_id: impl Into<String>,
        credential: Credential<'a>,
    ) -> Self {
        SignIn {
            http,
            policy,
            token_url: token_url.into(),
            client_id: client_id.into(),
            credential,
            now: OffsetDateTime::now_utc,
            jti: uuid::Uuid::new_v4,
            tokens: tokio::sync::Mutex::new(HashMap::new()),
        }
    }

    /// The same app, tenant, HTTP client, policy and clock with another credential
    /// (e.g. a client secret of the app after its certificate was refused). Tokens are
    /// not shared: they belong to the credential that got them.
    pub fn with_credential<'b>(&self, credential: Credential<'b>) -> SignIn<'b> {
        SignIn::new(
            self.http.clone(),
            self.policy.clone(),
            self.token_url.clone(),
            self.client_id.clone(),
            credential,
        )
        .clock(self.now)
        .jti_source(self.jti)
    }

    /// Uses `now` for every assertion's `iat`/`nbf` and for the local clock an
    /// explanation shows.
    pub fn clock(mut self, now: fn() -> OffsetDateTime) -> Self {
        self.now = now;
        self
    }

    /// Uses `jti` for every assertion's unique ID (tests: a predictable sequence).
    pub fn jti_source(mut self, jti: fn() -> uuid::Uuid) -> Self {
        self.jti = jti;
        self
    }

    /// The token URL signed in at.
    pub fn token_url(&self) -> &str {
        &self.token_url
    }

    /// The application (client) ID.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The credential signed in with.
    pub fn credential(&self) -> &Credential<'a> {
        &self.credential
    }

    /// "Now" by the injected clock.
    pub fn now(&self) -> OffsetDateTime {
        (self.now)()
    }

    /// A token for `scope` (e.g. `https://graph.microsoft.com/.default`): the one this
    /// sign-in already holds, else a new request. The outer `Err` is an offline failure
    /// (the assertion could not be signed: nothing was sent); a refusal is not kept, so
    /// asking again asks Entra ID again.
    pub async fn token(&self, scope: &str) -> Result<TokenResult> {
        let mut tokens = self.tokens.lock().await;
        if let Some((token, fresh_until)) = tokens.get(scope) {
            if Instant::now() < *fresh_until {
                return Ok(Ok(Arc::clone(token)));
            }
        }
        let asked = Instant::now();
        let result = self.request(scope).await?.map(Arc::new);
        if let Ok(token) = &result {
            let life = Duration::from_secs(token.expires_in).saturating_sub(TOKEN_MARGIN);
            tokens.insert(scope.to_owned(), (Arc::clone(token), asked + life));
        }
        Ok(result)
    }

    /// Keeps `token` as this sign-in's token for `scope` (e.g. the first token of a
    /// device-code sign-in, which came with the refresh token this sign-in holds).
    pub async fn keep_token(&self, scope: &str, token: AccessToken) {
        let life = Duration::from_secs(token.expires_in).saturating_sub(TOKEN_MARGIN);
        self.tokens
            .lock()
            .await
            .insert(scope.to_owned(), (Arc::new(token), Instant::now() + life));
    }

    /// [`SignIn::token`], asked again while `patience` allows: for an identity Entra ID
    /// may not have replicated yet.
    pub async fn token_within(&self, scope: &str, patience: &Patience) -> Result<Waited> {
        let started = Instant::now();
        let mut backoff = patience.first_backoff;
        let mut attempts = 0;
        loop {
            attempts += 1;
            let result = self.token(scope).await?;
            let elapsed = started.elapsed();
            let done = match &result {
                Ok(_) => true,
                Err(error) => elapsed >= patience.wait || !(patience.retry)(error),
            };
            if done {
                return Ok(Waited {
                    result,
                    attempts,
                    elapsed,
                });
            }
            tokio::time::sleep(backoff.min(patience.wait - elapsed)).await;
            backoff = (backoff * 2).min(patience.max_backoff);
        }
    }

    /// Why `error` happened and what to do, with what this sign-in sent (thumbprints,
    /// federated claims, the local clock).
    pub fn explain(&self, error: &TokenError) -> Explanation {
        explain(error, &self.token_url, &self.credential, self.now())
    }

    async fn request(&self, scope: &str) -> Result<std::result::Result<AccessToken, TokenError>> {
        let sign;
        let credential = match &self.credential {
            Credential::Certificate(certificate) => {
                sign = move || self.sign(certificate);
                ClientCredential::Assertions(&sign)
            }
            Credential::Secret(secret) => ClientCredential::Secret(secret),
            Credential::Federated(token) => ClientCredential::Federated(token),
            Credential::RefreshToken(token) => ClientCredential::Refresh(token),
        };
        let request = TokenRequest {
            token_url: &self.token_url,
            client_id: &self.client_id,
            scope,
            credential,
            correlation_id: uuid::Uuid::new_v4(),
        };
        request_token(&self.http, &request, &self.policy).await
    }

    /// One client assertion, signed now with a new `jti`.
    fn sign(&self, c: &CertificateKey<'_>) -> Result<ClientAssertion> {
        sign_assertion(&AssertionRequest {
            client_id: &self.client_id,
            token_url: &self.token_url,
            certificate: c.certificate,
            key: c.key,
            chain: c.chain,
            send_x5c: c.send_x5c,
            alg: c.alg,
            now: self.now(),
            jti: (self.jti)(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entra::SigningAlg;
    use crate::secret::Secret;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;

    /// Nothing listens there: every request fails at once, without a network.
    const NOWHERE: &str = "https://127.0.0.1:9/t/oauth2/v2.0/token";

    fn fixed_now() -> OffsetDateTime {
        time::macros::datetime!(2026-03-04 05:06:07 UTC)
    }

    fn fixed_jti() -> uuid::Uuid {
        uuid::Uuid::from_u128(0x1234)
    }

    fn no_retries() -> RetryPolicy {
        RetryPolicy {
            retries: 0,
            ..RetryPolicy::default()
        }
    }

    fn signin(credential: Credential<'_>) -> SignIn<'_> {
        let http = crate::http::client(&Default::default(), None).unwrap();
        SignIn::new(http, no_retries(), NOWHERE, "c-1", credential)
    }

    fn token(value: &str) -> Arc<AccessToken> {
        let body = format!(r#"{{"access_token":"{value}","expires_in":3600}}"#);
        Arc::new(super::super::parse_token(body.as_bytes()).unwrap())
    }

    #[test]
    fn assertions_take_the_injected_clock_and_jti() {
        use crate::generate::{self_signed, CertificateRequest, Validity};
        let key = crate::keys::generate_rsa(2048, false).unwrap();
        let cert = self_signed(
            &key,
            &CertificateRequest {
                common_name: "s".into(),
                validity: Validity::Days(30),
                now: fixed_now(),
                serial: [3; 16],
            },
        )
        .unwrap();
        let c = CertificateKey {
            certificate: &cert,
            key: &key,
            chain: &[],
            alg: SigningAlg::Rs256,
            send_x5c: false,
        };
        let secret = Secret::empty();
        let s = signin(Credential::Secret(&secret))
            .clock(fixed_now)
            .jti_source(fixed_jti);
        let jwt = s.sign(&c).unwrap();
        let claims = jwt.expose().split('.').nth(1).unwrap();
        let claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).unwrap()).unwrap();
        assert_eq!(claims["jti"], fixed_jti().to_string());
        assert_eq!(claims["iat"], fixed_now().unix_timestamp());
        assert_eq!(claims["aud"], NOWHERE);
        // A sign-in made from another keeps its clock and jti source.
        assert_eq!(
            s.with_credential(Credential::Secret(&secret)).now(),
            fixed_now()
        );
    }

    #[tokio::test]
    async fn a_token_is_kept_per_scope_and_a_failure_is_not() {
        let secret = Secret::new("x".into());
        let s = signin(Credential::Secret(&secret));
        let kept = token("tok-a");
        let later = Instant::now() + Duration::from_secs(600);
        s.tokens
            .lock()
            .await
            .insert("a/.default".into(), (Arc::clone(&kept), later));
        // Kept: no request is made (one would fail: nothing listens at NOWHERE).
        let again = s.token("a/.default").await.unwrap().unwrap();
        assert!(Arc::ptr_eq(&again, &kept));
        // Another scope is asked for; the failure is not kept, so it is asked again.
        for _ in 0..2 {
            let err = s.token("b/.default").await.unwrap().unwrap_err();
            assert!(
                matches!(err, TokenError::Network { attempts: 1, .. }),
                "{err:?}"
            );
        }
        assert_eq!(s.tokens.lock().await.len(), 1);
        // A kept token about to lapse is asked for again.
        let lapsing = Instant::now();
        s.tokens
            .lock()
            .await
            .insert("a/.default".into(), (kept, lapsing));
        assert!(s.token("a/.default").await.unwrap().is_err());
    }

    #[tokio::test]
    async fn patience_decides_how_often_to_ask_again() {
        let secret = Secret::new("x".into());
        let s = signin(Credential::Secret(&secret));
        let never = Patience {
            retry: |_| false,
            ..Patience::replication(Duration::from_secs(60))
        };
        let waited = s.token_within("a/.default", &never).await.unwrap();
        assert_eq!(waited.attempts, 1);
        assert!(waited.result.is_err());
        let brief = Patience {
            first_backoff: Duration::from_millis(20),
            ..Patience::replication(Duration::from_millis(300))
        };
        let waited = s.token_within("a/.default", &brief).await.unwrap();
        assert!(waited.attempts >= 3, "{}", waited.attempts);
        assert!(waited.elapsed >= Duration::from_millis(300));
        assert!(waited.elapsed < Duration::from_secs(10));
        let replication = Patience::replication(Duration::from_secs(5));
        assert_eq!(
            (replication.first_backoff, replication.max_backoff),
            (Duration::from_secs(1), Duration::from_secs(15))
        );
    }
}
