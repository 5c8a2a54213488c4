//! The serving state: the current policy store snapshot behind an `ArcSwap`
//! (requests load it without locks; a reload swaps in a new one while
//! in-flight requests finish on the old), and the reload history that
//! `GetPolicyStatus`, the logs and the metrics report. For a store in object
//! storage, the history also says how polling goes ([`PollHistory`]).

use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use arc_swap::{ArcSwapOption, Guard};
use tokio::sync::watch;
use tollgate_store::Store;

/// One loaded, compiled store revision and where it came from.
#[derive(Debug)]
pub struct Snapshot {
    /// The compiled store.
    pub store: Store,
    /// Where it was loaded from ("embedded example", a folder, a URL, "cache
    /// of URL").
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
    /// When the serving revision was published, for a store from object
    /// storage: `(revision, published at)`.
    pub published: Option<(String, SystemTime)>,
    /// How polling goes, for a store in object storage; `None` otherwise.
    pub poll: Option<PollHistory>,
    /// Signature checks of a store in object storage.
    pub signatures: SignatureHistory,
    /// The sequence and expiry of the serving revision's manifest, for a
    /// store in object storage whose manifest has them.
    pub freshness: Option<Freshness>,
    /// Signed revisions refused as older than the newest seen (rollbacks).
    pub rollbacks: u64,
}

/// The sequence and expiry of a revision's manifest (`tollgate publish`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Freshness {
    /// The revision.
    pub revision: String,
    /// The manifest's sequence.
    pub sequence: Option<u64>,
    /// When the manifest expires.
    pub expires_at: Option<SystemTime>,
}

/// How signature checks go (`verify-keys`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignatureHistory {
    /// Whether revisions must be signed.
    pub required: bool,
    /// Revisions refused for their signature.
    pub failures: u64,
    /// `(revision, key id)`: the key that signed a revision that was
    /// verified and installed.
    pub signed_by: Option<(String, String)>,
}

impl ReloadHistory {
    /// The id of the key that signed the serving revision `revision`, when
    /// it was verified.
    pub fn signed_by(&self, revision: &str) -> Option<&str> {
        self.signatures
            .signed_by
            .as_ref()
            .filter(|(signed, _)| signed == revision)
            .map(|(_, key)| key.as_str())
    }

    /// The manifest sequence and expiry of the serving revision
    /// `revision`, if known.
    pub fn freshness_of(&self, revision: &str) -> Option<&Freshness> {
        self.freshness.as_ref().filter(|f| f.revision == revision)
    }

    /// When the serving revision `revision` was published, if known.
    pub fn published_at(&self, revision: &str) -> Option<SystemTime> {
        self.published
            .as_ref()
            .filter(|(published, _)| published == revision)
            .map(|(_, at)| *at)
    }
}

/// How polling a store in object storage goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollHistory {
    /// The store's URL.
    pub url: String,
    /// When polling started (the server's start).
    pub since: SystemTime,
    /// When the last poll ended, whatever its outcome.
    pub last_at: Option<SystemTime>,
    /// When the last successful poll ended.
    pub last_success_at: Option<SystemTime>,
    /// The error standing now and when it was recorded: the last poll's, or
    /// the one of the published revision that was refused (it stands until
    /// another revision is published).
    pub last_error: Option<(String, SystemTime)>,
    /// Failed polls since the last successful one.
    pub consecutive_failures: u64,
    /// Polls that found nothing new.
    pub unchanged: u64,
    /// Polls that fetched a new revision (loaded or not).
    pub updated: u64,
    /// Polls that failed.
    pub failed: u64,
}

impl PollHistory {
    fn new(url: String, since: SystemTime) -> Self {
        Self {
            url,
            since,
            last_at: None,
            last_success_at: None,
            last_error: None,
            consecutive_failures: 0,
            unchanged: 0,
            updated: 0,
            failed: 0,
        }
    }
}

/// How one poll went, as [`PolicyState::record_poll`] counts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PollRecord {
    /// Nothing new was published. `standing` is the error of the published
    /// revision when it was refused and still is the one published.
    Unchanged {
        /// The refused revision's error, which still stands.
        standing: Option<String>,
    },
    /// A new revision was fetched and loaded (or was the one serving).
    Updated,
    /// The poll failed, or fetched a revision that was refused.
    Failed {
        /// Why.
        error: String,
    },
}

impl PollRecord {
    /// The `outcome` label of `tollgate_store_polls_total`.
    pub fn label(&self) -> &'static str {
        match self {
            PollRecord::Unchanged { .. } => "unchanged",
            PollRecord::Updated => "updated",
            PollRecord::Failed { .. } => "failed",
        }
    }
}

/// What the server answers from.
#[derive(Debug)]
pub struct PolicyState {
    current: ArcSwapOption<Snapshot>,
    history: Mutex<ReloadHistory>,
    /// True once a revision serves; never goes back.
    ready: watch::Sender<bool>,
    /// The reload running now, and what readiness requires.
    watchdog: crate::reload::Watchdog,
}

impl Default for PolicyState {
    fn default() -> Self {
        Self {
            current: ArcSwapOption::empty(),
            history: Mutex::default(),
            ready: watch::Sender::new(false),
            watchdog: crate::reload::Watchdog::default(),
        }
    }
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

    /// Follows readiness: the value turns `true` when the first revision
    /// is installed (and stays so).
    pub fn watch_ready(&self) -> watch::Receiver<bool> {
        self.ready.subscribe()
    }

    /// Serves `snapshot` from now on; requests already running finish on
    /// the snapshot they loaded. The replaced snapshot is dropped here, or
    /// by the last request still using it: a reloader retires it instead
    /// ([`PolicyState::install_published`]).
    pub fn install(&self, snapshot: Snapshot) {
        drop(self.install_published(snapshot, None));
    }

    /// Serves `snapshot`, a revision published at `published_at` (for a
    /// store in object storage), from now on, and returns the snapshot it
    /// replaces. The returned reference counts every request still using
    /// that snapshot (`Arc::strong_count`, their loads included): once it
    /// is the only one, no request can reach the old snapshot any more, and
    /// whoever holds it decides where it is freed.
    #[must_use = "the replaced snapshot is freed where it is dropped"]
    pub fn install_published(
        &self,
        snapshot: Snapshot,
        published_at: Option<SystemTime>,
    ) -> Option<Arc<Snapshot>> {
        let revision = snapshot.store.revision().to_owned();
        let replaced = {
            let mut history = self.lock_history();
            let replaced = self.current.swap(Some(Arc::new(snapshot)));
            history.succeeded += 1;
            history.last_error = None;
            history.published = published_at.map(|at| (revision, at));
            replaced
        };
        self.ready.send_replace(true);
        replaced
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

    /// Records that revisions must be signed (`verify-keys`).
    pub fn require_signatures(&self) {
        self.lock_history().signatures.required = true;
    }

    /// Records a revision refused for its signature.
    pub fn record_signature_failure(&self) {
        self.lock_history().signatures.failures += 1;
    }

    /// Records that `revision` was verified as signed by `key_id`.
    pub fn record_signer(&self, revision: &str, key_id: &str) {
        self.lock_history().signatures.signed_by = Some((revision.to_owned(), key_id.to_owned()));
    }

    /// Starts the poll history of the store at `url` (in object storage):
    /// from now on the status and the metrics report polling.
    pub fn start_polling(&self, url: &str) {
        let mut history = self.lock_history();
        if history.poll.is_none() {
            history.poll = Some(PollHistory::new(url.to_owned(), SystemTime::now()));
        }
    }

    /// Records one poll's outcome; returns the number of failed polls in a
    /// row now (0 after a success).
    pub fn record_poll(&self, record: &PollRecord) -> u64 {
        let now = SystemTime::now();
        let mut history = self.lock_history();
        let poll = history
            .poll
            .get_or_insert_with(|| PollHistory::new(String::new(), now));
        poll.last_at = Some(now);
        match record {
            PollRecord::Unchanged { standing } => {
                poll.unchanged += 1;
                poll.last_success_at = Some(now);
                poll.consecutive_failures = 0;
                match standing {
                    // Keeps the time the refused revision was first seen.
                    Some(error) => {
                        if poll.last_error.as_ref().is_none_or(|(e, _)| e != error) {
                            poll.last_error = Some((error.clone(), now));
                        }
                    }
                    None => poll.last_error = None,
                }
            }
            PollRecord::Updated => {
                poll.updated += 1;
                poll.last_success_at = Some(now);
                poll.consecutive_failures = 0;
                poll.last_error = None;
            }
            PollRecord::Failed { error } => {
                poll.failed += 1;
                poll.consecutive_failures += 1;
                poll.last_error = Some((error.clone(), now));
            }
        }
        poll.consecutive_failures
    }

    /// The reload watchdog: the reload running now, and the readiness
    /// options.
    pub fn watchdog(&self) -> &crate::reload::Watchdog {
        &self.watchdog
    }

    /// Records the manifest sequence and expiry of `revision`.
    pub fn record_freshness(&self, freshness: Freshness) {
        self.lock_history().freshness = Some(freshness);
    }

    /// Records a signed revision refused as a rollback.
    pub fn record_rollback(&self) {
        self.lock_history().rollbacks += 1;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn poll_history(state: &PolicyState) -> PollHistory {
        match state.history().poll {
            Some(poll) => poll,
            None => unreachable!("polling was started"),
        }
    }

    #[test]
    fn polls_are_counted_and_errors_stand_until_a_success() {
        let state = PolicyState::empty();
        state.start_polling("s3://b/p");
        let started = poll_history(&state);
        assert_eq!(started.url, "s3://b/p");
        assert_eq!(started.last_at, None);

        let failed = PollRecord::Failed {
            error: "down".to_owned(),
        };
        assert_eq!(state.record_poll(&failed), 1);
        assert_eq!(state.record_poll(&failed), 2);
        let poll = poll_history(&state);
        assert_eq!(poll.failed, 2);
        assert_eq!(poll.last_success_at, None);
        assert_eq!(poll.last_error.map(|(e, _)| e), Some("down".to_owned()));

        // A refused revision's error stands through unchanged polls, with
        // the time it was first seen.
        let standing = PollRecord::Unchanged {
            standing: Some("refused".to_owned()),
        };
        assert_eq!(state.record_poll(&standing), 0);
        let first = poll_history(&state).last_error;
        assert_eq!(state.record_poll(&standing), 0);
        let poll = poll_history(&state);
        assert_eq!(poll.last_error, first);
        assert_eq!(poll.unchanged, 2);
        assert!(poll.last_success_at.is_some());

        assert_eq!(state.record_poll(&PollRecord::Updated), 0);
        let poll = poll_history(&state);
        assert_eq!(poll.last_error, None);
        assert_eq!((poll.updated, poll.unchanged, poll.failed), (1, 2, 2));
        assert_eq!(
            [
                failed.label(),
                standing.label(),
                PollRecord::Updated.label()
            ],
            ["failed", "unchanged", "updated"]
        );
    }

    #[test]
    fn readiness_is_watched() {
        let state = PolicyState::empty();
        let ready = state.watch_ready();
        assert!(!*ready.borrow());
        assert!(!state.is_ready());
    }
}
