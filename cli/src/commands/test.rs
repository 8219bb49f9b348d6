//! `certtool test …`: check credentials against Azure.

use clap::{Args, Subcommand};

use crate::error::CliError;

/// Check that a credential works against Azure and says what it may do.
#[derive(Args, Debug)]
pub struct TestArgs {
    #[command(subcommand)]
    pub command: TestCommand,
}

/// The services `test` can check.
#[derive(Subcommand, Debug)]
pub enum TestCommand {
    /// A service principal (certificate or secret) against Entra ID and Resource Manager.
    Arm(super::test_arm::TestArmArgs),
}

/// Runs `certtool test …`.
pub fn run(args: TestArgs) -> Result<(), CliError> {
    match args.command {
        TestCommand::Arm(args) => super::test_arm::run(args),
    }
}
