//! Memory stays flat under a stream of distinct requests: every resource and
//! every context value is new, so anything that grows per request (a cache,
//! a memo table, a metric label) shows as resident memory growth or as a
//! longer `/metrics` page.
//!
//! Short by default (100,000 requests); `TOLLGATE_SOAK_REQUESTS` or
//! `TOLLGATE_SOAK_SECS` make it the long run of `tests/soak/run.sh`
//! (figures in `docs/reliability.md`); `TOLLGATE_SOAK_PAUSE_MS` paces each
//! client (a pause after each batch) so a long run does not take every core.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod harness;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use harness::{ALICE, Running, http_get, store_dir, test_config};
use tollgate_proto::v1::context_value::Value;
use tollgate_proto::v1::{
    AuthorizeBatchRequest, AuthorizeRequest, ContextValue, ContextValues, Decision,
};

/// Requests per batch.
const BATCH: u64 = 500;
/// Concurrent clients.
const CLIENTS: u64 = 4;
/// Growth of resident memory allowed between the end of the warm-up (a
/// fifth of the run) and the end, in MiB.
const RSS_GROWTH_MIB: f64 = 24.0;

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().map(|text| {
        text.parse()
            .unwrap_or_else(|_| panic!("{name} is a number"))
    })
}

/// Resident memory of this process (server and clients), in MiB.
fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kib: f64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/self/status");
    kib / 1024.0
}

fn text(value: String) -> ContextValues {
    ContextValues {
        values: vec![ContextValue {
            value: Some(Value::StringValue(value)),
        }],
    }
}

/// Request `n`: a new object, a new source address, a new tag value.
fn request(n: u64) -> AuthorizeRequest {
    let context = HashMap::from([
        (
            "aws:SourceIp".to_owned(),
            text(format!(
                "10.{}.{}.{}",
                (n >> 16) & 255,
                (n >> 8) & 255,
                n & 255
            )),
        ),
        ("s3:ExistingObjectTag/run".to_owned(), text(format!("v{n}"))),
    ]);
    AuthorizeRequest {
        principal: ALICE.to_owned(),
        action: "s3:GetObject".to_owned(),
        resource: format!("arn:aws:s3:::photos/soak/{n}.jpg"),
        context,
        ..AuthorizeRequest::default()
    }
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_stays_flat_over_distinct_requests() {
    let seconds = env_u64("TOLLGATE_SOAK_SECS");
    let total = env_u64("TOLLGATE_SOAK_REQUESTS").unwrap_or(100_000);
    let pause = Duration::from_millis(env_u64("TOLLGATE_SOAK_PAUSE_MS").unwrap_or(0));
    let dir = store_dir();
    let server = Running::start(test_config(dir.path())).await;
    let started = Instant::now();
    let done = |sent: u64| match seconds {
        Some(secs) => started.elapsed() >= Duration::from_secs(secs),
        None => sent >= total,
    };
    let warm_up = |sent: u64| match seconds {
        Some(secs) => started.elapsed() >= Duration::from_secs(secs) / 5,
        None => sent >= total / 5,
    };

    let (_, metrics_before) = http_get(server.admin, "/metrics").await;
    // Each client takes the next BATCH request numbers until told to stop.
    let next = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let mut clients = Vec::new();
    for _ in 0..CLIENTS {
        let mut client = server.client().await;
        let (next, stop) = (next.clone(), stop.clone());
        clients.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let first = next.fetch_add(BATCH, Ordering::Relaxed);
                let batch = AuthorizeBatchRequest {
                    requests: (first..first + BATCH).map(request).collect(),
                };
                let answer = client
                    .authorize_batch(batch)
                    .await
                    .expect("no call fails")
                    .into_inner();
                assert_eq!(answer.responses.len() as u64, BATCH);
                assert!(
                    answer
                        .responses
                        .iter()
                        .all(|r| r.decision() == Decision::Allowed)
                );
                if !pause.is_zero() {
                    tokio::time::sleep(pause).await;
                }
            }
        }));
    }
    let mut baseline: Option<(f64, usize)> = None;
    let mut samples = Vec::new();
    let sample_every = Duration::from_secs(if seconds.is_some() { 30 } else { 2 });
    let mut next_sample = Instant::now();
    loop {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let sent = next.load(Ordering::Relaxed);
        if baseline.is_none() && warm_up(sent) {
            let (_, metrics) = http_get(server.admin, "/metrics").await;
            baseline = Some((rss_mib(), metrics.len()));
        }
        if Instant::now() >= next_sample {
            samples.push((started.elapsed().as_secs(), sent, rss_mib()));
            next_sample += sample_every;
        }
        if done(sent) {
            break;
        }
    }
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        client.await.unwrap();
    }
    let sent = next.load(Ordering::Relaxed);
    let end = rss_mib();
    let (_, metrics_after) = http_get(server.admin, "/metrics").await;
    samples.push((started.elapsed().as_secs(), sent, end));
    for (secs, sent, rss) in &samples {
        eprintln!("soak: t={secs}s requests={sent} rss={rss:.1} MiB");
    }
    let (base_rss, base_metrics) = baseline.expect("the warm-up ended");
    let rate = sent as f64 / started.elapsed().as_secs_f64();
    eprintln!(
        "soak: {sent} distinct requests in {:?} ({rate:.0}/s); rss {base_rss:.1} -> {end:.1} MiB; \
         /metrics {} -> {} -> {} bytes",
        started.elapsed(),
        metrics_before.len(),
        base_metrics,
        metrics_after.len()
    );
    assert!(
        end - base_rss < RSS_GROWTH_MIB,
        "resident memory grew {:.1} MiB after the warm-up",
        end - base_rss
    );
    // Histogram sums and counts change digits, never the set of series.
    assert!(
        metrics_after.len() < base_metrics + 512,
        "/metrics grew from {base_metrics} to {} bytes: a label per request?",
        metrics_after.len()
    );
    server.join().await.unwrap();
}
