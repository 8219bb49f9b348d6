//! The crate's error type. Every variant names the input it is about and says what is
//! wrong in words a user can act on; [`Error::kind`] tells the CLI which exit code fits.

use std::path::PathBuf;

/// Convenience alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The broad class of an [`Error`]: the CLI maps each to one exit code. Only classes
/// an [`Error`] can have are listed; what the cloud answers (a rejected credential, a
/// missing permission, a network failure) arrives in typed reports, not as an [`Error`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The request itself is not acceptable (a flag value, a refused unsafe choice).
    Usage,
    /// An input could not be read or is malformed.
    Input,
    /// A password was wrong or an integrity check failed.
    Password,
    /// Anything else (an internal or crypto library failure, an output that cannot be written).
    Other,
}

/// Everything that can go wrong in `certtool-core`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read (missing, a directory, no permission).
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file that could not be read.
        path: PathBuf,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
    /// A file could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file (or directory) that could not be written.
        path: PathBuf,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
    /// The input is not in a form certtool understands, or is damaged.
    #[error("{input}: {detail}")]
    Malformed {
        /// Which input (a path, `stdin`, or a named value).
        input: String,
        /// What is wrong, and where.
        detail: String,
    },
    /// The password was wrong, or an integrity check (MAC) failed.
    #[error("{input}: {detail}")]
    WrongPassword {
        /// Which input.
        input: String,
        /// What failed: the MAC, or the decryption of a bag.
        detail: String,
    },
    /// A private key was needed but the input holds none.
    #[error("{input}: no private key in this file{hint}")]
    MissingKey {
        /// Which input.
        input: String,
        /// Extra words on what to supply instead (may be empty).
        hint: String,
    },
    /// The private key does not belong to the certificate.
    #[error("{input}: the private key does not match the certificate")]
    KeyMismatch {
        /// Which input.
        input: String,
    },
    /// A request certtool refuses unless explicitly asked (weak key, overwrite, …).
    #[error("{0}")]
    Refused(String),
    /// A value given by the user is not acceptable.
    #[error("{0}")]
    InvalidArgument(String),
    /// OpenSSL failed in a way that is not the input's fault.
    #[error("OpenSSL failed while {context}: {source}")]
    Crypto {
        /// What certtool was doing.
        context: &'static str,
        /// OpenSSL's error queue.
        #[source]
        source: openssl::error::ErrorStack,
    },
    /// Building the certificate failed.
    #[error("could not build the certificate: {0}")]
    Certificate(String),
    /// certtool's check of its own output failed (a PFX written does not read back the
    /// same): a bug in certtool, never the input's fault. Nothing was written.
    #[error("internal check failed: {0}; nothing was written")]
    SelfCheck(String),
    /// The credential is readable but cannot work (expired, not yet valid, wrong key
    /// type), found by an offline check before anything is sent.
    #[error("{input}: {detail}")]
    Unfit {
        /// Which input.
        input: String,
        /// Why it cannot work.
        detail: String,
    },
}

impl Error {
    /// The class of this error, which decides the CLI's exit code.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Read { .. } | Error::Malformed { .. } => ErrorKind::Input,
            Error::MissingKey { .. } | Error::KeyMismatch { .. } => ErrorKind::Input,
            Error::Unfit { .. } => ErrorKind::Input,
            Error::WrongPassword { .. } => ErrorKind::Password,
            Error::Refused(_) | Error::InvalidArgument(_) => ErrorKind::Usage,
            Error::Write { .. }
            | Error::Crypto { .. }
            | Error::Certificate(_)
            | Error::SelfCheck(_) => ErrorKind::Other,
        }
    }

    /// Shorthand for a [`Error::Malformed`].
    pub fn malformed(input: impl Into<String>, detail: impl Into<String>) -> Self {
        Error::Malformed {
            input: input.into(),
            detail: detail.into(),
        }
    }

    /// Shorthand for a [`Error::Crypto`], for `map_err`.
    pub fn crypto(context: &'static str) -> impl FnOnce(openssl::error::ErrorStack) -> Self {
        move |source| Error::Crypto { context, source }
    }
}
