//! `tollgate`: the authorization engine's command line. Each subcommand lives
//! in its own module; this file only parses the arguments and dispatches.

mod access_args;
mod allocator;
mod bench;
mod check;
mod completions;
mod diff;
mod import;
mod keygen;
mod mesh;
mod publish;
mod replay;
mod serve;
mod simulate;
mod store_test;
mod validate;
mod what_can;
mod who_can;
mod workload;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// `tollgate --version`: the tool's version and the AWS service catalog it
/// validates policies against (package, version and the date of its data).
fn long_version() -> &'static str {
    static VERSION: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "{}\nAWS service catalog: {}",
            env!("CARGO_PKG_VERSION"),
            tollgate_catalog::Source::embedded()
        )
    });
    &VERSION
}

/// An AWS-IAM-compatible authorization engine.
#[derive(Debug, Parser)]
#[command(name = "tollgate", version = long_version(), about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Simulate(simulate::SimulateArgs),
    Serve(Box<serve::ServeArgs>),
    Validate(validate::ValidateArgs),
    Import(import::ImportArgs),
    Check(check::CheckArgs),
    Publish(publish::PublishArgs),
    Mesh(mesh::MeshArgs),
    Workload(workload::WorkloadArgs),
    Bench(bench::BenchArgs),
    Keygen(keygen::KeygenArgs),
    Completions(completions::CompletionsArgs),
    Test(store_test::TestArgs),
    WhoCan(who_can::WhoCanArgs),
    WhatCan(what_can::WhatCanArgs),
    Diff(diff::DiffArgs),
    Replay(replay::ReplayArgs),
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Simulate(args) => simulate::main(&args),
        Command::Serve(args) => {
            allocator::keep_freed_pages();
            serve::main(&args)
        }
        Command::Validate(args) => validate::main(&args),
        Command::Import(args) => import::main(&args),
        Command::Check(args) => check::main(&args),
        Command::Publish(args) => publish::main(&args),
        Command::Mesh(args) => mesh::main(&args),
        Command::Workload(args) => workload::main(&args),
        Command::Bench(args) => bench::main(&args),
        Command::Keygen(args) => keygen::main(&args),
        Command::Completions(args) => completions::main::<Cli>(&args),
        Command::Test(args) => store_test::main(&args),
        Command::WhoCan(args) => who_can::main(&args),
        Command::WhatCan(args) => what_can::main(&args),
        Command::Diff(args) => diff::main(&args),
        Command::Replay(args) => replay::main(&args),
    }
}
