//! Compile time: generated identity policy sets of 10, 1,000 and 100,000
//! statements, and all 1,594 AWS managed policies as one identity set.

#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented `pub fn benches`"
)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use tollgate_benches::{SIZES, generated_set, or_exit};
use tollgate_workload::managed;

fn compile_generated(c: &mut Criterion) {
    let mut group = c.benchmark_group("compile");
    for size in SIZES {
        let set = generated_set(size);
        if size >= 100_000 {
            group.sample_size(10);
            group.measurement_time(Duration::from_secs(8));
        }
        group.bench_with_input(BenchmarkId::new("generated", size), &set, |b, set| {
            b.iter(|| tollgate_compiler::compile(black_box(set)))
        });
    }
    group.finish();
}

fn compile_managed(c: &mut Criterion) {
    let set = or_exit(
        managed::all_managed_policy_set(),
        "loading managed policies",
    );
    let mut group = c.benchmark_group("compile");
    group.sample_size(20);
    group.bench_function(
        BenchmarkId::new("all_managed", set.statement_count()),
        |b| b.iter(|| tollgate_compiler::compile(black_box(&set))),
    );
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .without_plots()
}

criterion_group! {
    name = benches;
    config = config();
    targets = compile_generated, compile_managed
}
criterion_main!(benches);
