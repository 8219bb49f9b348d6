//! Reading the PKCS#12 structures from BER the way OpenSSL reads them (indefinite
//! lengths, constructed OCTET STRINGs, explicitly encoded DEFAULT values); values kept
//! from the input are re-encoded as DER by [`to_der`]. Writing is in `encode`.
//!
//! Reading goes through `yasna`, whose BER mode accepts everything NSS, Windows, Java and
//! OpenSSL write. Strict DER readers (the `der` crate) reject real files, so they are not
//! used here.

use yasna::models::{ObjectIdentifier, TaggedDerValue};
use yasna::{ASN1Error, ASN1ErrorKind, ASN1Result, BERReader, PCBit, Tag, TagClass};

use super::Attribute;

/// Object identifiers used in PKCS#12 files, as arc lists.
pub(crate) mod oid {
    pub const DATA: &[u64] = &[1, 2, 840, 113549, 1, 7, 1];
    pub const ENVELOPED_DATA: &[u64] = &[1, 2, 840, 113549, 1, 7, 3];
    pub const ENCRYPTED_DATA: &[u64] = &[1, 2, 840, 113549, 1, 7, 6];
    pub const KEY_BAG: &[u64] = &[1, 2, 840, 113549, 1, 12, 10, 1, 1];
    pub const SHROUDED_KEY_BAG: &[u64] = &[1, 2, 840, 113549, 1, 12, 10, 1, 2];
    pub const CERT_BAG: &[u64] = &[1, 2, 840, 113549, 1, 12, 10, 1, 3];
    pub const CRL_BAG: &[u64] = &[1, 2, 840, 113549, 1, 12, 10, 1, 4];
    pub const SECRET_BAG: &[u64] = &[1, 2, 840, 113549, 1, 12, 10, 1, 5];
    pub const SAFE_CONTENTS_BAG: &[u64] = &[1, 2, 840, 113549, 1, 12, 10, 1, 6];
    pub const X509_CERTIFICATE: &[u64] = &[1, 2, 840, 113549, 1, 9, 22, 1];
    pub const FRIENDLY_NAME: &[u64] = &[1, 2, 840, 113549, 1, 9, 20];
    pub const LOCAL_KEY_ID: &[u64] = &[1, 2, 840, 113549, 1, 9, 21];
    pub const PBE_SHA1_RC4_128: &[u64] = &[1, 2, 840, 113549, 1, 12, 1, 1];
    pub const PBE_SHA1_RC4_40: &[u64] = &[1, 2, 840, 113549, 1, 12, 1, 2];
    pub const PBE_SHA1_3DES: &[u64] = &[1, 2, 840, 113549, 1, 12, 1, 3];
    pub const PBE_SHA1_2DES: &[u64] = &[1, 2, 840, 113549, 1, 12, 1, 4];
    pub const PBE_SHA1_RC2_128: &[u64] = &[1, 2, 840, 113549, 1, 12, 1, 5];
    pub const PBE_SHA1_RC2_40: &[u64] = &[1, 2, 840, 113549, 1, 12, 1, 6];
    pub const PBES2: &[u64] = &[1, 2, 840, 113549, 1, 5, 13];
    pub const PBKDF2: &[u64] = &[1, 2, 840, 113549, 1, 5, 12];
    pub const PBMAC1: &[u64] = &[1, 2, 840, 113549, 1, 5, 14];
    pub const HMAC_SHA1: &[u64] = &[1, 2, 840, 113549, 2, 7];
    pub const HMAC_SHA224: &[u64] = &[1, 2, 840, 113549, 2, 8];
    pub const HMAC_SHA256: &[u64] = &[1, 2, 840, 113549, 2, 9];
    pub const HMAC_SHA384: &[u64] = &[1, 2, 840, 113549, 2, 10];
    pub const HMAC_SHA512: &[u64] = &[1, 2, 840, 113549, 2, 11];
    pub const AES128_CBC: &[u64] = &[2, 16, 840, 1, 101, 3, 4, 1, 2];
    pub const AES192_CBC: &[u64] = &[2, 16, 840, 1, 101, 3, 4, 1, 22];
    pub const AES256_CBC: &[u64] = &[2, 16, 840, 1, 101, 3, 4, 1, 42];
    pub const DES_EDE3_CBC: &[u64] = &[1, 2, 840, 113549, 3, 7];
    pub const SHA1: &[u64] = &[1, 3, 14, 3, 2, 26];
    pub const SHA224: &[u64] = &[2, 16, 840, 1, 101, 3, 4, 2, 4];
    pub const SHA256: &[u64] = &[2, 16, 840, 1, 101, 3, 4, 2, 1];
    pub const SHA384: &[u64] = &[2, 16, 840, 1, 101, 3, 4, 2, 2];
    pub const SHA512: &[u64] = &[2, 16, 840, 1, 101, 3, 4, 2, 3];
}

/// `true` when `oid` is the arc list `arcs`.
pub(crate) fn is(oid: &ObjectIdentifier, arcs: &[u64]) -> bool {
    oid.components().as_slice() == arcs
}

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

fn invalid() -> ASN1Error {
    ASN1Error::new(ASN1ErrorKind::Invalid)
}

/// Parses `buf` as BER with yasna, after [`lengths_fit`] has checked every length field.
/// Every BER parse of untrusted bytes in this module goes through here.
pub(crate) fn parse<'a, T, F>(buf: &'a [u8], callback: F) -> ASN1Result<T>
where
    F: for<'b> FnOnce(BERReader<'a, 'b>) -> ASN1Result<T>,
{
    lengths_fit(buf)?;
    yasna::parse_ber(buf, callback)
}

/// Checks that every definite length in `buf`, at every depth, fits inside its enclosing
/// element. yasna 0.6 adds an element's length to its position without checking when it
/// skips an element (`read_der`, `read_tagged_der`), so a length field near 2^64 panics
/// there ("attempt to add with overflow"); this walk turns such input into an error first.
fn lengths_fit(buf: &[u8]) -> ASN1Result<()> {
    let mut pos = 0;
    while pos < buf.len() {
        pos = element_end(buf, pos, 0)?;
    }
    Ok(())
}

/// The end of the BER element starting at `pos` (nested elements checked too).
fn element_end(buf: &[u8], pos: usize, depth: usize) -> ASN1Result<usize> {
    let eof = || ASN1Error::new(ASN1ErrorKind::Eof);
    if depth > MAX_DEPTH * 2 {
        return Err(ASN1Error::new(ASN1ErrorKind::StackOverflow));
    }
    let first = *buf.get(pos).ok_or_else(eof)?;
    let constructed = first & 0x20 != 0;
    let mut p = pos + 1;
    if first & 0x1f == 0x1f {
        while *buf.get(p).ok_or_else(eof)? & 0x80 != 0 {
            p += 1;
        }
        p += 1;
    }
    let lbyte = *buf.get(p).ok_or_else(eof)?;
    p += 1;
    if lbyte == 0x80 {
        if !constructed {
            return Err(invalid());
        }
        loop {
            match buf.get(p..p + 2) {
                None => return Err(eof()),
                Some([0, 0]) => return Ok(p + 2),
                Some(_) => p = element_end(buf, p, depth + 1)?,
            }
        }
    }
    let len = if lbyte < 0x80 {
        usize::from(lbyte)
    } else {
        let n = usize::from(lbyte & 0x7f);
        if n > 4 {
            // No PFX is 4 GiB; longer length fields are hostile or broken.
            return Err(ASN1Error::new(ASN1ErrorKind::IntegerOverflow));
        }
        let mut v = 0usize;
        for _ in 0..n {
            v = (v << 8) | usize::from(*buf.get(p).ok_or_else(eof)?);
            p += 1;
        }
        v
    };
    let end = p.checked_add(len).ok_or_else(eof)?;
    if end > buf.len() {
        return Err(eof());
    }
    if constructed {
        let inner = &buf[..end];
        let mut q = p;
        while q < end {
            q = element_end(inner, q, depth + 1)?;
        }
    }
    Ok(end)
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
                if !is(&content_type, oid::DATA) {
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
                if is(&content_type, oid::DATA) {
                    let data =
                        r.read_optional(|r| r.read_tagged(Tag::context(0), |r| r.read_bytes()))?;
                    Ok(RawContainer::Data(data.unwrap_or_default()))
                } else if is(&content_type, oid::ENCRYPTED_DATA) {
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
            let algorithm = normalize(&r.next().read_der()?, 0)?;
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
                let value = normalize(&value, 0)?;
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
            .map(|v| normalize(v, 0))
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

/// The content of an OCTET STRING given as DER.
pub(crate) fn octet_string(der: &[u8]) -> ASN1Result<Vec<u8>> {
    parse(der, |r| r.read_bytes())
}

/// Checks that `der` is one complete ASN.1 SEQUENCE (used to tell a good decryption of a
/// PrivateKeyInfo or SafeContents from garbage that happens to have valid padding).
pub(crate) fn is_sequence(der: &[u8]) -> bool {
    der.first() == Some(&0x30) && parse(der, |r| r.read_der()).is_ok()
}

/// Re-encodes one BER element as DER: definite lengths, and constructed strings joined
/// into primitive ones. DER input comes out unchanged.
pub(crate) fn to_der(ber: &[u8]) -> ASN1Result<Vec<u8>> {
    normalize(ber, 0)
}

const MAX_DEPTH: usize = 48;

fn normalize(ber: &[u8], depth: usize) -> ASN1Result<Vec<u8>> {
    if depth > MAX_DEPTH {
        return Err(ASN1Error::new(ASN1ErrorKind::StackOverflow));
    }
    let value = parse(ber, |r| r.read_tagged_der())?;
    if value.pcbit() == PCBit::Primitive {
        return Ok(yasna::construct_der(|w| w.write_tagged_der(&value)));
    }
    let indefinite = is_indefinite(ber)?;
    let mut wrapped = vec![0x30, 0x80];
    wrapped.extend_from_slice(value.value());
    if !indefinite {
        wrapped.extend_from_slice(&[0, 0]);
    }
    let children: Vec<Vec<u8>> = parse(&wrapped, |r| {
        r.collect_sequence_of(|r| {
            let raw = r.read_der()?;
            normalize(&raw, depth + 1)
        })
    })?;
    let tag = value.tag();
    let joined = if tag.tag_class == TagClass::Universal && is_string_type(tag.tag_number) {
        Some(join_segments(tag.tag_number, &children)?)
    } else {
        None
    };
    let out = match joined {
        Some(content) => TaggedDerValue::from_tag_pc_and_bytes(tag, PCBit::Primitive, content),
        None => TaggedDerValue::from_tag_pc_and_bytes(tag, PCBit::Constructed, children.concat()),
    };
    Ok(yasna::construct_der(|w| w.write_tagged_der(&out)))
}

/// Universal types whose BER form may be constructed from segments.
fn is_string_type(number: u64) -> bool {
    matches!(number, 3 | 4 | 12 | 18..=30)
}

fn join_segments(number: u64, children: &[Vec<u8>]) -> ASN1Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut unused = 0u8;
    for child in children {
        let seg = parse(child, |r| r.read_tagged_der())?;
        if seg.tag().tag_class != TagClass::Universal || seg.tag().tag_number != number {
            return Err(invalid());
        }
        let content = seg.value();
        if number == 3 {
            // BIT STRING segments: only the last may have unused bits.
            let (&bits, data) = content.split_first().ok_or_else(invalid)?;
            if unused != 0 {
                return Err(invalid());
            }
            unused = bits;
            out.extend_from_slice(data);
        } else {
            out.extend_from_slice(content);
        }
    }
    if number == 3 {
        out.insert(0, unused);
    }
    Ok(out)
}

/// Whether the element starting `ber` has the indefinite length form (length byte 0x80
/// straight after the identifier).
fn is_indefinite(ber: &[u8]) -> ASN1Result<bool> {
    let first = *ber.first().ok_or_else(invalid)?;
    let mut pos = 1;
    if first & 0x1f == 0x1f {
        while *ber.get(pos).ok_or_else(invalid)? & 0x80 != 0 {
            pos += 1;
        }
        pos += 1;
    }
    Ok(*ber.get(pos).ok_or_else(invalid)? == 0x80)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_joins_constructed_octet_strings_and_fixes_lengths() {
        // SEQUENCE (indefinite) { OCTET STRING constructed (indefinite) { "He", "llo" } }
        let ber = [
            0x30, 0x80, 0x24, 0x80, 0x04, 0x02, b'H', b'e', 0x04, 0x03, b'l', b'l', b'o', 0x00,
            0x00, 0x00, 0x00,
        ];
        let der = to_der(&ber).unwrap();
        assert_eq!(der, [0x30, 0x07, 0x04, 0x05, b'H', b'e', b'l', b'l', b'o']);
        assert_eq!(to_der(&der).unwrap(), der, "DER is a fixed point");
    }

    #[test]
    fn normalize_keeps_definite_constructed_values_and_context_tags() {
        let der = [0xa0, 0x05, 0x30, 0x03, 0x02, 0x01, 0x07];
        assert_eq!(to_der(&der).unwrap(), der);
        // long-form length ending in 0x80 is not mistaken for the indefinite form
        let mut long = vec![0x04, 0x82, 0x01, 0x80];
        long.extend(std::iter::repeat_n(7u8, 0x180));
        assert!(!is_indefinite(&long).unwrap());
        assert_eq!(to_der(&long).unwrap(), long);
    }

    #[test]
    fn normalize_rejects_garbage_without_panicking() {
        for bad in [
            &[][..],
            &[0x30],
            &[0x30, 0x80],
            &[0x24, 0x80, 0x02, 0x01, 0x00, 0, 0],
            &[0xff; 8],
        ] {
            assert!(to_der(bad).is_err(), "{bad:?}");
        }
        let mut deep = Vec::new();
        for _ in 0..200 {
            deep.extend_from_slice(&[0x30, 0x80]);
        }
        deep.extend(std::iter::repeat_n(0u8, 400));
        assert!(to_der(&deep).is_err());
    }
}
