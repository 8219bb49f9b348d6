//! `certtool generate`: a self-signed management / app-registration certificate.

use std::path::PathBuf;

use certtool_core::export::pem_bundle;
use certtool_core::fsutil::{create_private_dir, FileSecrecy};
use certtool_core::generate::{
    random_serial, safe_file_stem, self_signed, CertificateRequest, Validity,
};
use certtool_core::pfx::{self, Profile};
use certtool_core::x509::{rfc3339, thumbprint_sha1, thumbprint_sha256};
use certtool_core::{keys, Error as CoreError};
use clap::Args;
use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime, Time};

use crate::args::{PfxProfileArgs, ProtectedOnly};
use crate::error::CliError;
use crate::io::{
    at_most_one_stdin, check_destination, check_key_not_on_terminal, check_not_input, is_dash,
    write_all, PlannedWrite, Sink, Source,
};
use crate::output::{emit, OutputArgs, TextTo};
use crate::password::{load_key_file, NewPasswordArgs};

/// Make a self-signed certificate for an ASM subscription or an Entra ID app registration:
/// an RSA key, a PFX holding key + certificate, and a .cer to upload.
#[derive(Args, Debug)]
pub struct GenerateArgs {
    /// Subject common name, e.g. "Octopus Deploy - Production"; also names the files.
    #[arg(long)]
    pub name: String,
    /// RSA key size in bits: 2048, 3072 or 4096 (smaller only with --insecure).
    #[arg(long, default_value_t = 2048, value_name = "BITS")]
    pub key_size: u32,
    /// Certify an existing private key (PEM, DER, PKCS#8 or encrypted PEM) instead of
    /// generating one.
    #[arg(long, value_name = "FILE", conflicts_with = "key_size")]
    pub key: Option<PathBuf>,
    /// Password of an encrypted --key, from the environment variable VAR.
    #[arg(
        long,
        value_name = "VAR",
        requires = "key",
        conflicts_with = "key_password_file"
    )]
    pub key_password_env: Option<String>,
    /// Password of an encrypted --key, from a file (`-` for stdin).
    #[arg(long, value_name = "PATH", requires = "key")]
    pub key_password_file: Option<PathBuf>,
    /// Days of validity from now [default: 365].
    #[arg(
        long,
        value_name = "N",
        conflicts_with = "not_after",
        value_parser = clap::value_parser!(u32).range(..=i64::from(crate::limits::MAX_VALIDITY_DAYS))
    )]
    pub days: Option<u32>,
    /// Expiry instead of --days: YYYY-MM-DD (valid through that day, UTC) or RFC 3339.
    #[arg(long, value_name = "DATE")]
    pub not_after: Option<String>,
    /// Directory for the files (created if missing).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out_dir: PathBuf,
    /// Path of the PFX instead of DIR/NAME.pfx (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    pub pfx: Option<PathBuf>,
    /// Path of the .cer instead of DIR/NAME.cer (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    pub cer: Option<PathBuf>,
    /// Also write DIR/NAME.pem: the unencrypted key and the certificate, the form
    /// `az login --service-principal --certificate` wants.
    #[arg(long)]
    pub pem: bool,
    /// Path of the PEM instead of DIR/NAME.pem (implies --pem; `-` for stdout).
    #[arg(long, value_name = "FILE")]
    pub pem_file: Option<PathBuf>,
    #[command(flatten)]
    pub password: NewPasswordArgs,
    #[command(flatten)]
    pub pfx_profile: PfxProfileArgs<ProtectedOnly>,
    /// Allow RSA keys smaller than 2048 bits (Azure rejects them).
    #[arg(long)]
    pub insecure: bool,
    /// Replace existing files.
    #[arg(long)]
    pub force: bool,
    /// Print the PEM's unencrypted private key (`--pem-file -`) even when stdout is a
    /// terminal.
    #[arg(long)]
    pub allow_key_on_terminal: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// The JSON summary of `generate`.
#[derive(Debug, Serialize)]
struct Summary {
    name: String,
    subject: String,
    thumbprint_sha1: String,
    thumbprint_sha256: String,
    not_before: String,
    not_after: String,
    key_algorithm: &'static str,
    key_bits: u32,
    pfx_profile: &'static str,
    pfx_password_protected: bool,
    files: Files,
    next_steps: Vec<String>,
}

#[derive(Debug, Serialize)]
struct Files {
    pfx: String,
    cer: String,
    pem: Option<String>,
}

/// The new certificate's validity from `--not-after` or `--days` (365 when neither is
/// given), as generate and rotate arm take them.
pub(crate) fn validity(days: Option<u32>, not_after: Option<&str>) -> Result<Validity, CliError> {
    Ok(match not_after {
        Some(text) => Validity::NotAfter(parse_not_after(text)?),
        None => Validity::Days(days.unwrap_or(365)),
    })
}

/// `--not-after`: YYYY-MM-DD (through that day, UTC) or RFC 3339.
fn parse_not_after(text: &str) -> Result<OffsetDateTime, CliError> {
    if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(t);
    }
    let date = Date::parse(text, format_description!("[year]-[month]-[day]")).map_err(|_| {
        CliError::usage(format!(
            "--not-after {text}: expected YYYY-MM-DD or an RFC 3339 date-time"
        ))
    })?;
    Ok(date
        .with_time(Time::from_hms(23, 59, 59).expect("valid time"))
        .assume_utc())
}

/// Runs `certtool generate`.
pub fn run(args: GenerateArgs) -> Result<(), CliError> {
    let now = crate::clock::now()?;
    let validity = validity(args.days, args.not_after.as_deref())?;
    if args.key.is_none() {
        keys::check_rsa_size(args.key_size, args.insecure)?;
    }
    let stem = safe_file_stem(&args.name);
    let pfx_sink = Sink::parse(
        &args
            .pfx
            .clone()
            .unwrap_or_else(|| args.out_dir.join(format!("{stem}.pfx"))),
    );
    let cer_sink = Sink::parse(
        &args
            .cer
            .clone()
            .unwrap_or_else(|| args.out_dir.join(format!("{stem}.cer"))),
    );
    let pem_sink = match (&args.pem_file, args.pem) {
        (Some(p), _) => Some(Sink::parse(p)),
        (None, true) => Some(Sink::File(args.out_dir.join(format!("{stem}.pem")))),
        (None, false) => None,
    };
    let sinks: Vec<&Sink> = [Some(&pfx_sink), Some(&cer_sink), pem_sink.as_ref()]
        .into_iter()
        .flatten()
        .collect();
    let to_stdout = sinks.iter().filter(|s| ***s == Sink::Stdout).count();
    if to_stdout > 1 {
        return Err(CliError::usage("only one output can go to stdout (-)"));
    }
    args.output
        .check_stdout_free(to_stdout == 1, "write the files to paths instead of -")?;
    let writes_into_out_dir = sinks.iter().any(|s| match s {
        Sink::File(p) => p.parent() == Some(args.out_dir.as_path()),
        Sink::Stdout => false,
    });
    if writes_into_out_dir && !args.out_dir.exists() {
        create_private_dir(&args.out_dir)?;
    }
    if let Some(key) = &args.key {
        let key = Source::parse(key);
        for sink in &sinks {
            check_not_input(sink, &key)?;
        }
        at_most_one_stdin(&[
            ("--key", key == Source::Stdin),
            (
                "--key-password-file",
                is_dash(args.key_password_file.as_deref()),
            ),
            args.password.stdin_claim(),
        ])?;
    }
    check_destination(&pfx_sink, true, args.force)?;
    check_destination(&cer_sink, true, args.force)?;
    if let Some(sink) = &pem_sink {
        check_destination(sink, false, args.force)?;
        check_key_not_on_terminal(sink, args.allow_key_on_terminal)?;
    }
    let password = args.password.resolve(&format!("{stem}.pfx"))?;

    let key = match &args.key {
        Some(path) => {
            let key = load_key_file(
                path,
                args.key_password_env.as_deref(),
                args.key_password_file.as_deref(),
                args.password.no_input,
            )?;
            let (kind, bits) = keys::describe(&key);
            if kind != "RSA" {
                return Err(CliError::usage(format!(
                    "{}: the key is {kind}; management certificates need an RSA key",
                    path.display()
                )));
            }
            if bits < keys::MIN_RSA_BITS && !args.insecure {
                return Err(CoreError::Refused(format!(
                    "{}: the RSA key has {bits} bits; Azure requires at least {}; pass --insecure only if you really need it",
                    path.display(),
                    keys::MIN_RSA_BITS
                ))
                .into());
            }
            key
        }
        None => keys::generate_rsa(args.key_size, args.insecure)?,
    };
    let request = CertificateRequest {
        common_name: args.name.clone(),
        validity,
        now,
        serial: random_serial()?,
    };
    let cert = self_signed(&key, &request)?;
    let der = cert
        .to_der()
        .map_err(CoreError::crypto("encoding the certificate"))?;
    let profile = Profile::from(args.pfx_profile);
    let pfx_der = pfx::build(&key, &cert, &[], Some(args.name.trim()), &password, profile)?;
    let pem = match pem_sink {
        Some(_) => Some(pem_bundle(&key, &cert, &[])?),
        None => None,
    };

    let mut writes = vec![
        PlannedWrite {
            sink: pfx_sink.clone(),
            data: &pfx_der,
            binary: true,
            secrecy: FileSecrecy::Private,
        },
        PlannedWrite {
            sink: cer_sink.clone(),
            data: &der,
            binary: true,
            secrecy: FileSecrecy::Public,
        },
    ];
    if let (Some(sink), Some(pem)) = (&pem_sink, &pem) {
        writes.push(PlannedWrite {
            sink: sink.clone(),
            data: pem.as_bytes(),
            binary: false,
            secrecy: FileSecrecy::Private,
        });
    }
    write_all(&writes, args.force)?;

    let (not_before, not_after) = certtool_core::x509::validity(&der)?;
    let cer_name = cer_sink.name();
    let summary = Summary {
        name: args.name.trim().to_string(),
        subject: format!("CN={}", args.name.trim()),
        thumbprint_sha1: thumbprint_sha1(&der),
        thumbprint_sha256: thumbprint_sha256(&der),
        not_before: rfc3339(not_before),
        not_after: rfc3339(not_after),
        key_algorithm: "RSA",
        key_bits: key.bits(),
        pfx_profile: match profile {
            Profile::Aes => "aes",
            _ => "compat",
        },
        pfx_password_protected: !password.is_empty(),
        files: Files {
            pfx: pfx_sink.name(),
            cer: cer_name.clone(),
            pem: pem_sink.as_ref().map(Sink::name),
        },
        next_steps: vec![
            format!("ASM: upload {cer_name} under Subscriptions → Management certificates"),
            format!(
                "Entra ID: upload {cer_name} under App registrations → Certificates & secrets \
                 (or add `certtool export {} --format keycredential` to the app's keyCredentials)",
                cer_name
            ),
            format!("Keep {} safe: it holds the private key", pfx_sink.name()),
        ],
    };
    emit(args.output, &summary, TextTo::Stderr, render_text)
}

fn render_text(s: &Summary) -> String {
    let days = s.not_after.clone();
    let mut out = format!(
        "Created certificate {} ({} {} bits)\n",
        s.subject, s.key_algorithm, s.key_bits
    );
    let protection = if s.pfx_password_protected {
        "password-protected"
    } else {
        "NO password"
    };
    out.push_str(&format!(
        "  PFX (private key, keep safe): {}  [{}, {protection}]\n",
        s.files.pfx, s.pfx_profile
    ));
    out.push_str(&format!(
        "  Certificate to upload (.cer): {}\n",
        s.files.cer
    ));
    if let Some(pem) = &s.files.pem {
        out.push_str(&format!("  PEM (key + certificate):      {pem}\n"));
    }
    out.push_str(&format!(
        "  Thumbprint (SHA-1):           {}\n",
        s.thumbprint_sha1
    ));
    out.push_str(&format!("  Valid until:                  {days}\n"));
    out.push_str("Next steps:\n");
    for step in &s.next_steps {
        out.push_str(&format!("  - {step}\n"));
    }
    out
}
