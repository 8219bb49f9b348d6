//! Round trips in every profile, BER input, damaged input, wrong passwords and a
//! property test over random bag sets.

use proptest::prelude::*;
use yasna::models::ObjectIdentifier;
use zeroize::Zeroizing;

use super::ber;
use super::crypto::{self, Hash, PasswordBytes};
use super::decode;
use super::encode::{self, OutContainer, OutMac};
use super::oids;
use super::tests::{sample_key_and_cert, secret};
use super::*;
use crate::error::{Error, ErrorKind};

fn sample_pfx() -> Pfx {
    let (key, cert) = sample_key_and_cert();
    let pkcs8 = Zeroizing::new(key.private_key_to_pkcs8().unwrap());
    Pfx {
        containers: vec![
            Container {
                encrypted: true,
                bags: vec![SafeBag {
                    value: x509_bag(&cert.to_der().unwrap()),
                    attributes: vec![Attribute::friendly_name("c"), Attribute::local_key_id(&[7])],
                }],
            },
            Container {
                encrypted: false,
                bags: vec![SafeBag {
                    value: BagValue::Key {
                        pkcs8,
                        shrouded: true,
                    },
                    attributes: vec![Attribute::local_key_id(&[7])],
                }],
            },
        ],
    }
}

#[test]
fn wrong_password_names_the_mac_or_the_bag() {
    let pfx = sample_pfx();
    let (der, _) = write(&pfx, Profile::Compat, &secret("right")).unwrap();
    let err = open(&der, Some(&secret("wrong")), "f.pfx").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Password);
    assert!(err.to_string().contains("MAC check failed"), "{err}");
    // Without a MAC the decryption itself must fail, and say which part.
    let raw = decode::parse_pfx(&der).unwrap();
    let no_mac = encode::write_pfx(&raw.auth_safe, None);
    let err = open(&no_mac, Some(&secret("wrong")), "f.pfx").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Password);
    assert!(
        err.to_string()
            .contains("decrypting container 1 (EncryptedData)"),
        "{err}"
    );
    let ok = open(&no_mac, Some(&secret("right")), "f.pfx").unwrap();
    assert_eq!(ok.protection.mac, None);
    assert_eq!(ok.protection.password, PasswordForm::Given);
}

#[test]
fn null_form_mac_and_explicit_default_iterations() {
    let pfx = sample_pfx();
    let (der, _) = write(&pfx, Profile::None, &secret("")).unwrap();
    let raw = decode::parse_pfx(&der).unwrap();
    let salt = vec![9u8; 20];
    let digest = crypto::mac(Hash::Sha1, &PasswordBytes::null(), &salt, 1, &raw.auth_safe);
    // iterations written out as 1 (a DEFAULT value explicitly encoded, as Python does)
    let mac = OutMac {
        algorithm: oids::SHA1,
        digest,
        salt,
        iterations: 1,
    };
    let with_mac = encode::write_pfx(&raw.auth_safe, Some(&mac));
    let opened = open(&with_mac, None, "t").unwrap();
    assert_eq!(opened.protection.password, PasswordForm::EmptyNull);
    assert_eq!(opened.protection.mac.unwrap().iterations, 1);
}

#[test]
fn absurd_iteration_counts_are_refused_not_run() {
    let pfx = sample_pfx();
    let (der, _) = write(&pfx, Profile::None, &secret("")).unwrap();
    let raw = decode::parse_pfx(&der).unwrap();
    let mac = OutMac {
        algorithm: oids::SHA256,
        digest: vec![0; 32],
        salt: vec![1; 8],
        iterations: 4_000_000_000,
    };
    let err = open(&encode::write_pfx(&raw.auth_safe, Some(&mac)), None, "t").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Input);
    assert!(err.to_string().contains("refusing"), "{err}");
    // the same inside an EncryptedData's parameters
    let alg = super::pbe::Pbe::Legacy {
        cipher: super::pbe::LegacyCipher::TripleDes,
        salt: vec![1; 8],
        iterations: 10_000_001,
    }
    .to_der();
    let auth = encode::write_auth_safe(&[OutContainer::Encrypted {
        algorithm: alg,
        ciphertext: vec![0; 16],
    }]);
    let err = open(&encode::write_pfx(&auth, None), None, "t").unwrap_err();
    assert!(
        err.to_string().contains("container 1") && err.to_string().contains("exceeds the limit"),
        "{err}"
    );
}

#[test]
fn unknown_bags_crl_and_secret_survive_in_order() {
    let mut pfx = sample_pfx();
    let unknown = ObjectIdentifier::from_slice(&[1, 3, 6, 1, 4, 1, 99999, 1]);
    let value = yasna::construct_der(|w| w.write_utf8_string("opaque"));
    pfx.containers[0].bags.push(SafeBag {
        value: BagValue::Other {
            bag_type: unknown.clone(),
            value: value.clone(),
        },
        attributes: vec![Attribute {
            oid: unknown.clone(),
            values: vec![value.clone(), vec![0x05, 0x00]],
        }],
    });
    pfx.containers[0].bags.push(SafeBag {
        value: BagValue::Crl {
            crl_type: unknown.clone(),
            value: value.clone(),
        },
        attributes: vec![],
    });
    pfx.containers.push(Container {
        encrypted: false,
        bags: vec![SafeBag {
            value: BagValue::Secret(Zeroizing::new(yasna::construct_der(|w| {
                w.write_sequence(|w| {
                    w.next().write_oid(&unknown);
                    w.next()
                        .write_tagged(yasna::Tag::context(0), |w| w.write_bytes(b"s"));
                })
            }))),
            attributes: vec![],
        }],
    });
    pfx.containers.push(Container {
        encrypted: false,
        bags: vec![SafeBag {
            value: BagValue::SafeContents(pfx.containers[1].bags.clone()),
            attributes: vec![],
        }],
    });
    for profile in [Profile::Compat, Profile::Aes, Profile::None] {
        let (der, _) = write(&pfx, profile, &secret("")).unwrap();
        let back = open(&der, None, "t").unwrap();
        compare(&pfx, &back.pfx).unwrap();
        let out = strip(
            &der,
            None,
            "t",
            &StripOptions {
                profile: Profile::Compat,
                new_password: None,
            },
        )
        .unwrap();
        assert_eq!(
            out.bags,
            BagSummary {
                keys: 2,
                certificates: 1,
                others: 4
            }
        );
    }
}

/// Re-encodes DER as BER the way NSS writes: indefinite lengths everywhere and OCTET
/// STRINGs split into constructed segments (contents of OCTET STRINGs untouched).
fn berify(der: &[u8]) -> Vec<u8> {
    let v = yasna::parse_der(der, |r| r.read_tagged_der()).unwrap();
    let tag_byte = der[0];
    if v.pcbit() == yasna::PCBit::Constructed {
        let mut out = vec![tag_byte, 0x80];
        let mut wrapped = vec![0x30, 0x80];
        wrapped.extend_from_slice(v.value());
        wrapped.extend_from_slice(&[0, 0]);
        let children: Vec<Vec<u8>> =
            yasna::parse_ber(&wrapped, |r| r.collect_sequence_of(|r| r.read_der())).unwrap();
        for c in children {
            out.extend(berify(&c));
        }
        out.extend_from_slice(&[0, 0]);
        out
    } else if tag_byte == 0x04 && v.value().len() > 3 {
        let mut out = vec![0x24, 0x80];
        for chunk in v.value().chunks(3) {
            out.extend(yasna::construct_der(|w| w.write_bytes(chunk)));
        }
        out.extend_from_slice(&[0, 0]);
        out
    } else {
        der.to_vec()
    }
}

#[test]
fn reads_ber_with_indefinite_lengths_and_constructed_octet_strings() {
    let pfx = sample_pfx();
    let (der, _) = write(&pfx, Profile::Compat, &secret("pw")).unwrap();
    let ber = berify(&der);
    assert_ne!(ber, der.to_vec());
    let opened = open(&ber, Some(&secret("pw")), "t").unwrap();
    compare(&pfx, &opened.pfx).unwrap();
    // BER inside the AuthenticatedSafe too, MAC computed over the BER bytes as NSS does.
    let (plain, _) = write(&pfx, Profile::None, &secret("")).unwrap();
    let raw = decode::parse_pfx(&plain).unwrap();
    let auth_ber = berify(&raw.auth_safe);
    let salt = vec![3u8; 8];
    let digest = crypto::mac(
        Hash::Sha256,
        &PasswordBytes::rfc7292("x"),
        &salt,
        5,
        &auth_ber,
    );
    let mac = OutMac {
        algorithm: oids::SHA256,
        digest,
        salt,
        iterations: 5,
    };
    let file = berify(&encode::write_pfx(&auth_ber, Some(&mac)));
    let opened = open(&file, Some(&secret("x")), "t").unwrap();
    compare(&pfx, &opened.pfx).unwrap();
    let out = strip(
        &file,
        Some(&secret("x")),
        "t",
        &StripOptions {
            profile: Profile::Compat,
            new_password: None,
        },
    )
    .unwrap();
    assert!(out.der.len() < file.len(), "written as DER");
}

#[test]
fn damaged_files_give_typed_errors_never_panics() {
    let pfx = sample_pfx();
    let (der, _) = write(&pfx, Profile::Compat, &secret("")).unwrap();
    for len in 0..der.len() {
        let err = open(&der[..len], None, "t").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Input, "truncated to {len}: {err}");
    }
    let (plain, _) = write(&pfx, Profile::None, &secret("")).unwrap();
    for i in 0..plain.len() {
        for flip in [0x01u8, 0x80, 0xff] {
            let mut bad = plain.clone();
            bad[i] ^= flip;
            let _ = open(&bad, None, "t"); // must return, whatever it returns
        }
    }
    assert!(open(b"", None, "t")
        .unwrap_err()
        .to_string()
        .contains("empty"));
    assert!(open(b"-----BEGIN CERTIFICATE-----", None, "t")
        .unwrap_err()
        .to_string()
        .contains("not a PKCS#12"));
}

fn arb_attribute() -> impl Strategy<Value = Attribute> {
    prop_oneof![
        "[a-zA-Z0-9 äß{}-]{0,12}".prop_map(|s| Attribute::friendly_name(&s)),
        proptest::collection::vec(any::<u8>(), 0..20).prop_map(|b| Attribute::local_key_id(&b)),
        (
            // Any u64 too: arcs with a zero base-128 digit inside (`81 80 00`) included.
            prop_oneof![1u64..1000, any::<u64>()],
            proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..8), 1..3)
        )
            .prop_map(|(arc, vals)| Attribute {
                oid: ObjectIdentifier::from_slice(&[1, 3, 6, 1, 4, 1, 311, 17, arc]),
                values: vals
                    .iter()
                    .map(|v| yasna::construct_der(|w| w.write_bytes(v)))
                    .collect(),
            }),
    ]
}

fn arb_value() -> impl Strategy<Value = BagValue> {
    let bytes = || proptest::collection::vec(any::<u8>(), 0..64);
    prop_oneof![
        bytes().prop_map(|b| BagValue::Key {
            pkcs8: Zeroizing::new(yasna::construct_der(
                |w| w.write_sequence(|w| w.next().write_bytes(&b))
            )),
            shrouded: true,
        }),
        bytes().prop_map(|b| BagValue::Key {
            pkcs8: Zeroizing::new(yasna::construct_der(
                |w| w.write_sequence(|w| w.next().write_bytes(&b))
            )),
            shrouded: false,
        }),
        bytes().prop_map(|b| x509_bag(&b)),
        bytes().prop_map(|b| BagValue::Crl {
            crl_type: ObjectIdentifier::from_slice(&[1, 2, 840, 113549, 1, 9, 23, 1]),
            value: yasna::construct_der(|w| w.write_bytes(&b)),
        }),
        (1u64..50, bytes()).prop_map(|(arc, b)| BagValue::Other {
            bag_type: ObjectIdentifier::from_slice(&[1, 2, 3, arc]),
            value: yasna::construct_der(|w| w.write_bytes(&b)),
        }),
    ]
}

fn arb_pfx() -> impl Strategy<Value = Pfx> {
    let bag = (
        arb_value(),
        proptest::collection::vec(arb_attribute(), 0..4),
    )
        .prop_map(|(value, attributes)| SafeBag { value, attributes });
    let container = (any::<bool>(), proptest::collection::vec(bag, 0..4))
        .prop_map(|(encrypted, bags)| Container { encrypted, bags });
    proptest::collection::vec(container, 1..4).prop_map(|containers| Pfx { containers })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn random_bag_sets_survive_write_strip_read(
        pfx in arb_pfx(),
        profile in prop_oneof![Just(Profile::Compat), Just(Profile::Aes), Just(Profile::None)],
        password in "[a-z0-9é€]{0,6}",
    ) {
        let password = if profile == Profile::None { String::new() } else { password };
        let (der, _) = write(&pfx, profile, &secret(&password)).unwrap();
        let back = open(&der, Some(&secret(&password)), "t").unwrap();
        prop_assert!(compare(&pfx, &back.pfx).is_ok(), "{:?}", compare(&pfx, &back.pfx));
        let out = strip(&der, Some(&secret(&password)), "t", &StripOptions { profile: Profile::Compat, new_password: None }).unwrap();
        let stripped = open(&out.der, None, "t").unwrap();
        prop_assert!(compare(&pfx, &stripped.pfx).is_ok());
        prop_assert_eq!(out.bags, BagSummary::of(&pfx));
    }
}

#[test]
fn huge_inner_length_does_not_overflow() {
    // A bag value holding an OCTET STRING whose length field claims nearly 2^64 bytes.
    let mut value = vec![0x04, 0x88, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xf0];
    value.extend_from_slice(&[1, 2, 3]);
    let mut bag = vec![
        0x30,
        0x80,
        0x06,
        0x03,
        0x2a,
        0x03,
        0x04,
        0xa0,
        value.len() as u8,
    ];
    bag.extend_from_slice(&value);
    bag.extend_from_slice(&[0, 0]);
    let contents = [vec![0x30, 0x80], bag, vec![0, 0]].concat();
    let auth = encode::write_auth_safe(&[OutContainer::Data(Zeroizing::new(contents))]);
    let err = open(&encode::write_pfx(&auth, None), None, "t").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Input, "{err}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..400), indefinite in any::<bool>()) {
        let mut data = if indefinite { vec![0x30, 0x80] } else { vec![0x30, 0x82, 0x01, 0x90] };
        data.extend_from_slice(&body);
        let _ = open(&data, None, "t");
        let _ = ber::to_der(&data);
    }
}

#[test]
fn read_back_check_catches_a_difference() {
    let pfx = sample_pfx();
    let (der, _) = write(&pfx, Profile::Compat, &secret("")).unwrap();
    let mut other = pfx.clone();
    other.containers[0].bags[0].attributes.pop();
    let err = super::verify::verify_written(
        &other,
        &der,
        &secret(""),
        &PasswordBytes::rfc7292(""),
        Profile::Compat,
    )
    .unwrap_err();
    assert!(matches!(err, Error::SelfCheck(_)), "{err}");
    assert!(
        err.to_string()
            .contains("bag 1 of container 1: the attributes differ"),
        "{err}"
    );
    // and a file that is not protected as the profile says
    let (plain, _) = write(&pfx, Profile::None, &secret("")).unwrap();
    let err = super::verify::verify_written(
        &pfx,
        &plain,
        &secret(""),
        &PasswordBytes::rfc7292(""),
        Profile::Compat,
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("not protected as the profile asks"),
        "{err}"
    );
}
