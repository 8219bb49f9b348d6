//! `certtool inspect`: what a certificate file holds and whether Azure will accept it.

use std::path::PathBuf;

use certtool_core::inspect::{inspect, CertificateReport, FileReport, Fitness, Status};
use certtool_core::pfx::Protection;
use certtool_core::readers::{ReadersReport, Verdict};
use clap::Args;

use crate::args::{Ending, ExpiryArgs};
use crate::error::CliError;
use crate::io::Source;
use crate::output::{emit, OutputArgs, TextTo};
use crate::password::{load_credential, PasswordArgs};

/// Show subject, validity, key, thumbprints and fitness for ASM and Entra ID; gate a
/// pipeline on expiry with --fail-within-days.
#[derive(Args, Debug)]
pub struct InspectArgs {
    /// PFX, PEM or DER certificate file (`-` for stdin).
    #[arg(value_name = "IN")]
    pub input: PathBuf,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub expiry: ExpiryArgs,
    #[command(flatten)]
    pub password: PasswordArgs,
}

/// Runs `certtool inspect`.
pub fn run(args: InspectArgs) -> Result<(), CliError> {
    let now = crate::clock::now()?;
    let source = Source::parse(&args.input);
    let bundle = load_credential(&source, &args.password, None)?;
    let report = inspect(&bundle, now)?;
    emit(args.output, &report, TextTo::Stdout, render)?;
    let leaf = report.leaf();
    let ending = Ending {
        what: "the certificate".into(),
        not_after: leaf.not_after.clone(),
        days_left: leaf.days_to_expiry,
    };
    let gate = args.expiry.gate(
        [ending],
        Some(&report.input),
        "renew it: `certtool generate`, then upload the new .cer",
    );
    gate.map_or(Ok(()), Err)
}

fn render(report: &FileReport) -> String {
    let mut out = String::new();
    let format = match report.format {
        certtool_core::bundle::InputFormat::Pfx => "PFX",
        certtool_core::bundle::InputFormat::Pem => "PEM",
        certtool_core::bundle::InputFormat::Der => "DER certificate",
    };
    let key = if report.has_private_key {
        "private key present"
    } else {
        "no private key"
    };
    out.push_str(&format!("{}: {format}, {key}\n", report.input));
    if let Some(p) = &report.protection {
        out.push_str(&format!("  protection: {}\n", describe_protection(p)));
    }
    let n = report.certificates.len();
    for cert in &report.certificates {
        out.push_str(&render_certificate(cert, n));
    }
    if let Some(readers) = &report.readers {
        out.push_str(&render_readers(readers));
    }
    out
}

/// The readers block: one line per reader, a reason line per rule, then the fix.
fn render_readers(r: &ReadersReport) -> String {
    let mut out = String::from("readers (see docs/pfx-compatibility.md):\n");
    for reader in &r.readers {
        let verdict = match reader.verdict {
            Verdict::Opens => "opens",
            Verdict::OpensWithEmptyPassword => "opens (empty password)",
            Verdict::DoesNotOpen => "DOES NOT OPEN",
            Verdict::Unknown => "unknown",
        };
        out.push_str(&format!("  {verdict:<23} {}\n", reader.name));
        for hit in &reader.rules {
            out.push_str(&format!("  {:<23}   - {} [{}]\n", "", hit.reason, hit.rule));
        }
    }
    match &r.fix {
        Some(fix) => out.push_str(&format!("  fix: {fix}\n")),
        None => out.push_str("  opens everywhere: nothing to do\n"),
    }
    out
}

/// One line describing how a PFX is protected.
pub fn describe_protection(p: &Protection) -> String {
    let mut parts = Vec::new();
    match &p.mac {
        Some(mac) => parts.push(format!("MAC {} x{}", mac.algorithm, mac.iterations)),
        None => parts.push("no MAC".into()),
    }
    for e in &p.encryption {
        parts.push(format!("{}: {} x{}", e.protects, e.algorithm, e.iterations));
    }
    let password = p.password.describe();
    parts.push(format!("opened with {password}"));
    parts.join("; ")
}

fn render_certificate(c: &CertificateReport, total: usize) -> String {
    let mut out = format!(
        "certificate {} of {total}{}\n",
        c.index + 1,
        if c.is_leaf { " (leaf)" } else { "" }
    );
    let mut field = |name: &str, value: String| out.push_str(&format!("  {name:<22} {value}\n"));
    field("subject:", c.subject.clone());
    field(
        "issuer:",
        if c.self_signed {
            format!("{} (self-signed)", c.issuer)
        } else {
            c.issuer.clone()
        },
    );
    if let Some(name) = &c.friendly_name {
        field("friendly name:", name.clone());
    }
    field("serial:", c.serial.clone());
    field("not before:", c.not_before.clone());
    let left = if c.days_to_expiry < 0 {
        format!("EXPIRED {} days ago", -c.days_to_expiry)
    } else {
        format!("{} days left", c.days_to_expiry)
    };
    field("not after:", format!("{} ({left})", c.not_after));
    let key = if c.private_key.matches {
        ", private key in file matches"
    } else if c.private_key.present {
        ", private key in file is not this certificate's"
    } else {
        ""
    };
    field(
        "key:",
        format!("{} {} bits{key}", c.key.algorithm, c.key.bits),
    );
    field("signature:", c.signature_algorithm.clone());
    field("key usage:", list(&c.key_usage));
    field("extended key usage:", list(&c.extended_key_usage));
    if c.is_ca {
        field("CA:", "yes".into());
    }
    field("thumbprint SHA-1:", c.thumbprint_sha1.clone());
    field("thumbprint SHA-256:", c.thumbprint_sha256.clone());
    field(
        "ASM management cert:",
        fitness(&c.fitness.asm_management_cert),
    );
    field(
        "Entra app credential:",
        fitness(&c.fitness.entra_app_credential),
    );
    out
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "(none)".into()
    } else {
        items.join(", ")
    }
}

fn fitness(v: &Fitness) -> String {
    let status = match v.status {
        Status::Ok => "ok",
        Status::Warning => "warning",
        Status::Unfit => "UNFIT",
    };
    if v.reasons.is_empty() {
        status.into()
    } else {
        format!("{status}: {}", v.reasons.join("; "))
    }
}
