//! `certtool test arm`: prove that a service principal signs in (certificate, secret or
//! federated token) and holds the role it needs on each subscription; name the cause and
//! the fix when not. The flow (sign-in, subscriptions, registration, expiry) is
//! `certtool_core::access`; this module gathers the inputs, renders the report and picks
//! the exit code.

pub(crate) mod inputs;
pub(crate) mod outcome;
mod registration;
pub(crate) mod render;
mod report;

use std::path::PathBuf;

use certtool_core::access::{self, AccessRequest, FallbackSecret};
use certtool_core::arm::Verdict;
use certtool_core::entra::{
    self, request_oidc_token, token_url, CertificateKey, OidcRequestError, SignIn, SigningAlg,
};
use certtool_core::http::{client, RetryPolicy};
use certtool_core::secret::Secret;
use clap::{Args, ValueEnum};

use crate::args::{ExpiryArgs, NetworkArgs};
use crate::credential::CredentialArgs;
use crate::envfile::EnvLookup;
use crate::error::{CliError, ExitKind};
use crate::output::{emit, OutputArgs, TextTo};
use crate::password::PasswordArgs;
use inputs::{Credential, FederatedSource, Plan};
use report::Report;

/// Where a client secret of the app may wait while the run signs in with a certificate:
/// after AADSTS700027 it reads the registration (the certificates Entra ID holds).
const FALLBACK_SECRET_VARS: &[&str] = &["AZURE_CLIENT_SECRET", "ARM_CLIENT_SECRET"];

/// How many subscriptions are checked at once.
const CONCURRENCY: usize = 8;

/// `--alg`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AlgArg {
    /// PS256 (RSASSA-PSS) with the `x5t#S256` header: what Microsoft recommends.
    Ps256,
    /// RS256 (PKCS#1 v1.5) with the SHA-1 `x5t` header: what older SDKs send.
    Rs256,
}

impl From<AlgArg> for SigningAlg {
    fn from(a: AlgArg) -> Self {
        match a {
            AlgArg::Ps256 => SigningAlg::Ps256,
            AlgArg::Rs256 => SigningAlg::Rs256,
        }
    }
}

/// Sign in as a service principal (certificate, client secret or federated token), read each subscription
/// and check the required role actions. Values fall back to AZURE_TENANT_ID,
/// AZURE_CLIENT_ID, AZURE_SUBSCRIPTION_ID, AZURE_CLIENT_SECRET,
/// AZURE_CLIENT_CERTIFICATE_PATH/PASSWORD, AZURE_AUTHORITY_HOST and Terraform's ARM_*
/// (ARM_CLIENT_CERTIFICATE = base64 PKCS#12, ARM_ENVIRONMENT = cloud).
#[derive(Args, Debug)]
pub struct TestArmArgs {
    /// Tenant (directory) ID or verified domain [env: AZURE_TENANT_ID, ARM_TENANT_ID].
    #[arg(long, value_name = "ID")]
    pub tenant: Option<String>,
    /// Application (client) ID [env: AZURE_CLIENT_ID, ARM_CLIENT_ID].
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,
    /// Subscription ID(s): comma-separated and/or repeated [env: AZURE_SUBSCRIPTION_ID,
    /// ARM_SUBSCRIPTION_ID].
    #[arg(long, value_name = "ID[,ID…]", value_delimiter = ',')]
    pub subscription: Vec<String>,
    #[command(flatten)]
    pub credential: CredentialArgs,
    #[command(flatten)]
    pub password: PasswordArgs,
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
    pub network: NetworkArgs,
    /// Entra ID authority host, e.g. https://login.microsoftonline.us [env: AZURE_AUTHORITY_HOST].
    #[arg(long, value_name = "URL")]
    pub authority_host: Option<String>,
    /// Azure Resource Manager endpoint; the token scope follows it.
    #[arg(long, value_name = "URL")]
    pub arm_endpoint: Option<String>,
    /// Microsoft Graph endpoint, where the app's registration is read; the token scope
    /// follows it.
    #[arg(long, value_name = "URL")]
    pub graph_endpoint: Option<String>,
    #[command(flatten)]
    pub expiry: ExpiryArgs,
    /// Client assertion signature algorithm.
    #[arg(long, value_enum, default_value = "ps256")]
    pub alg: AlgArg,
    /// Send the certificate chain in the assertion's `x5c` header (subject name/issuer
    /// authentication) [env: AZURE_CLIENT_SEND_CERTIFICATE_CHAIN].
    #[arg(long)]
    pub send_x5c: bool,
    /// Also read the variables above from this .env file (the environment wins).
    #[arg(long, value_name = "FILE")]
    pub env_file: Option<PathBuf>,
    /// Let --env-file name an authority host that is not a known cloud's (by default
    /// only the process environment and flags may: the file may come from someone else).
    #[arg(long)]
    pub allow_env_file_endpoints: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Runs `certtool test arm`.
pub fn run(args: TestArmArgs) -> Result<(), CliError> {
    inputs::claim_stdin(&args)?;
    let now = crate::clock::now()?;
    // Loaded once: `--env-file -` is stdin, which can be read only once.
    let env = EnvLookup::load(args.env_file.as_deref())?;
    let mut plan = inputs::resolve(&args, &env, now)?;
    let http_options = args.network.http_options()?;
    let http = client(&http_options, None)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::new(ExitKind::Other, format!("cannot start the runtime: {e}")))?;
    let policy = RetryPolicy::default();
    if let Credential::Federated(FederatedSource::Request { url, token }) = &plan.credential {
        let fetched = runtime.block_on(request_oidc_token(&http, url, token, &policy));
        let token = fetched.map_err(|e| oidc_request_failed(url, &plan.credential_source, e))?;
        plan.credential = Credential::Federated(FederatedSource::Token(Box::new(token)));
    }
    let mut report = Report::new(&plan, now);
    let url = token_url(&plan.cloud.login, &plan.tenant)?;
    // Assertions read the clock when they are signed: a password prompt may have taken
    // minutes, and an assertion lives for five.
    let signin = SignIn::new(
        http.clone(),
        policy.clone(),
        url,
        plan.client_id.clone(),
        credential(&plan),
    )
    .clock(crate::clock::now_or_system);
    let fallback = match &plan.credential {
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
        arm: &plan.cloud.arm,
        arm_scope: &plan.cloud.arm_scope,
        graph: &plan.cloud.graph,
        graph_scope: &plan.cloud.graph_scope,
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

/// The plan's credential as the sign-in takes it.
fn credential(plan: &Plan) -> entra::Credential<'_> {
    match &plan.credential {
        Credential::Secret(secret) => entra::Credential::Secret(secret),
        Credential::Certificate(c) => entra::Credential::Certificate(CertificateKey {
            certificate: &c.leaf,
            key: &c.key,
            chain: &c.chain,
            alg: plan.alg,
            send_x5c: plan.send_x5c,
        }),
        Credential::Federated(FederatedSource::Token(token)) => entra::Credential::Federated(token),
        Credential::Federated(FederatedSource::Request { .. }) => {
            unreachable!("the federated token is requested before any sign-in")
        }
    }
}

/// The error when GitHub Actions (or the `ARM_OIDC_REQUEST_URL`) hands out no token.
fn oidc_request_failed(url: &str, source: &str, error: OidcRequestError) -> CliError {
    let shown = reqwest::Url::parse(url)
        .map(|u| certtool_core::redact::url_for_log(&u))
        .unwrap_or_else(|_| "the request URL".into());
    match error {
        OidcRequestError::Network(failure) => {
            let (cause, fix) = certtool_core::proxy::explain(&failure, url);
            CliError::new(
                ExitKind::Network,
                format!("could not request a federated token ({shown})"),
            )
            .cause(cause)
            .fix(fix)
        }
        OidcRequestError::Status(status @ (401 | 403)) => CliError::new(
            ExitKind::Rejected,
            format!("the OIDC token request was refused with HTTP {status} ({shown})"),
        )
        .cause(format!("the request token of {source} was not accepted"))
        .fix("give the job `permissions: id-token: write`, and run certtool inside that job (the request token is valid only while it runs)"),
        OidcRequestError::Status(status) => CliError::new(
            ExitKind::Network,
            format!("the OIDC token request failed with HTTP {status} ({shown})"),
        )
        .cause("the token service did not issue a token")
        .fix("try again; check the request URL variable is the runner's"),
        OidcRequestError::Malformed(detail) => CliError::new(
            ExitKind::Network,
            format!("the OIDC token request answered something else than a token ({shown})"),
        )
        .cause(detail)
        .fix("check the request URL variable is the runner's (GitHub Actions answers {\"value\": \"<jwt>\"})"),
    }
}
