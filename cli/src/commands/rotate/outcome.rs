//! How `rotate arm` ends: the report (`--output json` prints it as is) and the error,
//! whose exit code, cause and fix depend on the step that failed and the state the app
//! is left in — with the exact commands that finish or undo the job.

use certtool_core::entra::TokenError;
use certtool_core::graph::{GraphError, GraphRefusal};
use certtool_core::rotate::{AppState, RotateFailure, Rotation, Step};
use serde::Serialize;

use crate::error::{CliError, ExitKind};

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

#[derive(Serialize)]
pub struct ErrorReport {
    pub message: String,
    pub cause: String,
    pub fix: String,
    pub finish: Option<String>,
    pub undo: Option<String>,
}

/// Names used in messages.
pub struct Context<'a> {
    pub tenant: &'a str,
    pub client_id: &'a str,
    pub token_url: &'a str,
    pub graph: &'a str,
}

fn token_detail(error: &TokenError) -> (ExitKind, String) {
    match error {
        TokenError::Rejected(entra) => (
            ExitKind::Rejected,
            // Entra's description starts with the AADSTS code already.
            if entra.description.starts_with(&entra.code_label()) {
                format!("Entra ID refused it: {}", entra.description)
            } else {
                format!(
                    "Entra ID refused it with {}: {}",
                    entra.code_label(),
                    entra.description
                )
            },
        ),
        TokenError::Service { status, .. } => (
            ExitKind::Network,
            format!("the token endpoint answered HTTP {status}"),
        ),
        TokenError::Network { failure, .. } => (ExitKind::Network, failure.detail.clone()),
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
        error: error.as_ref().map(|(_, r)| ErrorReport {
            message: r.message.clone(),
            cause: r.cause.clone(),
            fix: r.fix.clone(),
            finish: r.finish.clone(),
            undo: r.undo.clone(),
        }),
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
    let (kind, message, cause, fix, finish, undo) = match failure {
        RotateFailure::SignIn(error) => {
            let (kind, detail) = token_detail(error);
            (
                kind,
                format!("the current certificate did not sign in ({})", cx.token_url),
                detail,
                "check --tenant, --client-id and that --cert is the certificate registered on the app".to_string(),
                None,
                None,
            )
        }
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
            let (_, detail) = token_detail(last);
            let pfx = r.pfx.as_ref().map(|p| p.display().to_string()).unwrap_or_default();
            (
                ExitKind::Network,
                format!("the new certificate did not sign in within {waited_secs} s"),
                format!("Entra ID may still be replicating the new key; last answer: {detail}"),
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
    if let Some(finish) = &finish {
        error = error.fix(format!("to finish: {finish}"));
    }
    if let Some(undo) = &undo {
        error = error.fix(format!("to undo: {undo}"));
    }
    let report = ErrorReport {
        message,
        cause,
        fix,
        finish,
        undo,
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
