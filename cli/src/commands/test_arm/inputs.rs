//! Turning flags, environment variables and a `.env` file into what `test arm` needs
//! beyond the sign-in (`crate::signin`): the subscriptions and the required actions,
//! saying on stderr where each value came from (never a secret's value). Everything
//! that can be checked offline is checked here, before any request.

use certtool_core::arm::{builtin_role, is_path_segment, parse_role_definition, Requirement};
use certtool_core::ids::subscription_ids;
use time::OffsetDateTime;

use super::TestArmArgs;
use crate::args::Origin;
use crate::envfile::EnvLookup;
use crate::error::CliError;
use crate::io::{at_most_one_stdin, is_dash, Source};
use crate::signin::{self, note, required, Identity, Sources};

const SUBSCRIPTION_VARS: &[&str] = &["AZURE_SUBSCRIPTION_ID", "ARM_SUBSCRIPTION_ID"];
/// Everything resolved.
pub struct Plan {
    /// Who signs in.
    pub identity: Identity,
    pub subscriptions: Vec<String>,
    pub requirements: Vec<Requirement>,
    /// (what, where from) for every value, in the order resolved.
    pub sources: Sources,
}

/// Refuses two inputs that would both read stdin, before anything (the `.env` file
/// included) is read.
pub fn claim_stdin(args: &TestArmArgs) -> Result<(), CliError> {
    let mut claims = args.signin.stdin_claims();
    claims.push((
        "--require-actions",
        args.require_actions.iter().any(|p| is_dash(Some(p))),
    ));
    at_most_one_stdin(&claims)
}

/// Resolves and checks everything before the first request.
pub fn resolve(args: &TestArmArgs, env: &EnvLookup, now: OffsetDateTime) -> Result<Plan, CliError> {
    let mut sources = Vec::new();
    let who = signin::resolve_who(&args.signin, env, &mut sources)?;
    let given = if args.subscription.is_empty() {
        vec![required(
            env,
            &None,
            "--subscription",
            SUBSCRIPTION_VARS,
            "subscription ID",
            &mut sources,
        )?]
    } else {
        note(
            &mut sources,
            "subscription ID",
            Origin::Flag("--subscription").to_string(),
        );
        args.subscription.clone()
    };
    let subscriptions = subscription_ids(given.iter().map(String::as_str))?;
    if subscriptions.is_empty() {
        return Err(CliError::usage("no subscription ID given"));
    }
    if let Some(rg) = &args.resource_group {
        if !is_path_segment(rg) {
            return Err(CliError::usage(format!(
                "{rg:?} is not a resource group name"
            )));
        }
    }

    // Read before the credential, which may prompt for a password.
    let requirements = requirements(args)?;
    let identity = signin::resolve(who, &args.signin, env, now, &mut sources)?;
    Ok(Plan {
        identity,
        subscriptions,
        requirements,
        sources,
    })
}

fn requirements(args: &TestArmArgs) -> Result<Vec<Requirement>, CliError> {
    let mut out = Vec::new();
    for role in &args.require_role {
        out.push(builtin_role(role)?);
    }
    for path in &args.require_actions {
        let source = Source::parse(path);
        let data = source.read()?;
        out.push(parse_role_definition(&data, &source.name())?);
    }
    Ok(out)
}
