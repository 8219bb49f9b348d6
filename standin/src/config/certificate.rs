//! Registered certificates: management certificates and app credentials.

use std::path::Path;

use openssl::hash::{hash, MessageDigest};
use openssl::x509::X509;

use crate::StandInError;

/// A registered certificate (management certificate or app credential): DER bytes and
/// the parsed certificate.
#[derive(Clone, Debug)]
pub struct Certificate {
    x509: X509,
    der: Vec<u8>,
}

impl Certificate {
    /// From DER bytes (a `.cer`).
    pub fn from_der(der: &[u8]) -> Result<Self, StandInError> {
        let x509 = X509::from_der(der)
            .map_err(|e| StandInError::Config(format!("not a DER certificate: {e}")))?;
        Ok(Certificate {
            x509,
            der: der.to_vec(),
        })
    }

    /// From PEM text (the first certificate in it).
    pub fn from_pem(pem: &[u8]) -> Result<Self, StandInError> {
        let x509 = X509::from_pem(pem)
            .map_err(|e| StandInError::Config(format!("not a PEM certificate: {e}")))?;
        Self::from_x509(&x509)
    }

    /// From a parsed certificate.
    pub fn from_x509(x509: &X509) -> Result<Self, StandInError> {
        let der = x509
            .to_der()
            .map_err(|e| StandInError::Config(e.to_string()))?;
        Ok(Certificate {
            x509: x509.clone(),
            der,
        })
    }

    /// From a file holding DER or PEM.
    pub fn from_file(path: &Path) -> Result<Self, StandInError> {
        let bytes = std::fs::read(path)
            .map_err(|e| StandInError::Config(format!("cannot read {}: {e}", path.display())))?;
        if bytes.trim_ascii_start().starts_with(b"-----BEGIN") {
            Self::from_pem(&bytes)
        } else {
            Self::from_der(&bytes)
        }
        .map_err(|e| StandInError::Config(format!("{}: {e}", path.display())))
    }

    /// The DER encoding.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The parsed certificate.
    pub fn x509(&self) -> &X509 {
        &self.x509
    }

    /// Graph's `keyId` for this certificate as a credential (derived from the DER).
    pub fn key_id(&self) -> String {
        crate::ids::derived_guid("key credential", &self.sha1_thumbprint())
    }

    /// SHA-1 of the DER, upper-case hex, as Azure shows thumbprints.
    pub fn sha1_thumbprint(&self) -> String {
        digest_hex(MessageDigest::sha1(), &self.der)
    }
}

/// Upper-case hex digest of `data`.
pub(crate) fn digest_hex(md: MessageDigest, data: &[u8]) -> String {
    hash(md, data)
        .map(|d| d.iter().map(|b| format!("{b:02X}")).collect())
        .unwrap_or_default()
}
