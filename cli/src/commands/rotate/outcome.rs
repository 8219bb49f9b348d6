//! How `rotate arm` ends: the report (`--output json` prints it as is) and the error,
//! whose exit code, cause and fix depend on the step that failed and the state the app
//! is left in — with the exact commands that finish or undo the job.

use certtool_core::entra::{Explanation, FailureKind};
use certtool_core::graph::{GraphError, GraphRefusal};
use certtool_core::rotate::{AppState, RotateFailure, Rotation, Step};
use serde::Serialize;

use crate::error::{CliError, ExitKind};
use crate::signin::sign_in_exit;

/// What the CLI adds around the core's [`Rotation`].
#[derive(Serialize)]
pub struct Report {
    pub tenant_id: String,
    pub client_id: String,
    pub graph_endpoint: String,
    #[serde(flatten)]
    pub rotation: Rotation,
    pub ok: bool,
    pub exit_code: u8,
    /// On failure: what went wrong, the state, and what to run next.
    pub error: Option<ErrorReport>,
}

#[derive(Clone, Serialize)]
pub struct ErrorReport {
    pub message: String,
    pub cause: String,
    pub fix: String,
    pub finish: Option<String>,
    pub undo: Option<String>,
    /// The sign-in that got no token (the current certificate's, or the new one's last
    /// try): kind, code, Entra ID's message, cause, fix and support IDs.
    pub sign_in: Option<Explanation>,
}

/// Names used in messages.
pub struct Context<'a> {
    pub tenant: &'a str,
    pub client_id: &'a str,
    pub token_url: &'a str,
    pub graph: &'a str,
}

/// A sign-in that got no token, in one line: the code (an AADSTS code or HTTP status;
/// a network failure has none) and the cause from the one explanation every command
/// shows.
fn sign_in_words(why: &Explanation) -> String {
    match why.kind {
        FailureKind::Network => why.cause.clone(),
        FailureKind::Rejected | FailureKind::Service => format!("{}: {}", why.label(), why.cause),
    }
}

fn graph_kind(error: &GraphError) -> ExitKind {
    match error {
        GraphError::Api(fault) => match fault.refusal() {
            GraphRefusal::ProofRefused | GraphRefusal::TokenRefused => ExitKind::Rejected,
            _ => ExitKind::Permission,
        },
        GraphError::Service { .. } | GraphError::Network { .. } => ExitKind::Network,
        GraphError::Malformed(_) => ExitKind::Other,
    }
}

fn graph_fix(step: Step, error: &GraphError) -> String {
    let refusal = match error {
        GraphError::Api(fault) => Some(fault.refusal()),
        _ => None,
    };
    match (step, refusal) {
        (Step::ResolveApp, Some(GraphRefusal::PermissionDenied)) => "the app may not read itself: pass --app-object-id (Entra admin center → App registrations → the app → Object ID), or grant it Application.Read.All; --remove-old needs the read".into(),
        (_, Some(GraphRefusal::ProofRefused)) => "the proof must be signed by a certificate registered on the app and valid now, and name the app's object id: check --app-object-id and that --cert is registered and not expired (an app whose certificates all expired cannot roll itself: add the new .cer in the portal)".into(),
        (_, Some(GraphRefusal::NotFound)) => "no application with this object id in the tenant: check --app-object-id (the Object ID, not the client id)".into(),
        (_, Some(GraphRefusal::PermissionDenied)) => "Graph denied the change; an app rolls its own keys with a proof and no permission, so check --app-object-id names this app".into(),
        _ => "try again later; nothing after this step was done".into(),
    }
}

/// The report and the error a rotation ends with.
pub fn conclude(rotation: Rotation, cx: &Context) -> (Report, Option<CliError>) {
    let error = rotation.failure.as_ref().map(|f| explain(&rotation, f, cx));
    let report = Report {
        tenant_id: cx.tenant.to_string(),
        client_id: cx.client_id.to_string(),
        graph_endpoint: cx.graph.to_string(),
        ok: error.is_none(),
        exit_code: error.as_ref().map_or(0, |(e, _)| e.kind.code()),
        error: error.as_ref().map(|(_, r)| r.clone()),
        rotation,
    };
    (report, error.map(|(e, _)| e))
}

fn explain(r: &Rotation, failure: &RotateFailure, cx: &Context) -> (CliError, ErrorReport) {
    let state = match r.state {
        AppState::Unchanged => "the app registration is unchanged".to_string(),
        AppState::BothRegistered => format!(
            "the app holds both certificates: the old {} and the new {} (keyId {})",
            r.old_thumbprint,
            r.new_thumbprint,
            r.new_key_id.as_deref().unwrap_or("?")
        ),
        AppState::Rotated => "only the new certificate is registered".to_string(),
    };
    let saved = r
        .pfx
        .as_ref()
        .map(|p| format!("; the new PFX is saved at {}", p.display()))
        .unwrap_or_default();
    let remove = |key: &str| {
        format!(
            "az ad app credential delete --id {} --key-id {key}",
            cx.client_id
        )
    };
    // The table's advice for a sign-in that got no token; a refusal without a row keeps
    // this command's own fix.
    let sign_in_fix = |why: &Explanation| match (why.kind, &why.diagnosis) {
        (FailureKind::Rejected, None) => {
            "check --tenant, --client-id and that --cert is the certificate registered on the app"
                .to_string()
        }
        _ => why.fix.clone(),
    };
    let mut also = None;
    let (kind, message, cause, fix, finish, undo) = match failure {
        RotateFailure::SignIn(why) => (
            sign_in_exit(why.kind),
            format!("the current certificate did not sign in ({})", cx.token_url),
            sign_in_words(why),
            sign_in_fix(why),
            None,
            None,
        ),
        RotateFailure::OldKeyUnknown(detail) => (
            ExitKind::Permission,
            "--remove-old cannot find the certificate to remove".to_string(),
            detail.clone(),
            "grant the app Application.Read.All so certtool can read the keyId, or rotate without --remove-old and remove the old certificate in the portal later".to_string(),
            None,
            None,
        ),
        RotateFailure::Graph { step, error } => {
            let after_add = r.state != AppState::Unchanged;
            (
                graph_kind(error),
                format!("Graph refused or failed at {} ({})", step_name(*step), cx.graph),
                error.to_string(),
                graph_fix(*step, error),
                (after_add).then(|| r.old_key_id.as_deref().map(remove)).flatten(),
                (after_add).then(|| r.new_key_id.as_deref().map(remove)).flatten(),
            )
        }
        RotateFailure::NewNeverSignedIn { waited_secs, last } => {
            let pfx = r.pfx.as_ref().map(|p| p.display().to_string()).unwrap_or_default();
            also = Some(format!("if it still does not sign in: {}", sign_in_fix(last)));
            (
                ExitKind::Network,
                format!("the new certificate did not sign in within {waited_secs} s"),
                format!(
                    "Entra ID may still be replicating the new key; last answer: {}",
                    sign_in_words(last)
                ),
                "wait a few minutes, then finish as below; the old certificate still works".to_string(),
                Some(format!(
                    "certtool test arm --tenant {} --client-id {} --cert {pfx} --subscription SUB (until it signs in), then {}",
                    cx.tenant,
                    cx.client_id,
                    r.old_key_id.as_deref().map(remove).unwrap_or_else(|| "remove the old certificate in the portal".into())
                )),
                r.new_key_id.as_deref().map(remove),
            )
        }
        RotateFailure::Files(detail) => (
            ExitKind::Other,
            "the new files could not be written or moved into place".to_string(),
            detail.clone(),
            "free space or fix permissions in --out-dir; nothing is lost: see the paths in the report".to_string(),
            None,
            r.new_key_id.as_deref().map(remove),
        ),
    };
    let cause = format!("{cause}; {state}{saved}");
    let mut error = CliError::new(kind, message.clone()).cause(&cause).fix(&fix);
    if let Some(also) = also {
        error = error.fix(also);
    }
    if let Some(finish) = &finish {
        error = error.fix(format!("to finish: {finish}"));
    }
    if let Some(undo) = &undo {
        error = error.fix(format!("to undo: {undo}"));
    }
    let sign_in = match failure {
        RotateFailure::SignIn(why) | RotateFailure::NewNeverSignedIn { last: why, .. } => {
            Some(why.clone())
        }
        _ => None,
    };
    let report = ErrorReport {
        message,
        cause,
        fix,
        finish,
        undo,
        sign_in,
    };
    (error, report)
}

/// The step's name as shown (the JSON name).
pub fn step_name(step: Step) -> String {
    serde_json::to_value(step)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}
