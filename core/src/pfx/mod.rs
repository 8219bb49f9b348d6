//! PKCS#12 (PFX) files: read any PFX users hold, report how it is protected, and write
//! one in a named [`Profile`], at the level of SafeContents and SafeBags.
//!
//! A file is opened into a [`Pfx`]: its containers (the AuthenticatedSafe's ContentInfos)
//! in order, each with its [`SafeBag`]s in order, every bag attribute kept as DER bytes.
//! Writing re-encodes exactly those bags under new protection, so nothing but the
//! protection changes: that is what [`strip`] does, and [`build`] writes a new PFX through
//! the same writer, which reads its output back (`verify`) before returning it.
//!
//! Modules, leaves first: `oids` and `ber` (no dependencies), `protection` (plain data),
//! `bags` (the model), `encode` and `decode` (DER out, BER in), `crypto` and `pbe` (the
//! algorithms and which library implements each), `read`, `verify`, `write`, `build` and
//! `strip`. No module imports one that imports it.

mod bags;
mod ber;
mod build;
mod crypto;
mod decode;
mod encode;
mod kdf;
mod oids;
mod pbe;
#[cfg(test)]
mod pbe_tests;
mod protection;
mod read;
#[cfg(test)]
mod roundtrip_tests;
mod strip;
#[cfg(test)]
mod tests;
mod verify;
mod write;

pub use bags::{Attribute, BagValue, Container, Pfx, SafeBag};
pub use build::{build, x509_bag};
pub use protection::{
    EncryptionInfo, MacInfo, PasswordForm, Profile, Protection, Protects, ITERATIONS,
};
pub use read::{looks_like_pfx, open, read, Opened, PfxCertificate, PfxContents, PfxKey};
pub use strip::{strip, BagSummary, StripOptions, StripOutcome};
pub use verify::{compare, Difference};
pub use write::write;
pub use yasna::models::ObjectIdentifier;

/// The profile a PFX is written in when the user names none (`generate`, `export --format
/// pfx`, `strip-pfx`, `import`, `rotate arm`): the one every reader opens
/// (`docs/pfx-compatibility.md`).
pub const DEFAULT_PROFILE: Profile = Profile::Compat;
