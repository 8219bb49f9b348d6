//! Removing what a failed run created, and nothing else, in the order Azure accepts:
//! the role assignments (a role still assigned cannot be deleted), then the custom role,
//! then the application (its service principal and credentials go with it).

use super::{arm_words, Creation, ObjectKind, Session, State, Step, StepStatus};
use crate::graph::Deleted;

/// Removes every object in `run.created`, marking each removed, and records the step.
pub(super) async fn undo(run: &mut Creation, session: &Session) {
    let mut left = Vec::new();
    let mut removed = Vec::new();
    for kind in [
        ObjectKind::RoleAssignment,
        ObjectKind::RoleDefinition,
        ObjectKind::Application,
    ] {
        let ids: Vec<String> = run
            .created
            .iter()
            .filter(|c| c.kind == kind && !c.removed)
            .map(|c| c.id.clone())
            .collect();
        for id in ids {
            let result = match kind {
                ObjectKind::RoleAssignment => session
                    .arm
                    .delete_role_assignment(&id)
                    .await
                    .map_err(|e| arm_words(&e)),
                ObjectKind::RoleDefinition => session
                    .arm
                    .delete_role_definition(&id)
                    .await
                    .map_err(|e| arm_words(&e)),
                _ => session
                    .graph
                    .delete_application(&id)
                    .await
                    .map(|d| d == Deleted::Deleted)
                    .map_err(|e| e.to_string()),
            };
            match result {
                Ok(_) => {
                    mark(run, &id);
                    if kind == ObjectKind::Application {
                        // Its service principal and credentials went with it.
                        for c in &mut run.created {
                            if c.kind.goes_with_application() {
                                c.removed = true;
                            }
                        }
                    }
                    removed.push(format!("{kind} {id}"));
                }
                Err(why) => left.push(format!("{kind} {id} ({why})")),
            }
        }
    }
    if left.is_empty() {
        run.state = State::RolledBack;
        run.record(
            Step::Undo,
            StepStatus::Done,
            format!("removed {}", removed.join(", ")),
        );
    } else {
        run.state = State::UndoIncomplete;
        run.record(
            Step::Undo,
            StepStatus::Failed,
            format!("could not remove: {}", left.join("; ")),
        );
    }
}

fn mark(run: &mut Creation, id: &str) {
    for c in &mut run.created {
        if c.id == id {
            c.removed = true;
        }
    }
}
