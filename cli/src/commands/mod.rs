//! One module per command; each has an `Args` struct (its doc comments are the help
//! text) and a `run` function.

pub mod audit;
pub mod completions;
pub mod create;
pub mod export;
pub mod export_pfx;
pub mod generate;
pub mod import;
pub mod inspect;
pub mod rotate;
pub mod strip_pfx;
pub mod test;
pub mod test_arm;
pub mod test_asm;
