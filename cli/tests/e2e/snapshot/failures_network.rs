//! One snapshot per `cause:`/`fix:` branch of `test arm`'s failures to get a token:
//! the token endpoint's service failures (429, 503 after retries) and each network
//! failure (untrusted certificate, timeout, closed connection, oversized body, refused
//! connection, unreachable proxy).

use std::time::Duration;

use certtool_standin::{Fault, Times};

use super::failures_arm::{secret_args, start_now, S};
use super::*;

/// An address nothing listens on, and the normaliser that hides its port.
fn closed_port() -> (String, Normaliser) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    drop(listener);
    let n = Normaliser::new().literal(&address, "127.0.0.1:[CLOSED]");
    (address, n)
}

#[test]
fn token_endpoint_service_failures() {
    let standin = start_now(arm::reader_app());
    for (name, fault) in [
        (
            "token_429_throttled",
            Fault::TooManyRequests {
                retry_after_secs: 1,
            },
        ),
        ("token_503_unavailable", Fault::Status(503)),
    ] {
        standin.clear_faults();
        standin.set_fault("/*/oauth2", fault, Times::Always);
        arm_case!(name, &standin, &secret_args(&[]), &[S], EXIT_NETWORK);
    }
}

#[test]
fn network_failures() {
    let standin = start_now(arm::reader_app());
    standin.serve_untrusted_certificate(Times::Always);
    arm_case!(
        "network_untrusted_certificate",
        &standin,
        &secret_args(&[]),
        &[S],
        EXIT_NETWORK,
    );

    let slow = Fault::Delay(Duration::from_secs(5));
    let huge = Fault::HugeBody { bytes: 64 << 20 };
    for (name, fault, extra) in [
        ("network_timeout", slow, &["--timeout", "1"][..]),
        ("network_connection_closed", Fault::Drop, &[][..]),
        ("network_body_too_large", huge, &[][..]),
    ] {
        let standin = start_now(arm::reader_app());
        standin.set_fault("/*/oauth2", fault, Times::Always);
        arm_case!(name, &standin, &secret_args(extra), &[S], EXIT_NETWORK);
    }

    let (closed, n) = closed_port();
    let authority = format!("https://{closed}");
    let mut args = vec!["test", "arm", "--authority-host", &authority];
    args.extend(secret_args(&[]));
    let run = certtool_with(&args, &at_now(&[S]), None);
    run.assert_code(EXIT_NETWORK);
    snap!("network_connection_refused", transcript(&run, &n));

    let standin = start_now(arm::reader_app());
    let (proxy, n) = closed_port();
    let proxy = format!("http://{proxy}");
    let run = arm_at_now(
        &standin,
        &secret_args(&[]),
        &[S, ("HTTPS_PROXY", &proxy), ("NO_PROXY", "")],
    );
    run.assert_code(EXIT_NETWORK);
    snap!(
        "network_proxy_unreachable",
        transcript(&run, &n.standin(&standin))
    );
}
