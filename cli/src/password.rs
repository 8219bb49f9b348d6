//! Where a password comes from, written once for every command: a flag that names a
//! source (`--…-env VAR`, then `--…-file PATH|-`, then `--…-stdin`), else a conventional
//! environment variable (AZURE_CLIENT_CERTIFICATE_PASSWORD and the like, also from a
//! `.env` file), else a prompt when stdin is a terminal (never with `--no-input`). A
//! password that protects something new may not be empty unless the user asked for that
//! (`--no-password`). Prompting is the CLI's job: the core never reads the terminal.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use certtool_core::bundle::{self, CredentialBundle};
use certtool_core::secret::{self, Secret};
use certtool_core::Error as CoreError;
use clap::Args;

use crate::args::Origin;
use crate::envfile::Found;
use crate::error::{CliError, ExitKind, PASSWORD_FLAGS};
use crate::io::Source;

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

/// What to ask on the terminal.
enum Prompt {
    /// Ask once (the password of an existing file).
    Once(String),
    /// Ask twice and insist that both answers agree (a new password).
    Twice(String),
}

/// The sources of one password, in the order they are tried. Built from a command's
/// flags ([`PasswordArgs::chain`], [`NewPasswordArgs::chain`] or by hand for other flag
/// names), then [`SecretChain::resolve`]d.
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

/// Opens a protected input: first with no password (`open(None)`; a PFX is tried with the
/// empty password in both encodings), and only when that fails for want of a password,
/// with the one `chain` finds. `missing` makes the error when no source has one; it gets
/// what failed.
pub fn open_protected<T>(
    chain: &SecretChain<'_>,
    input: &str,
    mut open: impl FnMut(Option<&Secret>) -> certtool_core::Result<T>,
    missing: impl FnOnce(&str) -> CliError,
) -> Result<(T, Option<SecretOrigin>), CliError> {
    match open(None) {
        Err(CoreError::WrongPassword { detail, .. }) => match chain.resolve(input)? {
            Some((password, origin)) => Ok((open(Some(&password))?, Some(origin))),
            None => Err(missing(&detail)),
        },
        other => Ok((other?, None)),
    }
}

/// Reads a certificate file (PFX, PEM or DER): first with no password (a PFX is tried
/// with the empty password in both encodings), then, if it is protected, with the
/// password from the flags, a conventional variable (`conventional`, already looked up)
/// or a prompt.
pub fn load_credential(
    source: &Source,
    passwords: &PasswordArgs,
    conventional: Option<Found>,
) -> Result<CredentialBundle, CliError> {
    passwords.check_against(source)?;
    let data = zeroize::Zeroizing::new(source.read()?);
    load_credential_bytes(&data, &source.name(), passwords, conventional)
}

/// [`load_credential`] for bytes already in memory (e.g. the base64 of
/// ARM_CLIENT_CERTIFICATE).
pub fn load_credential_bytes(
    data: &[u8],
    name: &str,
    passwords: &PasswordArgs,
    conventional: Option<Found>,
) -> Result<CredentialBundle, CliError> {
    let chain = passwords.chain(name).or_conventional(conventional);
    if chain.names_a_source() {
        // The flags name the password: try it first, so a protected file (the usual
        // case) is derived once, not after the empty password's two forms; the empty
        // password is tried only when the given one does not open the file (a
        // password-free file where a password is passed anyway).
        if let Some((password, _)) = chain.resolve(name)? {
            return match bundle::load(data, Some(&password), name) {
                Err(given @ CoreError::WrongPassword { .. }) => {
                    match bundle::load(data, None, name) {
                        Err(CoreError::WrongPassword { .. }) => Err(given),
                        other => other,
                    }
                }
                other => other,
            }
            .map_err(CliError::from);
        }
    }
    let (bundle, _) = open_protected(
        &chain,
        name,
        |password| bundle::load(data, password, name),
        |_| {
            CliError::new(
                ExitKind::Password,
                format!("{name}: the file is protected by a password and none was given"),
            )
            .fix(format!("give it with {PASSWORD_FLAGS}"))
        },
    )?;
    Ok(bundle)
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

/// What messages about a `--…-env VAR` flag say instead of VAR: a value given where a
/// name goes may be the secret itself, even when it looks like a name (`Summer2024`).
pub const NAME_NOT_SHOWN: &str =
    "(the name is not shown: it may be the secret itself, given by mistake)";

/// Reads a secret from a named environment variable (the CLI's job, not core's). The
/// name is never echoed, in errors or elsewhere: it may be the secret.
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
            "the environment variable a --…-env flag names is not set {NAME_NOT_SHOWN}"
        ))
        .fix("check the variable's name, or export it before running certtool")),
        Err(std::env::VarError::NotUnicode(_)) => Err(CliError::usage(format!(
            "the environment variable a --…-env flag names is not valid UTF-8 {NAME_NOT_SHOWN}"
        ))),
    }
}

/// Reads a secret from a file path, `-` meaning stdin. When the file cannot be read the
/// message does not repeat the path: a mistyped flag may have put the secret there.
pub fn secret_from_path(path: &Path) -> Result<Secret, CliError> {
    if path == Path::new("-") {
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
        CoreError::Malformed { detail, .. } => CliError::new(
            ExitKind::Input,
            format!("the secret file given cannot be used: {detail} (the path is not shown: it may be the secret itself)"),
        ),
        other => other.into(),
    })
}

impl PasswordArgs {
    /// True when the password would be read from stdin.
    pub fn uses_stdin(&self) -> bool {
        self.password_stdin || self.password_file.as_deref() == Some(Path::new("-"))
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

impl NewPasswordArgs {
    /// True when a password source (not `--no-password`) was named.
    pub fn given(&self) -> bool {
        self.password_env.is_some() || self.password_file.is_some()
    }

    /// True when the password would be read from stdin.
    pub fn uses_stdin(&self) -> bool {
        self.password_file.as_deref() == Some(Path::new("-"))
    }

    /// The chain these flags name, asking twice for `New password for {what}: ` last.
    pub fn chain(&self, what: &str) -> SecretChain<'_> {
        new_chain(
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

impl NewPasswordArgs {
    /// The password of a PFX written in `profile`: none at all for `--profile none` (a
    /// password flag is then a usage error, and a warning says what Java does with such
    /// a file), else [`resolve`](Self::resolve).
    pub fn resolve_for_profile(
        &self,
        profile: crate::args::PfxProfileArg,
        what: &str,
    ) -> Result<Secret, CliError> {
        if profile == crate::args::PfxProfileArg::None {
            if self.given() {
                return Err(CliError::usage(format!(
                    "--profile none writes {what} without any password; drop the password flag"
                ))
                .fix("or keep the password with --profile compat"));
            }
            eprintln!(
                "warning: --profile none stores the private key unencrypted and without a MAC; \
                 Java (keytool, JVM apps) silently drops keys stored this way"
            );
            return Ok(Secret::empty());
        }
        self.resolve(what)
    }
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
/// PATH|-`. An empty one is refused ([`new_chain`]).
pub fn new_password_flags_chain<'a>(
    env: Option<&'a str>,
    file: Option<&'a Path>,
) -> SecretChain<'a> {
    new_chain(
        env.map(|v| ("--new-password-env", v)),
        file.map(|p| ("--new-password-file", p)),
    )
}

/// The error when a private key is encrypted and [`key_password_chain`] found nothing.
pub fn missing_key_password(name: &str) -> CliError {
    CliError::new(
        ExitKind::Password,
        format!("{name}: the private key is encrypted and no password was given"),
    )
    .fix("give it with --key-password-env VAR or --key-password-file PATH")
}

/// Reads a private key file (PEM, DER, PKCS#8 or encrypted PEM), asking the
/// [`key_password_chain`] for the password only when the key is encrypted.
pub fn load_key_file(
    path: &Path,
    env: Option<&str>,
    file: Option<&Path>,
    no_input: bool,
) -> Result<openssl::pkey::PKey<openssl::pkey::Private>, CliError> {
    let source = Source::parse(path);
    let data = zeroize::Zeroizing::new(source.read()?);
    let name = source.name();
    let (key, _) = open_protected(
        &key_password_chain(env, file, &name, no_input),
        &name,
        |password| certtool_core::keys::load_private_key(&data, password, &name),
        |_| missing_key_password(&name),
    )?;
    Ok(key)
}

/// A chain for a password that protects something new: an empty one is refused.
pub fn new_chain<'a>(
    env: Option<(&'static str, &'a str)>,
    file: Option<(&'static str, &'a Path)>,
) -> SecretChain<'a> {
    SecretChain {
        new: true,
        ..SecretChain::existing(env, file, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_names_and_values_told_apart() {
        assert!(is_env_name("PFX_PASSWORD"));
        assert!(is_env_name("_x1"));
        assert!(!is_env_name("1abc"));
        assert!(!is_env_name("hunter 2"));
        assert!(!is_env_name(""));
    }

    #[test]
    fn origin_names_the_flag_never_the_value() {
        let origin = SecretOrigin::Flag("--password-env".into());
        assert_eq!(origin.to_string(), "--password-env");
        assert_eq!(SecretOrigin::Prompt.to_string(), "the prompt");
    }

    fn file_with(content: &[u8]) -> tempfile::NamedTempFile {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        std::io::Write::write_all(&mut file, content).unwrap();
        file
    }

    #[test]
    fn a_new_password_may_not_be_empty_an_existing_one_may() {
        let empty = file_with(b"\n");
        let err = new_chain(None, Some(("--new-password-file", empty.path())))
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
    fn open_protected_asks_only_when_the_empty_password_fails() {
        let file = file_with(b"pw");
        let chain = SecretChain::existing(None, Some(("--password-file", file.path())), false);
        let (value, origin) = open_protected(&chain, "x", |_| Ok(1), |_| unreachable!()).unwrap();
        assert_eq!((value, origin), (1, None));
        let wrong = |password: Option<&Secret>| match password {
            Some(p) if p.expose() == "pw" => Ok(2),
            _ => Err(CoreError::WrongPassword {
                input: "x".into(),
                detail: "the MAC check failed".into(),
            }),
        };
        let (value, origin) = open_protected(&chain, "x", wrong, |_| unreachable!()).unwrap();
        assert_eq!(value, 2);
        assert_eq!(origin, Some(SecretOrigin::Flag("--password-file".into())));
        let none = SecretChain::existing(None, None, false);
        let err = open_protected(&none, "x", wrong, |detail| CliError::usage(detail)).unwrap_err();
        assert_eq!(err.message, "the MAC check failed");
    }

    #[test]
    fn nothing_named_and_no_prompt_resolves_to_none() {
        let chain = SecretChain::existing(None, None, false);
        assert!(chain.resolve("x.pfx").unwrap().is_none());
        assert!(!chain.names_a_source());
    }
}
