//! What `--profile none` means for the password of a PFX certtool writes: there is none
//! (a password flag is a usage error), and one warning, through the log so that `-q`
//! silences it, says what Java does with such a file.

use certtool_core::pfx::Profile;
use certtool_core::secret::Secret;

use super::flags::NewPasswordArgs;
use crate::error::CliError;

/// The warning for a PFX written in [`Profile::None`]; `what` is what it stores ("the
/// private key", "the private keys").
pub fn unprotected_warning(what: &str) -> String {
    format!(
        "--profile none stores {what} unencrypted and without a MAC; \
         Java (keytool, JVM apps) silently drops keys stored this way"
    )
}

/// Refuses a new password where `profile` has no place for it: `--profile none`
/// protects nothing. `flag` names the password flag to drop.
pub fn refuse_password_without_protection(
    profile: Profile,
    password_given: bool,
    what: &str,
    flag: &str,
) -> Result<(), CliError> {
    if profile == Profile::None && password_given {
        return Err(CliError::usage(format!(
            "--profile none writes {what} without any password, so {flag} would protect nothing"
        ))
        .fix(format!(
            "drop {flag}, or keep a password with --profile compat (or aes)"
        )));
    }
    Ok(())
}

impl NewPasswordArgs {
    /// The password of `what`, a PFX written in `profile`: none at all for `--profile
    /// none` (see the module docs; `keys` names what the warning says is stored
    /// unencrypted), else [`resolve`](Self::resolve).
    pub fn resolve_for_profile(
        &self,
        profile: Profile,
        what: &str,
        keys: &str,
    ) -> Result<Secret, CliError> {
        refuse_password_without_protection(profile, self.given(), what, "the password flag")?;
        if profile == Profile::None {
            crate::log::note!("warning: {}", unprotected_warning(keys));
            return Ok(Secret::empty());
        }
        self.resolve(what)
    }
}
