//! Ids the stand-in makes: random hex and GUIDs (request, trace and key ids) and GUIDs
//! derived from configuration (object ids, key ids), so configs need not spell them out.

use openssl::rand::rand_bytes;

/// `n` random bytes as lower-case hex.
pub(crate) fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    rand_bytes(&mut bytes).expect("OpenSSL random bytes");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A random version-4 GUID, as Entra and ARM send in trace and correlation ids.
pub(crate) fn random_guid() -> String {
    let mut b = [0u8; 16];
    rand_bytes(&mut b).expect("OpenSSL random bytes");
    guid_from_bytes(&b)
}

/// Formats 16 bytes as a version-4 GUID (version and variant bits set).
pub(crate) fn guid_from_bytes(bytes: &[u8]) -> String {
    let mut b = [0u8; 16];
    b.copy_from_slice(&bytes[..16]);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// A GUID-shaped id derived from `input` (stable across runs, so configs need not
/// spell out object ids and key ids).
pub(crate) fn derived_guid(label: &str, input: &str) -> String {
    let digest = openssl::hash::hash(
        openssl::hash::MessageDigest::sha256(),
        format!("{label}\n{}", input.to_ascii_lowercase()).as_bytes(),
    )
    .map(|d| d.to_vec())
    .unwrap_or_else(|_| vec![0; 32]);
    guid_from_bytes(&digest[..16])
}
