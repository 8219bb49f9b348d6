//! The CLI's one error type and the one table from error kind to exit code.

use certtool_core::{Error as CoreError, ErrorKind};

/// The flags that name the password of an existing file, as `fix:` lines spell them.
pub const PASSWORD_FLAGS: &str = "--password-env VAR, --password-file PATH or --password-stdin";

/// What went wrong, in the classes that decide the exit code. Codes and meanings are in
/// [`ExitKind::row`], the one exit table; README.md and docs/exit-codes.md repeat it for
/// readers, and a test checks that they agree with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitKind {
    /// Anything else.
    Other,
    /// Bad usage (flags, refused choices).
    Usage,
    /// Unreadable or malformed input.
    Input,
    /// Wrong password or integrity check failed.
    Password,
    /// The cloud rejected the credential.
    Rejected,
    /// Authenticated, but a required permission is missing.
    Permission,
    /// Network, TLS or service failure.
    Network,
    /// An expiry gate tripped.
    Expiry,
    /// The view was incomplete (a listing refused, throttled past its budget, or cut
    /// short): a gate cannot read it as clean.
    Incomplete,
}

impl ExitKind {
    /// Every kind, in the order of their codes (for the test that reads the docs).
    #[cfg(test)]
    const ALL: [ExitKind; 9] = [
        ExitKind::Other,
        ExitKind::Usage,
        ExitKind::Input,
        ExitKind::Password,
        ExitKind::Rejected,
        ExitKind::Permission,
        ExitKind::Network,
        ExitKind::Expiry,
        ExitKind::Incomplete,
    ];

    /// The exit table: the process exit code of each kind and the words the documented
    /// tables use for it. The single source of truth for exit codes (0 is success).
    fn row(self) -> (u8, &'static str) {
        match self {
            ExitKind::Other => (1, "anything else"),
            ExitKind::Usage => (2, "usage"),
            ExitKind::Input => (3, "unreadable or malformed input"),
            ExitKind::Password => (4, "wrong password"),
            ExitKind::Rejected => (5, "the cloud rejected the credential"),
            ExitKind::Permission => (6, "permission is missing"),
            ExitKind::Network => (7, "network, TLS or service failure"),
            ExitKind::Expiry => (8, "an expiry gate"),
            ExitKind::Incomplete => (9, "incomplete view"),
        }
    }

    /// The process exit code for this kind.
    pub fn code(self) -> u8 {
        self.row().0
    }
}

/// A line printed under the error: why it happened, or what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hint {
    /// `  cause: …`
    Cause(String),
    /// `  fix: …`
    Fix(String),
}

/// An error as the user sees it: one line, then cause/fix hints, and an exit code.
#[derive(Debug)]
pub struct CliError {
    /// Picks the exit code.
    pub kind: ExitKind,
    /// The one-line message (without the `error: ` prefix).
    pub message: String,
    /// Cause and fix lines.
    pub hints: Vec<Hint>,
}

impl CliError {
    /// A new error of `kind`.
    pub fn new(kind: ExitKind, message: impl Into<String>) -> Self {
        CliError {
            kind,
            message: message.into(),
            hints: Vec::new(),
        }
    }

    /// A usage error (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        CliError::new(ExitKind::Usage, message)
    }

    /// Adds a `cause:` line.
    pub fn cause(mut self, text: impl Into<String>) -> Self {
        self.hints.push(Hint::Cause(text.into()));
        self
    }

    /// Adds a `fix:` line.
    pub fn fix(mut self, text: impl Into<String>) -> Self {
        self.hints.push(Hint::Fix(text.into()));
        self
    }

    /// The text printed to stderr: the message, then every `cause:`, then every `fix:`,
    /// whatever order they were added in (a shared gate may add its fix before the
    /// command adds the cause).
    pub fn render(&self) -> String {
        let mut out = format!("error: {}\n", self.message);
        for hint in &self.hints {
            if let Hint::Cause(t) = hint {
                out.push_str(&format!("  cause: {t}\n"));
            }
        }
        for hint in &self.hints {
            if let Hint::Fix(t) = hint {
                out.push_str(&format!("  fix: {t}\n"));
            }
        }
        out
    }
}

impl From<CoreError> for CliError {
    fn from(err: CoreError) -> Self {
        let kind = match err.kind() {
            ErrorKind::Usage => ExitKind::Usage,
            ErrorKind::Input => ExitKind::Input,
            ErrorKind::Password => ExitKind::Password,
            _ => ExitKind::Other,
        };
        let cli = CliError::new(kind, err.to_string());
        match &err {
            CoreError::WrongPassword { .. } => cli.fix(format!(
                "give the password with {PASSWORD_FLAGS} (or type it when asked on a terminal)"
            )),
            CoreError::KeyMismatch { .. } => cli
                .cause("the file pairs a certificate with a key that was not made for it")
                .fix("export the PFX again from the machine that created the certificate"),
            CoreError::Read { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                cli.fix("check the path")
            }
            _ => cli,
        }
    }
}

impl From<std::io::Error> for CliError {
    fn from(err: std::io::Error) -> Self {
        CliError::new(ExitKind::Other, err.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `| code | meaning | …` rows of the first table in `doc` under `heading`
    /// (or the whole file's first table when `heading` is empty).
    fn documented_codes(doc: &str, heading: &str) -> Vec<(u8, String)> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(doc);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let start = if heading.is_empty() {
            0
        } else {
            text.find(heading)
                .unwrap_or_else(|| panic!("{doc} has no {heading:?}"))
        };
        text[start..]
            .lines()
            .skip_while(|l| !l.starts_with('|'))
            .take_while(|l| l.starts_with('|'))
            .filter_map(|row| {
                let cells: Vec<&str> = row.split('|').map(str::trim).collect();
                let code = cells.get(1)?.parse().ok()?;
                Some((code, cells.get(2)?.to_string()))
            })
            .collect()
    }

    fn check_against_the_table(doc: &str, heading: &str) {
        let rows = documented_codes(doc, heading);
        let mut expected: Vec<u8> = vec![0];
        expected.extend(ExitKind::ALL.iter().map(|k| k.code()));
        let codes: Vec<u8> = rows.iter().map(|(code, _)| *code).collect();
        assert_eq!(codes, expected, "{doc}: the exit codes listed");
        for kind in ExitKind::ALL {
            let (code, words) = kind.row();
            let (_, meaning) = rows.iter().find(|(c, _)| *c == code).expect("listed");
            assert!(
                meaning.to_lowercase().contains(&words.to_lowercase()),
                "{doc}: code {code} ({kind:?}) should say {words:?}, says {meaning:?}"
            );
        }
    }

    #[test]
    fn readme_exit_table_is_the_code_table() {
        check_against_the_table("README.md", "## Exit codes");
    }

    #[test]
    fn docs_exit_table_is_the_code_table() {
        check_against_the_table("docs/exit-codes.md", "");
    }

    #[test]
    fn codes_are_distinct_and_in_order() {
        let codes: Vec<u8> = ExitKind::ALL.iter().map(|k| k.code()).collect();
        assert_eq!(codes, (1..=9).collect::<Vec<u8>>());
    }

    #[test]
    fn core_errors_map_to_their_exit_kind() {
        let wrong = CoreError::WrongPassword {
            input: "x.pfx".into(),
            detail: "the MAC check failed".into(),
        };
        let cli = CliError::from(wrong);
        assert_eq!((cli.kind, cli.kind.code()), (ExitKind::Password, 4));
        assert!(cli.render().contains(PASSWORD_FLAGS));
        assert_eq!(
            CliError::from(CoreError::malformed("x.pfx", "not a PFX")).kind,
            ExitKind::Input
        );
        assert_eq!(
            CliError::from(CoreError::Refused("weak key".into())).kind,
            ExitKind::Usage
        );
        assert_eq!(
            CliError::from(CoreError::SelfCheck("differs".into())).kind,
            ExitKind::Other
        );
    }

    #[test]
    fn render_has_message_then_hints() {
        let e = CliError::usage("bad").cause("why").fix("how");
        assert_eq!(e.render(), "error: bad\n  cause: why\n  fix: how\n");
        let late = CliError::usage("bad").fix("how").cause("why");
        assert_eq!(late.render(), e.render());
    }
}
