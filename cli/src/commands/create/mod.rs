//! `certtool create sp`: make the service principal the setup guides make by hand, and
//! prove it works. The steps, their order and the undo live in `certtool_core::create`;
//! this module gathers the inputs (flags, a product's defaults, the caller's sign-in or
//! a person's device code), makes the certificate as `generate` does, hands the result
//! over (the secret, `--env-file-out`) and renders the report.

mod handover;
mod inputs;
mod outcome;
mod render;
mod signin;

use std::path::PathBuf;

use certtool_core::create::{create, CreateRequest};
use certtool_core::http::{client, RetryPolicy};
use clap::{Args, Subcommand, ValueEnum};

use crate::error::{CliError, ExitKind};
use crate::output::{emit, OutputArgs, TextTo};
use crate::signin::SignInArgs;

/// Create what a setup guide makes by hand (sp: a service principal with its role, proven to work).
#[derive(Args, Debug)]
pub struct CreateArgs {
    #[command(subcommand)]
    pub command: CreateCommand,
}

/// What `create` makes.
#[derive(Subcommand, Debug)]
pub enum CreateCommand {
    /// A service principal (app registration) with a role on subscriptions, proven to
    /// sign in and hold the role before the command ends.
    Sp(Box<CreateSpArgs>),
}

/// The product the service principal is for: its form's names and its guide's defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Product {
    /// Octopus Deploy's Azure service principal account.
    Octopus,
    /// Cloudcraft's Azure account (Reader, a client secret for 730 days).
    Cloudcraft,
    /// Spot's Azure connection (a custom role from Spot's JSON policy).
    Spot,
    /// CloudStudio's Azure connection.
    Cloudstudio,
    /// Terraform's azurerm provider (ARM_* variables).
    Terraform,
}

/// The kind of credential the new app gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CredentialKind {
    /// A self-signed certificate: NAME.pfx (0600) and NAME.cer.
    Certificate,
    /// A client secret, written only where --secret-out says.
    Secret,
    /// A federated identity credential (e.g. a GitHub Actions workflow); no secret.
    Federated,
}

/// Create an app registration and its service principal, give it a credential and a
/// role on each subscription, and prove the new credential signs in and holds the role.
/// It never reuses or changes an application found by name, and removes what it made
/// when a step fails (unless --keep-on-failure).
#[derive(Args, Debug)]
pub struct CreateSpArgs {
    /// Display name of the new application; also names the certificate files.
    #[arg(long)]
    pub name: String,
    /// Subscription ID(s) to assign the role on: comma-separated and/or repeated.
    #[arg(long, value_name = "ID[,ID…]", value_delimiter = ',', required = true)]
    pub subscription: Vec<String>,
    /// An existing role by name: Reader, Contributor, or any role of the tenant.
    #[arg(long, value_name = "ROLE_NAME", conflicts_with = "role_definition")]
    pub role: Option<String>,
    /// A custom role to define from a policy JSON (Name/roleName, Actions, NotActions,
    /// DataActions, NotDataActions; AssignableScopes are set to the subscriptions).
    #[arg(long, value_name = "POLICY.json")]
    pub role_definition: Option<PathBuf>,
    /// The product it is for: its guide's defaults and its form's names in the report.
    #[arg(long = "for", value_enum, value_name = "PRODUCT")]
    pub product: Option<Product>,
    /// The credential: certificate (default), secret (the default of --for products
    /// whose forms take a secret), or federated.
    #[arg(long, value_enum)]
    pub credential: Option<CredentialKind>,
    /// Directory for NAME.pfx and NAME.cer (certificate).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out_dir: PathBuf,
    /// Days the certificate or secret is valid [default: 365; Cloudcraft 730].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=i64::from(crate::limits::MAX_VALIDITY_DAYS)))]
    pub days: Option<u32>,
    /// Password of the new PFX from the environment variable VAR.
    #[arg(long, value_name = "VAR", conflicts_with_all = ["new_password_file", "no_password"])]
    pub new_password_env: Option<String>,
    /// Password of the new PFX from a file.
    #[arg(long, value_name = "PATH", conflicts_with = "no_password")]
    pub new_password_file: Option<PathBuf>,
    /// Write the new PFX with the empty password.
    #[arg(long)]
    pub no_password: bool,
    /// Where the new client secret goes (0600), or `-` for stdout; required for a
    /// secret unless --env-file-out holds it.
    #[arg(long, value_name = "FILE|-")]
    pub secret_out: Option<PathBuf>,
    /// The federated token's issuer, e.g. https://token.actions.githubusercontent.com.
    #[arg(long, value_name = "URL")]
    pub federated_issuer: Option<String>,
    /// The federated token's subject, e.g. repo:ORG/REPO:ref:refs/heads/main.
    #[arg(long, value_name = "S")]
    pub federated_subject: Option<String>,
    /// The federated token's audience.
    #[arg(long, value_name = "A", default_value = certtool_core::entra::TOKEN_EXCHANGE_AUDIENCE)]
    pub federated_audience: String,
    /// Also write AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_SUBSCRIPTION_ID and
    /// AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH here (0600), for
    /// `certtool test arm --env-file`.
    #[arg(long, value_name = "FILE")]
    pub env_file_out: Option<PathBuf>,
    /// Seconds to keep proving the new credential while Entra ID and ARM replicate it.
    #[arg(long, value_name = "SECONDS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(..=crate::limits::MAX_WAIT_SECS))]
    pub wait: u64,
    /// Keep what was created when a step fails (default: remove it).
    #[arg(long)]
    pub keep_on_failure: bool,
    /// Create even when applications with this display name exist (they are never
    /// touched).
    #[arg(long)]
    pub allow_same_name: bool,
    /// Sign in as a person at this terminal with a device code (RFC 8628) instead of
    /// as a service principal; --client-id picks the public client [default: the Azure
    /// CLI's, 04b07795-8ddb-461a-bbee-02f9e1bf7b46].
    #[arg(long)]
    pub device_code: bool,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Last, so that its help heading closes the list.
    #[command(flatten)]
    pub signin: SignInArgs,
}

/// Runs `certtool create …`.
pub fn run(args: CreateArgs) -> Result<(), CliError> {
    match args.command {
        CreateCommand::Sp(args) => sp(*args),
    }
}

fn sp(args: CreateSpArgs) -> Result<(), CliError> {
    let now = crate::clock::now()?;
    let plan = inputs::resolve(&args, now)?;
    let env = crate::envfile::EnvLookup::load(args.signin.env_file.as_deref())?;
    let http = client(&args.signin.network.http_options()?, None)?;
    let policy = RetryPolicy::default();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::new(ExitKind::Other, format!("cannot start the runtime: {e}")))?;
    let caller = signin::Caller::resolve(&args, &env, now)?;
    let signin = runtime.block_on(caller.signin(&http, &policy))?;
    let progress = |line: &str| crate::log::note!("certtool: {line}");
    let request = CreateRequest {
        http: http.clone(),
        policy,
        token_url: caller.token_url.clone(),
        graph: caller.cloud.graph.clone(),
        graph_scope: caller.cloud.graph_scope.clone(),
        arm: caller.cloud.arm.clone(),
        arm_scope: caller.cloud.arm_scope.clone(),
        name: args.name.trim().to_string(),
        allow_same_name: args.allow_same_name,
        subscriptions: args.subscription.clone(),
        role: plan.role_choice(),
        credential: plan.credential(&args),
        wait: std::time::Duration::from_secs(args.wait),
        keep_on_failure: args.keep_on_failure,
        now: crate::clock::now_or_system,
        progress: &progress,
    };
    let creation = runtime.block_on(create(&signin, &request))?;
    let context = outcome::Context {
        tenant: &caller.tenant,
        product: args.product,
        subscriptions: &args.subscription,
        env_file_out: args.env_file_out.as_deref(),
        secret_out: args.secret_out.as_deref(),
        caller: &caller.description,
    };
    let (mut report, error) = outcome::conclude(creation, &context);
    handover::hand_over(&mut report, &context)?;
    // With the secret on stdout, the text report goes to stderr: one document per stream.
    let text_to = if crate::io::is_dash(args.secret_out.as_deref()) {
        TextTo::Stderr
    } else {
        TextTo::Stdout
    };
    emit(args.output, &report, text_to, render::render)?;
    error.map_or(Ok(()), Err)
}
