//! Passwords, and the protected files they open, split by job:
//!
//! - [`read`]: a secret from the source a flag names (`--…-env VAR`, `--…-file PATH|-`),
//!   never repeating the name or path.
//! - [`chain`]: the order the sources of one password are tried (flag, conventional
//!   variable, prompt), and how its origin is named.
//! - [`flags`]: the clap groups, [`PasswordArgs`] and [`NewPasswordArgs`].
//! - [`open`]: opening a protected input with the password a chain finds, and when the
//!   empty password is tried.
//! - [`profile`]: what `--profile none` means for a new PFX's password.
//!
//! A password that protects something new may not be empty unless the user asked for
//! that (`--no-password`). Prompting is the CLI's job: the core never reads the terminal.
//! Where a certificate or client secret itself comes from is [`crate::credential`].

pub mod chain;
pub mod flags;
pub mod open;
pub mod profile;
pub mod read;

pub use chain::{key_password_chain, new_password_flags_chain, SecretOrigin};
pub use flags::{NewPasswordArgs, PasswordArgs};
pub use open::{
    load_credential, load_credential_bytes, load_key_file, missing_key_password, open_protected,
    IfGivenFails, Order,
};

/// The variable that holds a certificate's password by Azure SDK convention.
pub const AZURE_CERTIFICATE_PASSWORD: &str = "AZURE_CLIENT_CERTIFICATE_PASSWORD";

/// The variables that hold a certificate's password by Azure SDK, then Terraform,
/// convention: read when no password flag is given (`strip-pfx`, `test arm`).
pub const CERTIFICATE_PASSWORD_VARS: &[&str] = &[
    AZURE_CERTIFICATE_PASSWORD,
    "ARM_CLIENT_CERTIFICATE_PASSWORD",
];
