//! `tollgate workload --name NAME --seed N --out DIR`: writes a generated
//! store (`small`, `enterprise` or `huge`) as a store folder, `DIR/store/`,
//! and requests with their answers, `DIR/requests.jsonl`, for `tollgate
//! bench`, the load tester, or one's own experiments.
//!
//! The store is loaded with `Store::load_dir` after writing, exactly as a
//! server would load it, and every request is answered by it: the file's
//! `expect` is that answer (the workload crate's tests check samples of
//! them against the reference interpreter).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use tollgate_store::Store;
use tollgate_workload::{RequestMix, StoreShape, StoreWorkload, draw_requests};

/// Write a generated policy store and a request file with known answers.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Writes DIR/store/ (a store folder, see docs/policy-store.md) and
DIR/requests.jsonl: one JSON object per line,
  {\"principal\": ARN, \"action\": A, \"resource\": ARN,
   \"context\": {KEY: [VALUE, ...]}, \"expect\": \"ALLOWED\"|\"EXPLICIT_DENY\"|\"IMPLICIT_DENY\"}
with 50% allowed, 15% explicitly denied and 35% implicitly denied requests.
docs/performance.md describes the workloads. DIR/store/ must not exist yet.")]
pub struct WorkloadArgs {
    /// The workload: small (1 principal, 10 statements), enterprise (10,000
    /// principals, ~200,000 statements) or huge (~1,000,000 statements).
    #[arg(long, value_name = "NAME")]
    name: String,
    /// The seed: the same name and seed give the same files.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// How many requests to write.
    #[arg(long, default_value_t = 10_000)]
    requests: usize,
    /// The output folder.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

/// Runs the subcommand.
pub fn main(args: &WorkloadArgs) -> ExitCode {
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tollgate workload: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &WorkloadArgs) -> Result<()> {
    let Some(shape) = StoreShape::named(&args.name) else {
        bail!(
            "--name: unknown workload `{}` (small, enterprise or huge)",
            args.name
        );
    };
    let store_dir = args.out.join("store");
    if store_dir.exists() {
        bail!("--out: {} exists already", store_dir.display());
    }
    let started = Instant::now();
    let workload = StoreWorkload::generate(&shape, args.seed);
    write_files(&store_dir, &workload)?;
    eprintln!(
        "wrote {} files ({} generated statements) to {} in {:.1} s",
        workload.files.len(),
        workload.generated_statements,
        store_dir.display(),
        started.elapsed().as_secs_f64()
    );
    let loaded = Instant::now();
    let store = Store::load_dir(&store_dir)
        .with_context(|| format!("the written store {} does not load", store_dir.display()))?;
    let stats = store.stats();
    eprintln!(
        "loaded it in {:.1} s: {} principals, {} statements, {} resource policies",
        loaded.elapsed().as_secs_f64(),
        stats.principals,
        stats.statements,
        stats.resource_policies
    );
    let requests = draw_requests(
        &workload,
        args.requests,
        args.seed,
        RequestMix::default(),
        |request| store.decide(request, None).kind,
    )
    .context("drawing requests")?;
    let path = args.out.join("requests.jsonl");
    let mut text = String::with_capacity(requests.len() * 300);
    for request in &requests {
        text.push_str(&request.to_json_line());
        text.push('\n');
    }
    fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{}: store {} (revision {}), {} requests in {}",
        args.name,
        store_dir.display(),
        store.revision(),
        requests.len(),
        path.display()
    )?;
    Ok(())
}

fn write_files(root: &Path, workload: &StoreWorkload) -> Result<()> {
    for (path, bytes) in &workload.files {
        let target = root.join(path);
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
        }
        fs::write(&target, bytes).with_context(|| format!("writing {}", target.display()))?;
    }
    Ok(())
}
