//! BER handling under the PKCS#12 parsers: a length check before every yasna parse, and
//! re-encoding of kept values from BER to DER.

use yasna::models::TaggedDerValue;
use yasna::{ASN1Error, ASN1ErrorKind, ASN1Result, BERReader, PCBit, TagClass};

use crate::limits::MAX_BER_DEPTH;

pub(crate) fn invalid() -> ASN1Error {
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
    if depth > MAX_BER_DEPTH * 2 {
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

/// Re-encodes one BER element as DER: definite lengths, and constructed strings joined
/// into primitive ones. DER input comes out unchanged.
pub(crate) fn to_der(ber: &[u8]) -> ASN1Result<Vec<u8>> {
    normalize(ber, 0)
}

/// The content of an OCTET STRING given as DER.
pub(crate) fn octet_string(der: &[u8]) -> ASN1Result<Vec<u8>> {
    parse(der, |r| r.read_bytes())
}

fn normalize(ber: &[u8], depth: usize) -> ASN1Result<Vec<u8>> {
    if depth > MAX_BER_DEPTH {
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
