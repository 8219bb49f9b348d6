//! How a step stops the run: every step that calls Graph or ARM maps the call's error to
//! its record line and its [`CreateFailure`] in one place, so the steps read as what they
//! do and the run ends the same way wherever it stops.

use crate::arm::ArmError;
use crate::error::Error;
use crate::graph::GraphError;

use super::{arm_words, CreateFailure, Step};

/// A step that failed: it is recorded and what was created is undone (or kept).
pub(super) struct Stopped {
    /// The step that failed.
    pub step: Step,
    /// Its record line.
    pub detail: String,
    /// Why, for the caller.
    pub failure: CreateFailure,
}

/// Why the steps stopped before the end.
pub(super) enum Halt {
    /// A step failed (boxed: a failure is far larger than the happy path's values).
    Step(Box<Stopped>),
    /// An offline failure (signing, encoding): the run's `Err`.
    Offline(Error),
}

/// The steps' result: on `Err` the run stops.
pub(super) type Flow<T> = std::result::Result<T, Halt>;

impl From<Error> for Halt {
    fn from(e: Error) -> Self {
        Halt::Offline(e)
    }
}

/// `step` failed: `detail` is recorded, `failure` told.
pub(super) fn stop(step: Step, detail: impl Into<String>, failure: CreateFailure) -> Halt {
    Halt::Step(Box::new(Stopped {
        step,
        detail: detail.into(),
        failure,
    }))
}

/// Graph failed at `step`; the record reads "`what`: the error".
pub(super) fn graph_failed(step: Step, what: &str) -> impl FnOnce(GraphError) -> Halt + '_ {
    move |error| {
        let detail = format!("{what}: {error}");
        stop(step, detail, CreateFailure::Graph { step, error })
    }
}

/// ARM failed at `step` about `scope`; the record reads "`what`: ARM's answer".
pub(super) fn arm_failed(step: Step, scope: String, what: String) -> impl FnOnce(ArmError) -> Halt {
    move |error| {
        let detail = format!("{what}: {}", arm_words(&error));
        stop(step, detail, CreateFailure::Arm { step, scope, error })
    }
}

/// Staging a file failed at `step`; the record reads "`what`: the error".
pub(super) fn files_failed(step: Step, what: &str) -> impl FnOnce(Error) -> Halt + '_ {
    move |e| {
        stop(
            step,
            format!("{what}: {e}"),
            CreateFailure::Files(e.to_string()),
        )
    }
}
