//! Tests of the PKCS#12 engine: the real vectors in `../shared/vectors`, round trips in
//! every profile, BER input, damaged input, and a property test over random bag sets.

use proptest::prelude::*;
use yasna::models::ObjectIdentifier;
use zeroize::Zeroizing;

use super::asn1::{self, oid, OutContainer, OutMac};
use super::crypto::{self, Hash, PasswordBytes};
use super::*;
use crate::error::ErrorKind;

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/vectors");

fn vector(rel: &str) -> Option<Vec<u8>> {
    let path = std::path::Path::new(VECTORS).join(rel);
    if !std::path::Path::new(VECTORS).is_dir() {
        println!("skipped: ../shared/vectors not found");
        return None;
    }
    Some(std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

fn publishsettings_pfx() -> Option<Vec<u8>> {
    use base64::Engine;
    let xml = String::from_utf8(vector("asm/terraform-sample.publishsettings")?).unwrap();
    let start = xml.find("ManagementCertificate=\"").unwrap() + "ManagementCertificate=\"".len();
    let end = start + xml[start..].find('"').unwrap();
    Some(
        base64::engine::general_purpose::STANDARD
            .decode(&xml[start..end])
            .unwrap(),
    )
}

fn pw(s: &str) -> Secret {
    Secret::new(s.into())
}

fn attr_names(bag: &SafeBag) -> Vec<String> {
    bag.attributes.iter().map(Attribute::name).collect()
}

/// Strips in every profile and checks the output reopens with the same bags.
fn strip_all_profiles(data: &[u8], password: Option<&Secret>) {
    for profile in [Profile::Compat, Profile::Aes, Profile::None] {
        let out = strip(
            data,
            password,
            "input",
            &StripOptions {
                profile,
                new_password: None,
            },
        )
        .unwrap_or_else(|e| panic!("{profile:?}: {e}"));
        let before = open(data, password, "input").unwrap();
        let after = open(&out.der, None, "output").unwrap();
        compare(&before.pfx, &after.pfx).unwrap();
        assert_eq!(
            out.output_protection.mac.is_some(),
            profile != Profile::None
        );
        if profile == Profile::Compat {
            assert_eq!(after.protection.password, PasswordForm::EmptyBmp);
            assert_eq!(after.protection.mac.as_ref().unwrap().algorithm, "SHA-1");
            assert!(after
                .protection
                .encryption
                .iter()
                .all(|e| e.algorithm == "pbeWithSHAAnd3-KeyTripleDES-CBC" && e.iterations == 2048));
        }
    }
}

#[test]
fn windows_azure_tools_null_password_mac_without_iterations() {
    let Some(data) = vector("pkcs12/windows-azure-tools.p12") else {
        return;
    };
    let opened = open(&data, None, "t").unwrap();
    let p = &opened.protection;
    assert_eq!(p.password, PasswordForm::EmptyNull);
    assert_eq!(
        p.mac,
        Some(MacInfo {
            algorithm: "SHA-1".into(),
            iterations: 1
        })
    );
    let algs: Vec<_> = p
        .encryption
        .iter()
        .map(|e| (e.protects.as_str(), e.algorithm.as_str(), e.iterations))
        .collect();
    assert_eq!(
        algs,
        [
            ("key", "pbeWithSHAAnd3-KeyTripleDES-CBC", 2000),
            ("certificates", "pbeWithSHAAnd40BitRC2-CBC", 2000)
        ]
    );
    let bags = opened.pfx.all_bags();
    assert_eq!(bags.len(), 2);
    let key = bags[0];
    assert!(matches!(key.value, BagValue::Key { shrouded: true, .. }));
    assert_eq!(key.local_key_id(), Some(vec![1, 0, 0, 0]));
    assert!(
        attr_names(key).contains(&"MS-CSP-Name".to_string()),
        "{:?}",
        attr_names(key)
    );
    let cert = bags[1];
    assert!(cert.value.x509_der().is_some());
    assert_ne!(key.friendly_name(), cert.friendly_name());
    assert!(key.friendly_name().is_some() && cert.friendly_name().is_some());
    strip_all_profiles(&data, None);
}

#[test]
fn windows_ias_peap_keeps_microsoft_attributes() {
    let Some(data) = vector("pkcs12/windows-ias-peap.p12") else {
        return;
    };
    let opened = open(&data, None, "t").unwrap();
    let names: Vec<String> = opened
        .pfx
        .all_bags()
        .iter()
        .flat_map(|b| attr_names(b))
        .collect();
    assert!(names.contains(&"MS-Local-Key-Set".to_string()), "{names:?}");
    assert!(names.contains(&"MS-CSP-Name".to_string()), "{names:?}");
    assert_eq!(
        opened.protection.encryption[0].algorithm,
        "pbeWithSHAAnd40BitRC2-CBC"
    );
    strip_all_profiles(&data, None);
}

#[test]
fn testing_example_com_rfc7292_empty_password() {
    let Some(data) = vector("pkcs12/testing-example-com.p12") else {
        return;
    };
    let contents = read(&data, None, "t").unwrap();
    assert_eq!(contents.protection.password, PasswordForm::EmptyBmp);
    assert_eq!(contents.keys.len(), 1);
    assert_eq!(contents.certificates.len(), 1);
    strip_all_profiles(&data, None);
}

#[test]
fn windows_aes256_sha256_export() {
    let Some(data) = vector("pkcs12/windows-aes256-sha256.p12") else {
        return;
    };
    let err = open(&data, None, "t").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Password);
    assert!(err.to_string().contains("MAC"), "{err}");
    let wrong = open(&data, Some(&pw("passwore")), "t").unwrap_err();
    assert!(wrong.to_string().contains("MAC check failed"), "{wrong}");
    let opened = open(&data, Some(&pw("password")), "t").unwrap();
    assert_eq!(opened.protection.password, PasswordForm::Given);
    assert_eq!(
        opened.protection.mac,
        Some(MacInfo {
            algorithm: "SHA-256".into(),
            iterations: 2000
        })
    );
    assert!(opened
        .protection
        .encryption
        .iter()
        .all(|e| e.algorithm == "PBES2 AES-256-CBC PBKDF2-HMAC-SHA-256" && e.iterations == 2000));
    strip_all_profiles(&data, Some(&pw("password")));
}

#[test]
fn publishsettings_management_certificate_opens() {
    let Some(data) = publishsettings_pfx() else {
        return;
    };
    let contents = read(&data, None, "publishsettings").unwrap();
    assert_eq!(contents.protection.password, PasswordForm::EmptyNull);
    assert_eq!(contents.protection.mac.as_ref().unwrap().iterations, 1);
    assert_eq!(contents.keys.len(), 1);
    assert_eq!(contents.keys[0].local_key_id, Some(vec![1, 0, 0, 0]));
    assert_eq!(
        contents.keys[0].friendly_name.as_deref(),
        Some("{4D1A64E4-37BF-49F2-99D1-596FA235FAD1}")
    );
    assert_eq!(
        contents.certificates[0].friendly_name.as_deref(),
        Some("Pay-As-You-Go-6-2-2015-credentials")
    );
    let thumb = openssl::hash::hash(
        openssl::hash::MessageDigest::sha1(),
        &contents.certificates[0].der,
    )
    .unwrap();
    let hex: String = thumb.iter().map(|b| format!("{b:02X}")).collect();
    assert_eq!(hex, "6A7F31713273EBE91086040703CC857BB5ECC550");
    strip_all_profiles(&data, None);
}

fn sample_key_and_cert() -> (
    openssl::pkey::PKey<openssl::pkey::Private>,
    openssl::x509::X509,
) {
    use openssl::x509::{X509NameBuilder, X509};
    let rsa = openssl::rsa::Rsa::generate(2048).unwrap();
    let key = openssl::pkey::PKey::from_rsa(rsa).unwrap();
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", "pfx test").unwrap();
    let name = name.build();
    let mut b = X509::builder().unwrap();
    b.set_version(2).unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(&name).unwrap();
    b.set_pubkey(&key).unwrap();
    b.set_not_before(&openssl::asn1::Asn1Time::days_from_now(0).unwrap())
        .unwrap();
    b.set_not_after(&openssl::asn1::Asn1Time::days_from_now(30).unwrap())
        .unwrap();
    b.sign(&key, openssl::hash::MessageDigest::sha256())
        .unwrap();
    (key, b.build())
}

#[test]
fn build_writes_what_openssl_reads_with_attributes() {
    let (key, cert) = sample_key_and_cert();
    for profile in [Profile::Compat, Profile::Aes] {
        let der = build(
            &key,
            &cert,
            std::slice::from_ref(&cert),
            Some("mgmt"),
            &pw("s3crét"),
            profile,
        )
        .unwrap();
        let parsed = openssl::pkcs12::Pkcs12::from_der(&der)
            .unwrap()
            .parse2("s3crét")
            .unwrap();
        assert!(parsed.pkey.unwrap().public_eq(&key));
        assert_eq!(
            parsed.cert.unwrap().to_der().unwrap(),
            cert.to_der().unwrap()
        );
        assert_eq!(parsed.ca.map(|c| c.len()), Some(1));
        let ours = read(&der, Some(&pw("s3crét")), "t").unwrap();
        assert_eq!(ours.keys[0].friendly_name.as_deref(), Some("mgmt"));
        assert_eq!(ours.certificates[0].friendly_name.as_deref(), Some("mgmt"));
        assert_eq!(ours.keys[0].local_key_id, ours.certificates[0].local_key_id);
        assert_eq!(ours.keys[0].local_key_id.as_ref().map(Vec::len), Some(20));
        assert_eq!(ours.certificates[1].friendly_name, None);
    }
    assert!(build(&key, &cert, &[], None, &pw(""), Profile::None).is_err());
}

#[test]
fn reads_openssl_output_and_reprotects_with_a_new_password() {
    let (key, cert) = sample_key_and_cert();
    let p12 = openssl::pkcs12::Pkcs12::builder()
        .name("x")
        .pkey(&key)
        .cert(&cert)
        .build2("old")
        .unwrap()
        .to_der()
        .unwrap();
    let new = pw("néw");
    let out = strip(
        &p12,
        Some(&pw("old")),
        "t",
        &StripOptions {
            profile: Profile::Aes,
            new_password: Some(&new),
        },
    )
    .unwrap();
    assert_eq!(
        out.bags,
        BagSummary {
            keys: 1,
            certificates: 1,
            others: 0
        }
    );
    assert_eq!(out.output_protection.password, PasswordForm::Given);
    let parsed = openssl::pkcs12::Pkcs12::from_der(&out.der)
        .unwrap()
        .parse2("néw")
        .unwrap();
    assert!(parsed.pkey.unwrap().public_eq(&key));
    assert!(
        open(&out.der, None, "t").is_err(),
        "the new password is needed"
    );
    let none = strip(
        &p12,
        Some(&pw("old")),
        "t",
        &StripOptions {
            profile: Profile::None,
            new_password: Some(&new),
        },
    );
    assert!(matches!(none, Err(Error::InvalidArgument(_))));
}

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
    let (der, _) = write(&pfx, Profile::Compat, &pw("right")).unwrap();
    let err = open(&der, Some(&pw("wrong")), "f.pfx").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Password);
    assert!(err.to_string().contains("MAC check failed"), "{err}");
    // Without a MAC the decryption itself must fail, and say which part.
    let raw = asn1::parse_pfx(&der).unwrap();
    let no_mac = asn1::write_pfx(&raw.auth_safe, None);
    let err = open(&no_mac, Some(&pw("wrong")), "f.pfx").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Password);
    assert!(
        err.to_string()
            .contains("decrypting container 1 (EncryptedData)"),
        "{err}"
    );
    let ok = open(&no_mac, Some(&pw("right")), "f.pfx").unwrap();
    assert_eq!(ok.protection.mac, None);
    assert_eq!(ok.protection.password, PasswordForm::Given);
}

#[test]
fn null_form_mac_and_explicit_default_iterations() {
    let pfx = sample_pfx();
    let (der, _) = write(&pfx, Profile::None, &pw("")).unwrap();
    let raw = asn1::parse_pfx(&der).unwrap();
    let salt = vec![9u8; 20];
    let digest = crypto::mac(Hash::Sha1, &PasswordBytes::null(), &salt, 1, &raw.auth_safe).unwrap();
    // iterations written out as 1 (a DEFAULT value explicitly encoded, as Python does)
    let mac = OutMac {
        algorithm: oid::SHA1,
        digest,
        salt,
        iterations: 1,
    };
    let with_mac = asn1::write_pfx(&raw.auth_safe, Some(&mac));
    let opened = open(&with_mac, None, "t").unwrap();
    assert_eq!(opened.protection.password, PasswordForm::EmptyNull);
    assert_eq!(opened.protection.mac.unwrap().iterations, 1);
}

#[test]
fn absurd_iteration_counts_are_refused_not_run() {
    let pfx = sample_pfx();
    let (der, _) = write(&pfx, Profile::None, &pw("")).unwrap();
    let raw = asn1::parse_pfx(&der).unwrap();
    let mac = OutMac {
        algorithm: oid::SHA256,
        digest: vec![0; 32],
        salt: vec![1; 8],
        iterations: 4_000_000_000,
    };
    let err = open(&asn1::write_pfx(&raw.auth_safe, Some(&mac)), None, "t").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Input);
    assert!(err.to_string().contains("refusing"), "{err}");
    // the same inside an EncryptedData's parameters
    let alg = crypto::Pbe::Legacy {
        cipher: crypto::LegacyCipher::TripleDes,
        salt: vec![1; 8],
        iterations: 10_000_001,
    }
    .to_der();
    let auth = asn1::write_auth_safe(&[OutContainer::Encrypted {
        algorithm: alg,
        ciphertext: vec![0; 16],
    }]);
    let err = open(&asn1::write_pfx(&auth, None), None, "t").unwrap_err();
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
        let (der, _) = write(&pfx, profile, &pw("")).unwrap();
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
    let (der, _) = write(&pfx, Profile::Compat, &pw("pw")).unwrap();
    let ber = berify(&der);
    assert_ne!(ber, der.to_vec());
    let opened = open(&ber, Some(&pw("pw")), "t").unwrap();
    compare(&pfx, &opened.pfx).unwrap();
    // BER inside the AuthenticatedSafe too, MAC computed over the BER bytes as NSS does.
    let (plain, _) = write(&pfx, Profile::None, &pw("")).unwrap();
    let raw = asn1::parse_pfx(&plain).unwrap();
    let auth_ber = berify(&raw.auth_safe);
    let salt = vec![3u8; 8];
    let digest = crypto::mac(
        Hash::Sha256,
        &PasswordBytes::rfc7292("x"),
        &salt,
        5,
        &auth_ber,
    )
    .unwrap();
    let mac = OutMac {
        algorithm: oid::SHA256,
        digest,
        salt,
        iterations: 5,
    };
    let file = berify(&asn1::write_pfx(&auth_ber, Some(&mac)));
    let opened = open(&file, Some(&pw("x")), "t").unwrap();
    compare(&pfx, &opened.pfx).unwrap();
    let out = strip(
        &file,
        Some(&pw("x")),
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
    let (der, _) = write(&pfx, Profile::Compat, &pw("")).unwrap();
    for len in 0..der.len() {
        let err = open(&der[..len], None, "t").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Input, "truncated to {len}: {err}");
    }
    let (plain, _) = write(&pfx, Profile::None, &pw("")).unwrap();
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
            1u64..1000,
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
        let (der, _) = write(&pfx, profile, &pw(&password)).unwrap();
        let back = open(&der, Some(&pw(&password)), "t").unwrap();
        prop_assert!(compare(&pfx, &back.pfx).is_ok(), "{:?}", compare(&pfx, &back.pfx));
        let out = strip(&der, Some(&pw(&password)), "t", &StripOptions { profile: Profile::Compat, new_password: None }).unwrap();
        let stripped = open(&out.der, None, "t").unwrap();
        prop_assert!(compare(&pfx, &stripped.pfx).is_ok());
        prop_assert_eq!(out.bags, BagSummary::of(&pfx));
    }
}
