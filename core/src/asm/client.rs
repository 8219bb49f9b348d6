//! The ASM client: GET requests with `x-ms-version`, the management certificate as TLS
//! client certificate (set on the shared reqwest client), bounded retries, ASM's 307
//! repeated with the same certificate, and `x-ms-continuation-token` paging; and
//! [`AsmClient::test`], which tests one subscription into a [`SubscriptionReport`].

use std::time::Instant;

use reqwest::{StatusCode, Url};
use serde::Serialize;

use super::report::{unreachable_diagnosis, SubscriptionReport, Verdict};
use super::xml::{self, AsmError, HostedService, SubscriptionInfo};
use crate::cloud::{Cloud, Endpoint};
use crate::diagnose::{self, Diagnosis};
use crate::http::{read_body, send_with_retry, Failure, RetryPolicy};
use crate::limits::{MAX_ASM_PAGES, MAX_ASM_REDIRECTS, MAX_BODY_BYTES};

/// The `x-ms-version` certtool sends: what the Python and Go SDKs sent (`docs/azure.md`
/// "ASM (Service Management)").
pub const API_VERSION: &str = "2014-10-01";

/// Why an ASM call did not produce its result.
#[derive(Debug, Clone)]
pub enum AsmFailure {
    /// No HTTP answer: DNS, connect, TLS, timeout, reset.
    Unreachable {
        /// The URL that was being requested.
        url: String,
        /// The classified failure.
        failure: Failure,
    },
    /// An HTTP answer other than success (after retries).
    Service {
        /// The HTTP status.
        status: u16,
        /// The `<Error>` body, when there was one.
        error: Option<AsmError>,
    },
    /// A redirect to another host, not followed: the management certificate is presented
    /// only to the host chosen (or a known ASM host of the same cloud).
    RedirectRefused {
        /// The URL that answered with the redirect.
        from: String,
        /// Where it pointed.
        to: String,
    },
    /// A success answer whose body could not be understood, or a redirect without a
    /// usable `Location`, a redirect loop or endless paging.
    Malformed {
        /// What was wrong.
        detail: String,
    },
}

/// What the calls of one test left behind for support: request ids and attempts.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CallLog {
    /// `x-ms-request-id` of every answer, in order.
    pub request_ids: Vec<String>,
    /// HTTP requests sent, retries and redirects included.
    pub requests: u32,
    /// The URL of the last request sent (after any redirect followed).
    pub last_url: Option<String>,
    /// Redirects followed.
    pub redirects: u32,
}

/// An ASM client for one management certificate. Cheap to share: the reqwest client
/// inside pools connections, so every subscription tested reuses them.
#[derive(Debug, Clone)]
pub struct AsmClient {
    http: reqwest::Client,
    thumbprint: String,
    policy: RetryPolicy,
}

/// Parses an ASM endpoint: an `https` URL; a trailing slash is added.
pub fn parse_endpoint(endpoint: &str) -> crate::Result<Url> {
    let with_slash = if endpoint.ends_with('/') {
        endpoint.to_string()
    } else {
        format!("{endpoint}/")
    };
    let url = Url::parse(&with_slash).map_err(|e| {
        crate::Error::InvalidArgument(format!("the ASM endpoint {endpoint:?} is not a URL: {e}"))
    })?;
    if url.scheme() != "https" {
        return Err(crate::Error::InvalidArgument(format!(
            "the ASM endpoint {endpoint:?} must be https: management certificates authenticate with TLS"
        )));
    }
    Ok(url)
}

impl AsmClient {
    /// A client over `http` (built by [`crate::http::client`] with the management
    /// certificate as identity); `thumbprint` is that certificate's SHA-1 thumbprint,
    /// named in diagnoses.
    pub fn new(http: reqwest::Client, thumbprint: impl Into<String>, policy: RetryPolicy) -> Self {
        AsmClient {
            http,
            thumbprint: thumbprint.into(),
            policy,
        }
    }

    /// The SHA-1 thumbprint of the certificate this client presents.
    pub fn thumbprint(&self) -> &str {
        &self.thumbprint
    }

    /// `GET {endpoint}{subscription}`: Get Subscription.
    pub async fn get_subscription(
        &self,
        endpoint: &Url,
        subscription: &str,
        log: &mut CallLog,
    ) -> Result<SubscriptionInfo, AsmFailure> {
        let url = join(endpoint, subscription)?;
        let (body, _) = self.get(url, None, log).await?;
        xml::parse_subscription(&body).map_err(|e| AsmFailure::Malformed {
            detail: e.to_string(),
        })
    }

    /// `GET {endpoint}{subscription}/services/hostedservices`: List Hosted Services,
    /// every page.
    pub async fn list_hosted_services(
        &self,
        endpoint: &Url,
        subscription: &str,
        log: &mut CallLog,
    ) -> Result<Vec<HostedService>, AsmFailure> {
        let url = join(endpoint, &format!("{subscription}/services/hostedservices"))?;
        let mut services = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_ASM_PAGES {
            let (body, next) = self.get(url.clone(), token.as_deref(), log).await?;
            services.extend(xml::parse_hosted_services(&body).map_err(|e| {
                AsmFailure::Malformed {
                    detail: e.to_string(),
                }
            })?);
            match next {
                Some(t) if !t.is_empty() => token = Some(t),
                _ => return Ok(services),
            }
        }
        Err(AsmFailure::Malformed {
            detail: format!("List Hosted Services was still paging after {MAX_ASM_PAGES} pages"),
        })
    }

    /// One GET: retries (429/503/resets), 307 repeated at `Location` with the same
    /// client. Returns the body and the `x-ms-continuation-token` response header.
    async fn get(
        &self,
        mut url: Url,
        continuation: Option<&str>,
        log: &mut CallLog,
    ) -> Result<(String, Option<String>), AsmFailure> {
        let chosen = url.clone();
        for _ in 0..=MAX_ASM_REDIRECTS {
            log.last_url = Some(url.to_string());
            let make = || {
                let mut request = self
                    .http
                    .get(url.clone())
                    .header("x-ms-version", API_VERSION);
                if let Some(token) = continuation {
                    request = request.header("x-ms-continuation-token", token);
                }
                request
            };
            let answer = send_with_retry(make, &self.policy).await;
            let answer = match answer {
                Ok(a) => a,
                Err((failure, attempts)) => {
                    log.requests += attempts;
                    return Err(AsmFailure::Unreachable {
                        url: url.to_string(),
                        failure,
                    });
                }
            };
            log.requests += answer.attempts;
            let response = answer.response;
            let headers = response.headers().clone();
            if let Some(id) = header(&headers, "x-ms-request-id") {
                log.request_ids.push(id);
            }
            let status = response.status();
            // ASM redirects with 307 (`docs/azure.md` "ASM (Service Management)"); 308 is
            // its permanent twin. Other 3xx are not redirects a Service Management client
            // follows. The repeat keeps the client certificate, so it must stay on HTTPS.
            if status == StatusCode::TEMPORARY_REDIRECT || status == StatusCode::PERMANENT_REDIRECT
            {
                let location =
                    header(&headers, "location").ok_or_else(|| AsmFailure::Malformed {
                        detail: format!("{status} without a Location header from {url}"),
                    })?;
                let next = url.join(&location).map_err(|e| AsmFailure::Malformed {
                    detail: format!("{status} to an unusable Location {location:?}: {e}"),
                })?;
                if next.scheme() != "https" {
                    return Err(AsmFailure::Malformed {
                        detail: format!(
                            "{status} from {url} to a non-HTTPS Location {next}: refused"
                        ),
                    });
                }
                if !redirect_allowed(&chosen, &next) {
                    return Err(AsmFailure::RedirectRefused {
                        from: url.to_string(),
                        to: next.to_string(),
                    });
                }
                log.redirects += 1;
                url = next;
                continue;
            }
            let body = read_body(response, MAX_BODY_BYTES)
                .await
                .map_err(|failure| AsmFailure::Unreachable {
                    url: url.to_string(),
                    failure,
                })?;
            let body = String::from_utf8_lossy(&body).into_owned();
            if status == StatusCode::OK {
                return Ok((body, header(&headers, "x-ms-continuation-token")));
            }
            return Err(AsmFailure::Service {
                status: status.as_u16(),
                error: xml::parse_error(&body),
            });
        }
        Err(AsmFailure::Malformed {
            detail: format!("more than {MAX_ASM_REDIRECTS} redirects, last to {url}"),
        })
    }

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
            ended_at: None,
            redirects: 0,
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
        report.ended_at = log.last_url;
        report.redirects = log.redirects;
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
            AsmFailure::RedirectRefused { from, to } => {
                report.verdict = Verdict::Error;
                report.diagnosis = Some(Diagnosis {
                    code: "RedirectRefused".into(),
                    cause: format!(
                        "{from} redirected to {to}, another host; certtool presents the management certificate only to the host chosen (or a known ASM host of the same cloud)"
                    ),
                    fix: "if that host is the right Service Management endpoint, pass it with --endpoint".into(),
                });
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

/// Whether a redirect from the `chosen` URL may be followed to `next`, which keeps the
/// client certificate: the same host and port, or a known ASM host of the same cloud as
/// the chosen one (docs/security.md "Where credentials may be sent").
pub fn redirect_allowed(chosen: &Url, next: &Url) -> bool {
    let origin = |u: &Url| {
        (
            u.scheme().to_string(),
            u.host_str().map(str::to_ascii_lowercase),
            u.port_or_known_default(),
        )
    };
    if next.scheme() != "https" {
        return false;
    }
    if origin(chosen) == origin(next) {
        return true;
    }
    match (
        Cloud::owning(chosen.as_str(), Endpoint::Asm),
        Cloud::owning(next.as_str(), Endpoint::Asm),
    ) {
        (Some(a), Some(b)) => a.name == b.name,
        _ => false,
    }
}

fn header(headers: &reqwest::header::HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_string())
}

fn join(endpoint: &Url, path: &str) -> Result<Url, AsmFailure> {
    endpoint.join(path).map_err(|e| AsmFailure::Malformed {
        detail: format!("cannot build the request URL from {endpoint}: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints() {
        assert_eq!(
            parse_endpoint("https://management.core.windows.net")
                .unwrap()
                .as_str(),
            "https://management.core.windows.net/"
        );
        let u = parse_endpoint("https://127.0.0.1:8443/asm").unwrap();
        assert_eq!(
            u.join("sub").unwrap().as_str(),
            "https://127.0.0.1:8443/asm/sub"
        );
        assert!(parse_endpoint("http://management.core.windows.net/").is_err());
        assert!(parse_endpoint("not a url").is_err());
    }

    #[test]
    fn redirects_stay_on_the_chosen_host_or_its_cloud() {
        let u = |s: &str| Url::parse(s).unwrap();
        let local = u("https://127.0.0.1:8443/sub");
        assert!(redirect_allowed(&local, &u("https://127.0.0.1:8443/other")));
        assert!(!redirect_allowed(&local, &u("https://127.0.0.1:9443/sub")));
        assert!(!redirect_allowed(&local, &u("https://localhost:8443/sub")));
        assert!(!redirect_allowed(
            &local,
            &u("https://management.core.windows.net/sub")
        ));
        let public = u("https://management.core.windows.net/sub");
        assert!(redirect_allowed(
            &public,
            &u("https://MANAGEMENT.core.windows.net:443/x")
        ));
        assert!(!redirect_allowed(
            &public,
            &u("https://management.core.usgovcloudapi.net/x")
        ));
        assert!(!redirect_allowed(&public, &u("https://evil.example/sub")));
    }
}
