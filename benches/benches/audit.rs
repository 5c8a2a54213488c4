//! The request-path cost of the decision audit log: a decision from the
//! example store with the log off, then on with every record accepted (the
//! writer drains to `io::sink()`), then on with a full queue (the writer
//! is blocked, so every record is dropped and counted). The push is
//! `AuditLog::admit` + `AuditRecord::of` + `AuditLog::record`.

#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "criterion_group! generates an undocumented `pub fn benches`; a bench may fail loudly"
)]

use std::hint::black_box;
use std::io::{self, Write};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use tollgate_policy::{Request, RequestPrincipal};
use tollgate_server::audit::{AuditLog, AuditRecord, AuditSettings, AuditSink};
use tollgate_store::Store;

/// A sink whose writes wait until the channel is closed.
struct Blocked(mpsc::Receiver<()>);

impl Write for Blocked {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let _ = self.0.recv();
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn request() -> Request {
    let principal =
        RequestPrincipal::parse("arn:aws:sts::111122223333:assumed-role/deploy/ci-run-7").unwrap();
    let mut request = Request::new(principal, "s3:GetObject", "arn:aws:s3:::photos/cat.jpg");
    request
        .context
        .insert("aws:SourceIp", vec!["10.1.2.3".to_owned()]);
    request
}

/// One decision, offered to `audit` as the server does.
fn decide(store: &Store, request: &Request, audit: Option<&AuditLog>) {
    let start = Instant::now();
    let kind = store.decide(black_box(request), None).kind;
    if let Some(log) = audit
        && let Some(id) = log.admit(kind, Some("bench-request-id"))
    {
        log.record(AuditRecord::of(
            id,
            request,
            kind,
            Vec::new(),
            store.revision(),
            start.elapsed(),
        ));
    }
    black_box(kind);
}

fn audit(c: &mut Criterion) {
    let store = Store::embedded_example().unwrap();
    let request = request();
    let mut group = c.benchmark_group("audit");
    group.bench_function("off", |b| b.iter(|| decide(&store, &request, None)));

    let settings = AuditSettings::new(AuditSink::Stdout);
    let (log, writer) = AuditLog::to_writer(&settings, Box::new(io::sink())).unwrap();
    group.bench_function("on", |b| b.iter(|| decide(&store, &request, Some(&log))));
    writer.shutdown();

    let (release, blocked) = mpsc::channel();
    let small = AuditSettings {
        queue: 16,
        ..settings
    };
    let (log, writer) = AuditLog::to_writer(&small, Box::new(Blocked(blocked))).unwrap();
    // Fill the queue (and the writer's hands) first.
    for _ in 0..100_000 {
        decide(&store, &request, Some(&log));
    }
    group.bench_function("on_queue_full", |b| {
        b.iter(|| decide(&store, &request, Some(&log)))
    });
    drop(release);
    writer.shutdown();
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    targets = audit
}
criterion_main!(benches);
