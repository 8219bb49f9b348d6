//! `certtool rotate arm`: roll a service principal's certificate with Microsoft Graph.
//! The steps and their order live in `certtool_core::rotate`; this module gathers the
//! inputs, makes the new certificate and PFX, and renders the outcome.

mod outcome;
mod render;

use std::path::PathBuf;
use std::time::Duration;

use certtool_core::cloud::Cloud;
use certtool_core::entra::token_url;
use certtool_core::generate::{random_serial, safe_file_stem, self_signed, CertificateRequest};
use certtool_core::http::{client, RetryPolicy};
use certtool_core::ids::is_guid;
use certtool_core::keys;
use certtool_core::pfx::{self, Profile};
use certtool_core::rotate::{rotate, CurrentCertificate, NewCertificate, RotateRequest};
use clap::{Args, Subcommand};
use openssl::pkey::{PKey, Private};
use openssl::x509::X509;
use time::macros::format_description;

use crate::args::{NetworkArgs, PfxProfileArgs, ProtectedOnly};
use crate::commands::generate::validity;
use crate::error::{CliError, ExitKind};
use crate::io::Source;
use crate::output::{emit, OutputArgs, TextTo};
use crate::password::{load_credential, new_password_flags_chain, PasswordArgs};
use crate::signin::check_https;
use crate::signin::AlgArg;

/// Roll a credential.
#[derive(Args, Debug)]
pub struct RotateArgs {
    #[command(subcommand)]
    pub command: RotateCommand,
}

/// What `rotate` rolls.
#[derive(Subcommand, Debug)]
pub enum RotateCommand {
    /// An app registration's certificate, by the app itself (Microsoft Graph addKey and
    /// removeKey, proven by the current certificate; no Graph permission needed).
    Arm(Box<RotateArmArgs>),
}

/// Roll an app registration's certificate: sign in with the current one, stage a new
/// PFX, register its certificate, prove it signs in, then (with --remove-old) remove the
/// old one. The old certificate is never removed before the new one has signed in.
#[derive(Args, Debug)]
pub struct RotateArmArgs {
    /// Tenant (directory) ID or verified domain.
    #[arg(long, value_name = "ID")]
    pub tenant: String,
    /// Application (client) ID.
    #[arg(long, value_name = "ID")]
    pub client_id: String,
    /// The current certificate: PFX, or PEM with key and certificate.
    #[arg(long, value_name = "FILE")]
    pub cert: PathBuf,
    #[command(flatten)]
    pub password: PasswordArgs,
    /// The application's object id, when the app may not read itself over Graph.
    #[arg(long, value_name = "ID")]
    pub app_object_id: Option<String>,
    /// Remove the certificate signed in with once the new one has signed in.
    #[arg(long)]
    pub remove_old: bool,
    /// Seconds to keep trying the new certificate while Entra ID replicates it.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 120,
        value_parser = clap::value_parser!(u64).range(..=crate::limits::MAX_WAIT_SECS)
    )]
    pub wait: u64,
    /// Sign in and print every step; send nothing else, write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Use this certificate and key (PFX, or PEM with key and certificate) instead of
    /// making one; it is opened with the --new-password-* flags, and kept as a new PFX
    /// under the same password.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["key_size", "days", "not_after"])]
    pub new_cert: Option<PathBuf>,
    /// Subject common name of the new certificate [default: certtool CLIENT-ID]; also
    /// names the files.
    #[arg(long)]
    pub name: Option<String>,
    /// RSA key size of the new certificate.
    #[arg(long, default_value_t = 2048, value_name = "BITS")]
    pub key_size: u32,
    /// Days of validity of the new certificate [default: 365].
    #[arg(
        long,
        value_name = "N",
        conflicts_with = "not_after",
        value_parser = clap::value_parser!(u32).range(..=i64::from(crate::limits::MAX_VALIDITY_DAYS))
    )]
    pub days: Option<u32>,
    /// Expiry of the new certificate instead of --days: YYYY-MM-DD or RFC 3339.
    #[arg(long, value_name = "DATE")]
    pub not_after: Option<String>,
    /// Directory for the new PFX and .cer (named after --name and today's date).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out_dir: PathBuf,
    /// Password of the new PFX from the environment variable VAR.
    #[arg(long, value_name = "VAR", conflicts_with_all = ["new_password_file", "new_no_password"])]
    pub new_password_env: Option<String>,
    /// Password of the new PFX from a file.
    #[arg(long, value_name = "PATH", conflicts_with = "new_no_password")]
    pub new_password_file: Option<PathBuf>,
    /// Write the new PFX with the empty password.
    #[arg(long)]
    pub new_no_password: bool,
    #[command(flatten)]
    pub pfx_profile: PfxProfileArgs<ProtectedOnly>,
    #[command(flatten)]
    pub network: NetworkArgs,
    /// Entra ID authority host, e.g. https://login.microsoftonline.us.
    #[arg(long, value_name = "URL")]
    pub authority_host: Option<String>,
    /// Microsoft Graph endpoint; the token scope follows it.
    #[arg(long, value_name = "URL")]
    pub graph_endpoint: Option<String>,
    /// Client assertion signature algorithm.
    #[arg(long, value_enum, default_value = "ps256")]
    pub alg: AlgArg,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `--new-cert`: its leaf and key, opened with the new PFX's password, fit for Entra ID.
fn given_certificate(
    path: &std::path::Path,
    password: &certtool_core::secret::Secret,
    now: time::OffsetDateTime,
) -> Result<(PKey<Private>, X509), CliError> {
    let source = Source::parse(path);
    let data = zeroize::Zeroizing::new(source.read()?);
    let bundle = certtool_core::bundle::load(&data, Some(password), &source.name())?;
    let (cert, key) = bundle.leaf_with_key()?;
    certtool_core::entra::check_certificate(cert, key, now, &source.name())?;
    Ok((key.clone(), cert.clone()))
}

/// Runs `certtool rotate …`.
pub fn run(args: RotateArgs) -> Result<(), CliError> {
    match args.command {
        RotateCommand::Arm(args) => arm(*args),
    }
}

fn cloud(args: &RotateArmArgs) -> Result<Cloud, CliError> {
    let mut cloud = Cloud::by_name(args.network.cloud.as_deref().unwrap_or("AzureCloud"))?;
    if let Some(url) = &args.authority_host {
        check_https(url, "authority host")?;
        cloud = cloud.with_login(url);
    }
    if let Some(url) = &args.graph_endpoint {
        check_https(url, "Graph endpoint")?;
        cloud = cloud.with_graph(url, false);
    }
    Ok(cloud)
}

fn arm(args: RotateArmArgs) -> Result<(), CliError> {
    if !is_guid(&args.client_id) {
        return Err(CliError::usage(format!(
            "--client-id {} is not a GUID",
            args.client_id
        )));
    }
    if let Some(id) = &args.app_object_id {
        if !is_guid(id) {
            return Err(CliError::usage(format!(
                "--app-object-id {id} is not a GUID"
            )));
        }
    }
    let cloud = cloud(&args)?;
    let url = token_url(&cloud.login, &args.tenant)?;
    let now = crate::clock::now()?;
    let source = Source::parse(&args.cert);
    let bundle = load_credential(&source, &args.password, None)?;
    let (current_cert, current_key) = bundle.leaf_with_key()?;
    certtool_core::entra::check_certificate(current_cert, current_key, now, &source.name())?;

    // The new key and certificate, and the PFX that keeps them.
    keys::check_rsa_size(args.key_size, false)?;
    let validity = validity(args.days, args.not_after.as_deref())?;
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| format!("certtool {}", args.client_id));
    let date = now
        .format(format_description!("[year][month][day]"))
        .unwrap_or_default();
    let stem = format!("{}-{date}", safe_file_stem(&name));
    let pfx_path = args.out_dir.join(format!("{stem}.pfx"));
    let cer_path = args.out_dir.join(format!("{stem}.cer"));
    for path in [&pfx_path, &cer_path] {
        if path.exists() {
            return Err(CliError::usage(format!(
                "{} already exists; choose another --out-dir or --name",
                path.display()
            )));
        }
    }
    let password = if args.new_no_password {
        certtool_core::secret::Secret::empty()
    } else {
        let what = format!("{stem}.pfx");
        let chain = new_password_flags_chain(
            args.new_password_env.as_deref(),
            args.new_password_file.as_deref(),
        )
        .or_prompt(format!("New password for {what}: "), args.password.no_input);
        match chain.resolve(&what)? {
            Some((password, _)) => password,
            None => return Err(CliError::usage(format!(
                "{what} needs a password and none was given"
            ))
            .fix("give --new-password-env VAR or --new-password-file PATH, or --new-no-password")),
        }
    };
    let (new_key, new_cert) = match &args.new_cert {
        Some(path) => given_certificate(path, &password, now)?,
        None => {
            let key = keys::generate_rsa(args.key_size, false)?;
            let cert = self_signed(
                &key,
                &CertificateRequest {
                    common_name: name.clone(),
                    validity,
                    now,
                    serial: random_serial()?,
                },
            )?;
            (key, cert)
        }
    };
    let pfx_der = pfx::build(
        &new_key,
        &new_cert,
        &[],
        Some(name.trim()),
        &password,
        Profile::from(args.pfx_profile),
    )?;
    if !args.dry_run {
        // The directory will hold the new private key: 0700 when certtool makes it.
        certtool_core::fsutil::create_private_dir(&args.out_dir)?;
    }

    let http = client(&args.network.http_options()?, None)?;
    let request = RotateRequest {
        http,
        policy: RetryPolicy::default(),
        token_url: url.clone(),
        client_id: args.client_id.clone(),
        graph: cloud.graph.clone(),
        graph_scope: cloud.graph_scope.clone(),
        alg: args.alg.into(),
        current: CurrentCertificate {
            certificate: current_cert,
            key: current_key,
        },
        new: NewCertificate {
            certificate: &new_cert,
            key: &new_key,
            pfx: &pfx_der,
            pfx_path,
            cer_path,
        },
        object_id: args.app_object_id.clone(),
        remove_old: args.remove_old,
        wait: Duration::from_secs(args.wait),
        dry_run: args.dry_run,
        now: crate::clock::now_or_system,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::new(ExitKind::Other, format!("cannot start the runtime: {e}")))?;
    let rotation = runtime.block_on(rotate(&request))?;
    let context = outcome::Context {
        tenant: &args.tenant,
        client_id: &args.client_id,
        token_url: &url,
        graph: &cloud.graph,
    };
    let (report, error) = outcome::conclude(rotation, &context);
    emit(args.output, &report, TextTo::Stdout, render::render)?;
    error.map_or(Ok(()), Err)
}
