//! Opening a protected input (a PFX, an encrypted PEM, an encrypted private key) with
//! the password a [`SecretChain`] finds, in one of the orders below: the one place that
//! decides when the empty password is tried.

use std::path::Path;

use certtool_core::bundle::{self, CredentialBundle};
use certtool_core::secret::Secret;
use certtool_core::Error as CoreError;

use super::chain::{key_password_chain, SecretChain, SecretOrigin};
use super::flags::PasswordArgs;
use crate::envfile::Found;
use crate::error::{CliError, ExitKind, PASSWORD_FLAGS};
use crate::io::Source;

/// When the password is tried against the empty one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// The password a flag names first (a protected file, the usual case, is then derived
    /// once, not after the empty password's two forms); without such a flag, the empty
    /// password, then the chain's conventional variable or prompt.
    GivenFirst(IfGivenFails),
    /// No password first (`open(None)`; a PFX is tried with the empty password in both
    /// encodings), and the chain only when that fails for want of one.
    EmptyFirst,
}

/// What happens when the password a flag names does not open the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IfGivenFails {
    /// Try the empty password too: a password-free file where a password was passed
    /// anyway still opens (reading a credential).
    TryEmpty,
    /// Fail with the given password's error (`strip-pfx`: the user said which password
    /// the file has).
    Fail,
}

/// Opens a protected input in `order`; `missing` makes the error when the empty password
/// fails and no source has one (it gets what failed). The origin is `None` when no
/// password was needed.
pub fn open_protected<T>(
    chain: &SecretChain<'_>,
    input: &str,
    order: Order,
    mut open: impl FnMut(Option<&Secret>) -> certtool_core::Result<T>,
    missing: impl FnOnce(&str) -> CliError,
) -> Result<(T, Option<SecretOrigin>), CliError> {
    if let Order::GivenFirst(if_fails) = order {
        if chain.names_a_source() {
            if let Some((password, origin)) = chain.resolve(input)? {
                return match (open(Some(&password)), if_fails) {
                    (Err(given @ CoreError::WrongPassword { .. }), IfGivenFails::TryEmpty) => {
                        match open(None) {
                            Err(CoreError::WrongPassword { .. }) => Err(given.into()),
                            other => Ok((other?, None)),
                        }
                    }
                    (result, _) => Ok((result?, Some(origin))),
                };
            }
        }
    }
    match open(None) {
        Err(CoreError::WrongPassword { detail, .. }) => match chain.resolve(input)? {
            Some((password, origin)) => Ok((open(Some(&password))?, Some(origin))),
            None => Err(missing(&detail)),
        },
        other => Ok((other?, None)),
    }
}

/// Reads a certificate file (PFX, PEM or DER) with the password from the flags, a
/// conventional variable (`conventional`, already looked up) or a prompt; a file that
/// needs none opens without one.
pub fn load_credential(
    source: &Source,
    passwords: &PasswordArgs,
    conventional: Option<Found>,
) -> Result<CredentialBundle, CliError> {
    crate::io::at_most_one_stdin(&[("IN", *source == Source::Stdin), passwords.stdin_claim()])?;
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
    let (bundle, _) = open_protected(
        &chain,
        name,
        Order::GivenFirst(IfGivenFails::TryEmpty),
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
        Order::EmptyFirst,
        |password| certtool_core::keys::load_private_key(&data, password, &name),
        |_| missing_key_password(&name),
    )?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::password::chain::tests::file_with;

    fn wrong(password: Option<&Secret>) -> certtool_core::Result<u8> {
        match password {
            Some(p) if p.expose() == "pw" => Ok(2),
            _ => Err(CoreError::WrongPassword {
                input: "x".into(),
                detail: "the MAC check failed".into(),
            }),
        }
    }

    #[test]
    fn empty_first_asks_only_when_the_empty_password_fails() {
        let file = file_with(b"pw");
        let chain = SecretChain::existing(None, Some(("--password-file", file.path())), false);
        let (value, origin) = open_protected(
            &chain,
            "x",
            Order::EmptyFirst,
            |_| Ok(1),
            |_| unreachable!(),
        )
        .unwrap();
        assert_eq!((value, origin), (1, None));
        let (value, origin) =
            open_protected(&chain, "x", Order::EmptyFirst, wrong, |_| unreachable!()).unwrap();
        assert_eq!(value, 2);
        assert_eq!(origin, Some(SecretOrigin::Flag("--password-file".into())));
        let none = SecretChain::existing(None, None, false);
        let err = open_protected(&none, "x", Order::EmptyFirst, wrong, |detail| {
            CliError::usage(detail)
        })
        .unwrap_err();
        assert_eq!(err.message, "the MAC check failed");
    }

    #[test]
    fn given_first_tries_the_flag_once_then_the_empty_password_only_if_asked() {
        let file = file_with(b"not-it");
        let chain = SecretChain::existing(None, Some(("--password-file", file.path())), false);
        let mut tried = Vec::new();
        let free = |password: Option<&Secret>| -> certtool_core::Result<u8> {
            tried.push(password.map(|p| p.expose().to_string()));
            match password {
                None => Ok(7),
                Some(_) => Err(CoreError::WrongPassword {
                    input: "x".into(),
                    detail: "the MAC check failed".into(),
                }),
            }
        };
        let opened = open_protected(
            &chain,
            "x",
            Order::GivenFirst(IfGivenFails::TryEmpty),
            free,
            |_| unreachable!(),
        )
        .unwrap();
        assert_eq!(opened, (7, None));
        assert_eq!(tried, [Some("not-it".to_string()), None]);
        let refused = open_protected(
            &chain,
            "x",
            Order::GivenFirst(IfGivenFails::Fail),
            |p: Option<&Secret>| match p {
                None => Ok(7),
                Some(_) => wrong(p),
            },
            |_| unreachable!(),
        )
        .unwrap_err();
        assert_eq!(refused.kind, ExitKind::Password);
    }
}
