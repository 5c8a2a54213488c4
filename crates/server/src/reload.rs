//! Hot reload: loads and compiles a store off the request path and installs
//! it into the [`PolicyState`] atomically; requests already running finish on
//! the snapshot they started with.
//!
//! The heavy work (reading, compiling, and freeing a replaced store) runs
//! on the reloader's own thread, [`RELOAD_THREAD_NAME`], at the lowest CPU
//! priority the OS allows ([`ReloadPriority`]): the Tokio workers that
//! serve requests win the CPU, and a request that held the old snapshot
//! last only lets go of a reference (the reload thread frees it).
//!
//! A [`Reloader`] does one reload at a time ([`Reloader::reload`]); the
//! background task that [`Reloader::spawn`] starts calls it when the store
//! folder changes (a debounced recursive watch), on `SIGHUP`, on
//! [`Reloader::trigger`], and when a periodic rescan finds that the folder's
//! fingerprint (paths, sizes, modification times) changed behind the
//! watcher's back.
//!
//! A load that runs longer than [`FIRST_REPORT`] logs its progress (files
//! read, statements compiled) then and every [`REPORT_EVERY`] after.
//!
//! A store that fails to load is rejected whole: the last good revision keeps
//! serving, and the failure goes to the log (`warn`, the full error), to
//! [`PolicyState::record_failure`] (so `GetPolicyStatus` shows it) and to the
//! metrics. A store whose revision (its content hash) is already serving is
//! not installed again.
//!
//! A store in object storage ([`StoreSource::Bucket`], published with
//! `tollgate publish`) is polled instead of watched: every poll interval
//! (with jitter), on `SIGHUP` and on [`Reloader::trigger`]. An unchanged
//! store costs one conditional request per poll. Failed polls keep the
//! serving revision and back off ([`poll_delay`]); a revision with missing
//! or altered objects is refused by the fetcher and counts as a failed
//! poll. Each loaded revision is written to the cache folder, when one is
//! set; at start-up, a store that cannot be fetched serves from there
//! ("cache of URL"), else the server starts not ready
//! ([`Reloader::load_initial`]).

mod bucket;
mod fingerprint;
mod priority;
mod progress;
mod task;
mod thread;
mod watchdog;

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::{Mutex, mpsc};
use tollgate_store::{Store, StoreError};
use tracing::{info, warn};

use self::bucket::Poller;
pub use self::bucket::{poll_delay, poll_time_limit};
use self::fingerprint::Fingerprint;
#[cfg(target_os = "linux")]
pub use self::priority::current_thread_priority;
pub(crate) use self::priority::lower_current_thread;
pub use self::priority::{ReloadPriority, ReloadPrioritySetting};
pub use self::progress::{FIRST_REPORT, REPORT_EVERY};
pub use self::task::{ReloadTask, WatchError};
pub use self::thread::RELOAD_THREAD_NAME;
use self::thread::ReloadThread;
pub use self::watchdog::{
    DEFAULT_RELOAD_STALL_SECS, Watchdog, WatchdogSettings, readiness, store_expired,
};
use crate::config::{PollSettings, StoreSource};
use crate::metrics;
use crate::state::{PolicyState, Snapshot};

/// What started a reload; it appears in the logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// The first load.
    Startup,
    /// The watcher saw the folder change.
    Watch,
    /// `SIGHUP`.
    Signal,
    /// The periodic rescan found a changed fingerprint.
    Rescan,
    /// [`Reloader::trigger`] or a direct [`Reloader::reload`] call.
    Trigger,
    /// The periodic poll of a store in object storage.
    Poll,
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Cause::Startup => "startup",
            Cause::Watch => "watch",
            Cause::Signal => "signal",
            Cause::Rescan => "rescan",
            Cause::Trigger => "trigger",
            Cause::Poll => "poll",
        })
    }
}

/// How one reload went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReloadOutcome {
    /// A new revision serves.
    Installed {
        /// Its revision.
        revision: String,
    },
    /// The store loaded, and its revision was already serving.
    Unchanged {
        /// That revision.
        revision: String,
    },
    /// The store could not be loaded; the previous revision keeps serving.
    Failed {
        /// The full error, every fault with its file and JSON path.
        error: String,
    },
}

impl ReloadOutcome {
    /// The `outcome` label of `tollgate_reloads_total`.
    pub fn label(&self) -> &'static str {
        match self {
            ReloadOutcome::Installed { .. } => "success",
            ReloadOutcome::Unchanged { .. } => "unchanged",
            ReloadOutcome::Failed { .. } => "failure",
        }
    }
}

/// Reloads one store source into one [`PolicyState`]. Cheap to clone; the
/// clones share the state and take turns.
#[derive(Debug, Clone)]
pub struct Reloader {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    state: Arc<PolicyState>,
    source: StoreSource,
    /// Held for a whole reload; holds the fingerprint the last attempt saw.
    last: Mutex<Option<Fingerprint>>,
    /// How a store in object storage is polled; `None` for other sources.
    poll_settings: Option<PollSettings>,
    /// The fetcher of a store in object storage, held for a whole poll.
    poller: Option<Mutex<Poller>>,
    /// Where stores are read, compiled and freed, at low priority.
    thread: ReloadThread,
    /// Wakes the background task, when one runs.
    wake: mpsc::Sender<Cause>,
    /// Taken by the background task.
    wake_rx: std::sync::Mutex<Option<mpsc::Receiver<Cause>>>,
}

impl Reloader {
    /// A reloader of `source` into `state`; nothing is loaded yet. A store
    /// in object storage is polled with the default [`PollSettings`].
    pub fn new(state: Arc<PolicyState>, source: StoreSource) -> Self {
        Self::with_poll(state, source, PollSettings::default())
    }

    /// A reloader of `source` into `state`, polled as `poll` says when it
    /// is a store in object storage; nothing is loaded yet.
    pub fn with_poll(state: Arc<PolicyState>, source: StoreSource, poll: PollSettings) -> Self {
        Self::with_settings(state, source, poll, ReloadPrioritySetting::default())
    }

    /// A reloader of `source` into `state`, polled as `poll` says when it
    /// is a store in object storage, whose thread runs at the CPU priority
    /// `priority` asks (`reload-priority`); nothing is loaded yet.
    pub fn with_settings(
        state: Arc<PolicyState>,
        source: StoreSource,
        poll: PollSettings,
        priority: ReloadPrioritySetting,
    ) -> Self {
        let (wake, wake_rx) = mpsc::channel(8);
        let (poll_settings, poller) = match &source {
            StoreSource::Bucket(bucket) => {
                state.start_polling(&bucket.url);
                if poll.trusted_keys.is_some() {
                    state.require_signatures();
                }
                (
                    Some(poll.clone()),
                    Some(Mutex::new(Poller::new(bucket.clone(), poll))),
                )
            }
            StoreSource::Embedded | StoreSource::Dir(_) => (None, None),
        };
        Self {
            inner: Arc::new(Inner {
                state,
                source,
                last: Mutex::new(None),
                poll_settings,
                poller,
                thread: ReloadThread::start(priority),
                wake,
                wake_rx: std::sync::Mutex::new(Some(wake_rx)),
            }),
        }
    }

    /// The state this reloader installs into.
    pub fn state(&self) -> &Arc<PolicyState> {
        &self.inner.state
    }

    /// The source it loads.
    pub fn source(&self) -> &StoreSource {
        &self.inner.source
    }

    /// The CPU priority of the reload thread, where stores are read,
    /// compiled and freed; `None` before the thread has started running.
    pub fn thread_priority(&self) -> Option<ReloadPriority> {
        self.inner.thread.priority()
    }

    /// True for a store in object storage (polled, and a server may start
    /// before its first revision loads).
    pub fn polls(&self) -> bool {
        self.inner.poller.is_some()
    }

    /// Loads the store for the first time and installs it, returning its
    /// revision; unlike a reload, a failure is returned (the server does not
    /// start without a store folder that loads). For a store in object
    /// storage that cannot be fetched, the revision in the cache folder (when
    /// one is set) serves instead, and a failure means nothing serves yet.
    pub async fn load_initial(&self) -> Result<String, LoadError> {
        if self.polls() {
            return self.load_initial_bucket().await;
        }
        self.attempt(Cause::Startup)
            .await
            .map(|loaded| loaded.revision)
    }

    /// Loads the store now (waiting for a reload already running) and
    /// installs it unless its revision already serves.
    pub async fn reload(&self, cause: Cause) -> ReloadOutcome {
        match self.attempt(cause).await {
            Ok(Loaded {
                revision,
                installed: true,
            }) => ReloadOutcome::Installed { revision },
            Ok(Loaded {
                revision,
                installed: false,
            }) => ReloadOutcome::Unchanged { revision },
            Err(error) => ReloadOutcome::Failed {
                error: bounded(&error.to_string()),
            },
        }
    }

    /// Asks the background task for a reload and returns at once; requests
    /// made while one is pending are merged into it. Does nothing when no
    /// task runs.
    pub fn trigger(&self) {
        // A full queue already holds a pending reload.
        let _ = self.inner.wake.try_send(Cause::Trigger);
    }

    async fn attempt(&self, cause: Cause) -> Result<Loaded, LoadError> {
        if self.polls() {
            return self.poll_bucket(cause).await;
        }
        let mut last = self.inner.last.lock().await;
        let _running = self.inner.state.watchdog().begin(cause);
        let source = self.inner.source.clone();
        let started = Instant::now();
        let loaded = progress::run_logged(&self.inner.thread, cause, move || {
            let fingerprint = Fingerprint::of(&source);
            (fingerprint, load(&source))
        })
        .await;
        let elapsed = started.elapsed();
        let state = &self.inner.state;
        let store = match loaded {
            Ok((fingerprint, loaded)) => {
                *last = Some(fingerprint);
                loaded.map_err(LoadError::from)
            }
            Err(gone) => Err(LoadError::Panicked(gone.to_string())),
        };
        let store = match store {
            Ok(store) => store,
            Err(error) => {
                let text = bounded(&error.to_string());
                if state.is_ready() {
                    warn!(%cause, error = %text, "store load failed; the previous revision keeps serving");
                } else {
                    warn!(%cause, error = %text, "store load failed; no revision serves");
                }
                state.record_failure(text);
                metrics::record_reload("failure", elapsed);
                return Err(error);
            }
        };
        let source = self.inner.source.to_string();
        Ok(self.install_store(store, &source, None, cause, elapsed))
    }

    /// Serves `store`, loaded from `source` (published at `published_at` for
    /// a store in object storage), unless that revision already serves from
    /// there: logs it, records it in the state and the metrics, and hands
    /// the replaced snapshot (or the store not installed) to the reload
    /// thread, which frees it once no request uses it (a request only lets
    /// go of its reference). The one install path of folders and buckets.
    fn install_store(
        &self,
        store: Store,
        source: &str,
        published_at: Option<SystemTime>,
        cause: Cause,
        elapsed: Duration,
    ) -> Loaded {
        let state = &self.inner.state;
        let revision = store.revision().to_owned();
        let previous = state.current();
        let (installed, replaced) = match previous.as_deref() {
            Some(current) if current.store.revision() == revision && current.source == source => {
                state.record_unchanged();
                info!(%cause, %revision, "store unchanged");
                metrics::record_reload("unchanged", elapsed);
                self.inner.thread.dispose(store);
                (false, None)
            }
            current => {
                log_warnings(&revision, store.warnings());
                let snapshot = Snapshot {
                    store,
                    source: source.to_owned(),
                    loaded_at: SystemTime::now(),
                };
                metrics::record_install(current, &snapshot);
                let replaced = state.install_published(snapshot, published_at);
                info!(
                    %cause,
                    %revision,
                    %source,
                    previous = current.map(|c| c.store.revision()),
                    previous_source = current.map(|c| c.source.as_str()),
                    elapsed_ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
                    "store installed"
                );
                metrics::record_reload("success", elapsed);
                (true, replaced)
            }
        };
        // This load counts in the replaced snapshot's references: let go
        // before the reload thread looks.
        drop(previous);
        if let Some(replaced) = replaced {
            self.inner.thread.retire(replaced);
        }
        Loaded {
            revision,
            installed,
        }
    }
}

/// Logs the first [`MAX_LOGGED_WARNINGS`] warnings of a new revision and
/// how many more there are (`tollgate validate` and `GetPolicyStatus` list
/// them all).
fn log_warnings(revision: &str, warnings: &[tollgate_store::StoreWarning]) {
    for warning in warnings.iter().take(MAX_LOGGED_WARNINGS) {
        let warning = bounded(&warning.to_string());
        warn!(%revision, %warning, "store warning");
    }
    if let Some(more) = warnings.len().checked_sub(MAX_LOGGED_WARNINGS)
        && more > 0
    {
        warn!(%revision, more, "more store warnings not logged");
    }
}

/// Warnings logged per installed revision.
const MAX_LOGGED_WARNINGS: usize = 20;

/// The most characters of a reload or poll error kept for the status and
/// the logs: an error may quote hostile input (a manifest, a store file).
pub const MAX_ERROR_CHARS: usize = 4096;

/// `text` cut after [`MAX_ERROR_CHARS`] characters, saying how long it was.
pub fn bounded(text: &str) -> String {
    match text.char_indices().nth(MAX_ERROR_CHARS) {
        None => text.to_owned(),
        Some((end, _)) => format!(
            "{}… (cut: {} bytes in all)",
            text.get(..end).unwrap_or_default(),
            text.len()
        ),
    }
}

struct Loaded {
    revision: String,
    installed: bool,
}

/// Why a store could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The store is invalid or unreadable.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The loader panicked (a bug); the message says where.
    #[error("the store loader failed: {0}")]
    Panicked(String),
    /// The store could not be fetched from object storage, or the fetched
    /// revision was refused; the message names the URL.
    #[error("{0}")]
    Fetch(String),
    /// The cache folder holds no revision that loads.
    #[error("cache: {0}")]
    Cache(String),
}

/// Loads and compiles the store of `source`; blocking.
pub fn load(source: &StoreSource) -> Result<Store, StoreError> {
    match source {
        StoreSource::Embedded => Store::embedded_example(),
        StoreSource::Dir(dir) => Store::load_dir(dir),
        StoreSource::Bucket(bucket) => Err(StoreError::Io {
            path: bucket.url.clone().into(),
            source: std::io::Error::new(
                std::io::ErrorKind::Unsupported,
                "a store in object storage is fetched by polling (tollgate serve), not read as a folder",
            ),
        }),
    }
}
