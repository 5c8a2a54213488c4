//! The background task that decides when to reload: debounced folder
//! events, `SIGHUP`, [`Reloader::trigger`], and the periodic rescan; for a
//! store in object storage, the poll timer (its delay from
//! [`Reloader::next_poll_delay`], set again after every poll).

use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::time::Duration;

use notify_debouncer_full::notify::event::{AccessKind, AccessMode};
use notify_debouncer_full::notify::{self, EventKind, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache, new_debouncer};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::{Instant, Interval, MissedTickBehavior, Sleep};
use tracing::{debug, warn};

use super::fingerprint::Fingerprint;
use super::{Cause, Reloader};
use crate::config::StoreSource;

/// Why the reload task could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WatchError {
    /// The store folder could not be watched.
    #[error("cannot watch the store folder: {0}")]
    Watch(#[from] notify::Error),
    /// The `SIGHUP` handler could not be installed.
    #[error("cannot listen for SIGHUP: {0}")]
    Signal(std::io::Error),
    /// [`Reloader::spawn`] was already called for this reloader.
    #[error("the reload task of this reloader already runs")]
    AlreadyRunning,
}

/// The running reload task; dropping it stops the task and the watcher.
#[derive(Debug)]
pub struct ReloadTask {
    handle: JoinHandle<()>,
}

type Watcher = Debouncer<notify::RecommendedWatcher, RecommendedCache>;

impl ReloadTask {
    /// Stops watching and reloading.
    pub fn stop(self) {
        drop(self);
    }
}

impl Drop for ReloadTask {
    fn drop(&mut self) {
        self.handle.abort();
    }
}

impl Reloader {
    /// Starts reloading in the background: on folder changes (settled for
    /// `debounce`), on `SIGHUP`, on [`Reloader::trigger`], and every
    /// `rescan` when the folder's fingerprint changed. The embedded example
    /// is never watched or rescanned. Needs a Tokio runtime.
    pub fn spawn(
        &self,
        debounce: Duration,
        rescan: Option<Duration>,
    ) -> Result<ReloadTask, WatchError> {
        let wake_rx = self
            .inner
            .wake_rx
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take()
            .ok_or(WatchError::AlreadyRunning)?;
        let (watcher, rescan) = match &self.inner.source {
            StoreSource::Dir(dir) => {
                let wake = self.inner.wake.clone();
                let mut watcher = new_debouncer(debounce, None, move |result| {
                    if is_relevant(&result) {
                        // A full queue already holds a pending reload.
                        let _ = wake.try_send(Cause::Watch);
                    }
                })?;
                watcher.watch(dir, RecursiveMode::Recursive)?;
                (Some((watcher, dir.clone())), rescan)
            }
            StoreSource::Embedded | StoreSource::Bucket(_) => (None, None),
        };
        let hangup = hangup_signal()?;
        let poll = self
            .next_poll_delay()
            .map(|delay| Box::pin(tokio::time::sleep(delay)));
        let handle =
            tokio::spawn(
                self.clone()
                    .run(watcher, wake_rx, hangup, rescan.map(interval), poll),
            );
        Ok(ReloadTask { handle })
    }

    async fn run(
        self,
        mut watcher: Option<(Watcher, PathBuf)>,
        mut wake: mpsc::Receiver<Cause>,
        mut hangup: Hangup,
        mut rescan: Option<Interval>,
        mut poll: Option<Pin<Box<Sleep>>>,
    ) {
        loop {
            let cause = tokio::select! {
                Some(cause) = wake.recv() => cause,
                Some(()) = hangup.recv() => Cause::Signal,
                () = sleep(&mut poll) => Cause::Poll,
                () = tick(&mut rescan) => {
                    if !self.fingerprint_changed().await {
                        continue;
                    }
                    // The watcher may have lost the folder (deleted and
                    // created again): watch it anew.
                    if let Some((watcher, dir)) = &mut watcher {
                        rewatch(watcher, dir);
                    }
                    Cause::Rescan
                }
                else => break,
            };
            // Requests that arrived meanwhile are served by this reload.
            while wake.try_recv().is_ok() {}
            self.reload(cause).await;
            if let (Some(timer), Some(delay)) = (&mut poll, self.next_poll_delay()) {
                timer.as_mut().reset(Instant::now() + delay);
            }
        }
    }

    /// True when the folder's fingerprint differs from the one the last
    /// load saw; false while a reload runs (it will see the change).
    async fn fingerprint_changed(&self) -> bool {
        let Ok(last) = self.inner.last.try_lock() else {
            return false;
        };
        let last = *last;
        let source = self.inner.source.clone();
        match self
            .inner
            .thread
            .run(move || Fingerprint::of(&source))
            .await
        {
            Ok(now) => {
                let changed = last != Some(now);
                if changed {
                    debug!("rescan: the store folder changed");
                }
                changed
            }
            Err(_) => false,
        }
    }
}

fn rewatch(watcher: &mut Watcher, dir: &Path) {
    // Fails when the watch was already gone; nothing to undo then.
    let _ = watcher.unwatch(dir);
    if let Err(error) = watcher.watch(dir, RecursiveMode::Recursive) {
        warn!(%error, dir = %dir.display(), "cannot watch the store folder; the rescan still runs");
    }
}

/// Whether a batch of folder events can change the store: opening and
/// reading files (our own loads) cannot.
fn is_relevant(result: &DebounceEventResult) -> bool {
    match result {
        Ok(events) => events.iter().any(|event| match event.event.kind {
            EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
            EventKind::Access(_) => false,
            _ => true,
        }),
        Err(errors) => {
            for error in errors {
                warn!(%error, "store folder watch error; reloading to be safe");
            }
            true
        }
    }
}

fn interval(period: Duration) -> Interval {
    let mut interval = tokio::time::interval_at(Instant::now() + period, period);
    interval.set_missed_tick_behavior(MissedTickBehavior::Delay);
    interval
}

async fn sleep(timer: &mut Option<Pin<Box<Sleep>>>) {
    match timer {
        Some(timer) => timer.as_mut().await,
        None => std::future::pending().await,
    }
}

async fn tick(rescan: &mut Option<Interval>) {
    match rescan {
        Some(interval) => {
            interval.tick().await;
        }
        None => std::future::pending().await,
    }
}

#[cfg(unix)]
type Hangup = tokio::signal::unix::Signal;

#[cfg(unix)]
fn hangup_signal() -> Result<Hangup, WatchError> {
    use tokio::signal::unix::{SignalKind, signal};
    signal(SignalKind::hangup()).map_err(WatchError::Signal)
}

/// No `SIGHUP` off Unix: a stream that never yields.
#[cfg(not(unix))]
struct Hangup;

#[cfg(not(unix))]
impl Hangup {
    async fn recv(&mut self) -> Option<()> {
        std::future::pending().await
    }
}

#[cfg(not(unix))]
fn hangup_signal() -> Result<Hangup, WatchError> {
    Ok(Hangup)
}
