//! `certtool completions SHELL` prints a completion script, and the hidden
//! `certtool __man DIR` writes one man page per command; both come from the same clap
//! definition as the parser, so nothing is maintained twice. Release builds generate the
//! man pages (scripts/dist.sh); they are not installed by `cargo install`.

use std::path::PathBuf;

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use crate::error::{CliError, ExitKind};

/// Print a shell completion script (bash, zsh, fish, powershell or elvish) to stdout.
#[derive(Args, Debug)]
#[command(after_help = "Examples:
  certtool completions bash > ~/.local/share/bash-completion/completions/certtool
  certtool completions zsh > \"${fpath[1]}/_certtool\"
  certtool completions fish > ~/.config/fish/completions/certtool.fish
  certtool completions powershell >> $PROFILE")]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Write man pages (section 1) for certtool and each of its commands into a directory.
#[derive(Args, Debug)]
pub struct ManArgs {
    /// The directory to write `certtool.1`, `certtool-generate.1`, ... into (created).
    pub dir: PathBuf,
}

pub fn run(args: CompletionsArgs) -> Result<(), CliError> {
    let mut command = crate::Cli::command();
    // Into memory first: clap_complete panics when its writer fails, and stdout may be a
    // pipe that is already closed (`| head`), which write_stdout treats as the end.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "certtool", &mut script);
    crate::io::write_stdout(&script)
}

pub fn man(args: ManArgs) -> Result<(), CliError> {
    let fail = |e: std::io::Error| {
        CliError::new(
            ExitKind::Other,
            format!("cannot write man pages to {}: {e}", args.dir.display()),
        )
    };
    std::fs::create_dir_all(&args.dir).map_err(fail)?;
    let mut command = crate::Cli::command();
    command.build();
    let mut pending = vec![command];
    while let Some(command) = pending.pop() {
        let name = command
            .get_display_name()
            .unwrap_or(command.get_name())
            .to_owned();
        let mut page = Vec::new();
        clap_mangen::Man::new(command.clone().name(&name))
            .render(&mut page)
            .map_err(fail)?;
        std::fs::write(args.dir.join(format!("{name}.1")), page).map_err(fail)?;
        pending.extend(
            command
                .get_subcommands()
                .filter(|sub| !sub.is_hide_set() && sub.get_name() != "help")
                .cloned(),
        );
    }
    Ok(())
}
