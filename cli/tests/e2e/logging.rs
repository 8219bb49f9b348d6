//! End-to-end tests of `-v`, `--debug` and `-q`, of the `-o json` guard, and of proxies
//! (`HTTPS_PROXY` / `NO_PROXY`): real commands against the stand-in, with known secret
//! values, and stderr searched for them.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use crate::support::arm::*;
use crate::support::*;

/// Lines of base64 in the fixture's private key: none may appear in a log.
fn key_lines() -> Vec<String> {
    let key = std::fs::read_to_string(fixture("rsa2048-bundle.pem")).unwrap();
    let start = key.find("PRIVATE KEY-----").unwrap();
    key[start..]
        .lines()
        .skip(1)
        .take_while(|l| !l.starts_with("-----"))
        .filter(|l| l.len() > 20)
        .map(str::to_owned)
        .collect()
}

fn assert_clean_log(run: &Run, secrets: &[&str]) {
    assert_no_secrets(run);
    for secret in secrets {
        assert!(!run.stderr.contains(secret), "{secret:?} reached stderr");
    }
    for line in key_lines() {
        assert!(
            !run.stderr.contains(&line),
            "private key material reached stderr"
        );
    }
}

#[test]
fn debug_logs_every_request_and_no_secret() {
    let standin = start(reader_app());
    let run = test_arm(
        &standin,
        &with_ids(&["--secret-env", "MY_SECRET", "--debug"]),
        &[("MY_SECRET", SECRET)],
    );
    run.assert_code(EXIT_OK);
    let token = format!("POST {} -> 200 in ", standin.token_url(TENANT));
    assert!(run.stderr.contains(&token), "{}", run.stderr);
    assert!(run
        .stderr
        .contains(&format!("GET {}/subscriptions/{SUB}", standin.url())));
    let sent_id = standin.requests()[0]
        .header("client-request-id")
        .unwrap()
        .to_owned();
    assert!(
        run.stderr
            .contains(&format!("client-request-id: {sent_id})")),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("x-ms-request-id: "), "{}", run.stderr);
    // Headers at --debug, with the bearer token replaced.
    assert!(run.stderr.contains("request headers: "), "{}", run.stderr);
    assert!(
        run.stderr.contains("authorization: <redacted>"),
        "{}",
        run.stderr
    );
    assert_clean_log(&run, &[SECRET]);

    // A certificate from a password-protected PFX, and one from a PEM with its key.
    for (cert, extra) in [
        ("rsa2048-aes.pfx", vec!["--password-env", "PFXPW"]),
        ("rsa2048-bundle.pem", vec![]),
    ] {
        let path = fixture(cert);
        let mut args = with_ids(&["--cert", s(&path), "--debug"]);
        args.extend(extra);
        let run = test_arm(&standin, &args, &[("PFXPW", FIXTURE_PASS)]);
        run.assert_code(EXIT_OK);
        assert!(run.stderr.contains("[debug]"), "{}", run.stderr);
        assert_clean_log(&run, &[FIXTURE_PASS]);
    }

    // A refused secret: the answer is logged, the secret is not.
    let run = test_arm(
        &standin,
        &with_ids(&["--secret-env", "MY_SECRET", "--debug"]),
        &[("MY_SECRET", "Wrong~secret.value-0123456789")],
    );
    run.assert_code(EXIT_REJECTED);
    assert!(run.stderr.contains(" -> 401 in "), "{}", run.stderr);
    assert_clean_log(&run, &["Wrong~secret.value-0123456789"]);
}

#[test]
fn verbose_shows_requests_without_headers_and_quiet_shows_nothing_but_errors() {
    let standin = start(reader_app());
    let env = [("MY_SECRET", SECRET)];
    let verbose = test_arm(
        &standin,
        &with_ids(&["--secret-env", "MY_SECRET", "-v"]),
        &env,
    );
    verbose.assert_code(EXIT_OK);
    assert!(verbose.stderr.contains("[info]"), "{}", verbose.stderr);
    assert!(!verbose.stderr.contains("request headers"));
    assert_clean_log(&verbose, &[SECRET]);

    let plain = test_arm(&standin, &with_ids(&["--secret-env", "MY_SECRET"]), &env);
    plain.assert_code(EXIT_OK);
    assert!(
        !plain.stderr.contains("[info]"),
        "no request log by default"
    );

    let quiet = test_arm(
        &standin,
        &with_ids(&["--secret-env", "MY_SECRET", "-q"]),
        &env,
    );
    quiet.assert_code(EXIT_OK);
    assert_eq!(quiet.stderr, "");
    assert!(quiet.stdout.is_empty());

    let failing = test_arm(
        &standin,
        &with_ids(&["--secret-env", "MY_SECRET", "--quiet"]),
        &[("MY_SECRET", "not-the-secret-value")],
    );
    failing.assert_code(EXIT_REJECTED);
    assert!(failing.stdout.is_empty());
    assert!(failing.stderr.starts_with("error: "), "{}", failing.stderr);
    assert!(failing.stderr.contains("AADSTS7000215"));

    let conflict = certtool(&["-q", "-v", "inspect", s(&fixture("rsa2048.crt"))]);
    conflict.assert_code(EXIT_USAGE);
}

#[test]
fn o_json_is_refused_unless_a_path_is_meant() {
    let dir = tempfile::tempdir().unwrap();
    let cert = fixture("rsa2048.crt");
    let run_in = |args: &[&str]| {
        let mut cmd = certtool_cmd();
        cmd.current_dir(dir.path()).args(args);
        let out = cmd.output_within(DEADLINE).unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    for word in ["json", "JSON", "table", "yaml", "tsv"] {
        let (code, stderr) = run_in(&["export", s(&cert), "--format", "pem", "-o", word]);
        assert_eq!(code, EXIT_USAGE, "{word}: {stderr}");
        assert!(stderr.contains(&format!("-o ./{word}")), "{stderr}");
        assert!(!dir.path().join(word).exists());
    }
    let (code, stderr) = run_in(&["strip-pfx", s(&fixture("rsa2048-nopass.pfx")), "-o", "json"]);
    assert_eq!(code, EXIT_USAGE, "{stderr}");
    assert!(stderr.contains("--output json"), "{stderr}");
    // Forced with a path: written.
    let (code, stderr) = run_in(&["export", s(&cert), "--format", "pem", "-o", "./json"]);
    assert_eq!(code, EXIT_OK, "{stderr}");
    assert!(dir.path().join("json").is_file());
}

/// A tiny HTTP proxy: answers CONNECT by tunnelling to the target (or with `refuse`
/// status), counting the tunnels it opened.
fn connect_proxy(refuse: Option<u16>) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let tunnels = Arc::new(AtomicUsize::new(0));
    let count = tunnels.clone();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let count = count.clone();
            std::thread::spawn(move || tunnel(client, refuse, &count));
        }
    });
    (address, tunnels)
}

fn tunnel(client: TcpStream, refuse: Option<u16>, count: &AtomicUsize) {
    let mut reader = BufReader::new(client.try_clone().unwrap());
    let mut first = String::new();
    reader.read_line(&mut first).unwrap();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap() == 0 || line == "\r\n" {
            break;
        }
    }
    let mut client = client;
    let target = first
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    if let Some(status) = refuse {
        let _ = write!(
            client,
            "HTTP/1.1 {status} Forbidden\r\ncontent-length: 0\r\n\r\n"
        );
        return;
    }
    let Ok(upstream) = TcpStream::connect(&target) else {
        let _ = write!(
            client,
            "HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n"
        );
        return;
    };
    count.fetch_add(1, Ordering::SeqCst);
    client
        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
        .unwrap();
    let (mut c2, mut u2) = (client.try_clone().unwrap(), upstream.try_clone().unwrap());
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut u2, &mut c2);
    });
    let mut buffered = reader.buffer().to_vec();
    let mut upstream = upstream;
    if !buffered.is_empty() {
        upstream.write_all(&buffered).unwrap();
        buffered.clear();
    }
    let mut rest = client;
    let mut buf = [0u8; 8192];
    while let Ok(n) = rest.read(&mut buf) {
        if n == 0 || upstream.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = upstream.shutdown(std::net::Shutdown::Both);
}

fn closed_port() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    address
}

#[test]
fn requests_go_through_https_proxy_unless_no_proxy_says_otherwise() {
    let standin = start(reader_app());
    let (proxy, tunnels) = connect_proxy(None);
    let run = test_arm(
        &standin,
        &with_ids(&["--secret-env", "MY_SECRET"]),
        &[
            ("MY_SECRET", SECRET),
            ("HTTPS_PROXY", &proxy),
            ("NO_PROXY", ""),
        ],
    );
    run.assert_code(EXIT_OK);
    assert!(
        tunnels.load(Ordering::SeqCst) >= 1,
        "the proxy was not used"
    );

    let dead = closed_port();
    let direct = test_arm(
        &standin,
        &with_ids(&["--secret-env", "MY_SECRET"]),
        &[
            ("MY_SECRET", SECRET),
            ("HTTPS_PROXY", &dead),
            ("NO_PROXY", "127.0.0.1"),
        ],
    );
    direct.assert_code(EXIT_OK);
}

#[test]
fn a_failing_proxy_is_named_as_what_failed() {
    let standin = start(reader_app());
    let dead = closed_port();
    let run = test_arm(
        &standin,
        &with_ids(&["--secret-env", "MY_SECRET"]),
        &[
            ("MY_SECRET", SECRET),
            ("https_proxy", &dead),
            ("NO_PROXY", ""),
        ],
    );
    run.assert_code(EXIT_NETWORK)
        .assert_stderr_contains(&format!(
            "could not connect to the proxy {dead} (from https_proxy)"
        ));
    run.assert_stderr_contains("NO_PROXY");

    let (refusing, _) = connect_proxy(Some(403));
    let run = test_arm(
        &standin,
        &with_ids(&["--secret-env", "MY_SECRET"]),
        &[
            ("MY_SECRET", SECRET),
            ("HTTPS_PROXY", &refusing),
            ("NO_PROXY", ""),
        ],
    );
    run.assert_code(EXIT_NETWORK)
        .assert_stderr_contains(&format!("the proxy {refusing} (from HTTPS_PROXY)"));
    assert_no_secrets(&run);
}
