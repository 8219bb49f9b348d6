//! The rules: what each reader does with each kind of protection. Each rule has an id
//! listed, with what it says and its source, in docs/pfx-compatibility.md.

use super::{RuleHit, Verdict};
use crate::pfx::{PasswordForm, Protection, Protects};

/// The encryption of one part, as the rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Cipher {
    /// pbeWithSHAAnd3-KeyTripleDES-CBC.
    TripleDes,
    /// pbeWithSHAAnd2-KeyTripleDES-CBC.
    TwoKeyTripleDes,
    /// pbeWithSHAAnd40BitRC2-CBC or pbeWithSHAAnd128BitRC2-CBC (key bits).
    Rc2(u32),
    /// PBES2 with this cipher (e.g. `AES-256-CBC`) and PRF digest (e.g. `SHA-256`).
    Pbes2 { cipher: String, prf: String },
    /// Anything else, by name.
    Other(String),
}

fn classify(algorithm: &str) -> Cipher {
    match algorithm {
        "pbeWithSHAAnd3-KeyTripleDES-CBC" => Cipher::TripleDes,
        "pbeWithSHAAnd2-KeyTripleDES-CBC" => Cipher::TwoKeyTripleDes,
        "pbeWithSHAAnd40BitRC2-CBC" => Cipher::Rc2(40),
        "pbeWithSHAAnd128BitRC2-CBC" => Cipher::Rc2(128),
        other => match other.strip_prefix("PBES2 ").map(|r| r.split(' ')) {
            Some(mut parts) => {
                let cipher = parts.next().unwrap_or_default().to_string();
                let prf = parts
                    .next()
                    .and_then(|p| p.strip_prefix("PBKDF2-HMAC-"))
                    .unwrap_or_default()
                    .to_string();
                Cipher::Pbes2 { cipher, prf }
            }
            None => Cipher::Other(other.to_string()),
        },
    }
}

/// The facts the rules look at.
pub(super) struct Facts<'a> {
    protection: &'a Protection,
    /// (what, cipher) per encrypted part.
    parts: Vec<(String, Cipher)>,
    has_key: bool,
    key_encrypted: bool,
    empty_password: bool,
}

impl<'a> Facts<'a> {
    pub(super) fn new(protection: &'a Protection, has_key: bool) -> Self {
        let parts = protection
            .encryption
            .iter()
            .map(|e| {
                (
                    format!("{} ({})", e.location, e.protects),
                    classify(&e.algorithm),
                )
            })
            .collect();
        Facts {
            protection,
            parts,
            has_key,
            key_encrypted: protection
                .encryption
                .iter()
                .any(|e| e.protects == Protects::Key),
            empty_password: matches!(
                protection.password,
                PasswordForm::EmptyBmp | PasswordForm::EmptyNull | PasswordForm::NotNeeded
            ),
        }
    }

    fn mac_digest(&self) -> Option<&str> {
        self.protection.mac.as_ref().map(|m| m.algorithm.as_str())
    }

    /// The first encrypted part whose cipher matches, with its description.
    fn part(&self, test: impl Fn(&Cipher) -> bool) -> Option<&str> {
        self.parts
            .iter()
            .find(|(_, c)| test(c))
            .map(|(what, _)| what.as_str())
    }

    fn max_iterations(&self) -> u64 {
        let mac = self.protection.mac.as_ref().map_or(0, |m| m.iterations);
        self.protection
            .encryption
            .iter()
            .map(|e| e.iterations)
            .chain([mac])
            .max()
            .unwrap_or(0)
    }
}

/// Collects the rule hits for one reader.
pub(super) struct Judge {
    pub(super) verdict: Verdict,
    pub(super) rules: Vec<RuleHit>,
}

impl Judge {
    pub(super) fn new() -> Self {
        Judge {
            verdict: Verdict::Opens,
            rules: Vec::new(),
        }
    }

    /// A hit for the first encrypted part that `test` picks, if any.
    fn on_part(
        &mut self,
        f: &Facts<'_>,
        test: impl Fn(&Cipher) -> bool,
        verdict: Verdict,
        rule: &'static str,
        reason: impl FnOnce(&str) -> String,
    ) {
        if let Some(what) = f.part(test) {
            self.hit(verdict, rule, reason(what));
        }
    }

    fn hit(&mut self, verdict: Verdict, rule: &'static str, reason: String) {
        if verdict.rank() > self.verdict.rank() {
            self.verdict = verdict;
        }
        self.rules.push(RuleHit { rule, reason });
    }
}

fn is_rc2(c: &Cipher) -> bool {
    matches!(c, Cipher::Rc2(_))
}

fn is_pbes2(c: &Cipher) -> bool {
    matches!(c, Cipher::Pbes2 { .. })
}

fn is_other(c: &Cipher) -> bool {
    matches!(c, Cipher::Other(_))
}

/// The rule every reader shares: a cipher outside these rules is not decided.
fn unclassified(f: &Facts<'_>, j: &mut Judge) {
    j.on_part(
        f,
        is_other,
        Verdict::Unknown,
        "unclassified-cipher",
        |what| format!("{what}: a cipher these rules do not cover"),
    );
}

fn openssl3(f: &Facts<'_>, j: &mut Judge) {
    j.on_part(f, is_rc2, Verdict::DoesNotOpen, "openssl3-rc2", |what| {
        format!(
            "{what} is RC2, which OpenSSL 3 keeps in its legacy provider \
                 (\"unsupported … RC2-40-CBC\" without -legacy)"
        )
    });
    unclassified(f, j);
}

fn openssl3_legacy(f: &Facts<'_>, j: &mut Judge) {
    unclassified(f, j);
}

fn openssl11(f: &Facts<'_>, j: &mut Judge) {
    if f.protection.mac.is_none() {
        j.hit(
            Verdict::DoesNotOpen,
            "openssl11-no-mac",
            "the file has no MAC: OpenSSL 1.1 verifies the MAC first and fails \
             (`openssl pkcs12` needs -nomacver)"
                .into(),
        );
    }
    unclassified(f, j);
}

fn windows_legacy(f: &Facts<'_>, j: &mut Judge) {
    j.on_part(f, is_pbes2, Verdict::DoesNotOpen, "windows-pbes2", |what| {
        format!(
            "{what} is PBES2 (AES): Windows reads PBES2 PFX files from Windows 10 1709 \
                 and Server 2019 on; older ones report a wrong password"
        )
    });
    if let Some(d) = f.mac_digest().filter(|d| *d != "SHA-1") {
        j.hit(
            Verdict::Unknown,
            "windows-mac-digest",
            format!("the MAC uses {d}; only SHA-1 is documented for these Windows versions"),
        );
    }
    unclassified(f, j);
}

fn windows_modern(f: &Facts<'_>, j: &mut Judge) {
    let odd_pbes2 = |c: &Cipher| matches!(c, Cipher::Pbes2 { cipher, prf } if cipher != "AES-256-CBC" || prf != "SHA-256");
    j.on_part(
        f,
        odd_pbes2,
        Verdict::Unknown,
        "windows-pbes2-variant",
        |what| format!("{what}: Windows documents PBES2 only as AES-256 with SHA-256"),
    );
    if let Some(d) = f.mac_digest().filter(|d| *d != "SHA-1" && *d != "SHA-256") {
        j.hit(
            Verdict::Unknown,
            "windows-mac-digest",
            format!("the MAC uses {d}; Windows documents SHA-1 and SHA-256"),
        );
    }
    unclassified(f, j);
}

fn java_common(f: &Facts<'_>, j: &mut Judge) {
    j.on_part(
        f,
        |c| matches!(c, Cipher::TwoKeyTripleDes),
        Verdict::DoesNotOpen,
        "java-2des",
        |what| {
            format!("{what} is two-key triple DES, which Java's PKCS#12 keystore cannot decrypt")
        },
    );
    let odd_pbes2 = |c: &Cipher| matches!(c, Cipher::Pbes2 { cipher, .. } if cipher != "AES-256-CBC" && cipher != "AES-128-CBC");
    j.on_part(f, odd_pbes2, Verdict::DoesNotOpen, "java-pbes2-cipher", |what| format!("{what}: Java reads PBES2 only with AES-128 or AES-256 (\"parseAlgParameters failed\")"));
    if !f.has_key {
        j.hit(
            Verdict::DoesNotOpen,
            "java-certs-only",
            "the file holds no private key: Java keeps certificates without a key only when \
             they are marked as trusted (`openssl pkcs12 -jdktrust`), so the keystore is empty"
                .into(),
        );
    } else if !f.key_encrypted {
        j.hit(
            Verdict::DoesNotOpen,
            "java-plain-keybag",
            "the private key is in a plain keyBag: Java loads only the certificates and \
             silently drops the key"
                .into(),
        );
    }
    if f.empty_password && j.verdict == Verdict::Opens {
        j.hit(
            Verdict::OpensWithEmptyPassword,
            "java-empty-password",
            "the password is empty: pass it as an empty string (`keytool -storepass \"\"`, \
             `KeyStore.load(in, new char[0])`); a null password skips the encrypted parts"
                .into(),
        );
    }
    unclassified(f, j);
}

fn java8(f: &Facts<'_>, j: &mut Judge) {
    let pbes2 = f.part(is_pbes2);
    let sha2_mac = f.mac_digest().filter(|d| *d != "SHA-1");
    if pbes2.is_some() || sha2_mac.is_some() {
        let what = pbes2
            .map(|w| format!("{w} is PBES2"))
            .unwrap_or_else(|| format!("the MAC uses {}", sha2_mac.unwrap_or_default()));
        j.hit(
            Verdict::DoesNotOpen,
            "java8-pbes2",
            format!(
                "{what}: Java 8 before update 301 (and Java 11 before 11.0.12) reads neither \
                 PBES2 nor SHA-2 MACs and reports \"keystore password was incorrect\""
            ),
        );
    }
    java_common(f, j);
}

fn java17(f: &Facts<'_>, j: &mut Judge) {
    java_common(f, j);
}

fn go_pkcs12(f: &Facts<'_>, j: &mut Judge) {
    match f.mac_digest() {
        None if !f.empty_password => j.hit(
            Verdict::DoesNotOpen,
            "go-no-mac",
            "the file has no MAC: go-pkcs12 accepts that only for password-less files \
             (\"pkcs12: no MAC in data\")"
                .into(),
        ),
        Some("SHA-1") | None => {}
        Some("SHA-256") => j.hit(
            Verdict::DoesNotOpen,
            "go-sha256-mac",
            "the MAC uses SHA-256: golang.org/x/crypto/pkcs12 and older go-pkcs12 builds fail \
             with \"unknown digest algorithm: 2.16.840.1.101.3.4.2.1\""
                .into(),
        ),
        Some(d) => j.hit(
            Verdict::DoesNotOpen,
            "go-mac-digest",
            format!("the MAC uses {d}: go-pkcs12 fails with \"unknown digest algorithm\""),
        ),
    }
    j.on_part(f, is_pbes2, Verdict::DoesNotOpen, "go-pbes2", |what| {
        format!(
            "{what} is PBES2: golang.org/x/crypto/pkcs12 and older go-pkcs12 builds read \
                 only 3DES and RC2-40 (\"decryption password incorrect\" or \"unknown algorithm\")"
        )
    });
    let unsupported = |c: &Cipher| {
        matches!(
            c,
            Cipher::TwoKeyTripleDes | Cipher::Rc2(128) | Cipher::Other(_)
        )
    };
    j.on_part(
        f,
        unsupported,
        Verdict::DoesNotOpen,
        "go-legacy-cipher",
        |what| format!("{what}: go-pkcs12 reads of the legacy ciphers only 3DES and RC2-40"),
    );
}

fn python(f: &Facts<'_>, j: &mut Judge) {
    unclassified(f, j);
}

fn dotnet(f: &Facts<'_>, j: &mut Judge) {
    if f.empty_password && f.max_iterations() > 10_000 {
        j.hit(
            Verdict::DoesNotOpen,
            "dotnet-iterations",
            format!(
                "the password is empty and the file asks for {} iterations: .NET refuses \
                 password-less files that ask for more than 10 000",
                f.max_iterations()
            ),
        );
    }
    windows_modern(f, j);
}

fn azure_identity(f: &Facts<'_>, j: &mut Judge) {
    if !f.has_key {
        j.hit(
            Verdict::DoesNotOpen,
            "azure-identity-key",
            "the file holds no private key: CertificateCredential needs one".into(),
        );
    }
    python(f, j);
}

fn rust_p12(f: &Facts<'_>, j: &mut Judge) {
    j.on_part(
        f,
        |c| !matches!(c, Cipher::TripleDes | Cipher::Rc2(40)),
        Verdict::DoesNotOpen,
        "p12-cipher",
        |what| format!("{what}: the p12 crate decrypts only 3DES and RC2-40"),
    );
    if let Some(d) = f.mac_digest().filter(|d| *d != "SHA-1") {
        j.hit(
            Verdict::DoesNotOpen,
            "p12-mac",
            format!("the MAC uses {d}: the p12 crate verifies only SHA-1 MACs"),
        );
    }
    if f.protection.mac.as_ref().is_some_and(|m| m.iterations == 1) {
        j.hit(
            Verdict::Unknown,
            "p12-mac-iterations",
            "the MAC iteration count is 1, usually because the field is omitted, which the \
             p12 crate cannot parse"
                .into(),
        );
    }
    if f.has_key && !f.key_encrypted {
        j.hit(
            Verdict::DoesNotOpen,
            "p12-plain-keybag",
            "the private key is in a plain keyBag: the p12 crate returns only shrouded keys".into(),
        );
    }
    if f.protection.password == PasswordForm::EmptyNull {
        j.hit(
            Verdict::DoesNotOpen,
            "p12-empty-null",
            "the empty password is in its zero-length form: the p12 crate tries only the \
             RFC 7292 form (00 00)"
                .into(),
        );
    }
    if f.protection.password == PasswordForm::GivenWidenedBytes {
        j.hit(
            Verdict::DoesNotOpen,
            "p12-widened-password",
            "the password was encoded byte by byte (pre-1.1.0 OpenSSL): the p12 crate \
             encodes it as UTF-16"
                .into(),
        );
    }
}

pub(super) type Rules = fn(&Facts<'_>, &mut Judge);

/// The readers, in report order: (id, name, rules).
pub(super) const READERS: [(&str, &str, Rules); 13] = [
    (
        "openssl3",
        "OpenSSL 3 (default provider, no -legacy)",
        openssl3,
    ),
    ("openssl3-legacy", "OpenSSL 3 with -legacy", openssl3_legacy),
    ("openssl1.1", "OpenSSL 1.1", openssl11),
    (
        "windows-2016",
        "Windows Server 2016 and older, App Service on older workers",
        windows_legacy,
    ),
    (
        "windows-10-1709",
        "Windows 10 1709+ / Server 2019+",
        windows_modern,
    ),
    ("java8", "Java keytool 8", java8),
    ("java17", "Java keytool 17", java17),
    (
        "go-pkcs12",
        "Go go-pkcs12 (Terraform azurerm provider)",
        go_pkcs12,
    ),
    ("python-cryptography", "Python cryptography", python),
    (
        "dotnet",
        ".NET X509Certificate2 (Windows 10 1709+ or Linux)",
        dotnet,
    ),
    (
        "azure-identity",
        "azure-identity CertificateCredential (Python)",
        azure_identity,
    ),
    ("rust-p12", "Rust p12 crate", rust_p12),
    ("openssl-crate", "Rust openssl crate (OpenSSL 3)", openssl3),
];

/// Every rule id the readers can report, for the doc-vs-code test.
pub const RULE_IDS: [&str; 25] = [
    "unclassified-cipher",
    "openssl3-rc2",
    "openssl11-no-mac",
    "windows-pbes2",
    "windows-mac-digest",
    "windows-pbes2-variant",
    "java-2des",
    "java-pbes2-cipher",
    "java-plain-keybag",
    "java-certs-only",
    "java-empty-password",
    "java8-pbes2",
    "go-no-mac",
    "go-sha256-mac",
    "go-mac-digest",
    "go-pbes2",
    "go-legacy-cipher",
    "dotnet-iterations",
    "azure-identity-key",
    "p12-cipher",
    "p12-mac",
    "p12-mac-iterations",
    "p12-plain-keybag",
    "p12-empty-null",
    "p12-widened-password",
];
