//! The report of testing one subscription (plain data): the verdict with its diagnosis,
//! request ids and latency. [`AsmClient::test`](super::AsmClient::test) fills it in.

use serde::Serialize;

use super::xml::{AsmError, HostedService};
use crate::diagnose::Diagnosis;
use crate::http::{Failure, FailureKind};

/// The outcome of testing one subscription. Its one word (`ok`, `rejected`,
/// `unreachable`, `error`) is the same in text ([`Verdict::as_str`], Display) and JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    /// The certificate is accepted: the subscription and its services were read.
    Ok,
    /// ASM refused the certificate for this subscription (403/401).
    Rejected,
    /// ASM could not be reached: DNS, connect, TLS, timeout.
    Unreachable,
    /// ASM answered with a failure (5xx, throttling, 404, an unexpected body).
    Error,
}

impl Verdict {
    /// The lower-case word shown in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Rejected => "rejected",
            Verdict::Unreachable => "unreachable",
            Verdict::Error => "error",
        }
    }
}

one_word!(Verdict);

/// Everything learned about one subscription.
#[derive(Debug, Clone, Serialize)]
pub struct SubscriptionReport {
    /// The subscription id tested.
    pub subscription_id: String,
    /// The ASM endpoint used.
    pub endpoint: String,
    /// The verdict.
    pub verdict: Verdict,
    /// `SubscriptionName`, when read.
    pub subscription_name: Option<String>,
    /// `SubscriptionStatus`, when read.
    pub subscription_status: Option<String>,
    /// Number of hosted services, when listed.
    pub hosted_service_count: Option<usize>,
    /// The hosted services (every page).
    pub hosted_services: Vec<HostedService>,
    /// SHA-1 thumbprint of the certificate presented.
    pub thumbprint: String,
    /// `x-ms-request-id` of every answer, for Microsoft support.
    pub request_ids: Vec<String>,
    /// HTTP requests sent (retries, redirects and pages included).
    pub requests: u32,
    /// Wall-clock time of the whole test, in milliseconds.
    pub latency_ms: u64,
    /// The HTTP status of the failing answer.
    pub http_status: Option<u16>,
    /// The ASM `<Error>` of the failing answer.
    pub error: Option<AsmError>,
    /// The transport failure, when ASM could not be reached.
    pub failure: Option<Failure>,
    /// Why it failed and what to do.
    pub diagnosis: Option<Diagnosis>,
    /// The URL of the last request sent: where the test ended, after any redirect.
    pub ended_at: Option<String>,
    /// Redirects followed (only to the chosen host or a known ASM host of its cloud).
    pub redirects: u32,
}

/// A diagnosis for a request that got no HTTP answer, one per failure class.
pub fn unreachable_diagnosis(failure: &Failure, url: &str) -> Diagnosis {
    let (cause, fix) = crate::proxy::explain(failure, url);
    let code = match failure.kind {
        FailureKind::Dns => "DnsFailure",
        FailureKind::Connect => "ConnectFailure",
        FailureKind::ServerCertificate => "ServerCertificateUntrusted",
        FailureKind::TlsHandshake => "TlsHandshakeFailed",
        FailureKind::Timeout => "Timeout",
        FailureKind::ConnectionReset => "ConnectionReset",
        FailureKind::BodyTooLarge => "ResponseTooLarge",
        FailureKind::Other => "RequestFailed",
    };
    Diagnosis {
        code: code.into(),
        cause,
        fix,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdict_words_are_the_same_in_text_and_json() {
        for (v, word) in [
            (Verdict::Ok, "ok"),
            (Verdict::Rejected, "rejected"),
            (Verdict::Unreachable, "unreachable"),
            (Verdict::Error, "error"),
        ] {
            assert_eq!(v.to_string(), word);
            assert_eq!(serde_json::to_value(v).unwrap(), word);
        }
    }
}
