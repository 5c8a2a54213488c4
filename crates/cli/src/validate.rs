//! `tollgate validate DIR`: loads and compiles a store as the server would,
//! and reports what is wrong with it.
//!
//! Output (stdout): one `error: FILE: JSON-PATH: MESSAGE` line per fault
//! (every fault found, not just the first), one `warning: ...` line per
//! warning, then a summary line: `ok: N accounts, N principals, N policies,
//! N statements, N resource policies, N groups, N warnings; revision REV` or
//! `invalid: N errors`. Warnings include the checks against AWS's service
//! catalog (`tollgate-catalog`; docs/validation.md).
//!
//! Exit status: 0 when the store loads (warnings or not); 1 when it does not.
//! With `--strict`, warnings are errors: each is printed as `error: ...`, the
//! summary is `invalid: N errors (warnings, --strict)`, and the exit status is 1.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use tollgate_store::{Store, StoreError};

/// Check a policy store folder: load and compile it as `tollgate serve`
/// would, and print every error and warning with its file and JSON path.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Prints `error: FILE: JSON-PATH: MESSAGE` and `warning: ...` lines, then a
summary with the store's counts and revision (a content hash).

Warnings include the checks against AWS's service catalog: unknown actions
(with a \"did you mean\"), condition keys and resource types no action of the
statement has, and grammar AWS refuses (docs/validation.md).

Exit status: 0 when the store loads, with or without warnings; 1 when it
does not, or, with --strict, when it has any warning.")]
pub struct ValidateArgs {
    /// The store folder.
    #[arg(value_name = "DIR")]
    dir: PathBuf,

    /// Treat warnings as errors (for CI): print them as `error:` lines and
    /// exit 1 when there is any.
    #[arg(long)]
    strict: bool,
}

/// Runs the subcommand on the process's stdout.
pub fn main(args: &ValidateArgs) -> ExitCode {
    let result = Store::load_dir(&args.dir);
    let mut out = io::stdout().lock();
    let (written, code) = match &result {
        Ok(store) if args.strict && !store.warnings().is_empty() => {
            (report_strict(&mut out, store), ExitCode::FAILURE)
        }
        Ok(store) => (report_store(&mut out, store), ExitCode::SUCCESS),
        Err(error) => (report_error(&mut out, error), ExitCode::FAILURE),
    };
    match written.and_then(|()| out.flush()) {
        Ok(()) => code,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => code,
        Err(e) => {
            eprintln!("tollgate validate: cannot write the report: {e}");
            ExitCode::FAILURE
        }
    }
}

pub(crate) fn report_store(out: &mut impl Write, store: &Store) -> io::Result<()> {
    let warnings = store.warnings();
    for warning in warnings {
        writeln!(out, "warning: {warning}")?;
    }
    let stats = store.stats();
    writeln!(
        out,
        "ok: {}, {}, {}, {}, {}, {}, {}; revision {}",
        plural(stats.accounts, "account"),
        plural(stats.principals, "principal"),
        plural(stats.policies, "policy"),
        plural(stats.statements, "statement"),
        plural(stats.resource_policies, "resource policy"),
        plural(stats.groups, "group"),
        plural(warnings.len(), "warning"),
        store.revision()
    )
}

/// A store whose warnings `--strict` makes errors.
fn report_strict(out: &mut impl Write, store: &Store) -> io::Result<()> {
    let warnings = store.warnings();
    for warning in warnings {
        writeln!(out, "error: {warning}")?;
    }
    writeln!(
        out,
        "invalid: {} (warnings, --strict)",
        plural(warnings.len(), "error")
    )
}

pub(crate) fn report_error(out: &mut impl Write, error: &StoreError) -> io::Result<()> {
    let faults = error.faults();
    if faults.is_empty() {
        writeln!(out, "error: {error}")?;
        return writeln!(out, "invalid: 1 error");
    }
    for fault in faults {
        writeln!(out, "error: {fault}")?;
    }
    writeln!(out, "invalid: {}", plural(faults.len(), "error"))
}

fn plural(count: usize, noun: &str) -> String {
    match (count, noun.strip_suffix('y')) {
        (1, _) => format!("1 {noun}"),
        (_, Some(stem)) => format!("{count} {stem}ies"),
        (_, None) => format!("{count} {noun}s"),
    }
}
