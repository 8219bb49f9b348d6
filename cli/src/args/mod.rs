//! Flag groups shared by several commands, each defined once and flattened into every
//! command that takes it: [`NetworkArgs`] (`--cloud`, `--ca-file`, `--timeout`),
//! [`PfxProfileArgs`] (`--profile`, alias `--pfx-profile`), [`ExpiryArgs`]
//! (`--fail-within-days` and the gate it sets). `--output` is
//! [`crate::output::OutputArgs`]; the password flags are in [`crate::password`] and the
//! credential flags of `test arm` in [`crate::credential`].

mod expiry;
mod network;
mod pfx_profile;

pub use expiry::{Ending, ExpiryArgs};
pub use network::NetworkArgs;
pub use pfx_profile::{PfxProfileArgs, ProtectedOnly};

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
