//! What certtool says on stderr besides errors: `-v` (one line per HTTP request),
//! `--debug` (headers and retries too), `-q` (nothing but errors).
//!
//! One `tracing` subscriber, set up in `main`: it takes events of certtool's own targets,
//! formats them, passes the line through the redaction layer
//! ([`certtool_core::redact::redact`]) and only then writes it. Nothing reaches stderr
//! without going through that layer.
//!
//! Why not `tracing-subscriber`'s fmt layer: it writes each event as soon as it has
//! formatted it, and redaction must see the whole finished line (a secret can be split
//! across fields or sit inside a formatted header list). What certtool needs of a
//! subscriber is small — level filter, certtool's own targets, one line per event, no
//! spans — so it is written here (about 150 lines) instead of adding that crate and its
//! dependencies for one writer hook.

use std::fmt::Write as _;
use std::io::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::Args;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

static QUIET: AtomicBool = AtomicBool::new(false);

/// The help heading of the flags every command takes.
const GLOBAL: &str = "Global options";

/// The flags every command takes.
#[derive(Args, Debug, Clone, Copy)]
pub struct LogArgs {
    /// Log each HTTP request on stderr: method, URL (query secrets removed), status,
    /// x-ms-request-id / client-request-id and time.
    #[arg(short = 'v', long, global = true, conflicts_with = "quiet", help_heading = GLOBAL)]
    pub verbose: bool,
    /// Like --verbose, with request and response headers (secret values removed) and
    /// retries.
    #[arg(long, global = true, conflicts_with = "quiet", help_heading = GLOBAL)]
    pub debug: bool,
    /// Print only errors: no notes, warnings or text reports (--output json still prints).
    #[arg(short = 'q', long, global = true, help_heading = GLOBAL)]
    pub quiet: bool,
}

/// Whether `-q` was given.
pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// A note or warning for the user on stderr, unless `-q`.
macro_rules! note {
    ($($arg:tt)*) => {
        if !$crate::log::quiet() {
            $crate::escape::to_stderr(&format!("{}\n", format_args!($($arg)*)));
        }
    };
}
pub(crate) use note;

/// Sets up logging for the whole run.
pub fn init(args: LogArgs) {
    QUIET.store(args.quiet, Ordering::Relaxed);
    let max = if args.debug {
        Level::DEBUG
    } else if args.verbose {
        Level::INFO
    } else {
        return;
    };
    // Only fails when a subscriber is already set, which `main` does not do.
    let _ = tracing::subscriber::set_global_default(Redacting { max });
}

/// The subscriber: certtool's events up to `max`, redacted, one line each on stderr.
struct Redacting {
    max: Level,
}

#[derive(Default)]
struct Line {
    message: String,
    fields: String,
}

impl Visit for Line {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            let _ = write!(self.fields, " {}={value:?}", field.name());
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            let _ = write!(self.fields, " {}={value}", field.name());
        }
    }
}

impl Subscriber for Redacting {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.target().starts_with("certtool") && *metadata.level() <= self.max
    }

    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        Some(tracing::level_filters::LevelFilter::from_level(self.max))
    }

    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut line = Line::default();
        event.record(&mut line);
        let level = match *event.metadata().level() {
            Level::DEBUG | Level::TRACE => "debug",
            _ => "info",
        };
        let text = format!("certtool [{level}]: {}{}", line.message, line.fields);
        let text = certtool_core::redact::redact(&text);
        let _ = writeln!(std::io::stderr().lock(), "{text}");
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}
