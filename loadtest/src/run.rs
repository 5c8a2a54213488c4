//! The drivers. Open loop: a dedicated thread walks the [`Schedule`],
//! sleeping until each call is due and handing it to the runtime; a call
//! due while `max_in_flight` are outstanding is dropped (counted), never
//! delayed, and latency counts from the due time, so a slow server shows
//! up as latency and drops instead of slowing the clock. Closed loop:
//! `concurrency` workers each send their next call when the previous one
//! is answered. Calls go to the connections round-robin; each task records
//! into its own shard of [`Recorder`]s, merged at the end.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::runtime::Handle;
use tokio::sync::Semaphore;
use tonic::transport::Channel;

use crate::call;
use crate::payload::Payloads;
use crate::report::Measured;
use crate::schedule::Schedule;
use crate::stats::{Recorder, latency_histogram};
use crate::swap::{SwapPlan, Swapper};

/// How calls arrive.
#[derive(Debug, Clone, Copy)]
pub enum Load {
    /// A constant arrival rate.
    Open {
        /// Calls per second.
        rate: f64,
        /// The most calls outstanding.
        max_in_flight: usize,
        /// The shortest sleep of the dispatcher.
        tick: Duration,
    },
    /// Workers sending back to back.
    Closed {
        /// Workers.
        concurrency: usize,
    },
}

/// One run.
#[derive(Debug, Clone)]
pub struct Plan {
    /// One channel per HTTP/2 connection.
    pub channels: Vec<Channel>,
    /// What to send.
    pub payloads: Arc<Payloads>,
    /// How calls arrive.
    pub load: Load,
    /// The sending window.
    pub duration: Duration,
    /// Per-call timeout.
    pub timeout: Duration,
    /// Whether to compare answers with expectations.
    pub check_expect: bool,
    /// How long to wait for outstanding calls after the window.
    pub drain: Duration,
    /// Print progress lines this often.
    pub progress: Option<Duration>,
    /// Store rewrites to make during the window.
    pub swap: Option<SwapPlan>,
}

/// Live counters for progress lines.
#[derive(Debug, Default)]
struct Counters {
    sent: AtomicU64,
    answered: AtomicU64,
    failed: AtomicU64,
    dropped: AtomicU64,
}

/// Runs `plan` and returns what it measured.
pub async fn run(plan: Plan) -> Result<Measured, crate::LoadError> {
    let counters = Arc::new(Counters::default());
    let done = Arc::new(AtomicBool::new(false));
    let progress = plan
        .progress
        .map(|every| tokio::spawn(print_progress(every, counters.clone(), done.clone())));
    let swapper = match &plan.swap {
        Some(swap) => Some(Swapper::start(swap.clone(), plan.duration)?),
        None => None,
    };
    let mut measured = match plan.load {
        Load::Open {
            rate,
            max_in_flight,
            tick,
        } => open_loop(&plan, rate, max_in_flight, tick, &counters).await,
        Load::Closed { concurrency } => closed_loop(&plan, concurrency, &counters).await,
    };
    done.store(true, Ordering::Relaxed);
    if let Some(progress) = progress {
        progress.abort();
    }
    if let Some(swapper) = swapper {
        measured.swaps = swapper.finish().await?;
    }
    Ok(measured)
}

async fn open_loop(
    plan: &Plan,
    rate: f64,
    max_in_flight: usize,
    tick: Duration,
    counters: &Arc<Counters>,
) -> Measured {
    let shards: Arc<Vec<Mutex<Recorder>>> = Arc::new(
        (0..plan.channels.len().max(8))
            .map(|_| Mutex::new(Recorder::new()))
            .collect(),
    );
    let permits = Arc::new(Semaphore::new(max_in_flight));
    let start = Instant::now();
    let schedule = Schedule::new(start, rate, plan.duration);
    let dispatcher = {
        let plan = plan.clone();
        let shards = shards.clone();
        let permits = permits.clone();
        let counters = counters.clone();
        let handle = Handle::current();
        std::thread::Builder::new()
            .name("loadtest-dispatch".to_owned())
            .spawn(move || dispatch(&plan, schedule, tick, &handle, &shards, &permits, &counters))
    };
    let (sent, dropped, send_lag) = match dispatcher {
        Ok(thread) => {
            // Joining a thread blocks: do it off the async workers.
            match tokio::task::spawn_blocking(move || thread.join()).await {
                Ok(Ok(result)) => result,
                _ => (0, 0, latency_histogram()),
            }
        }
        Err(_) => (0, 0, latency_histogram()),
    };
    // Wait for the calls still outstanding, at most `drain`.
    let all = u32::try_from(max_in_flight).unwrap_or(u32::MAX);
    let unfinished = match tokio::time::timeout(plan.drain, permits.acquire_many(all)).await {
        Ok(_) => 0,
        Err(_) => (max_in_flight - permits.available_permits()) as u64,
    };
    let elapsed = start.elapsed();
    let mut recorder = Recorder::new();
    for shard in shards.iter() {
        recorder.merge(&shard.lock().unwrap_or_else(PoisonError::into_inner));
    }
    Measured {
        recorder,
        sent,
        dropped,
        unfinished,
        elapsed,
        send_lag: Some(send_lag),
        swaps: 0,
        server_cpu: None,
        client_cpu: None,
    }
}

/// The dispatcher thread: sends every call of `schedule` when due (sleeping
/// at least `tick` when the next one is not due yet).
fn dispatch(
    plan: &Plan,
    schedule: Schedule,
    tick: Duration,
    handle: &Handle,
    shards: &Arc<Vec<Mutex<Recorder>>>,
    permits: &Arc<Semaphore>,
    counters: &Arc<Counters>,
) -> (u64, u64, hdrhistogram::Histogram<u64>) {
    let mut lag = latency_histogram();
    let (mut sent, mut dropped) = (0u64, 0u64);
    let connections = plan.channels.len().max(1);
    for index in 0..schedule.calls() {
        let due = schedule.due(index);
        let now = Instant::now();
        if due > now {
            std::thread::sleep((due - now).max(tick));
        }
        let late = Instant::now().saturating_duration_since(due);
        lag.saturating_record(u64::try_from(late.as_nanos()).unwrap_or(u64::MAX).max(1));
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            dropped += 1;
            counters.dropped.fetch_add(1, Ordering::Relaxed);
            continue;
        };
        sent += 1;
        counters.sent.fetch_add(1, Ordering::Relaxed);
        let slot = usize::try_from(index).unwrap_or(0) % connections;
        let channel = plan.channels[slot % plan.channels.len()].clone();
        let payloads = plan.payloads.clone();
        let shards = shards.clone();
        let counters = counters.clone();
        let (check, timeout) = (plan.check_expect, plan.timeout);
        handle.spawn(async move {
            let payload = payloads.get(index);
            let outcome = call::send(channel, &payloads, payload, check, timeout).await;
            let latency = due.elapsed();
            count(&counters, &outcome);
            let shard = &shards[slot % shards.len()];
            shard
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .record(latency, outcome);
            drop(permit);
        });
    }
    (sent, dropped, lag)
}

async fn closed_loop(plan: &Plan, concurrency: usize, counters: &Arc<Counters>) -> Measured {
    let start = Instant::now();
    let deadline = start + plan.duration;
    let next = Arc::new(AtomicU64::new(0));
    let workers: Vec<_> = (0..concurrency)
        .map(|worker| {
            let channel = plan.channels[worker % plan.channels.len()].clone();
            let payloads = plan.payloads.clone();
            let next = next.clone();
            let counters = counters.clone();
            let (check, timeout) = (plan.check_expect, plan.timeout);
            tokio::spawn(async move {
                let mut recorder = Recorder::new();
                let mut sent = 0u64;
                while Instant::now() < deadline {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let payload = payloads.get(index);
                    let begun = Instant::now();
                    sent += 1;
                    counters.sent.fetch_add(1, Ordering::Relaxed);
                    let outcome =
                        call::send(channel.clone(), &payloads, payload, check, timeout).await;
                    count(&counters, &outcome);
                    recorder.record(begun.elapsed(), outcome);
                }
                (recorder, sent)
            })
        })
        .collect();
    let mut recorder = Recorder::new();
    let mut sent = 0;
    let mut unfinished = 0;
    let drain_deadline = tokio::time::Instant::from_std(deadline + plan.drain);
    for worker in workers {
        match tokio::time::timeout_at(drain_deadline, worker).await {
            Ok(Ok((worker_recorder, worker_sent))) => {
                recorder.merge(&worker_recorder);
                sent += worker_sent;
            }
            // A worker past the drain deadline has one call outstanding.
            _ => unfinished += 1,
        }
    }
    Measured {
        recorder,
        sent,
        dropped: 0,
        unfinished,
        elapsed: start.elapsed(),
        send_lag: None,
        swaps: 0,
        server_cpu: None,
        client_cpu: None,
    }
}

fn count(counters: &Counters, outcome: &Result<call::Answer, tonic::Status>) {
    let counter = if outcome.is_ok() {
        &counters.answered
    } else {
        &counters.failed
    };
    counter.fetch_add(1, Ordering::Relaxed);
}

async fn print_progress(every: Duration, counters: Arc<Counters>, done: Arc<AtomicBool>) {
    let start = Instant::now();
    let mut ticker = tokio::time::interval(every);
    ticker.tick().await;
    let mut last_answered = 0;
    while !done.load(Ordering::Relaxed) {
        ticker.tick().await;
        let answered = counters.answered.load(Ordering::Relaxed);
        eprintln!(
            "[{:>6.1} s] sent {} answered {} ({:.0}/s) failed {} dropped {}",
            start.elapsed().as_secs_f64(),
            counters.sent.load(Ordering::Relaxed),
            answered,
            (answered - last_answered) as f64 / every.as_secs_f64(),
            counters.failed.load(Ordering::Relaxed),
            counters.dropped.load(Ordering::Relaxed),
        );
        last_answered = answered;
    }
}
