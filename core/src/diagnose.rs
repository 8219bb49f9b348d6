//! One table from an error code (AADSTS…, ASM's `ForbiddenError`…, ARM's
//! `AuthorizationFailed`…) to a cause and a fix in plain words. Every command that talks to
//! Azure explains failures from here. Decisions are made on codes, never on the description
//! text (`docs/azure.md`).

use serde::Serialize;

/// Why something failed and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnosis {
    /// The code as Azure sent it, e.g. `AADSTS700027` or `ForbiddenError`.
    pub code: String,
    /// What it means.
    pub cause: String,
    /// What to do.
    pub fix: String,
}

fn diagnosis(code: String, cause: &str, fix: &str) -> Diagnosis {
    Diagnosis {
        code,
        cause: cause.into(),
        fix: fix.into(),
    }
}

/// The AADSTS table (`docs/azure.md` "Entra ID sign-in", `docs/errors.md`): code, cause,
/// fix. A new diagnosis is one row here (and one in `docs/errors.md`); every command that
/// signs in shows it through `entra::Explanation`.
const AADSTS: &[(u32, &str, &str)] = &[
    (90002, "the tenant was not found", "check the tenant (directory) ID and that --cloud names the cloud the tenant lives in"),
    (900023, "the tenant ID is malformed", "use the tenant's GUID or one of its verified domain names"),
    (700016, "no application with this client ID exists in the tenant", "check the client (application) ID, and that the app is registered in this tenant"),
    (7000112, "the application is disabled", "re-enable the service principal (Enterprise applications → Properties → Enabled for users to sign-in)"),
    (7000215, "the client secret is wrong", "use the secret's Value, not the Secret ID; a value is shown only once, when the secret is created"),
    (7000222, "the client secret has expired", "create a new client secret under Certificates & secrets and update the tool"),
    (700027, "Entra ID did not accept the certificate: it is not registered on the app, the key does not match it, or the signature did not verify", "upload the certificate's .cer under App registrations → Certificates & secrets and compare its thumbprint with the one certtool sent"),
    (700024, "the client assertion is outside its valid time range", "check this machine's clock (NTP); the assertion is valid for a few minutes only"),
    (700021, "the assertion's issuer or subject is not the client ID", "use the same application ID for --client-id as in the assertion"),
    (5002723, "the assertion header has no x5t, x5t#S256 or kid", "sign the assertion with a certificate thumbprint in its header"),
    (90014, "a required field or claim is missing from the request", "report this as a certtool bug with the trace ID"),
    (7000218, "the request had neither a client assertion nor a client secret", "give a certificate (--cert) or a secret (--secret-env / --secret-file)"),
    (700025, "the application is a public client and cannot use a secret or certificate", "set Authentication → Allow public client flows to No, or use a confidential app"),
    (1000502, "the certificate is outside its validity period", "renew the certificate (certtool generate) and upload the new .cer to the app"),
    (70021, "no federated credential on the app matches the token's issuer, subject and audience together", "compare the token's iss, sub and aud (shown) with the app's federated credentials (Certificates & secrets → Federated credentials) and add one that matches all three"),
    (700211, "no federated credential on the app has the token's issuer", "add a federated credential whose Issuer is exactly the token's iss (shown), e.g. https://token.actions.githubusercontent.com for GitHub Actions"),
    (700212, "the token's audience is not one the matching federated credential accepts", "request the token for api://AzureADTokenExchange (or add the token's aud to the credential's audiences)"),
    (700213, "no federated credential for this issuer has the token's subject", "add a federated credential whose Subject is exactly the token's sub (shown): for GitHub Actions it names the repository and the branch, tag, environment or pull request"),
    (500011, "the resource principal was not found in the tenant", "check --cloud and the ARM endpoint: the scope names a resource this tenant does not know"),
];

/// The diagnosis of an Entra ID `error_codes` entry (`docs/azure.md` "Entra ID sign-in").
pub fn aadsts(code: u32) -> Option<Diagnosis> {
    AADSTS
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(c, cause, fix)| diagnosis(format!("AADSTS{c}"), cause, fix))
}

/// Every AADSTS code the table explains.
pub fn aadsts_codes() -> impl Iterator<Item = u32> {
    AADSTS.iter().map(|(c, _, _)| *c)
}

/// The diagnosis of an ASM `<Error><Code>` (`docs/azure.md` "ASM (Service Management)").
/// `thumbprint` and `subscription` make the ForbiddenError fix concrete.
pub fn asm(code: &str, thumbprint: &str, subscription: &str) -> Option<Diagnosis> {
    asm_for_certificate(code, thumbprint, subscription, None)
}

/// [`asm`], naming the `.cer` file to upload (`cer_name`, e.g. `Octopus.cer`) in the
/// ForbiddenError fix.
pub fn asm_for_certificate(
    code: &str,
    thumbprint: &str,
    subscription: &str,
    cer_name: Option<&str>,
) -> Option<Diagnosis> {
    let c = code.to_string();
    Some(match code {
        "ForbiddenError" | "AuthenticationFailed" => Diagnosis {
            code: c,
            cause: format!(
                "the certificate {thumbprint} is not registered as a management certificate on subscription {subscription}, or the subscription ID is wrong"
            ),
            fix: format!(
                "upload {} under Subscriptions → Management certificates (a co-administrator can), and check the subscription ID",
                cer_name.unwrap_or("the certificate's .cer")
            ),
        },
        "SubscriptionDisabled" => diagnosis(c, "the subscription is disabled", "re-enable the subscription (billing or administrator action) before testing again"),
        "MissingOrIncorrectVersionHeader" => diagnosis(c, "the request lacked a valid x-ms-version header", "report this as a certtool bug; certtool sends x-ms-version 2014-10-01"),
        "ResourceNotFound" => diagnosis(c, "the resource does not exist", "check the subscription ID and the endpoint (--cloud / --endpoint)"),
        "BadRequest" | "InvalidXmlRequest" => diagnosis(c, "the Service Management API refused the request as malformed", "check --endpoint points at a Service Management API; report it as a certtool bug if it does"),
        "TooManyRequests" => diagnosis(c, "the Service Management API is throttling requests", "lower --concurrency or try again later; certtool already retried"),
        "ServerBusy" | "InternalError" | "OperationTimedOut" => diagnosis(c, "the Service Management API failed on its side", "try again later; certtool already retried"),
        _ => return None,
    })
}

/// The diagnosis of an ASM answer that carried no `<Error>` code certtool knows, by HTTP
/// status alone (a proxy's page, an empty body).
pub fn asm_http_status(status: u16) -> Option<Diagnosis> {
    let c = format!("HTTP {status}");
    Some(match status {
        401 | 403 => diagnosis(c, "the endpoint refused the request without saying why", "check the certificate is registered on the subscription and that --endpoint is a Service Management API"),
        404 => diagnosis(c, "the endpoint does not know this path", "check the subscription ID and --endpoint / --cloud (the ASM endpoint, not ARM's)"),
        429 => diagnosis(c, "the endpoint is throttling requests", "lower --concurrency or try again later; certtool already retried"),
        500..=599 => diagnosis(c, "the endpoint failed on its side", "try again later; certtool already retried"),
        _ => return None,
    })
}

/// The diagnosis of an ARM `error.code` (`docs/azure.md` "ARM").
pub fn arm(code: &str) -> Option<Diagnosis> {
    let c = code.to_string();
    Some(match code {
        "AuthorizationFailed" => diagnosis(c, "the credential works, but the service principal has no role that allows this on the scope", "assign the role (e.g. Reader) on the subscription under Access control (IAM)"),
        "InvalidAuthenticationTokenTenant" => diagnosis(c, "the subscription belongs to another tenant", "use the tenant ID that owns the subscription, or register the app in that tenant"),
        "InvalidAuthenticationTokenAudience" => diagnosis(c, "the token was issued for another resource", "check --cloud and --arm-endpoint: the token scope must be the ARM endpoint of the same cloud"),
        "InvalidAuthenticationToken" | "ExpiredAuthenticationToken" => diagnosis(c, "ARM did not accept the access token", "check --cloud; the token must come from the same cloud's login endpoint"),
        "SubscriptionNotFound" => diagnosis(c, "the subscription was not found", "check the subscription ID, and that it is in this tenant"),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_aadsts_code_has_words() {
        for code in [
            90002, 900023, 700016, 7000112, 7000215, 7000222, 700027, 700024, 700021, 5002723,
            90014, 7000218, 700025, 1000502, 500011, 70021, 700211, 700212, 700213,
        ] {
            let diag = aadsts(code).unwrap_or_else(|| panic!("{code} missing"));
            assert_eq!(diag.code, format!("AADSTS{code}"));
            assert!(!diag.cause.is_empty() && !diag.fix.is_empty());
        }
        assert!(aadsts(7000215)
            .unwrap()
            .fix
            .contains("Value, not the Secret ID"));
        assert!(aadsts(12345).is_none());
    }

    #[test]
    fn asm_forbidden_names_thumbprint_and_subscription() {
        let diag = asm("ForbiddenError", "ABCD", "sub-1").unwrap();
        assert!(diag.cause.contains("ABCD") && diag.cause.contains("sub-1"));
        assert!(diag.fix.contains("Management certificates"));
        assert!(asm("SubscriptionDisabled", "", "").is_some());
        assert!(asm("Nope", "", "").is_none());
        let named =
            asm_for_certificate("ForbiddenError", "ABCD", "sub-1", Some("Prod.cer")).unwrap();
        assert!(
            named.fix.starts_with("upload Prod.cer under"),
            "{}",
            named.fix
        );
        for code in [
            "ServerBusy",
            "TooManyRequests",
            "BadRequest",
            "ResourceNotFound",
            "MissingOrIncorrectVersionHeader",
        ] {
            assert!(asm(code, "", "").is_some(), "{code}");
        }
    }

    #[test]
    fn asm_statuses_without_a_code() {
        assert!(asm_http_status(404).unwrap().fix.contains("--endpoint"));
        assert!(asm_http_status(503)
            .unwrap()
            .cause
            .contains("failed on its side"));
        assert_eq!(asm_http_status(403).unwrap().code, "HTTP 403");
        assert!(asm_http_status(418).is_none());
    }

    #[test]
    fn arm_codes() {
        assert!(arm("AuthorizationFailed")
            .unwrap()
            .cause
            .contains("credential works"));
        assert!(arm("InvalidAuthenticationTokenTenant")
            .unwrap()
            .cause
            .contains("another tenant"));
        assert!(arm("SubscriptionNotFound").is_some());
    }

    /// docs/errors.md names every code that has a diagnosis, for every service.
    #[test]
    fn the_error_reference_names_every_diagnosis() {
        let doc =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/errors.md"))
                .unwrap();
        for code in [
            90002, 900023, 700016, 7000112, 7000215, 7000222, 700027, 700024, 700021, 5002723,
            90014, 7000218, 700025, 1000502, 500011, 70021, 700211, 700212, 700213,
        ] {
            assert!(aadsts(code).is_some());
            assert!(doc.contains(&format!("| AADSTS{code} |")), "AADSTS{code}");
        }
        for code in [
            "AuthorizationFailed",
            "InvalidAuthenticationTokenTenant",
            "InvalidAuthenticationTokenAudience",
            "InvalidAuthenticationToken",
            "ExpiredAuthenticationToken",
            "SubscriptionNotFound",
        ] {
            assert!(arm(code).is_some(), "{code}");
            assert!(doc.contains(code), "{code}");
        }
        for code in [
            "ForbiddenError",
            "AuthenticationFailed",
            "SubscriptionDisabled",
            "MissingOrIncorrectVersionHeader",
            "ResourceNotFound",
            "ServerBusy",
            "InternalError",
            "OperationTimedOut",
            "TooManyRequests",
            "BadRequest",
            "InvalidXmlRequest",
        ] {
            assert!(asm(code, "", "").is_some(), "{code}");
            assert!(doc.contains(code), "{code}");
        }
        for status in [401, 403, 404, 429, 500, 503] {
            assert!(asm_http_status(status).is_some());
            assert!(doc.contains(&format!("HTTP {status}")), "HTTP {status}");
        }
    }
}
