//! `tollgate publish DIR URL`: checks a store folder as the sidecar would
//! load it, then publishes it to object storage as a new revision
//! (`tollgate-bundle`).
//!
//! Output (stdout): `warning: ...` lines for the store's warnings, one
//! `added: PATH`, `removed: PATH` or `changed: PATH` line per file that
//! differs from the published revision, then one summary line:
//! `published: revision REV (previous PREV|none); N added, N removed, N
//! changed; N objects uploaded`, `already published: revision REV` or
//! `dry run: revision REV (previous PREV|none); N added, N removed, N
//! changed; N objects to upload; nothing written`; with `--sign-key`, a
//! `signed: key KEYID` line before the summary; when published, a
//! `sequence: N, expires TIME` line (the manifest's rollback and freeze
//! protection, see docs/signing.md) before that. A store that does not load
//! gives `error: FILE: JSON-PATH: MESSAGE` lines and `refused: ...`.
//!
//! Exit status: 0 published (or nothing to do); 1 refused: the store does
//! not load; 4 conflict: another revision was published since it was read;
//! 2 usage, storage or I/O errors.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use tollgate_bundle::{
    BundleError, Location, LocationOptions, PublishOptions, PublishOutcome, PublishReport, SignKey,
};

/// Exit status when another revision was published meanwhile.
const EXIT_CONFLICT: u8 = 4;
/// Exit status for usage, storage and I/O errors.
const EXIT_ERROR: u8 = 2;

/// Publish a policy store folder to object storage (S3, S3-compatible,
/// GCS, Azure, or a local folder) as a new revision that sidecars fetch.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
URL: s3://BUCKET/PREFIX, gs://BUCKET/PREFIX, az://CONTAINER/PREFIX (or
azure://), file:///ABSOLUTE/PATH. Credentials come from the environment:
AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION;
GOOGLE_SERVICE_ACCOUNT, GOOGLE_APPLICATION_CREDENTIALS; AZURE_STORAGE_ACCOUNT_NAME,
AZURE_STORAGE_ACCOUNT_KEY ...

The folder is loaded and compiled first; a store that does not load is not
published. Objects are uploaded under PREFIX/objects/sha256/, then
PREFIX/manifest.json is written last, only if it is still the one read at
the start: two publishes from the same base cannot overwrite each other.

Prints the store's warnings, the files added, removed and changed since the
published revision, and a summary with the revision and the number of
objects uploaded.

Exit status: 0 published, or already published, or dry run; 1 refused: the
store does not load; 4 conflict: the store changed since it was read (fetch,
review and publish again); 2 usage, storage or I/O errors.")]
pub struct PublishArgs {
    /// The store folder.
    #[arg(value_name = "DIR")]
    dir: PathBuf,

    /// Where to publish: s3://, gs://, az://, azure:// or file:// URL.
    #[arg(value_name = "URL")]
    url: String,

    /// The endpoint of an S3-compatible server (path-style requests; http://
    /// allows plain HTTP) or of an Azure emulator.
    #[arg(long, value_name = "URL", env = "TOLLGATE_STORE_ENDPOINT")]
    store_endpoint: Option<String>,

    /// Check and compare, but write nothing.
    #[arg(long)]
    dry_run: bool,

    /// Who publishes, recorded in the manifest.
    #[arg(long, value_name = "NAME", env = "TOLLGATE_PUBLISHER")]
    publisher: Option<String>,

    /// Sign the revision with this Ed25519 private key (PKCS#8 PEM, from
    /// `tollgate keygen` or `openssl genpkey -algorithm ed25519`).
    #[arg(long, value_name = "FILE", env = "TOLLGATE_SIGN_KEY")]
    sign_key: Option<PathBuf>,

    /// The new manifest's sequence number, above the published one's
    /// [default: the published one's + 1, or 1]
    #[arg(long, value_name = "N")]
    sequence: Option<u64>,

    /// How long the manifest stays fresh: a number with `s`, `m`, `h` or
    /// `d`; sidecars report an expired one. Publishing the same files again
    /// renews it once less than half is left [default: 30d]
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, env = "TOLLGATE_EXPIRES_IN")]
    expires_in: Option<Duration>,
}

/// The longest `--expires-in`: ten years.
const MAX_EXPIRES_IN: Duration = Duration::from_secs(10 * 366 * 24 * 3600);

/// Parses `90s`, `15m`, `12h`, `30d` (a positive whole number and a unit).
fn parse_duration(text: &str) -> Result<Duration, String> {
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("`{text}` has no unit: use s, m, h or d (such as `30d`)"))?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` does not start with a whole number"))?;
    let unit_secs = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("`{text}`: the unit is one of s, m, h or d")),
    };
    let duration = Duration::from_secs(number.saturating_mul(unit_secs));
    if duration.is_zero() || duration > MAX_EXPIRES_IN {
        return Err(format!("`{text}`: must be more than 0 and at most 3660d"));
    }
    Ok(duration)
}

/// Runs the subcommand on the process's stdout.
pub fn main(args: &PublishArgs) -> ExitCode {
    let options = LocationOptions {
        endpoint: args.store_endpoint.clone(),
        ..LocationOptions::default()
    };
    let location = match Location::parse(&args.url, &options) {
        Ok(location) => location,
        Err(e) => return fail(&e, EXIT_ERROR),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("tollgate publish: cannot start the async runtime: {e}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let sign_key = match args.sign_key.as_deref().map(SignKey::read).transpose() {
        Ok(key) => key,
        Err(e) => return fail(&e, EXIT_ERROR),
    };
    let options = PublishOptions {
        dry_run: args.dry_run,
        publisher: args.publisher.clone(),
        sign_key,
        sequence: args.sequence,
        expires_in: args.expires_in,
        ..PublishOptions::default()
    };
    let result = runtime.block_on(tollgate_bundle::publish(&args.dir, &location, &options));
    let mut out = io::stdout().lock();
    let (written, code) = match &result {
        Ok(report) => (write_report(&mut out, report), ExitCode::SUCCESS),
        Err(BundleError::Invalid(error)) => {
            let faults = error.faults();
            let written = faults
                .iter()
                .try_for_each(|fault| writeln!(out, "error: {fault}"))
                .and_then(|()| match faults.len() {
                    0 => writeln!(out, "refused: {error}; nothing was published"),
                    n => writeln!(
                        out,
                        "refused: the store does not load ({n} error{}); nothing was published",
                        if n == 1 { "" } else { "s" }
                    ),
                });
            (written, ExitCode::FAILURE)
        }
        Err(e @ BundleError::Conflict { .. }) => return fail(e, EXIT_CONFLICT),
        Err(e) => return fail(e, EXIT_ERROR),
    };
    match written.and_then(|()| out.flush()) {
        Ok(()) => code,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => code,
        Err(e) => {
            eprintln!("tollgate publish: cannot write the report: {e}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn fail(error: &BundleError, code: u8) -> ExitCode {
    eprintln!("tollgate publish: {error}");
    ExitCode::from(code)
}

fn write_report(out: &mut impl Write, report: &PublishReport) -> io::Result<()> {
    for warning in &report.warnings {
        writeln!(out, "warning: {warning}")?;
    }
    let diff = &report.diff;
    for (kind, paths) in [
        ("added", &diff.added),
        ("removed", &diff.removed),
        ("changed", &diff.changed),
    ] {
        for path in paths {
            writeln!(out, "{kind}: {path}")?;
        }
    }
    let previous = report.previous_revision.as_deref().unwrap_or("none");
    let counts = format!(
        "{} added, {} removed, {} changed",
        diff.added.len(),
        diff.removed.len(),
        diff.changed.len()
    );
    if report.outcome == PublishOutcome::Published
        && let (Some(sequence), Some(expires_at)) = (report.sequence, &report.expires_at)
    {
        writeln!(out, "sequence: {sequence}, expires {expires_at}")?;
    }
    if let Some(key_id) = &report.signed_by {
        writeln!(out, "signed: key {key_id}")?;
    }
    let objects = |n: usize| format!("{n} object{}", if n == 1 { "" } else { "s" });
    match report.outcome {
        PublishOutcome::Published => writeln!(
            out,
            "published: revision {} (previous {previous}); {counts}; {} uploaded",
            report.revision,
            objects(report.uploaded)
        ),
        PublishOutcome::AlreadyPublished => {
            writeln!(out, "already published: revision {}", report.revision)
        }
        PublishOutcome::DryRun => writeln!(
            out,
            "dry run: revision {} (previous {previous}); {counts}; {} to upload; nothing written",
            report.revision,
            objects(report.uploaded)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_have_a_unit_and_bounds() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("12h"), Ok(Duration::from_secs(12 * 3600)));
        assert_eq!(parse_duration("30d"), Ok(Duration::from_secs(30 * 86_400)));
        for bad in [
            "",
            "30",
            "d",
            "0d",
            "-1d",
            "1w",
            "99999999999999999999d",
            "4000d",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
