//! The checks made on a management certificate before any network call: a private key
//! that matches, RSA of at least 2048 bits, and the validity window.

use openssl::pkey::{PKey, Private};
use openssl::x509::X509;
use serde::Serialize;
use time::OffsetDateTime;

use crate::bundle::CredentialBundle;
use crate::error::{Error, Result};
use crate::keys::{self, MIN_RSA_BITS};
use crate::x509::{
    days_until, rfc3339, subject_string, thumbprint_sha1, thumbprint_sha256, validity,
};

/// The management certificate about to be presented, and what is doubtful about it.
#[derive(Debug, Clone, Serialize)]
pub struct CertificateCheck {
    /// Where it was read from.
    pub source: String,
    /// Subject, e.g. `CN=Octopus Deploy - Production`.
    pub subject: String,
    /// SHA-1 thumbprint, upper-case hex, as the portal shows it.
    pub thumbprint: String,
    /// SHA-256 thumbprint, upper-case hex.
    pub thumbprint_sha256: String,
    /// notBefore, RFC 3339.
    pub not_before: String,
    /// notAfter, RFC 3339.
    pub not_after: String,
    /// Whole days until notAfter (negative once expired).
    pub days_to_expiry: i64,
    /// Key algorithm (`RSA`, `EC`, …).
    pub key_algorithm: String,
    /// Key size in bits.
    pub key_bits: u32,
    /// Warnings: weak key, expired, not yet valid. The test goes on regardless.
    pub warnings: Vec<String>,
}

/// The leaf, its chain and its key, checked to belong together, plus the warnings worth
/// giving before ASM is asked. A missing or mismatched key is an error.
pub fn check_certificate(
    bundle: &CredentialBundle,
    now: OffsetDateTime,
) -> Result<(CertificateCheck, &X509, Vec<X509>, &PKey<Private>)> {
    let (leaf, key) = bundle.leaf_with_key()?;
    let der = leaf
        .to_der()
        .map_err(Error::crypto("encoding the certificate"))?;
    let (not_before, not_after) = validity(&der)?;
    let (algorithm, bits) = keys::describe(key);
    let mut warnings = Vec::new();
    if algorithm != "RSA" {
        warnings.push(format!(
            "the key is {algorithm}: ASM management certificates must be RSA (at least {MIN_RSA_BITS} bits)"
        ));
    } else if bits < MIN_RSA_BITS {
        warnings.push(format!(
            "the RSA key has {bits} bits: ASM requires at least {MIN_RSA_BITS}, so uploading it fails; make a new one with `certtool generate`"
        ));
    }
    let days = days_until(not_after, now);
    if now > not_after {
        warnings.push(format!(
            "the certificate expired on {}: ASM has been seen to accept expired management certificates, but do not count on it; renew it with `certtool generate`",
            rfc3339(not_after)
        ));
    } else if now < not_before {
        warnings.push(format!(
            "the certificate is not valid before {}: check this machine's clock",
            rfc3339(not_before)
        ));
    }
    let check = CertificateCheck {
        source: bundle.input.clone(),
        subject: subject_string(&der)?,
        thumbprint: thumbprint_sha1(&der),
        thumbprint_sha256: thumbprint_sha256(&der),
        not_before: rfc3339(not_before),
        not_after: rfc3339(not_after),
        days_to_expiry: days,
        key_algorithm: algorithm.to_string(),
        key_bits: bits,
        warnings,
    };
    Ok((check, leaf, bundle.chain(), key))
}
