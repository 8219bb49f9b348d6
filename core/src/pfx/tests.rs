//! Tests of the PKCS#12 engine over the real vectors in [`VECTORS`] (read in
//! place; skipped with a note when the directory is absent) and against OpenSSL.

use super::*;
use crate::error::{Error, ErrorKind};
use crate::secret::Secret;

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

pub(super) fn secret(s: &str) -> Secret {
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
    let wrong = open(&data, Some(&secret("passwore")), "t").unwrap_err();
    assert!(wrong.to_string().contains("MAC check failed"), "{wrong}");
    let opened = open(&data, Some(&secret("password")), "t").unwrap();
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
    strip_all_profiles(&data, Some(&secret("password")));
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

pub(super) fn sample_key_and_cert() -> (
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

/// Checks that OpenSSL opens `der` with `password` and finds `key` and `cert`; returns
/// the other certificates it found.
fn openssl_opens_with(
    der: &[u8],
    password: &str,
    key: &openssl::pkey::PKey<openssl::pkey::Private>,
    cert: &openssl::x509::X509,
) -> Option<openssl::stack::Stack<openssl::x509::X509>> {
    let parsed = openssl::pkcs12::Pkcs12::from_der(der)
        .unwrap()
        .parse2(password)
        .unwrap();
    assert!(parsed.pkey.unwrap().public_eq(key));
    assert_eq!(
        parsed.cert.unwrap().to_der().unwrap(),
        cert.to_der().unwrap()
    );
    parsed.ca
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
            &secret("s3crét"),
            profile,
        )
        .unwrap();
        let ca = openssl_opens_with(&der, "s3crét", &key, &cert);
        assert_eq!(ca.map(|c| c.len()), Some(1));
        let ours = read(&der, Some(&secret("s3crét")), "t").unwrap();
        assert_eq!(ours.keys[0].friendly_name.as_deref(), Some("mgmt"));
        assert_eq!(ours.certificates[0].friendly_name.as_deref(), Some("mgmt"));
        assert_eq!(ours.keys[0].local_key_id, ours.certificates[0].local_key_id);
        assert_eq!(ours.keys[0].local_key_id.as_ref().map(Vec::len), Some(20));
        assert_eq!(ours.certificates[1].friendly_name, None);
    }
    // Profile none (import --profile none): no MAC, no encryption, key and certificate kept.
    let plain = build(&key, &cert, &[], Some("mgmt"), &secret(""), Profile::None).unwrap();
    let opened = read(&plain, None, "t").unwrap();
    assert!(opened.protection.mac.is_none());
    assert!(opened.protection.encryption.is_empty());
    assert!(opened.keys[0].key.public_eq(&key));
    assert_eq!(opened.certificates[0].der, cert.to_der().unwrap());
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
    let new = secret("néw");
    let out = strip(
        &p12,
        Some(&secret("old")),
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
        Some(&secret("old")),
        "t",
        &StripOptions {
            profile: Profile::None,
            new_password: Some(&new),
        },
    );
    assert!(matches!(none, Err(Error::InvalidArgument(_))));
}

/// Regression, from the `pfx_built` fuzz target: a bag attribute of type 1.1.4204662
/// (`29 82 80 D0 76`, a zero base-128 digit inside an arc) and no values made the
/// SafeContents unreadable ("invalid or unexpected ASN.1 encoding"), while OpenSSL opens
/// the file and lists the attribute as "<No Values>".
#[test]
fn attribute_type_with_a_zero_digit_inside_an_arc_opens_as_in_openssl() {
    let (key, cert) = sample_key_and_cert();
    let attributes = vec![
        Attribute::friendly_name("Hpr"),
        Attribute {
            oid: ObjectIdentifier::from_slice(&[1, 1, 4204662]),
            values: Vec::new(),
        },
    ];
    let pfx = Pfx {
        containers: vec![Container {
            encrypted: false,
            bags: vec![
                SafeBag {
                    value: BagValue::Key {
                        pkcs8: zeroize::Zeroizing::new(key.private_key_to_pkcs8().unwrap()),
                        shrouded: false,
                    },
                    attributes: attributes.clone(),
                },
                SafeBag {
                    value: x509_bag(&cert.to_der().unwrap()),
                    attributes,
                },
            ],
        }],
    };
    // `write` reads its output back before returning it, so this failed here too.
    let (der, _) = write(&pfx, Profile::Compat, &secret("")).unwrap();
    openssl_opens_with(&der, "", &key, &cert);
    let ours = read(&der, None, "t").unwrap();
    compare(&pfx, &ours.pfx).unwrap();
    let odd = &ours.pfx.containers[0].bags[0].attributes[1];
    assert_eq!(odd.name(), "1.1.4204662");
    assert!(odd.values.is_empty());
    assert_eq!(ours.keys[0].friendly_name.as_deref(), Some("Hpr"));
}
