//! The `tollgate-loadtest` binary: parses flags, runs [`execute`] on a
//! multi-threaded runtime, prints the report (table or JSON) and writes the
//! JSON file. Exits 1 when the run could not happen, 0 otherwise (errors
//! and drops are figures in the report, not failures of the tool).

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Parser;
use tollgate_loadtest::args::Output;
use tollgate_loadtest::execute::write_frame;
use tollgate_loadtest::{Args, execute};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("tollgate-loadtest: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> anyhow::Result<()> {
    let args = Args::parse();
    args.validate()?;
    if args.write_frame.is_some() {
        return Ok(write_frame(&args)?);
    }
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    runtime.enable_all();
    if let Some(threads) = args.threads {
        runtime.worker_threads(threads);
    }
    let runtime = runtime.build().context("cannot start the async runtime")?;
    let report = runtime.block_on(execute(&args))?;
    if let Some(path) = &args.json {
        std::fs::write(path, report.to_json() + "\n")
            .with_context(|| format!("cannot write the report to `{}`", path.display()))?;
    }
    let text = match args.output {
        Output::Table => report.to_table(),
        Output::Json => report.to_json() + "\n",
    };
    std::io::stdout()
        .write_all(text.as_bytes())
        .context("cannot print the report")
}
