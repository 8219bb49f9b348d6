//! Flag groups shared by several commands, defined once and flattened into each.

use std::path::PathBuf;

use certtool_core::pfx::Profile;
use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, ValueEnum};

use crate::error::CliError;
use crate::io::Source;

/// How a PFX that certtool writes is protected (`generate --pfx-profile`, `strip-pfx
/// --profile`, `import publishsettings --profile`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PfxProfileArg {
    /// 3DES key and certificates, SHA-1 MAC, 2048 iterations: opens everywhere
    /// (Windows Server 2016, Azure App Service, .NET, Java, OpenSSL 3).
    Compat,
    /// AES-256-CBC with PBKDF2-HMAC-SHA256 and a SHA-256 MAC (modern readers only).
    Aes,
    /// No encryption and no MAC at all. Java silently drops keys stored this way.
    None,
}

impl PfxProfileArg {
    /// A parser that offers only the protected profiles (for a PFX that must keep a
    /// password, as `generate` writes).
    pub fn protected_only() -> impl TypedValueParser<Value = PfxProfileArg> {
        let values = [PfxProfileArg::Compat, PfxProfileArg::Aes]
            .into_iter()
            .filter_map(|p| p.to_possible_value());
        PossibleValuesParser::new(values)
            .map(|name| PfxProfileArg::from_str(&name, false).expect("a listed value"))
    }
}

impl From<PfxProfileArg> for Profile {
    fn from(p: PfxProfileArg) -> Profile {
        match p {
            PfxProfileArg::Compat => Profile::Compat,
            PfxProfileArg::Aes => Profile::Aes,
            PfxProfileArg::None => Profile::None,
        }
    }
}

/// Flags every command that talks to Azure shares.
#[derive(Args, Debug, Clone)]
pub struct NetworkArgs {
    /// The Azure cloud: AzureCloud, AzureChinaCloud or AzureUSGovernment (env:
    /// ARM_ENVIRONMENT is also read by `test arm`).
    #[arg(long, value_name = "CLOUD")]
    pub cloud: Option<String>,
    /// Also trust the CA certificate(s) in this PEM file (private deployments, TLS
    /// inspecting proxies, the local stand-in). Verification is never switched off.
    #[arg(long, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
    /// Seconds to wait for each request.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub timeout: u64,
}

impl NetworkArgs {
    /// The HTTP options these flags ask for. Call before any thread starts: it may point
    /// OpenSSL at the lazily read system CA directory (see `crate::tls`).
    pub fn http_options(&self) -> Result<certtool_core::http::HttpOptions, CliError> {
        crate::tls::prefer_lazy_system_roots();
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

/// Where a value came from, for the "which source" lines commands print on stderr.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A command-line flag.
    Flag(&'static str),
    /// An environment variable.
    Env(&'static str),
    /// A `.env` file.
    EnvFile(String),
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Flag(name) => write!(f, "flag {name}"),
            Origin::Env(name) => write!(f, "environment variable {name}"),
            Origin::EnvFile(path) => write!(f, "{path}"),
        }
    }
}
