//! `certtool test arm`: prove that a service principal signs in (certificate, secret or
//! federated token) and holds the role it needs on each subscription; name the cause and
//! the fix when not. The flow (sign-in, subscriptions, registration, expiry) is
//! `certtool_core::access`; this module gathers the inputs, renders the report and picks
//! the exit code.

pub(crate) mod inputs;
pub(crate) mod outcome;
mod registration;
mod render;
mod report;

use std::path::PathBuf;

use certtool_core::access::{self, AccessRequest, FallbackSecret};
use certtool_core::arm::Verdict;
use certtool_core::http::{client, RetryPolicy};
use certtool_core::secret::Secret;
use clap::Args;

use crate::args::ExpiryArgs;
use crate::envfile::EnvLookup;
use crate::error::{CliError, ExitKind};
use crate::output::{emit, OutputArgs, TextTo};
use crate::signin::{Credential, SignInArgs};
use report::Report;

/// Where a client secret of the app may wait while the run signs in with a certificate:
/// after AADSTS700027 it reads the registration (the certificates Entra ID holds).
const FALLBACK_SECRET_VARS: &[&str] = &["AZURE_CLIENT_SECRET", "ARM_CLIENT_SECRET"];

/// How many subscriptions are checked at once.
const CONCURRENCY: usize = 8;

/// Sign in as a service principal (certificate, client secret or federated token), read each subscription
/// and check the required role actions. Values fall back to AZURE_TENANT_ID,
/// AZURE_CLIENT_ID, AZURE_SUBSCRIPTION_ID, AZURE_CLIENT_SECRET,
/// AZURE_CLIENT_CERTIFICATE_PATH/PASSWORD, AZURE_AUTHORITY_HOST and Terraform's ARM_*
/// (ARM_CLIENT_CERTIFICATE = base64 PKCS#12, ARM_ENVIRONMENT = cloud).
#[derive(Args, Debug)]
pub struct TestArmArgs {
    /// Subscription ID(s): comma-separated and/or repeated [env: AZURE_SUBSCRIPTION_ID,
    /// ARM_SUBSCRIPTION_ID].
    #[arg(long, value_name = "ID[,ID…]", value_delimiter = ',')]
    pub subscription: Vec<String>,
    /// Require a built-in role's actions: Reader, Contributor or Owner (repeatable).
    #[arg(long, value_name = "ROLE")]
    pub require_role: Vec<String>,
    /// Require the actions of a role definition JSON (`Actions`/`actions`,
    /// `permissions[].actions`), e.g. a product's custom role (repeatable).
    #[arg(long, value_name = "FILE")]
    pub require_actions: Vec<PathBuf>,
    /// Read permissions at this resource group when the subscription scope is refused.
    #[arg(long, value_name = "NAME")]
    pub resource_group: Option<String>,
    #[command(flatten)]
    pub expiry: ExpiryArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Last, so that its help heading closes the list.
    #[command(flatten)]
    pub signin: SignInArgs,
}

/// Runs `certtool test arm`.
pub fn run(args: TestArmArgs) -> Result<(), CliError> {
    inputs::claim_stdin(&args)?;
    let now = crate::clock::now()?;
    // Loaded once: `--env-file -` is stdin, which can be read only once.
    let env = EnvLookup::load(args.signin.env_file.as_deref())?;
    let mut plan = inputs::resolve(&args, &env, now)?;
    let http_options = args.signin.network.http_options()?;
    let http = client(&http_options, None)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::new(ExitKind::Other, format!("cannot start the runtime: {e}")))?;
    let policy = RetryPolicy::default();
    runtime.block_on(plan.identity.fetch_federated(&http, &policy))?;
    let mut report = Report::new(&plan, now);
    let signin = plan.identity.signin(&http, &policy)?;
    let fallback = match &plan.identity.credential {
        Credential::Certificate(_) => env.first(FALLBACK_SECRET_VARS).map(|found| {
            (
                Secret::new(found.value.to_string()),
                found.origin.to_string(),
            )
        }),
        Credential::Secret(_) | Credential::Federated(_) => None,
    };
    let request = AccessRequest {
        http: &http,
        policy: &policy,
        arm: &plan.identity.cloud.arm,
        arm_scope: &plan.identity.cloud.arm_scope,
        graph: &plan.identity.cloud.graph,
        graph_scope: &plan.identity.cloud.graph_scope,
        subscriptions: &plan.subscriptions,
        resource_group: args.resource_group.as_deref(),
        requirements: &plan.requirements,
        concurrency: CONCURRENCY,
        fallback_secret: fallback.as_ref().map(|(secret, origin)| FallbackSecret {
            secret,
            origin: origin.clone(),
        }),
    };
    let access = runtime.block_on(access::check(&signin, &request))?;
    let gate = registration::expiry_gate(access.ends_first.as_ref(), &args.expiry);
    let ended = report.record(access);
    if let Some(error) = ended {
        emit(args.output, &report, TextTo::Stdout, render::render)?;
        return Err(error);
    }
    let worst = report.verdict;
    if worst == Verdict::Ok {
        if let Some(gate) = &gate {
            report.exit_code = gate.kind.code();
        }
    }
    emit(args.output, &report, TextTo::Stdout, render::render)?;
    match (worst, gate) {
        (Verdict::Ok, None) => Ok(()),
        (Verdict::Ok, Some(gate)) => Err(gate),
        (verdict, _) => Err(report.failure(verdict)),
    }
}
