//! The password flags, as clap groups: [`PasswordArgs`] for a file certtool reads,
//! [`NewPasswordArgs`] for a PFX certtool writes. Never the password itself on the
//! command line.

use std::path::{Path, PathBuf};

use certtool_core::secret::Secret;
use clap::Args;

use super::chain::SecretChain;
use crate::error::CliError;

/// Where the password of an existing protected file (PFX, encrypted PEM key) comes from.
/// Never from the command line itself.
#[derive(Args, Debug, Clone, Default)]
pub struct PasswordArgs {
    /// Read the password from the environment variable VAR.
    #[arg(long, value_name = "VAR", conflicts_with_all = ["password_file", "password_stdin"])]
    pub password_env: Option<String>,
    /// Read the password from a file (`-` for stdin); one trailing newline is ignored.
    #[arg(long, value_name = "PATH", conflicts_with = "password_stdin")]
    pub password_file: Option<PathBuf>,
    /// Read the password from stdin.
    #[arg(long)]
    pub password_stdin: bool,
    /// Never prompt: fail when a password is needed and none was given.
    #[arg(long)]
    pub no_input: bool,
}

/// Where the password of a PFX that certtool writes comes from (`generate`, `import`).
/// Never from the command line itself.
#[derive(Args, Debug, Clone, Default)]
pub struct NewPasswordArgs {
    /// PFX password from the environment variable VAR.
    #[arg(long, value_name = "VAR", conflicts_with_all = ["password_file", "no_password"])]
    pub password_env: Option<String>,
    /// PFX password from a file (`-` for stdin); one trailing newline is ignored.
    #[arg(long, value_name = "PATH", conflicts_with = "no_password")]
    pub password_file: Option<PathBuf>,
    /// Protect the PFX with the empty password (anyone holding the file has the key).
    #[arg(long)]
    pub no_password: bool,
    /// Never prompt: fail when a password is needed and none was given.
    #[arg(long)]
    pub no_input: bool,
}

impl PasswordArgs {
    /// True when the password would be read from stdin.
    pub fn uses_stdin(&self) -> bool {
        self.password_stdin || self.password_file.as_deref() == Some(Path::new("-"))
    }

    /// The flags and whether they read stdin, for [`crate::io::at_most_one_stdin`].
    pub fn stdin_claim(&self) -> (&'static str, bool) {
        ("--password-file/--password-stdin", self.uses_stdin())
    }

    /// The chain these flags name, prompting `Password for {input}: ` last.
    pub fn chain(&self, input: &str) -> SecretChain<'_> {
        SecretChain::existing(
            self.password_env.as_deref().map(|v| ("--password-env", v)),
            self.password_file
                .as_deref()
                .map(|p| ("--password-file", p)),
            self.password_stdin,
        )
        .or_prompt(format!("Password for {input}: "), self.no_input)
    }
}

impl NewPasswordArgs {
    /// True when a password source (not `--no-password`) was named.
    pub fn given(&self) -> bool {
        self.password_env.is_some() || self.password_file.is_some()
    }

    /// The flag and whether it reads stdin, for [`crate::io::at_most_one_stdin`].
    pub fn stdin_claim(&self) -> (&'static str, bool) {
        (
            "--password-file",
            self.password_file.as_deref() == Some(Path::new("-")),
        )
    }

    /// The chain these flags name, asking twice for `New password for {what}: ` last.
    pub fn chain(&self, what: &str) -> SecretChain<'_> {
        SecretChain::new_password(
            self.password_env.as_deref().map(|v| ("--password-env", v)),
            self.password_file
                .as_deref()
                .map(|p| ("--password-file", p)),
        )
        .or_prompt(format!("New password for {what}: "), self.no_input)
    }

    /// The new password: the empty one with `--no-password`, else from the chain, else a
    /// usage error.
    pub fn resolve(&self, what: &str) -> Result<Secret, CliError> {
        if self.no_password {
            return Ok(Secret::empty());
        }
        match self.chain(what).resolve(what)? {
            Some((password, _)) => Ok(password),
            None => Err(CliError::usage(format!("{what} needs a password and none was given"))
                .fix("give --password-env VAR or --password-file PATH, or --no-password for an empty one")),
        }
    }
}
