//! The CLI's one error type and the one table from error kind to exit code.

use certtool_core::{Error as CoreError, ErrorKind};

/// What went wrong, in the classes that decide the exit code (see README "Exit codes").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitKind {
    /// 1: anything else.
    Other,
    /// 2: bad usage (flags, refused choices).
    Usage,
    /// 3: unreadable or malformed input.
    Input,
    /// 4: wrong password or integrity check failed.
    Password,
    /// 5: the cloud rejected the credential.
    Rejected,
    /// 6: authenticated, but a required permission is missing.
    Permission,
    /// 7: network, TLS or service failure.
    Network,
    /// 8: an expiry gate tripped.
    Expiry,
}

impl ExitKind {
    /// The process exit code for this kind. The single source of truth for exit codes.
    pub fn code(self) -> u8 {
        match self {
            ExitKind::Other => 1,
            ExitKind::Usage => 2,
            ExitKind::Input => 3,
            ExitKind::Password => 4,
            ExitKind::Rejected => 5,
            ExitKind::Permission => 6,
            ExitKind::Network => 7,
            ExitKind::Expiry => 8,
        }
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

    /// The text printed to stderr.
    pub fn render(&self) -> String {
        let mut out = format!("error: {}\n", self.message);
        for hint in &self.hints {
            match hint {
                Hint::Cause(t) => out.push_str(&format!("  cause: {t}\n")),
                Hint::Fix(t) => out.push_str(&format!("  fix: {t}\n")),
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
            ErrorKind::Rejected => ExitKind::Rejected,
            ErrorKind::Permission => ExitKind::Permission,
            ErrorKind::Network => ExitKind::Network,
            _ => ExitKind::Other,
        };
        let cli = CliError::new(kind, err.to_string());
        match &err {
            CoreError::WrongPassword { .. } => cli.fix(
                "give the password with --password-env VAR, --password-file PATH or --password-stdin \
                 (or type it when asked on a terminal)",
            ),
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

    #[test]
    fn exit_codes_are_the_documented_table() {
        let table = [
            (ExitKind::Other, 1),
            (ExitKind::Usage, 2),
            (ExitKind::Input, 3),
            (ExitKind::Password, 4),
            (ExitKind::Rejected, 5),
            (ExitKind::Permission, 6),
            (ExitKind::Network, 7),
            (ExitKind::Expiry, 8),
        ];
        for (kind, code) in table {
            assert_eq!(kind.code(), code, "{kind:?}");
        }
    }

    #[test]
    fn render_has_message_then_hints() {
        let e = CliError::usage("bad").cause("why").fix("how");
        assert_eq!(e.render(), "error: bad\n  cause: why\n  fix: how\n");
    }
}
