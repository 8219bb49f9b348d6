//! Which well-known consumers can open a PFX, decided from how it is protected alone.
//!
//! [`verdicts`] is a pure function from a PFX's [`Protection`] (and whether it holds a
//! private key) to one [`ReaderVerdict`] per reader. Every rule has an id; the ids, what
//! each rule says and the source it comes from (documentation or an issue thread) are
//! listed in docs/pfx-compatibility.md, and a test keeps that list and this file in step.
//! The report ends with the `certtool strip-pfx` command that writes the file in the
//! `compat` profile, which every reader listed here opens.

use serde::Serialize;

use crate::pfx::{PasswordForm, Protection};

mod rules;

pub use rules::RULE_IDS;
use rules::{Facts, Judge, READERS};

/// What a reader does with the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The reader opens the file, key and certificates.
    Opens,
    /// The reader opens the file only when it is handed the empty password explicitly
    /// (it does not try the empty password by itself).
    OpensWithEmptyPassword,
    /// The reader fails, or opens the file without its private key.
    DoesNotOpen,
    /// No rule we have a source for decides this case.
    Unknown,
}

impl Verdict {
    /// The word for reports, the same as the JSON value.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Opens => "opens",
            Verdict::OpensWithEmptyPassword => "opens-with-empty-password",
            Verdict::DoesNotOpen => "does-not-open",
            Verdict::Unknown => "unknown",
        }
    }

    /// How bad the verdict is, for combining rules: the worst one wins.
    fn rank(self) -> u8 {
        match self {
            Verdict::Opens => 0,
            Verdict::OpensWithEmptyPassword => 1,
            Verdict::Unknown => 2,
            Verdict::DoesNotOpen => 3,
        }
    }
}

one_word!(Verdict);

/// One rule that decided part of a verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleHit {
    /// The rule's id, as listed in docs/pfx-compatibility.md.
    pub rule: &'static str,
    /// Why, in words, naming the part of the file concerned.
    pub reason: String,
}

/// What one reader makes of the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReaderVerdict {
    /// Stable id, e.g. `openssl3`.
    pub id: &'static str,
    /// Name for people, e.g. `OpenSSL 3 (default provider, no -legacy)`.
    pub name: &'static str,
    /// The verdict.
    pub verdict: Verdict,
    /// The rules that decided it (empty when the reader simply opens the file).
    pub rules: Vec<RuleHit>,
}

/// The readers block of `inspect`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReadersReport {
    /// One verdict per reader, in a fixed order.
    pub readers: Vec<ReaderVerdict>,
    /// True when every reader opens the file (perhaps only with the empty password).
    pub opens_everywhere: bool,
    /// The command that rewrites the file so that every reader opens it, when needed.
    pub fix: Option<String>,
}

/// Quotes `s` for a POSIX shell when it holds anything but plain path characters.
fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-/+,=:@".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// `IN-compat.pfx` beside IN (or `compat.pfx` for stdin).
fn compat_name(input: &str) -> String {
    if input == "stdin" || input == "-" {
        return "compat.pfx".into();
    }
    let path = std::path::Path::new(input);
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    path.with_file_name(format!("{stem}-compat.pfx"))
        .to_string_lossy()
        .into_owned()
}

/// The `certtool strip-pfx` command that rewrites `input` in the `compat` profile,
/// keeping its password (read from and written under `PFX_PASSWORD`) when it has one;
/// `input` is a path, or `stdin` for a file read from stdin (the command then reads `-`).
pub fn fix_command(input: &str, password: PasswordForm) -> String {
    let from = match input {
        "stdin" | "-" => "-".to_string(),
        path => shell_word(path),
    };
    let mut cmd = format!(
        "certtool strip-pfx {from} -o {} --profile compat",
        shell_word(&compat_name(input))
    );
    if matches!(
        password,
        PasswordForm::Given | PasswordForm::GivenWidenedBytes
    ) {
        cmd.push_str(" --password-env PFX_PASSWORD --new-password-env PFX_PASSWORD");
    }
    cmd
}

/// Which readers open a PFX protected as `protection` (holding a private key when
/// `has_private_key`), and the command that makes it open everywhere when some do not.
/// `input` names the file in that command.
pub fn verdicts(protection: &Protection, has_private_key: bool, input: &str) -> ReadersReport {
    let facts = Facts::new(protection, has_private_key);
    let readers: Vec<ReaderVerdict> = READERS
        .iter()
        .map(|(id, name, rules)| {
            let mut judge = Judge::new();
            rules(&facts, &mut judge);
            ReaderVerdict {
                id,
                name,
                verdict: judge.verdict,
                rules: judge.rules,
            }
        })
        .collect();
    let opens_everywhere = readers
        .iter()
        .all(|r| matches!(r.verdict, Verdict::Opens | Verdict::OpensWithEmptyPassword));
    ReadersReport {
        fix: (!opens_everywhere).then(|| fix_command(input, protection.password)),
        readers,
        opens_everywhere,
    }
}

#[cfg(test)]
mod tests;
