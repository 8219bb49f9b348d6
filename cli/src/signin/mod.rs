//! Signing in to Entra ID from the command line: the flags every signing-in command
//! shares ([`SignInArgs`], flattened into `test arm` and every later command), their
//! resolution with the environment and a `.env` file ([`resolve_who`], then the
//! command's own values, then [`resolve`]) into an [`Identity`], and from it the core
//! sign-in (`certtool_core::entra::SignIn`). A new command that signs in flattens
//! [`SignInArgs`], calls those two and [`Identity::signin`]; it writes none of this again.

mod identity;
mod refusal;
mod resolve;

use std::path::PathBuf;

use certtool_core::entra::SigningAlg;
use clap::{Args, ValueEnum};

use crate::args::NetworkArgs;
use crate::credential::CredentialArgs;
use crate::io::is_dash;
use crate::password::PasswordArgs;

pub use identity::{CertificateFacts, Credential, FederatedSource, Identity};
pub(crate) use refusal::{explanation, ids, sign_in_error, sign_in_exit};
pub use resolve::{check_https, note, required, resolve, resolve_cloud, resolve_who, Sources};

/// `--alg`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AlgArg {
    /// PS256 (RSASSA-PSS) with the `x5t#S256` header: what Microsoft recommends.
    Ps256,
    /// RS256 (PKCS#1 v1.5) with the SHA-1 `x5t` header: what older SDKs send.
    Rs256,
}

impl From<AlgArg> for SigningAlg {
    fn from(a: AlgArg) -> Self {
        match a {
            AlgArg::Ps256 => SigningAlg::Ps256,
            AlgArg::Rs256 => SigningAlg::Rs256,
        }
    }
}

/// The flags of a service principal's sign-in: who (tenant, app), with what (certificate,
/// secret or federated token, and the certificate's password), where (cloud, endpoints,
/// CA) and how (assertion algorithm, `x5c`). Values fall back to AZURE_TENANT_ID,
/// AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH/PASSWORD,
/// AZURE_AUTHORITY_HOST and Terraform's ARM_* (ARM_CLIENT_CERTIFICATE = base64 PKCS#12,
/// ARM_ENVIRONMENT = cloud).
#[derive(Args, Debug)]
#[command(next_help_heading = "Sign-in")]
pub struct SignInArgs {
    /// Tenant (directory) ID or verified domain [env: AZURE_TENANT_ID, ARM_TENANT_ID].
    #[arg(long, value_name = "ID")]
    pub tenant: Option<String>,
    /// Application (client) ID [env: AZURE_CLIENT_ID, ARM_CLIENT_ID].
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,
    #[command(flatten)]
    pub credential: CredentialArgs,
    #[command(flatten)]
    pub password: PasswordArgs,
    #[command(flatten)]
    pub network: NetworkArgs,
    /// Entra ID authority host, e.g. https://login.microsoftonline.us [env: AZURE_AUTHORITY_HOST].
    #[arg(long, value_name = "URL")]
    pub authority_host: Option<String>,
    /// Azure Resource Manager endpoint; the token scope follows it.
    #[arg(long, value_name = "URL")]
    pub arm_endpoint: Option<String>,
    /// Microsoft Graph endpoint; the token scope follows it.
    #[arg(long, value_name = "URL")]
    pub graph_endpoint: Option<String>,
    /// Client assertion signature algorithm.
    #[arg(long, value_enum, default_value = "ps256")]
    pub alg: AlgArg,
    /// Send the certificate chain in the assertion's `x5c` header (subject name/issuer
    /// authentication) [env: AZURE_CLIENT_SEND_CERTIFICATE_CHAIN].
    #[arg(long)]
    pub send_x5c: bool,
    /// Also read the variables above from this .env file (the environment wins).
    #[arg(long, value_name = "FILE")]
    pub env_file: Option<PathBuf>,
    /// Let --env-file name an authority host that is not a known cloud's (by default
    /// only the process environment and flags may: the file may come from someone else).
    #[arg(long)]
    pub allow_env_file_endpoints: bool,
}

impl SignInArgs {
    /// The inputs of these flags that may read stdin, for the command's
    /// `at_most_one_stdin` check (made before anything, the `.env` file included, is read).
    pub fn stdin_claims(&self) -> Vec<(&'static str, bool)> {
        let [cert, secret_file, token_file] = self.credential.stdin_claims();
        vec![
            cert,
            secret_file,
            token_file,
            ("--env-file", is_dash(self.env_file.as_deref())),
            ("--ca-file", is_dash(self.network.ca_file.as_deref())),
            self.password.stdin_claim(),
        ]
    }
}
