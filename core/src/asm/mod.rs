//! Legacy Azure Service Management (ASM): the API management certificates authenticate to
//! with mutual TLS (`docs/azure.md` "ASM (Service Management)"). [`AsmClient`] calls Get
//! Subscription and List Hosted Services; [`AsmClient::test`] turns the answers into a
//! [`SubscriptionReport`] with a [`Verdict`] and a diagnosis; [`check_certificate`] is the
//! offline pre-flight.

mod certificate;
mod client;
mod report;
mod xml;

pub use certificate::{check_certificate, CertificateCheck};
pub use client::{parse_endpoint, AsmClient, AsmFailure, CallLog, API_VERSION};
pub use report::{unreachable_diagnosis, SubscriptionReport, Verdict};
pub use xml::{
    parse_error, parse_hosted_services, parse_subscription, AsmError, HostedService,
    SubscriptionInfo,
};

use crate::cloud::PUBLIC_ASM_HOST;

/// The date the public cloud's ASM was retired (`docs/azure.md` "ASM (Service Management)").
pub const RETIRED_ON: &str = "2024-08-31";

/// The note to print next to results from the public cloud's retired ASM endpoint, or
/// `None` for any other endpoint (sovereign clouds, private deployments, the stand-in).
pub fn retirement_note(endpoint: &reqwest::Url) -> Option<String> {
    let host = endpoint.host_str()?.trim_end_matches('.');
    host.eq_ignore_ascii_case(PUBLIC_ASM_HOST).then(|| {
        format!(
            "{endpoint} is the public cloud's Service Management (ASM) endpoint, retired on {RETIRED_ON}: \
             management certificates no longer work there. The replacement is an ARM service principal \
             with a certificate; test one with `certtool test arm`."
        )
    })
}

/// The cloud an ASM endpoint belongs to, by host (`None` for other hosts); the hosts are
/// the cloud table's.
pub fn cloud_of_endpoint(endpoint: &reqwest::Url) -> Option<&'static str> {
    crate::cloud::asm_cloud_of_host(endpoint.host_str()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retirement_note_only_for_the_public_endpoint() {
        let public = parse_endpoint("https://management.core.windows.net").unwrap();
        let note = retirement_note(&public).unwrap();
        assert!(note.contains("2024-08-31") && note.contains("certtool test arm"));
        let upper = parse_endpoint("https://MANAGEMENT.core.windows.net:443/").unwrap();
        assert!(retirement_note(&upper).is_some());
        for other in [
            "https://management.core.chinacloudapi.cn/",
            "https://management.core.usgovcloudapi.net/",
            "https://127.0.0.1:8443/",
            "https://management.core.windows.net.example.org/",
        ] {
            assert!(
                retirement_note(&parse_endpoint(other).unwrap()).is_none(),
                "{other}"
            );
        }
    }

    #[test]
    fn clouds_of_endpoints() {
        let url = |u| parse_endpoint(u).unwrap();
        assert_eq!(
            cloud_of_endpoint(&url("https://management.core.windows.net")),
            Some("AzureCloud")
        );
        assert_eq!(
            cloud_of_endpoint(&url("https://management.core.chinacloudapi.cn/")),
            Some("AzureChinaCloud")
        );
        assert_eq!(
            cloud_of_endpoint(&url("https://management.core.usgovcloudapi.net/")),
            Some("AzureUSGovernment")
        );
        assert_eq!(cloud_of_endpoint(&url("https://127.0.0.1:1/")), None);
    }
}
