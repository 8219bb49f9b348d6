//! A secret from the source a flag names: an environment variable (`--…-env VAR`) or a
//! file (`--…-file PATH`, `-` for stdin). Neither the variable's name nor the path is
//! ever repeated in a message: a mistyped command line may have put the secret there.

use std::path::Path;

use certtool_core::secret::{self, Secret};
use certtool_core::Error as CoreError;

use crate::error::{CliError, ExitKind};

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

/// How messages name a `--…-env` flag whose exact name does not matter.
pub const ANY_ENV_FLAG: &str = "a --…-env flag";

/// Refuses a value given to `flag` (e.g. `--secret-env`, or [`ANY_ENV_FLAG`]) that cannot
/// be a variable's name; `example` is a right use, for the fix line.
pub fn check_env_name(flag: &str, var: &str, example: &str) -> Result<(), CliError> {
    if is_env_name(var) {
        return Ok(());
    }
    Err(CliError::usage(format!(
        "the value given to {flag} is not an environment variable name (it is not shown: it may be the secret itself)"
    ))
    .fix(format!("pass the variable's NAME, e.g. {example}, not its value")))
}

/// The error when the variable `flag` names is set nowhere.
pub fn env_not_set(flag: &str) -> CliError {
    CliError::usage(format!(
        "the environment variable {flag} names is not set {NAME_NOT_SHOWN}"
    ))
    .fix("check the variable's name, or export it before running certtool")
}

/// Reads a secret from a named environment variable (the CLI's job, not core's). The
/// name is never echoed, in errors or elsewhere: it may be the secret.
pub fn secret_from_env(var: &str) -> Result<Secret, CliError> {
    check_env_name(ANY_ENV_FLAG, var, "--password-env PFX_PASSWORD")?;
    match std::env::var(var) {
        Ok(value) => Ok(Secret::new(value)),
        Err(std::env::VarError::NotPresent) => Err(env_not_set(ANY_ENV_FLAG)),
        Err(std::env::VarError::NotUnicode(_)) => Err(CliError::usage(format!(
            "the environment variable {ANY_ENV_FLAG} names is not valid UTF-8 {NAME_NOT_SHOWN}"
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
    fn a_value_where_a_name_goes_is_not_repeated() {
        let err = check_env_name("--secret-env", "hunter 2", "--secret-env S").unwrap_err();
        assert_eq!(err.kind, ExitKind::Usage);
        assert!(!err.render().contains("hunter"));
        assert!(err.message.contains("given to --secret-env"));
    }
}
