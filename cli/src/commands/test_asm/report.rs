//! What `test asm` found, as plain data: `execute.rs` fills it in, `render.rs` and
//! `--output json` read it.

use certtool_core::asm::{CertificateCheck, SubscriptionReport};
use serde::Serialize;

/// The whole report (`--output json` prints it as is).
#[derive(Debug, Serialize)]
pub struct Report {
    /// The certificates presented, with their pre-flight warnings.
    pub certificates: Vec<CertificateCheck>,
    /// Notes about the endpoints (the public ASM endpoint's retirement).
    pub notes: Vec<String>,
    /// One entry per subscription, in the order given.
    pub subscriptions: Vec<SubscriptionReport>,
    /// Counts per verdict.
    pub summary: Summary,
}

/// Counts per verdict.
#[derive(Debug, Default, Serialize)]
pub struct Summary {
    /// Subscriptions tested.
    pub total: usize,
    /// Accepted.
    pub ok: usize,
    /// Certificate rejected.
    pub rejected: usize,
    /// ASM not reached.
    pub unreachable: usize,
    /// ASM answered with a failure.
    pub error: usize,
}
