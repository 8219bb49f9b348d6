//! The `azure-standin` binary: TOML configuration, the one line it prints, serving.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::support::*;

/// Kills the child when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        // A panic while unwinding would abort the test run: wait with a deadline only
        // when the test did not already fail.
        if !std::thread::panicking() {
            wait_within(
                &mut self.0,
                Duration::from_secs(30),
                "azure-standin (killed)",
            );
        }
    }
}

#[test]
fn binary_reads_toml_prints_one_line_and_serves() {
    let dir = tempfile::tempdir().unwrap();
    let mgmt = Identity::new(dir.path(), "mgmt", -1, 365);
    std::fs::write(dir.path().join("mgmt.cer"), mgmt.cert.to_der().unwrap()).unwrap();
    let config = format!(
        r#"
[[subscription]]
id = "{SUB}"
name = "Production"
state = "Active"
management_certificates = ["mgmt.cer"]
hosted_services = [{{ name = "web", location = "West US", label = "web" }}]

[[tenant]]
id = "{TENANT}"
[[tenant.app]]
client_id = "{CLIENT}"
certificates = ["mgmt.cer"]
secrets = [{{ value_env = "STANDIN_TEST_SECRET", expires = "2030-01-01T00:00:00Z" }}]
enabled = true
[[tenant.app.role]]
scope = "/subscriptions/{SUB}"
actions = ["*/read"]
not_actions = []
"#
    );
    let config_path = dir.path().join("standin.toml");
    std::fs::write(&config_path, config).unwrap();
    let ca_out = dir.path().join("ca.pem");
    let child = Command::new(env!("CARGO_BIN_EXE_azure-standin"))
        .arg("--config")
        .arg(&config_path)
        .args(["--port", "0", "--ca-out"])
        .arg(&ca_out)
        .env("STANDIN_TEST_SECRET", "from-env")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut running = Running(child);
    let stdout = running.0.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the binary prints its line");
    let rest = line
        .trim_end()
        .strip_prefix("azure-standin listening on https://127.0.0.1:")
        .unwrap_or_else(|| panic!("unexpected line {line:?}"));
    let (port, ca) = rest.split_once(" ca=").unwrap();
    assert_eq!(ca, ca_out.display().to_string());
    let port: u16 = port.parse().unwrap();

    // The binary's own CA file is what curl trusts here (no StandIn handle to ask).
    let status_of = |args: &[&str]| {
        let output = Command::new("curl")
            .args([
                "-sS",
                "--max-time",
                "20",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
            ])
            .arg("--cacert")
            .arg(&ca_out)
            .args(args)
            .output_within(DEADLINE)
            .unwrap();
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let (cert, key) = (
        mgmt.cert_pem.display().to_string(),
        mgmt.key_pem.display().to_string(),
    );
    let list = format!("https://127.0.0.1:{port}/{SUB}/services/hostedservices");
    let asm = [
        "--cert",
        &cert,
        "--key",
        &key,
        "-H",
        "x-ms-version: 2014-10-01",
        &list,
    ];
    assert_eq!(status_of(&asm), "200");

    let client_id = format!("client_id={CLIENT}");
    let token_url = format!("https://127.0.0.1:{port}/{TENANT}/oauth2/v2.0/token");
    let form = [
        "--data-urlencode",
        "grant_type=client_credentials",
        "--data-urlencode",
        &client_id,
        "--data-urlencode",
        "client_secret=from-env",
        "--data-urlencode",
        "scope=https://management.azure.com/.default",
        &token_url,
    ];
    assert_eq!(status_of(&form), "200");
}

#[test]
fn binary_refuses_a_bad_config_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let config_path = dir.path().join("bad.toml");
    std::fs::write(&config_path, "[[subscription]]\nid = 1\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_azure-standin"))
        .arg("--config")
        .arg(&config_path)
        .output_within(DEADLINE)
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&output.stderr).contains("configuration"));
}

#[test]
fn binary_ends_bad_input_with_one_line_and_exit_3() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let good = write(
        "good.toml",
        "[[tenant]]\nid = \"11111111-1111-1111-1111-111111111111\"\n",
    );
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let busy_port = busy.local_addr().unwrap().port().to_string();
    let cases: [(&str, Vec<std::ffi::OsString>, &str); 4] = [
        (
            "malformed TOML",
            vec!["--config".into(), write("bad.toml", "x = [\n").into()],
            "TOML parse error at line 1",
        ),
        (
            "missing certificate file",
            vec![
                "--config".into(),
                write("cert.toml", "[[subscription]]\nid = \"00000000-0000-0000-0000-000000000001\"\nname = \"x\"\nmanagement_certificates = [\"nope.cer\"]\n").into(),
            ],
            "nope.cer",
        ),
        (
            "port in use",
            vec!["--config".into(), good.clone().into(), "--port".into(), busy_port.clone().into()],
            &format!("cannot listen on 127.0.0.1:{busy_port}"),
        ),
        (
            "CA file in a missing directory",
            vec!["--config".into(), good.into(), "--ca-out".into(), dir.path().join("no/ca.pem").into()],
            "cannot write the CA to",
        ),
    ];
    for (what, args, needle) in cases {
        let output = Command::new(env!("CARGO_BIN_EXE_azure-standin"))
            .args(&args)
            .output_within(DEADLINE)
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(3), "{what}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{what}: one line: {stderr}");
        assert!(
            stderr.starts_with("error: ") && stderr.contains(needle),
            "{what}: {stderr}"
        );
    }
    drop(busy);
}
