//! `certtool import publishsettings`: take a legacy `.publishsettings` file apart into one
//! PFX (key, 0600) and one `.cer` per distinct management certificate, and list its
//! subscriptions. Keys are never printed.

use std::path::PathBuf;

use certtool_core::asm::{cloud_of_endpoint, parse_endpoint};
use certtool_core::fsutil::FileSecrecy;
use certtool_core::pfx;
use certtool_core::publishsettings;
use certtool_core::Error as CoreError;
use clap::{Args, Subcommand};
use serde::Serialize;

use crate::args::PfxProfileArgs;
use crate::error::CliError;
use crate::io::{at_most_one_stdin, write_all, PlannedWrite, Sink, Source};
use crate::output::{emit, OutputArgs, TextTo};
use crate::password::NewPasswordArgs;

/// Import credentials from files other tools wrote.
#[derive(Args, Debug)]
pub struct ImportArgs {
    #[command(subcommand)]
    pub command: ImportCommand,
}

/// What `import` reads.
#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    Publishsettings(PublishsettingsArgs),
}

/// Write one PFX and one .cer per management certificate of a .publishsettings file
/// (schema 1.0 or 2.0), and list its subscriptions.
#[derive(Args, Debug)]
pub struct PublishsettingsArgs {
    /// The .publishsettings file (`-` for stdin).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Directory for THUMBPRINT.pfx and THUMBPRINT.cer (created if missing).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out_dir: PathBuf,
    #[command(flatten)]
    pub profile: PfxProfileArgs,
    #[command(flatten)]
    pub password: NewPasswordArgs,
    /// Replace existing files.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// One subscription of the listing.
#[derive(Debug, Serialize)]
struct Listed {
    id: String,
    name: Option<String>,
    management_url: String,
    cloud: Option<&'static str>,
    thumbprint: String,
    pfx: String,
    cer: String,
}

/// The listing printed after the files are written.
#[derive(Debug, Serialize)]
struct Listing {
    schema_version: String,
    certificates: Vec<ListedCertificate>,
    subscriptions: Vec<Listed>,
}

#[derive(Debug, Serialize)]
struct ListedCertificate {
    thumbprint: String,
    subject: String,
    not_after: String,
    pfx: String,
    cer: String,
}

/// Runs `certtool import …`.
pub fn run(args: ImportArgs) -> Result<(), CliError> {
    match args.command {
        ImportCommand::Publishsettings(args) => publishsettings(args),
    }
}

fn publishsettings(args: PublishsettingsArgs) -> Result<(), CliError> {
    let profile = args.profile.profile();
    let source = Source::parse(&args.file);
    at_most_one_stdin(&[
        ("FILE", source == Source::Stdin),
        args.password.stdin_claim(),
    ])?;
    let data = zeroize::Zeroizing::new(source.read()?);
    let settings = publishsettings::parse(&data, &source.name())?;
    let password =
        args.password
            .resolve_for_profile(profile, "the PFX files", "the private keys")?;
    if !args.out_dir.exists() {
        certtool_core::fsutil::create_private_dir(&args.out_dir)?;
    }
    let mut blobs = Vec::new();
    let mut certificates = Vec::new();
    for cert in &settings.certificates {
        let (leaf, key) = cert.bundle.leaf_with_key()?;
        let friendly = cert
            .bundle
            .leaf_index()
            .and_then(|i| cert.bundle.friendly_names.get(i).cloned().flatten())
            // Windows writes the BMPString with a terminating NUL: keep the name, not
            // the terminator.
            .map(|n| n.trim_end_matches('\0').to_string())
            .filter(|n| !n.is_empty() && !n.contains('\0'));
        let pfx_der = pfx::build(
            key,
            leaf,
            &cert.bundle.chain(),
            friendly.as_deref(),
            &password,
            profile,
        )?;
        let der = leaf
            .to_der()
            .map_err(CoreError::crypto("encoding the certificate"))?;
        let (_, not_after) = certtool_core::x509::validity(&der)?;
        let pfx_path = args.out_dir.join(format!("{}.pfx", cert.thumbprint));
        let cer_path = args.out_dir.join(format!("{}.cer", cert.thumbprint));
        certificates.push(ListedCertificate {
            thumbprint: cert.thumbprint.clone(),
            subject: certtool_core::x509::subject_string(&der)?,
            not_after: certtool_core::x509::rfc3339(not_after),
            pfx: pfx_path.display().to_string(),
            cer: cer_path.display().to_string(),
        });
        blobs.push((pfx_path, pfx_der, cer_path, der));
    }
    let mut writes = Vec::new();
    for (pfx_path, pfx_der, cer_path, der) in &blobs {
        writes.push(PlannedWrite {
            sink: Sink::File(pfx_path.clone()),
            data: pfx_der,
            binary: true,
            secrecy: FileSecrecy::Private,
        });
        writes.push(PlannedWrite {
            sink: Sink::File(cer_path.clone()),
            data: der,
            binary: true,
            secrecy: FileSecrecy::Public,
        });
    }
    write_all(&writes, args.force)?;

    let subscriptions = settings
        .subscriptions
        .iter()
        .map(|s| {
            let c = &certificates[s.certificate];
            Listed {
                id: s.id.clone(),
                name: s.name.clone(),
                management_url: s.management_url.clone(),
                cloud: parse_endpoint(&s.management_url)
                    .ok()
                    .and_then(|u| cloud_of_endpoint(&u)),
                thumbprint: s.thumbprint.clone(),
                pfx: c.pfx.clone(),
                cer: c.cer.clone(),
            }
        })
        .collect();
    let listing = Listing {
        schema_version: settings.schema_version.clone(),
        certificates,
        subscriptions,
    };
    emit(args.output, &listing, TextTo::Stdout, render)
}

fn render(l: &Listing) -> String {
    let mut out = format!(
        "publishsettings schema {}: {} subscription(s), {} certificate(s)\n",
        l.schema_version,
        l.subscriptions.len(),
        l.certificates.len()
    );
    for c in &l.certificates {
        out.push_str(&format!(
            "certificate {} {} (valid until {})\n  PFX (private key, keep safe): {}\n  certificate (.cer):           {}\n",
            c.thumbprint, c.subject, c.not_after, c.pfx, c.cer
        ));
    }
    for s in &l.subscriptions {
        out.push_str(&format!(
            "subscription {}  {}  {}  {}  certificate {}\n",
            s.id,
            s.name.as_deref().unwrap_or("-"),
            s.management_url,
            s.cloud.unwrap_or("custom endpoint"),
            s.thumbprint
        ));
    }
    out
}
