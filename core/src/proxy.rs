//! Proxies: reqwest honours `HTTPS_PROXY` / `HTTP_PROXY` / `ALL_PROXY` and `NO_PROXY`
//! (upper or lower case). When a request through a proxy gets no answer, the proxy is
//! usually what failed, so the cause and fix name it rather than the endpoint.

use hyper_util::client::proxy::matcher::Matcher;

use crate::http::{Failure, FailureKind};

/// The proxy a URL goes through, as the environment says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyRoute {
    /// The proxy's address (user info removed).
    pub proxy: String,
    /// The variable that set it, e.g. `HTTPS_PROXY`.
    pub variable: &'static str,
}

/// The proxy `url` goes through (`None`: direct, or `NO_PROXY` excludes it), decided by
/// the same rules reqwest applies.
pub fn route(url: &str) -> Option<ProxyRoute> {
    let uri: http::Uri = url.parse().ok()?;
    let intercept = Matcher::from_env().intercept(&uri)?;
    let proxy = intercept.uri();
    let shown = format!(
        "{}://{}{}",
        proxy.scheme_str().unwrap_or("http"),
        proxy.host().unwrap_or(""),
        proxy
            .port_u16()
            .map(|p| format!(":{p}"))
            .unwrap_or_default()
    );
    let names: &[&'static str] = if uri.scheme_str() == Some("http") {
        &["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"]
    } else {
        &["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]
    };
    let variable = names
        .iter()
        .copied()
        .find(|n| std::env::var(n).is_ok_and(|v| !v.trim().is_empty()))
        .unwrap_or("the proxy settings");
    Some(ProxyRoute {
        proxy: shown,
        variable,
    })
}

/// Cause and fix for a request to `endpoint` that got no answer: [`Failure::explain`],
/// or, when the request went through a proxy and the failure is one a proxy causes, the
/// proxy named as what failed.
pub fn explain(failure: &Failure, endpoint: &str) -> (String, String) {
    match route(endpoint) {
        Some(route) => explain_via(failure, endpoint, &route),
        None => failure.explain(endpoint),
    }
}

fn explain_via(failure: &Failure, endpoint: &str, route: &ProxyRoute) -> (String, String) {
    let ProxyRoute { proxy, variable } = route;
    let fix = format!(
        "check the proxy in {variable} ({proxy}): that it runs, is reachable and allows CONNECT to the host of {endpoint}; or list that host in NO_PROXY to go direct"
    );
    if failure.detail.contains("tunnel error: unsuccessful") {
        return (
            format!("the proxy {proxy} (from {variable}) refused to open a tunnel (CONNECT) to {endpoint}"),
            fix,
        );
    }
    let cause = match failure.kind {
        FailureKind::Dns => format!(
            "the proxy {proxy} (from {variable}) or the host it was asked for does not resolve"
        ),
        FailureKind::Connect => format!(
            "could not connect to the proxy {proxy} (from {variable}) on the way to {endpoint}"
        ),
        FailureKind::Timeout => format!(
            "the proxy {proxy} (from {variable}) did not answer in time on the way to {endpoint}"
        ),
        FailureKind::ConnectionReset => format!(
            "the proxy {proxy} (from {variable}) closed the connection on the way to {endpoint}"
        ),
        FailureKind::Other | FailureKind::TlsHandshake => format!(
            "the proxy {proxy} (from {variable}) did not open a tunnel to {endpoint}: {}",
            failure.detail
        ),
        // The endpoint answered (through the proxy): not the proxy's failure.
        FailureKind::BodyTooLarge => return failure.explain(endpoint),
        FailureKind::ServerCertificate => {
            let (cause, fix) = failure.explain(endpoint);
            return (
                format!("{cause}; the request went through the proxy {proxy} (from {variable}), which may re-sign TLS"),
                fix,
            );
        }
    };
    (cause, fix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_failures_name_the_proxy() {
        let route = ProxyRoute {
            proxy: "http://127.0.0.1:9".into(),
            variable: "HTTPS_PROXY",
        };
        let failure = Failure {
            kind: FailureKind::Connect,
            detail: "connection refused".into(),
        };
        let (cause, fix) = explain_via(&failure, "https://login.example", &route);
        assert!(
            cause.starts_with(
                "could not connect to the proxy http://127.0.0.1:9 (from HTTPS_PROXY)"
            ),
            "{cause}"
        );
        assert!(fix.contains("NO_PROXY"), "{fix}");
    }
}
