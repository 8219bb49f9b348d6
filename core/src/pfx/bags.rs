//! The bag-level model of a PFX: containers, SafeBags and their attributes, as found in
//! the file and independent of how it was protected.

use yasna::models::ObjectIdentifier;
use zeroize::Zeroizing;

use super::ber::{octet_string, parse};
use super::encode;
use super::oids::{self, is_oid};

/// One attribute of a SafeBag, kept as found: its OID and the DER of each value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// The attribute type, e.g. 1.2.840.113549.1.9.20 (friendlyName).
    pub oid: ObjectIdentifier,
    /// Each value of the attribute's SET, as DER.
    pub values: Vec<Vec<u8>>,
}

impl Attribute {
    /// The attribute's DER encoding (`SEQUENCE { oid, SET OF value }`).
    pub fn to_der(&self) -> Vec<u8> {
        yasna::construct_der(|w| encode::write_attribute(w, &self.oid, &self.values))
    }

    /// A short name for well-known attributes (`friendlyName`, `localKeyID`,
    /// `MS-CSP-Name`, `MS-Local-Key-Set`), else the dotted OID.
    pub fn name(&self) -> String {
        [
            (oids::FRIENDLY_NAME, "friendlyName"),
            (oids::LOCAL_KEY_ID, "localKeyID"),
            (oids::MS_CSP_NAME, "MS-CSP-Name"),
            (oids::MS_LOCAL_KEY_SET, "MS-Local-Key-Set"),
        ]
        .into_iter()
        .find(|(arcs, _)| is_oid(&self.oid, arcs))
        .map_or_else(|| self.oid.to_string(), |(_, name)| name.to_owned())
    }

    /// A friendlyName attribute holding `name` as a BMPString.
    pub fn friendly_name(name: &str) -> Attribute {
        Attribute {
            oid: ObjectIdentifier::from_slice(oids::FRIENDLY_NAME),
            values: vec![yasna::construct_der(|w| w.write_bmp_string(name))],
        }
    }

    /// A localKeyID attribute holding `id` as an OCTET STRING.
    pub fn local_key_id(id: &[u8]) -> Attribute {
        Attribute {
            oid: ObjectIdentifier::from_slice(oids::LOCAL_KEY_ID),
            values: vec![yasna::construct_der(|w| w.write_bytes(id))],
        }
    }
}

/// What a SafeBag holds.
#[derive(Clone)]
pub enum BagValue {
    /// A private key (keyBag, or pkcs8ShroudedKeyBag decrypted).
    Key {
        /// The PKCS#8 PrivateKeyInfo DER, exactly as it was inside the bag.
        pkcs8: Zeroizing<Vec<u8>>,
        /// Whether the key was in a pkcs8ShroudedKeyBag (encrypted on its own).
        shrouded: bool,
    },
    /// A certBag.
    Certificate {
        /// certId, e.g. x509Certificate (1.2.840.113549.1.9.22.1).
        cert_type: ObjectIdentifier,
        /// The DER of certValue (for X.509: an OCTET STRING holding the certificate).
        value: Vec<u8>,
    },
    /// A crlBag.
    Crl {
        /// crlId.
        crl_type: ObjectIdentifier,
        /// The DER of crlValue.
        value: Vec<u8>,
    },
    /// A secretBag: the whole SecretBag DER.
    Secret(Zeroizing<Vec<u8>>),
    /// A safeContentsBag: nested bags.
    SafeContents(Vec<SafeBag>),
    /// A bag of a type certtool does not know: kept as its value's DER.
    Other {
        /// bagId.
        bag_type: ObjectIdentifier,
        /// The DER of bagValue.
        value: Vec<u8>,
    },
}

impl BagValue {
    /// A word for reports: `key`, `certificate`, `crl`, `secret`, `safe-contents`, `other`.
    pub fn kind(&self) -> &'static str {
        match self {
            BagValue::Key { .. } => "key",
            BagValue::Certificate { .. } => "certificate",
            BagValue::Crl { .. } => "crl",
            BagValue::Secret(_) => "secret",
            BagValue::SafeContents(_) => "safe-contents",
            BagValue::Other { .. } => "other",
        }
    }

    /// For an X.509 certificate bag: the certificate's DER.
    pub fn x509_der(&self) -> Option<Vec<u8>> {
        match self {
            BagValue::Certificate { cert_type, value }
                if is_oid(cert_type, oids::X509_CERTIFICATE) =>
            {
                octet_string(value).ok()
            }
            _ => None,
        }
    }
}

impl std::fmt::Debug for BagValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BagValue::Key { pkcs8, shrouded } => f
                .debug_struct("Key")
                .field("pkcs8_len", &pkcs8.len())
                .field("shrouded", shrouded)
                .finish(),
            BagValue::Secret(v) => f.debug_struct("Secret").field("len", &v.len()).finish(),
            BagValue::Certificate { cert_type, value } => f
                .debug_struct("Certificate")
                .field("cert_type", &cert_type.to_string())
                .field("len", &value.len())
                .finish(),
            BagValue::Crl { crl_type, value } => f
                .debug_struct("Crl")
                .field("crl_type", &crl_type.to_string())
                .field("len", &value.len())
                .finish(),
            BagValue::SafeContents(bags) => f.debug_tuple("SafeContents").field(bags).finish(),
            BagValue::Other { bag_type, value } => f
                .debug_struct("Other")
                .field("bag_type", &bag_type.to_string())
                .field("len", &value.len())
                .finish(),
        }
    }
}

/// One SafeBag: its value and its attributes in file order.
#[derive(Debug, Clone)]
pub struct SafeBag {
    /// What the bag holds.
    pub value: BagValue,
    /// bagAttributes, each byte for byte as found (DER).
    pub attributes: Vec<Attribute>,
}

impl SafeBag {
    /// The first value of the attribute `arcs` decoded by `decode`.
    fn attribute<T>(&self, arcs: &[u64], decode: impl Fn(&[u8]) -> Option<T>) -> Option<T> {
        self.attributes
            .iter()
            .find(|a| is_oid(&a.oid, arcs))
            .and_then(|a| a.values.first())
            .and_then(|v| decode(v))
    }

    /// The friendlyName attribute, if any (without the NUL terminator Windows adds).
    pub fn friendly_name(&self) -> Option<String> {
        self.attribute(oids::FRIENDLY_NAME, |v| {
            let name = parse(v, |r| r.read_bmp_string()).ok()?;
            Some(name.trim_end_matches('\0').to_owned())
        })
    }

    /// The localKeyID attribute, if any.
    pub fn local_key_id(&self) -> Option<Vec<u8>> {
        self.attribute(oids::LOCAL_KEY_ID, |v| octet_string(v).ok())
    }

    /// The attributes' DER encodings, in order.
    pub fn attributes_der(&self) -> Vec<Vec<u8>> {
        self.attributes.iter().map(Attribute::to_der).collect()
    }
}

/// One container of the AuthenticatedSafe: plain Data or EncryptedData, with its bags.
#[derive(Debug, Clone)]
pub struct Container {
    /// Whether the container was (or is to be) an EncryptedData.
    pub encrypted: bool,
    /// Its SafeBags, in order.
    pub bags: Vec<SafeBag>,
}

/// The bag-level contents of a PFX, independent of its protection.
#[derive(Debug, Clone, Default)]
pub struct Pfx {
    /// The AuthenticatedSafe's containers, in order.
    pub containers: Vec<Container>,
}

impl Pfx {
    /// Every bag, depth first, nested safeContents bags included, in file order.
    pub fn all_bags(&self) -> Vec<&SafeBag> {
        fn walk<'a>(bags: &'a [SafeBag], out: &mut Vec<&'a SafeBag>) {
            for b in bags {
                out.push(b);
                if let BagValue::SafeContents(inner) = &b.value {
                    walk(inner, out);
                }
            }
        }
        let mut out = Vec::new();
        for c in &self.containers {
            walk(&c.bags, &mut out);
        }
        out
    }
}
