//! Reports: JSON for scripts or text for people, printed in one place.

use clap::{Args, ValueEnum};
use serde::Serialize;

use crate::error::CliError;
use crate::io::write_stdout;

// Reports and errors are escaped by the same function; its home is a leaf so that
// `log::note!` can use it without depending on this module.
pub use crate::escape::escape_controls;

/// `--output text|json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum OutputFormat {
    /// For people (default).
    #[default]
    Text,
    /// A stable JSON document on stdout, for scripts.
    Json,
}

/// `--output text|json`, the one definition every command flattens.
#[derive(Args, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutputArgs {
    /// Report format: text for people, or a JSON document on stdout for scripts.
    #[arg(long = "output", value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

impl From<OutputArgs> for OutputFormat {
    fn from(args: OutputArgs) -> OutputFormat {
        args.format
    }
}

impl OutputArgs {
    /// True for `--output json`.
    pub fn json(self) -> bool {
        self.format == OutputFormat::Json
    }

    /// Refuses `--output json` when the command's data goes to stdout too: the JSON
    /// report needs stdout to itself. `fix` says where the data can go instead.
    pub fn check_stdout_free(self, data_on_stdout: bool, fix: &str) -> Result<(), CliError> {
        if self.json() && data_on_stdout {
            return Err(CliError::usage(format!(
                "--output json needs stdout; {fix}"
            )));
        }
        Ok(())
    }
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
/// `text_to` (nothing with `-q`).
pub fn emit<R: Serialize>(
    format: impl Into<OutputFormat>,
    report: &R,
    text_to: TextTo,
    text: impl FnOnce(&R) -> String,
) -> Result<(), CliError> {
    let format = format.into();
    if crate::log::quiet() && format == OutputFormat::Text {
        return Ok(());
    }
    match (format, text_to) {
        (OutputFormat::Json, _) => {
            let mut json = serde_json::to_string_pretty(report).expect("serializable");
            json.push('\n');
            write_stdout(json.as_bytes())
        }
        (OutputFormat::Text, TextTo::Stdout) => {
            write_stdout(escape_controls(&text(report)).as_bytes())
        }
        (OutputFormat::Text, TextTo::Stderr) => {
            crate::escape::to_stderr(&text(report));
            Ok(())
        }
    }
}

/// The words `-o` takes in the Azure CLI (`az … -o json`) and in certtool's `--output`.
const FORMAT_WORDS: &[&str] = &[
    "json", "jsonc", "yaml", "yamlc", "table", "tsv", "none", "text",
];

/// Refuses `-o json` and its kin: `-o` names the file to write here, and an az habit
/// would silently write a file called `json`. A path that says it is one (`./json`) is
/// taken as meant.
pub fn guard_out(out: Option<&std::path::Path>) -> Result<(), CliError> {
    let Some(word) = out.and_then(|p| p.to_str()) else {
        return Ok(());
    };
    let Some(format) = FORMAT_WORDS.iter().find(|w| w.eq_ignore_ascii_case(word)) else {
        return Ok(());
    };
    Err(CliError::usage(format!(
        "-o/--out {word}: this would write a file named {word:?}"
    ))
    .cause(format!(
        "-o names the file to write; in az, -o {format} picks the output format"
    ))
    .fix(format!(
        "for a {format} report use --output {format} (where the command has it); to write a file named {word} pass -o ./{word}"
    )))
}
