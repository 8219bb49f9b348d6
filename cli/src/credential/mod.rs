//! Where a credential comes from: a certificate (the bytes of a PFX, PEM or DER file,
//! perhaps password protected), a client secret, or a federated token (or where to ask
//! for one). Each way of giving one is a [`CredentialSource`]: a file a flag names
//! ([`file`]), a variable a flag names ([`named_env`]), the conventional variables of the
//! Azure SDKs and Terraform in the environment or a `.env` file ([`variables`]), a token
//! requested from the CI runner ([`oidc_request`]). `test arm` tries
//! [`CredentialArgs::sources`] in order and takes the first credential found.
//!
//! A new source is one file here implementing [`CredentialSource`], plus its flag and its
//! place in [`CredentialArgs::sources`] below. The password of a protected certificate
//! is not a source's business: [`crate::password`] opens what a source found.

mod file;
mod named_env;
mod oidc_request;
mod variables;

use std::path::PathBuf;

use certtool_core::secret::Secret;
use clap::Args;
use zeroize::Zeroizing;

use crate::envfile::EnvLookup;
use crate::error::CliError;
use crate::io::is_dash;
pub use file::{FileKind, FileSource};
pub use named_env::NamedVariable;
pub use oidc_request::OidcRequest;
pub use variables::{Kind, Variable, Variables};

/// What a source found.
pub enum Material {
    /// Certificate file contents (PFX, PEM or DER), and how messages name them.
    Certificate {
        /// The bytes.
        data: Zeroizing<Vec<u8>>,
        /// The file's name, or the variable's.
        name: String,
    },
    /// A client secret.
    Secret(Secret),
    /// A federated token (a JWT, not yet parsed), and how messages name it.
    FederatedToken {
        /// The token's text.
        data: Zeroizing<Vec<u8>>,
        /// The file's name, or the variable's.
        name: String,
    },
    /// Where to request a federated token before signing in.
    FederatedRequest {
        /// The request URL.
        url: String,
        /// The bearer token the request is made with.
        token: Secret,
    },
}

/// A credential found, and where: the "credential from …" line (never a secret's value,
/// nor the name a `--…-env` flag was given).
pub struct Found {
    /// The credential.
    pub material: Material,
    /// Where it came from.
    pub origin: String,
}

/// One way of giving a credential.
pub trait CredentialSource {
    /// The credential this source holds; `None` when it has none to give (its flag or
    /// variable is not set), so that the next source is tried.
    fn find(&self, env: &EnvLookup) -> Result<Option<Found>, CliError>;
}

/// The first credential `sources` give, in order.
pub fn first(
    sources: &[Box<dyn CredentialSource + '_>],
    env: &EnvLookup,
) -> Result<Option<Found>, CliError> {
    for source in sources {
        if let Some(found) = source.find(env)? {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

/// Client secrets and certificates by convention, in azure-identity's order within a
/// family (secret, then certificate), AZURE_* before ARM_*.
pub const CREDENTIAL_VARIABLES: Variables = Variables(&[
    Variable::new("AZURE_CLIENT_SECRET", Kind::Secret),
    Variable::new("AZURE_CLIENT_CERTIFICATE_PATH", Kind::CertificatePath),
    Variable::new("ARM_CLIENT_SECRET", Kind::Secret),
    Variable::new("ARM_CLIENT_CERTIFICATE_PATH", Kind::CertificatePath),
    Variable::new("ARM_CLIENT_CERTIFICATE", Kind::CertificateBase64),
]);

/// Federated tokens by convention, tried when [`CREDENTIAL_VARIABLES`] hold none:
/// azure-identity's, then Terraform's.
pub const FEDERATED_VARIABLES: Variables = Variables(&[
    Variable::new("AZURE_FEDERATED_TOKEN_FILE", Kind::TokenPath),
    Variable::new("ARM_OIDC_TOKEN", Kind::Token),
    Variable::new("ARM_OIDC_TOKEN_FILE_PATH", Kind::TokenPath),
]);

/// The credential flags of `test arm`; the variables and the token request are tried
/// when none is given.
#[derive(Args, Debug, Clone, Default)]
pub struct CredentialArgs {
    /// The app's certificate: PFX, or PEM with key and certificate (a chain is fine)
    /// [env: AZURE_CLIENT_CERTIFICATE_PATH, ARM_CLIENT_CERTIFICATE_PATH, ARM_CLIENT_CERTIFICATE].
    #[arg(long, value_name = "FILE", conflicts_with_all = ["secret_env", "secret_file"])]
    pub cert: Option<PathBuf>,
    /// A federated (workload identity) token: a JWT from GitHub Actions, Kubernetes or
    /// another OIDC provider, sent as the client assertion [env: AZURE_FEDERATED_TOKEN_FILE,
    /// ARM_OIDC_TOKEN, ARM_OIDC_TOKEN_FILE_PATH; in GitHub Actions requested with
    /// ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN].
    #[arg(long, value_name = "FILE", conflicts_with_all = ["cert", "secret_env", "secret_file"])]
    pub federated_token_file: Option<PathBuf>,
    /// Read the client secret from the environment variable VAR [env: AZURE_CLIENT_SECRET,
    /// ARM_CLIENT_SECRET].
    #[arg(long, value_name = "VAR", conflicts_with = "secret_file")]
    pub secret_env: Option<String>,
    /// Read the client secret from a file (`-` for stdin).
    #[arg(long, value_name = "PATH")]
    pub secret_file: Option<PathBuf>,
}

impl CredentialArgs {
    /// The flags that may read stdin, for [`crate::io::at_most_one_stdin`].
    pub fn stdin_claims(&self) -> [(&'static str, bool); 3] {
        [
            ("--cert", is_dash(self.cert.as_deref())),
            ("--secret-file", is_dash(self.secret_file.as_deref())),
            (
                "--federated-token-file",
                is_dash(self.federated_token_file.as_deref()),
            ),
        ]
    }

    /// Every source, in the order tried: the flag given (they exclude each other), then
    /// the conventional variables, then a token request.
    pub fn sources(&self) -> Vec<Box<dyn CredentialSource + '_>> {
        let mut sources: Vec<Box<dyn CredentialSource + '_>> = Vec::new();
        if let Some(var) = &self.secret_env {
            sources.push(Box::new(NamedVariable::secret("--secret-env", var)));
        }
        let files = [
            (&self.secret_file, "--secret-file", FileKind::Secret),
            (&self.cert, "--cert", FileKind::Certificate),
            (
                &self.federated_token_file,
                "--federated-token-file",
                FileKind::Token,
            ),
        ];
        for (path, flag, kind) in files {
            if let Some(path) = path {
                sources.push(Box::new(FileSource { flag, path, kind }));
            }
        }
        sources.push(Box::new(CREDENTIAL_VARIABLES));
        sources.push(Box::new(FEDERATED_VARIABLES));
        sources.push(Box::new(OidcRequest::CONVENTIONAL));
        sources
    }

    /// The error when no source holds a credential.
    pub fn none_given() -> CliError {
        let names: Vec<&str> = CREDENTIAL_VARIABLES
            .names()
            .chain(FEDERATED_VARIABLES.names())
            .collect();
        let (azure, terraform): (Vec<&str>, Vec<&str>) =
            names.iter().partition(|n| n.starts_with("AZURE_"));
        CliError::usage("no credential given").fix(format!(
            "pass --cert FILE, --secret-env VAR, --secret-file PATH or --federated-token-file FILE, or set \
             {} (or Terraform's {}); in GitHub Actions give the job `permissions: id-token: write`",
            azure.join(" / "),
            terraform.join(" / ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_no_credential_fix_lists_every_variable_of_the_tables() {
        let err = CredentialArgs::none_given();
        let fix = err.render();
        assert!(fix.contains(
            "set AZURE_CLIENT_SECRET / AZURE_CLIENT_CERTIFICATE_PATH / AZURE_FEDERATED_TOKEN_FILE \
             (or Terraform's ARM_CLIENT_SECRET / ARM_CLIENT_CERTIFICATE_PATH / ARM_CLIENT_CERTIFICATE / \
             ARM_OIDC_TOKEN / ARM_OIDC_TOKEN_FILE_PATH)"
        ), "{fix}");
    }

    #[test]
    fn a_flag_comes_before_every_variable() {
        let args = CredentialArgs {
            secret_env: Some("CERTTOOL_TEST_UNSET_SECRET_VAR".into()),
            ..Default::default()
        };
        // The named variable is not set: the flag's error, not a conventional variable.
        let err = first(&args.sources(), &EnvLookup::default()).err().unwrap();
        assert!(
            err.message.contains("--secret-env names is not set"),
            "{}",
            err.message
        );
    }
}
