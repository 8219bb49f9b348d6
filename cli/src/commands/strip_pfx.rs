//! `certtool strip-pfx`: the same PFX with its password removed (or replaced), nothing
//! else changed.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use certtool_core::fsutil::FileSecrecy;
use certtool_core::pfx::{self, BagSummary, Profile, Protection, StripOptions};
use certtool_core::secret::{self, Secret};
use certtool_core::Error as CoreError;
use clap::{Args, ValueEnum};
use serde::Serialize;

use crate::args::{
    first_env, nonempty_new_secret, secret_from_env, secret_from_path, OutputFormat, PasswordArgs,
};
use crate::error::{CliError, ExitKind};
use crate::io::{
    check_destination, check_not_input, write_all, write_stdout, PlannedWrite, Sink, Source,
};

/// Environment variables that hold a PFX password by Azure SDK and Terraform convention,
/// used when no password flag is given.
const CONVENTIONAL_PASSWORD_VARS: [&str; 2] = [
    "AZURE_CLIENT_CERTIFICATE_PASSWORD",
    "ARM_CLIENT_CERTIFICATE_PASSWORD",
];

/// How the output PFX is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StripProfileArg {
    /// 3DES key and certificates, SHA-1 MAC, 2048 iterations, empty password: opens
    /// everywhere (Windows Server 2016, Azure App Service, .NET, Java, OpenSSL 3).
    Compat,
    /// AES-256-CBC with PBKDF2-HMAC-SHA256 and a SHA-256 MAC (modern readers only).
    Aes,
    /// No encryption and no MAC at all. Java silently drops keys stored this way.
    None,
}

impl From<StripProfileArg> for Profile {
    fn from(p: StripProfileArg) -> Profile {
        match p {
            StripProfileArg::Compat => Profile::Compat,
            StripProfileArg::Aes => Profile::Aes,
            StripProfileArg::None => Profile::None,
        }
    }
}

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
    /// Output protection.
    #[arg(long, value_enum, default_value = "compat")]
    pub profile: StripProfileArg,
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
    /// Report format: text on stderr, or JSON on stdout.
    #[arg(long, value_enum, default_value = "text")]
    pub output: OutputFormat,
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

/// Opens the PFX with the password the flags name; else with the empty password (both
/// forms); if that fails, with a conventional environment variable, then a prompt on a
/// terminal. A password-free file therefore opens even where the variable is set for
/// other tools.
fn open_input(
    args: &StripPfxArgs,
    data: &[u8],
    name: &str,
    options: &StripOptions<'_>,
) -> Result<(pfx::StripOutcome, String), CliError> {
    if let Some(password) = args.password.explicit()? {
        return Ok((
            pfx::strip(data, Some(&password), name, options)?,
            "flag".into(),
        ));
    }
    match pfx::strip(data, None, name, options) {
        Err(CoreError::WrongPassword { detail, .. }) => {
            if let Some((value, var)) = first_env(&CONVENTIONAL_PASSWORD_VARS) {
                eprintln!("certtool: using the password in {var} for {name}");
                let password = Secret::new(value);
                return Ok((
                    pfx::strip(data, Some(&password), name, options)?,
                    format!("env {var}"),
                ));
            }
            if !args.password.no_input && std::io::stdin().is_terminal() {
                let password = secret::prompt(&format!("Password for {name}: "))?;
                return Ok((
                    pfx::strip(data, Some(&password), name, options)?,
                    "prompt".into(),
                ));
            }
            Err(CliError::new(ExitKind::Password, format!("{name}: {detail}"))
                .cause("no password was given and the empty password does not open the file")
                .fix(
                    "give it with --password-env VAR, --password-file PATH or --password-stdin \
                     (or set AZURE_CLIENT_CERTIFICATE_PASSWORD)",
                ))
        }
        other => Ok((other?, "empty".into())),
    }
}

/// Runs `certtool strip-pfx`.
pub fn run(args: StripPfxArgs) -> Result<(), CliError> {
    let source = Source::parse(args.input.as_deref().unwrap_or(Path::new("-")));
    let sink = match (&args.out, &source) {
        (Some(out), _) => Sink::parse(out),
        (None, Source::File(path)) => Sink::File(default_out(path)),
        (None, Source::Stdin) => Sink::Stdout,
    };
    args.password.check_against(&source)?;
    let new_password_from_stdin = args.new_password_file.as_deref() == Some(Path::new("-"));
    if new_password_from_stdin && (source == Source::Stdin || args.password.uses_stdin()) {
        return Err(CliError::usage(
            "only one of the input, the password and the new password can come from stdin",
        )
        .fix("use --new-password-env VAR"));
    }
    if sink == Sink::Stdout && args.output == OutputFormat::Json {
        return Err(CliError::usage(
            "--output json needs stdout; write the PFX to a file with -o PATH",
        ));
    }
    check_not_input(&sink, &source)?;
    check_destination(&sink, true, args.force)?;

    let new_password: Option<Secret> = match (&args.new_password_env, &args.new_password_file) {
        (Some(var), _) => Some(nonempty_new_secret(
            secret_from_env(var)?,
            &format!("--new-password-env {var}"),
        )?),
        (None, Some(path)) => Some(nonempty_new_secret(
            secret_from_path(path)?,
            "--new-password-file",
        )?),
        (None, None) => None,
    };
    let profile = Profile::from(args.profile);
    if profile == Profile::None && new_password.as_ref().is_some_and(|p| !p.is_empty()) {
        return Err(CliError::usage(
            "--profile none writes no protection, so a new password would protect nothing",
        )
        .fix("use --profile compat or aes with --new-password-*"));
    }
    let data = zeroize::Zeroizing::new(source.read()?);
    let name = source.name();
    let options = StripOptions {
        profile,
        new_password: new_password.as_ref(),
    };
    let (outcome, password_source) = open_input(&args, &data, &name, &options)?;

    let mut warnings = Vec::new();
    if profile == Profile::None {
        warnings.push(
            "profile none: the private key is stored unencrypted and without a MAC; \
             Java (keytool, JVM apps) silently drops keys stored this way"
                .to_string(),
        );
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
    match args.output {
        OutputFormat::Json => {
            let mut text = serde_json::to_string_pretty(&report).expect("serializable");
            text.push('\n');
            write_stdout(text.as_bytes())?;
        }
        OutputFormat::Text => eprint!("{}", render_text(&report)),
    }
    Ok(())
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
