//! Helpers for the `test asm` end-to-end tests: a stand-in with the fixture management
//! certificate registered, and running `certtool test asm` against it.

use std::path::Path;

use certtool_standin::{Certificate, Config, HostedService, StandIn, Subscription};

use super::*;

pub fn mgmt_cert() -> Certificate {
    Certificate::from_file(&fixture("rsa2048.cer")).unwrap()
}

pub fn sub_id(n: usize) -> String {
    format!("00000000-0000-0000-0000-{n:012}")
}

/// A stand-in where SUB knows the fixture certificate and has two services.
pub fn standin() -> StandIn {
    StandIn::start(
        Config::new().subscription(
            Subscription::new(SUB, "Production")
                .management_certificate(mgmt_cert())
                .hosted_service(HostedService::new("web", "West US"))
                .hosted_service(HostedService::new("DinoNodeCS", "East US")),
        ),
    )
    .unwrap()
}

/// `certtool test asm` against `standin` with `extra` arguments and environment.
pub fn test_asm(standin: &StandIn, extra: &[&str], env: &[(&str, &str)]) -> Run {
    let mut args = vec![
        "test",
        "asm",
        "--endpoint",
        standin.url(),
        "--ca-file",
        s(standin.ca_pem_path()),
        "--timeout",
        "10",
    ];
    args.extend_from_slice(extra);
    certtool_with(&args, env, None)
}

pub fn pfx_args<'a>(name: &'a str, sub: &'a str) -> Vec<&'a str> {
    vec![
        "--cert",
        name,
        "--subscription",
        sub,
        "--password-env",
        "PW",
    ]
}

pub const PW: (&str, &str) = ("PW", FIXTURE_PASS);

pub fn thumbprint() -> String {
    openssl_sha1_fingerprint(&fixture("rsa2048.crt"), "pem")
}

/// The fixture publishsettings with every management URL pointed at the stand-in.
pub fn publishsettings_at(standin: &StandIn, name: &str, dir: &Path) -> std::path::PathBuf {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../fixtures/publishsettings")
            .join(name),
    )
    .unwrap();
    let text = text
        .replace("https://management.core.windows.net", standin.url())
        .replace(
            "https://management.core.usgovcloudapi.net",
            &format!("https://localhost:{}", standin.port()),
        );
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

pub fn ps_cert(name: &str) -> Certificate {
    Certificate::from_file(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../fixtures/publishsettings")
            .join(name),
    )
    .unwrap()
}
