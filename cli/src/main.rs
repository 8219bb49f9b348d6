//! `certtool`: management certificates and service principals for Azure, from one binary.
//!
//! This crate is a thin layer over `certtool-core`: it parses flags, reads and writes
//! files and streams, asks for passwords, prints, and turns errors into exit codes.

mod args;
mod clock;
mod commands;
mod credential;
mod envfile;
mod error;
mod escape;
mod io;
mod limits;
mod log;
mod output;
mod password;
mod process;
mod signin;
mod tls;
mod version;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::error::CliError;

/// Certificates and credentials for Azure: generate, convert, inspect and test.
#[derive(Parser, Debug)]
// bin_name: "certtool" in usage lines on Windows too, not "certtool.exe".
#[command(name = "certtool", bin_name = "certtool", version = clock::VERSION, about, long_about = None)]
struct Cli {
    #[command(flatten)]
    log: log::LogArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    Generate(commands::generate::GenerateArgs),
    Export(commands::export::ExportArgs),
    Inspect(commands::inspect::InspectArgs),
    StripPfx(commands::strip_pfx::StripPfxArgs),
    Test(commands::test::TestArgs),
    Import(commands::import::ImportArgs),
    Rotate(commands::rotate::RotateArgs),
    Audit(Box<commands::audit::AuditArgs>),
    Create(commands::create::CreateArgs),
    Completions(commands::completions::CompletionsArgs),
    #[command(name = "__man", hide = true)]
    Man(commands::completions::ManArgs),
}

fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Generate(args) => commands::generate::run(args),
        Command::Export(args) => commands::export::run(args),
        Command::Inspect(args) => commands::inspect::run(args),
        Command::StripPfx(args) => commands::strip_pfx::run(args),
        Command::Test(args) => commands::test::run(args),
        Command::Import(args) => commands::import::run(args),
        Command::Rotate(args) => commands::rotate::run(args),
        Command::Audit(args) => commands::audit::run(*args),
        Command::Create(args) => commands::create::run(args),
        Command::Completions(args) => commands::completions::run(args),
        Command::Man(args) => commands::completions::man(args),
    }
}

impl Command {
    /// True for the commands that talk to Azure over TLS.
    fn uses_network(&self) -> bool {
        matches!(
            self,
            Command::Test(_) | Command::Rotate(_) | Command::Audit(_) | Command::Create(_)
        )
    }
}

fn main() -> ExitCode {
    process::forbid_core_dumps();
    let cli: Cli = version::parse();
    log::init(cli.log);
    if cli.command.uses_network() {
        // Sets SSL_CERT_FILE / SSL_CERT_DIR: here, once, before any thread starts.
        tls::prefer_lazy_system_roots();
    }
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            escape::to_stderr(&err.render());
            ExitCode::from(err.kind.code())
        }
    }
}
