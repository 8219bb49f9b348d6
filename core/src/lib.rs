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

pub mod aad;
pub mod arm;
pub mod asm;
pub mod bundle;
pub mod cloud;
pub mod diagnose;
pub mod error;
pub mod export;
pub mod fsutil;
pub mod generate;
pub mod http;
pub mod ids;
pub mod inspect;
pub mod keys;
pub mod pfx;
pub mod publishsettings;
pub mod secret;

pub use error::{Error, ErrorKind, Result};
