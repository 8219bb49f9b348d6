//! Process-wide protection set up before anything else runs: certtool holds private keys
//! and cloud secrets in memory, so the process never writes a core dump and, on Linux, is
//! marked not dumpable (no core file, and other processes of the same user cannot attach
//! a debugger or read its memory through /proc).

/// Turns core dumps off for this process (soft and hard `RLIMIT_CORE` 0) and, on Linux,
/// clears the dumpable flag. Failures are ignored: the protection is a second line of
/// defence, and a sandbox that forbids these calls must not stop the tool.
pub fn forbid_core_dumps() {
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
