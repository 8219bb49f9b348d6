//! BER handling under the PKCS#12 parsers: a length check before every yasna parse, and
//! re-encoding of kept values from BER to DER.

use yasna::{ASN1Error, ASN1ErrorKind, ASN1Result, BERReader};
use zeroize::Zeroizing;

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
/// into primitive ones. DER input comes out unchanged. The walk works on slices of the
/// input and writes the result once into a wiping buffer: the value may be a decrypted
/// private key, and no intermediate copy of it is left in memory.
pub(crate) fn to_der_secret(ber: &[u8]) -> ASN1Result<Zeroizing<Vec<u8>>> {
    if element_end(ber, 0, 0)? != ber.len() {
        return Err(ASN1Error::new(ASN1ErrorKind::Extra));
    }
    let mut out = Zeroizing::new(Vec::with_capacity(der_capacity(ber.len())));
    normalize(ber, 0, &mut out)?;
    Ok(out)
}

/// Room for the DER form of `ber_len` bytes of BER, so the wiping buffers never grow (a
/// grown `Vec` frees its old buffer unwiped). DER is at most one byte per element longer
/// than BER: an indefinite length costs three bytes (`80` and `00 00`), a definite one at
/// most five, and every element takes at least two bytes.
fn der_capacity(ber_len: usize) -> usize {
    ber_len.saturating_add(ber_len / 2).saturating_add(16)
}

/// [`to_der_secret`] for values that are not secret (attributes, algorithm parameters).
pub(crate) fn to_der(ber: &[u8]) -> ASN1Result<Vec<u8>> {
    Ok(std::mem::take(&mut *to_der_secret(ber)?))
}

/// The content of an OCTET STRING given as DER.
pub(crate) fn octet_string(der: &[u8]) -> ASN1Result<Vec<u8>> {
    parse(der, |r| r.read_bytes())
}

/// One BER element's parts: identifier octets, whether it is constructed, its content.
struct Element<'a> {
    identifier: &'a [u8],
    constructed: bool,
    content: &'a [u8],
}

/// Splits the element that fills `buf` (already checked by [`element_end`]).
fn element(buf: &[u8]) -> ASN1Result<Element<'_>> {
    let first = *buf.first().ok_or_else(invalid)?;
    let mut p = 1;
    if first & 0x1f == 0x1f {
        while *buf.get(p).ok_or_else(invalid)? & 0x80 != 0 {
            p += 1;
        }
        p += 1;
    }
    let identifier = &buf[..p];
    let lbyte = *buf.get(p).ok_or_else(invalid)?;
    p += 1;
    let content = if lbyte == 0x80 {
        // Indefinite: the content ends before the end-of-contents octets.
        buf.get(p..buf.len().checked_sub(2).ok_or_else(invalid)?)
    } else {
        if lbyte > 0x80 {
            p += usize::from(lbyte & 0x7f);
        }
        buf.get(p..)
    }
    .ok_or_else(invalid)?;
    Ok(Element {
        identifier,
        constructed: first & 0x20 != 0,
        content,
    })
}

/// The elements that follow one another in `content`.
fn children(content: &[u8], depth: usize) -> ASN1Result<Vec<&[u8]>> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < content.len() {
        let end = element_end(content, pos, depth)?;
        out.push(&content[pos..end]);
        pos = end;
    }
    Ok(out)
}

/// A DER length.
fn push_length(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

fn normalize(ber: &[u8], depth: usize, out: &mut Vec<u8>) -> ASN1Result<()> {
    if depth > MAX_BER_DEPTH {
        return Err(ASN1Error::new(ASN1ErrorKind::StackOverflow));
    }
    let el = element(ber)?;
    let universal_string = el.identifier.len() == 1
        && el.identifier[0] & 0xc0 == 0
        && is_string_type(u64::from(el.identifier[0] & 0x1f));
    if !el.constructed {
        out.extend_from_slice(el.identifier);
        push_length(out, el.content.len());
        out.extend_from_slice(el.content);
        return Ok(());
    }
    let parts = children(el.content, depth + 1)?;
    if universal_string {
        // A constructed string: its segments joined into one primitive value.
        let number = el.identifier[0] & 0x1f;
        let mut segments = Zeroizing::new(Vec::with_capacity(der_capacity(el.content.len())));
        for part in &parts {
            normalize(part, depth + 1, &mut segments)?;
        }
        let joined = join_segments(number, &segments)?;
        out.push(el.identifier[0] & !0x20);
        push_length(out, joined.len());
        out.extend_from_slice(&joined);
        return Ok(());
    }
    // Each child is normalised once, straight into `out`, and the content's length is
    // put in front of it afterwards. (Working the length out first by normalising every
    // child into scratch space redid each subtree once per level above it: 2^depth
    // passes, which a 94-byte fuzzer input turned into hours.)
    out.extend_from_slice(el.identifier);
    let start = out.len();
    for part in &parts {
        normalize(part, depth + 1, out)?;
    }
    let mut length = Vec::with_capacity(9);
    push_length(&mut length, out.len() - start);
    out.splice(start..start, length);
    Ok(())
}

/// Universal types whose BER form may be constructed from segments.
fn is_string_type(number: u64) -> bool {
    matches!(number, 3 | 4 | 12 | 18..=30)
}

/// Joins the DER segments (one after another in `segments`) of a constructed string of
/// universal type `number` into the content of one primitive value.
fn join_segments(number: u8, segments: &[u8]) -> ASN1Result<Zeroizing<Vec<u8>>> {
    let mut out = Zeroizing::new(Vec::with_capacity(segments.len()));
    let mut unused: Option<u8> = None;
    for seg in children(segments, 0)? {
        let el = element(seg)?;
        if el.constructed || el.identifier != [number] {
            return Err(invalid());
        }
        if number == 3 {
            // BIT STRING segments: only the last may have unused bits.
            let (&bits, data) = el.content.split_first().ok_or_else(invalid)?;
            if unused.is_some_and(|u| u != 0) {
                return Err(invalid());
            }
            unused = Some(bits);
            out.extend_from_slice(data);
        } else {
            out.extend_from_slice(el.content);
        }
    }
    if number == 3 {
        out.insert(0, unused.unwrap_or(0));
    }
    Ok(out)
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

    /// `depth` indefinite-length SEQUENCEs, each holding the next twice, around one
    /// INTEGER: 2^depth leaves in a few hundred bytes.
    fn nested_pairs(depth: usize) -> Vec<u8> {
        let mut inner = vec![0x02, 0x01, 0x07];
        for _ in 0..depth {
            let mut outer = vec![0x30, 0x80];
            outer.extend_from_slice(&inner);
            outer.extend_from_slice(&inner);
            outer.extend_from_slice(&[0, 0]);
            inner = outer;
        }
        inner
    }

    #[test]
    fn normalize_visits_each_element_once_however_deep() {
        // Found by the pfx_built fuzz target: lengths were worked out by normalising each
        // subtree once per level above it, so deep nesting never finished. A full binary
        // tree 16 levels deep (65,536 leaves) is checked for content.
        let der = to_der(&nested_pairs(16)).unwrap();
        let mut expected = vec![0x02, 0x01, 0x07];
        for _ in 0..16 {
            let mut outer = vec![0x30];
            push_length(&mut outer, 2 * expected.len());
            outer.extend_from_slice(&expected);
            outer.extend_from_slice(&expected);
            expected = outer;
        }
        assert_eq!(der, expected);
        assert_eq!(to_der(&der).unwrap(), der, "DER is a fixed point");
        // A long chain of single children (the shape of the fuzzer's input) and a wide
        // element: both linear now.
        let mut chain = vec![0x04, 0x01, 0x00];
        for _ in 0..MAX_BER_DEPTH {
            let mut outer = vec![0x30, 0x80];
            outer.extend_from_slice(&chain);
            outer.extend_from_slice(&[0, 0]);
            chain = outer;
        }
        assert_eq!(
            to_der(&chain).unwrap().len(),
            chain.len() - 2 * MAX_BER_DEPTH
        );
        let der = to_der_secret(&chain).unwrap();
        assert!(
            der.capacity() <= der_capacity(chain.len()),
            "the wiping buffer never grew"
        );
    }
}
