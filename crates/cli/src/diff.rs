//! `tollgate diff OLD NEW`: the access that changed between two revisions
//! of a store (folders or published store URLs), as a readable report or
//! JSON (`docs/change-impact.md`). Exit status: 0 nothing the `--fail-on`
//! setting counts changed; 1 it did; 2 a revision could not be read.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;

use tollgate_bundle::{FetchOptions, Fetcher, Location, LocationOptions, PollOutcome};
use tollgate_impact::{DiffOptions, Revision, diff, diff_json, diff_text};
use tollgate_store::{Store, StoreLimits};

/// Exit status when a change the gate counts was found.
pub const CHANGED: u8 = 1;
/// Exit status when an input could not be read.
pub const INPUT_ERROR: u8 = 2;

/// Report the access that changed between two revisions of a store.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
OLD and NEW are store folders or published store URLs (s3://, gs://, az://,
file://). For every principal something changed for, each action its
statements name (wildcards expanded through the AWS service catalog) and
each resource pattern, the report lists the decisions that changed, with the
statements responsible before and now, grouped, most severe first: public or
cross-account access, admin-like access, other grants, revocations.

Exit status: 0 nothing --fail-on counts changed; 1 it did; 2 a revision
could not be read.")]
pub struct DiffArgs {
    /// The revision before the change.
    #[arg(value_name = "OLD")]
    old: String,

    /// The revision after the change.
    #[arg(value_name = "NEW")]
    new: String,

    /// `text` or `json`.
    #[arg(long, value_name = "FORMAT", default_value = "text", value_parser = ["text", "json"])]
    format: String,

    /// Exit 1 when access was granted (`grant`), when anything changed
    /// (`any`), or never (`none`).
    #[arg(long, value_name = "WHAT", default_value = "grant", value_parser = ["grant", "any", "none"])]
    fail_on: String,

    /// Only principals whose ARN matches this glob (repeatable).
    #[arg(long, value_name = "GLOB")]
    principal: Vec<String>,

    /// Only actions matching this glob, without case (repeatable).
    #[arg(long, value_name = "GLOB")]
    action: Vec<String>,

    /// S3-compatible endpoint for store URLs.
    #[arg(long, value_name = "URL")]
    store_endpoint: Option<String>,
}

/// Reads a store's files from a folder or a published store URL.
pub fn read_files(
    source: &str,
    endpoint: Option<&str>,
) -> Result<BTreeMap<String, Vec<u8>>, String> {
    if !source.contains("://") {
        return Store::read_dir_files(Path::new(source), &StoreLimits::default())
            .map_err(|e| format!("`{source}`: {e}"));
    }
    let options = LocationOptions {
        endpoint: endpoint.map(str::to_owned),
        ..LocationOptions::default()
    };
    let location = Location::parse(source, &options).map_err(|e| format!("`{source}`: {e}"))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let mut fetcher = Fetcher::new(location, FetchOptions::default());
    match runtime.block_on(fetcher.poll()) {
        Ok(PollOutcome::Updated(fetched)) => Ok(fetched.files),
        Ok(PollOutcome::Unchanged) => Err(format!("`{source}`: no revision fetched")),
        Err(e) => Err(format!("`{source}`: {e}")),
    }
}

fn load(source: &str, endpoint: Option<&str>) -> Result<Revision, String> {
    let files = read_files(source, endpoint)?;
    Revision::from_files(files, &StoreLimits::default()).map_err(|e| format!("`{source}`: {e}"))
}

/// Runs the subcommand.
pub fn main(args: &DiffArgs) -> ExitCode {
    let endpoint = args.store_endpoint.as_deref();
    let started = std::time::Instant::now();
    let (old, new) = match (load(&args.old, endpoint), load(&args.new, endpoint)) {
        (Ok(old), Ok(new)) => (old, new),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("tollgate diff: {e}");
            return ExitCode::from(INPUT_ERROR);
        }
    };
    let options = DiffOptions {
        principals: args.principal.clone(),
        actions: args.action.clone(),
    };
    let loaded = started.elapsed();
    let report = diff(&old, &new, &options);
    eprintln!(
        "tollgate diff: loaded both revisions in {:.2} s, compared them in {:.2} s",
        loaded.as_secs_f64(),
        (started.elapsed() - loaded).as_secs_f64()
    );
    let text = if args.format == "json" {
        format!("{}\n", diff_json(&report))
    } else {
        diff_text(&report)
    };
    // A closed stdout (a pager quit early) is not an error of the report.
    let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), text.as_bytes());
    let fail = match args.fail_on.as_str() {
        "grant" => report.grants(),
        "any" => !report.findings.is_empty(),
        _ => false,
    };
    if fail {
        ExitCode::from(CHANGED)
    } else {
        ExitCode::SUCCESS
    }
}
