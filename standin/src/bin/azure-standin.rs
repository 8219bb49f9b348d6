//! `azure-standin --config FILE [--port 0] [--ca-out PATH]`: serves the Azure stand-in on
//! 127.0.0.1 until stopped, after printing one line with its URL and CA file.

use std::path::PathBuf;
use std::process::ExitCode;

use certtool_standin::{Config, Options, StandIn};

const USAGE: &str =
    "usage: azure-standin --config FILE [--port PORT] [--ca-out PATH] [--ca-cert PEM --ca-key PEM]";

fn parse(args: &[String]) -> Result<(PathBuf, Options), String> {
    let mut config = None;
    let mut options = Options::new();
    let (mut ca_cert, mut ca_key) = (None, None);
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let mut value = || {
            args.next()
                .cloned()
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--config" => config = Some(PathBuf::from(value()?)),
            "--port" => {
                let port = value()?;
                options = options.port(port.parse().map_err(|_| format!("not a port: {port}"))?);
            }
            "--ca-out" => options = options.ca_out(value()?),
            "--ca-cert" => ca_cert = Some(read(&value()?)?),
            "--ca-key" => ca_key = Some(read(&value()?)?),
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    match (ca_cert, ca_key) {
        (Some(cert), Some(key)) => options = options.ca(cert, key),
        (None, None) => {}
        _ => return Err("--ca-cert and --ca-key go together".into()),
    }
    Ok((config.ok_or("--config is required")?, options))
}

/// A message on one line: a TOML parse error's first line (where) and last line (what),
/// without the excerpt between them.
fn one_line(text: &str) -> String {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    match lines[..] {
        [] => String::new(),
        [only] => only.to_owned(),
        [first, .., last] => format!("{first}: {last}"),
    }
}

fn read(path: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (config_path, options) = match parse(&args) {
        Ok(parsed) => parsed,
        Err(message) if message.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("error: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    // Every failure is one line and exit 3, never a panic.
    let one_line = |text: String| one_line(&text);
    let config = match Config::from_toml_file(&config_path) {
        Ok(config) => config,
        Err(error) => {
            eprintln!(
                "error: {} ({})",
                one_line(error.to_string()),
                config_path.display()
            );
            return ExitCode::from(3);
        }
    };
    let standin = match StandIn::start_with(config, options) {
        Ok(standin) => standin,
        Err(error) => {
            eprintln!("error: {}", one_line(error.to_string()));
            return ExitCode::from(3);
        }
    };
    println!(
        "azure-standin listening on {} ca={}",
        standin.url(),
        standin.ca_pem_path().display()
    );
    standin.wait();
    ExitCode::SUCCESS
}
