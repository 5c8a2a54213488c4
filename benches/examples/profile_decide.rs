//! Runs one probe request through `decide` (or `evaluate`) many times, for a
//! profiler: `cargo build --release -p tollgate-benches --example
//! profile_decide`, then e.g. `valgrind --tool=callgrind
//! target/release/examples/profile_decide 100000 allowed 10000`.
//!
//! Arguments: statements (default 100000), probe (`allowed`, `explicit_deny`,
//! `implicit_deny`; default `allowed`), iterations (default 1000000), and
//! `evaluate` to profile the explaining path. `scoped` as the statements
//! prefix (`scoped100000`) uses the set without `"Resource": "*"`.

use std::hint::black_box;
use std::time::Instant;

use tollgate_benches::{check, compile, generated_set, probe_cases, scoped_set};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let size_arg = args.first().map_or("100000", String::as_str);
    let (scoped, size_text) = match size_arg.strip_prefix("scoped") {
        Some(rest) => (true, rest),
        None => (false, size_arg),
    };
    let Ok(size) = size_text.parse::<usize>() else {
        eprintln!("statements must be a number, optionally after `scoped`: {size_arg}");
        std::process::exit(2);
    };
    let probe = args.get(1).map_or("allowed", String::as_str);
    let iterations: u64 = args
        .get(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let explain = args.get(3).is_some_and(|s| s == "evaluate");

    let set = if scoped {
        scoped_set(size)
    } else {
        generated_set(size)
    };
    let tables = compile(&set);
    let Some((name, expected, request)) = probe_cases().into_iter().find(|(n, _, _)| *n == probe)
    else {
        eprintln!("unknown probe `{probe}`");
        std::process::exit(2);
    };
    check(&tables, &request, expected, name);

    let start = Instant::now();
    for _ in 0..iterations {
        if explain {
            black_box(tollgate_engine::evaluate(
                black_box(&tables),
                black_box(&request),
            ));
        } else {
            black_box(tollgate_engine::decide(
                black_box(&tables),
                black_box(&request),
            ));
        }
    }
    let elapsed = start.elapsed();
    println!(
        "{name} at {size_arg}: {:.1} ns per decision over {iterations}",
        elapsed.as_nanos() as f64 / iterations as f64
    );
}
