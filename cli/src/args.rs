//! Flag groups shared by several commands, defined once and flattened into each.

use std::io::IsTerminal;
use std::path::PathBuf;

use certtool_core::bundle::{self, CredentialBundle};
use certtool_core::secret::{self, Secret};
use certtool_core::Error as CoreError;
use clap::{Args, ValueEnum};

use crate::error::{CliError, ExitKind};
use crate::io::Source;

/// `--output text|json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum OutputFormat {
    /// For people (default).
    #[default]
    Text,
    /// A stable JSON document on stdout, for scripts.
    Json,
}

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

/// True when `name` can be an environment variable's name. A value that is not is most
/// likely the secret itself, passed by mistake (`--password-env "$PW"`).
pub fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Reads a secret from a named environment variable (the CLI's job, not core's). A name
/// that cannot be a variable's is refused without echoing it: it is probably the secret.
pub fn secret_from_env(var: &str) -> Result<Secret, CliError> {
    if !is_env_name(var) {
        return Err(CliError::usage(
            "the value given to a --…-env flag is not an environment variable name (it is not shown: it may be the secret itself)",
        )
        .fix("pass the variable's NAME, e.g. --password-env PFX_PASSWORD, not its value"));
    }
    match std::env::var(var) {
        Ok(value) => Ok(Secret::new(value)),
        Err(std::env::VarError::NotPresent) => Err(CliError::usage(format!(
            "the environment variable {var} is not set"
        ))),
        Err(std::env::VarError::NotUnicode(_)) => Err(CliError::usage(format!(
            "the environment variable {var} is not valid UTF-8"
        ))),
    }
}

/// Reads a secret from a file path, `-` meaning stdin. When the file cannot be read the
/// message does not repeat the path: a mistyped flag may have put the secret there.
pub fn secret_from_path(path: &std::path::Path) -> Result<Secret, CliError> {
    if path == std::path::Path::new("-") {
        return Ok(secret::from_reader(std::io::stdin(), "stdin")?);
    }
    if path.is_dir() {
        return Err(CliError::new(
            ExitKind::Input,
            "the secret file given is a directory, not a file",
        ));
    }
    secret::from_file(path).map_err(|e| match e {
        CoreError::Read { source, .. } => CliError::new(
            ExitKind::Input,
            format!("cannot read the secret file given ({source}; the path is not shown: it may be the secret itself)"),
        )
        .fix("pass the path of a file that holds the secret"),
        other => other.into(),
    })
}

/// A secret for protecting something new: an empty value from a named source is refused,
/// so an unset CI secret that arrives as "" cannot silently produce an unprotected file.
pub fn nonempty_new_secret(secret: Secret, source: &str) -> Result<Secret, CliError> {
    if secret.is_empty() {
        return Err(CliError::usage(format!(
            "the new password from {source} is empty; refusing to write a file without protection by accident"
        ))
        .fix("set the secret, or ask for no password explicitly (--no-password)"));
    }
    Ok(secret)
}

impl PasswordArgs {
    /// True when the password would be read from stdin.
    pub fn uses_stdin(&self) -> bool {
        self.password_stdin || self.password_file.as_deref() == Some(std::path::Path::new("-"))
    }

    /// The password from the named source, if one was named.
    pub fn explicit(&self) -> Result<Option<Secret>, CliError> {
        if let Some(var) = &self.password_env {
            return secret_from_env(var).map(Some);
        }
        if let Some(path) = &self.password_file {
            return secret_from_path(path).map(Some);
        }
        if self.password_stdin {
            return Ok(Some(secret::from_reader(std::io::stdin(), "stdin")?));
        }
        Ok(None)
    }

    /// The password from the named source, else from a prompt when stdin is a terminal
    /// (and `--no-input` was not given), else `None`.
    pub fn resolve(&self, input: &str) -> Result<Option<Secret>, CliError> {
        if let Some(secret) = self.explicit()? {
            return Ok(Some(secret));
        }
        if !self.no_input && std::io::stdin().is_terminal() {
            return Ok(Some(secret::prompt(&format!("Password for {input}: "))?));
        }
        Ok(None)
    }

    /// Rejects reading both the input and the password from stdin.
    pub fn check_against(&self, source: &Source) -> Result<(), CliError> {
        if *source == Source::Stdin && self.uses_stdin() {
            return Err(
                CliError::usage("the input and the password cannot both come from stdin")
                    .fix("use --password-env VAR or --password-file PATH"),
            );
        }
        Ok(())
    }
}

/// Reads a certificate file (PFX, PEM or DER): first with no password (a PFX is tried
/// with the empty password in both encodings), then, if it is protected, with the
/// password from the flags or a prompt.
pub fn load_credential(
    source: &Source,
    passwords: &PasswordArgs,
) -> Result<CredentialBundle, CliError> {
    load_credential_with_env(source, passwords, &[])
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

/// The first of `vars` that is set and not empty, with its name.
pub fn first_env(vars: &[&'static str]) -> Option<(String, &'static str)> {
    vars.iter().find_map(|&name| {
        std::env::var(name)
            .ok()
            .filter(|v| !v.trim().is_empty())
            .map(|v| (v, name))
    })
}

impl PasswordArgs {
    /// Like [`PasswordArgs::resolve`], but when no flag names a source, falls back to the
    /// first set variable of `env_fallbacks` (e.g. AZURE_CLIENT_CERTIFICATE_PASSWORD) and
    /// says so on stderr (never the value).
    pub fn resolve_with_env(
        &self,
        input: &str,
        env_fallbacks: &[&'static str],
    ) -> Result<Option<Secret>, CliError> {
        if self.password_env.is_none() && self.password_file.is_none() && !self.password_stdin {
            if let Some((value, name)) = first_env(env_fallbacks) {
                eprintln!("certtool: using the password in {name} for {input}");
                return Ok(Some(Secret::new(value)));
            }
        }
        self.resolve(input)
    }
}

/// [`load_credential`] with environment fallbacks for the password.
pub fn load_credential_with_env(
    source: &Source,
    passwords: &PasswordArgs,
    env_fallbacks: &[&'static str],
) -> Result<CredentialBundle, CliError> {
    passwords.check_against(source)?;
    let data = zeroize::Zeroizing::new(source.read()?);
    load_credential_bytes(&data, &source.name(), passwords, env_fallbacks)
}

/// Reads credential bytes already in memory (e.g. the base64 of ARM_CLIENT_CERTIFICATE),
/// asking for a password only if the file needs one.
pub fn load_credential_bytes(
    data: &[u8],
    name: &str,
    passwords: &PasswordArgs,
    env_fallbacks: &[&'static str],
) -> Result<CredentialBundle, CliError> {
    match bundle::load(data, None, name) {
        Err(CoreError::WrongPassword { .. }) => {
            match passwords.resolve_with_env(name, env_fallbacks)? {
                Some(password) => Ok(bundle::load(data, Some(&password), name)?),
                None => Err(CliError::new(
                    ExitKind::Password,
                    format!("{name}: the file is protected by a password and none was given"),
                )
                .fix("give it with --password-env VAR, --password-file PATH or --password-stdin")),
            }
        }
        other => Ok(other?),
    }
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

impl NewPasswordArgs {
    /// True when a password source (not `--no-password`) was named.
    pub fn given(&self) -> bool {
        self.password_env.is_some() || self.password_file.is_some()
    }

    /// True when the password would be read from stdin.
    pub fn uses_stdin(&self) -> bool {
        self.password_file.as_deref() == Some(std::path::Path::new("-"))
    }

    /// The new password: the empty one with `--no-password`, else from the named source,
    /// else asked twice on a terminal, else a usage error.
    pub fn resolve(&self, what: &str) -> Result<Secret, CliError> {
        if self.no_password {
            return Ok(Secret::empty());
        }
        if let Some(var) = &self.password_env {
            return nonempty_new_secret(secret_from_env(var)?, &format!("--password-env {var}"));
        }
        if let Some(path) = &self.password_file {
            return nonempty_new_secret(secret_from_path(path)?, "--password-file");
        }
        if !self.no_input && std::io::stdin().is_terminal() {
            let typed = secret::prompt_new(&format!("New password for {what}: "))?;
            return nonempty_new_secret(typed, "the prompt");
        }
        Err(CliError::usage(format!("{what} needs a password and none was given"))
            .fix("give --password-env VAR or --password-file PATH, or --no-password for an empty one"))
    }
}
