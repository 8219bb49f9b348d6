//! Reports: JSON for scripts or text for people, printed in one place.

use clap::ValueEnum;
use serde::Serialize;

use crate::error::CliError;
use crate::io::write_stdout;

/// `--output text|json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum OutputFormat {
    /// For people (default).
    #[default]
    Text,
    /// A stable JSON document on stdout, for scripts.
    Json,
}

/// Where the text form of a report goes; JSON always goes to stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextTo {
    /// The report is the command's data (`inspect`, `test …`, `import`).
    Stdout,
    /// The report is a summary beside data the command wrote (`generate`, `strip-pfx`
    /// may write a PFX to stdout).
    Stderr,
}

/// Prints `report`: pretty JSON on stdout with `--output json`, else `text(report)` on
/// `text_to`.
pub fn emit<R: Serialize>(
    format: OutputFormat,
    report: &R,
    text_to: TextTo,
    text: impl FnOnce(&R) -> String,
) -> Result<(), CliError> {
    match (format, text_to) {
        (OutputFormat::Json, _) => {
            let mut json = serde_json::to_string_pretty(report).expect("serializable");
            json.push('\n');
            write_stdout(json.as_bytes())
        }
        (OutputFormat::Text, TextTo::Stdout) => write_stdout(text(report).as_bytes()),
        (OutputFormat::Text, TextTo::Stderr) => {
            eprint!("{}", text(report));
            Ok(())
        }
    }
}
