//! Shadow revisions: a sampled fraction of live decisions re-decided on a
//! candidate store, off the request path (`tollgate serve --shadow-store`,
//! `docs/change-impact.md`).
//!
//! The request path asks [`Shadow::sample`] (an atomic add and a hash) and,
//! for a sampled call, hands a [`ShadowCall`] to [`Shadow::offer`]: a
//! non-blocking push onto a bounded queue. When the queue is full the call
//! is dropped and counted; the answer never waits. A worker thread drains
//! the queue every [`DRAIN_INTERVAL`] (it never parks in a blocking
//! receive, so a push never wakes a thread), decides each call on the
//! candidate store serving then ([`Candidate`]), and compares: a decision
//! that differs from the live one is a flip, counted by kind, reported to
//! the [`ShadowObserver`] (the server's metrics) and written to the flips
//! log with the whole request. The answer always came from the live store.

use std::io::{self, BufWriter, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TryRecvError, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use serde_json::{Map, Value, json};
use tollgate_policy::{DecisionKind, Request};
use tollgate_store::{SessionTables, Store, compile_session_policies};

/// Calls waiting for the worker, at most, by default.
pub const DEFAULT_QUEUE: usize = 4096;

/// When the queue is empty, the worker looks again after this long.
pub const DRAIN_INTERVAL: Duration = Duration::from_millis(5);

/// The flips log is flushed at least this often.
pub const FLUSH_INTERVAL: Duration = Duration::from_secs(1);

/// The three decisions, in the order counts are kept.
const KINDS: [DecisionKind; 3] = [
    DecisionKind::Allowed,
    DecisionKind::ExplicitDeny,
    DecisionKind::ImplicitDeny,
];

fn kind_index(kind: DecisionKind) -> usize {
    match kind {
        DecisionKind::Allowed => 0,
        DecisionKind::ExplicitDeny => 1,
        DecisionKind::ImplicitDeny => 2,
    }
}

/// Picks a fraction of calls: a sequence number, mixed (SplitMix64), under
/// a threshold. Cheap and lock-free; the same fraction over any run.
#[derive(Debug)]
pub struct Sampler {
    threshold: u64,
    all: bool,
    next: AtomicU64,
}

impl Sampler {
    /// A sampler of `fraction` (clamped to 0..=1; NaN samples nothing).
    pub fn new(fraction: f64) -> Self {
        let fraction = if fraction.is_nan() {
            0.0
        } else {
            fraction.clamp(0.0, 1.0)
        };
        Self {
            threshold: (fraction * u64::MAX as f64) as u64,
            all: fraction >= 1.0,
            next: AtomicU64::new(0),
        }
    }

    /// Whether this call is sampled.
    pub fn sample(&self) -> bool {
        if self.all {
            return true;
        }
        if self.threshold == 0 {
            return false;
        }
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let mut z = n.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (z ^ (z >> 31)) < self.threshold
    }
}

/// A live call to re-decide: the request as it was decided, and the answer.
#[derive(Debug, Clone)]
pub struct ShadowCall {
    /// The request, context included.
    pub request: Request,
    /// Its session policies, as the caller sent them.
    pub session_policies: Vec<String>,
    /// The live decision (the answer given).
    pub live: DecisionKind,
    /// The live revision that decided.
    pub live_revision: String,
    /// The caller's request id, when there is one.
    pub request_id: Option<String>,
}

/// How one call compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Comparison {
    /// The candidate decides alike.
    Same,
    /// The candidate decides otherwise.
    Flip {
        /// The candidate's decision.
        to: DecisionKind,
        /// The candidate statements that decided it.
        statements: Vec<String>,
    },
    /// The session policies did not compile (they did live: cannot happen
    /// unless the candidate's limits differ; counted, never a flip).
    Error(String),
}

/// Decides `call` on `candidate` and compares it with the live decision.
pub fn compare(candidate: &Store, call: &ShadowCall) -> Comparison {
    let session = if call.session_policies.is_empty() {
        None
    } else {
        match compile_session_policies(&call.session_policies.iter().collect::<Vec<_>>()) {
            Ok(compiled) => Some(compiled),
            Err(e) => return Comparison::Error(format!("sessionPolicies: {e}")),
        }
    };
    let tables = || {
        session.as_ref().map(|(tables, group)| SessionTables {
            tables,
            group: *group,
        })
    };
    let now = candidate.decide(&call.request, tables()).kind;
    if now == call.live {
        return Comparison::Same;
    }
    // Flips are rare: listing the decisive statements costs only then.
    let (decision, _) = candidate.evaluate(&call.request, tables());
    let statements = decision
        .decisive
        .iter()
        .map(|s| match &s.sid {
            Some(sid) => format!("{}#Statement[{}] ({sid})", s.policy, s.index),
            None => format!("{}#Statement[{}]", s.policy, s.index),
        })
        .collect();
    Comparison::Flip {
        to: now,
        statements,
    }
}

/// The candidate store serving now: the server's shadow state.
pub trait Candidate: Send + Sync + 'static {
    /// Calls `f` with the candidate store, or `None` while none is loaded.
    fn with_store(&self, f: &mut dyn FnMut(Option<&Store>));
}

/// Told of what the worker and the queue do: the server counts it in its
/// metrics. Called on the worker thread, except [`Self::dropped`] (the
/// request path: keep it cheap).
pub trait ShadowObserver: Send + Sync + 'static {
    /// A call was compared; `flip` is `(from, to)` when it flipped.
    fn compared(&self, flip: Option<(DecisionKind, DecisionKind)>);
    /// A sampled call was dropped: the queue was full.
    fn dropped(&self);
    /// A sampled call could not be compared: no candidate, or an error.
    fn skipped(&self);
}

/// An observer that does nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoObserver;

impl ShadowObserver for NoObserver {
    fn compared(&self, _: Option<(DecisionKind, DecisionKind)>) {}
    fn dropped(&self) {}
    fn skipped(&self) {}
}

/// The counts so far, for a status answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShadowSummary {
    /// Calls sampled (offered to the queue).
    pub sampled: u64,
    /// Calls compared on a candidate.
    pub compared: u64,
    /// Sampled calls dropped: the queue was full.
    pub dropped: u64,
    /// Sampled calls not compared: no candidate loaded, or an error.
    pub skipped: u64,
    /// Flips as `(from, to, count)`, in a fixed order, nonzero only.
    pub flips: Vec<(DecisionKind, DecisionKind, u64)>,
    /// Flips the log could not take (write errors).
    pub log_errors: u64,
}

impl ShadowSummary {
    /// Flips in all.
    pub fn flip_count(&self) -> u64 {
        self.flips.iter().map(|(_, _, n)| n).sum()
    }
}

#[derive(Debug, Default)]
struct Counts {
    sampled: AtomicU64,
    compared: AtomicU64,
    dropped: AtomicU64,
    skipped: AtomicU64,
    log_errors: AtomicU64,
    flips: [[AtomicU64; 3]; 3],
}

enum Message {
    Call(Box<ShadowCall>),
    Stop,
}

/// The request path's handle: samples and enqueues. Cheap to clone.
#[derive(Clone)]
pub struct Shadow {
    shared: Arc<Shared>,
}

struct Shared {
    sampler: Sampler,
    queue: SyncSender<Message>,
    counts: Counts,
    closed: AtomicBool,
    observer: Arc<dyn ShadowObserver>,
}

impl std::fmt::Debug for Shadow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shadow")
            .field("summary", &self.summary())
            .finish()
    }
}

/// The worker thread; [`ShadowWorker::shutdown`] compares what was accepted
/// and stops it.
pub struct ShadowWorker {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for ShadowWorker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShadowWorker").finish_non_exhaustive()
    }
}

/// How a shadow runs.
pub struct ShadowSettings {
    /// The fraction of calls sampled, 0 to 1.
    pub sample: f64,
    /// Calls waiting for the worker, at most; more are dropped.
    pub queue: usize,
    /// Where flips are written (JSON Lines), if anywhere.
    pub flips_log: Option<Box<dyn Write + Send>>,
    /// Run first on the worker thread (the server lowers its priority).
    pub on_start: Option<Box<dyn FnOnce() + Send>>,
}

impl std::fmt::Debug for ShadowSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShadowSettings")
            .field("sample", &self.sample)
            .field("queue", &self.queue)
            .field("flips_log", &self.flips_log.is_some())
            .finish_non_exhaustive()
    }
}

impl Shadow {
    /// Starts the worker comparing sampled calls on `candidate`.
    pub fn start(
        settings: ShadowSettings,
        candidate: Arc<dyn Candidate>,
        observer: Arc<dyn ShadowObserver>,
    ) -> io::Result<(Shadow, ShadowWorker)> {
        let (queue, receiver) = mpsc::sync_channel(settings.queue.max(1));
        let shared = Arc::new(Shared {
            sampler: Sampler::new(settings.sample),
            queue,
            counts: Counts::default(),
            closed: AtomicBool::new(false),
            observer,
        });
        let worker_shared = shared.clone();
        let log = settings
            .flips_log
            .map(|out| BufWriter::with_capacity(64 << 10, out));
        let on_start = settings.on_start;
        let thread = std::thread::Builder::new()
            .name("tollgate-shadow".to_owned())
            .spawn(move || {
                if let Some(start) = on_start {
                    start();
                }
                work(&receiver, &worker_shared, candidate.as_ref(), log);
            })?;
        Ok((
            Shadow {
                shared: shared.clone(),
            },
            ShadowWorker {
                shared,
                thread: Some(thread),
            },
        ))
    }

    /// Whether this call is to be re-decided on the candidate.
    pub fn sample(&self) -> bool {
        self.shared.sampler.sample()
    }

    /// Hands a sampled call to the worker without waiting; `false` when it
    /// was dropped (queue full, or shut down), which is counted.
    pub fn offer(&self, call: ShadowCall) -> bool {
        let shared = &self.shared;
        shared.counts.sampled.fetch_add(1, Ordering::Relaxed);
        if shared.closed.load(Ordering::Acquire) {
            shared.drop_one();
            return false;
        }
        match shared.queue.try_send(Message::Call(Box::new(call))) {
            Ok(()) => true,
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                shared.drop_one();
                false
            }
        }
    }

    /// The counts so far.
    pub fn summary(&self) -> ShadowSummary {
        let c = &self.shared.counts;
        let mut flips = Vec::new();
        for (i, from) in KINDS.iter().enumerate() {
            for (j, to) in KINDS.iter().enumerate() {
                let n = c
                    .flips
                    .get(i)
                    .and_then(|row| row.get(j))
                    .map_or(0, |n| n.load(Ordering::Relaxed));
                if n > 0 {
                    flips.push((*from, *to, n));
                }
            }
        }
        ShadowSummary {
            sampled: c.sampled.load(Ordering::Relaxed),
            compared: c.compared.load(Ordering::Relaxed),
            dropped: c.dropped.load(Ordering::Relaxed),
            skipped: c.skipped.load(Ordering::Relaxed),
            flips,
            log_errors: c.log_errors.load(Ordering::Relaxed),
        }
    }
}

impl Shared {
    fn drop_one(&self) {
        self.counts.dropped.fetch_add(1, Ordering::Relaxed);
        self.observer.dropped();
    }
}

impl ShadowWorker {
    /// Stops accepting calls, compares every call accepted before, flushes
    /// the flips log and ends the worker.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        self.shared.closed.store(true, Ordering::Release);
        // The shutdown path may block: the worker drains ahead of the stop.
        let _ = self.shared.queue.send(Message::Stop);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for ShadowWorker {
    fn drop(&mut self) {
        if self.thread.is_some() {
            self.stop();
        }
    }
}

/// The flips log line of `call`, flipped to `to` by `statements` of the
/// candidate revision `revision`.
pub fn flip_line(
    call: &ShadowCall,
    to: DecisionKind,
    statements: &[String],
    revision: &str,
) -> Value {
    let millis = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    let mut context = Map::new();
    for entry in call.request.context.entries() {
        context.insert(entry.key().to_owned(), json!(entry.values()));
    }
    let mut line = json!({
        "timeUnixMs": millis,
        "requestId": call.request_id,
        "principal": call.request.principal().text(),
        "action": call.request.action,
        "resource": call.request.resource,
        "resourceAccount": call.request.resource_account,
        "context": context,
        "sessionPolicies": call.session_policies,
        "decision": call.live.as_str(),
        "shadowDecision": to.as_str(),
        "liveRevision": call.live_revision,
        "shadowRevision": revision,
        "shadowStatements": statements,
        "requestRecorded": true,
    });
    if let Value::Object(fields) = &mut line {
        fields.retain(|_, v| !v.is_null());
    }
    line
}

/// The worker: drains the queue, compares, counts, logs.
fn work(
    receiver: &Receiver<Message>,
    shared: &Shared,
    candidate: &dyn Candidate,
    mut log: Option<BufWriter<Box<dyn Write + Send>>>,
) {
    let mut dirty = false;
    let mut last_flush = Instant::now();
    let flush = |log: &mut Option<BufWriter<Box<dyn Write + Send>>>| {
        if let Some(out) = log
            && out.flush().is_err()
        {
            shared.counts.log_errors.fetch_add(1, Ordering::Relaxed);
        }
    };
    loop {
        match receiver.try_recv() {
            Ok(Message::Call(call)) => {
                let mut outcome = None;
                candidate.with_store(&mut |store| {
                    outcome = store.map(|s| (compare(s, &call), s.revision().to_owned()));
                });
                match outcome {
                    None | Some((Comparison::Error(_), _)) => {
                        shared.counts.skipped.fetch_add(1, Ordering::Relaxed);
                        shared.observer.skipped();
                    }
                    Some((Comparison::Same, _)) => {
                        shared.counts.compared.fetch_add(1, Ordering::Relaxed);
                        shared.observer.compared(None);
                    }
                    Some((Comparison::Flip { to, statements }, revision)) => {
                        shared.counts.compared.fetch_add(1, Ordering::Relaxed);
                        if let Some(n) = shared
                            .counts
                            .flips
                            .get(kind_index(call.live))
                            .and_then(|row| row.get(kind_index(to)))
                        {
                            n.fetch_add(1, Ordering::Relaxed);
                        }
                        shared.observer.compared(Some((call.live, to)));
                        if let Some(out) = &mut log {
                            let line = flip_line(&call, to, &statements, &revision);
                            let written = serde_json::to_writer(&mut *out, &line)
                                .map_err(io::Error::other)
                                .and_then(|()| out.write_all(b"\n"));
                            if written.is_err() {
                                shared.counts.log_errors.fetch_add(1, Ordering::Relaxed);
                            }
                            dirty = true;
                        }
                    }
                }
            }
            Ok(Message::Stop) | Err(TryRecvError::Disconnected) => {
                flush(&mut log);
                return;
            }
            Err(TryRecvError::Empty) => std::thread::sleep(DRAIN_INTERVAL),
        }
        if dirty && last_flush.elapsed() >= FLUSH_INTERVAL {
            flush(&mut log);
            dirty = false;
            last_flush = Instant::now();
        }
    }
}

/// A candidate held in a slot the caller swaps: for tests and embedding.
#[derive(Debug, Default)]
pub struct CandidateSlot(Mutex<Option<Arc<Store>>>);

impl CandidateSlot {
    /// Serves `store` as the candidate from now on (`None`: none).
    pub fn set(&self, store: Option<Arc<Store>>) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = store;
    }
}

impl Candidate for CandidateSlot {
    fn with_store(&self, f: &mut dyn FnMut(Option<&Store>)) {
        let store = self.0.lock().unwrap_or_else(|p| p.into_inner()).clone();
        f(store.as_deref());
    }
}
