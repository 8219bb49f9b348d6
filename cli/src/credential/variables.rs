//! Credentials in conventional variables (the Azure SDKs' and Terraform's), in the
//! environment or a `.env` file. A table is tried as one: the first of its names set in
//! the environment, else the first in the file (the environment wins, as with dotenv
//! tools); the row found says how to read the value.

use base64::Engine;
use certtool_core::secret::Secret;
use zeroize::Zeroizing;

use super::{CredentialSource, Found, Material};
use crate::envfile::{self, EnvLookup};
use crate::error::{CliError, ExitKind};
use crate::io::Source;

/// What a variable's value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A client secret.
    Secret,
    /// The path of a certificate file.
    CertificatePath,
    /// A base64 PKCS#12 (Terraform's `ARM_CLIENT_CERTIFICATE`).
    CertificateBase64,
    /// A federated token.
    Token,
    /// The path of a file holding a federated token.
    TokenPath,
}

/// One conventional variable.
#[derive(Debug, Clone, Copy)]
pub struct Variable {
    name: &'static str,
    kind: Kind,
}

impl Variable {
    /// The variable `name`, holding a `kind`.
    pub const fn new(name: &'static str, kind: Kind) -> Self {
        Variable { name, kind }
    }
}

/// Variables tried as one, in order.
#[derive(Debug, Clone, Copy)]
pub struct Variables(pub &'static [Variable]);

impl Variables {
    /// The names, in order.
    pub fn names(&self) -> impl Iterator<Item = &'static str> {
        self.0.iter().map(|v| v.name)
    }
}

impl CredentialSource for Variables {
    fn find(&self, env: &EnvLookup) -> Result<Option<Found>, CliError> {
        let names: Vec<&'static str> = self.names().collect();
        let Some(found) = env.first(&names) else {
            return Ok(None);
        };
        let kind = self
            .0
            .iter()
            .find(|v| v.name == found.name)
            .map(|v| v.kind)
            .expect("the name found is one of the table's");
        read(kind, found).map(Some)
    }
}

/// The credential a variable holds.
fn read(kind: Kind, found: envfile::Found) -> Result<Found, CliError> {
    let origin = found.origin.to_string();
    let from_file = |what: fn(Zeroizing<Vec<u8>>, String) -> Material| {
        let source = Source::parse(std::path::Path::new(found.value.trim()));
        let data = Zeroizing::new(source.read()?);
        Ok::<_, CliError>(Found {
            material: what(data, source.name()),
            origin: format!("{} ({origin})", source.name()),
        })
    };
    match kind {
        Kind::Secret => Ok(Found {
            material: Material::Secret(Secret::new(found.value.to_string())),
            origin: format!("{origin} (value not shown)"),
        }),
        Kind::Token => Ok(Found {
            material: Material::FederatedToken {
                data: Zeroizing::new(found.value.as_bytes().to_vec()),
                name: found.name.to_string(),
            },
            origin: format!("{origin} (value not shown)"),
        }),
        Kind::CertificateBase64 => {
            let compact: Zeroizing<String> =
                Zeroizing::new(found.value.chars().filter(|c| !c.is_whitespace()).collect());
            let data = Zeroizing::new(
                base64::engine::general_purpose::STANDARD
                    .decode(compact.as_bytes())
                    .map_err(|_| {
                        CliError::new(
                            ExitKind::Input,
                            format!(
                                "{origin}: not base64 ({} holds a base64 PKCS#12)",
                                found.name
                            ),
                        )
                    })?,
            );
            Ok(Found {
                material: Material::Certificate {
                    data,
                    name: found.name.to_string(),
                },
                origin: format!("{origin} (base64 PKCS#12)"),
            })
        }
        Kind::CertificatePath => from_file(|data, name| Material::Certificate { data, name }),
        Kind::TokenPath => from_file(|data, name| Material::FederatedToken { data, name }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::Origin;

    fn found(name: &'static str, value: &str) -> envfile::Found {
        envfile::Found {
            value: Zeroizing::new(value.into()),
            name,
            origin: Origin::Env(name),
        }
    }

    #[test]
    fn each_kind_reads_its_value_and_never_shows_a_secret() {
        let secret = read(Kind::Secret, found("S", "hunter2")).unwrap();
        assert_eq!(secret.origin, "environment variable S (value not shown)");
        assert!(matches!(secret.material, Material::Secret(s) if s.expose() == "hunter2"));
        let cert = read(Kind::CertificateBase64, found("B", "AAEC\n AwQ=")).unwrap();
        assert_eq!(cert.origin, "environment variable B (base64 PKCS#12)");
        assert!(
            matches!(cert.material, Material::Certificate { data, .. } if *data == [0, 1, 2, 3, 4])
        );
        let err = read(Kind::CertificateBase64, found("B", "not base64!"))
            .err()
            .unwrap();
        assert_eq!(err.kind, ExitKind::Input);
        assert!(err.message.contains("(B holds a base64 PKCS#12)"));
    }

    #[test]
    fn a_path_is_read_and_named() {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        std::io::Write::write_all(&mut file, b"token").unwrap();
        let path = file.path().display().to_string();
        let token = read(Kind::TokenPath, found("T", &format!(" {path}\n"))).unwrap();
        assert_eq!(token.origin, format!("{path} (environment variable T)"));
        assert!(
            matches!(token.material, Material::FederatedToken { data, .. } if *data == *b"token")
        );
    }
}
