//! `tollgate bench --store DIR --requests FILE`: in-process decision latency
//! on one's own store: every request of the file is decided by the loaded
//! store, each timed alone into an HDR histogram (p50, p90, p99, p99.9,
//! max), then the whole file is decided in a loop without per-call timers
//! for the throughput of one core (decisions/s).
//!
//! The request file is the JSON Lines format `tollgate workload` writes
//! (`tollgate_workload::requests`); requests with `expect` are checked, and a
//! wrong answer makes the exit status 1.

use std::hint::black_box;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use hdrhistogram::Histogram;
use serde_json::json;
use tollgate_policy::{DecisionKind, Request};
use tollgate_store::Store;
use tollgate_workload::parse_request_lines;
use tollgate_workload::requests::expect_str;

/// Measure in-process decision latency on a store with a request file.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
The request file has one JSON object per line:
  {\"principal\": ARN, \"action\": A, \"resource\": ARN,
   \"context\": {KEY: [VALUE, ...]}, \"expect\": \"ALLOWED\"|\"EXPLICIT_DENY\"|\"IMPLICIT_DENY\"}
(`context` and `expect` optional); `tollgate workload` writes such files.

Each request is timed alone (Instant::now around Store::decide; the timer's
own cost is measured and printed, not subtracted), for --seconds in all,
after one untimed pass to warm caches. Then the file is decided in a loop
without per-call timers for decisions/s on one core.

Exit status: 0; 1 when a request's answer differs from its `expect`; 2 on
usage or input errors.")]
pub struct BenchArgs {
    /// The store folder.
    #[arg(long, value_name = "DIR")]
    store: PathBuf,
    /// The request file (JSON Lines).
    #[arg(long, value_name = "FILE")]
    requests: PathBuf,
    /// How long to time individual decisions, in seconds.
    #[arg(long, default_value_t = 3.0)]
    seconds: f64,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// Also list the N requests slowest to decide (each timed 5 times, the
    /// fastest of the 5 kept), on stderr.
    #[arg(long, value_name = "N", default_value_t = 0)]
    slowest: usize,
    /// Also write the latency distribution as CSV (`quantile,ns`), for a
    /// CDF plot.
    #[arg(long, value_name = "FILE")]
    distribution: Option<PathBuf>,
}

/// Runs the subcommand.
pub fn main(args: &BenchArgs) -> ExitCode {
    match run(args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("tollgate bench: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// The figures of one run.
struct Report {
    load_seconds: f64,
    statements: usize,
    principals: usize,
    requests: usize,
    timed: u64,
    timer_ns: f64,
    histogram: Histogram<u64>,
    decisions_per_second: f64,
    counts: [usize; 3],
    wrong: Vec<String>,
}

fn run(args: &BenchArgs) -> Result<bool> {
    if !(args.seconds > 0.0 && args.seconds.is_finite()) {
        bail!("--seconds: must be a positive number");
    }
    let text = std::fs::read_to_string(&args.requests)
        .with_context(|| format!("--requests: cannot read {}", args.requests.display()))?;
    let lines = parse_request_lines(&text)
        .with_context(|| format!("--requests: {}", args.requests.display()))?;
    if lines.is_empty() {
        bail!("--requests: {} holds no request", args.requests.display());
    }
    let requests: Vec<(Request, Option<DecisionKind>)> = lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            line.to_request()
                .map(|r| (r, line.expect))
                .with_context(|| format!("--requests: request {}", i + 1))
        })
        .collect::<Result<_>>()?;
    let started = Instant::now();
    let store = Store::load_dir(&args.store)
        .with_context(|| format!("--store: {}", args.store.display()))?;
    let load_seconds = started.elapsed().as_secs_f64();

    // Check every answer once (also warms the caches).
    let mut counts = [0usize; 3];
    let mut wrong = Vec::new();
    for (i, (request, expect)) in requests.iter().enumerate() {
        let kind = store.decide(request, None).kind;
        counts[slot(kind)] += 1;
        if let Some(expect) = expect
            && *expect != kind
        {
            wrong.push(format!(
                "request {}: expected {}, got {}",
                i + 1,
                expect_str(*expect),
                expect_str(kind)
            ));
        }
    }

    let timer_ns = timer_cost();
    let mut histogram = Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3)
        .context("creating the histogram")?;
    let budget = Duration::from_secs_f64(args.seconds);
    let begin = Instant::now();
    let mut timed = 0u64;
    'outer: loop {
        for (request, _) in &requests {
            let t = Instant::now();
            black_box(store.decide(black_box(request), None));
            let ns = t.elapsed().as_nanos() as u64;
            histogram.saturating_record(ns.max(1));
            timed += 1;
            if timed.is_multiple_of(1024) && begin.elapsed() >= budget {
                break 'outer;
            }
        }
        if begin.elapsed() >= budget {
            break;
        }
    }
    // Throughput: whole passes without per-call timers, about a third of the budget.
    let passes_start = Instant::now();
    let mut decided = 0u64;
    while decided == 0 || passes_start.elapsed() < budget / 3 {
        for (request, _) in &requests {
            black_box(store.decide(black_box(request), None));
        }
        decided += requests.len() as u64;
    }
    let decisions_per_second = decided as f64 / passes_start.elapsed().as_secs_f64();

    let stats = store.stats();
    let report = Report {
        load_seconds,
        statements: stats.statements,
        principals: stats.principals,
        requests: requests.len(),
        timed,
        timer_ns,
        histogram,
        decisions_per_second,
        counts,
        wrong,
    };
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", to_json(&report))?;
    } else {
        write_table(&mut out, &report)?;
    }
    if let Some(path) = &args.distribution {
        let mut csv = String::from("quantile,ns\n");
        for step in report.histogram.iter_quantiles(4) {
            csv.push_str(&format!(
                "{:.6},{}\n",
                step.quantile_iterated_to(),
                step.value_iterated_to()
            ));
        }
        std::fs::write(path, csv)
            .with_context(|| format!("--distribution: writing {}", path.display()))?;
    }
    if args.slowest > 0 {
        let mut times: Vec<(u128, usize)> = requests
            .iter()
            .enumerate()
            .map(|(i, (request, _))| {
                let best = (0..5)
                    .map(|_| {
                        let t = Instant::now();
                        black_box(store.decide(black_box(request), None));
                        t.elapsed().as_nanos()
                    })
                    .min()
                    .unwrap_or_default();
                (best, i)
            })
            .collect();
        times.sort_unstable_by(|a, b| b.cmp(a));
        for (ns, i) in times.iter().take(args.slowest) {
            eprintln!(
                "slow: {ns} ns: request {}: {}",
                i + 1,
                lines[*i].to_json_line()
            );
        }
    }
    for line in report.wrong.iter().take(20) {
        eprintln!("tollgate bench: {line}");
    }
    Ok(report.wrong.is_empty())
}

fn slot(kind: DecisionKind) -> usize {
    match kind {
        DecisionKind::Allowed => 0,
        DecisionKind::ExplicitDeny => 1,
        DecisionKind::ImplicitDeny => 2,
    }
}

/// The cost of one `Instant::now` pair with nothing between, in ns (median
/// of a short run): what each timed figure includes beside the decision.
fn timer_cost() -> f64 {
    let mut samples: Vec<u64> = (0..10_001)
        .map(|_| {
            let t = Instant::now();
            black_box(());
            t.elapsed().as_nanos() as u64
        })
        .collect();
    samples.sort_unstable();
    samples[samples.len() / 2] as f64
}

fn to_json(r: &Report) -> serde_json::Value {
    let h = &r.histogram;
    json!({
        "store": {"statements": r.statements, "principals": r.principals, "load_seconds": r.load_seconds},
        "requests": r.requests,
        "answers": {"allowed": r.counts[0], "explicit_deny": r.counts[1], "implicit_deny": r.counts[2]},
        "wrong_answers": r.wrong.len(),
        "timed_decisions": r.timed,
        "timer_overhead_ns": r.timer_ns,
        "latency_ns": {
            "p50": h.value_at_quantile(0.50),
            "p90": h.value_at_quantile(0.90),
            "p99": h.value_at_quantile(0.99),
            "p99.9": h.value_at_quantile(0.999),
            "max": h.max(),
            "mean": h.mean(),
        },
        "decisions_per_second": r.decisions_per_second,
    })
}

fn write_table(out: &mut impl Write, r: &Report) -> std::io::Result<()> {
    let h = &r.histogram;
    writeln!(
        out,
        "store: {} principals, {} statements, loaded in {:.2} s",
        r.principals, r.statements, r.load_seconds
    )?;
    writeln!(
        out,
        "requests: {} ({} allowed, {} explicit deny, {} implicit deny), {} wrong answers",
        r.requests,
        r.counts[0],
        r.counts[1],
        r.counts[2],
        r.wrong.len()
    )?;
    writeln!(
        out,
        "timed {} decisions (timer overhead {:.0} ns each, included)",
        r.timed, r.timer_ns
    )?;
    writeln!(
        out,
        "| p50 | p90 | p99 | p99.9 | max | mean | decisions/s (1 core) |"
    )?;
    writeln!(out, "|---:|---:|---:|---:|---:|---:|---:|")?;
    writeln!(
        out,
        "| {} ns | {} ns | {} ns | {} ns | {} ns | {:.0} ns | {:.0} |",
        h.value_at_quantile(0.50),
        h.value_at_quantile(0.90),
        h.value_at_quantile(0.99),
        h.value_at_quantile(0.999),
        h.max(),
        h.mean(),
        r.decisions_per_second
    )
}
