//! `certtool export`: a certificate in the form the next tool asks for.

use std::path::PathBuf;

use certtool_core::export::{base64_der, key_credential, pem_bundle, pem_certificate};
use certtool_core::fsutil::FileSecrecy;
use certtool_core::x509::{thumbprint_sha1, thumbprint_sha256, x5t, x5t_s256};
use certtool_core::Error as CoreError;
use clap::{Args, ValueEnum};

use super::export_pfx::{self, PfxExport, PfxFlags};
use crate::error::CliError;
use crate::io::{write_all, PlannedWrite, Sink, Source};
use crate::password::{load_credential, PasswordArgs};

/// Output forms of `export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// DER certificate (the .cer Azure uploads take). Binary.
    Cer,
    /// PEM certificate only.
    Pem,
    /// PEM private key + certificate + chain (for `az login --service-principal --certificate`).
    PemBundle,
    /// The DER on one line of base64.
    Base64,
    /// SHA-1 thumbprint, upper-case hex, as the Azure portal shows it.
    Thumbprint,
    /// SHA-256 thumbprint, upper-case hex.
    ThumbprintSha256,
    /// JWT header value `x5t` (base64url SHA-1).
    X5t,
    /// JWT header value `x5t#S256` (base64url SHA-256).
    X5tS256,
    /// Entra ID keyCredentials JSON object for an app manifest or Graph.
    Keycredential,
    /// PFX (PKCS#12) from a PEM bundle, or a certificate plus --key (and --chain). Binary.
    Pfx,
}

/// Write a certificate as .cer, PEM, base64, a thumbprint, x5t or keyCredential JSON, or
/// build a PFX from PEM/DER and a key. With a chain, the leaf is exported (the certificate
/// whose key is in the file, else the one that issued no other).
///
/// With --format pfx the password flags set the new PFX's password, as `generate` reads
/// them (--no-password for the empty one), and an encrypted key's password comes from
/// --key-password-env / --key-password-file.
#[derive(Args, Debug)]
pub struct ExportArgs {
    /// PFX, PEM or DER certificate file (`-` for stdin).
    #[arg(value_name = "IN")]
    pub input: PathBuf,
    /// What to write.
    #[arg(long, value_enum)]
    pub format: ExportFormat,
    /// Where to write it (`-` or omitted: stdout).
    #[arg(short = 'o', long = "out", value_name = "OUT")]
    pub out: Option<PathBuf>,
    /// Replace an existing OUT.
    #[arg(long)]
    pub force: bool,
    /// Print a pem-bundle's unencrypted private key even when stdout is a terminal.
    #[arg(long)]
    pub allow_key_on_terminal: bool,
    #[command(flatten)]
    pub password: PasswordArgs,
    #[command(flatten)]
    pub pfx: PfxFlags,
}

/// Runs `certtool export`.
pub fn run(args: ExportArgs) -> Result<(), CliError> {
    crate::output::guard_out(args.out.as_deref())?;
    if args.format == ExportFormat::Pfx {
        return export_pfx::run(&PfxExport {
            input: &args.input,
            out: args.out.as_deref(),
            force: args.force,
            password: &args.password,
            flags: &args.pfx,
        });
    }
    if let Some(flag) = args.pfx.first_given() {
        return Err(CliError::usage(format!(
            "{flag} applies only to --format pfx"
        )));
    }
    let source = Source::parse(&args.input);
    let sink = args.out.as_deref().map(Sink::parse).unwrap_or(Sink::Stdout);
    let binary = args.format == ExportFormat::Cer;
    crate::io::check_destination(&sink, binary, args.force)?;
    if args.format == ExportFormat::PemBundle {
        crate::io::check_key_not_on_terminal(&sink, args.allow_key_on_terminal)?;
    }
    crate::io::check_not_input(&sink, &source)?;
    let bundle = load_credential(&source, &args.password, None)?;
    let leaf = bundle.leaf()?;
    let der = leaf
        .to_der()
        .map_err(CoreError::crypto("encoding the certificate"))?;
    let line = |s: String| zeroize::Zeroizing::new(format!("{s}\n").into_bytes());
    let (data, secrecy) = match args.format {
        ExportFormat::Cer => (zeroize::Zeroizing::new(der.clone()), FileSecrecy::Public),
        ExportFormat::Pem => (
            zeroize::Zeroizing::new(pem_certificate(leaf)?.into_bytes()),
            FileSecrecy::Public,
        ),
        ExportFormat::PemBundle => {
            let (leaf, key) = bundle.leaf_with_key()?;
            let pem = pem_bundle(key, leaf, &bundle.chain())?;
            (
                zeroize::Zeroizing::new(pem.as_bytes().to_vec()),
                FileSecrecy::Private,
            )
        }
        ExportFormat::Base64 => (line(base64_der(&der)), FileSecrecy::Public),
        ExportFormat::Thumbprint => (line(thumbprint_sha1(&der)), FileSecrecy::Public),
        ExportFormat::ThumbprintSha256 => (line(thumbprint_sha256(&der)), FileSecrecy::Public),
        ExportFormat::X5t => (line(x5t(&der)), FileSecrecy::Public),
        ExportFormat::X5tS256 => (line(x5t_s256(&der)), FileSecrecy::Public),
        ExportFormat::Pfx => unreachable!("--format pfx returned above"),
        ExportFormat::Keycredential => {
            let kc = key_credential(leaf)?;
            (
                line(serde_json::to_string_pretty(&kc).expect("serializable")),
                FileSecrecy::Public,
            )
        }
    };
    write_all(
        &[PlannedWrite {
            sink,
            data: &data,
            binary,
            secrecy,
        }],
        args.force,
    )
}
