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
// Both boxed: their flag structs are large and of very different sizes.
#[derive(Subcommand, Debug)]
pub enum TestCommand {
    Asm(Box<super::test_asm::TestAsmArgs>),
    /// A service principal (certificate, secret or federated token) against Entra ID and
    /// Resource Manager.
    Arm(Box<super::test_arm::TestArmArgs>),
}

/// Runs `certtool test …`.
pub fn run(args: TestArgs) -> Result<(), CliError> {
    match args.command {
        TestCommand::Asm(args) => super::test_asm::run(*args),
        TestCommand::Arm(args) => super::test_arm::run(*args),
    }
}
