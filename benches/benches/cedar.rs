//! Criterion: tollgate's compiled tables, its reference interpreter and
//! Cedar on the same questions (the translatable subset of generated sets;
//! see `tollgate_benches::cedar`). Each iteration decides every question
//! once; criterion reports the time per round, so divide by the question
//! count (200) for ns per decision. `examples/cedar_compare.rs` gives p99.

#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented `pub fn benches`"
)]

use cedar_policy::Authorizer;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use tollgate_benches::cedar::Comparison;
use tollgate_benches::{SEED, or_exit};
use tollgate_policy::DecisionKind;

const QUESTIONS: usize = 200;

fn cedar_side_by_side(c: &mut Criterion) {
    let authorizer = Authorizer::new();
    for size in [10usize, 100] {
        let cmp = or_exit(
            Comparison::generated(size, SEED, QUESTIONS),
            "building the comparison",
        );
        let mut group = c.benchmark_group(format!("cedar_compare/{size}"));
        group.throughput(Throughput::Elements(cmp.questions.len() as u64));
        group.bench_function("tollgate", |b| {
            b.iter(|| {
                cmp.questions
                    .iter()
                    .filter(|q| {
                        tollgate_engine::decide(&cmp.tables, black_box(&q.request))
                            == DecisionKind::Allowed
                    })
                    .count()
            })
        });
        group.bench_function("reference", |b| {
            b.iter(|| {
                cmp.questions
                    .iter()
                    .filter(|q| {
                        tollgate_reference::evaluate(&cmp.policies, black_box(&q.request)).kind
                            == DecisionKind::Allowed
                    })
                    .count()
            })
        });
        group.bench_function("cedar", |b| {
            b.iter(|| {
                cmp.questions
                    .iter()
                    .filter(|q| cmp.cedar_allows(&authorizer, black_box(q)))
                    .count()
            })
        });
        group.finish();
    }
}

criterion_group!(benches, cedar_side_by_side);
criterion_main!(benches);
