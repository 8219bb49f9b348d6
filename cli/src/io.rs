//! Files and streams: `-` for stdin/stdout, no binary to a terminal, atomic writes,
//! no overwrite without `--force`.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use certtool_core::fsutil::{check_replaceable, commit_all, stage, FileSecrecy};
use certtool_core::limits::{read_limited, MAX_INPUT_BYTES};
use certtool_core::Error as CoreError;

use crate::error::{CliError, ExitKind};

/// Where an input comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Standard input (`-`).
    Stdin,
    /// A file.
    File(PathBuf),
}

impl Source {
    /// `-` is stdin, anything else a path.
    pub fn parse(arg: &Path) -> Self {
        if arg == Path::new("-") {
            Source::Stdin
        } else {
            Source::File(arg.to_owned())
        }
    }

    /// How messages name this input.
    pub fn name(&self) -> String {
        match self {
            Source::Stdin => "stdin".into(),
            Source::File(p) => p.display().to_string(),
        }
    }

    /// Reads the whole input, at most [`MAX_INPUT_BYTES`] (`/dev/zero` is an input error,
    /// not a way to fill memory). A directory, a missing file or an empty input is an
    /// input error.
    pub fn read(&self) -> Result<Vec<u8>, CliError> {
        let mut data = match self {
            Source::Stdin => read_limited(std::io::stdin(), MAX_INPUT_BYTES, "stdin")?,
            Source::File(path) => {
                if path.is_dir() {
                    return Err(CliError::new(
                        ExitKind::Input,
                        format!("{} is a directory, not a file", path.display()),
                    ));
                }
                let file = std::fs::File::open(path).map_err(|source| CoreError::Read {
                    path: path.clone(),
                    source,
                })?;
                read_limited(file, MAX_INPUT_BYTES, &self.name())?
            }
        };
        // Moved out, not copied: callers keep it in their own wiping buffer.
        let data = std::mem::take(&mut *data);
        if data.is_empty() {
            return Err(CliError::new(
                ExitKind::Input,
                format!("{}: the file is empty", self.name()),
            ));
        }
        Ok(data)
    }
}

/// Refuses a command line on which more than one input reads stdin (`-`): the first
/// reader would swallow what the second expects. `uses` pairs each flag (or argument)
/// with whether it reads stdin. Every command checks its inputs with this, so the rule
/// has one wording.
pub fn at_most_one_stdin(uses: &[(&str, bool)]) -> Result<(), CliError> {
    let readers: Vec<&str> = uses.iter().filter(|(_, on)| *on).map(|(f, _)| *f).collect();
    let named = match readers.as_slice() {
        [] | [_] => return Ok(()),
        [a, b] => format!("{a} and {b} both"),
        [rest @ .., last] => format!("{} and {last} all", rest.join(", ")),
    };
    Err(CliError::usage(format!(
        "only one input can come from stdin, but {named} ask for it"
    ))
    .fix("give the others as files or environment variables"))
}

/// True when `path` is `-` (stdin or stdout).
pub fn is_dash(path: Option<&Path>) -> bool {
    path == Some(Path::new("-"))
}

/// Where an output goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sink {
    /// Standard output (`-`).
    Stdout,
    /// A file.
    File(PathBuf),
}

impl Sink {
    /// `-` is stdout, anything else a path.
    pub fn parse(arg: &Path) -> Self {
        if arg == Path::new("-") {
            Sink::Stdout
        } else {
            Sink::File(arg.to_owned())
        }
    }

    /// How messages name this output.
    pub fn name(&self) -> String {
        match self {
            Sink::Stdout => "stdout".into(),
            Sink::File(p) => p.display().to_string(),
        }
    }
}

/// One output to write: what, where, and how secret it is.
pub struct PlannedWrite<'a> {
    /// Destination.
    pub sink: Sink,
    /// Content.
    pub data: &'a [u8],
    /// Binary data is never written to a terminal.
    pub binary: bool,
    /// Holds a private key: files get mode 0600.
    pub secrecy: FileSecrecy,
}

/// Checks that an output may be written: binary data never to a terminal, an existing
/// file only with `force`, and nothing but a regular file replaced (never a directory,
/// FIFO, device or socket, nor a link to one).
pub fn check_destination(sink: &Sink, binary: bool, force: bool) -> Result<(), CliError> {
    match sink {
        Sink::Stdout => {
            if binary && std::io::stdout().is_terminal() {
                return Err(
                    CliError::usage("refusing to write binary data to a terminal")
                        .fix("redirect stdout to a file, or use -o FILE"),
                );
            }
        }
        Sink::File(path) => {
            if !path.is_dir() && !force && path.symlink_metadata().is_ok() {
                return Err(
                    CliError::usage(format!("{} already exists", path.display()))
                        .fix("pass --force to replace it, or choose another path"),
                );
            }
            check_replaceable(path, force)?;
        }
    }
    Ok(())
}

/// Refuses to print an unencrypted private key on a terminal, where it stays in the
/// scrollback, the terminal's log and over-the-shoulder view, unless the user insists
/// (`--allow-key-on-terminal`). A redirect or a pipe is fine.
pub fn check_key_not_on_terminal(sink: &Sink, allow: bool) -> Result<(), CliError> {
    if *sink == Sink::Stdout && !allow && std::io::stdout().is_terminal() {
        return Err(
            CliError::usage("refusing to print an unencrypted private key to a terminal")
                .fix("redirect stdout to a file or a pipe, write it with a path instead of -, or pass --allow-key-on-terminal"),
        );
    }
    Ok(())
}

/// True when `a` and `b` name the same existing file (links resolved).
pub fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// The path a file sink will have, with its directory resolved, to tell two spellings of
/// one destination apart from two destinations.
fn resolved(path: &Path) -> PathBuf {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    match (std::fs::canonicalize(dir), path.file_name()) {
        (Ok(dir), Some(name)) => dir.join(name),
        _ => path.to_owned(),
    }
}

/// Refuses an output that would replace `input` (the input is never modified).
pub fn check_not_input(sink: &Sink, input: &Source) -> Result<(), CliError> {
    if let (Sink::File(out), Source::File(inp)) = (sink, input) {
        if same_file(out, inp) {
            return Err(
                CliError::usage(format!("{} is the input file", out.display()))
                    .fix("write to another path; the input is never modified"),
            );
        }
    }
    Ok(())
}

/// Writes several outputs as one step: every destination is checked first (existing
/// files need `force`, binary may not go to a terminal, no two outputs to one path), then
/// every file is written in full without a name, and only when all of them were written
/// are they put in place, all or nothing (see [`commit_all`]): a failure at any point
/// leaves every destination — including files `force` replaces — as it was.
pub fn write_all(writes: &[PlannedWrite<'_>], force: bool) -> Result<(), CliError> {
    let mut seen = Vec::new();
    for w in writes {
        check_destination(&w.sink, w.binary, force)?;
        if let Sink::File(path) = &w.sink {
            let key = resolved(path);
            if seen.contains(&key) {
                return Err(CliError::usage(format!(
                    "two outputs would go to the same file {}",
                    path.display()
                ))
                .fix("give each output its own path"));
            }
            seen.push(key);
        }
    }
    let mut staged = Vec::new();
    for w in writes {
        if let Sink::File(path) = &w.sink {
            staged.push(stage(path, w.data, w.secrecy, force)?);
        }
    }
    for w in writes {
        if w.sink == Sink::Stdout {
            write_stdout(w.data)?;
        }
    }
    commit_all(staged)?;
    Ok(())
}

/// Writes to stdout; a closed pipe (`| head`) is not an error.
pub fn write_stdout(data: &[u8]) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    match out.write_all(data).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if crate::process::is_closed_pipe(&e) => Ok(()),
        Err(e) => Err(CliError::new(
            ExitKind::Other,
            format!("cannot write stdout: {e}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stdin_readers_are_named_in_one_wording() {
        assert!(at_most_one_stdin(&[("IN", true), ("--password-stdin", false)]).is_ok());
        let two = at_most_one_stdin(&[("IN", true), ("--password-stdin", true)]).unwrap_err();
        assert_eq!(
            two.message,
            "only one input can come from stdin, but IN and --password-stdin both ask for it"
        );
        let three =
            at_most_one_stdin(&[("--cert", true), ("--ca-file", true), ("--env-file", true)])
                .unwrap_err();
        assert_eq!(
            three.message,
            "only one input can come from stdin, but --cert, --ca-file and --env-file all ask for it"
        );
    }
}
