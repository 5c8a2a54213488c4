//! The accept loop every listener runs: at most `max-connections` open
//! connections (one more is accepted and closed at once, counted in
//! `tollgate_connections_closed_total{reason="limit"}`, so it fails fast
//! instead of waiting in the kernel's backlog), accept errors (out of file
//! descriptors ...) counted and backed off from without ever stopping the
//! listener, and a bounded drain: when the server stops, the socket is
//! closed, every connection is told to finish, and those still open at
//! the drain deadline are dropped.

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tracing::{debug, warn};

use super::conn::RateLimitedLog;
use crate::metrics::{ACCEPT_ERRORS, CONNECTIONS, CONNECTIONS_CLOSED};

/// The first pause after a failed accept; it doubles up to
/// [`ACCEPT_BACKOFF_MAX`] while accepts keep failing.
const ACCEPT_BACKOFF_MIN: Duration = Duration::from_millis(5);
/// The longest pause after a failed accept.
const ACCEPT_BACKOFF_MAX: Duration = Duration::from_secs(1);

/// Something connections are accepted from.
pub(crate) trait Accept: Send + 'static {
    /// An accepted connection.
    type Io: Send + 'static;

    /// The next connection.
    fn next_connection(&mut self) -> impl Future<Output = io::Result<Self::Io>> + Send;
}

impl Accept for TcpListener {
    type Io = TcpStream;

    async fn next_connection(&mut self) -> io::Result<TcpStream> {
        let (stream, _) = self.accept().await?;
        // Answers are small: send them at once.
        let _ = stream.set_nodelay(true);
        Ok(stream)
    }
}

#[cfg(unix)]
impl Accept for tokio::net::UnixListener {
    type Io = tokio::net::UnixStream;

    async fn next_connection(&mut self) -> io::Result<tokio::net::UnixStream> {
        self.accept().await.map(|(stream, _)| stream)
    }
}

/// A listener's name (its metrics label) and bounds.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ListenerBounds {
    /// `grpc`, `ext_authz` or `admin`.
    pub(crate) name: &'static str,
    /// Open connections at most.
    pub(crate) max_connections: usize,
    /// How long the drain may take once the server stops.
    pub(crate) drain: Duration,
}

/// Accepts from `acceptor` until `stop` turns true, serving each connection
/// with `serve` in its own task; then drains (see the module docs).
pub(crate) async fn run<A, F, Fut>(
    mut acceptor: A,
    bounds: ListenerBounds,
    serve: F,
    stop: watch::Receiver<bool>,
) where
    A: Accept,
    F: Fn(A::Io, watch::Receiver<bool>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let name = bounds.name;
    let permits = Arc::new(Semaphore::new(bounds.max_connections.max(1)));
    let mut connections = JoinSet::new();
    let mut stopped = stop.clone();
    let mut backoff = ACCEPT_BACKOFF_MIN;
    loop {
        let accepted = tokio::select! {
            _ = stopped.wait_for(|stop| *stop) => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
            accepted = acceptor.next_connection() => accepted,
        };
        match accepted {
            Ok(io) => {
                backoff = ACCEPT_BACKOFF_MIN;
                let Ok(permit) = permits.clone().try_acquire_owned() else {
                    drop(io);
                    metrics::counter!(CONNECTIONS_CLOSED, "listener" => name, "reason" => "limit")
                        .increment(1);
                    debug!(
                        listener = name,
                        "connection refused: max-connections reached"
                    );
                    continue;
                };
                let open = Open::new(name);
                let connection = serve(io, stop.clone());
                connections.spawn(async move {
                    connection.await;
                    drop(open);
                    drop(permit);
                });
            }
            Err(error) => {
                metrics::counter!(ACCEPT_ERRORS, "listener" => name).increment(1);
                static LOG: RateLimitedLog = RateLimitedLog::new();
                if let Some(suppressed) = LOG.should_log() {
                    warn!(
                        listener = name,
                        %error,
                        errors_not_logged = suppressed,
                        "cannot accept a connection; retrying (tollgate_accept_errors_total)"
                    );
                }
                let stop_now = tokio::select! {
                    _ = stopped.wait_for(|stop| *stop) => true,
                    () = tokio::time::sleep(backoff) => false,
                };
                if stop_now {
                    break;
                }
                backoff = (backoff * 2).min(ACCEPT_BACKOFF_MAX);
            }
        }
    }
    // Closing the socket: new clients are refused by the kernel at once.
    drop(acceptor);
    let all_closed = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(bounds.drain, all_closed)
        .await
        .is_err()
    {
        let left = u64::try_from(connections.len()).unwrap_or(u64::MAX);
        metrics::counter!(CONNECTIONS_CLOSED, "listener" => name, "reason" => "drain")
            .increment(left);
        warn!(
            listener = name,
            connections = left,
            "drain timeout: dropping the connections still open"
        );
        connections.shutdown().await;
    }
}

/// One open connection in `tollgate_connections{listener}`, for as long as
/// it lives (also when its task is dropped at the drain deadline).
struct Open(metrics::Gauge);

impl Open {
    fn new(name: &'static str) -> Self {
        let gauge = metrics::gauge!(CONNECTIONS, "listener" => name);
        gauge.increment(1.0);
        Self(gauge)
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        self.0.decrement(1.0);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// Fails with EMFILE as often as told, then hands out numbered
    /// connections, then waits forever.
    struct Flaky {
        script: VecDeque<io::Result<usize>>,
    }

    impl Accept for Flaky {
        type Io = usize;

        async fn next_connection(&mut self) -> io::Result<usize> {
            match self.script.pop_front() {
                Some(next) => next,
                None => std::future::pending().await,
            }
        }
    }

    fn emfile() -> io::Result<usize> {
        Err(io::Error::from_raw_os_error(24))
    }

    #[tokio::test]
    async fn accept_errors_are_retried_and_the_cap_holds() {
        let script = [
            emfile(),
            emfile(),
            emfile(),
            Ok(1),
            Ok(2),
            Ok(3),
            emfile(),
            Ok(4),
        ];
        let acceptor = Flaky {
            script: script.into_iter().collect(),
        };
        let (stop_tx, stop) = watch::channel(false);
        let served = Arc::new(AtomicUsize::new(0));
        let bounds = ListenerBounds {
            name: "test",
            max_connections: 2,
            drain: Duration::from_millis(200),
        };
        let counted = served.clone();
        let listener = tokio::spawn(run(
            acceptor,
            bounds,
            move |_io, mut stop: watch::Receiver<bool>| {
                let counted = counted.clone();
                async move {
                    counted.fetch_add(1, Ordering::SeqCst);
                    // Connections stay open until the server stops.
                    let _ = stop.wait_for(|stop| *stop).await;
                }
            },
            stop,
        ));
        tokio::time::sleep(Duration::from_millis(300)).await;
        // Four errors did not stop the listener; two connections fit under
        // the cap, the other two were closed at accept.
        assert_eq!(served.load(Ordering::SeqCst), 2);
        assert!(!listener.is_finished());
        stop_tx.send(true).unwrap();
        tokio::time::timeout(Duration::from_secs(2), listener)
            .await
            .unwrap()
            .unwrap();
    }

    #[tokio::test]
    async fn the_drain_is_bounded() {
        let acceptor = Flaky {
            script: [Ok(1)].into_iter().collect(),
        };
        let (stop_tx, stop) = watch::channel(false);
        let bounds = ListenerBounds {
            name: "test",
            max_connections: 8,
            drain: Duration::from_millis(300),
        };
        let listener = tokio::spawn(run(
            acceptor,
            bounds,
            // A connection that ignores the stop signal.
            |_io, _stop| std::future::pending::<()>(),
            stop,
        ));
        tokio::time::sleep(Duration::from_millis(50)).await;
        let started = std::time::Instant::now();
        stop_tx.send(true).unwrap();
        tokio::time::timeout(Duration::from_secs(2), listener)
            .await
            .unwrap()
            .unwrap();
        let took = started.elapsed();
        assert!(
            took >= Duration::from_millis(250) && took < Duration::from_secs(1),
            "{took:?}"
        );
    }
}
