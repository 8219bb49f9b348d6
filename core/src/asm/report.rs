//! Testing one subscription: Get Subscription, then List Hosted Services, and a verdict
//! with its diagnosis, request ids and latency.

use std::time::Instant;

use reqwest::Url;
use serde::Serialize;

use super::client::{AsmClient, AsmFailure, CallLog};
use super::xml::{AsmError, HostedService};
use crate::diagnose::{self, Diagnosis};
use crate::http::{Failure, FailureKind};

/// The outcome of testing one subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
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
}

impl AsmClient {
    /// Tests `subscription` at `endpoint`: Get Subscription, then List Hosted Services.
    /// `cer_name` names the `.cer` to upload in the ForbiddenError fix.
    pub async fn test(
        &self,
        endpoint: &Url,
        subscription: &str,
        cer_name: &str,
    ) -> SubscriptionReport {
        let started = Instant::now();
        let mut log = CallLog::default();
        let mut report = SubscriptionReport {
            subscription_id: subscription.to_string(),
            endpoint: endpoint.to_string(),
            verdict: Verdict::Ok,
            subscription_name: None,
            subscription_status: None,
            hosted_service_count: None,
            hosted_services: Vec::new(),
            thumbprint: self.thumbprint().to_string(),
            request_ids: Vec::new(),
            requests: 0,
            latency_ms: 0,
            http_status: None,
            error: None,
            failure: None,
            diagnosis: None,
        };
        let outcome = match self
            .get_subscription(endpoint, subscription, &mut log)
            .await
        {
            Ok(info) => {
                report.subscription_name = info.name;
                report.subscription_status = info.status;
                self.list_hosted_services(endpoint, subscription, &mut log)
                    .await
            }
            Err(e) => Err(e),
        };
        match outcome {
            Ok(services) => {
                report.hosted_service_count = Some(services.len());
                report.hosted_services = services;
            }
            Err(failure) => self.explain(&mut report, failure, cer_name),
        }
        report.request_ids = log.request_ids;
        report.requests = log.requests;
        report.latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        report
    }

    fn explain(&self, report: &mut SubscriptionReport, failure: AsmFailure, cer_name: &str) {
        match failure {
            AsmFailure::Unreachable { url, failure } => {
                report.verdict = Verdict::Unreachable;
                report.diagnosis = Some(unreachable_diagnosis(&failure, &url));
                report.failure = Some(failure);
            }
            AsmFailure::Service { status, error } => {
                report.verdict = if status == 401 || status == 403 {
                    Verdict::Rejected
                } else {
                    Verdict::Error
                };
                report.http_status = Some(status);
                report.diagnosis = error
                    .as_ref()
                    .and_then(|e| {
                        diagnose::asm_for_certificate(
                            &e.code,
                            self.thumbprint(),
                            &report.subscription_id,
                            Some(cer_name),
                        )
                    })
                    .or_else(|| diagnose::asm_http_status(status));
                report.error = error;
            }
            AsmFailure::Malformed { detail } => {
                report.verdict = Verdict::Error;
                report.diagnosis = Some(Diagnosis {
                    code: "UnexpectedResponse".into(),
                    cause: format!("the endpoint's answer is not what ASM sends: {detail}"),
                    fix: "check --endpoint / --cloud point at a Service Management API".into(),
                });
            }
        }
    }
}

/// A diagnosis for a request that got no HTTP answer, one per failure class.
pub fn unreachable_diagnosis(failure: &Failure, url: &str) -> Diagnosis {
    let (cause, fix) = failure.explain(url);
    let code = match failure.kind {
        FailureKind::Dns => "DnsFailure",
        FailureKind::Connect => "ConnectFailure",
        FailureKind::ServerCertificate => "ServerCertificateUntrusted",
        FailureKind::TlsHandshake => "TlsHandshakeFailed",
        FailureKind::Timeout => "Timeout",
        FailureKind::ConnectionReset => "ConnectionReset",
        FailureKind::Other => "RequestFailed",
    };
    Diagnosis {
        code: code.into(),
        cause,
        fix,
    }
}
