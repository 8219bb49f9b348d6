//! The text form of the `create sp` report: one line per step, what was created and
//! removed, then the values to copy into the product and the check to run later.

use std::fmt::Write;

use certtool_core::create::StepStatus;

use super::outcome::{name, Report};
use crate::signin::explanation;

/// The report as text.
pub fn render(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "tenant {}, signed in as {}",
        r.tenant_id, r.signed_in_as
    );
    for s in &r.creation.steps {
        let mark = match s.status {
            StepStatus::Done => "[done]   ",
            StepStatus::Skipped => "[skipped]",
            StepStatus::Failed => "[FAIL]   ",
        };
        let _ = writeln!(out, "{mark} {}: {}", name(s.step), s.detail);
        let sign_in = r.error.as_ref().and_then(|e| e.sign_in.as_ref());
        if let (StepStatus::Failed, Some(why)) = (s.status, sign_in) {
            explanation(&mut out, why);
        }
    }
    if !r.creation.created.is_empty() {
        let _ = writeln!(out, "created:");
        for c in &r.creation.created {
            let fate = if c.removed { "removed" } else { "kept" };
            let _ = writeln!(out, "  {} {} ({fate})", c.kind, c.id);
        }
    }
    let state = serde_json::to_value(r.creation.state)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let _ = writeln!(out, "state: {state}");
    if !r.hand_over.is_empty() {
        match &r.product {
            Some(product) => {
                let _ = writeln!(out, "for {product}:");
            }
            None => {
                let _ = writeln!(out, "hand over:");
            }
        }
        let width = r.hand_over.iter().map(|f| f.label.len()).max().unwrap_or(0);
        for f in &r.hand_over {
            let _ = writeln!(out, "  {:width$}  {}", f.label, f.value);
        }
    }
    if let Some(path) = &r.env_file {
        let _ = writeln!(out, "env file: {path} (0600)");
    }
    if let Some(check) = &r.check {
        let _ = writeln!(out, "check later: {check}");
    }
    out
}
