//! `certtool strip-pfx`: the same PFX with its password removed (or replaced), nothing
//! else changed.

use std::path::{Path, PathBuf};

use certtool_core::fsutil::FileSecrecy;
use certtool_core::pfx::{self, BagSummary, Profile, Protection, StripOptions};
use certtool_core::secret::Secret;
use clap::Args;
use serde::Serialize;

use crate::args::PfxProfileArgs;
use crate::envfile::EnvLookup;
use crate::error::{CliError, ExitKind, PASSWORD_FLAGS};
use crate::io::{
    at_most_one_stdin, check_destination, check_not_input, is_dash, write_all, PlannedWrite, Sink,
    Source,
};
use crate::output::{emit, OutputArgs, TextTo};
use crate::password::profile::{refuse_password_without_protection, unprotected_warning};
use crate::password::{
    new_password_flags_chain, open_protected, IfGivenFails, Order, PasswordArgs, SecretOrigin,
    CERTIFICATE_PASSWORD_VARS,
};

/// Remove the password of a PFX (or replace it) and change nothing else: every key,
/// certificate and other bag in order, every attribute (friendlyName, localKeyID, the
/// Microsoft CSP name) byte for byte. Reads Windows legacy (RC2), AES and NSS exports.
#[derive(Args, Debug)]
pub struct StripPfxArgs {
    /// The PFX to read (`-` or omitted: stdin).
    #[arg(value_name = "IN")]
    pub input: Option<PathBuf>,
    /// Where to write (`-` for stdout) [default: IN-nopass.pfx beside IN; stdout for stdin].
    #[arg(short = 'o', long = "out", value_name = "OUT")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub password: PasswordArgs,
    #[command(flatten)]
    pub profile: PfxProfileArgs,
    /// Protect the output with a new password from the environment variable VAR
    /// (rotation) instead of the empty one.
    #[arg(long, value_name = "VAR", conflicts_with = "new_password_file")]
    pub new_password_env: Option<String>,
    /// Protect the output with a new password read from a file (`-` for stdin).
    #[arg(long, value_name = "PATH")]
    pub new_password_file: Option<PathBuf>,
    /// Replace an existing OUT.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// The JSON report of `strip-pfx`.
#[derive(Debug, Serialize)]
struct Report {
    input: String,
    output: String,
    password_source: String,
    input_protection: Protection,
    output_profile: Profile,
    output_protection: Protection,
    output_password_protected: bool,
    bags: BagSummary,
    warnings: Vec<String>,
}

/// `IN-nopass.pfx` beside IN.
fn default_out(input: &Path) -> PathBuf {
    let stem = input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    input.with_file_name(format!("{stem}-nopass.pfx"))
}

/// Opens the PFX with the password the flags name, and only that one; else with the
/// empty password (both forms); if that fails, with a conventional environment
/// variable, then a prompt on a terminal. A password-free file therefore opens even
/// where the variable is set for other tools.
fn open_input(
    args: &StripPfxArgs,
    data: &[u8],
    name: &str,
    options: &StripOptions<'_>,
) -> Result<(pfx::StripOutcome, String), CliError> {
    let chain = args
        .password
        .chain(name)
        .or_conventional(EnvLookup::default().first(CERTIFICATE_PASSWORD_VARS));
    let (outcome, origin) = open_protected(
        &chain,
        name,
        Order::GivenFirst(IfGivenFails::Fail),
        |password| pfx::strip(data, password, name, options),
        |detail| {
            CliError::new(ExitKind::Password, format!("{name}: {detail}"))
                .cause("no password was given and the empty password does not open the file")
                .fix(format!(
                    "give it with {PASSWORD_FLAGS} (or set AZURE_CLIENT_CERTIFICATE_PASSWORD)"
                ))
        },
    )?;
    Ok((outcome, SecretOrigin::report_label(origin.as_ref())))
}

/// Runs `certtool strip-pfx`.
pub fn run(args: StripPfxArgs) -> Result<(), CliError> {
    crate::output::guard_out(args.out.as_deref())?;
    let source = Source::parse(args.input.as_deref().unwrap_or(Path::new("-")));
    let sink = match (&args.out, &source) {
        (Some(out), _) => Sink::parse(out),
        (None, Source::File(path)) => Sink::File(default_out(path)),
        (None, Source::Stdin) => Sink::Stdout,
    };
    at_most_one_stdin(&[
        ("IN", source == Source::Stdin),
        args.password.stdin_claim(),
        (
            "--new-password-file",
            is_dash(args.new_password_file.as_deref()),
        ),
    ])?;
    args.output
        .check_stdout_free(sink == Sink::Stdout, "write the PFX to a file with -o PATH")?;
    check_not_input(&sink, &source)?;
    check_destination(&sink, true, args.force)?;

    let new_password: Option<Secret> = new_password_flags_chain(
        args.new_password_env.as_deref(),
        args.new_password_file.as_deref(),
    )
    .resolve("the output")?
    .map(|(password, _)| password);
    let profile = args.profile.profile();
    refuse_password_without_protection(
        profile,
        new_password.as_ref().is_some_and(|p| !p.is_empty()),
        "the output",
        "--new-password-*",
    )?;
    let data = zeroize::Zeroizing::new(source.read()?);
    let name = source.name();
    let options = StripOptions {
        profile,
        new_password: new_password.as_ref(),
    };
    let (outcome, password_source) = open_input(&args, &data, &name, &options)?;

    let mut warnings = Vec::new();
    if profile == Profile::None {
        warnings.push(unprotected_warning("the private key"));
    }
    write_all(
        &[PlannedWrite {
            sink: sink.clone(),
            data: &outcome.der,
            binary: true,
            secrecy: FileSecrecy::Private,
        }],
        args.force,
    )?;
    let report = Report {
        input: name,
        output: sink.name(),
        password_source,
        input_protection: outcome.input_protection,
        output_profile: profile,
        output_protection: outcome.output_protection,
        output_password_protected: new_password.as_ref().is_some_and(|p| !p.is_empty()),
        bags: outcome.bags,
        warnings,
    };
    emit(args.output, &report, TextTo::Stderr, render_text)
}

fn render_text(r: &Report) -> String {
    let mut out = format!(
        "Read {} ({})\n",
        r.input,
        super::inspect::describe_protection(&r.input_protection)
    );
    out.push_str(&format!(
        "  kept: {} key(s), {} certificate(s), {} other bag(s), every attribute unchanged\n",
        r.bags.keys, r.bags.certificates, r.bags.others
    ));
    let profile = match r.output_profile {
        Profile::Compat => "compat (3DES, SHA-1 MAC, 2048 iterations)",
        Profile::Aes => "aes (AES-256-CBC, PBKDF2-HMAC-SHA256, SHA-256 MAC, 2048 iterations)",
        Profile::None => "none (unencrypted, no MAC)",
    };
    let password = if r.output_password_protected {
        "new password"
    } else if r.output_profile == Profile::None {
        "no password"
    } else {
        "empty password"
    };
    out.push_str(&format!("Wrote {} [{profile}, {password}]\n", r.output));
    for w in &r.warnings {
        out.push_str(&format!("warning: {w}\n"));
    }
    out
}
