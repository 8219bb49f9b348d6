//! How a refused server certificate reads on Windows. There the TLS stack is SChannel, and
//! its verdicts reach certtool as an OS error holding an HRESULT (`… (os error
//! -2146762487)`), not as OpenSSL's "certificate verify failed", so [`super::classify`]
//! recognises them by number: otherwise an untrusted certificate (a TLS-inspecting proxy,
//! whose fix is `--ca-file`) would be reported as a connection failure.
//! Codes: <https://learn.microsoft.com/windows/win32/seccrypto/common-hresult-values>.

/// The certificate-verdict HRESULTs SChannel and the certificate chain engine return.
fn is_certificate_verdict(code: u32) -> bool {
    // CERT_E_EXPIRED (0x800B0101) … CERT_E_INVALID_NAME (0x800B0114): expired, untrusted
    // root, chaining, revoked, revocation check failed, name mismatch, wrong usage, …
    (0x800B_0101..=0x800B_0114).contains(&code)
        || matches!(
            code,
            0x8009_0322 // SEC_E_WRONG_PRINCIPAL: the name does not match
                | 0x8009_0325 // SEC_E_UNTRUSTED_ROOT
                | 0x8009_0327 // SEC_E_CERT_UNKNOWN
                | 0x8009_0328 // SEC_E_CERT_EXPIRED
                | 0x8009_2010 // CRYPT_E_REVOKED
                | 0x8009_2012 // CRYPT_E_NO_REVOCATION_CHECK
                | 0x8009_2013 // CRYPT_E_REVOCATION_OFFLINE
        )
}

/// Whether an error chain's text (lower case) holds an OS error that is one of
/// SChannel's certificate verdicts.
pub(super) fn certificate_refused(lower: &str) -> bool {
    lower.match_indices("os error ").any(|(at, word)| {
        let number: String = lower[at + word.len()..]
            .chars()
            .enumerate()
            .take_while(|(i, c)| c.is_ascii_digit() || (*i == 0 && *c == '-'))
            .map(|(_, c)| c)
            .collect();
        number
            .parse::<i32>()
            .is_ok_and(|code| is_certificate_verdict(code as u32))
    })
}

#[cfg(test)]
mod tests {
    use super::certificate_refused;

    #[test]
    fn schannel_certificate_verdicts_are_recognised_by_number() {
        // As native-tls reports them (here under Wine, whose FormatMessageW has no text).
        let untrusted = "client error (connect): os error -2146762487 (formatmessagew() returned error 317) (os error -2146762487)";
        assert!(certificate_refused(untrusted));
        assert!(certificate_refused("os error -2146762482")); // CERT_E_REVOCATION_FAILURE
        assert!(certificate_refused("os error -2146893022")); // SEC_E_WRONG_PRINCIPAL
        assert!(certificate_refused("os error -2146893019")); // SEC_E_UNTRUSTED_ROOT
                                                              // Other OS errors are not certificate verdicts.
        assert!(!certificate_refused("connection refused (os error 10061)"));
        assert!(!certificate_refused("os error -2146893048")); // SEC_E_INVALID_TOKEN
        assert!(!certificate_refused("os error 111"));
        assert!(!certificate_refused("no number here: os error x"));
    }
}
