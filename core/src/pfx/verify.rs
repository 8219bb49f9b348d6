//! The read-back check every write ends with: the bytes written are opened again and
//! must hold exactly the bags that were asked for, protected as the profile says.

use super::bags::{BagValue, Pfx, SafeBag};
use super::crypto::PasswordBytes;
use super::protection::Profile;
use super::read::open_written;
use crate::error::{Error, Result};
use crate::secret::Secret;

/// Reads `der` back with `password` and checks that it holds exactly the bags of `pfx`,
/// protected as `profile` asks (every key shrouded and a MAC, unless `none`). Any
/// difference is an [`Error::SelfCheck`]. The file is parsed, its MAC checked and every
/// container and key decrypted anew; only the key derivations are not repeated: the
/// keys `written_with` derived to write it are reused (same password, salt and
/// iteration count give the same key).
pub(crate) fn verify_written(
    pfx: &Pfx,
    der: &[u8],
    password: &Secret,
    written_with: &PasswordBytes,
    profile: Profile,
) -> Result<()> {
    let reread = open_written(der, password, written_with, "the output").map_err(|e| {
        Error::SelfCheck(format!(
            "certtool could not read back the PFX it wrote ({e})"
        ))
    })?;
    if let Err(difference) = compare(pfx, &reread.pfx) {
        return Err(Error::SelfCheck(format!(
            "the PFX written does not hold the same bags as the input: {difference}"
        )));
    }
    if profile != Profile::None {
        let plain = reread.pfx.all_bags().into_iter().any(|b| {
            matches!(
                b.value,
                BagValue::Key {
                    shrouded: false,
                    ..
                }
            )
        });
        // As `write` promises: every container holding anything but keys is encrypted.
        let exposed = reread.pfx.containers.iter().any(|c| {
            !c.encrypted
                && c.bags
                    .iter()
                    .any(|b| !matches!(b.value, BagValue::Key { .. }))
        });
        if plain || exposed || reread.protection.mac.is_none() {
            return Err(Error::SelfCheck(
                "the PFX written is not protected as the profile asks".into(),
            ));
        }
    }
    Ok(())
}

/// Where in a PFX a bag sits: its container and, for nested safeContents bags, the
/// position at each level (all from 1). Shown as `bag 1 of bag 2 of container 1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BagPath {
    /// The container, from 1.
    pub container: usize,
    /// The bag's position in the container, then in each nested safeContents bag.
    pub bags: Vec<usize>,
}

impl BagPath {
    fn then(&self, bag: usize) -> BagPath {
        let mut bags = self.bags.clone();
        bags.push(bag);
        BagPath {
            container: self.container,
            bags,
        }
    }
}

impl std::fmt::Display for BagPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for bag in self.bags.iter().rev() {
            write!(f, "bag {bag} of ")?;
        }
        write!(f, "container {}", self.container)
    }
}

/// The first difference [`compare`] finds between two PFX.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Difference {
    /// They have different numbers of containers.
    #[error("{found} containers instead of {expected}")]
    ContainerCount {
        /// In the first PFX.
        expected: usize,
        /// In the second.
        found: usize,
    },
    /// A container (or nested safeContents bag) holds a different number of bags.
    #[error("{at}: {found} bags instead of {expected}")]
    BagCount {
        /// The container or bag.
        at: BagPath,
        /// In the first PFX.
        expected: usize,
        /// In the second.
        found: usize,
    },
    /// A bag's kind or content differs.
    #[error("{at}: the {kind} differs")]
    Content {
        /// The bag.
        at: BagPath,
        /// The kind of the first PFX's bag (see [`BagValue::kind`]).
        kind: &'static str,
    },
    /// A bag's attributes differ (in bytes or order).
    #[error("{at}: the attributes differ")]
    Attributes {
        /// The bag.
        at: BagPath,
    },
}

/// Checks that two PFX hold the same containers with the same bags in the same order:
/// same kind, same content bytes, same attributes byte for byte and in the same order.
/// Whether a key is shrouded is protection, not content, and is not compared. The error
/// says where they differ.
pub fn compare(a: &Pfx, b: &Pfx) -> std::result::Result<(), Difference> {
    if a.containers.len() != b.containers.len() {
        return Err(Difference::ContainerCount {
            expected: a.containers.len(),
            found: b.containers.len(),
        });
    }
    for (i, (ca, cb)) in a.containers.iter().zip(&b.containers).enumerate() {
        let at = BagPath {
            container: i + 1,
            bags: Vec::new(),
        };
        compare_bags(&ca.bags, &cb.bags, &at)?;
    }
    Ok(())
}

fn compare_bags(a: &[SafeBag], b: &[SafeBag], at: &BagPath) -> std::result::Result<(), Difference> {
    if a.len() != b.len() {
        return Err(Difference::BagCount {
            at: at.clone(),
            expected: a.len(),
            found: b.len(),
        });
    }
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        let here = at.then(i + 1);
        let same = match (&x.value, &y.value) {
            (BagValue::Key { pkcs8: p, .. }, BagValue::Key { pkcs8: q, .. }) => p == q,
            (
                BagValue::Certificate {
                    cert_type: t,
                    value: v,
                },
                BagValue::Certificate {
                    cert_type: u,
                    value: w,
                },
            )
            | (
                BagValue::Crl {
                    crl_type: t,
                    value: v,
                },
                BagValue::Crl {
                    crl_type: u,
                    value: w,
                },
            )
            | (
                BagValue::Other {
                    bag_type: t,
                    value: v,
                },
                BagValue::Other {
                    bag_type: u,
                    value: w,
                },
            ) => t == u && v == w,
            (BagValue::Secret(v), BagValue::Secret(w)) => v == w,
            (BagValue::SafeContents(p), BagValue::SafeContents(q)) => {
                compare_bags(p, q, &here)?;
                true
            }
            _ => false,
        };
        if !same {
            return Err(Difference::Content {
                at: here,
                kind: x.value.kind(),
            });
        }
        if x.attributes_der() != y.attributes_der() {
            return Err(Difference::Attributes { at: here });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pfx::{Attribute, Container};

    fn bag(value: BagValue) -> SafeBag {
        SafeBag {
            value,
            attributes: Vec::new(),
        }
    }

    #[test]
    fn differences_say_where() {
        let secret = |b: u8| bag(BagValue::Secret(zeroize::Zeroizing::new(vec![b])));
        let nested = |inner: Vec<SafeBag>| Pfx {
            containers: vec![Container {
                encrypted: false,
                bags: vec![secret(0), bag(BagValue::SafeContents(inner))],
            }],
        };
        let a = nested(vec![secret(1)]);
        assert_eq!(compare(&a, &a.clone()), Ok(()));
        let err = compare(&a, &nested(vec![secret(2)])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "bag 1 of bag 2 of container 1: the secret differs"
        );
        let err = compare(&a, &nested(vec![])).unwrap_err();
        assert_eq!(err.to_string(), "bag 2 of container 1: 0 bags instead of 1");
        let mut renamed = nested(vec![secret(1)]);
        renamed.containers[0].bags[0]
            .attributes
            .push(Attribute::friendly_name("x"));
        let err = compare(&a, &renamed).unwrap_err();
        assert_eq!(
            err.to_string(),
            "bag 1 of container 1: the attributes differ"
        );
        let err = compare(&a, &Pfx::default()).unwrap_err();
        assert_eq!(
            err,
            Difference::ContainerCount {
                expected: 1,
                found: 0
            }
        );
        assert_eq!(err.to_string(), "0 containers instead of 1");
    }
}
