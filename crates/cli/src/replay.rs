//! `tollgate replay --store CANDIDATE (--audit-log FILE | --requests FILE)`:
//! recorded decisions re-decided against a candidate store, every flip
//! counted by kind, principal and action, with samples and the statements
//! responsible (`docs/change-impact.md`). Exit status as `tollgate diff`.

use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;
use std::process::ExitCode;

use tollgate_impact::replay::{replay, replay_json, replay_text};
use tollgate_store::{Store, StoreLimits};

use crate::diff::{CHANGED, INPUT_ERROR, read_files};

/// Re-decide recorded decisions against a candidate store and report flips.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Records are JSON lines: {\"principal\", \"action\", \"resource\",
\"resourceAccount\", \"context\", \"sessionPolicies\", \"decision\"}. The audit
log's lines are such records; written with --audit-record-requests they carry
the request's context and session policies too; a record whose request was
too large to record (requestTruncated) is reported as not replayable, and
fails --fail-on any (and --fail-on grant when it was denied).

Exit status: 0 nothing --fail-on counts flipped; 1 it did; 2 an input could
not be read.")]
#[command(group(clap::ArgGroup::new("input").required(true).args(["audit_log", "requests"])))]
pub struct ReplayArgs {
    /// The candidate store: a folder or a published store URL.
    #[arg(long, value_name = "DIR|URL")]
    store: String,

    /// An audit log file (`tollgate serve --audit-log`).
    #[arg(long, value_name = "FILE")]
    audit_log: Option<PathBuf>,

    /// A JSON Lines file of recorded requests and decisions.
    #[arg(long, value_name = "FILE")]
    requests: Option<PathBuf>,

    /// `text` or `json`.
    #[arg(long, value_name = "FORMAT", default_value = "text", value_parser = ["text", "json"])]
    format: String,

    /// Exit 1 when a denied request is now allowed (`grant`), on any flip
    /// (`any`), or never (`none`).
    #[arg(long, value_name = "WHAT", default_value = "grant", value_parser = ["grant", "any", "none"])]
    fail_on: String,

    /// S3-compatible endpoint for a store URL.
    #[arg(long, value_name = "URL")]
    store_endpoint: Option<String>,
}

/// Runs the subcommand.
pub fn main(args: &ReplayArgs) -> ExitCode {
    let store = read_files(&args.store, args.store_endpoint.as_deref()).and_then(|files| {
        Store::from_files_with_limits(files, &StoreLimits::default())
            .map_err(|e| format!("`{}`: {e}", args.store))
    });
    let store = match store {
        Ok(store) => store,
        Err(e) => {
            eprintln!("tollgate replay: {e}");
            return ExitCode::from(INPUT_ERROR);
        }
    };
    let Some(path) = args.audit_log.as_ref().or(args.requests.as_ref()) else {
        eprintln!("tollgate replay: give --audit-log or --requests");
        return ExitCode::from(INPUT_ERROR);
    };
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) => {
            eprintln!("tollgate replay: `{}`: {e}", path.display());
            return ExitCode::from(INPUT_ERROR);
        }
    };
    let started = std::time::Instant::now();
    let report = match replay(&store, BufReader::with_capacity(1 << 20, file)) {
        Ok(report) => report,
        Err(e) => {
            eprintln!("tollgate replay: `{}`: {e}", path.display());
            return ExitCode::from(INPUT_ERROR);
        }
    };
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "tollgate replay: {} records in {seconds:.2} s ({:.0} a minute)",
        report.replayed,
        report.replayed as f64 * 60.0 / seconds.max(1e-9)
    );
    let text = if args.format == "json" {
        format!("{}\n", replay_json(&report))
    } else {
        replay_text(&report)
    };
    // A closed stdout (a pager quit early) is not an error of the report.
    let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), text.as_bytes());
    let fail = match args.fail_on.as_str() {
        // A record the audit log could not record whole is unknown: a gate
        // does not pass what it could not check.
        "grant" => report.grants() > 0 || report.denied_not_replayable() > 0,
        "any" => report.flip_count() > 0 || !report.not_replayable.is_empty(),
        _ => false,
    };
    if fail {
        ExitCode::from(CHANGED)
    } else {
        ExitCode::SUCCESS
    }
}
