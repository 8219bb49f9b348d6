//! Child processes run with a deadline, for both test crates (`cli/tests/e2e` and
//! `standin/tests` include this file with `#[path]`): a test may fail, never hang. A
//! child still running at its deadline is killed and the test panics, naming it.

#![allow(dead_code)] // each crate uses a different part

use std::io::{Read, Write};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long one child may take: far above the slowest (a Python SDK client or Java's
/// keytool on a loaded two-core machine), far below forever.
pub const DEADLINE: Duration = Duration::from_secs(300);

/// `Command::output` and `Command::status` with a deadline.
pub trait Within {
    /// Like `output()` (stdin empty, stdout and stderr captured), for at most `limit`.
    fn output_within(&mut self, limit: Duration) -> std::io::Result<Output>;
    /// Like `output()` with `stdin` written to the child's stdin, for at most `limit`.
    fn output_with_stdin_within(
        &mut self,
        stdin: &[u8],
        limit: Duration,
    ) -> std::io::Result<Output>;
    /// Like `status()` (stdio inherited), for at most `limit`.
    fn status_within(&mut self, limit: Duration) -> std::io::Result<ExitStatus>;
}

impl Within for Command {
    #[track_caller]
    fn output_within(&mut self, limit: Duration) -> std::io::Result<Output> {
        run(self, None, limit)
    }

    #[track_caller]
    fn output_with_stdin_within(
        &mut self,
        stdin: &[u8],
        limit: Duration,
    ) -> std::io::Result<Output> {
        run(self, Some(stdin), limit)
    }

    #[track_caller]
    fn status_within(&mut self, limit: Duration) -> std::io::Result<ExitStatus> {
        let mut child = self.spawn()?;
        Ok(wait_within(&mut child, limit, &shown(self)))
    }
}

/// The program and its arguments (never the environment, which may hold a password).
fn shown(cmd: &Command) -> String {
    std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

#[track_caller]
fn run(cmd: &mut Command, stdin: Option<&[u8]>, limit: Duration) -> std::io::Result<Output> {
    let deadline = Instant::now() + limit;
    let what = shown(cmd);
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn()?;
    let (done, finished) = mpsc::channel();
    if let (Some(mut pipe), Some(data)) = (child.stdin.take(), stdin) {
        let data = data.to_vec();
        let done = done.clone();
        std::thread::spawn(move || {
            // A command that refuses its input exits without reading it: EPIPE is fine.
            let written = match pipe.write_all(&data) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => other,
            };
            let _ = done.send(Piece::Written(written));
        });
    } else {
        let _ = done.send(Piece::Written(Ok(())));
    }
    let readers: [(usize, Option<Box<dyn Read + Send>>); 2] = [
        (
            0,
            child
                .stdout
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
        ),
        (
            1,
            child
                .stderr
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
        ),
    ];
    for (which, pipe) in readers {
        let done = done.clone();
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            let _ = done.send(Piece::Read(which, bytes));
        });
    }
    let (mut out, mut err, mut written) = (None, None, None);
    while out.is_none() || err.is_none() || written.is_none() {
        match finished.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(Piece::Read(0, bytes)) => out = Some(bytes),
            Ok(Piece::Read(_, bytes)) => err = Some(bytes),
            Ok(Piece::Written(result)) => written = Some(result),
            Err(_) => give_up(&mut child, &what, limit),
        }
    }
    let status = wait_until(&mut child, deadline, &what, limit);
    written
        .unwrap()
        .unwrap_or_else(|e| panic!("writing the stdin of `{what}`: {e}"));
    Ok(Output {
        status,
        stdout: out.unwrap(),
        stderr: err.unwrap(),
    })
}

enum Piece {
    Read(usize, Vec<u8>),
    Written(std::io::Result<()>),
}

/// Waits for `child` for at most `limit`; kills it and panics after.
#[track_caller]
pub fn wait_within(child: &mut Child, limit: Duration, what: &str) -> ExitStatus {
    wait_until(child, Instant::now() + limit, what, limit)
}

#[track_caller]
fn wait_until(child: &mut Child, deadline: Instant, what: &str, limit: Duration) -> ExitStatus {
    let mut pause = Duration::from_millis(1);
    loop {
        if let Some(status) = child.try_wait().expect("wait for a child") {
            return status;
        }
        if Instant::now() >= deadline {
            give_up(child, what, limit);
        }
        std::thread::sleep(pause.min(deadline.saturating_duration_since(Instant::now())));
        pause = (pause * 2).min(Duration::from_millis(50));
    }
}

#[track_caller]
fn give_up(child: &mut Child, what: &str, limit: Duration) -> ! {
    let _ = child.kill();
    let _ = child.wait();
    panic!("`{what}` was still running after {limit:?}: killed")
}
