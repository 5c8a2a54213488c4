//! Per-decision latency: the allowed, explicitly denied and implicitly denied
//! probe requests against generated sets of 10, 1,000 and 100,000 statements
//! (`decide`, the request path, and `evaluate` with its explanation), the same
//! with no `"Resource": "*"` statement (`decide_scoped`), and requests against
//! sets of AWS managed policies. Every request's answer is
//! checked before it is timed.

#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented `pub fn benches`"
)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use tollgate_benches::{
    SIZES, check, compile, generated_set, managed_workloads, probe_cases, scoped_set,
};

fn generated(c: &mut Criterion) {
    let cases = probe_cases();
    let compiled: Vec<_> = SIZES
        .iter()
        .map(|&size| {
            let tables = compile(&generated_set(size));
            for (name, expected, request) in &cases {
                check(
                    &tables,
                    request,
                    *expected,
                    &format!("{name} at {size} statements"),
                );
            }
            (size, tables)
        })
        .collect();

    let mut group = c.benchmark_group("decide");
    for (size, tables) in &compiled {
        for (name, _, request) in &cases {
            group.bench_with_input(BenchmarkId::new(*name, size), request, |b, request| {
                b.iter(|| tollgate_engine::decide(black_box(tables), black_box(request)))
            });
        }
    }
    group.finish();

    let mut group = c.benchmark_group("decide_scoped");
    for size in SIZES {
        let tables = compile(&scoped_set(size));
        for (name, expected, request) in &cases {
            check(
                &tables,
                request,
                *expected,
                &format!("{name} at {size} scoped statements"),
            );
            group.bench_with_input(BenchmarkId::new(*name, size), request, |b, request| {
                b.iter(|| tollgate_engine::decide(black_box(&tables), black_box(request)))
            });
        }
    }
    group.finish();

    let mut group = c.benchmark_group("evaluate");
    for (size, tables) in &compiled {
        for (name, _, request) in &cases {
            group.bench_with_input(BenchmarkId::new(*name, size), request, |b, request| {
                b.iter(|| tollgate_engine::evaluate(black_box(tables), black_box(request)))
            });
        }
    }
    group.finish();
}

fn managed(c: &mut Criterion) {
    let mut group = c.benchmark_group("decide_managed");
    for workload in managed_workloads() {
        let tables = compile(&workload.set);
        for (name, expected, request) in &workload.requests {
            let id = format!("{}/{name}", workload.name);
            check(&tables, request, *expected, &id);
            group.bench_function(&id, |b| {
                b.iter(|| tollgate_engine::decide(black_box(&tables), black_box(request)))
            });
        }
    }
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .without_plots()
}

criterion_group! {
    name = benches;
    config = config();
    targets = generated, managed
}
criterion_main!(benches);
