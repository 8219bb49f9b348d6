//! `certtool-core`: every certtool capability as a plain library API.
//!
//! The crate never prints, never reads environment variables or argv and never exits:
//! it takes values and returns values or typed [`Error`]s. The `certtool` binary owns
//! files, prompts, output and exit codes.
//!
//! One crypto stack: keys, signatures and digests go through OpenSSL (the `openssl`
//! crate). Certificates are assembled by `rcgen` (without its own crypto) and signed by
//! an OpenSSL key.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

/// Implements `Display` and `Serialize` for an enum through its `as_str`, so that the
/// word a value is shown as in text and in JSON has one source.
macro_rules! one_word {
    ($t:ty) => {
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}

pub mod access;
pub mod arm;
pub mod asm;
pub mod bundle;
pub mod cloud;
pub mod diagnose;
pub mod entra;
pub mod error;
pub mod export;
pub mod fsutil;
pub mod generate;
pub mod graph;
pub mod http;
pub mod ids;
pub mod inspect;
pub mod keys;
pub mod limits;
pub mod pfx;
pub mod proxy;
pub mod publishsettings;
pub mod readers;
pub mod redact;
pub mod rotate;
pub mod secret;
pub mod x509;

pub use error::{Error, ErrorKind, Result};
