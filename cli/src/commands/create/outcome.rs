//! How `create sp` ends: the report (`--output json` prints it as is) and the error, whose
//! exit code, cause and fix depend on the step that failed — naming the permission the
//! runner needs — and on what is left in Azure.

use std::path::Path;

use certtool_core::arm::{ArmError, Verdict};
use certtool_core::create::{arm_words, CreateFailure, Creation, ProofGap, State, Step};
use certtool_core::entra::Explanation;
use certtool_core::graph::{GraphError, GraphRefusal};
use serde::Serialize;

use super::Product;
use crate::error::{CliError, ExitKind};
use crate::signin::sign_in_exit;

/// Names the report and the hand-over use.
pub struct Context<'a> {
    pub tenant: &'a str,
    pub product: Option<Product>,
    pub subscriptions: &'a [String],
    pub env_file_out: Option<&'a Path>,
    pub secret_out: Option<&'a Path>,
    pub caller: &'a str,
}

/// One value to copy into the product's form.
#[derive(Serialize)]
pub struct Field {
    pub label: String,
    pub value: String,
}

/// What the CLI adds around the core's [`Creation`].
#[derive(Serialize)]
pub struct Report {
    pub tenant_id: String,
    pub signed_in_as: String,
    pub product: Option<String>,
    #[serde(flatten)]
    pub creation: Creation,
    /// The values to copy, named as the product's form names them.
    pub hand_over: Vec<Field>,
    pub env_file: Option<String>,
    /// The command that checks the result later.
    pub check: Option<String>,
    pub ok: bool,
    pub exit_code: u8,
    pub error: Option<ErrorReport>,
}

#[derive(Clone, Serialize)]
pub struct ErrorReport {
    pub message: String,
    pub cause: String,
    pub fix: String,
    /// The sign-in that got no token (the caller's, or the new app's last try).
    pub sign_in: Option<Explanation>,
}

const GRAPH_PERMISSION: &str = "grant the runner the Microsoft Graph application permission Application.ReadWrite.All (or Application.ReadWrite.OwnedBy) with admin consent, or run as a person who may register applications (Application Developer, Cloud Application Administrator), e.g. with --device-code";
const ARM_PERMISSION: &str = "give the runner Role Based Access Control Administrator or User Access Administrator (or Owner) on the subscription; Contributor may not assign roles";
const ROLE_DEFINITION_PERMISSION: &str = "give the runner User Access Administrator (or Owner) on every subscription: defining a custom role needs Microsoft.Authorization/roleDefinitions/write";

fn graph(step: Step, error: &GraphError) -> (ExitKind, String, String) {
    match error {
        GraphError::Api(fault) if fault.refusal() == GraphRefusal::PermissionDenied => (
            ExitKind::Permission,
            format!(
                "Graph refused the runner at {} (403 {}): a permission is missing",
                name(step),
                fault.code
            ),
            GRAPH_PERMISSION.into(),
        ),
        GraphError::Api(fault) => (
            ExitKind::Other,
            format!(
                "Graph refused {} ({} {}: {})",
                name(step),
                fault.status,
                fault.code,
                fault.message
            ),
            "see Graph's message".into(),
        ),
        GraphError::Service { .. } | GraphError::Network { .. } => (
            ExitKind::Network,
            format!("{error}"),
            "try again later; certtool already retried what was safe to retry".into(),
        ),
        GraphError::Malformed(detail) => (
            ExitKind::Other,
            detail.clone(),
            "check --graph-endpoint points at Microsoft Graph".into(),
        ),
    }
}

fn arm(step: Step, error: &ArmError) -> (ExitKind, String, String) {
    match error {
        ArmError::Api(fault) if fault.status == 403 || fault.code == "AuthorizationFailed" => (
            ExitKind::Permission,
            format!("ARM refused the runner at {} (403 {}): a permission is missing", name(step), fault.code),
            if step == Step::CreateRole { ROLE_DEFINITION_PERMISSION } else { ARM_PERMISSION }.into(),
        ),
        ArmError::Api(fault) if fault.code == "PrincipalNotFound" => (
            ExitKind::Network,
            arm_words(error),
            "the directory had not replicated the new service principal; try again (certtool sends principalType, which normally avoids this)".into(),
        ),
        ArmError::Api(_) | ArmError::Malformed(_) => (ExitKind::Other, arm_words(error), "see ARM's message".into()),
        ArmError::Service { .. } | ArmError::Network { .. } => (ExitKind::Network, arm_words(error), "try again later".into()),
    }
}

/// The step's name as shown (the JSON name).
pub fn name(step: Step) -> String {
    serde_json::to_value(step)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// What is left in Azure, in words.
fn left(c: &Creation) -> String {
    match c.state {
        State::NothingCreated => "nothing was created".into(),
        State::RolledBack => "everything this run created was removed again".into(),
        State::Kept => "--keep-on-failure: everything created is kept (see the report)".into(),
        State::UndoIncomplete => {
            "some objects could not be removed: see the report and remove them in the portal".into()
        }
        State::NotYetProven | State::Proven | State::CreatedUnproven => {
            "everything was created and is kept".into()
        }
    }
}

/// The report and the error a creation ends with.
pub fn conclude(creation: Creation, cx: &Context) -> (Report, Option<CliError>) {
    let failed = creation.failure.as_ref().map(|f| explain(&creation, f, cx));
    let report = Report {
        tenant_id: cx.tenant.to_string(),
        signed_in_as: cx.caller.to_string(),
        product: cx.product.map(|p| format!("{p:?}").to_ascii_lowercase()),
        hand_over: Vec::new(),
        env_file: None,
        check: None,
        ok: failed.is_none(),
        exit_code: failed.as_ref().map_or(0, |(e, _)| e.kind.code()),
        error: failed.as_ref().map(|(_, r)| r.clone()),
        creation,
    };
    (report, failed.map(|(e, _)| e))
}

fn explain(c: &Creation, failure: &CreateFailure, cx: &Context) -> (CliError, ErrorReport) {
    let mut sign_in = None;
    let (kind, message, cause, fix) = match failure {
        CreateFailure::SignIn(why) => {
            sign_in = Some(why.clone());
            (sign_in_exit(why.kind), why.headline(), why.cause.clone(), why.fix.clone())
        }
        CreateFailure::NameTaken(found) => (
            ExitKind::Usage,
            format!("an application with this display name exists ({} found)", found.len()),
            format!("certtool never reuses or changes an application it finds by name; found client id(s): {}", found.iter().map(|o| o.app_id.as_str()).collect::<Vec<_>>().join(", ")),
            "choose another --name, or pass --allow-same-name to make a new one beside it (the existing one is not touched)".into(),
        ),
        CreateFailure::RoleUnknown(role) => (
            ExitKind::Usage,
            format!("no role named {role:?} on /subscriptions/{}", cx.subscriptions.first().map(String::as_str).unwrap_or("")),
            "role names are matched exactly as Azure spells them (Reader, Contributor, Owner, or a custom role's name)".into(),
            "check the name, or give the role's policy with --role-definition POLICY.json".into(),
        ),
        CreateFailure::RoleNameTaken(role) => (
            ExitKind::Usage,
            format!("a role named {role:?} exists already"),
            "custom role names are unique in a tenant, and certtool never changes a role it did not define".into(),
            format!("change the Name in the policy file, or assign the existing role with --role {role:?}"),
        ),
        CreateFailure::Graph { step, error } => {
            let (kind, message, mut fix) = graph(*step, error);
            let lost = matches!(error, GraphError::Service { .. } | GraphError::Network { .. });
            if *step == Step::CreateApplication && lost {
                // After a 5xx or a lost answer the application may exist: certtool does
                // not guess which one is its own, so the person looks.
                fix = format!("the answer was lost, so an application may have been created anyway: look for it in the portal (App registrations, this display name) and delete it, then run again; {fix}");
            }
            (kind, message, error.to_string(), fix)
        }
        CreateFailure::Arm { step, scope, error } => {
            let (kind, message, fix) = arm(*step, error);
            (kind, format!("{message} ({scope})"), arm_words(error), fix)
        }
        CreateFailure::Files(detail) => (ExitKind::Other, "the new files could not be written".into(), detail.clone(), "free space or fix permissions in --out-dir".into()),
        CreateFailure::NotProven { waited_secs, gap } => {
            let last = match gap {
                ProofGap::SignIn(why) => {
                    sign_in = Some((**why).clone());
                    format!("the new credential did not sign in yet (last answer: {})", why.answer())
                }
                ProofGap::Role(checks) => {
                    let waiting: Vec<String> = checks.iter().filter(|c| c.verdict != Verdict::Ok).map(|c| format!("{} {}", c.subscription_id, c.verdict)).collect();
                    format!("the role did not show yet on {}", waiting.join(", "))
                }
            };
            (
                ExitKind::Network,
                format!("not yet proven: the new credential did not work within {waited_secs} s"),
                format!("{last}; Entra ID and ARM replicate new objects within minutes"),
                "wait a few minutes and run the check below; nothing needs to be created again".into(),
            )
        }
    };
    let cause = format!("{cause}; {}", left(c));
    let error = CliError::new(kind, message.clone()).cause(&cause).fix(&fix);
    let report = ErrorReport {
        message,
        cause,
        fix,
        sign_in,
    };
    (error, report)
}
