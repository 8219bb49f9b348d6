//! `strip`: open a PFX, write the same bags under new protection, and prove it by
//! reading the output back.

use serde::Serialize;
use zeroize::Zeroizing;

use super::bags::{BagValue, Pfx};
use super::protection::{Profile, Protection};
use super::read::open;
use super::write::write;
use crate::error::Result;
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
/// one. [`write()`] reads the output back and compares it bag by bag with the input; any
/// difference is an [`Error::SelfCheck`](crate::Error::SelfCheck) and no bytes are returned.
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
