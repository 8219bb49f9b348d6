//! The order in which the sources of one password are tried: a flag that names a source
//! (`--…-env VAR`, then `--…-file PATH|-`, then `--…-stdin`), else a conventional
//! environment variable (already looked up, perhaps in a `.env` file), else a prompt on a
//! terminal. A password that protects something new may not be empty.

use std::io::IsTerminal;
use std::path::Path;

use certtool_core::secret::{self, Secret};
use certtool_core::Error as CoreError;

use super::read::{secret_from_env, secret_from_path};
use crate::args::Origin;
use crate::envfile::Found;
use crate::error::CliError;

/// How a password was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretOrigin {
    /// A flag naming a source, e.g. `--password-env` or `--password-file` (never the
    /// variable name or path it was given).
    Flag(String),
    /// A conventional variable, from the environment or a `.env` file.
    Conventional(Origin),
    /// Typed at the terminal.
    Prompt,
}

impl std::fmt::Display for SecretOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SecretOrigin::Flag(flag) => f.write_str(flag),
            SecretOrigin::Conventional(origin) => write!(f, "{origin}"),
            SecretOrigin::Prompt => f.write_str("the prompt"),
        }
    }
}

impl SecretOrigin {
    /// The short form a JSON report's `password_source` takes: `empty` when no password
    /// was needed (`None`), `flag`, `prompt`, `env VAR`, or the `.env` file's line.
    pub fn report_label(origin: Option<&SecretOrigin>) -> String {
        match origin {
            None => "empty".into(),
            Some(SecretOrigin::Flag(_)) => "flag".into(),
            Some(SecretOrigin::Prompt) => "prompt".into(),
            Some(SecretOrigin::Conventional(Origin::Env(var))) => format!("env {var}"),
            Some(SecretOrigin::Conventional(other)) => other.to_string(),
        }
    }
}

/// What to ask on the terminal.
enum Prompt {
    /// Ask once (the password of an existing file).
    Once(String),
    /// Ask twice and insist that both answers agree (a new password).
    Twice(String),
}

/// The sources of one password, in the order they are tried. Built from a command's
/// flags (`PasswordArgs::chain`, `NewPasswordArgs::chain` or the functions below for
/// other flag names), then [`SecretChain::resolve`]d.
pub struct SecretChain<'a> {
    env: Option<(&'static str, &'a str)>,
    file: Option<(&'static str, &'a Path)>,
    stdin: bool,
    conventional: Option<Found>,
    prompt: Option<Prompt>,
    /// The password protects something new: an empty one is refused.
    new: bool,
}

impl<'a> SecretChain<'a> {
    /// A chain for the password of an existing file, from flags with the given names.
    pub fn existing(
        env: Option<(&'static str, &'a str)>,
        file: Option<(&'static str, &'a Path)>,
        stdin: bool,
    ) -> Self {
        SecretChain {
            env,
            file,
            stdin,
            conventional: None,
            prompt: None,
            new: false,
        }
    }

    /// A chain for a password that protects something new: an empty one is refused.
    pub fn new_password(
        env: Option<(&'static str, &'a str)>,
        file: Option<(&'static str, &'a Path)>,
    ) -> Self {
        SecretChain {
            new: true,
            ..SecretChain::existing(env, file, false)
        }
    }

    /// Also asks `question` on a terminal when nothing else gave the password, unless
    /// `no_input`.
    pub fn or_prompt(mut self, question: String, no_input: bool) -> Self {
        if !no_input {
            self.prompt = Some(if self.new {
                Prompt::Twice(question)
            } else {
                Prompt::Once(question)
            });
        }
        self
    }

    /// Uses a conventional variable (already looked up) when no flag names a source.
    pub fn or_conventional(mut self, found: Option<Found>) -> Self {
        self.conventional = found;
        self
    }

    /// True when a flag names a source.
    pub fn names_a_source(&self) -> bool {
        self.env.is_some() || self.file.is_some() || self.stdin
    }

    /// The password from the first source that has one; `None` when no source applies.
    /// A conventional variable is announced on stderr (its name, never its value).
    pub fn resolve(&self, input: &str) -> Result<Option<(Secret, SecretOrigin)>, CliError> {
        let found = if let Some((flag, var)) = self.env {
            Some((secret_from_env(var)?, SecretOrigin::Flag(flag.to_string())))
        } else if let Some((flag, path)) = self.file {
            Some((
                secret_from_path(path)?,
                SecretOrigin::Flag(flag.to_string()),
            ))
        } else if self.stdin {
            Some((
                secret::from_reader(std::io::stdin(), "stdin")?,
                SecretOrigin::Flag("--password-stdin".into()),
            ))
        } else if let Some(found) = &self.conventional {
            crate::log::note!("certtool: password for {input} from {}", found.origin);
            Some((
                Secret::new(found.value.to_string()),
                SecretOrigin::Conventional(found.origin.clone()),
            ))
        } else {
            match &self.prompt {
                Some(prompt) if std::io::stdin().is_terminal() => {
                    Some((prompt.ask()?, SecretOrigin::Prompt))
                }
                _ => None,
            }
        };
        match found {
            Some((secret, origin)) if self.new && secret.is_empty() => Err(CliError::usage(
                format!(
                    "the new password from {origin} is empty; refusing to write a file without protection by accident"
                ),
            )
            .fix("set the secret, or ask for no password explicitly (--no-password)")),
            other => Ok(other),
        }
    }
}

impl Prompt {
    fn ask(&self) -> Result<Secret, CliError> {
        match self {
            Prompt::Once(question) => prompt(question),
            Prompt::Twice(question) => {
                let first = prompt(question)?;
                let second = prompt("Repeat it: ")?;
                if first.expose() != second.expose() {
                    return Err(CliError::usage(
                        "the two passwords typed differ; nothing was written",
                    ));
                }
                Ok(first)
            }
        }
    }
}

/// Asks for a secret on the terminal without echoing it.
fn prompt(question: &str) -> Result<Secret, CliError> {
    let value = rpassword::prompt_password(question).map_err(|source| CoreError::Read {
        path: "terminal".into(),
        source,
    })?;
    Ok(Secret::new(value))
}

/// Where the password of an encrypted private key comes from: `--key-password-env VAR`,
/// then `--key-password-file PATH|-`, then a prompt asking about `what`.
pub fn key_password_chain<'a>(
    env: Option<&'a str>,
    file: Option<&'a Path>,
    what: &str,
    no_input: bool,
) -> SecretChain<'a> {
    SecretChain::existing(
        env.map(|v| ("--key-password-env", v)),
        file.map(|p| ("--key-password-file", p)),
        false,
    )
    .or_prompt(format!("Password for the key {what}: "), no_input)
}

/// Where the password of a rewritten or new PFX comes from in commands that also read
/// one (`strip-pfx`, `rotate arm`): `--new-password-env VAR`, then `--new-password-file
/// PATH|-`. An empty one is refused.
pub fn new_password_flags_chain<'a>(
    env: Option<&'a str>,
    file: Option<&'a Path>,
) -> SecretChain<'a> {
    SecretChain::new_password(
        env.map(|v| ("--new-password-env", v)),
        file.map(|p| ("--new-password-file", p)),
    )
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::error::ExitKind;

    #[test]
    fn origin_names_the_flag_never_the_value() {
        let origin = SecretOrigin::Flag("--password-env".into());
        assert_eq!(origin.to_string(), "--password-env");
        assert_eq!(SecretOrigin::Prompt.to_string(), "the prompt");
        assert_eq!(SecretOrigin::report_label(Some(&origin)), "flag");
        assert_eq!(SecretOrigin::report_label(None), "empty");
        let env = SecretOrigin::Conventional(Origin::Env("ARM_CLIENT_CERTIFICATE_PASSWORD"));
        assert_eq!(
            SecretOrigin::report_label(Some(&env)),
            "env ARM_CLIENT_CERTIFICATE_PASSWORD"
        );
    }

    pub(crate) fn file_with(content: &[u8]) -> tempfile::NamedTempFile {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        std::io::Write::write_all(&mut file, content).unwrap();
        file
    }

    #[test]
    fn a_new_password_may_not_be_empty_an_existing_one_may() {
        let empty = file_with(b"\n");
        let err = new_password_flags_chain(None, Some(empty.path()))
            .resolve("out.pfx")
            .unwrap_err();
        assert_eq!(err.kind, ExitKind::Usage);
        assert!(err.message.contains("from --new-password-file is empty"));
        let (secret, origin) =
            SecretChain::existing(None, Some(("--password-file", empty.path())), false)
                .resolve("in.pfx")
                .unwrap()
                .unwrap();
        assert!(secret.is_empty());
        assert_eq!(origin, SecretOrigin::Flag("--password-file".into()));
    }

    #[test]
    fn a_flag_wins_over_a_conventional_variable() {
        let file = file_with(b"from-file\n");
        let conventional = Found {
            value: zeroize::Zeroizing::new("from-env".into()),
            name: "AZURE_CLIENT_CERTIFICATE_PASSWORD",
            origin: Origin::Env("AZURE_CLIENT_CERTIFICATE_PASSWORD"),
        };
        let chain = SecretChain::existing(None, Some(("--password-file", file.path())), false)
            .or_conventional(Some(conventional));
        let (secret, _) = chain.resolve("in.pfx").unwrap().unwrap();
        assert_eq!(secret.expose(), "from-file");
    }

    #[test]
    fn a_conventional_variable_is_used_when_no_flag_names_a_source() {
        let conventional = Found {
            value: zeroize::Zeroizing::new("from-env".into()),
            name: "ARM_CLIENT_CERTIFICATE_PASSWORD",
            origin: Origin::Env("ARM_CLIENT_CERTIFICATE_PASSWORD"),
        };
        let chain = SecretChain::existing(None, None, false).or_conventional(Some(conventional));
        let (secret, origin) = chain.resolve("in.pfx").unwrap().unwrap();
        assert_eq!(secret.expose(), "from-env");
        assert_eq!(
            origin.to_string(),
            "environment variable ARM_CLIENT_CERTIFICATE_PASSWORD"
        );
    }

    #[test]
    fn nothing_named_and_no_prompt_resolves_to_none() {
        let chain = SecretChain::existing(None, None, false);
        assert!(chain.resolve("x.pfx").unwrap().is_none());
        assert!(!chain.names_a_source());
    }
}
