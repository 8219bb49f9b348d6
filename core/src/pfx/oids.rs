//! Object identifiers used in PKCS#12 files, as arc lists, and the one comparison of a
//! parsed OID with them. A leaf module: the decoder, the encoder, the bag model and the
//! crypto all name algorithms and bag types from here.

use yasna::models::ObjectIdentifier;

pub(crate) const DATA: &[u64] = &[1, 2, 840, 113549, 1, 7, 1];
pub(crate) const ENVELOPED_DATA: &[u64] = &[1, 2, 840, 113549, 1, 7, 3];
pub(crate) const ENCRYPTED_DATA: &[u64] = &[1, 2, 840, 113549, 1, 7, 6];
pub(crate) const KEY_BAG: &[u64] = &[1, 2, 840, 113549, 1, 12, 10, 1, 1];
pub(crate) const SHROUDED_KEY_BAG: &[u64] = &[1, 2, 840, 113549, 1, 12, 10, 1, 2];
pub(crate) const CERT_BAG: &[u64] = &[1, 2, 840, 113549, 1, 12, 10, 1, 3];
pub(crate) const CRL_BAG: &[u64] = &[1, 2, 840, 113549, 1, 12, 10, 1, 4];
pub(crate) const SECRET_BAG: &[u64] = &[1, 2, 840, 113549, 1, 12, 10, 1, 5];
pub(crate) const SAFE_CONTENTS_BAG: &[u64] = &[1, 2, 840, 113549, 1, 12, 10, 1, 6];
pub(crate) const X509_CERTIFICATE: &[u64] = &[1, 2, 840, 113549, 1, 9, 22, 1];
pub(crate) const FRIENDLY_NAME: &[u64] = &[1, 2, 840, 113549, 1, 9, 20];
pub(crate) const LOCAL_KEY_ID: &[u64] = &[1, 2, 840, 113549, 1, 9, 21];
pub(crate) const MS_CSP_NAME: &[u64] = &[1, 3, 6, 1, 4, 1, 311, 17, 1];
pub(crate) const MS_LOCAL_KEY_SET: &[u64] = &[1, 3, 6, 1, 4, 1, 311, 17, 2];
pub(crate) const PBE_SHA1_RC4_128: &[u64] = &[1, 2, 840, 113549, 1, 12, 1, 1];
pub(crate) const PBE_SHA1_RC4_40: &[u64] = &[1, 2, 840, 113549, 1, 12, 1, 2];
pub(crate) const PBE_SHA1_3DES: &[u64] = &[1, 2, 840, 113549, 1, 12, 1, 3];
pub(crate) const PBE_SHA1_2DES: &[u64] = &[1, 2, 840, 113549, 1, 12, 1, 4];
pub(crate) const PBE_SHA1_RC2_128: &[u64] = &[1, 2, 840, 113549, 1, 12, 1, 5];
pub(crate) const PBE_SHA1_RC2_40: &[u64] = &[1, 2, 840, 113549, 1, 12, 1, 6];
pub(crate) const PBES2: &[u64] = &[1, 2, 840, 113549, 1, 5, 13];
pub(crate) const PBKDF2: &[u64] = &[1, 2, 840, 113549, 1, 5, 12];
pub(crate) const PBMAC1: &[u64] = &[1, 2, 840, 113549, 1, 5, 14];
pub(crate) const HMAC_SHA1: &[u64] = &[1, 2, 840, 113549, 2, 7];
pub(crate) const HMAC_SHA224: &[u64] = &[1, 2, 840, 113549, 2, 8];
pub(crate) const HMAC_SHA256: &[u64] = &[1, 2, 840, 113549, 2, 9];
pub(crate) const HMAC_SHA384: &[u64] = &[1, 2, 840, 113549, 2, 10];
pub(crate) const HMAC_SHA512: &[u64] = &[1, 2, 840, 113549, 2, 11];
pub(crate) const AES128_CBC: &[u64] = &[2, 16, 840, 1, 101, 3, 4, 1, 2];
pub(crate) const AES192_CBC: &[u64] = &[2, 16, 840, 1, 101, 3, 4, 1, 22];
pub(crate) const AES256_CBC: &[u64] = &[2, 16, 840, 1, 101, 3, 4, 1, 42];
pub(crate) const DES_EDE3_CBC: &[u64] = &[1, 2, 840, 113549, 3, 7];
pub(crate) const SHA1: &[u64] = &[1, 3, 14, 3, 2, 26];
pub(crate) const SHA224: &[u64] = &[2, 16, 840, 1, 101, 3, 4, 2, 4];
pub(crate) const SHA256: &[u64] = &[2, 16, 840, 1, 101, 3, 4, 2, 1];
pub(crate) const SHA384: &[u64] = &[2, 16, 840, 1, 101, 3, 4, 2, 2];
pub(crate) const SHA512: &[u64] = &[2, 16, 840, 1, 101, 3, 4, 2, 3];

/// `true` when `oid` is the arc list `arcs`.
pub(crate) fn is_oid(oid: &ObjectIdentifier, arcs: &[u64]) -> bool {
    oid.components().as_slice() == arcs
}
