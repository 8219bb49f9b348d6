//! What an app proves its identity with when it signs in: the one type both the sign-in
//! ([`super::SignIn`]) and the explanation of a refusal ([`super::Explanation`]) read, kept
//! in a leaf so neither depends on the other for it.

use openssl::pkey::{PKey, Private};
use openssl::x509::X509;

use super::assertion::SigningAlg;
use super::federated::FederatedToken;
use crate::secret::Secret;

/// What an app proves its identity with. A new kind of sign-in is a new variant here
/// and an arm in [`super::SignIn`]'s request; callers of [`super::SignIn::token`] do not
/// change.
pub enum Credential<'a> {
    /// A certificate and its key: a client assertion is signed for every attempt.
    Certificate(CertificateKey<'a>),
    /// A client secret (its *Value*).
    Secret(&'a Secret),
    /// A federated token from another OpenID Connect provider, sent as the assertion.
    Federated(&'a FederatedToken),
    /// A person's refresh token from a device-code sign-in ([`super::device`]), for a
    /// public client: each new scope is asked for with `grant_type=refresh_token`.
    RefreshToken(&'a Secret),
}

/// A certificate credential and how its assertions are signed.
pub struct CertificateKey<'a> {
    /// The registered certificate (the leaf).
    pub certificate: &'a X509,
    /// Its private key (RSA).
    pub key: &'a PKey<Private>,
    /// Certificates after the leaf, sent in `x5c` when `send_x5c` is set.
    pub chain: &'a [X509],
    /// The assertion's signature algorithm (and so its thumbprint header).
    pub alg: SigningAlg,
    /// Send the chain in the `x5c` header (subject name / issuer authentication).
    pub send_x5c: bool,
}
