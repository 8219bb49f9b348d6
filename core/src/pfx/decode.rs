//! The PKCS#12 decoder: reads the structures from BER the way OpenSSL reads them
//! (indefinite lengths, constructed OCTET STRINGs, explicitly encoded DEFAULT values);
//! values kept from the input are re-encoded as DER by `ber::to_der`. Writing is in
//! `encode`.
//!
//! Reading goes through `yasna`, whose BER mode accepts everything NSS, Windows, Java and
//! OpenSSL write. Strict DER readers (the `der` crate) reject real files, so they are not
//! used here.

use yasna::models::ObjectIdentifier;
use yasna::tags::TAG_OID;
use yasna::{ASN1Error, ASN1ErrorKind, ASN1Result, BERReader, PCBit, Tag};

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

/// Reads an OBJECT IDENTIFIER.
///
/// Not yasna's `read_oid`: yasna 0.6 refuses every content octet equal to `0x80`, but
/// X.690 (8.19.2) forbids `0x80` only as the *first* octet of a subidentifier (a
/// non-minimal leading zero digit). Inside a subidentifier it is the base-128 digit 0:
/// arc 4204662 is `82 80 D0 76`, arc 16384 is `81 80 00`. OpenSSL reads such OIDs (and
/// yasna's own writer produces them), so a bag attribute or bag type with one made a
/// valid file fail to open.
pub(crate) fn read_oid(r: BERReader) -> ASN1Result<ObjectIdentifier> {
    let element = r.read_tagged_der()?;
    if element.tag() != TAG_OID || element.pcbit() != PCBit::Primitive {
        return Err(invalid());
    }
    oid_from_content(element.value())
}

/// The arcs of an OBJECT IDENTIFIER's content octets (X.690 8.19).
fn oid_from_content(content: &[u8]) -> ASN1Result<ObjectIdentifier> {
    // Empty content has no subidentifier; a last octet with bit 8 set leaves one unfinished.
    if content.last().is_none_or(|&b| b & 0x80 != 0) {
        return Err(invalid());
    }
    let mut arcs = Vec::new();
    let mut subid: u64 = 0;
    let mut starts_subid = true;
    for &b in content {
        if starts_subid && b == 0x80 {
            return Err(invalid());
        }
        subid = subid
            .checked_mul(128)
            .ok_or_else(|| ASN1Error::new(ASN1ErrorKind::IntegerOverflow))?
            | u64::from(b & 0x7f);
        starts_subid = b & 0x80 == 0;
        if starts_subid {
            if arcs.is_empty() {
                // The first subidentifier is 40 * first arc + second arc (8.19.4); only
                // under arc 2 may the second arc be 40 or more.
                let first = (subid / 40).min(2);
                arcs.extend([first, subid - 40 * first]);
            } else {
                arcs.push(subid);
            }
            subid = 0;
        }
    }
    Ok(ObjectIdentifier::new(arcs))
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
                let content_type = read_oid(r.next())?;
                if !is_oid(&content_type, oids::DATA) {
                    return Err(invalid());
                }
                r.next().read_tagged(Tag::context(0), |r| r.read_bytes())
            })?;
            let mac = r.read_optional(|r| {
                r.read_sequence(|r| {
                    let (algorithm, digest) = r.next().read_sequence(|r| {
                        let alg = r.next().read_sequence(|r| {
                            let oid = read_oid(r.next())?;
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
                let content_type = read_oid(r.next())?;
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
            read_oid(r.next())?;
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
                let bag_type = read_oid(r.next())?;
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
        let oid = read_oid(r.next())?;
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
        let oid = read_oid(r.next())?;
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
            let id = read_oid(r.next())?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn oid(content: &[u8]) -> ASN1Result<Vec<u64>> {
        let mut der = vec![0x06, content.len() as u8];
        der.extend_from_slice(content);
        parse(&der, read_oid).map(|o| o.components().clone())
    }

    #[test]
    fn oid_arcs_with_a_zero_digit_inside_are_read() {
        // 1.1.4204662: the arc from the pfx_built fuzz crash, `82 80 D0 76`.
        assert_eq!(
            oid(&[0x29, 0x82, 0x80, 0xD0, 0x76]).unwrap(),
            [1, 1, 4204662]
        );
        assert_eq!(oid(&[0x2A, 0x81, 0x80, 0x00]).unwrap(), [1, 2, 16384]);
        // What yasna writes, read back, for arcs with zero digits and at the edges.
        for arcs in [
            &[1, 2, 840, 113549, 1, 12, 10, 1, 3][..],
            &[2, 999, 3],
            &[2, 16384, 128, 0],
            &[0, 39, 2_097_152, u64::MAX],
        ] {
            let der = yasna::construct_der(|w| w.write_oid(&ObjectIdentifier::from_slice(arcs)));
            let read = parse(&der, read_oid).unwrap();
            assert_eq!(read.components().as_slice(), arcs, "{der:02x?}");
        }
    }

    #[test]
    fn malformed_oids_are_refused() {
        for bad in [
            &[][..],                   // no subidentifier
            &[0x2A, 0x80, 0x01],       // leading zero digit (non-minimal)
            &[0x80, 0x2A],             // the same in the first subidentifier
            &[0x2A, 0x81],             // last subidentifier unfinished
            &[0x2A, 0x82, 0x80, 0x80], // unfinished after a zero digit
        ] {
            assert!(oid(bad).is_err(), "{bad:02x?}");
        }
        let mut too_big = vec![0x2A, 0x82];
        too_big.extend([0x80; 9]);
        too_big.push(0x00);
        assert_eq!(
            oid(&too_big).unwrap_err().kind(),
            ASN1ErrorKind::IntegerOverflow
        );
        // Constructed, or another tag: not an OID.
        assert!(parse(&[0x26, 0x01, 0x2A], read_oid).is_err());
        assert!(parse(&[0x04, 0x01, 0x2A], read_oid).is_err());
    }
}
