//! `tollgate`: the authorization engine's command line. Each subcommand lives
//! in its own module; this file only parses the arguments and dispatches.

mod simulate;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// An AWS-IAM-compatible authorization engine.
#[derive(Debug, Parser)]
#[command(name = "tollgate", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Simulate(simulate::SimulateArgs),
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Simulate(args) => simulate::main(&args),
    }
}
