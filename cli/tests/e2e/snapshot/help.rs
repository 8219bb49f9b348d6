//! Every command's `--help`, for the commands the binary lists (`help::command_paths`):
//! a new command gets a new snapshot, which fails until it is reviewed, and a removed one
//! leaves a snapshot file that `no_help_snapshot_outlives_its_command` names.

use super::*;
use crate::help::command_paths;

/// The snapshot name of a command path: `certtool`, `certtool_test_arm`, ….
fn snapshot_name(path: &[String]) -> String {
    let mut name = String::from("certtool");
    for part in path {
        name.push('_');
        name.push_str(&part.replace('-', "_"));
    }
    name
}

#[test]
fn help_of_every_command() {
    for path in command_paths() {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let run = run_at_now(&args, &[]);
        run.assert_code(EXIT_OK);
        assert!(run.stderr.is_empty(), "{path:?}: {}", run.stderr);
        snap!(snapshot_name(&path), run.stdout_text());
    }
}

#[test]
fn no_help_snapshot_outlives_its_command() {
    let prefix = format!("{}__", module_path!().replace("::", "__"));
    let expected: Vec<String> = command_paths()
        .iter()
        .map(|p| format!("{prefix}{}.snap", snapshot_name(p)))
        .collect();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/e2e/snapshots");
    let mut stale = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let file = entry.unwrap().file_name().into_string().unwrap();
        if file.starts_with(&prefix) && file.ends_with(".snap") && !expected.contains(&file) {
            stale.push(file);
        }
    }
    assert!(
        stale.is_empty(),
        "help snapshots of commands --help no longer lists (delete them): {stale:?}"
    );
}
