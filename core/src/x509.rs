//! Facts about one X.509 certificate that several reports need: its validity window, its
//! subject, its thumbprints and JWT `x5t` values, and the RFC 3339 form of an instant.
//! A leaf module: it depends on nothing else in the crate but the error type.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use openssl::hash::{hash, MessageDigest};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::error::{Error, Result};

/// Formats an instant as RFC 3339 in UTC with whole seconds, e.g. `2026-11-23T14:00:00Z`.
pub fn rfc3339(when: OffsetDateTime) -> String {
    let utc = when
        .to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .expect("zero nanoseconds is valid");
    utc.format(&Rfc3339)
        .expect("RFC 3339 formatting of a UTC instant")
}

/// Parses a DER certificate with `x509-parser`.
pub(crate) fn parse(der: &[u8]) -> Result<X509Certificate<'_>> {
    X509Certificate::from_der(der)
        .map(|(_, c)| c)
        .map_err(|e| Error::malformed("certificate", format!("cannot parse X.509: {e}")))
}

/// The certificate's notBefore and notAfter.
pub fn validity(der: &[u8]) -> Result<(OffsetDateTime, OffsetDateTime)> {
    let cert = parse(der)?;
    let v = cert.validity();
    Ok((v.not_before.to_datetime(), v.not_after.to_datetime()))
}

/// The subject as `CN=…, O=…` text.
pub fn subject_string(der: &[u8]) -> Result<String> {
    Ok(parse(der)?.subject().to_string())
}

/// Whole days from `now` to `not_after`, rounded down (negative once expired).
pub fn days_until(not_after: OffsetDateTime, now: OffsetDateTime) -> i64 {
    (not_after - now).whole_seconds().div_euclid(86_400)
}

/// The binary digest of `der`.
pub(crate) fn digest(md: MessageDigest, der: &[u8]) -> Vec<u8> {
    // Hashing a byte slice cannot fail short of OpenSSL being unusable.
    hash(md, der).expect("OpenSSL digest").to_vec()
}

/// Bytes as upper-case hex digits without separators.
pub(crate) fn upper_hex(bytes: &[u8]) -> String {
    // No string per byte: an audit reads a thumbprint for every certificate.
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut hex = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        hex.push(char::from(HEX[usize::from(b >> 4)]));
        hex.push(char::from(HEX[usize::from(b & 15)]));
    }
    hex
}

/// The SHA-1 thumbprint as Azure shows it: 40 upper-case hex digits, no separators.
pub fn thumbprint_sha1(der: &[u8]) -> String {
    upper_hex(&digest(MessageDigest::sha1(), der))
}

/// The SHA-256 thumbprint: 64 upper-case hex digits, no separators.
pub fn thumbprint_sha256(der: &[u8]) -> String {
    upper_hex(&digest(MessageDigest::sha256(), der))
}

/// JWT header `x5t`: base64url (no padding) of the binary SHA-1 digest of the DER.
pub fn x5t(der: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(digest(MessageDigest::sha1(), der))
}

/// JWT header `x5t#S256`: base64url (no padding) of the binary SHA-256 digest of the DER.
pub fn x5t_s256(der: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(digest(MessageDigest::sha256(), der))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    // Known answers computed with `openssl dgst` over the three bytes "abc".
    #[test]
    fn thumbprints_and_x5t_known_answers() {
        let d = b"abc";
        assert_eq!(
            thumbprint_sha1(d),
            "A9993E364706816ABA3E25717850C26C9CD0D89D"
        );
        assert_eq!(
            thumbprint_sha256(d),
            "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"
        );
        assert_eq!(x5t(d), "qZk-NkcGgWq6PiVxeFDCbJzQ2J0");
        assert_eq!(x5t_s256(d), "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
    }

    #[test]
    fn days_round_down() {
        let now = datetime!(2026-01-01 12:00 UTC);
        assert_eq!(days_until(datetime!(2026-01-31 11:00 UTC), now), 29);
        assert_eq!(days_until(datetime!(2026-01-31 12:00 UTC), now), 30);
        assert_eq!(days_until(datetime!(2026-01-01 11:00 UTC), now), -1);
    }

    #[test]
    fn rfc3339_is_utc_whole_seconds() {
        let t = datetime!(2026-01-01 12:00:00.5 +02:00);
        assert_eq!(rfc3339(t), "2026-01-01T10:00:00Z");
    }
}
