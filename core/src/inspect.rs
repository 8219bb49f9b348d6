//! A report of what a certificate file holds and whether each certificate is fit to be
//! an ASM management certificate or an Entra ID app credential. The report is
//! serde-serializable: `certtool inspect --output json` prints it, and its field names are
//! a stable schema.

use serde::Serialize;
use time::OffsetDateTime;
use x509_parser::objects::{oid2sn, oid_registry};

use crate::bundle::{CredentialBundle, InputFormat};
use crate::error::{Error, Result};
use crate::keys::{self, MIN_RSA_BITS};
use crate::pfx::Protection;
use crate::x509::{days_until, parse, rfc3339, thumbprint_sha1, thumbprint_sha256};

/// The key inside a certificate.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct KeyInfo {
    /// `RSA`, `EC`, `Ed25519`, …
    pub algorithm: String,
    /// Size in bits.
    pub bits: u32,
}

/// Whether the file holds the private key of a certificate.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PrivateKeyStatus {
    /// The file holds a private key.
    pub present: bool,
    /// That key is this certificate's.
    pub matches: bool,
}

/// How fit a certificate is for one use.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Fit.
    Ok,
    /// Usable, with something the user should know.
    Warning,
    /// Azure will refuse it.
    Unfit,
}

/// How fit a certificate is for one use, with the reasons (empty when ok).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Fitness {
    /// The overall status: the worst of the reasons.
    pub status: Status,
    /// One sentence per finding.
    pub reasons: Vec<String>,
}

impl Fitness {
    fn new() -> Self {
        Fitness {
            status: Status::Ok,
            reasons: Vec::new(),
        }
    }
    fn add(&mut self, status: Status, reason: impl Into<String>) {
        self.status = self.status.max(status);
        self.reasons.push(reason.into());
    }
}

/// A certificate's fitness for each of the two uses certtool judges.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FitnessByUse {
    /// As a legacy ASM management certificate.
    pub asm_management_cert: Fitness,
    /// As a certificate credential of an Entra ID app registration.
    pub entra_app_credential: Fitness,
}

/// Everything certtool reports about one certificate.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CertificateReport {
    /// Position in the file, from 0.
    pub index: usize,
    /// This is the leaf (the certificate the file is about).
    pub is_leaf: bool,
    /// Subject DN.
    pub subject: String,
    /// Issuer DN.
    pub issuer: String,
    /// Subject equals issuer.
    pub self_signed: bool,
    /// Serial number, upper-case hex.
    pub serial: String,
    /// X.509 version (1, 2 or 3).
    pub version: u32,
    /// Start of validity, RFC 3339.
    pub not_before: String,
    /// End of validity, RFC 3339.
    pub not_after: String,
    /// Whole days until `not_after` (negative once expired).
    pub days_to_expiry: i64,
    /// The public key.
    pub key: KeyInfo,
    /// Signature algorithm, e.g. `sha256WithRSAEncryption`.
    pub signature_algorithm: String,
    /// Key usage bits, e.g. `digitalSignature`.
    pub key_usage: Vec<String>,
    /// Extended key usages, e.g. `clientAuth`.
    pub extended_key_usage: Vec<String>,
    /// basicConstraints CA:TRUE.
    pub is_ca: bool,
    /// SHA-1 thumbprint as Azure shows it.
    pub thumbprint_sha1: String,
    /// SHA-256 thumbprint.
    pub thumbprint_sha256: String,
    /// The PFX friendlyName of this certificate, if any.
    pub friendly_name: Option<String>,
    /// Whether the file holds this certificate's private key.
    pub private_key: PrivateKeyStatus,
    /// Fitness for ASM and for Entra ID (`verdicts` in JSON, a stable field name).
    #[serde(rename = "verdicts")]
    pub fitness: FitnessByUse,
    #[serde(skip)]
    not_after_instant: OffsetDateTime,
}

/// The report of a whole file.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FileReport {
    /// The input's name.
    pub input: String,
    /// Its form.
    pub format: InputFormat,
    /// For a PFX, how it is protected (where known).
    pub protection: Option<Protection>,
    /// The file holds a private key.
    pub has_private_key: bool,
    /// Index of the leaf certificate.
    pub leaf_index: usize,
    /// Every certificate, in file order.
    pub certificates: Vec<CertificateReport>,
    /// For a PFX, which well-known consumers can open it (see [`crate::readers`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub readers: Option<crate::readers::ReadersReport>,
}

impl FileReport {
    /// The leaf's report.
    pub fn leaf(&self) -> &CertificateReport {
        &self.certificates[self.leaf_index]
    }

    /// True when the leaf expires within `days` days of `now` (or has expired): the
    /// pipeline expiry gate.
    pub fn leaf_expires_within(&self, days: u32, now: OffsetDateTime) -> bool {
        self.leaf().not_after_instant <= now + time::Duration::days(days.into())
    }
}

/// Inspects every certificate of a loaded file as of `now`.
pub fn inspect(bundle: &CredentialBundle, now: OffsetDateTime) -> Result<FileReport> {
    let leaf_index = bundle
        .leaf_index()
        .ok_or_else(|| Error::malformed(&bundle.input, "the file holds no certificate"))?;
    let mut certificates = Vec::new();
    for (index, cert) in bundle.certificates.iter().enumerate() {
        let der = cert
            .to_der()
            .map_err(Error::crypto("encoding a certificate"))?;
        let matches = bundle
            .key
            .as_ref()
            .is_some_and(|k| keys::key_matches(k, cert));
        let mut report = certificate_report(&der, now).map_err(|e| match e {
            Error::Malformed { detail, .. } => Error::malformed(&bundle.input, detail),
            other => other,
        })?;
        report.index = index;
        report.is_leaf = index == leaf_index;
        report.friendly_name = bundle.friendly_names.get(index).cloned().flatten();
        report.private_key = PrivateKeyStatus {
            present: bundle.key.is_some(),
            matches,
        };
        certificates.push(report);
    }
    Ok(FileReport {
        input: bundle.input.clone(),
        format: bundle.format,
        protection: bundle.protection.clone(),
        has_private_key: bundle.key.is_some(),
        leaf_index,
        certificates,
        readers: bundle
            .protection
            .as_ref()
            .map(|p| crate::readers::verdicts(p, bundle.key.is_some(), &bundle.input)),
    })
}

/// The report of one DER certificate as of `now` (private-key fields left false).
pub fn certificate_report(der: &[u8], now: OffsetDateTime) -> Result<CertificateReport> {
    let cert = parse(der)?;
    let validity = cert.validity();
    let not_before = validity.not_before.to_datetime();
    let not_after = validity.not_after.to_datetime();
    let openssl_cert = openssl::x509::X509::from_der(der)
        .map_err(|_| Error::malformed("certificate", "OpenSSL cannot read the certificate"))?;
    let public = openssl_cert
        .public_key()
        .map_err(|_| Error::malformed("certificate", "the public key cannot be read"))?;
    let key = KeyInfo {
        algorithm: key_algorithm_name(public.id()).into(),
        bits: public.bits(),
    };
    let sig_oid = &cert.signature_algorithm.algorithm;
    let signature_algorithm = oid2sn(sig_oid, oid_registry())
        .map(str::to_owned)
        .unwrap_or_else(|_| sig_oid.to_id_string());

    let mut key_usage = Vec::new();
    if let Ok(Some(ku)) = cert.key_usage() {
        let ku = ku.value;
        let flags = [
            (ku.digital_signature(), "digitalSignature"),
            (ku.non_repudiation(), "nonRepudiation"),
            (ku.key_encipherment(), "keyEncipherment"),
            (ku.data_encipherment(), "dataEncipherment"),
            (ku.key_agreement(), "keyAgreement"),
            (ku.key_cert_sign(), "keyCertSign"),
            (ku.crl_sign(), "cRLSign"),
            (ku.encipher_only(), "encipherOnly"),
            (ku.decipher_only(), "decipherOnly"),
        ];
        key_usage = flags
            .iter()
            .filter(|(on, _)| *on)
            .map(|(_, n)| n.to_string())
            .collect();
    }
    let mut extended_key_usage = Vec::new();
    if let Ok(Some(eku)) = cert.extended_key_usage() {
        let eku = eku.value;
        let flags = [
            (eku.any, "anyExtendedKeyUsage"),
            (eku.server_auth, "serverAuth"),
            (eku.client_auth, "clientAuth"),
            (eku.code_signing, "codeSigning"),
            (eku.email_protection, "emailProtection"),
            (eku.time_stamping, "timeStamping"),
            (eku.ocsp_signing, "OCSPSigning"),
        ];
        extended_key_usage = flags
            .iter()
            .filter(|(on, _)| *on)
            .map(|(_, n)| n.to_string())
            .collect();
        extended_key_usage.extend(eku.other.iter().map(|o| o.to_id_string()));
    }
    let is_ca = matches!(cert.basic_constraints(), Ok(Some(bc)) if bc.value.ca);
    let subject = cert.subject().to_string();
    let issuer = cert.issuer().to_string();
    let version = cert.version().0 + 1;

    let fitness = judge(
        &key,
        &signature_algorithm,
        version,
        not_before,
        not_after,
        now,
    );
    Ok(CertificateReport {
        index: 0,
        is_leaf: true,
        self_signed: subject == issuer,
        subject,
        issuer,
        serial: cert
            .raw_serial()
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect(),
        version,
        not_before: rfc3339(not_before),
        not_after: rfc3339(not_after),
        days_to_expiry: days_until(not_after, now),
        key,
        signature_algorithm,
        key_usage,
        extended_key_usage,
        is_ca,
        thumbprint_sha1: thumbprint_sha1(der),
        thumbprint_sha256: thumbprint_sha256(der),
        friendly_name: None,
        private_key: PrivateKeyStatus {
            present: false,
            matches: false,
        },
        fitness,
        not_after_instant: not_after,
    })
}

fn key_algorithm_name(id: openssl::pkey::Id) -> &'static str {
    use openssl::pkey::Id;
    match id {
        Id::RSA => "RSA",
        Id::RSA_PSS => "RSA-PSS",
        Id::EC => "EC",
        Id::ED25519 => "Ed25519",
        Id::DSA => "DSA",
        _ => "other",
    }
}

/// The fitness rules (`docs/azure.md` "ASM (Service Management)" and "Entra ID sign-in"):
/// ASM wants X.509 v3 with RSA ≥ 2048 and has been seen to accept expired certificates;
/// Entra ID wants RSA ≥ 2048 within its validity window (AADSTS1000502 otherwise). SHA-1
/// signatures still work but are a warning.
fn judge(
    key: &KeyInfo,
    signature_algorithm: &str,
    version: u32,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
    now: OffsetDateTime,
) -> FitnessByUse {
    let mut asm = Fitness::new();
    let mut entra = Fitness::new();
    if key.algorithm != "RSA" {
        let why = format!(
            "the key is {}, but Azure accepts only RSA certificates here",
            key.algorithm
        );
        asm.add(Status::Unfit, why.clone());
        entra.add(Status::Unfit, why);
    } else if key.bits < MIN_RSA_BITS {
        let why = format!(
            "the RSA key has {} bits; Azure requires at least {MIN_RSA_BITS}",
            key.bits
        );
        asm.add(Status::Unfit, why.clone());
        entra.add(Status::Unfit, why);
    }
    if version != 3 {
        asm.add(
            Status::Unfit,
            format!("X.509 version {version}: management certificates must be X.509 v3"),
        );
    }
    if signature_algorithm.to_ascii_lowercase().contains("sha1")
        || signature_algorithm.to_ascii_lowercase().contains("md5")
    {
        let why = format!("signed with {signature_algorithm}: regenerate with SHA-256");
        asm.add(Status::Warning, why.clone());
        entra.add(Status::Warning, why);
    }
    if not_after <= now {
        asm.add(
            Status::Warning,
            format!(
                "expired on {}: ASM has been seen to accept expired management certificates, but renew it",
                rfc3339(not_after)
            ),
        );
        entra.add(
            Status::Unfit,
            format!(
                "expired on {}: Entra ID refuses it (AADSTS1000502); renew it",
                rfc3339(not_after)
            ),
        );
    } else if not_before > now {
        let why = format!("not valid until {}", rfc3339(not_before));
        asm.add(Status::Warning, why.clone());
        entra.add(
            Status::Unfit,
            format!("{why}: Entra ID refuses it until then (AADSTS1000502)"),
        );
    }
    FitnessByUse {
        asm_management_cert: asm,
        entra_app_credential: entra,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn rsa(bits: u32) -> KeyInfo {
        KeyInfo {
            algorithm: "RSA".into(),
            bits,
        }
    }

    const NB: OffsetDateTime = datetime!(2026-01-01 0:00 UTC);
    const NA: OffsetDateTime = datetime!(2027-01-01 0:00 UTC);

    #[test]
    fn good_certificate_is_ok_for_both() {
        let v = judge(
            &rsa(2048),
            "sha256WithRSAEncryption",
            3,
            NB,
            NA,
            datetime!(2026-06-01 0:00 UTC),
        );
        assert_eq!(v.asm_management_cert.status, Status::Ok);
        assert_eq!(v.entra_app_credential.status, Status::Ok);
        assert!(v.asm_management_cert.reasons.is_empty());
    }

    #[test]
    fn weak_old_or_expired_certificates() {
        let mid = datetime!(2026-06-01 0:00 UTC);
        let v = judge(&rsa(1024), "sha256WithRSAEncryption", 3, NB, NA, mid);
        assert_eq!(v.asm_management_cert.status, Status::Unfit);
        assert!(v.entra_app_credential.reasons[0].contains("1024 bits"));

        let v = judge(&rsa(2048), "sha1WithRSAEncryption", 3, NB, NA, mid);
        assert_eq!(v.asm_management_cert.status, Status::Warning);
        assert_eq!(v.entra_app_credential.status, Status::Warning);

        let v = judge(
            &rsa(2048),
            "sha256WithRSAEncryption",
            3,
            NB,
            NA,
            datetime!(2027-02-01 0:00 UTC),
        );
        assert_eq!(v.asm_management_cert.status, Status::Warning);
        assert_eq!(v.entra_app_credential.status, Status::Unfit);
        assert!(v.entra_app_credential.reasons[0].contains("1000502"));

        let v = judge(
            &rsa(2048),
            "sha256WithRSAEncryption",
            3,
            NB,
            NA,
            datetime!(2025-12-01 0:00 UTC),
        );
        assert_eq!(v.asm_management_cert.status, Status::Warning);
        assert_eq!(v.entra_app_credential.status, Status::Unfit);

        let ec = KeyInfo {
            algorithm: "EC".into(),
            bits: 256,
        };
        let v = judge(&ec, "ecdsa-with-SHA256", 3, NB, NA, mid);
        assert_eq!(v.asm_management_cert.status, Status::Unfit);

        let v = judge(&rsa(2048), "sha256WithRSAEncryption", 1, NB, NA, mid);
        assert_eq!(v.asm_management_cert.status, Status::Unfit);
        assert_eq!(v.entra_app_credential.status, Status::Ok);
    }
}
