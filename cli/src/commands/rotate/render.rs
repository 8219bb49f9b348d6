//! The text form of the `rotate arm` report: one line per step, then where the new
//! files are and the state of the app.

use std::fmt::Write;

use certtool_core::rotate::StepStatus;

use super::outcome::{step_name, Report};
use crate::signin::explanation;

/// The report as text.
pub fn render(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "tenant {}, client {}, Graph {}",
        r.tenant_id, r.client_id, r.graph_endpoint
    );
    for s in &r.rotation.steps {
        let mark = match s.status {
            StepStatus::Done => "[done]   ",
            StepStatus::Planned => "[planned]",
            StepStatus::Skipped => "[skipped]",
            StepStatus::Failed => "[FAIL]   ",
        };
        let _ = writeln!(out, "{mark} {}: {}", step_name(s.step), s.detail);
        let sign_in = r.error.as_ref().and_then(|e| e.sign_in.as_ref());
        if let (StepStatus::Failed, Some(why)) = (s.status, sign_in) {
            explanation(&mut out, why);
        }
    }
    let state = serde_json::to_value(r.rotation.state)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let _ = writeln!(out, "state: {state}");
    if let Some(pfx) = &r.rotation.pfx {
        let _ = writeln!(out, "new PFX: {}", pfx.display());
    }
    if let Some(e) = &r.error {
        if let Some(finish) = &e.finish {
            let _ = writeln!(out, "to finish: {finish}");
        }
        if let Some(undo) = &e.undo {
            let _ = writeln!(out, "to undo: {undo}");
        }
    }
    out
}
