//! Scale figures: compile time and peak resident memory, and decision
//! latency versus statement count.
//!
//! ```sh
//! # decision latency vs statements (10 .. 1,000,000), CSV on stdout:
//! cargo run --release -p tollgate-benches --example scale -- sweep > latency.csv
//! # compile time and peak memory of one generated set (a fresh process each):
//! cargo run --release -p tollgate-benches --example scale -- set 1000000
//! # ... of a store folder (`tollgate workload --name enterprise --out DIR`):
//! cargo run --release -p tollgate-benches --example scale -- store DIR/store
//! # everything small, for CI:
//! cargo run --release -p tollgate-benches --example scale -- --quick
//! ```
//!
//! Peak memory is the process's `VmHWM` (Linux `/proc/self/status`): it
//! includes the generated JSON and parsed policies, as a server loading a
//! store holds them too while compiling.

use std::time::{Duration, Instant};

use serde_json::json;
use tollgate_benches::latency::measure;
use tollgate_benches::{SEED, compile, generated_set, or_exit, probe_cases};

fn status_kib(field: &str) -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

fn set(statements: usize) {
    let started = Instant::now();
    let policies = generated_set(statements);
    let generated = started.elapsed();
    let started = Instant::now();
    let tables = compile(&policies);
    let compiled = started.elapsed();
    println!(
        "{}",
        json!({"what": "set", "statements": statements, "generate_s": generated.as_secs_f64(),
               "compile_s": compiled.as_secs_f64(), "peak_rss_mib": status_kib("VmHWM:").unwrap_or(0) / 1024,
               "rss_mib": status_kib("VmRSS:").unwrap_or(0) / 1024})
    );
    drop(tables);
}

fn store(dir: &str) {
    let started = Instant::now();
    let store = or_exit(tollgate_store::Store::load_dir(dir), "loading the store");
    let loaded = started.elapsed();
    let stats = store.stats();
    println!(
        "{}",
        json!({"what": "store", "dir": dir, "principals": stats.principals, "statements": stats.statements,
               "resource_policies": stats.resource_policies, "load_s": loaded.as_secs_f64(),
               "peak_rss_mib": status_kib("VmHWM:").unwrap_or(0) / 1024,
               "rss_mib": status_kib("VmRSS:").unwrap_or(0) / 1024})
    );
}

fn sweep(sizes: &[usize], budget: Duration) {
    println!("statements,probe,p50_ns,p90_ns,p99_ns,p999_ns,mean_ns,compile_s");
    let cases = probe_cases();
    for &size in sizes {
        let policies = generated_set(size);
        let started = Instant::now();
        let tables = compile(&policies);
        let compile_s = started.elapsed().as_secs_f64();
        drop(policies);
        for (name, expected, request) in &cases {
            if tollgate_engine::decide(&tables, request) != *expected {
                eprintln!("{name} at {size}: wrong answer");
                std::process::exit(1);
            }
            let l = measure(1, budget, |_| {
                tollgate_engine::decide(&tables, request) == *expected
            });
            println!(
                "{size},{name},{},{},{},{},{:.1},{compile_s:.3}",
                l.p50, l.p90, l.p99, l.p999, l.mean
            );
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    match words.as_slice() {
        ["--quick"] | [] => {
            sweep(&[10, 100, 1_000], Duration::from_millis(50));
            set(1_000);
        }
        ["sweep"] => sweep(
            &[10, 100, 1_000, 10_000, 100_000, 1_000_000],
            Duration::from_secs(2),
        ),
        ["set", n] => set(or_exit(n.parse::<usize>(), "the statement count")),
        ["store", dir] => store(dir),
        _ => {
            eprintln!("usage: scale [--quick | sweep | set N | store DIR]  (seed {SEED})");
            std::process::exit(2);
        }
    }
}
