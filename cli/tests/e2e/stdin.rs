//! `-` means stdin for every input, and only one input may claim it.

use crate::support::*;

#[test]
fn two_inputs_from_stdin_are_refused_up_front() {
    let sub = "00000000-0000-0000-0000-000000000001";
    certtool_with(
        &[
            "test",
            "asm",
            "--cert",
            "-",
            "--ca-file",
            "-",
            "--subscription",
            sub,
        ],
        &[],
        Some(b""),
    )
    .assert_code(EXIT_USAGE)
    .assert_stderr_contains("but --cert and --ca-file both ask for it");
    certtool_with(
        &[
            "test",
            "arm",
            "--env-file",
            "-",
            "--require-actions",
            "-",
            "--tenant",
            "t",
            "--client-id",
            "c",
            "--subscription",
            sub,
        ],
        &[],
        Some(b""),
    )
    .assert_code(EXIT_USAGE)
    .assert_stderr_contains("only one input can come from stdin");
}

#[test]
fn env_file_reads_stdin() {
    // Port 1 on loopback refuses at once: the values came from stdin, then the network failed.
    let env = "AZURE_TENANT_ID=11111111-1111-1111-1111-111111111111\n\
               AZURE_CLIENT_ID=22222222-2222-2222-2222-222222222222\n\
               AZURE_SUBSCRIPTION_ID=00000000-0000-0000-0000-000000000001\n\
               AZURE_CLIENT_SECRET=not-a-real-secret\n";
    let run = certtool_with(
        &[
            "test",
            "arm",
            "--env-file",
            "-",
            "--authority-host",
            "https://127.0.0.1:1",
            "--arm-endpoint",
            "https://127.0.0.1:1/",
            "--timeout",
            "5",
        ],
        &[],
        Some(env.as_bytes()),
    );
    run.assert_code(EXIT_NETWORK)
        .assert_stderr_contains("tenant ID from AZURE_TENANT_ID in stdin")
        .assert_stderr_contains("credential from AZURE_CLIENT_SECRET in stdin (value not shown)");
    assert!(!run.stderr.contains("not-a-real-secret"));
    assert!(!run.stdout_text().contains("not-a-real-secret"));
}

#[test]
fn every_command_words_the_stdin_rule_alike() {
    let pfx = pfx_fixture("aes-default.pfx");
    let cases: [(&[&str], &str); 3] = [
        (
            &["strip-pfx", "-", "--new-password-file", "-"],
            "IN and --new-password-file both",
        ),
        (
            &["import", "publishsettings", "-", "--password-file", "-"],
            "FILE and --password-file both",
        ),
        (
            &[
                "generate",
                "--name",
                "x",
                "--key",
                "-",
                "--password-file",
                "-",
            ],
            "--key and --password-file both",
        ),
    ];
    for (args, readers) in cases {
        certtool_with(args, &[], Some(b""))
            .assert_code(EXIT_USAGE)
            .assert_stderr_contains(&format!(
                "only one input can come from stdin, but {readers} ask for it"
            ));
    }
    certtool_with(
        &[
            "strip-pfx",
            s(&pfx),
            "-o",
            "-",
            "--password-stdin",
            "--new-password-file",
            "-",
        ],
        &[],
        Some(b""),
    )
    .assert_code(EXIT_USAGE)
    .assert_stderr_contains("but --password-file/--password-stdin and --new-password-file both");
}
