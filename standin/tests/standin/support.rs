//! Clients for the stand-in's own tests: curl for HTTP, the openssl crate for keys,
//! certificates and JWS signatures. Nothing here comes from certtool.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use certtool_standin::{Certificate, StandIn};

pub use crate::child::{wait_within, Within, DEADLINE};
use openssl::asn1::Asn1Time;
use openssl::bn::BigNum;
use openssl::hash::{hash, MessageDigest};
use openssl::pkey::{PKey, Private};
use openssl::rsa::{Padding, Rsa};
use openssl::sign::{RsaPssSaltlen, Signer};
use openssl::x509::{X509Name, X509};
use serde_json::{json, Value};

pub const TENANT: &str = "11111111-1111-4111-8111-111111111111";
pub const OTHER_TENANT: &str = "33333333-3333-4333-8333-333333333333";
pub const CLIENT: &str = "22222222-2222-4222-8222-222222222222";
pub const SUB: &str = "00000000-0000-0000-0000-000000000001";
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// The recorded vectors, read in place; `None` where the shared folder is absent.
pub fn vectors_dir() -> Option<PathBuf> {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/vectors"));
    if dir.is_dir() {
        Some(dir.to_path_buf())
    } else {
        println!("skipped: ../shared/vectors not found");
        None
    }
}

/// An RSA key and a self-signed certificate, also written as PEM files for curl.
pub struct Identity {
    pub key: PKey<Private>,
    pub cert: X509,
    pub cert_pem: PathBuf,
    pub key_pem: PathBuf,
}

impl Identity {
    /// Valid from `from_days` to `to_days` relative to now.
    pub fn new(dir: &Path, name: &str, from_days: i64, to_days: i64) -> Identity {
        let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
        let mut subject = X509Name::builder().unwrap();
        subject.append_entry_by_text("CN", name).unwrap();
        let subject = subject.build();
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let mut builder = X509::builder().unwrap();
        builder.set_version(2).unwrap();
        let serial = BigNum::from_u32(rand_u32())
            .unwrap()
            .to_asn1_integer()
            .unwrap();
        builder.set_serial_number(&serial).unwrap();
        builder.set_subject_name(&subject).unwrap();
        builder.set_issuer_name(&subject).unwrap();
        builder.set_pubkey(&key).unwrap();
        let not_before = Asn1Time::from_unix(now + from_days * 86_400).unwrap();
        let not_after = Asn1Time::from_unix(now + to_days * 86_400).unwrap();
        builder.set_not_before(&not_before).unwrap();
        builder.set_not_after(&not_after).unwrap();
        builder.sign(&key, MessageDigest::sha256()).unwrap();
        let cert = builder.build();
        let cert_pem = dir.join(format!("{name}.crt.pem"));
        let key_pem = dir.join(format!("{name}.key.pem"));
        std::fs::write(&cert_pem, cert.to_pem().unwrap()).unwrap();
        std::fs::write(&key_pem, key.private_key_to_pem_pkcs8().unwrap()).unwrap();
        Identity {
            key,
            cert,
            cert_pem,
            key_pem,
        }
    }

    /// As the stand-in registers it (DER).
    pub fn registered(&self) -> Certificate {
        Certificate::from_der(&self.cert.to_der().unwrap()).unwrap()
    }

    pub fn sha1_hex(&self) -> String {
        hex(&hash(MessageDigest::sha1(), &self.cert.to_der().unwrap()).unwrap())
    }

    /// JWT `x5t`: base64url of the SHA-1 digest of the DER.
    pub fn x5t(&self) -> String {
        URL_SAFE_NO_PAD.encode(hash(MessageDigest::sha1(), &self.cert.to_der().unwrap()).unwrap())
    }

    /// JWT `x5t#S256`: base64url of the SHA-256 digest of the DER.
    pub fn x5t_s256(&self) -> String {
        URL_SAFE_NO_PAD.encode(hash(MessageDigest::sha256(), &self.cert.to_der().unwrap()).unwrap())
    }
}

fn rand_u32() -> u32 {
    let mut b = [0u8; 4];
    openssl::rand::rand_bytes(&mut b).unwrap();
    u32::from_be_bytes(b) | 1
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

pub fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

pub fn fresh_jti() -> String {
    let mut b = [0u8; 16];
    openssl::rand::rand_bytes(&mut b).unwrap();
    hex(&b)
}

/// Claims of a well-formed assertion for `aud`, valid now for 10 minutes.
pub fn claims(aud: &str) -> Value {
    let now = unix_now();
    json!({
        "aud": aud, "iss": CLIENT, "sub": CLIENT, "jti": fresh_jti(),
        "nbf": now, "iat": now, "exp": now + 600,
    })
}

/// Signs `header` + `claims` with `key`: RS256 (PKCS#1 v1.5) or PS256 (PSS, salt =
/// digest length), as the header's `alg` says.
pub fn sign(header: &Value, claims: &Value, key: &PKey<Private>) -> String {
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let mut signer = Signer::new(MessageDigest::sha256(), key).unwrap();
    if header["alg"] == "PS256" {
        signer.set_rsa_padding(Padding::PKCS1_PSS).unwrap();
        signer
            .set_rsa_pss_saltlen(RsaPssSaltlen::DIGEST_LENGTH)
            .unwrap();
        signer.set_rsa_mgf1_md(MessageDigest::sha256()).unwrap();
    } else {
        signer.set_rsa_padding(Padding::PKCS1).unwrap();
    }
    signer.update(signing_input.as_bytes()).unwrap();
    let signature = signer.sign_to_vec().unwrap();
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

/// An RS256 assertion naming `identity` by `x5t` and signed by `identity`'s key.
pub fn rs256(identity: &Identity, claims: &Value) -> String {
    let header = json!({"alg": "RS256", "typ": "JWT", "x5t": identity.x5t()});
    sign(&header, claims, &identity.key)
}

/// What curl got back.
#[derive(Debug)]
pub struct Reply {
    /// curl's exit code (0, or e.g. 52 empty reply, 60 untrusted certificate).
    pub exit: i32,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    /// The first AADSTS code of an Entra error body.
    pub fn aadsts(&self) -> i64 {
        self.json()["error_codes"][0]
            .as_i64()
            .unwrap_or_else(|| panic!("no error_codes: {}", self.text()))
    }

    /// `error.code` of an ARM error body.
    pub fn arm_code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

/// Runs curl against the stand-in (trusting its CA) with `args`, with hard timeouts.
pub fn curl(standin: &StandIn, args: &[&str]) -> Reply {
    let dir = tempfile::tempdir().unwrap();
    let body_file = dir.path().join("body");
    let head_file = dir.path().join("head");
    let output = Command::new("curl")
        .args(["-sS", "--connect-timeout", "5", "--max-time", "20"])
        .arg("--cacert")
        .arg(standin.ca_pem_path())
        .arg("-o")
        .arg(&body_file)
        .arg("-D")
        .arg(&head_file)
        .args(["-w", "%{http_code}"])
        .args(args)
        .output_within(DEADLINE)
        .expect("curl must be installed to test the stand-in");
    let head = std::fs::read_to_string(&head_file).unwrap_or_default();
    // With a redirect or a 100-continue there can be several header blocks: keep the last.
    let last_block = head.trim_end().rsplit("\r\n\r\n").next().unwrap_or("");
    let headers = last_block
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Reply {
        exit: output.status.code().unwrap_or(-1),
        status: String::from_utf8_lossy(&output.stdout)
            .trim()
            .parse()
            .unwrap_or(0),
        headers,
        body: std::fs::read(&body_file).unwrap_or_default(),
    }
}

/// An ASM GET with `x-ms-version: 2014-10-01` (unless `version` is `None`) and, when
/// given, `identity` as the TLS client certificate.
pub fn asm_get(
    standin: &StandIn,
    path: &str,
    identity: Option<&Identity>,
    version: Option<&str>,
) -> Reply {
    asm_get_with(standin, path, identity, version, &[])
}

pub fn asm_get_with(
    standin: &StandIn,
    path: &str,
    identity: Option<&Identity>,
    version: Option<&str>,
    extra_headers: &[String],
) -> Reply {
    let mut args: Vec<String> = Vec::new();
    if let Some(identity) = identity {
        args.push("--cert".into());
        args.push(identity.cert_pem.display().to_string());
        args.push("--key".into());
        args.push(identity.key_pem.display().to_string());
    }
    if let Some(version) = version {
        args.push("-H".into());
        args.push(format!("x-ms-version: {version}"));
    }
    for h in extra_headers {
        args.push("-H".into());
        args.push(h.clone());
    }
    args.push(format!("{}{path}", standin.url()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    curl(standin, &args)
}

/// POSTs a form to `path` (each field URL-encoded by curl).
pub fn post_form(standin: &StandIn, path: &str, fields: &[(&str, &str)]) -> Reply {
    let mut args: Vec<String> = Vec::new();
    for (k, v) in fields {
        args.push("--data-urlencode".into());
        args.push(format!("{k}={v}"));
    }
    args.push(format!("{}{path}", standin.url()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    curl(standin, &args)
}

/// Requests a v2 token for ARM with a client assertion.
pub fn token_with_assertion(standin: &StandIn, tenant: &str, assertion: &str) -> Reply {
    let scope = format!("{}/.default", standin.url());
    post_form(
        standin,
        &format!("/{tenant}/oauth2/v2.0/token"),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT),
            ("scope", &scope),
            ("client_assertion_type", JWT_BEARER),
            ("client_assertion", assertion),
        ],
    )
}

/// An ARM GET with a bearer token.
pub fn arm_get(standin: &StandIn, path_and_query: &str, token: Option<&str>) -> Reply {
    let auth = token.map(|t| format!("Authorization: Bearer {t}"));
    let url = format!("{}{path_and_query}", standin.url());
    let mut args = vec![];
    if let Some(auth) = &auth {
        args.push("-H");
        args.push(auth.as_str());
    }
    args.push(url.as_str());
    curl(standin, &args)
}
