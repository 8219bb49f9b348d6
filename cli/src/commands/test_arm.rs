//! `certtool test arm`: prove that a service principal signs in (certificate or secret)
//! and holds the role it needs on each subscription; name the cause and the fix when not.

pub(crate) mod inputs;
mod outcome;
mod registration;
mod render;
mod report;

use std::path::PathBuf;

use certtool_core::arm::{check_subscriptions, ArmClient, Verdict};
use certtool_core::entra::{
    request_oidc_token, request_token, sign_assertion, token_url, AssertionRequest,
    ClientAssertion, ClientCredential, OidcRequestError, SigningAlg, TokenError, TokenRequest,
};
use certtool_core::graph::GraphClient;
use certtool_core::http::{client, RetryPolicy};
use clap::{Args, ValueEnum};

use crate::args::{ExpiryArgs, NetworkArgs};
use crate::credential::CredentialArgs;
use crate::error::{CliError, ExitKind};
use crate::output::{emit, OutputArgs, TextTo};
use crate::password::PasswordArgs;
use inputs::{CertificateCredential, Credential, FederatedSource, Plan};
use report::{Report, TokenReport};

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
    let now = crate::clock::now()?;
    let mut plan = inputs::resolve(&args, now)?;
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

    // Read the clock again: a password prompt may have taken minutes, and an assertion
    // lives for five.
    let signed_at = crate::clock::now()?;
    let assertions = match &plan.credential {
        Credential::Certificate(cert) => sign_assertions(&plan, cert, &url, signed_at, &policy)?,
        Credential::Secret(_) | Credential::Federated(_) => Vec::new(),
    };
    let request = TokenRequest {
        token_url: &url,
        client_id: &plan.client_id,
        scope: &plan.cloud.arm_scope,
        credential: match &plan.credential {
            Credential::Secret(secret) => ClientCredential::Secret(secret),
            Credential::Certificate(_) => ClientCredential::Assertions(&assertions),
            Credential::Federated(FederatedSource::Token(token)) => {
                ClientCredential::Federated(token)
            }
            Credential::Federated(FederatedSource::Request { .. }) => {
                unreachable!("the token was requested above")
            }
        },
        correlation_id: uuid::Uuid::new_v4(),
    };
    let token = runtime.block_on(request_token(&http, &request, &policy));
    let token = match token {
        Ok(token) => {
            report.token = TokenReport::issued(&url, &token);
            token
        }
        Err(err) => {
            let unregistered = matches!(&err, TokenError::Rejected(e) if e.has_code(700027));
            let mut cli_error = report.token_failed(&plan, &url, err, signed_at);
            if unregistered {
                if let Some(listing) =
                    registered_keys_by_secret(&args, &runtime, &http, &plan, &url, &policy)?
                {
                    cli_error = cli_error.cause(listing.0);
                    report.registration = Some(listing.1);
                }
            }
            emit(args.output, &report, TextTo::Stdout, render::render)?;
            return Err(cli_error);
        }
    };

    let arm = ArmClient::new(http.clone(), &plan.cloud.arm, token, policy.clone());
    let checks = runtime.block_on(check_subscriptions(
        &arm,
        &plan.subscriptions,
        args.resource_group.as_deref(),
        &plan.requirements,
        CONCURRENCY,
    ));
    report.subscriptions = checks;
    report.registration = Some(read_registration(
        &runtime,
        &http,
        &plan,
        &url,
        &policy,
        &plan.credential,
    )?);
    let worst = report.worst();
    let gate = registration::expiry_gate(&plan, report.registration.as_ref(), &args.expiry, now);
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

/// After AADSTS700027 with a certificate: when the environment (or `--env-file`) also
/// holds a client secret of the app, sign in with it to read the registered
/// certificates, and say which thumbprints Entra ID holds. Returns the `cause:` line and
/// the registration.
fn registered_keys_by_secret(
    args: &TestArmArgs,
    runtime: &tokio::runtime::Runtime,
    http: &reqwest::Client,
    plan: &Plan,
    url: &str,
    policy: &RetryPolicy,
) -> Result<Option<(String, registration::RegistrationReport)>, CliError> {
    let env = crate::envfile::EnvLookup::load(args.env_file.as_deref())?;
    let Some(found) = env.first(&["AZURE_CLIENT_SECRET", "ARM_CLIENT_SECRET"]) else {
        return Ok(None);
    };
    let secret = Credential::Secret(certtool_core::secret::Secret::new(found.value.to_string()));
    let listing = read_registration(runtime, http, plan, url, policy, &secret)?;
    if !listing.read {
        return Ok(None);
    }
    let registered: Vec<String> = listing
        .certificates
        .iter()
        .map(|c| {
            format!(
                "{} (ends {})",
                c.thumbprint_sha1.as_deref().unwrap_or(&c.key_id),
                c.end.as_deref().unwrap_or("?")
            )
        })
        .collect();
    let line = if registered.is_empty() {
        format!(
            "the app has no certificate registered (read over Graph with the client secret in {})",
            found.origin
        )
    } else {
        format!(
            "registered on the app (read over Graph with the client secret in {}): {}",
            found.origin,
            registered.join(", ")
        )
    };
    Ok(Some((line, listing)))
}

/// Signs in again for Graph (with `credential`: the run's own, or a secret after a
/// refused certificate) and reads the app registration; any failure becomes a note in
/// the report, never the run's verdict.
fn read_registration(
    runtime: &tokio::runtime::Runtime,
    http: &reqwest::Client,
    plan: &Plan,
    url: &str,
    policy: &RetryPolicy,
    credential: &Credential,
) -> Result<registration::RegistrationReport, CliError> {
    let endpoint = plan.cloud.graph.as_str();
    let signed_at = crate::clock::now()?;
    let assertions = match credential {
        Credential::Certificate(cert) => sign_assertions(plan, cert, url, signed_at, policy)?,
        Credential::Secret(_) | Credential::Federated(_) => Vec::new(),
    };
    let request = TokenRequest {
        token_url: url,
        client_id: &plan.client_id,
        scope: &plan.cloud.graph_scope,
        credential: match credential {
            Credential::Secret(secret) => ClientCredential::Secret(secret),
            Credential::Certificate(_) => ClientCredential::Assertions(&assertions),
            Credential::Federated(FederatedSource::Token(token)) => {
                ClientCredential::Federated(token)
            }
            Credential::Federated(FederatedSource::Request { .. }) => {
                unreachable!("the federated token is requested before any sign-in")
            }
        },
        correlation_id: uuid::Uuid::new_v4(),
    };
    let token = match runtime.block_on(request_token(http, &request, policy)) {
        Ok(token) => token,
        Err(err) => {
            return Ok(registration::RegistrationReport::unavailable(
                endpoint,
                registration::Unavailable {
                    code: "no_graph_token".into(),
                    cause: format!(
                        "Entra ID issued no token for {}: {}",
                        plan.cloud.graph_scope,
                        token_error_text(&err)
                    ),
                    fix: "check --graph-endpoint / --cloud; the sign-in check is unaffected".into(),
                },
            ))
        }
    };
    let graph = GraphClient::new(http.clone(), endpoint, token, policy.clone());
    let now = crate::clock::now()?;
    Ok(
        match runtime.block_on(graph.application_by_app_id(&plan.client_id)) {
            Ok(app) => registration::RegistrationReport::read(endpoint, &app, plan, now),
            Err(err) => registration::RegistrationReport::graph_failed(endpoint, &err),
        },
    )
}

/// One line on why a token request failed.
fn token_error_text(err: &TokenError) -> String {
    match err {
        TokenError::Rejected(entra) => format!("{} {}", entra.code_label(), entra.description),
        TokenError::Service { status, .. } => format!("HTTP {status}"),
        TokenError::Network { failure, .. } => failure.detail.clone(),
    }
}

/// One assertion per attempt: Entra refuses a `jti` it has seen, and a retried request
/// must not be refused for that.
fn sign_assertions(
    plan: &Plan,
    cert: &CertificateCredential,
    url: &str,
    now: time::OffsetDateTime,
    policy: &RetryPolicy,
) -> Result<Vec<ClientAssertion>, CliError> {
    (0..=policy.retries)
        .map(|_| {
            sign_assertion(&AssertionRequest {
                client_id: &plan.client_id,
                token_url: url,
                certificate: &cert.leaf,
                key: &cert.key,
                chain: &cert.chain,
                send_x5c: plan.send_x5c,
                alg: plan.alg,
                now,
                jti: uuid::Uuid::new_v4(),
            })
            .map_err(CliError::from)
        })
        .collect()
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
