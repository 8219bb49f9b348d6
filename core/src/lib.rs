//! `certtool-core`: every certtool capability as a plain library API.
//!
//! The crate never prints, never reads argv and never exits: it takes values and returns
//! values or typed [`Error`]s. The `certtool` binary owns prompts, output, exit codes and
//! the choice of every path read or written.
//!
//! Two things the binary does not own:
//! - **Environment**: the one place core reads variables is the proxy set
//!   (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`, either case). reqwest honours
//!   them when it connects, and [`proxy`] reads the same ones to name the proxy that
//!   failed, so the two cannot disagree.
//! - **Files**: core opens the files it is given paths to (a password file,
//!   [`secret`]) and writes only through [`fsutil`]: a temporary file beside the
//!   destination, then a rename, private files 0600. [`rotate`] uses it to stage the new
//!   PFX and put it in place, because a rotation must hold the file before it registers
//!   the certificate.
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
pub mod audit;
pub mod bundle;
pub mod cloud;
pub mod create;
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
