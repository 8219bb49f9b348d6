//! Legacy `.publishsettings` files (`docs/azure.md` "Publish settings files"):
//! `<PublishData><PublishProfile>` in schema 1.0 (the profile carries `Url` and
//! `ManagementCertificate`, children `<Subscription Id Name/>`) or 2.0 (each `<Subscription
//! ServiceManagementUrl Id Name ManagementCertificate/>`). A subscription's own attributes
//! win; the profile's are the fallback. `ManagementCertificate` is a base64 PKCS#12 with
//! the empty password (RC2-40 certificate bag, 3DES key, SHA-1 MAC in real files).
//!
//! The file holds private keys: nothing here prints or logs, and the PKCS#12 bytes are
//! zeroized when dropped.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use roxmltree::{Document, Node};
use serde::Serialize;
use zeroize::Zeroizing;

use crate::bundle::{self, CredentialBundle};
use crate::error::{Error, Result};
use crate::x509::thumbprint_sha1;

/// A parsed `.publishsettings` file.
#[derive(Debug)]
pub struct PublishSettings {
    /// `SchemaVersion` of the first profile (`1.0` when absent).
    pub schema_version: String,
    /// Every subscription, in file order.
    pub subscriptions: Vec<PublishedSubscription>,
    /// The distinct management certificates (by SHA-1 thumbprint), in order of first use.
    pub certificates: Vec<ManagementCertificate>,
}

/// One subscription of the file.
#[derive(Debug, Clone, Serialize)]
pub struct PublishedSubscription {
    /// `Id`.
    pub id: String,
    /// `Name`, when given.
    pub name: Option<String>,
    /// `ServiceManagementUrl` (2.0), else the profile's `Url` (1.0).
    pub management_url: String,
    /// SHA-1 thumbprint of its management certificate.
    pub thumbprint: String,
    /// Index into [`PublishSettings::certificates`].
    #[serde(skip)]
    pub certificate: usize,
}

/// A management certificate decoded from the file: certificate(s) and private key.
#[derive(Debug)]
pub struct ManagementCertificate {
    /// SHA-1 thumbprint of the leaf, upper-case hex.
    pub thumbprint: String,
    /// What the PKCS#12 holds.
    pub bundle: CredentialBundle,
}

fn element_location(input: &str, doc: &Document<'_>, node: Node<'_, '_>, path: &str) -> String {
    let pos = doc.text_pos_at(node.range().start);
    format!("{input}: {path} (line {})", pos.row)
}

fn attr(node: Node<'_, '_>, name: &str) -> Option<String> {
    node.attributes()
        .find(|a| a.name() == name)
        .map(|a| a.value().trim().to_string())
        .filter(|v| !v.is_empty())
}

fn elements<'a, 'i>(node: Node<'a, 'i>, name: &'a str) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children()
        .filter(move |c| c.is_element() && c.tag_name().name() == name)
}

/// Parses a `.publishsettings` file and decodes every management certificate in it.
/// `input` names the file in errors, which point at the element and attribute at fault.
pub fn parse(data: &[u8], input: &str) -> Result<PublishSettings> {
    let text = std::str::from_utf8(data)
        .map_err(|_| Error::malformed(input, "not UTF-8 text: a .publishsettings file is XML"))?;
    let text = text.trim_start_matches('\u{feff}').trim_start();
    let doc = Document::parse(text)
        .map_err(|e| Error::malformed(input, format!("malformed XML: {e}")))?;
    let root = doc.root_element();
    if root.tag_name().name() != "PublishData" {
        return Err(Error::malformed(
            input,
            format!(
                "the root element is <{}>, expected <PublishData>",
                root.tag_name().name()
            ),
        ));
    }
    let mut settings = PublishSettings {
        schema_version: String::new(),
        subscriptions: Vec::new(),
        certificates: Vec::new(),
    };
    // Certificates already opened, by their decoded bytes (the same PFX may be split into
    // base64 lines differently in each place), so each PFX is opened once per file.
    let mut decoded: Vec<(Zeroizing<Vec<u8>>, usize)> = Vec::new();
    for (p, profile) in elements(root, "PublishProfile").enumerate() {
        let profile_path = format!("PublishData/PublishProfile[{}]", p + 1);
        if settings.schema_version.is_empty() {
            settings.schema_version =
                attr(profile, "SchemaVersion").unwrap_or_else(|| "1.0".into());
        }
        let profile_url = attr(profile, "Url").or_else(|| attr(profile, "ServiceManagementUrl"));
        let profile_cert = attr(profile, "ManagementCertificate").map(Zeroizing::new);
        for (s, sub) in elements(profile, "Subscription").enumerate() {
            let path = format!("{profile_path}/Subscription[{}]", s + 1);
            let here = element_location(input, &doc, sub, &path);
            let id = attr(sub, "Id")
                .ok_or_else(|| Error::malformed(&here, "attribute Id is missing"))?;
            let management_url = attr(sub, "ServiceManagementUrl")
                .or_else(|| profile_url.clone())
                .ok_or_else(|| {
                    Error::malformed(
                        &here,
                        "attribute ServiceManagementUrl is missing (and the PublishProfile has no Url)",
                    )
                })?;
            let (b64, cert_path) = match attr(sub, "ManagementCertificate") {
                Some(own) => (Zeroizing::new(own), format!("{path}@ManagementCertificate")),
                None => match &profile_cert {
                    Some(shared) => (shared.clone(), format!("{profile_path}@ManagementCertificate")),
                    None => {
                        return Err(Error::malformed(
                            &here,
                            "attribute ManagementCertificate is missing (and the PublishProfile has none)",
                        ))
                    }
                },
            };
            let at = format!("{input}: {cert_path}");
            let der = decode_base64(&b64, &at)?;
            let index = match decoded.iter().find(|(d, _)| **d == *der) {
                Some((_, i)) => *i,
                None => {
                    let cert = certificate_from_pkcs12(&der, &at)?;
                    let i = match settings
                        .certificates
                        .iter()
                        .position(|c| c.thumbprint == cert.thumbprint)
                    {
                        Some(i) => i,
                        None => {
                            settings.certificates.push(cert);
                            settings.certificates.len() - 1
                        }
                    };
                    decoded.push((der, i));
                    i
                }
            };
            settings.subscriptions.push(PublishedSubscription {
                id,
                name: attr(sub, "Name"),
                management_url,
                thumbprint: settings.certificates[index].thumbprint.clone(),
                certificate: index,
            });
        }
    }
    if settings.subscriptions.is_empty() {
        return Err(Error::malformed(
            input,
            "no PublishData/PublishProfile/Subscription element: the file lists no subscription",
        ));
    }
    Ok(settings)
}

/// Decodes one `ManagementCertificate` value: base64 (whitespace ignored), then a PKCS#12
/// opened with the empty password. `at` names the attribute in errors.
pub fn decode_certificate(b64: &str, at: &str) -> Result<ManagementCertificate> {
    certificate_from_pkcs12(&decode_base64(b64, at)?, at)
}

fn decode_base64(b64: &str, at: &str) -> Result<Zeroizing<Vec<u8>>> {
    let compact: Zeroizing<String> =
        Zeroizing::new(b64.chars().filter(|c| !c.is_ascii_whitespace()).collect());
    Ok(Zeroizing::new(
        STANDARD
            .decode(compact.as_bytes())
            .map_err(|e| Error::malformed(at, format!("not valid base64: {e}")))?,
    ))
}

fn certificate_from_pkcs12(der: &[u8], at: &str) -> Result<ManagementCertificate> {
    let bundle = bundle::load(der, None, at).map_err(|e| match e {
        Error::WrongPassword { .. } => Error::malformed(
            at,
            "the PKCS#12 does not open with the empty password, as publishsettings certificates do",
        ),
        Error::Malformed { detail, .. } => {
            Error::malformed(at, format!("not a usable PKCS#12: {detail}"))
        }
        other => other,
    })?;
    if bundle.format != bundle::InputFormat::Pfx {
        return Err(Error::malformed(
            at,
            "holds a bare certificate, not a PKCS#12 with its key",
        ));
    }
    let (leaf, _) = bundle.leaf_with_key()?;
    let der = leaf
        .to_der()
        .map_err(Error::crypto("encoding the certificate"))?;
    Ok(ManagementCertificate {
        thumbprint: thumbprint_sha1(&der),
        bundle,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Option<Vec<u8>> {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/vectors/asm/terraform-sample.publishsettings"
        );
        match std::fs::read(path) {
            Ok(data) => Some(data),
            Err(_) => {
                eprintln!("skipped: ../shared/vectors not found ({path})");
                None
            }
        }
    }

    /// A schema 2.0 file with `n` subscriptions, each carrying the same PFX as base64
    /// split into lines of a different length.
    fn repeated(pfx: &[u8], n: usize) -> String {
        let b64 = STANDARD.encode(pfx);
        let mut subs = String::new();
        for i in 0..n {
            let width = 60 + i;
            let split: Vec<String> = b64
                .as_bytes()
                .chunks(width)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect();
            subs.push_str(&format!(
                "<Subscription ServiceManagementUrl=\"https://management.core.windows.net\" Id=\"00000000-0000-0000-0000-{i:012}\" Name=\"S{i}\" ManagementCertificate=\"{}\" />",
                split.join("\n")
            ));
        }
        format!("<PublishData><PublishProfile SchemaVersion=\"2.0\" PublishMethod=\"AzureServiceManagementAPI\">{subs}</PublishProfile></PublishData>")
    }

    fn fixture_pfx(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/../fixtures/pfx/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    /// Issue 9 hole 2: the same PFX split differently is opened once. The old code keyed
    /// on the base64 text, so ten copies cost ten openings.
    #[test]
    fn one_pfx_split_differently_is_opened_once() {
        std::thread::spawn(|| {
            let pfx = fixture_pfx("empty-password.pfx");
            crate::pfx::read(&pfx, None, "once").unwrap();
            let once = crate::limits::command_spent();
            assert!(once > 0);
            crate::limits::reset_command_budget();
            let s = parse(repeated(&pfx, 10).as_bytes(), "ten").unwrap();
            assert_eq!(s.subscriptions.len(), 10);
            assert_eq!(s.certificates.len(), 1);
            assert_eq!(
                crate::limits::command_spent(),
                once,
                "opened more than once"
            );
        })
        .join()
        .unwrap();
    }

    /// Issue 9 hole 2: a PFX whose MAC alone is over the command's budget is refused before
    /// any derivation runs, wherever it sits.
    #[test]
    fn a_pfx_over_the_budget_is_refused_before_deriving() {
        std::thread::spawn(|| {
            let pfx = fixture_pfx("hostile-iterations.pfx");
            let err = parse(repeated(&pfx, 10).as_bytes(), "ten").unwrap_err();
            assert!(err.to_string().contains("budget"), "{err}");
            assert_eq!(crate::limits::command_spent(), 0, "nothing was derived");
        })
        .join()
        .unwrap();
    }

    #[test]
    fn real_terraform_sample_schema_2() {
        let Some(data) = sample() else { return };
        let s = parse(&data, "sample").unwrap();
        assert_eq!(s.schema_version, "2.0");
        assert_eq!(s.subscriptions.len(), 1);
        let sub = &s.subscriptions[0];
        assert_eq!(sub.id, "a65bf94f-26b3-4fb1-9d50-6e27c6096df1");
        assert_eq!(sub.name.as_deref(), Some("terraform-testing"));
        assert_eq!(sub.management_url, "https://management.core.windows.net");
        // The thumbprint the vectors README gives for this RC2/3DES, null-password PKCS#12.
        assert_eq!(sub.thumbprint, "6A7F31713273EBE91086040703CC857BB5ECC550");
        assert_eq!(s.certificates.len(), 1);
        assert!(s.certificates[0].bundle.key.is_some());
    }

    const CERT: &str = "@CERT@";

    fn with_real_cert(xml: &str) -> Option<String> {
        let data = sample()?;
        let text = String::from_utf8(data).unwrap();
        let start = text.find("ManagementCertificate=\"")? + "ManagementCertificate=\"".len();
        let end = start + text[start..].find('"')?;
        Some(xml.replace(CERT, &text[start..end]))
    }

    #[test]
    fn schema_1_uses_profile_attributes_and_dedupes() {
        let Some(xml) = with_real_cert(
            r#"<PublishData><PublishProfile PublishMethod="AzureServiceManagementAPI" Url="https://management.core.chinacloudapi.cn/" ManagementCertificate="@CERT@">
<Subscription Id="00000000-0000-0000-0000-000000000001" Name="One"/>
<Subscription Id="00000000-0000-0000-0000-000000000002" Name="Two" ServiceManagementUrl="https://management.core.usgovcloudapi.net/"/>
</PublishProfile></PublishData>"#,
        ) else {
            return;
        };
        let s = parse(xml.as_bytes(), "f").unwrap();
        assert_eq!(s.schema_version, "1.0");
        assert_eq!(s.subscriptions.len(), 2);
        assert_eq!(
            s.subscriptions[0].management_url,
            "https://management.core.chinacloudapi.cn/"
        );
        assert_eq!(
            s.subscriptions[1].management_url,
            "https://management.core.usgovcloudapi.net/"
        );
        assert_eq!(s.certificates.len(), 1);
        assert_eq!(s.subscriptions[1].certificate, 0);
    }

    #[test]
    fn errors_name_the_element_and_attribute() {
        let err = |xml: &str| {
            parse(xml.as_bytes(), "f.publishsettings")
                .unwrap_err()
                .to_string()
        };
        assert!(err("<PublishData><PublishProfile>").contains("malformed XML"));
        assert!(err("<Other/>").contains("expected <PublishData>"));
        assert!(err("<PublishData/>").contains("lists no subscription"));
        let e = err(r#"<PublishData><PublishProfile SchemaVersion="2.0">
<Subscription ServiceManagementUrl="https://x/" ManagementCertificate="AAAA"/></PublishProfile></PublishData>"#);
        assert!(
            e.contains("PublishProfile[1]/Subscription[1] (line 2)")
                && e.contains("attribute Id is missing"),
            "{e}"
        );
        let e = err(
            r#"<PublishData><PublishProfile SchemaVersion="2.0"><Subscription Id="a" ManagementCertificate="AAAA"/></PublishProfile></PublishData>"#,
        );
        assert!(e.contains("ServiceManagementUrl is missing"), "{e}");
        let e = err(
            r#"<PublishData><PublishProfile SchemaVersion="2.0"><Subscription Id="a" ServiceManagementUrl="https://x/"/></PublishProfile></PublishData>"#,
        );
        assert!(e.contains("ManagementCertificate is missing"), "{e}");
        let e = err(
            r#"<PublishData><PublishProfile SchemaVersion="2.0"><Subscription Id="a" ServiceManagementUrl="https://x/" ManagementCertificate="%%%"/></PublishProfile></PublishData>"#,
        );
        assert!(
            e.contains("Subscription[1]@ManagementCertificate") && e.contains("base64"),
            "{e}"
        );
        let e = err(
            r#"<PublishData><PublishProfile SchemaVersion="2.0"><Subscription Id="a" ServiceManagementUrl="https://x/" ManagementCertificate="MIIBAAAA"/></PublishProfile></PublishData>"#,
        );
        assert!(
            e.contains("@ManagementCertificate") && e.contains("PKCS#12"),
            "{e}"
        );
        for e in [
            parse(b"<PublishData/>", "f").unwrap_err(),
            parse(b"\xff\xfe", "f").unwrap_err(),
        ] {
            assert_eq!(e.kind(), crate::ErrorKind::Input);
        }
    }
}
