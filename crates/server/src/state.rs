//! The serving state: the current policy store snapshot behind an `ArcSwap`
//! (requests load it without locks; a reload swaps in a new one while
//! in-flight requests finish on the old), and the reload history that
//! `GetPolicyStatus`, the logs and the metrics report.

use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use arc_swap::{ArcSwapOption, Guard};
use tollgate_store::Store;

/// One loaded, compiled store revision and where it came from.
#[derive(Debug)]
pub struct Snapshot {
    /// The compiled store.
    pub store: Store,
    /// Where it was loaded from ("embedded example", a folder, a URL).
    pub source: String,
    /// When it was loaded.
    pub loaded_at: SystemTime,
}

/// How reloads have gone.
#[derive(Debug, Clone, Default)]
pub struct ReloadHistory {
    /// The last failed attempt's error and time, cleared by a success.
    pub last_error: Option<(String, SystemTime)>,
    /// Successful loads, the first included.
    pub succeeded: u64,
    /// Failed loads.
    pub failed: u64,
}

/// What the server answers from.
#[derive(Debug, Default)]
pub struct PolicyState {
    current: ArcSwapOption<Snapshot>,
    history: Mutex<ReloadHistory>,
}

impl PolicyState {
    /// A state with nothing loaded yet (not ready).
    pub fn empty() -> Self {
        Self::default()
    }

    /// A state serving `snapshot`.
    pub fn serving(snapshot: Snapshot) -> Self {
        let state = Self::empty();
        state.install(snapshot);
        state
    }

    /// The snapshot serving now, if any; lock-free.
    pub fn current(&self) -> Guard<Option<Arc<Snapshot>>> {
        self.current.load()
    }

    /// True once a revision has been loaded.
    pub fn is_ready(&self) -> bool {
        self.current.load().is_some()
    }

    /// Serves `snapshot` from now on; requests already running finish on the
    /// snapshot they loaded.
    pub fn install(&self, snapshot: Snapshot) {
        self.current.store(Some(Arc::new(snapshot)));
        let mut history = self.lock_history();
        history.succeeded += 1;
        history.last_error = None;
    }

    /// Records a failed reload; the current snapshot keeps serving.
    pub fn record_failure(&self, error: String) {
        let mut history = self.lock_history();
        history.failed += 1;
        history.last_error = Some((error, SystemTime::now()));
    }

    /// Records a reload that loaded the revision already serving (a broken
    /// file was put back as it was): the last failure no longer stands;
    /// nothing is installed or counted.
    pub fn record_unchanged(&self) {
        self.lock_history().last_error = None;
    }

    /// A copy of the reload history.
    pub fn history(&self) -> ReloadHistory {
        self.lock_history().clone()
    }

    fn lock_history(&self) -> std::sync::MutexGuard<'_, ReloadHistory> {
        // A panic while holding this lock cannot leave the history invalid:
        // every update is a plain field write.
        self.history
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
