//! tollgate (compiled tables, reference interpreter) and Cedar on the same
//! questions: ns per decision (p50, p99 ...) from single decisions timed into
//! HDR histograms, and the ratios. Prints a Markdown table and, with
//! `--json`, one JSON object.
//!
//! ```sh
//! cargo run --release -p tollgate-benches --example cedar_compare            # ~1 min
//! cargo run --release -p tollgate-benches --example cedar_compare -- --quick # seconds
//! ```

use std::time::Duration;

use cedar_policy::Authorizer;
use serde_json::json;
use tollgate_benches::cedar::Comparison;
use tollgate_benches::latency::{Latency, measure};
use tollgate_benches::{SEED, or_exit};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick");
    let as_json = args.iter().any(|a| a == "--json");
    let (budget, questions) = if quick {
        (Duration::from_millis(100), 200)
    } else {
        (Duration::from_secs(4), 2_000)
    };
    // 10: `small`; 100: an `enterprise` principal's identity statements
    // (inline, groups' and attached, ~60-200); 1,000 for the trend.
    let sizes: &[usize] = if quick { &[10, 100] } else { &[10, 100, 1_000] };
    let authorizer = Authorizer::new();
    let mut rows = Vec::new();
    for &size in sizes {
        let c = or_exit(
            Comparison::generated(size, SEED, questions),
            "building the comparison",
        );
        let compiled = measure(c.questions.len(), budget, |i| {
            tollgate_engine::decide(&c.tables, &c.questions[i].request)
                == tollgate_policy::DecisionKind::Allowed
        });
        let reference = measure(c.questions.len(), budget, |i| {
            tollgate_reference::evaluate(&c.policies, &c.questions[i].request).kind
                == tollgate_policy::DecisionKind::Allowed
        });
        let cedar = measure(c.questions.len(), budget, |i| {
            c.cedar_allows(&authorizer, &c.questions[i])
        });
        rows.push((
            size,
            c.kept_statements,
            c.generated_statements,
            compiled,
            reference,
            cedar,
        ));
    }
    if as_json {
        let out: Vec<_> = rows
            .iter()
            .map(|(size, kept, generated, compiled, reference, cedar)| {
                let l = |l: &Latency| json!({"p50": l.p50, "p90": l.p90, "p99": l.p99, "p99.9": l.p999, "max": l.max, "mean": l.mean, "count": l.count});
                json!({"statements": size, "kept": kept, "generated": generated,
                       "tollgate": l(compiled), "reference": l(reference), "cedar": l(cedar),
                       "cedar_over_tollgate_p50": cedar.p50 as f64 / compiled.p50.max(1) as f64,
                       "cedar_over_tollgate_p99": cedar.p99 as f64 / compiled.p99.max(1) as f64})
            })
            .collect();
        println!("{}", json!(out));
        return;
    }
    println!(
        "| statements (kept of generated) | engine | p50 ns | p99 ns | p99.9 ns | mean ns | Cedar / this (p50, p99) |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|");
    for (size, kept, generated, compiled, reference, cedar) in &rows {
        for (name, l) in [
            ("tollgate", compiled),
            ("reference", reference),
            ("Cedar", cedar),
        ] {
            println!(
                "| {size} ({kept} of {generated}) | {name} | {} | {} | {} | {:.0} | {:.1}x, {:.1}x |",
                l.p50,
                l.p99,
                l.p999,
                l.mean,
                cedar.p50 as f64 / l.p50.max(1) as f64,
                cedar.p99 as f64 / l.p99.max(1) as f64
            );
        }
    }
}
