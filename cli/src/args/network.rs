//! `--cloud`, `--ca-file`, `--timeout`: the flags of every command that talks to Azure.

use std::path::PathBuf;

use certtool_core::cloud::Cloud;
use clap::Args;

use crate::error::CliError;
use crate::io::Source;

/// Flags every command that talks to Azure shares.
#[derive(Args, Debug, Clone)]
pub struct NetworkArgs {
    #[arg(long, value_name = "CLOUD", help = cloud_help())]
    pub cloud: Option<String>,
    /// Also trust the CA certificate(s) in this PEM file (private deployments, TLS
    /// inspecting proxies, the local stand-in). Verification is never switched off.
    #[arg(long, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
    /// Seconds to wait for each request.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub timeout: u64,
}

/// `--cloud`'s help, naming the clouds of the core's table.
fn cloud_help() -> String {
    format!(
        "The Azure cloud: {} (env: ARM_ENVIRONMENT is also read by `test arm`)",
        Cloud::names_listed()
    )
}

impl NetworkArgs {
    /// The HTTP options these flags ask for. Where the system's CA roots are found is
    /// settled once in `main`, before any thread starts (`crate::tls`).
    pub fn http_options(&self) -> Result<certtool_core::http::HttpOptions, CliError> {
        let extra_ca_pem = match &self.ca_file {
            Some(path) => Some(Source::parse(path).read()?),
            None => None,
        };
        if self.timeout == 0 {
            return Err(CliError::usage("--timeout must be at least 1 second"));
        }
        Ok(certtool_core::http::HttpOptions {
            timeout: Some(std::time::Duration::from_secs(self.timeout)),
            extra_ca_pem,
        })
    }
}
