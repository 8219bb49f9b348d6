//! Process-wide protection set up before anything else runs: certtool holds private keys
//! and cloud secrets in memory, so the process never writes a core dump and, on Linux, is
//! marked not dumpable (no core file, and other processes of the same user cannot attach
//! a debugger or read its memory through /proc). On Windows, where Windows Error Reporting
//! (WER) rather than the kernel collects a crashed process's memory, WER is not invoked
//! for certtool and any report it still makes leaves the heap out (docs/windows.md).
//! Also here: what counts as the reader of stdout having gone away.

/// Turns core dumps off for this process (soft and hard `RLIMIT_CORE` 0) and, on Linux,
/// clears the dumpable flag; on Windows, keeps WER away from the heap
/// (`certtool_winsec::keep_secrets_out_of_crash_reports`). Failures are ignored: the
/// protection is a second line of defence, and a sandbox that forbids these calls must not
/// stop the tool.
pub fn forbid_core_dumps() {
    #[cfg(windows)]
    certtool_winsec::keep_secrets_out_of_crash_reports();
    #[cfg(unix)]
    {
        use rustix::process::{setrlimit, Resource, Rlimit};
        let _ = setrlimit(
            Resource::Core,
            Rlimit {
                current: Some(0),
                maximum: Some(0),
            },
        );
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use rustix::process::{set_dumpable_behavior, DumpableBehavior};
        let _ = set_dumpable_behavior(DumpableBehavior::NotDumpable);
    }
}

/// Whether a write failed because the reader closed its end of the pipe (`| head`): an
/// ordinary end of output, not an error. Rust ignores SIGPIPE, so on Unix this is EPIPE
/// (`BrokenPipe`); Windows reports `ERROR_NO_DATA` or `ERROR_BROKEN_PIPE` (both
/// `BrokenPipe`), and Wine `ERROR_PIPE_NOT_CONNECTED` (233), which std leaves
/// uncategorised.
pub fn is_closed_pipe(e: &std::io::Error) -> bool {
    const ERROR_PIPE_NOT_CONNECTED: i32 = 233;
    e.kind() == std::io::ErrorKind::BrokenPipe
        || (cfg!(windows) && e.raw_os_error() == Some(ERROR_PIPE_NOT_CONNECTED))
}

#[cfg(test)]
mod tests {
    #[cfg(target_os = "linux")]
    #[test]
    fn no_core_dump_and_not_dumpable() {
        use rustix::process::{dumpable_behavior, getrlimit, DumpableBehavior, Resource};
        super::forbid_core_dumps();
        assert_eq!(dumpable_behavior().unwrap(), DumpableBehavior::NotDumpable);
        let core = getrlimit(Resource::Core);
        assert_eq!((core.current, core.maximum), (Some(0), Some(0)));
    }
}
