//! `certtool test …`: check that a credential works against Azure, and say why not.

use clap::{Args, Subcommand};

use crate::error::CliError;

/// Test a credential against Azure and explain any failure.
#[derive(Args, Debug)]
pub struct TestArgs {
    #[command(subcommand)]
    pub command: TestCommand,
}

/// The credentials `test` can check.
// Parsed once per run: the size of the flag structs does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand, Debug)]
pub enum TestCommand {
    Asm(super::test_asm::TestAsmArgs),
    /// A service principal (certificate, secret or federated token) against Entra ID and
    /// Resource Manager.
    Arm(super::test_arm::TestArmArgs),
}

/// Runs `certtool test …`.
pub fn run(args: TestArgs) -> Result<(), CliError> {
    match args.command {
        TestCommand::Asm(args) => super::test_asm::run(args),
        TestCommand::Arm(args) => super::test_arm::run(args),
    }
}
