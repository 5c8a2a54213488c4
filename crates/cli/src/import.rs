//! `tollgate import --out DIR EXPORT...`: turns `aws iam
//! get-account-authorization-details` exports (CLI JSON or boto3 dumps, one
//! page or several, one account or many mixed) into a store folder, one
//! `accounts/ACCOUNT/authorization-details.json` per account
//! (`tollgate_store::import`). The result is loaded and compiled before
//! anything is written, so a store that `import` writes always loads; the
//! folder is written whole (into a temporary sibling, then renamed), never
//! half.
//!
//! Output (stdout): `warning: ...` lines, then `imported N accounts (IDS)
//! into DIR` and the `validate` summary of the new store. Faults go to
//! stdout as `error: FILE: JSON-PATH: MESSAGE` lines.
//!
//! Exit status: 0 written; 1 the exports have faults or do not make a store
//! that loads (nothing is written); 2 an export or the output folder cannot
//! be read or written.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::Value;
use tollgate_store::files::read_regular;
use tollgate_store::import::split_authorization_details;
use tollgate_store::{Store, StoreLimits};

use crate::validate::{report_error, report_store};

/// Exit status when the exports are faulty or make no loadable store.
const INVALID: u8 = 1;
/// Exit status when a file cannot be read or the output cannot be written.
const IO_ERROR: u8 = 2;

/// Make a store folder from `get-account-authorization-details` exports.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Each EXPORT is the JSON output of `aws iam get-account-authorization-details`
(or of boto3's get_account_authorization_details); give every page. Entries
are sorted into accounts by their ARNs; the store is checked before it is
written to DIR, which must not exist or be empty.

Exit status: 0 written; 1 the exports have faults or do not load as a store
(nothing written); 2 a file cannot be read or written.")]
pub struct ImportArgs {
    /// The store folder to write (must not exist, or be empty).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,

    /// The export files (all pages).
    #[arg(required = true, value_name = "EXPORT")]
    exports: Vec<PathBuf>,
}

/// Runs the subcommand.
pub fn main(args: &ImportArgs) -> ExitCode {
    match run(args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("tollgate import: {message}");
            ExitCode::from(IO_ERROR)
        }
    }
}

fn run(args: &ImportArgs) -> Result<ExitCode, String> {
    check_output(&args.out)?;
    let limits = StoreLimits::default();
    let mut exports = Vec::with_capacity(args.exports.len());
    for path in &args.exports {
        let limit = u64::try_from(limits.max_file_bytes).unwrap_or(u64::MAX);
        let bytes = read_regular(path, limit).map_err(|e| e.to_string())?;
        let value: Value = serde_json::from_slice(&bytes)
            .map_err(|e| format!("{}: not JSON: {e}", path.display()))?;
        exports.push((path.display().to_string(), value));
    }
    let split = match split_authorization_details(&exports) {
        Ok(split) => split,
        Err(error) => {
            for fault in &error.0 {
                println!("error: {fault}");
            }
            println!("invalid: {} error(s); nothing written", error.0.len());
            return Ok(ExitCode::from(INVALID));
        }
    };
    for warning in &split.warnings {
        println!("warning: {warning}");
    }
    let mut files = BTreeMap::new();
    for (account, document) in &split.accounts {
        let text = serde_json::to_vec_pretty(document)
            .map_err(|e| format!("cannot write account {account}: {e}"))?;
        files.insert(
            format!("accounts/{account}/authorization-details.json"),
            text,
        );
    }
    let store = match Store::from_files_with_limits(files.clone(), &limits) {
        Ok(store) => store,
        Err(error) => {
            let mut out = std::io::stdout().lock();
            report_error(&mut out, &error).map_err(|e| e.to_string())?;
            println!("nothing written");
            return Ok(ExitCode::from(INVALID));
        }
    };
    write_store(&args.out, &files)?;
    let ids: Vec<&str> = split.accounts.keys().map(String::as_str).collect();
    println!(
        "imported {} account(s) ({}) into {}",
        ids.len(),
        ids.join(", "),
        args.out.display()
    );
    let mut out = std::io::stdout().lock();
    report_store(&mut out, &store).map_err(|e| e.to_string())?;
    Ok(ExitCode::SUCCESS)
}

/// The output folder must not exist or be empty: `import` never mixes its
/// files with others.
fn check_output(out: &Path) -> Result<(), String> {
    match std::fs::read_dir(out) {
        Ok(mut entries) => match entries.next() {
            None => Ok(()),
            Some(_) => Err(format!(
                "{}: the output folder is not empty; give a new folder",
                out.display()
            )),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("{}: {e}", out.display())),
    }
}

/// Writes the files into a temporary sibling of `out`, then renames it to
/// `out`, so the folder appears whole or not at all.
fn write_store(out: &Path, files: &BTreeMap<String, Vec<u8>>) -> Result<(), String> {
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "store".to_owned());
    let staging = parent.join(format!(".{name}.import-{}", std::process::id()));
    let result = (|| {
        for (relative, bytes) in files {
            let path = staging.join(relative);
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            }
            std::fs::write(&path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        }
        // An empty output folder is replaced; rename cannot replace a
        // non-empty one, and check_output refused those.
        if out.exists() {
            std::fs::remove_dir(out).map_err(|e| format!("{}: {e}", out.display()))?;
        }
        std::fs::rename(&staging, out).map_err(|e| format!("{}: {e}", out.display()))
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    result
}
