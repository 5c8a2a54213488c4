//! `tollgate test [--store DIR] [--format text|junit] PATH...`: runs store
//! test suites (`docs/store-tests.md`) against a store folder (or the
//! built-in example store) and reports each case.
//!
//! Output (stdout): `PASS`/`FAIL`/`ERROR` lines and `N passed, M failed`
//! (text), or JUnit XML. Exit status: 0 every case passed; 1 a case failed;
//! 2 a suite file, a case's request or the store could not be read.

use std::path::PathBuf;
use std::process::ExitCode;

use tollgate_server::config::StoreSource;
use tollgate_suite::{Format, Report, SuiteLimits, read_suite, run_case, suite_files};

/// Exit status when a case failed.
const FAILED: u8 = 1;
/// Exit status when an input could not be read.
const INPUT_ERROR: u8 = 2;

/// Run store test suites: named requests with their expected decisions.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Each PATH is a suite file or a folder of them (*.json, recursively). A suite
is {\"tests\": [{\"name\", \"principal\", \"action\", \"resource\", \"context\",
\"sessionPolicies\", \"expect\", \"expectDecisive\"}, ...]} (docs/store-tests.md).

Exit status: 0 every case passed; 1 a case failed; 2 a suite, a case's
request or the store could not be read.")]
pub struct TestArgs {
    /// The store folder [default: the built-in example store]
    #[arg(long, value_name = "DIR", env = "TOLLGATE_STORE")]
    store: Option<PathBuf>,

    /// `text` (PASS/FAIL lines and a summary) or `junit` (JUnit XML).
    #[arg(long, value_name = "FORMAT", default_value = "text", value_parser = ["text", "junit"])]
    format: String,

    /// Suite files, or folders of them.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
}

/// Runs the subcommand.
pub fn main(args: &TestArgs) -> ExitCode {
    let source = match &args.store {
        Some(dir) => StoreSource::Dir(dir.clone()),
        None => StoreSource::Embedded,
    };
    let store = match tollgate_server::reload::load(&source) {
        Ok(store) => store,
        Err(error) => {
            eprintln!("tollgate test: cannot load the store `{source}`: {error}");
            return ExitCode::from(INPUT_ERROR);
        }
    };
    let files = match suite_files(&args.paths) {
        Ok(files) => files,
        Err(error) => {
            eprintln!("tollgate test: {error}");
            return ExitCode::from(INPUT_ERROR);
        }
    };
    let limits = SuiteLimits::default();
    let mut report = Report::new();
    for file in &files {
        let name = file.display().to_string();
        match read_suite(file, &limits) {
            Ok(suite) => {
                for case in &suite.cases {
                    report.add(&suite.file, case, run_case(&store, case));
                }
            }
            Err(error) => report.add_unreadable(&name, error.to_string()),
        }
    }
    let format = if args.format == "junit" {
        Format::Junit
    } else {
        Format::Text
    };
    print!("{}", report.render(format));
    if report.errors() > 0 {
        ExitCode::from(INPUT_ERROR)
    } else if report.failed() > 0 {
        ExitCode::from(FAILED)
    } else {
        ExitCode::SUCCESS
    }
}
