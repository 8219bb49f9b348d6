//! A credential in a file a flag names (`--cert`, `--secret-file`,
//! `--federated-token-file`); `-` is stdin.

use std::path::Path;

use super::{CredentialSource, Found, Material};
use crate::envfile::EnvLookup;
use crate::error::CliError;
use crate::io::Source;
use crate::password::read::secret_from_path;

/// What the file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A certificate (PFX, PEM or DER).
    Certificate,
    /// A client secret (one trailing newline ignored).
    Secret,
    /// A federated token.
    Token,
}

/// The file `flag` names.
pub struct FileSource<'a> {
    /// The flag, as the origin line names it.
    pub flag: &'static str,
    /// The path given (`-` for stdin).
    pub path: &'a Path,
    /// What it holds.
    pub kind: FileKind,
}

impl CredentialSource for FileSource<'_> {
    fn find(&self, _env: &EnvLookup) -> Result<Option<Found>, CliError> {
        let source = Source::parse(self.path);
        let name = source.name();
        let flag = self.flag;
        let found = match self.kind {
            FileKind::Secret => Found {
                material: Material::Secret(secret_from_path(self.path)?),
                origin: format!("{name} ({flag}; value not shown)"),
            },
            FileKind::Certificate => Found {
                material: Material::Certificate {
                    data: zeroize::Zeroizing::new(source.read()?),
                    name: name.clone(),
                },
                origin: format!("{name} ({flag})"),
            },
            FileKind::Token => Found {
                material: Material::FederatedToken {
                    data: zeroize::Zeroizing::new(source.read()?),
                    name: name.clone(),
                },
                origin: format!("{name} ({flag})"),
            },
        };
        Ok(Some(found))
    }
}
