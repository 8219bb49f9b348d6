//! `certtool test …`: check that a credential works against Azure.

use clap::{Args, Subcommand};

use crate::error::CliError;

/// Test a credential against Azure and explain any failure.
#[derive(Args, Debug)]
pub struct TestArgs {
    #[command(subcommand)]
    pub command: TestCommand,
}

/// The credentials `test` can check.
#[derive(Subcommand, Debug)]
pub enum TestCommand {
    Asm(super::test_asm::TestAsmArgs),
}

/// Runs `certtool test …`.
pub fn run(args: TestArgs) -> Result<(), CliError> {
    match args.command {
        TestCommand::Asm(args) => super::test_asm::run(args),
    }
}
