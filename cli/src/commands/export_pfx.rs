//! `certtool export --format pfx`: a PFX from a PEM bundle (key + certificate + chain),
//! or from a certificate plus `--key FILE` and an optional `--chain FILE`, written
//! through the same PFX writer as `generate` (same profiles, same read-back check).

use std::path::{Path, PathBuf};

use certtool_core::bundle::{self, CredentialBundle};
use certtool_core::fsutil::FileSecrecy;
use certtool_core::pfx::{self, Profile};
use certtool_core::{keys, Error as CoreError};
use openssl::x509::X509;

use super::export::ExportArgs;
use crate::error::CliError;
use crate::io::{check_destination, check_not_input, write_all, PlannedWrite, Sink, Source};
use crate::password::{
    key_password_chain, load_key_file, missing_key_password, open_protected, NewPasswordArgs,
};

/// The flags that name the new PFX's password: export's password flags, read as
/// `generate` reads them.
fn new_password(args: &ExportArgs) -> NewPasswordArgs {
    NewPasswordArgs {
        password_env: args.password.password_env.clone(),
        password_file: match args.password.password_stdin {
            true => Some(PathBuf::from("-")),
            false => args.password.password_file.clone(),
        },
        no_password: args.no_password,
        no_input: args.password.no_input,
    }
}

/// Reads IN (certificates, perhaps the key) with the key password flags.
fn load_input(args: &ExportArgs, source: &Source) -> Result<CredentialBundle, CliError> {
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
        args.key_password_env.as_deref(),
        args.key_password_file.as_deref(),
        &format!("in {name}"),
        args.password.no_input,
    );
    let (bundle, _) = open_protected(
        &chain,
        &name,
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
pub fn run(args: &ExportArgs) -> Result<(), CliError> {
    let source = Source::parse(&args.input);
    let sink = args.out.as_deref().map(Sink::parse).unwrap_or(Sink::Stdout);
    check_destination(&sink, true, args.force)?;
    check_not_input(&sink, &source)?;
    let key_source = args.key.as_deref().map(Source::parse);
    let chain_source = args.chain.as_deref().map(Source::parse);
    for other in key_source.iter().chain(chain_source.iter()) {
        check_not_input(&sink, other)?;
    }
    let stdin_users = [Some(&source), key_source.as_ref(), chain_source.as_ref()]
        .into_iter()
        .flatten()
        .filter(|s| **s == Source::Stdin)
        .count()
        + usize::from(args.password.uses_stdin())
        + usize::from(args.key_password_file.as_deref() == Some(Path::new("-")));
    if stdin_users > 1 {
        return Err(
            CliError::usage("only one input or password can come from stdin")
                .fix("use files or --password-env VAR / --key-password-env VAR for the others"),
        );
    }
    let profile = Profile::from(args.profile);
    let password = new_password(args).resolve_for_profile(args.profile, &sink.name())?;

    let mut bundle = load_input(args, &source)?;
    if let Some(path) = &args.key {
        if bundle.key.is_some() {
            return Err(CliError::usage(format!(
                "{} already holds a private key; give --key only with a certificate file",
                bundle.input
            )));
        }
        bundle.key = Some(load_key_file(
            path,
            args.key_password_env.as_deref(),
            args.key_password_file.as_deref(),
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
    if let Some(path) = &args.chain {
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
