//! Azure clouds and their endpoints (`docs/azure.md` "Clouds"); every endpoint can be overridden
//! (sovereign or private deployments, and the local stand-in in tests).

use crate::error::{Error, Result};

/// The endpoints of one Azure cloud.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cloud {
    /// Canonical name, e.g. `AzureCloud`.
    pub name: String,
    /// Service Management (ASM) base URL, with a trailing slash.
    pub asm: String,
    /// Entra ID login authority host, without a trailing slash.
    pub login: String,
    /// Resource Manager base URL, with a trailing slash.
    pub arm: String,
    /// The token scope for ARM (`{arm}/.default`).
    pub arm_scope: String,
    /// Microsoft Graph base URL, without a trailing slash (`docs/azure.md` "Clouds").
    pub graph: String,
    /// The token scope for Graph (`{graph}/.default`).
    pub graph_scope: String,
}

/// The public ASM endpoint, retired on 2024-08-31.
pub const PUBLIC_ASM_HOST: &str = "management.core.windows.net";

fn with_slash(url: &str) -> String {
    if url.ends_with('/') {
        url.to_string()
    } else {
        format!("{url}/")
    }
}

/// One known cloud: its names, its endpoints, and any other host it signs in at.
struct Known {
    canonical: &'static str,
    aliases: &'static [&'static str],
    asm: &'static str,
    login: &'static str,
    /// Other sign-in hosts of the same cloud (`docs/azure.md` "Clouds").
    other_logins: &'static [&'static str],
    arm: &'static str,
    /// Microsoft Graph, without a trailing slash.
    graph: &'static str,
}

/// The clouds certtool knows (`docs/azure.md` "Clouds"): the only hosts an endpoint read
/// from a file someone else may have written is allowed to name.
const KNOWN: &[Known] = &[
    Known {
        canonical: "AzureCloud",
        aliases: &["azurecloud", "public", "azurepubliccloud"],
        asm: "https://management.core.windows.net/",
        login: "https://login.microsoftonline.com",
        other_logins: &[],
        arm: "https://management.azure.com/",
        graph: "https://graph.microsoft.com",
    },
    Known {
        canonical: "AzureChinaCloud",
        aliases: &["azurechinacloud", "china"],
        asm: "https://management.core.chinacloudapi.cn/",
        login: "https://login.chinacloudapi.cn",
        other_logins: &["https://login.partner.microsoftonline.cn"],
        arm: "https://management.chinacloudapi.cn/",
        graph: "https://microsoftgraph.chinacloudapi.cn",
    },
    Known {
        canonical: "AzureUSGovernment",
        aliases: &[
            "azureusgovernment",
            "usgovernment",
            "azureusgovernmentcloud",
            "usgov",
        ],
        asm: "https://management.core.usgovcloudapi.net/",
        login: "https://login.microsoftonline.us",
        other_logins: &[],
        arm: "https://management.usgovcloudapi.net/",
        // Graph for US Government L4; L5 (DoD) tenants pass `--graph-endpoint
        // https://dod-graph.microsoft.us`.
        graph: "https://graph.microsoft.us",
    },
];

/// Which of a cloud's endpoints a URL is meant to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// Service Management (ASM), where a management certificate is presented.
    Asm,
    /// The Entra ID authority, where a client secret or assertion is sent.
    Login,
    /// Resource Manager, where a bearer token is sent.
    Arm,
    /// Microsoft Graph, where a bearer token is sent.
    Graph,
}

/// The `(host, port)` of an `https` URL, the host in lower case; `None` for anything
/// else.
fn https_host(url: &str) -> Option<(String, u16)> {
    let url = reqwest::Url::parse(url).ok()?;
    if url.scheme() != "https" {
        return None;
    }
    Some((
        url.host_str()?.to_ascii_lowercase(),
        url.port_or_known_default()?,
    ))
}

/// The name of the known cloud whose ASM endpoint is on `host` (any scheme or port; case
/// and a trailing dot ignored), for labelling a URL that is not used to connect.
pub fn asm_cloud_of_host(host: &str) -> Option<&'static str> {
    let host = host.trim_end_matches('.');
    KNOWN
        .iter()
        .find(|k| {
            reqwest::Url::parse(k.asm)
                .ok()
                .and_then(|u| u.host_str().map(|h| h.eq_ignore_ascii_case(host)))
                .unwrap_or(false)
        })
        .map(|k| k.canonical)
}

impl Cloud {
    /// The known cloud whose `which` endpoint `url` is on: same host, `https`, port 443
    /// (the path is not compared). `None` for any other host, which is how certtool tells
    /// a known cloud from a host a file merely names.
    pub fn owning(url: &str, which: Endpoint) -> Option<Cloud> {
        let host = https_host(url)?;
        let known = KNOWN.iter().find(|k| {
            let mut urls = match which {
                Endpoint::Asm => vec![k.asm],
                Endpoint::Login => [k.login].iter().chain(k.other_logins).copied().collect(),
                Endpoint::Arm => vec![k.arm],
                Endpoint::Graph => vec![k.graph],
            };
            urls.retain(|u| https_host(u).as_ref() == Some(&host));
            !urls.is_empty()
        })?;
        Some(Cloud::from_known(known))
    }

    fn from_known(k: &Known) -> Cloud {
        Cloud {
            name: k.canonical.into(),
            asm: k.asm.into(),
            login: k.login.into(),
            arm: k.arm.into(),
            arm_scope: format!("{}.default", k.arm),
            graph: k.graph.into(),
            graph_scope: format!("{}/.default", k.graph),
        }
    }

    /// Looks a cloud up by name, case-insensitively, accepting the names users already
    /// have: `AzureCloud` / `public` / `AzurePublicCloud`, `AzureChinaCloud` / `china`,
    /// `AzureUSGovernment` / `usgovernment` / `AzureUSGovernmentCloud`. Azure Germany is
    /// refused with the reason.
    pub fn by_name(name: &str) -> Result<Cloud> {
        let key = name.trim().to_ascii_lowercase();
        if let Some(known) = KNOWN.iter().find(|k| k.aliases.contains(&key.as_str())) {
            return Ok(Cloud::from_known(known));
        }
        if matches!(
            key.as_str(),
            "azuregermancloud" | "german" | "germany" | "azuregermany"
        ) {
            return Err(Error::InvalidArgument(
                "Azure Germany (management.core.cloudapi.de) closed in 2021; its subscriptions moved to AzureCloud".into(),
            ));
        }
        Err(Error::InvalidArgument(format!(
            "unknown cloud {name:?}: choose {}",
            Cloud::names_listed()
        )))
    }

    /// The canonical names of the known clouds, in table order.
    pub fn names() -> impl Iterator<Item = &'static str> {
        KNOWN.iter().map(|k| k.canonical)
    }

    /// The known clouds' names as a sentence lists them: `A, B or C`.
    pub fn names_listed() -> String {
        let names: Vec<&str> = Cloud::names().collect();
        match names.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
            Some((last, _)) => (*last).to_string(),
            None => String::new(),
        }
    }

    /// Replaces the ASM endpoint.
    pub fn with_asm(mut self, url: &str) -> Self {
        self.asm = with_slash(url);
        self
    }

    /// Replaces the login authority host.
    pub fn with_login(mut self, url: &str) -> Self {
        self.login = url.trim_end_matches('/').to_string();
        self
    }

    /// Replaces the ARM endpoint (and so the scope, unless the cloud's scope is kept
    /// with `keep_scope`: a stand-in or proxy that serves ARM elsewhere still issues
    /// tokens for the real audience).
    pub fn with_arm(mut self, url: &str, keep_scope: bool) -> Self {
        self.arm = with_slash(url);
        if !keep_scope {
            self.arm_scope = format!("{}.default", self.arm);
        }
        self
    }

    /// Replaces the Graph endpoint (and so the scope, unless `keep_scope`: a stand-in
    /// that serves Graph elsewhere still issues tokens for the real audience).
    pub fn with_graph(mut self, url: &str, keep_scope: bool) -> Self {
        self.graph = url.trim_end_matches('/').to_string();
        if !keep_scope {
            self.graph_scope = format!("{}/.default", self.graph);
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_aliases() {
        let c = Cloud::by_name("azurecloud").unwrap();
        assert_eq!(c.arm_scope, "https://management.azure.com/.default");
        assert_eq!(c.graph_scope, "https://graph.microsoft.com/.default");
        assert_eq!(
            Cloud::by_name("china").unwrap().graph,
            "https://microsoftgraph.chinacloudapi.cn"
        );
        assert_eq!(
            Cloud::by_name("china").unwrap().login,
            "https://login.chinacloudapi.cn"
        );
        assert_eq!(
            Cloud::by_name("AzureUSGovernment").unwrap().asm,
            "https://management.core.usgovcloudapi.net/"
        );
        let err = Cloud::by_name("AzureGermanCloud").unwrap_err().to_string();
        assert!(err.contains("closed in 2021"));
        let unknown = Cloud::by_name("mars").unwrap_err().to_string();
        assert!(
            unknown.ends_with("choose AzureCloud, AzureChinaCloud or AzureUSGovernment"),
            "{unknown}"
        );
        assert_eq!(Cloud::names().count(), KNOWN.len());
    }

    #[test]
    fn known_hosts_only_on_https_443() {
        let owner = |url, which| Cloud::owning(url, which).map(|c| c.name);
        assert_eq!(
            owner("https://login.microsoftonline.us/", Endpoint::Login).as_deref(),
            Some("AzureUSGovernment")
        );
        assert_eq!(
            owner("https://LOGIN.partner.microsoftonline.cn", Endpoint::Login).as_deref(),
            Some("AzureChinaCloud")
        );
        assert_eq!(
            owner("https://management.core.windows.net/x/", Endpoint::Asm).as_deref(),
            Some("AzureCloud")
        );
        assert_eq!(
            owner("https://management.azure.com", Endpoint::Arm).as_deref(),
            Some("AzureCloud")
        );
        assert_eq!(
            owner("https://graph.microsoft.us/v1.0", Endpoint::Graph).as_deref(),
            Some("AzureUSGovernment")
        );
        for (url, which) in [
            (
                "https://login.microsoftonline.com.evil.example",
                Endpoint::Login,
            ),
            ("https://login.microsoftonline.com:8443", Endpoint::Login),
            ("http://login.microsoftonline.com", Endpoint::Login),
            ("https://evil.example@127.0.0.1", Endpoint::Login),
            ("https://management.azure.com", Endpoint::Asm),
            ("https://management.azure.com", Endpoint::Graph),
            ("http://graph.microsoft.com", Endpoint::Graph),
            ("https://management.core.windows.net", Endpoint::Login),
            ("not a url", Endpoint::Arm),
        ] {
            assert_eq!(owner(url, which), None, "{url}");
        }
    }

    #[test]
    fn overrides() {
        let c = Cloud::by_name("AzureCloud")
            .unwrap()
            .with_asm("https://127.0.0.1:8443")
            .with_login("https://127.0.0.1:8443/")
            .with_arm("https://127.0.0.1:8443", true)
            .with_graph("https://127.0.0.1:8443/", false);
        assert_eq!(c.asm, "https://127.0.0.1:8443/");
        assert_eq!(c.login, "https://127.0.0.1:8443");
        assert_eq!(c.arm_scope, "https://management.azure.com/.default");
        assert_eq!(c.graph, "https://127.0.0.1:8443");
        assert_eq!(c.graph_scope, "https://127.0.0.1:8443/.default");
    }
}
