//! Every command documents itself, and no flag takes a secret's value on the command line
//! (a value in argv ends up in shell history and process listings).

use crate::support::*;

const COMMANDS: &[&[&str]] = &[
    &["generate"],
    &["export"],
    &["inspect"],
    &["strip-pfx"],
    &["test", "asm"],
    &["test", "arm"],
    &["import", "publishsettings"],
];

#[test]
fn every_command_has_help() {
    let top = certtool(&["--help"]);
    top.assert_code(EXIT_OK);
    for name in [
        "generate",
        "export",
        "inspect",
        "strip-pfx",
        "test",
        "import",
    ] {
        assert!(
            top.stdout_text().contains(name),
            "{name} missing from --help"
        );
    }
    for cmd in COMMANDS {
        let mut args = cmd.to_vec();
        args.push("--help");
        let run = certtool(&args);
        run.assert_code(EXIT_OK);
        assert!(run.stdout_text().contains("Usage: certtool"), "{cmd:?}");
    }
}

#[test]
fn no_flag_takes_a_secret_value() {
    let mut secret_sources_seen = 0;
    for cmd in COMMANDS {
        let mut args = cmd.to_vec();
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
            let from_a_source = ["-env", "-file", "-stdin"]
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
