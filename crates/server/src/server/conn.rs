//! One accepted connection, served over HTTP/2 (the gRPC and ext_authz
//! listeners) or HTTP/1 (the admin listener) until it ends, with the
//! connection limits of [`ConnectionLimits`] enforced:
//!
//! - HTTP/2 SETTINGS advertise `max-concurrent-streams`; each stream's
//!   pending response bytes are bounded by `max-send-buffer-bytes`; the
//!   server PINGs every `http2-keepalive-interval-secs` and closes a
//!   connection whose PING stays unanswered `http2-keepalive-timeout-secs`;
//!   header blocks are bounded by [`MAX_HEADER_LIST_BYTES`]; peers that
//!   make the server reset streams again and again are disconnected (h2's
//!   reset-flood guards, at hyper's defaults);
//! - every stream lives at most `max-call-secs` (+1 s) from its HEADERS:
//!   [`StreamExecutor`] resets it then, whatever it waits for (a message
//!   that never comes, a peer that never opens its flow-control window),
//!   counted in `tollgate_streams_expired_total`;
//! - a connection that has not started a call `request-headers-timeout-secs`
//!   after it was accepted is closed; one without an open call for
//!   `idle-timeout-secs` gets a GOAWAY (and is dropped if it lingers);
//! - when the server stops, each connection is shut down gracefully (GOAWAY,
//!   calls in flight finish); the listener bounds how long that may take.
//!
//! A connection that ends in an error is counted
//! (`tollgate_connection_errors_total`) and logged at debug level, with a
//! warning at most once a minute summing up the rest, so a misbehaving
//! client cannot flood the log.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http::{Request, Response};
use hyper::body::Incoming;
use hyper::server::conn::{http1, http2};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::watch;
use tracing::{debug, warn};

use super::coalesce::Coalesced;
use crate::limits::{ConnectionLimits, MAX_HEADER_LIST_BYTES};
use crate::metrics::{CONNECTION_ERRORS, CONNECTIONS_CLOSED, STREAMS_EXPIRED};

/// How long a connection told to go away (idle) may linger before it is
/// dropped.
const GOAWAY_GRACE: Duration = Duration::from_secs(5);
/// Streams reset by the h2 layer for a peer's errors before the connection
/// is closed (hyper's default, stated so it stays on).
const MAX_LOCAL_ERROR_RESETS: usize = 1024;
/// Streams a peer may open and reset before the server has accepted them
/// (hyper's default, against the "rapid reset" flood).
const MAX_PENDING_ACCEPT_RESETS: usize = 20;
/// The admin listener's read buffer (a request line and headers).
const HTTP1_MAX_BUF: usize = 64 << 10;

/// Spawns each HTTP/2 stream as its own task, which lives at most
/// `lifetime` from the moment its HEADERS were taken in; a stream still
/// running then is dropped, which resets it (`RST_STREAM(CANCEL)`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct StreamExecutor {
    lifetime: Duration,
}

impl StreamExecutor {
    /// Streams bounded by `max_call` and a second of grace, so the call's
    /// own `DEADLINE_EXCEEDED` answer goes out first when it can.
    pub(crate) fn new(max_call: Duration) -> Self {
        Self {
            lifetime: max_call.saturating_add(Duration::from_secs(1)),
        }
    }
}

impl<F> hyper::rt::Executor<F> for StreamExecutor
where
    F: Future<Output = ()> + Send + 'static,
{
    fn execute(&self, stream: F) {
        let lifetime = self.lifetime;
        tokio::spawn(async move {
            if tokio::time::timeout(lifetime, stream).await.is_err() {
                metrics::counter!(STREAMS_EXPIRED).increment(1);
            }
        });
    }
}

/// The HTTP/2 settings of the gRPC and ext_authz listeners.
pub(crate) fn http2_builder(
    limits: &ConnectionLimits,
    max_call: Duration,
) -> http2::Builder<StreamExecutor> {
    let mut builder = http2::Builder::new(StreamExecutor::new(max_call));
    builder
        .timer(TokioTimer::new())
        .max_concurrent_streams(limits.max_concurrent_streams)
        .max_send_buf_size(limits.max_send_buffer_bytes)
        .max_header_list_size(MAX_HEADER_LIST_BYTES)
        .max_pending_accept_reset_streams(MAX_PENDING_ACCEPT_RESETS)
        .max_local_error_reset_streams(MAX_LOCAL_ERROR_RESETS)
        .keep_alive_interval(limits.keepalive_interval)
        .keep_alive_timeout(limits.keepalive_timeout);
    builder
}

/// The HTTP/1 settings of the admin listener.
pub(crate) fn http1_builder(limits: &ConnectionLimits) -> http1::Builder {
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.request_headers_timeout)
        .max_buf_size(HTTP1_MAX_BUF)
        .keep_alive(true);
    builder
}

/// Serves one HTTP/2 connection until it ends, the server stops, or a
/// limit closes it.
pub(crate) async fn serve_http2<I, S, B>(
    io: I,
    service: S,
    builder: &http2::Builder<StreamExecutor>,
    limits: &ConnectionLimits,
    stop: watch::Receiver<bool>,
    listener: &'static str,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    S: hyper::service::Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    B: hyper::body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let activity = Arc::new(Activity::new());
    let service = Tracked {
        inner: service,
        activity: activity.clone(),
    };
    // Answers that finish together go out in one write (see `coalesce`).
    let conn = builder.serve_connection(TokioIo::new(Coalesced::new(io)), service);
    tokio::pin!(conn);
    drive(
        conn,
        |conn| conn.graceful_shutdown(),
        &activity,
        limits,
        stop,
        listener,
    )
    .await;
}

/// Serves one HTTP/1 connection until it ends, the server stops, or a
/// limit closes it.
pub(crate) async fn serve_http1<I, S, B>(
    io: I,
    service: S,
    builder: &http1::Builder,
    limits: &ConnectionLimits,
    stop: watch::Receiver<bool>,
    listener: &'static str,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    S: hyper::service::Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    B: hyper::body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let activity = Arc::new(Activity::new());
    let service = Tracked {
        inner: service,
        activity: activity.clone(),
    };
    let conn = builder.serve_connection(TokioIo::new(io), service);
    tokio::pin!(conn);
    drive(
        conn,
        |conn| conn.graceful_shutdown(),
        &activity,
        limits,
        stop,
        listener,
    )
    .await;
}

/// Polls `conn` to its end, applying the stop signal and the headers and
/// idle timeouts.
async fn drive<C>(
    mut conn: Pin<&mut C>,
    graceful: impl Fn(Pin<&mut C>),
    activity: &Activity,
    limits: &ConnectionLimits,
    mut stop: watch::Receiver<bool>,
    listener: &'static str,
) where
    C: Future<Output = Result<(), hyper::Error>>,
{
    let mut tick = tokio::time::interval(check_period(limits));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut stopping = *stop.borrow();
    if stopping {
        graceful(conn.as_mut());
    }
    let mut goaway_sent: Option<Instant> = None;
    loop {
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(error) = result {
                    connection_error(listener, &error);
                }
                return;
            }
            _ = stop.changed(), if !stopping => {
                stopping = true;
                graceful(conn.as_mut());
            }
            _ = tick.tick() => {
                let now = Instant::now();
                if let Some(sent) = goaway_sent {
                    if now.duration_since(sent) >= GOAWAY_GRACE {
                        return;
                    }
                    continue;
                }
                let Some((quiet, served)) = activity.quiet_for(now) else {
                    continue;
                };
                if !served && quiet >= limits.request_headers_timeout {
                    closed(listener, "headers_timeout");
                    debug!(listener, "connection closed: no request within request-headers-timeout-secs");
                    return;
                }
                if served && quiet >= limits.idle_timeout && !stopping {
                    closed(listener, "idle");
                    graceful(conn.as_mut());
                    goaway_sent = Some(now);
                }
            }
        }
    }
}

/// How often a connection looks at its timeouts: a quarter of the shorter
/// one, between 50 ms and 1 s.
fn check_period(limits: &ConnectionLimits) -> Duration {
    (limits.request_headers_timeout.min(limits.idle_timeout) / 4)
        .clamp(Duration::from_millis(50), Duration::from_secs(1))
}

fn closed(listener: &'static str, reason: &'static str) {
    metrics::counter!(CONNECTIONS_CLOSED, "listener" => listener, "reason" => reason).increment(1);
}

/// Counts a connection's error; logs it at debug, and at most once a
/// minute a warning with the number of errors since the last one.
fn connection_error(listener: &'static str, error: &hyper::Error) {
    metrics::counter!(CONNECTION_ERRORS, "listener" => listener).increment(1);
    debug!(listener, %error, "connection ended in an error");
    static LOG: RateLimitedLog = RateLimitedLog::new();
    if let Some(suppressed) = LOG.should_log() {
        warn!(
            listener,
            %error,
            errors_not_logged = suppressed,
            "connection ended in an error (further ones are logged at most once a minute, all are counted in tollgate_connection_errors_total)"
        );
    }
}

/// Lets one line through per period and counts the others.
pub(crate) struct RateLimitedLog {
    /// Milliseconds since [`RateLimitedLog::epoch`] of the last line, plus one
    /// (0: never logged).
    last: AtomicU64,
    suppressed: AtomicU64,
}

impl RateLimitedLog {
    const PERIOD: Duration = Duration::from_secs(60);

    pub(crate) const fn new() -> Self {
        Self {
            last: AtomicU64::new(0),
            suppressed: AtomicU64::new(0),
        }
    }

    fn epoch() -> Instant {
        static EPOCH: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
        *EPOCH.get_or_init(Instant::now)
    }

    /// `Some(lines suppressed since the last one)` when a line may be
    /// written now.
    pub(crate) fn should_log(&self) -> Option<u64> {
        let now = u64::try_from(Self::epoch().elapsed().as_millis())
            .unwrap_or(u64::MAX)
            .saturating_add(1);
        let last = self.last.load(Ordering::Relaxed);
        let period = u64::try_from(Self::PERIOD.as_millis()).unwrap_or(u64::MAX);
        if last != 0 && now.saturating_sub(last) < period {
            self.suppressed.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        if self
            .last
            .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_err()
        {
            self.suppressed.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        Some(self.suppressed.swap(0, Ordering::Relaxed))
    }
}

/// What a connection is doing: how many calls are open, since when none
/// has been, and whether one ever started.
#[derive(Debug)]
struct Activity {
    state: Mutex<ActivityState>,
}

#[derive(Debug)]
struct ActivityState {
    open: usize,
    quiet_since: Instant,
    served: bool,
}

impl Activity {
    fn new() -> Self {
        Self {
            state: Mutex::new(ActivityState {
                open: 0,
                quiet_since: Instant::now(),
                served: false,
            }),
        }
    }

    fn begin(self: &Arc<Self>) -> CallGuard {
        if let Ok(mut state) = self.state.lock() {
            state.open += 1;
            state.served = true;
        }
        CallGuard(self.clone())
    }

    /// `None` while a call is open; else how long none has been, and
    /// whether any call ever started.
    fn quiet_for(&self, now: Instant) -> Option<(Duration, bool)> {
        let state = self.state.lock().ok()?;
        (state.open == 0).then(|| {
            (
                now.saturating_duration_since(state.quiet_since),
                state.served,
            )
        })
    }
}

/// One open call; closing it (drop) may start the connection's quiet time.
struct CallGuard(Arc<Activity>);

impl Drop for CallGuard {
    fn drop(&mut self) {
        if let Ok(mut state) = self.0.state.lock() {
            state.open = state.open.saturating_sub(1);
            if state.open == 0 {
                state.quiet_since = Instant::now();
            }
        }
    }
}

/// A service whose calls are counted in the connection's [`Activity`].
#[derive(Clone)]
struct Tracked<S> {
    inner: S,
    activity: Arc<Activity>,
}

impl<S, R> hyper::service::Service<Request<Incoming>> for Tracked<S>
where
    S: hyper::service::Service<Request<Incoming>, Response = R>,
    S::Future: Send + 'static,
{
    type Response = R;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<R, S::Error>> + Send>>;

    fn call(&self, request: Request<Incoming>) -> Self::Future {
        let guard = self.activity.begin();
        let call = self.inner.call(request);
        Box::pin(async move {
            let _guard = guard;
            call.await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_a_period_the_rest_counted() {
        let log = RateLimitedLog::new();
        assert_eq!(log.should_log(), Some(0));
        assert_eq!(log.should_log(), None);
        assert_eq!(log.should_log(), None);
        assert_eq!(log.suppressed.load(Ordering::Relaxed), 2);
    }

    #[test]
    fn quiet_time_starts_when_the_last_call_ends() {
        let activity = Arc::new(Activity::new());
        let start = Instant::now();
        let (_, served) = activity.quiet_for(start).unwrap();
        assert!(!served);
        let first = activity.begin();
        let second = activity.begin();
        assert!(activity.quiet_for(Instant::now()).is_none());
        drop(first);
        assert!(activity.quiet_for(Instant::now()).is_none());
        drop(second);
        let (quiet, served) = activity.quiet_for(Instant::now()).unwrap();
        assert!(served);
        assert!(quiet < Duration::from_secs(1));
    }
}
