//! A new PFX from a key, its certificate and a chain, written through the same writer
//! as every other PFX.

use openssl::pkey::{PKey, Private};
use openssl::x509::X509;
use yasna::models::ObjectIdentifier;
use zeroize::Zeroizing;

use super::bags::{Attribute, BagValue, Container, Pfx, SafeBag};
use super::oids;
use super::protection::Profile;
use super::write::write;
use crate::error::{Error, Result};
use crate::secret::Secret;

/// Writes a new PFX holding `key`, its certificate `cert` and an optional `chain`,
/// protected by `password` (empty: the RFC 7292 empty form) in `profile`. The key and
/// the leaf certificate carry friendlyName (when given) and localKeyID (the SHA-1 of the
/// certificate), as OpenSSL writes them.
pub fn build(
    key: &PKey<Private>,
    cert: &X509,
    chain: &[X509],
    friendly_name: Option<&str>,
    password: &Secret,
    profile: Profile,
) -> Result<Zeroizing<Vec<u8>>> {
    let cert_der = cert
        .to_der()
        .map_err(Error::crypto("encoding the certificate"))?;
    let key_id = openssl::hash::hash(openssl::hash::MessageDigest::sha1(), &cert_der)
        .map_err(Error::crypto("hashing the certificate"))?;
    let mut attributes = Vec::new();
    if let Some(name) = friendly_name {
        attributes.push(Attribute::friendly_name(name));
    }
    attributes.push(Attribute::local_key_id(&key_id));
    let mut cert_bags = vec![SafeBag {
        value: x509_bag(&cert_der),
        attributes: attributes.clone(),
    }];
    for c in chain {
        let der = c
            .to_der()
            .map_err(Error::crypto("encoding a chain certificate"))?;
        cert_bags.push(SafeBag {
            value: x509_bag(&der),
            attributes: Vec::new(),
        });
    }
    let pkcs8 = Zeroizing::new(
        key.private_key_to_pkcs8()
            .map_err(Error::crypto("encoding the private key"))?,
    );
    let pfx = Pfx {
        containers: vec![
            Container {
                encrypted: true,
                bags: cert_bags,
            },
            Container {
                encrypted: false,
                bags: vec![SafeBag {
                    value: BagValue::Key {
                        pkcs8,
                        shrouded: true,
                    },
                    attributes,
                }],
            },
        ],
    };
    Ok(write(&pfx, profile, password)?.0)
}

/// A certBag value holding an X.509 certificate.
pub fn x509_bag(cert_der: &[u8]) -> BagValue {
    BagValue::Certificate {
        cert_type: ObjectIdentifier::from_slice(oids::X509_CERTIFICATE),
        value: yasna::construct_der(|w| w.write_bytes(cert_der)),
    }
}
