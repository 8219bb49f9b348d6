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

impl Cloud {
    /// Looks a cloud up by name, case-insensitively, accepting the names users already
    /// have: `AzureCloud` / `public` / `AzurePublicCloud`, `AzureChinaCloud` / `china`,
    /// `AzureUSGovernment` / `usgovernment` / `AzureUSGovernmentCloud`. Azure Germany is
    /// refused with the reason.
    pub fn by_name(name: &str) -> Result<Cloud> {
        let key = name.trim().to_ascii_lowercase();
        let (canonical, asm, login, arm, graph) = match key.as_str() {
            "azurecloud" | "public" | "azurepubliccloud" => (
                "AzureCloud",
                "https://management.core.windows.net/",
                "https://login.microsoftonline.com",
                "https://management.azure.com/",
                "https://graph.microsoft.com",
            ),
            "azurechinacloud" | "china" => (
                "AzureChinaCloud",
                "https://management.core.chinacloudapi.cn/",
                "https://login.chinacloudapi.cn",
                "https://management.chinacloudapi.cn/",
                "https://microsoftgraph.chinacloudapi.cn",
            ),
            // Graph for US Government L4; L5 (DoD) tenants pass `--graph-endpoint
            // https://dod-graph.microsoft.us`.
            "azureusgovernment" | "usgovernment" | "azureusgovernmentcloud" | "usgov" => (
                "AzureUSGovernment",
                "https://management.core.usgovcloudapi.net/",
                "https://login.microsoftonline.us",
                "https://management.usgovcloudapi.net/",
                "https://graph.microsoft.us",
            ),
            "azuregermancloud" | "german" | "germany" | "azuregermany" => {
                return Err(Error::InvalidArgument(
                    "Azure Germany (management.core.cloudapi.de) closed in 2021; its subscriptions moved to AzureCloud".into(),
                ))
            }
            _ => {
                return Err(Error::InvalidArgument(format!(
                    "unknown cloud {name:?}: choose AzureCloud, AzureChinaCloud or AzureUSGovernment"
                )))
            }
        };
        Ok(Cloud {
            name: canonical.into(),
            asm: asm.into(),
            login: login.into(),
            arm: arm.into(),
            arm_scope: format!("{arm}.default"),
            graph: graph.into(),
            graph_scope: format!("{graph}/.default"),
        })
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
        assert!(Cloud::by_name("mars").is_err());
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
