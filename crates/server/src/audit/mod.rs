//! The decision audit log: one JSON line per decision (see
//! `docs/audit-log.md` for the format), to stdout or a size-rotated file.
//!
//! The request path never waits on it. [`AuditLog::admit`] applies the
//! filters (denies only, sampling of allows) before anything is built;
//! [`AuditLog::record`] hands an [`AuditRecord`] to a bounded queue with a
//! non-blocking `try_send`. A dedicated writer thread drains the queue
//! every [`DRAIN_INTERVAL`] (it never waits in a blocking receive, so a push
//! never wakes a thread), formats and writes records through a buffer,
//! flushing every [`FLUSH_INTERVAL`] and on shutdown; it runs at nice 19,
//! so the threads that decide win the CPU from it. When the queue is full,
//! records are dropped and counted
//! (`tollgate_audit_dropped_total`), never blocking a decision.
//!
//! ```
//! use tollgate_server::audit::{AuditLog, AuditRecord, AuditSettings, AuditSink};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("audit.log");
//! let (log, writer) = AuditLog::start(&AuditSettings::new(AuditSink::File(path.clone())))?;
//! // After a decision: admit (filters), then record.
//! if let Some(id) = log.admit(tollgate_policy::DecisionKind::ImplicitDeny, Some("req-1")) {
//!     let request = tollgate_policy::Request::new(
//!         tollgate_policy::RequestPrincipal::parse("arn:aws:iam::111122223333:user/alice")?,
//!         "s3:GetObject",
//!         "arn:aws:s3:::bucket/key",
//!     );
//!     log.record(AuditRecord::of(id, &request, tollgate_policy::DecisionKind::ImplicitDeny,
//!         Vec::new(), "rev", std::time::Duration::from_micros(3)));
//! }
//! writer.shutdown(); // writes everything accepted, then returns
//! assert!(std::fs::read_to_string(&path)?.contains("\"requestId\":\"req-1\""));
//! # Ok(()) }
//! ```

mod record;
mod rotate;
mod settings;
#[cfg(test)]
mod tests;

use std::hash::BuildHasher as _;
use std::io::{self, BufWriter, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TryRecvError, TrySendError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tollgate_policy::DecisionKind;
use tracing::{debug, warn};

pub use self::record::{
    AuditRecord, AuditStatement, MAX_RECORDED_REQUEST_BYTES, RecordedRequest, RequestId,
};
use self::rotate::RotatingFile;
pub use self::settings::{
    AuditDecisions, AuditSettings, AuditSink, DEFAULT_KEEP_FILES, DEFAULT_MAX_FILE_MB,
    DEFAULT_QUEUE,
};
use crate::metrics::{AUDIT_DROPPED, AUDIT_RECORDS, AUDIT_WRITE_ERRORS};
use crate::reload::{ReloadPrioritySetting, lower_current_thread};

/// Buffered output is flushed at least this often.
pub const FLUSH_INTERVAL: Duration = Duration::from_secs(1);

/// When the queue is empty, the writer looks again after this long. It
/// never parks in a blocking receive, so a push never has to wake it (a
/// wake-up is a system call, several microseconds on the request path).
pub const DRAIN_INTERVAL: Duration = Duration::from_millis(5);

/// The writer's buffer, in bytes.
const BUFFER_BYTES: usize = 64 << 10;

/// What the writer thread receives.
enum Message {
    Record(Box<AuditRecord>),
    Stop,
}

/// The request path's handle: filters and enqueues records. Cheap to clone.
#[derive(Debug, Clone)]
pub struct AuditLog {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    queue: SyncSender<Message>,
    decisions: AuditDecisions,
    /// `sample_allows` scaled to `u64::MAX`.
    allow_threshold: u64,
    sample_all_allows: bool,
    record_requests: bool,
    next_id: AtomicU64,
    dropped: AtomicU64,
    closed: AtomicBool,
}

/// The writer thread; [`AuditWriter::shutdown`] writes what was accepted and
/// stops it.
#[derive(Debug)]
pub struct AuditWriter {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

/// Why the audit log could not start.
#[derive(Debug, thiserror::Error)]
#[error("cannot open the audit log `{path}`: {source}")]
pub struct AuditError {
    path: String,
    #[source]
    source: io::Error,
}

impl AuditLog {
    /// Opens the sink of `settings` and starts the writer thread.
    pub fn start(settings: &AuditSettings) -> Result<(AuditLog, AuditWriter), AuditError> {
        let sink = match &settings.sink {
            AuditSink::Stdout => Sink::Stdout(BufWriter::with_capacity(BUFFER_BYTES, io::stdout())),
            AuditSink::File(path) => Sink::File(
                RotatingFile::open(path, settings.max_file_bytes, settings.keep_files).map_err(
                    |source| AuditError {
                        path: path.display().to_string(),
                        source,
                    },
                )?,
            ),
        };
        Self::spawn(settings, sink).map_err(|source| AuditError {
            path: "(writer thread)".to_owned(),
            source,
        })
    }

    /// Like [`AuditLog::start`], writing to `out` (buffered): for tests and
    /// embedding.
    pub fn to_writer(
        settings: &AuditSettings,
        out: Box<dyn Write + Send>,
    ) -> io::Result<(AuditLog, AuditWriter)> {
        Self::spawn(
            settings,
            Sink::Other(BufWriter::with_capacity(BUFFER_BYTES, out)),
        )
    }

    fn spawn(settings: &AuditSettings, sink: Sink) -> io::Result<(AuditLog, AuditWriter)> {
        let (queue, receiver) = mpsc::sync_channel(settings.queue.max(1));
        let rate = settings.sample_allows.clamp(0.0, 1.0);
        let shared = Arc::new(Shared {
            queue,
            decisions: settings.decisions,
            allow_threshold: (rate * u64::MAX as f64) as u64,
            sample_all_allows: rate >= 1.0,
            record_requests: settings.record_requests,
            next_id: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            closed: AtomicBool::new(false),
        });
        let boot = std::collections::hash_map::RandomState::new().hash_one(std::process::id());
        let thread = std::thread::Builder::new()
            .name("tollgate-audit".to_owned())
            .spawn(move || {
                // Serving threads win the CPU; the queue absorbs what the
                // writer cannot keep up with, and drops beyond it are counted.
                let priority = lower_current_thread(ReloadPrioritySetting::Low);
                debug!(%priority, "audit writer started");
                write_loop(&receiver, sink, boot)
            })?;
        Ok((
            AuditLog {
                shared: shared.clone(),
            },
            AuditWriter {
                shared,
                thread: Some(thread),
            },
        ))
    }

    /// Whether a decision `kind` of the request `given_id` (its
    /// `x-request-id`, if any) is to be written, and its id: `None` when the
    /// filters leave it out (`audit-decisions = "deny"` and an allow, or an
    /// allow not sampled). Sampling is decided by a hash of the request id,
    /// so the same id is sampled alike everywhere.
    pub fn admit(&self, kind: DecisionKind, given_id: Option<&str>) -> Option<RequestId> {
        let shared = &self.shared;
        let allowed = kind == DecisionKind::Allowed;
        if allowed && shared.decisions == AuditDecisions::Deny {
            return None;
        }
        let id = match given_id {
            Some(id) => RequestId::Given(id.to_owned()),
            None => RequestId::Generated(shared.next_id.fetch_add(1, Ordering::Relaxed)),
        };
        if allowed && !shared.sample_all_allows && sample_hash(&id) >= shared.allow_threshold {
            return None;
        }
        Some(id)
    }

    /// Hands `record` to the writer without waiting; `false` when it was
    /// dropped (queue full, or the log shut down), which is counted.
    pub fn record(&self, record: AuditRecord) -> bool {
        let shared = &self.shared;
        if shared.closed.load(Ordering::Acquire) {
            shared.drop_one();
            return false;
        }
        match shared.queue.try_send(Message::Record(Box::new(record))) {
            Ok(()) => true,
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                shared.drop_one();
                false
            }
        }
    }

    /// What a record of `request` carries for a replay besides principal,
    /// action and resource: `None` unless `audit-record-requests` is on.
    /// Call it only for an admitted decision: it copies the context.
    pub fn request_of(
        &self,
        request: &tollgate_policy::Request,
        session_policies: &[String],
    ) -> Option<RecordedRequest> {
        self.shared
            .record_requests
            .then(|| RecordedRequest::of(request, session_policies, MAX_RECORDED_REQUEST_BYTES))
    }

    /// Records dropped so far.
    pub fn dropped(&self) -> u64 {
        self.shared.dropped.load(Ordering::Relaxed)
    }
}

impl Shared {
    fn drop_one(&self) {
        self.dropped.fetch_add(1, Ordering::Relaxed);
        metrics::counter!(AUDIT_DROPPED).increment(1);
    }
}

impl AuditWriter {
    /// Stops accepting records, waits until every record accepted before is
    /// written and flushed, and ends the writer thread.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        self.shared.closed.store(true, Ordering::Release);
        // Blocking is fine here: this is the shutdown path, and the writer
        // drains the queue ahead of the stop message.
        let _ = self.shared.queue.send(Message::Stop);
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            warn!("the audit log writer panicked");
        }
    }
}

impl Drop for AuditWriter {
    fn drop(&mut self) {
        if self.thread.is_some() {
            self.stop();
        }
    }
}

/// A stable 64-bit hash of a request id, for sampling: FNV-1a, then the
/// SplitMix64 finalizer so that similar ids spread over the whole range.
fn sample_hash(id: &RequestId) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let fnv = |bytes: &[u8]| {
        bytes
            .iter()
            .fold(OFFSET, |hash, b| (hash ^ u64::from(*b)).wrapping_mul(PRIME))
    };
    let hash = match id {
        RequestId::Given(text) => fnv(text.as_bytes()),
        RequestId::Generated(n) => fnv(&n.to_le_bytes()),
    };
    let hash = (hash ^ (hash >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    let hash = (hash ^ (hash >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    hash ^ (hash >> 31)
}

/// Where the writer thread writes.
enum Sink {
    Stdout(BufWriter<io::Stdout>),
    File(RotatingFile),
    Other(BufWriter<Box<dyn Write + Send>>),
}

impl Sink {
    fn write_record(&mut self, line: &[u8]) -> io::Result<()> {
        match self {
            Sink::Stdout(out) => out.write_all(line),
            Sink::File(file) => file.write_record(line),
            Sink::Other(out) => out.write_all(line),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Stdout(out) => out.flush(),
            Sink::File(file) => file.flush(),
            Sink::Other(out) => out.flush(),
        }
    }
}

/// The writer thread: drains the queue (sleeping [`DRAIN_INTERVAL`] when it
/// is empty), writes, flushes when [`FLUSH_INTERVAL`] has passed since the
/// last flush and before it ends (on [`Message::Stop`], or when every sender
/// is gone).
fn write_loop(receiver: &Receiver<Message>, mut sink: Sink, boot: u64) {
    let mut line = Vec::with_capacity(1024);
    let records = metrics::counter!(AUDIT_RECORDS);
    let mut dirty = false;
    let mut warned = false;
    let mut last_flush = Instant::now();
    let fail = |error: io::Error, warned: &mut bool| {
        metrics::counter!(AUDIT_WRITE_ERRORS).increment(1);
        if !*warned {
            warn!(%error, "cannot write the audit log; records are lost until it recovers");
            *warned = true;
        }
    };
    loop {
        match receiver.try_recv() {
            Ok(Message::Record(record)) => {
                line.clear();
                let written = record
                    .write_line(boot, &mut line)
                    .and_then(|()| sink.write_record(&line));
                match written {
                    Ok(()) => {
                        records.increment(1);
                        dirty = true;
                        warned = false;
                    }
                    Err(error) => fail(error, &mut warned),
                }
            }
            Ok(Message::Stop) | Err(TryRecvError::Disconnected) => {
                if let Err(error) = sink.flush() {
                    fail(error, &mut warned);
                }
                return;
            }
            Err(TryRecvError::Empty) => std::thread::sleep(DRAIN_INTERVAL),
        }
        if dirty && last_flush.elapsed() >= FLUSH_INTERVAL {
            if let Err(error) = sink.flush() {
                fail(error, &mut warned);
            }
            dirty = false;
            last_flush = Instant::now();
        }
    }
}
