//! `strip`: open a PFX, write the same bags under new protection, and prove it by
//! reading the output back.

use serde::Serialize;
use zeroize::Zeroizing;

use super::{open, write, BagValue, Pfx, Profile, Protection, SafeBag};
use crate::error::{Error, Result};
use crate::secret::Secret;

/// What [`strip`] is asked to do.
#[derive(Debug, Clone, Copy)]
pub struct StripOptions<'a> {
    /// The protection to write.
    pub profile: Profile,
    /// A new password to protect the output with; `None` writes the empty password.
    pub new_password: Option<&'a Secret>,
}

/// How many bags of each kind a PFX holds (nested bags included).
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct BagSummary {
    /// Private keys (keyBag and pkcs8ShroudedKeyBag).
    pub keys: usize,
    /// Certificate bags.
    pub certificates: usize,
    /// CRL, secret, unknown and safeContents bags.
    pub others: usize,
}

impl BagSummary {
    /// Counts the bags of `pfx`.
    pub fn of(pfx: &Pfx) -> BagSummary {
        let mut s = BagSummary::default();
        for bag in pfx.all_bags() {
            match bag.value {
                BagValue::Key { .. } => s.keys += 1,
                BagValue::Certificate { .. } => s.certificates += 1,
                _ => s.others += 1,
            }
        }
        s
    }
}

/// The result of [`strip`]. Its `Debug` leaves out the PFX bytes (for profile `none`
/// they hold the private key in the clear).
pub struct StripOutcome {
    /// The new PFX, DER.
    pub der: Zeroizing<Vec<u8>>,
    /// How the input was protected.
    pub input_protection: Protection,
    /// How the output is protected.
    pub output_protection: Protection,
    /// The bags kept (all of them).
    pub bags: BagSummary,
}

impl std::fmt::Debug for StripOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StripOutcome")
            .field("der_len", &self.der.len())
            .field("input_protection", &self.input_protection)
            .field("output_protection", &self.output_protection)
            .field("bags", &self.bags)
            .finish()
    }
}

/// Reads the PFX `data` with `password` (`None`: the empty password, both forms) and
/// writes the very same bags in `options.profile`, under the new password or the empty
/// one. [`write`] reads the output back and compares it bag by bag with the input; any
/// difference is an [`Error::SelfCheck`] and no bytes are returned.
pub fn strip(
    data: &[u8],
    password: Option<&Secret>,
    input: &str,
    options: &StripOptions<'_>,
) -> Result<StripOutcome> {
    let opened = open(data, password, input)?;
    let empty = Secret::empty();
    let new_password = options.new_password.unwrap_or(&empty);
    let (der, output_protection) = write(&opened.pfx, options.profile, new_password)?;
    Ok(StripOutcome {
        der,
        input_protection: opened.protection,
        output_protection,
        bags: BagSummary::of(&opened.pfx),
    })
}

/// Reads `der` back with `password` and checks that it holds exactly the bags of `pfx`,
/// protected as `profile` asks (every key shrouded and a MAC, unless `none`). Any
/// difference is an [`Error::SelfCheck`].
pub(crate) fn verify_written(
    pfx: &Pfx,
    der: &[u8],
    password: &Secret,
    profile: Profile,
) -> Result<()> {
    let reread = open(der, Some(password), "the output").map_err(|e| {
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

/// Checks that two PFX hold the same containers with the same bags in the same order:
/// same kind, same content bytes, same attributes byte for byte and in the same order. Whether a key is shrouded
/// is protection, not content, and is not compared. The error says where they differ.
pub fn compare(a: &Pfx, b: &Pfx) -> std::result::Result<(), String> {
    if a.containers.len() != b.containers.len() {
        return Err(format!(
            "{} containers instead of {}",
            b.containers.len(),
            a.containers.len()
        ));
    }
    for (i, (ca, cb)) in a.containers.iter().zip(&b.containers).enumerate() {
        compare_bags(&ca.bags, &cb.bags, &format!("container {}", i + 1))?;
    }
    Ok(())
}

fn compare_bags(a: &[SafeBag], b: &[SafeBag], at: &str) -> std::result::Result<(), String> {
    if a.len() != b.len() {
        return Err(format!("{at}: {} bags instead of {}", b.len(), a.len()));
    }
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        let here = format!("bag {} of {at}", i + 1);
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
            return Err(format!("{here}: the {} differs", x.value.kind()));
        }
        if x.attributes_der() != y.attributes_der() {
            return Err(format!("{here}: the attributes differ"));
        }
    }
    Ok(())
}
