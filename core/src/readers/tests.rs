use super::*;
use crate::pfx::{EncryptionInfo, MacInfo, Protects};

fn enc(protects: Protects, algorithm: &str, iterations: u64) -> EncryptionInfo {
    EncryptionInfo {
        protects,
        algorithm: algorithm.into(),
        iterations,
        location: match protects {
            Protects::Key => "shrouded key bag 1 (container 2)".into(),
            _ => "container 1".into(),
        },
    }
}

fn protection(
    mac: Option<(&str, u64)>,
    parts: &[(Protects, &str)],
    password: PasswordForm,
) -> Protection {
    Protection {
        mac: mac.map(|(algorithm, iterations)| MacInfo {
            algorithm: algorithm.into(),
            iterations,
        }),
        encryption: parts.iter().map(|(p, a)| enc(*p, a, 2048)).collect(),
        password,
    }
}

const TDES: &str = "pbeWithSHAAnd3-KeyTripleDES-CBC";
const RC2_40: &str = "pbeWithSHAAnd40BitRC2-CBC";
const AES: &str = "PBES2 AES-256-CBC PBKDF2-HMAC-SHA-256";

fn verdict_of(report: &ReadersReport, id: &str) -> Verdict {
    report
        .readers
        .iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("no reader {id}"))
        .verdict
}

fn compat(password: PasswordForm) -> Protection {
    protection(
        Some(("SHA-1", 2048)),
        &[(Protects::Certificates, TDES), (Protects::Key, TDES)],
        password,
    )
}

#[test]
fn compat_opens_everywhere_and_needs_no_fix() {
    let report = verdicts(&compat(PasswordForm::Given), true, "app.pfx");
    assert!(report.opens_everywhere, "{report:#?}");
    assert_eq!(report.fix, None);
    assert!(report.readers.iter().all(|r| r.verdict == Verdict::Opens));
    // With the empty password Java must be handed "" explicitly; still everywhere.
    let report = verdicts(&compat(PasswordForm::EmptyBmp), true, "app.pfx");
    assert!(report.opens_everywhere);
    assert_eq!(
        verdict_of(&report, "java17"),
        Verdict::OpensWithEmptyPassword
    );
    assert_eq!(verdict_of(&report, "openssl3"), Verdict::Opens);
}

#[test]
fn openssl3_default_aes_file_fails_on_old_windows_go_java8_and_p12() {
    let p = protection(
        Some(("SHA-256", 2048)),
        &[(Protects::Certificates, AES), (Protects::Key, AES)],
        PasswordForm::Given,
    );
    let report = verdicts(&p, true, "my cert.pfx");
    for id in ["windows-2016", "java8", "go-pkcs12", "rust-p12"] {
        assert_eq!(verdict_of(&report, id), Verdict::DoesNotOpen, "{id}");
    }
    for id in [
        "openssl3",
        "openssl3-legacy",
        "openssl1.1",
        "windows-10-1709",
        "java17",
        "python-cryptography",
        "dotnet",
        "azure-identity",
    ] {
        assert_eq!(verdict_of(&report, id), Verdict::Opens, "{id}");
    }
    let go = report.readers.iter().find(|r| r.id == "go-pkcs12").unwrap();
    assert!(go.rules[0]
        .reason
        .contains("unknown digest algorithm: 2.16.840.1.101.3.4.2.1"));
    assert!(!report.opens_everywhere);
    assert_eq!(
        report.fix.as_deref(),
        Some(
            "certtool strip-pfx 'my cert.pfx' -o 'my cert-compat.pfx' --profile compat \
             --password-env PFX_PASSWORD --new-password-env PFX_PASSWORD"
        )
    );
}

#[test]
fn rc2_fails_only_on_openssl3_without_legacy() {
    let p = protection(
        Some(("SHA-1", 2048)),
        &[(Protects::Certificates, RC2_40), (Protects::Key, TDES)],
        PasswordForm::EmptyNull,
    );
    let report = verdicts(&p, true, "legacy.pfx");
    assert_eq!(verdict_of(&report, "openssl3"), Verdict::DoesNotOpen);
    assert_eq!(verdict_of(&report, "openssl-crate"), Verdict::DoesNotOpen);
    assert_eq!(verdict_of(&report, "openssl3-legacy"), Verdict::Opens);
    assert_eq!(verdict_of(&report, "windows-2016"), Verdict::Opens);
    // The zero-length empty form: p12 tries only 00 00.
    assert_eq!(verdict_of(&report, "rust-p12"), Verdict::DoesNotOpen);
    assert_eq!(
        report.fix.as_deref(),
        Some("certtool strip-pfx legacy.pfx -o legacy-compat.pfx --profile compat")
    );
}

#[test]
fn unprotected_key_is_lost_by_java_and_openssl11_needs_a_mac() {
    let p = protection(None, &[], PasswordForm::NotNeeded);
    let report = verdicts(&p, true, "stdin");
    assert_eq!(verdict_of(&report, "java17"), Verdict::DoesNotOpen);
    assert_eq!(verdict_of(&report, "openssl1.1"), Verdict::DoesNotOpen);
    assert_eq!(verdict_of(&report, "openssl3"), Verdict::Opens);
    assert_eq!(verdict_of(&report, "go-pkcs12"), Verdict::Opens);
    assert_eq!(
        report.fix.as_deref(),
        Some("certtool strip-pfx - -o compat.pfx --profile compat")
    );
    // Without a key, Java keeps no entry and azure-identity has nothing to sign with.
    let report = verdicts(&p, false, "certs.pfx");
    assert_eq!(verdict_of(&report, "java17"), Verdict::DoesNotOpen);
    assert_eq!(verdict_of(&report, "azure-identity"), Verdict::DoesNotOpen);
}

#[test]
fn java_and_go_reject_other_legacy_and_pbes2_ciphers() {
    let p = protection(
        Some(("SHA-512", 2048)),
        &[
            (Protects::Certificates, "pbeWithSHAAnd2-KeyTripleDES-CBC"),
            (Protects::Key, "PBES2 AES-192-CBC PBKDF2-HMAC-SHA-256"),
        ],
        PasswordForm::Given,
    );
    let report = verdicts(&p, true, "x.pfx");
    let java = report.readers.iter().find(|r| r.id == "java17").unwrap();
    let rules: Vec<&str> = java.rules.iter().map(|r| r.rule).collect();
    assert_eq!(rules, ["java-2des", "java-pbes2-cipher"]);
    assert_eq!(java.verdict, Verdict::DoesNotOpen);
    assert_eq!(verdict_of(&report, "go-pkcs12"), Verdict::DoesNotOpen);
    assert_eq!(verdict_of(&report, "windows-10-1709"), Verdict::Unknown);
}

#[test]
fn dotnet_refuses_passwordless_files_with_many_iterations() {
    let mut p = compat(PasswordForm::EmptyBmp);
    p.encryption[1].iterations = 600_000;
    let report = verdicts(&p, true, "nss.p12");
    assert_eq!(verdict_of(&report, "dotnet"), Verdict::DoesNotOpen);
    let mut p = compat(PasswordForm::Given);
    p.encryption[1].iterations = 600_000;
    assert_eq!(
        verdict_of(&verdicts(&p, true, "nss.p12"), "dotnet"),
        Verdict::Opens
    );
}

/// A fresh RSA key and a self-signed certificate for it.
fn key_and_cert() -> (
    openssl::pkey::PKey<openssl::pkey::Private>,
    openssl::x509::X509,
) {
    let key = crate::keys::generate_rsa(2048, false).unwrap();
    let request = crate::generate::CertificateRequest {
        common_name: "readers".into(),
        validity: crate::generate::Validity::Days(30),
        now: time::OffsetDateTime::now_utc(),
        serial: crate::generate::random_serial().unwrap(),
    };
    let cert = crate::generate::self_signed(&key, &request).unwrap();
    (key, cert)
}

#[test]
fn what_certtool_writes_in_compat_opens_everywhere() {
    let (key, cert) = key_and_cert();
    for password in [
        crate::secret::Secret::empty(),
        crate::secret::Secret::new("pw".into()),
    ] {
        let der = crate::pfx::build(
            &key,
            &cert,
            &[],
            None,
            &password,
            crate::pfx::Profile::Compat,
        )
        .unwrap();
        let read = crate::pfx::read(&der, Some(&password), "compat.pfx").unwrap();
        let report = verdicts(&read.protection, true, "compat.pfx");
        assert!(report.opens_everywhere, "{report:#?}");
        let aes =
            crate::pfx::build(&key, &cert, &[], None, &password, crate::pfx::Profile::Aes).unwrap();
        let read = crate::pfx::read(&aes, Some(&password), "aes.pfx").unwrap();
        assert!(!verdicts(&read.protection, true, "aes.pfx").opens_everywhere);
    }
}

#[test]
fn every_rule_is_listed_with_a_source_in_the_docs() {
    let doc = include_str!("../../../docs/pfx-compatibility.md");
    for id in RULE_IDS {
        let row = doc
            .lines()
            .find(|l| l.starts_with(&format!("| `{id}` |")))
            .unwrap_or_else(|| panic!("docs/pfx-compatibility.md has no row for rule {id}"));
        assert!(row.contains("https://"), "rule {id} cites no source: {row}");
    }
    for (id, name, _) in READERS {
        assert!(
            doc.contains(name),
            "docs/pfx-compatibility.md does not name {id} ({name})"
        );
    }
}

#[test]
fn every_rule_reported_is_a_listed_rule() {
    let cases = [
        compat(PasswordForm::EmptyNull),
        protection(None, &[(Protects::Other, "RC4")], PasswordForm::Given),
        protection(
            Some(("SHA-384", 1)),
            &[
                (Protects::Certificates, RC2_40),
                (Protects::Key, "PBES2 DES-EDE3-CBC PBKDF2-HMAC-SHA-1"),
            ],
            PasswordForm::GivenWidenedBytes,
        ),
        protection(None, &[], PasswordForm::NotNeeded),
    ];
    for p in &cases {
        for has_key in [true, false] {
            for r in verdicts(p, has_key, "f.pfx").readers {
                for hit in r.rules {
                    assert!(RULE_IDS.contains(&hit.rule), "unlisted rule {}", hit.rule);
                }
            }
        }
    }
}

#[test]
fn verdicts_read_the_same_in_text_and_json() {
    for v in [
        Verdict::Opens,
        Verdict::OpensWithEmptyPassword,
        Verdict::DoesNotOpen,
        Verdict::Unknown,
    ] {
        assert_eq!(serde_json::to_value(v).unwrap(), v.to_string());
    }
}

/// What the independent `p12` crate makes of `der`: the MAC verifies, the certificates
/// decrypt and (when the file has one) the key. The crate asserts its SHA-1 MAC in debug
/// builds, so a panic counts as "does not open".
fn p12_opens(der: &[u8], password: &str, has_key: bool) -> bool {
    std::panic::catch_unwind(|| {
        let Ok(pfx) = p12::PFX::parse(der) else {
            return false;
        };
        let certs = pfx.cert_x509_bags(password).is_ok_and(|c| !c.is_empty());
        let keys = pfx.key_bags(password).is_ok_and(|k| !k.is_empty());
        pfx.verify_mac(password) && certs && (keys || !has_key)
    })
    .unwrap_or(false)
}

#[test]
fn the_p12_crate_reads_what_the_compat_profile_writes() {
    let (key, cert) = key_and_cert();
    for password in ["", "pässwörd"] {
        let secret = crate::secret::Secret::new(password.into());
        let der = crate::pfx::build(
            &key,
            &cert,
            &[],
            Some("p12 reader"),
            &secret,
            crate::pfx::Profile::Compat,
        )
        .unwrap();
        let pfx = p12::PFX::parse(&der).unwrap();
        assert!(pfx.verify_mac(password));
        assert_eq!(
            pfx.cert_x509_bags(password).unwrap(),
            [cert.to_der().unwrap()]
        );
        let keys = pfx.key_bags(password).unwrap();
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0], key.private_key_to_pkcs8().unwrap());
        // And what it cannot read, the aes profile, it is predicted not to.
        let aes =
            crate::pfx::build(&key, &cert, &[], None, &secret, crate::pfx::Profile::Aes).unwrap();
        assert!(!p12_opens(&aes, password, true));
    }
}

#[test]
fn the_p12_verdicts_match_the_crate_on_every_fixture() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/pfx");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if !matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("pfx" | "p12")
        ) {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name == "hostile-iterations.pfx" {
            continue; // refused by the key-derivation budget before any reader matters
        }
        // Each fixture is its own command: one command's budget would not cover them all.
        crate::limits::reset_command_budget();
        let password = match name.as_str() {
            "empty-password.pfx" | "no-protection.pfx" | "python-noencryption.p12" => "",
            "unicode-password.pfx" => "pässwörd-ключ",
            _ => "fixture-pass",
        };
        let der = std::fs::read(&path).unwrap();
        let secret = crate::secret::Secret::new(password.into());
        let read = crate::pfx::read(&der, Some(&secret), &name).unwrap();
        let has_key = !read.keys.is_empty();
        let report = verdicts(&read.protection, has_key, &name);
        let expected = match verdict_of(&report, "rust-p12") {
            Verdict::Opens | Verdict::OpensWithEmptyPassword => true,
            Verdict::DoesNotOpen => false,
            Verdict::Unknown => continue,
        };
        assert_eq!(
            p12_opens(&der, password, has_key),
            expected,
            "{name}: the readers block says p12 {}",
            if expected { "opens it" } else { "does not" }
        );
        checked += 1;
    }
    assert!(checked >= 15, "only {checked} fixtures checked");
}
