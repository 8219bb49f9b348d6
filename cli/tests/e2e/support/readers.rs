//! The real PFX readers the interop tests hand files to: the openssl CLI (with and
//! without `-legacy`), Python `cryptography`, azure-identity's `CertificateCredential`
//! and Java keytool. Each returns what the reader said, so a test can assert that a file
//! opens or that it fails the way a rule predicts.

use std::path::Path;
use std::process::Command;

use super::child::{Within, DEADLINE};

/// Runs a tool, returning (exit code, stdout, stderr).
pub fn tool(program: &str, args: &[&str], env: &[(&str, &str)]) -> (i32, Vec<u8>, String) {
    let mut cmd = Command::new(program);
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd
        .output_within(DEADLINE)
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    (
        out.status.code().unwrap_or(-1),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The Python with `cryptography`: $CERTTOOL_PYTHON (set by scripts/test.sh), else python3.
pub fn python() -> String {
    std::env::var("CERTTOOL_PYTHON").unwrap_or_else(|_| "python3".into())
}

const PYTHON_SETUP: &str = "run `bash scripts/setup.sh` (it creates the venv target/pyenv \
     with `cryptography` and `azure-identity`) and set CERTTOOL_PYTHON=target/pyenv/bin/python, \
     as scripts/test.sh does";

/// Runs a Python script that prints `NO-MODULE` and exits 3 when an import fails (a
/// set-up fault, reported as such). Returns (exit code, stdout, stderr).
fn python_script(script: &str, args: &[&str]) -> (i32, String, String) {
    let py = python();
    let run = Command::new(&py)
        .arg("-c")
        .arg(script)
        .args(args)
        .output_within(DEADLINE)
        .unwrap_or_else(|e| panic!("cannot run Python {py} ({e}): {PYTHON_SETUP}"));
    let out = String::from_utf8_lossy(&run.stdout).into_owned();
    assert!(
        !out.contains("NO-MODULE"),
        "a Python module is missing for {py}: {PYTHON_SETUP}"
    );
    (
        run.status.code().unwrap_or(-1),
        out,
        String::from_utf8_lossy(&run.stderr).into_owned(),
    )
}

/// Python cryptography's `load_key_and_certificates(data, password)` (`None` when
/// `password` is None): Ok((has key, has certificate, extra certificates)) or Err(what
/// Python raised).
pub fn python_try_load(path: &Path, password: Option<&str>) -> Result<(bool, bool, usize), String> {
    let script = "import sys\n\
try:\n    from cryptography.hazmat.primitives.serialization import pkcs12\n\
except ImportError:\n    print('NO-MODULE'); sys.exit(3)\n\
pw = None if sys.argv[2] == '-' else sys.argv[2][1:].encode()\n\
try:\n    k, c, extra = pkcs12.load_key_and_certificates(open(sys.argv[1], 'rb').read(), pw)\n\
except Exception as e:\n    print('FAILED', type(e).__name__, e); sys.exit(0)\n\
print(k is not None, c is not None, len(extra))\n";
    let pw_arg = password.map_or("-".to_string(), |p| format!("={p}"));
    let (code, out, err) = python_script(script, &[path.to_str().unwrap(), &pw_arg]);
    assert_eq!(code, 0, "python crashed on {}: {err}", path.display());
    if let Some(failure) = out.strip_prefix("FAILED ") {
        return Err(failure.trim().to_string());
    }
    let words: Vec<&str> = out.split_whitespace().collect();
    Ok((
        words[0] == "True",
        words[1] == "True",
        words[2].parse().unwrap(),
    ))
}

/// What Python cryptography's `load_key_and_certificates(data, None)` finds; panics
/// when it cannot load the file.
pub fn python_load(path: &Path) -> (bool, bool, usize) {
    python_try_load(path, None)
        .unwrap_or_else(|e| panic!("python could not load {}: {e}", path.display()))
}

/// Builds azure-identity's `CertificateCredential` from the PFX at `path` (the password
/// from the environment, None when `password` is None), which parses the file and
/// loads its key: Ok(()) or Err(what it raised). No network is used.
pub fn azure_identity_load(path: &Path, password: Option<&str>) -> Result<(), String> {
    let script = "import sys\n\
try:\n    from azure.identity import CertificateCredential\n\
except ImportError:\n    print('NO-MODULE'); sys.exit(3)\n\
pw = None if sys.argv[2] == '-' else sys.argv[2][1:].encode()\n\
try:\n    CertificateCredential('00000000-0000-0000-0000-000000000001', \
'00000000-0000-0000-0000-000000000002', certificate_path=sys.argv[1], password=pw)\n\
except Exception as e:\n    print('FAILED', type(e).__name__, e); sys.exit(0)\n\
print('LOADED')\n";
    let pw_arg = password.map_or("-".to_string(), |p| format!("={p}"));
    let (code, out, err) = python_script(script, &[path.to_str().unwrap(), &pw_arg]);
    assert_eq!(code, 0, "python crashed on {}: {err}", path.display());
    match out.strip_prefix("FAILED ") {
        Some(failure) => Err(failure.trim().to_string()),
        None if out.trim() == "LOADED" => Ok(()),
        None => panic!("unexpected output from azure-identity probe: {out}"),
    }
}

/// `keytool -list` with the store password `pass`: (exit code, stdout + stderr).
pub fn keytool_try_list(path: &Path, pass: &str) -> (i32, String) {
    let (code, out, err) = tool(
        "keytool",
        &[
            "-list",
            "-storetype",
            "PKCS12",
            "-keystore",
            path.to_str().unwrap(),
            "-storepass",
            pass,
        ],
        &[],
    );
    (code, format!("{}{err}", String::from_utf8_lossy(&out)))
}

/// `keytool -list` with the empty store password; panics when keytool fails.
pub fn keytool_list(path: &Path) -> String {
    let (code, out) = keytool_try_list(path, "");
    assert_eq!(code, 0, "keytool -list failed on {}: {out}", path.display());
    out
}
