//! The `.env` parser of `--env-file` (cli/src/envfile.rs), included by path: the CLI is a
//! binary crate with no library, and the file is fuzzed as it is compiled there. The
//! three small modules below stand in for the CLI's `args`, `error` and `io` types that
//! the file names; only `envfile::parse` runs.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)]
#[path = "../../cli/src/envfile.rs"]
mod envfile;

#[allow(dead_code)]
mod args {
    pub enum Origin {
        Flag(&'static str),
        Env(&'static str),
        EnvFile(String),
    }
}

#[allow(dead_code)]
mod error {
    pub enum ExitKind {
        Input,
    }
    pub struct CliError;
    impl CliError {
        pub fn new(_kind: ExitKind, _message: impl Into<String>) -> Self {
            CliError
        }
        pub fn fix(self, _text: impl Into<String>) -> Self {
            self
        }
    }
}

#[allow(dead_code)]
mod io {
    use std::path::Path;

    use crate::error::CliError;

    pub struct Source;
    impl Source {
        pub fn parse(_arg: &Path) -> Self {
            Source
        }
        pub fn name(&self) -> String {
            String::new()
        }
        pub fn read(&self) -> Result<Vec<u8>, CliError> {
            Err(CliError)
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match envfile::parse(text) {
        Ok(pairs) => {
            for (name, _) in &pairs {
                assert!(!name.is_empty(), "a variable name is never empty");
                assert!(!name.contains('='), "a name never holds '='");
            }
        }
        Err(line) => assert!(
            line >= 1 && line <= text.lines().count(),
            "the error names a line of the file"
        ),
    }
});
