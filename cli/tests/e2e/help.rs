//! Every command documents itself, and no flag takes a secret's value on the command line
//! (a value in argv ends up in shell history and process listings). The commands are the
//! ones the binary lists (`command_paths`), so a new command is checked without editing
//! a list here.

use crate::support::*;

/// Every command path certtool reports, the top level (`[]`) first: the `Commands:`
/// section of `certtool --help`, then of each command's `--help`, recursively (clap's
/// own `help` entry left out; hidden commands are not listed, so not walked).
pub fn command_paths() -> Vec<Vec<String>> {
    let mut found = Vec::new();
    let mut pending = vec![Vec::<String>::new()];
    while let Some(path) = pending.pop() {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let run = certtool(&args);
        run.assert_code(EXIT_OK);
        let subcommands = listed_commands(&run.stdout_text());
        // Depth first, in the order the help lists them.
        for name in subcommands.into_iter().rev() {
            let mut child = path.clone();
            child.push(name);
            pending.push(child);
        }
        found.push(path);
    }
    found
}

/// The names in the `Commands:` section of one `--help` text: the lines indented by
/// exactly two spaces (descriptions wrap with a deeper indent), up to the blank line.
fn listed_commands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|line| *line != "Commands:")
        .skip(1)
        .take_while(|line| !line.trim().is_empty())
        .filter(|line| line.starts_with("  ") && !line.starts_with("   "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_command_has_help() {
    let paths = command_paths();
    // A floor, not the list: the walk must at least find the commands of the README.
    for expected in [
        "generate",
        "export",
        "inspect",
        "strip-pfx",
        "test asm",
        "test arm",
        "import publishsettings",
        "rotate arm",
        "completions",
    ] {
        assert!(
            paths.iter().any(|p| p.join(" ") == expected),
            "{expected} missing from the commands --help lists: {paths:?}"
        );
    }
    for cmd in &paths {
        let mut args: Vec<&str> = cmd.iter().map(String::as_str).collect();
        args.push("--help");
        let run = certtool(&args);
        run.assert_code(EXIT_OK);
        assert!(run.stdout_text().contains("Usage: certtool"), "{cmd:?}");
    }
}

#[test]
fn the_commands_section_is_parsed_as_clap_writes_it() {
    let help = "About\n\nCommands:\n  asm   Call ASM\n        and more\n  arm   A service\n  help  Print this\n\nOptions:\n  -h, --help  Print help\n";
    assert_eq!(listed_commands(help), ["asm", "arm"]);
    assert!(listed_commands("Usage: certtool x\n\nOptions:\n  -h\n").is_empty());
}

#[test]
fn no_flag_takes_a_secret_value() {
    let mut secret_sources_seen = 0;
    for cmd in command_paths() {
        let mut args: Vec<&str> = cmd.iter().map(String::as_str).collect();
        args.push("--help");
        let help = certtool(&args).stdout_text();
        for line in help.lines() {
            let line = line.trim_start();
            let Some(flag) = line.split_whitespace().find(|w| w.starts_with("--")) else {
                continue;
            };
            let flag = flag.trim_end_matches(',');
            let takes_value =
                line.contains(&format!("{flag} <")) || line.contains(&format!("{flag}=<"));
            let secretish = ["password", "secret", "passphrase", "token"]
                .iter()
                .any(|w| flag.contains(w));
            // `--…-out PATH` names where a new secret is written, never the secret.
            let from_a_source = ["-env", "-file", "-stdin", "-out"]
                .iter()
                .any(|suffix| flag.ends_with(suffix));
            if takes_value && secretish && from_a_source {
                secret_sources_seen += 1;
            }
            assert!(
                !(takes_value && secretish && !from_a_source),
                "{cmd:?}: {flag} takes a secret on the command line"
            );
        }
    }
    // The parse above really saw the secret flags (--password-env VAR, --secret-file PATH, …).
    assert!(
        secret_sources_seen >= 10,
        "only {secret_sources_seen} secret sources seen"
    );
}
