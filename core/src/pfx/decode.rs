//! The PKCS#12 decoder: reads the structures from BER the way OpenSSL reads them
//! (indefinite lengths, constructed OCTET STRINGs, explicitly encoded DEFAULT values);
//! values kept from the input are re-encoded as DER by `ber::to_der`. Writing is in
//! `encode`.
//!
//! Reading goes through `yasna`, whose BER mode accepts everything NSS, Windows, Java and
//! OpenSSL write. Strict DER readers (the `der` crate) reject real files, so they are not
//! used here.

use yasna::models::ObjectIdentifier;
use yasna::{ASN1Error, ASN1ErrorKind, ASN1Result, BERReader, Tag};

use super::bags::Attribute;
use super::ber::{invalid, parse, to_der};
use super::oids::{self, is_oid};

/// Words for a yasna error, for messages that say what was wrong.
pub(crate) fn explain(e: ASN1Error) -> &'static str {
    match e.kind() {
        ASN1ErrorKind::Eof => "the data ends too early (truncated?)",
        ASN1ErrorKind::Extra => "unexpected bytes after the end of the structure",
        ASN1ErrorKind::IntegerOverflow => "a number is too large",
        ASN1ErrorKind::StackOverflow => "nested too deeply",
        ASN1ErrorKind::Invalid => "invalid or unexpected ASN.1 encoding",
    }
}

/// The outer PFX structure.
pub(crate) struct RawPfx {
    /// The AuthenticatedSafe's DER/BER bytes (the content of the Data ContentInfo).
    pub auth_safe: Vec<u8>,
    /// The MacData, if present.
    pub mac: Option<RawMac>,
}

/// MacData.
pub(crate) struct RawMac {
    pub algorithm: ObjectIdentifier,
    pub digest: Vec<u8>,
    pub salt: Vec<u8>,
    pub iterations: u64,
}

/// One ContentInfo of the AuthenticatedSafe.
pub(crate) enum RawContainer {
    /// Plain Data: the SafeContents bytes.
    Data(Vec<u8>),
    /// EncryptedData: the encryption AlgorithmIdentifier (DER) and the ciphertext.
    Encrypted {
        algorithm: Vec<u8>,
        ciphertext: Vec<u8>,
    },
    /// Any other content type (EnvelopedData, …).
    Other(ObjectIdentifier),
}

/// One SafeBag as found: its type, its value's DER and its attributes.
pub(crate) struct RawBag {
    pub bag_type: ObjectIdentifier,
    pub value: Vec<u8>,
    pub attributes: Vec<Attribute>,
}

/// Reads the outer `PFX ::= SEQUENCE { version, authSafe ContentInfo, macData OPTIONAL }`.
pub(crate) fn parse_pfx(data: &[u8]) -> Result<RawPfx, String> {
    parse(data, |r| {
        r.read_sequence(|r| {
            let version = r.next().read_u64()?;
            if version != 3 {
                return Err(invalid());
            }
            let auth_safe = r.next().read_sequence(|r| {
                let content_type = r.next().read_oid()?;
                if !is_oid(&content_type, oids::DATA) {
                    return Err(invalid());
                }
                r.next().read_tagged(Tag::context(0), |r| r.read_bytes())
            })?;
            let mac = r.read_optional(|r| {
                r.read_sequence(|r| {
                    let (algorithm, digest) = r.next().read_sequence(|r| {
                        let alg = r.next().read_sequence(|r| {
                            let oid = r.next().read_oid()?;
                            r.read_optional(|r| r.read_null())?;
                            Ok(oid)
                        })?;
                        Ok((alg, r.next().read_bytes()?))
                    })?;
                    let salt = r.next().read_bytes()?;
                    let iterations = r.read_default(1, |r| r.read_u64())?;
                    Ok(RawMac {
                        algorithm,
                        digest,
                        salt,
                        iterations,
                    })
                })
            })?;
            Ok(RawPfx { auth_safe, mac })
        })
    })
    .map_err(|e| {
        if data.first() != Some(&0x30) {
            "not a PKCS#12 (PFX) file".to_string()
        } else {
            format!("the outer PFX structure: {}", explain(e))
        }
    })
}

/// Reads `AuthenticatedSafe ::= SEQUENCE OF ContentInfo`.
pub(crate) fn parse_auth_safe(data: &[u8]) -> ASN1Result<Vec<RawContainer>> {
    parse(data, |r| {
        r.collect_sequence_of(|r| {
            r.read_sequence(|r| {
                let content_type = r.next().read_oid()?;
                if is_oid(&content_type, oids::DATA) {
                    let data =
                        r.read_optional(|r| r.read_tagged(Tag::context(0), |r| r.read_bytes()))?;
                    Ok(RawContainer::Data(data.unwrap_or_default()))
                } else if is_oid(&content_type, oids::ENCRYPTED_DATA) {
                    r.next().read_tagged(Tag::context(0), read_encrypted_data)
                } else {
                    r.read_optional(|r| r.read_der())?;
                    Ok(RawContainer::Other(content_type))
                }
            })
        })
    })
}

fn read_encrypted_data(r: BERReader) -> ASN1Result<RawContainer> {
    r.read_sequence(|r| {
        r.next().read_u64()?;
        let (algorithm, ciphertext) = r.next().read_sequence(|r| {
            r.next().read_oid()?;
            let algorithm = to_der(&r.next().read_der()?)?;
            let ct =
                r.read_optional(|r| r.read_tagged_implicit(Tag::context(0), |r| r.read_bytes()))?;
            Ok((algorithm, ct.unwrap_or_default()))
        })?;
        // CMS unprotectedAttrs [1]: nothing to keep from it.
        r.read_optional(|r| r.read_der())?;
        Ok(RawContainer::Encrypted {
            algorithm,
            ciphertext,
        })
    })
}

/// Reads `SafeContents ::= SEQUENCE OF SafeBag`.
pub(crate) fn parse_safe_contents(data: &[u8]) -> ASN1Result<Vec<RawBag>> {
    parse(data, |r| {
        r.collect_sequence_of(|r| {
            r.read_sequence(|r| {
                let bag_type = r.next().read_oid()?;
                let value = r.next().read_tagged(Tag::context(0), |r| r.read_der())?;
                let value = to_der(&value)?;
                let attributes = r
                    .read_optional(|r| r.collect_set_of(read_attribute))?
                    .unwrap_or_default();
                Ok(RawBag {
                    bag_type,
                    value,
                    attributes,
                })
            })
        })
    })
}

fn read_attribute(r: BERReader) -> ASN1Result<Attribute> {
    r.read_sequence(|r| {
        let oid = r.next().read_oid()?;
        let raw = r.next().collect_set_of(|r| r.read_der())?;
        let values = raw
            .iter()
            .map(|v| to_der(v))
            .collect::<ASN1Result<Vec<_>>>()?;
        Ok(Attribute { oid, values })
    })
}

/// An AlgorithmIdentifier: its OID and the DER of its parameters, if any.
pub(crate) struct AlgorithmId {
    pub oid: ObjectIdentifier,
    pub params: Option<Vec<u8>>,
}

/// Reads an AlgorithmIdentifier from DER.
pub(crate) fn parse_algorithm(der: &[u8]) -> ASN1Result<AlgorithmId> {
    parse(der, read_algorithm)
}

pub(crate) fn read_algorithm(r: BERReader) -> ASN1Result<AlgorithmId> {
    r.read_sequence(|r| {
        let oid = r.next().read_oid()?;
        let params = r.read_optional(|r| r.read_der())?;
        Ok(AlgorithmId { oid, params })
    })
}

/// Reads `EncryptedPrivateKeyInfo ::= SEQUENCE { AlgorithmIdentifier, OCTET STRING }`.
pub(crate) fn parse_encrypted_key(der: &[u8]) -> ASN1Result<(Vec<u8>, Vec<u8>)> {
    parse(der, |r| {
        r.read_sequence(|r| {
            let alg = r.next().read_der()?;
            let ct = r.next().read_bytes()?;
            Ok((alg, ct))
        })
    })
}

/// Reads `CertBag`/`CRLBag ::= SEQUENCE { id OID, value [0] EXPLICIT ANY }`.
pub(crate) fn parse_typed_value(der: &[u8]) -> ASN1Result<(ObjectIdentifier, Vec<u8>)> {
    parse(der, |r| {
        r.read_sequence(|r| {
            let id = r.next().read_oid()?;
            let value = r.next().read_tagged(Tag::context(0), |r| r.read_der())?;
            Ok((id, value))
        })
    })
}

/// Checks that `der` is one complete ASN.1 SEQUENCE (used to tell a good decryption of a
/// PrivateKeyInfo or SafeContents from garbage that happens to have valid padding).
pub(crate) fn is_sequence(der: &[u8]) -> bool {
    der.first() == Some(&0x30) && parse(der, |r| r.read_der()).is_ok()
}
