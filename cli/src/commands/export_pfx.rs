//! `certtool export --format pfx`: a PFX from a PEM bundle (key + certificate + chain),
//! or from a certificate plus `--key FILE` and an optional `--chain FILE`, written
//! through the same PFX writer as `generate` (same profiles, same read-back check).

use std::path::{Path, PathBuf};

use certtool_core::bundle::{self, CredentialBundle};
use certtool_core::fsutil::FileSecrecy;
use certtool_core::pfx;
use certtool_core::{keys, Error as CoreError};
use clap::Args;
use openssl::x509::X509;

use crate::args::PfxProfileArgs;
use crate::error::CliError;
use crate::io::{
    at_most_one_stdin, check_destination, check_not_input, is_dash, write_all, PlannedWrite, Sink,
    Source,
};
use crate::password::{
    key_password_chain, load_key_file, missing_key_password, open_protected, NewPasswordArgs,
    Order, PasswordArgs,
};

/// The flags of `export` that only `--format pfx` takes.
#[derive(Args, Debug)]
pub struct PfxFlags {
    /// With --format pfx: the private key (PEM, DER or PKCS#8, perhaps encrypted) when IN
    /// holds only the certificate.
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// With --format pfx: certificates to add after the leaf (PEM, or one DER certificate).
    #[arg(long, value_name = "FILE")]
    pub chain: Option<PathBuf>,
    /// With --format pfx: password of an encrypted key, from the environment variable VAR.
    #[arg(long, value_name = "VAR", conflicts_with = "key_password_file")]
    pub key_password_env: Option<String>,
    /// With --format pfx: password of an encrypted key, from a file (`-` for stdin).
    #[arg(long, value_name = "PATH")]
    pub key_password_file: Option<PathBuf>,
    #[command(flatten)]
    pub profile: PfxProfileArgs,
    /// With --format pfx: protect the PFX with the empty password (anyone holding the file
    /// has the key).
    #[arg(long, conflicts_with_all = ["password_env", "password_file", "password_stdin"])]
    pub no_password: bool,
}

impl PfxFlags {
    /// The first of these flags given, for the error when the format is not `pfx`.
    pub fn first_given(&self) -> Option<&'static str> {
        [
            (self.key.is_some(), "--key"),
            (self.chain.is_some(), "--chain"),
            (self.key_password_env.is_some(), "--key-password-env"),
            (self.key_password_file.is_some(), "--key-password-file"),
            (self.profile.given(), "--profile"),
            (self.no_password, "--no-password"),
        ]
        .into_iter()
        .find_map(|(given, flag)| given.then_some(flag))
    }
}

/// What `export --format pfx` reads and writes.
pub struct PfxExport<'a> {
    /// IN.
    pub input: &'a Path,
    /// `-o` (stdout when `None`).
    pub out: Option<&'a Path>,
    /// `--force`.
    pub force: bool,
    /// export's password flags: here they name the new PFX's password.
    pub password: &'a PasswordArgs,
    /// The flags only this format takes.
    pub flags: &'a PfxFlags,
}

/// The flags that name the new PFX's password: export's password flags, read as
/// `generate` reads them.
fn new_password(args: &PfxExport<'_>) -> NewPasswordArgs {
    NewPasswordArgs {
        password_env: args.password.password_env.clone(),
        password_file: match args.password.password_stdin {
            true => Some(PathBuf::from("-")),
            false => args.password.password_file.clone(),
        },
        no_password: args.flags.no_password,
        no_input: args.password.no_input,
    }
}

/// Reads IN (certificates, perhaps the key) with the key password flags.
fn load_input(args: &PfxExport<'_>, source: &Source) -> Result<CredentialBundle, CliError> {
    let data = zeroize::Zeroizing::new(source.read()?);
    let name = source.name();
    if !keys::looks_like_pem(&data) && X509::from_der(&data).is_err() && pfx::looks_like_pfx(&data)
    {
        return Err(CliError::usage(format!(
            "{name} is already a PFX; export --format pfx builds one from PEM or DER"
        ))
        .fix(format!(
            "to change how it is protected: certtool strip-pfx {name} --profile compat"
        )));
    }
    let chain = key_password_chain(
        args.flags.key_password_env.as_deref(),
        args.flags.key_password_file.as_deref(),
        &format!("in {name}"),
        args.password.no_input,
    );
    let (bundle, _) = open_protected(
        &chain,
        &name,
        Order::EmptyFirst,
        |password| bundle::load(&data, password, &name),
        |_| missing_key_password(&name),
    )?;
    Ok(bundle)
}

/// The certificates of `--chain FILE` (PEM with one or more, or one DER certificate).
fn load_chain(path: &Path) -> Result<Vec<X509>, CliError> {
    let source = Source::parse(path);
    let data = source.read()?;
    let name = source.name();
    let certs = if keys::looks_like_pem(&data) {
        X509::stack_from_pem(&data).unwrap_or_default()
    } else {
        X509::from_der(&data).map(|c| vec![c]).unwrap_or_default()
    };
    if certs.is_empty() {
        return Err(CoreError::malformed(
            &name,
            "the chain file holds no certificate (expected PEM CERTIFICATE blocks or one DER certificate)",
        )
        .into());
    }
    Ok(certs)
}

/// Runs `certtool export --format pfx`.
pub fn run(args: &PfxExport<'_>) -> Result<(), CliError> {
    let flags = args.flags;
    let source = Source::parse(args.input);
    let sink = args.out.map(Sink::parse).unwrap_or(Sink::Stdout);
    check_destination(&sink, true, args.force)?;
    check_not_input(&sink, &source)?;
    let key_source = flags.key.as_deref().map(Source::parse);
    let chain_source = flags.chain.as_deref().map(Source::parse);
    for other in key_source.iter().chain(chain_source.iter()) {
        check_not_input(&sink, other)?;
    }
    at_most_one_stdin(&[
        ("IN", source == Source::Stdin),
        ("--key", key_source == Some(Source::Stdin)),
        ("--chain", chain_source == Some(Source::Stdin)),
        args.password.stdin_claim(),
        (
            "--key-password-file",
            is_dash(flags.key_password_file.as_deref()),
        ),
    ])?;
    let profile = flags.profile.profile();
    let password =
        new_password(args).resolve_for_profile(profile, &sink.name(), "the private key")?;

    let mut bundle = load_input(args, &source)?;
    if let Some(path) = &flags.key {
        if bundle.key.is_some() {
            return Err(CliError::usage(format!(
                "{} already holds a private key; give --key only with a certificate file",
                bundle.input
            )));
        }
        bundle.key = Some(load_key_file(
            path,
            flags.key_password_env.as_deref(),
            flags.key_password_file.as_deref(),
            args.password.no_input,
        )?);
    } else if bundle.key.is_none() {
        return Err(CliError::usage(format!(
            "{} holds no private key; a PFX needs one",
            bundle.input
        ))
        .fix("give the key with --key FILE, or use a PEM holding both key and certificate"));
    }
    let (leaf, key) = bundle.leaf_with_key()?;
    let mut chain = bundle.chain();
    if let Some(path) = &flags.chain {
        chain.extend(load_chain(path)?);
    }
    let der = pfx::build(key, leaf, &chain, None, &password, profile)?;
    write_all(
        &[PlannedWrite {
            sink,
            data: &der,
            binary: true,
            secrecy: FileSecrecy::Private,
        }],
        args.force,
    )
}
