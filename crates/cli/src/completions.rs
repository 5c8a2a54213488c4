//! `tollgate completions SHELL`: prints the shell completion script for
//! every subcommand and flag (bash, zsh, fish, elvish, PowerShell), generated
//! from the same argument definitions the command parses with.

use std::process::ExitCode;

use clap::CommandFactory;
use clap_complete::Shell;

/// Print a shell completion script.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Install, for example:
  tollgate completions bash > ~/.local/share/bash-completion/completions/tollgate
  tollgate completions zsh > \"${fpath[1]}/_tollgate\"
  tollgate completions fish > ~/.config/fish/completions/tollgate.fish")]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, elvish or powershell.
    #[arg(value_name = "SHELL")]
    shell: Shell,
}

/// Writes the script for `C` (the command line's parser) to stdout.
pub fn main<C: CommandFactory>(args: &CompletionsArgs) -> ExitCode {
    let mut command = C::command();
    clap_complete::generate(args.shell, &mut command, "tollgate", &mut std::io::stdout());
    ExitCode::SUCCESS
}
