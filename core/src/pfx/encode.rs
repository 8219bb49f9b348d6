//! DER writing of the PKCS#12 structures with yasna's DER writer (definite lengths,
//! minimal encodings). Bag attributes keep their input order (see `write_set_in_order`).

use yasna::models::{ObjectIdentifier, TaggedDerValue};
use yasna::tags::TAG_SET;
use yasna::{DERWriter, PCBit, Tag};

use super::oids;

/// One ContentInfo to write.
pub(crate) enum OutContainer {
    /// Data holding SafeContents bytes.
    Data(zeroize::Zeroizing<Vec<u8>>),
    /// EncryptedData: AlgorithmIdentifier DER and ciphertext.
    Encrypted {
        algorithm: Vec<u8>,
        ciphertext: Vec<u8>,
    },
}

/// MacData to write.
pub(crate) struct OutMac {
    pub algorithm: &'static [u64],
    pub digest: Vec<u8>,
    pub salt: Vec<u8>,
    pub iterations: u64,
}

/// `PFX` in DER around the AuthenticatedSafe bytes.
pub(crate) fn write_pfx(auth_safe: &[u8], mac: Option<&OutMac>) -> Vec<u8> {
    yasna::construct_der(|w| {
        w.write_sequence(|w| {
            w.next().write_u8(3);
            write_data_content_info(w.next(), auth_safe);
            if let Some(mac) = mac {
                w.next().write_sequence(|w| {
                    w.next().write_sequence(|w| {
                        write_algorithm_null(w.next(), mac.algorithm);
                        w.next().write_bytes(&mac.digest);
                    });
                    w.next().write_bytes(&mac.salt);
                    w.next().write_u64(mac.iterations);
                });
            }
        })
    })
}

fn write_data_content_info(w: DERWriter, data: &[u8]) {
    w.write_sequence(|w| {
        w.next()
            .write_oid(&ObjectIdentifier::from_slice(oids::DATA));
        w.next()
            .write_tagged(Tag::context(0), |w| w.write_bytes(data));
    })
}

/// `AlgorithmIdentifier { oid, NULL }`.
pub(crate) fn write_algorithm_null(w: DERWriter, arcs: &[u64]) {
    w.write_sequence(|w| {
        w.next().write_oid(&ObjectIdentifier::from_slice(arcs));
        w.next().write_null();
    })
}

/// `AuthenticatedSafe` in DER.
pub(crate) fn write_auth_safe(containers: &[OutContainer]) -> Vec<u8> {
    yasna::construct_der(|w| {
        w.write_sequence_of(|w| {
            for c in containers {
                match c {
                    OutContainer::Data(data) => write_data_content_info(w.next(), data),
                    OutContainer::Encrypted {
                        algorithm,
                        ciphertext,
                    } => w.next().write_sequence(|w| {
                        w.next()
                            .write_oid(&ObjectIdentifier::from_slice(oids::ENCRYPTED_DATA));
                        w.next().write_tagged(Tag::context(0), |w| {
                            w.write_sequence(|w| {
                                w.next().write_u8(0);
                                w.next().write_sequence(|w| {
                                    w.next()
                                        .write_oid(&ObjectIdentifier::from_slice(oids::DATA));
                                    w.next().write_der(algorithm);
                                    w.next().write_tagged_implicit(Tag::context(0), |w| {
                                        w.write_bytes(ciphertext)
                                    });
                                });
                            })
                        });
                    }),
                }
            }
        })
    })
}

/// One SafeBag to write.
pub(crate) struct OutBag {
    /// bagId.
    pub bag_type: ObjectIdentifier,
    /// The DER of bagValue.
    pub value: zeroize::Zeroizing<Vec<u8>>,
    /// The DER of each attribute, in order.
    pub attributes: Vec<Vec<u8>>,
}

/// `SafeContents` in DER.
pub(crate) fn write_safe_contents(bags: &[OutBag]) -> Vec<u8> {
    yasna::construct_der(|w| {
        w.write_sequence_of(|w| {
            for OutBag {
                bag_type,
                value,
                attributes,
            } in bags
            {
                w.next().write_sequence(|w| {
                    w.next().write_oid(bag_type);
                    w.next()
                        .write_tagged(Tag::context(0), |w| w.write_der(value));
                    if !attributes.is_empty() {
                        write_set_in_order(w.next(), attributes);
                    }
                });
            }
        })
    })
}

/// One attribute in DER: its type and the DER of each value.
pub(crate) fn write_attribute(w: DERWriter, oid: &ObjectIdentifier, values: &[Vec<u8>]) {
    w.write_sequence(|w| {
        w.next().write_oid(oid);
        write_set_in_order(w.next(), values);
    })
}

/// A SET OF whose elements keep the order they were found in. DER would sort them; the
/// order a producer wrote (keytool puts friendlyName before localKeyID) is kept instead,
/// so that attributes come out byte for byte and in the same order as they went in.
fn write_set_in_order(w: DERWriter, elements: &[Vec<u8>]) {
    let value =
        TaggedDerValue::from_tag_pc_and_bytes(TAG_SET, PCBit::Constructed, elements.concat());
    w.write_tagged_der(&value)
}

/// `EncryptedPrivateKeyInfo` in DER.
pub(crate) fn write_encrypted_key(algorithm: &[u8], ciphertext: &[u8]) -> Vec<u8> {
    yasna::construct_der(|w| {
        w.write_sequence(|w| {
            w.next().write_der(algorithm);
            w.next().write_bytes(ciphertext);
        })
    })
}
