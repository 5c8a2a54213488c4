//! Polling a store published to object storage (`tollgate publish`).
//!
//! Each poll is one conditional request for the manifest when nothing
//! changed (the fetcher's `If-None-Match`); a new manifest is fetched with
//! its objects, each checked against the manifest's hashes by the fetcher, so
//! a revision with missing or altered objects is refused and never loaded.
//! A fetched revision is compiled on the reload thread (low priority, off
//! the async workers) and installed as a folder's would be. After each
//! successful load the revision is written to the cache folder (when one is
//! set); at start-up, when storage cannot be reached, the cached revision
//! serves ("cache of URL") until a poll succeeds.
//!
//! Failures keep the serving revision; the next poll backs off
//! exponentially (with jitter), see [`poll_delay`].
//!
//! With `verify-keys`, the fetcher refuses revisions not signed by one of
//! the keys, and the cached revision is verified the same way before it
//! may serve; each refusal is counted (status and
//! `tollgate_store_signature_failures_total`).

use std::fmt::Write as _;
use std::ops::Not as _;
use std::path::PathBuf;
use std::str::FromStr as _;
use std::time::{Duration, Instant, SystemTime};

use tollgate_bundle::{FetchOptions, Fetched, Fetcher, PollOutcome};
use tollgate_store::Store;
use tracing::{debug, info, warn};

use super::{Cause, LoadError, Loaded, Reloader};
use crate::config::{BucketSource, PollSettings};
use crate::metrics;
use crate::state::{Freshness, PolicyState, PollRecord};

/// The longest a poll may take (fetching a large store included) before it
/// counts as failed; the object store client's own retries stop there.
const MAX_POLL_TIME: Duration = Duration::from_secs(300);
/// The shortest time a poll is given.
const MIN_POLL_TIME: Duration = Duration::from_secs(5);
/// A poll may take this many intervals.
const POLL_TIME_INTERVALS: u32 = 3;
/// The longest backoff after failures, whatever the interval (unless the
/// interval itself is longer).
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// The backoff is at most this many intervals.
const MAX_BACKOFF_INTERVALS: u32 = 5;
/// Repeated failures with the same error are logged at `warn` this often.
const WARN_EVERY: u64 = 10;

/// The polling side of a [`Reloader`] of a store in object storage.
#[derive(Debug)]
pub(super) struct Poller {
    bucket: BucketSource,
    settings: PollSettings,
    /// Made on the first poll (a bad location fails that poll).
    fetcher: Option<Fetcher>,
    /// The revision read from the cache folder at start-up, until a poll
    /// succeeds: the fetcher resumes from it (so the first poll is
    /// conditional), it serves as "cache of URL" while storage cannot be
    /// reached, and it is loaded again as the URL's when storage says it is
    /// still the one published.
    cached: Option<Fetched>,
    /// The error of the published revision that was fetched and did not
    /// load; it stands while that revision is still the one published.
    refused: Option<String>,
    /// The last error logged at `warn`, to log repeats at `debug`.
    last_warned: Option<String>,
    /// The newest signed manifest sequence known before the fetcher was
    /// made (the cache folder's `newest-sequence`, the cached manifest's).
    newest_sequence: Option<u64>,
    /// The sequence last written to the cache folder.
    persisted_sequence: Option<u64>,
}

impl Poller {
    pub(super) fn new(bucket: BucketSource, settings: PollSettings) -> Self {
        Self {
            bucket,
            settings,
            fetcher: None,
            cached: None,
            refused: None,
            last_warned: None,
            newest_sequence: None,
            persisted_sequence: None,
        }
    }

    /// The fetcher, made on first use.
    fn fetcher(&mut self) -> Result<&mut Fetcher, String> {
        if self.fetcher.is_none() {
            let location = self
                .bucket
                .location()
                .map_err(|e| describe(&self.bucket.url, &e))?;
            let mut fetcher = Fetcher::new(location, FetchOptions::default());
            if let Some(keys) = &self.settings.trusted_keys {
                fetcher.require_signatures(keys.clone());
            }
            if let Some(sequence) = self.newest_sequence {
                fetcher.refuse_older_than(sequence);
            }
            if let Some(cached) = &self.cached {
                fetcher.resume(cached);
            }
            self.fetcher = Some(fetcher);
        }
        self.fetcher
            .as_mut()
            .ok_or_else(|| format!("{}: no fetcher", self.bucket.url))
    }

    /// One poll, bounded in time. A signature failure is counted in
    /// `state` and the metrics.
    async fn fetch(&mut self, state: &PolicyState) -> Result<PollOutcome, String> {
        let limit = poll_time_limit(self.settings.interval);
        let url = self.bucket.url.clone();
        let fetcher = self.fetcher()?;
        match tokio::time::timeout(limit, fetcher.poll()).await {
            Ok(result) => result.map_err(|e| {
                if e.is_signature_failure() {
                    signature_failure(state);
                }
                if e.is_rollback() {
                    rollback(state);
                }
                describe(&url, &e)
            }),
            // A poll cut short leaves the fetcher as it was.
            Err(_) => Err(format!(
                "{url}: storage did not answer within {} s",
                limit.as_secs()
            )),
        }
    }
}

/// Counts a revision refused for its signature.
fn signature_failure(state: &PolicyState) {
    state.record_signature_failure();
    ::metrics::counter!(metrics::SIGNATURE_FAILURES).increment(1);
}

/// Counts a signed revision refused as older than the newest seen.
fn rollback(state: &PolicyState) {
    state.record_rollback();
    ::metrics::counter!(metrics::ROLLBACKS).increment(1);
}

/// An error of `url` as one line: the error and its sources, at most
/// [`super::MAX_ERROR_CHARS`] characters.
fn describe(url: &str, error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = format!("{url}: {error}");
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            let _ = write!(text, ": {cause_text}");
        }
        source = cause.source();
    }
    // One line: storage errors may quote a multi-line response body.
    super::bounded(&text.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// Whether two poll errors are of the same kind: the same letters in their
/// first 80 characters (timings, retry counts and request ids vary), so a
/// repeat is not logged at `warn` again.
fn same_kind(a: &str, b: &str) -> bool {
    let kind = |text: &str| -> String {
        text.chars()
            .take(80)
            .filter(|c| c.is_alphabetic())
            .collect()
    };
    kind(a) == kind(b)
}

/// How long a poll may take: three intervals, within 5 s to 300 s.
pub fn poll_time_limit(interval: Duration) -> Duration {
    interval
        .saturating_mul(POLL_TIME_INTERVALS)
        .clamp(MIN_POLL_TIME, MAX_POLL_TIME)
}

/// The delay before the next poll after `failures` failed polls in a row:
/// the interval when all is well; after failures, the interval doubled per
/// failure up to five intervals or 60 s, whichever is less (but never less
/// than the interval). `unit` (in `[0, 1)`) spreads the delay by up to
/// `jitter` of it either way.
pub fn poll_delay(interval: Duration, jitter: f64, failures: u64, unit: f64) -> Duration {
    let base = if failures == 0 {
        interval
    } else {
        let cap = interval
            .saturating_mul(MAX_BACKOFF_INTERVALS)
            .min(MAX_BACKOFF)
            .max(interval);
        let doublings = u32::try_from(failures.min(16)).unwrap_or(16);
        interval.saturating_mul(1 << doublings).min(cap)
    };
    let jitter = jitter.clamp(0.0, 1.0);
    let factor = 1.0 + jitter * (2.0 * unit.clamp(0.0, 1.0) - 1.0);
    base.mul_f64(factor.max(0.0))
        .max(Duration::from_millis(100))
}

/// A number in `[0, 1)`, different at each call (for jitter; not for
/// anything secret).
fn random_unit() -> f64 {
    use std::hash::BuildHasher;
    let hash = std::collections::hash_map::RandomState::new().hash_one(SystemTime::now());
    (hash >> 11) as f64 / (1_u64 << 53) as f64
}

impl Reloader {
    /// The delay before the next poll of a store in object storage; `None`
    /// for other sources.
    pub fn next_poll_delay(&self) -> Option<Duration> {
        let settings = self.inner.poll_settings.as_ref()?;
        let failures = self
            .inner
            .state
            .history()
            .poll
            .map_or(0, |poll| poll.consecutive_failures);
        Some(poll_delay(
            settings.interval,
            settings.jitter,
            failures,
            random_unit(),
        ))
    }

    /// The first load of a store in object storage. With a cache folder,
    /// its revision is read first and the fetcher resumes from it, so the
    /// first poll is conditional; when that poll fails, the cached
    /// revision serves as "cache of URL". A failure is returned when
    /// nothing serves; the server starts anyway, not ready until a poll
    /// succeeds.
    pub(super) async fn load_initial_bucket(&self) -> Result<String, LoadError> {
        let Some(poller) = &self.inner.poller else {
            return Err(not_polled());
        };
        let (cache_dir, keys) = {
            let poller = poller.lock().await;
            (
                poller.settings.cache_dir.clone(),
                poller.settings.trusted_keys.clone(),
            )
        };
        if let Some(dir) = &cache_dir
            && keys.is_some()
        {
            let newest = self.read_newest_sequence(dir).await;
            let mut poller = poller.lock().await;
            poller.newest_sequence = newest;
            poller.persisted_sequence = newest;
        }
        if let Some(dir) = &cache_dir {
            let read = {
                let dir = dir.clone();
                tokio::task::spawn_blocking(move || tollgate_bundle::cache::read(&dir)).await
            };
            let newest = poller.lock().await.newest_sequence;
            match read {
                Ok(Ok(Some(fetched)))
                    if let Some(keys) = &keys
                        && let Err(error) = fetched.verify(keys) =>
                {
                    signature_failure(&self.inner.state);
                    warn!(
                        cache = %dir.display(),
                        error = %describe(&dir.display().to_string(), &error),
                        "the cached revision is not signed by a trusted key; ignoring it"
                    );
                }
                Ok(Ok(Some(fetched)))
                    if keys.is_some()
                        && let Err(error) = cached_freshness(&fetched, newest) =>
                {
                    if error.is_rollback() {
                        rollback(&self.inner.state);
                    }
                    warn!(
                        cache = %dir.display(),
                        error = %describe(&dir.display().to_string(), &error),
                        "the cached revision is refused; ignoring it"
                    );
                }
                Ok(Ok(Some(fetched))) => {
                    debug!(revision = %fetched.revision, cache = %dir.display(), "cached revision found");
                    let mut poller = poller.lock().await;
                    poller.cached = Some(fetched);
                    // Resumed when made.
                    poller.fetcher = None;
                }
                Ok(Ok(None)) => debug!(cache = %dir.display(), "no cached revision yet"),
                Ok(Err(error)) => warn!(
                    cache = %dir.display(),
                    error = %describe(&dir.display().to_string(), &error),
                    "the cached revision is unusable; ignoring it"
                ),
                Err(join) => warn!(cache = %dir.display(), error = %join, "cannot read the cache"),
            }
        }
        let error = match self.attempt(Cause::Startup).await {
            Ok(loaded) => return Ok(loaded.revision),
            Err(error) => error,
        };
        let mut poller = poller.lock().await;
        let Some(cached) = poller.cached.clone() else {
            return Err(error);
        };
        let started = Instant::now();
        let source = format!("cache of {}", self.inner.source);
        match self
            .install_fetched(cached, &source, Cause::Startup, started)
            .await
        {
            Ok(loaded) => {
                info!(
                    revision = %loaded.revision,
                    %source,
                    %error,
                    "storage unreachable at start-up: serving the cached revision until a poll succeeds"
                );
                Ok(loaded.revision)
            }
            Err(cache_error) => {
                warn!(%source, error = %cache_error, "the cached revision does not load; ignoring it");
                // Poll afresh, not conditional on what did not load.
                poller.cached = None;
                poller.fetcher = None;
                Err(error)
            }
        }
    }

    /// One poll of a store in object storage, and the load of what it
    /// fetched.
    pub(super) async fn poll_bucket(&self, cause: Cause) -> Result<Loaded, LoadError> {
        let Some(poller) = &self.inner.poller else {
            return Err(not_polled());
        };
        let mut poller = poller.lock().await;
        let _running = self.inner.state.watchdog().begin(cause);
        let started = Instant::now();
        let polled = poller.fetch(&self.inner.state).await;
        if polled.is_ok() {
            self.persist_newest_sequence(&mut poller).await;
        }
        let state = &self.inner.state;
        let url = self.inner.source.to_string();
        let (record, result) = match polled {
            Err(error) => (
                PollRecord::Failed {
                    error: error.clone(),
                },
                Err(LoadError::Fetch(error)),
            ),
            Ok(PollOutcome::Unchanged) => match poller.cached.take() {
                // The cached revision is still the one published: it now
                // serves as the URL's.
                Some(cached) => match self.install_fetched(cached, &url, cause, started).await {
                    Ok(loaded) => (PollRecord::Unchanged { standing: None }, Ok(loaded)),
                    Err(error) => {
                        poller.fetcher = None;
                        let text = format!("{url}: {error}");
                        (PollRecord::Failed { error: text }, Err(error))
                    }
                },
                None => {
                    debug!(%cause, "store poll: unchanged");
                    let record = PollRecord::Unchanged {
                        standing: poller.refused.clone(),
                    };
                    let serving = state
                        .current()
                        .as_deref()
                        .map(|snapshot| snapshot.store.revision().to_owned());
                    let result = match (serving, &poller.refused) {
                        (_, Some(refused)) => Err(LoadError::Fetch(refused.clone())),
                        (Some(revision), None) => Ok(Loaded {
                            revision,
                            installed: false,
                        }),
                        (None, None) => Err(LoadError::Fetch(format!(
                            "{url}: no revision has loaded yet"
                        ))),
                    };
                    (record, result)
                }
            },
            Ok(PollOutcome::Updated(fetched)) => {
                poller.cached = None;
                let cache_dir = poller.settings.cache_dir.clone();
                // The files are kept for the cache only when there is one.
                let to_cache = cache_dir.map(|dir| (dir, fetched.clone()));
                match self.install_fetched(fetched, &url, cause, started).await {
                    Ok(loaded) => {
                        poller.refused = None;
                        if let Some((dir, fetched)) = to_cache {
                            write_cache(dir, fetched).await;
                        }
                        (PollRecord::Updated, Ok(loaded))
                    }
                    Err(error) => {
                        let text = format!("{url}: {error}");
                        poller.refused = Some(text.clone());
                        (PollRecord::Failed { error: text }, Err(error))
                    }
                }
            }
        };
        let failures = state.record_poll(&record);
        metrics::record_poll(&record, started.elapsed(), failures);
        match &record {
            PollRecord::Failed { error } => {
                // The first failure in a row, a different error, and every
                // tenth repeat at warn; the status always has the last.
                let changed = poller
                    .last_warned
                    .as_deref()
                    .is_none_or(|last| same_kind(last, error).not());
                if failures == 1 || changed || failures.is_multiple_of(WARN_EVERY) {
                    warn!(
                        %cause,
                        error = %error,
                        failures,
                        "store poll failed; the serving revision keeps serving"
                    );
                    poller.last_warned = Some(error.clone());
                } else {
                    debug!(%cause, error = %error, failures, "store poll failed again");
                }
            }
            PollRecord::Unchanged { .. } | PollRecord::Updated => {
                if poller.last_warned.take().is_some() {
                    info!(%cause, "store poll succeeded again");
                }
            }
        }
        result
    }

    /// Compiles and installs a fetched revision as coming from `source`,
    /// unless it serves already from there.
    async fn install_fetched(
        &self,
        fetched: Fetched,
        source: &str,
        cause: Cause,
        started: Instant,
    ) -> Result<Loaded, LoadError> {
        let state = &self.inner.state;
        let published_at = published_time(&fetched.published_at);
        let freshness = Freshness {
            revision: fetched.revision.clone(),
            sequence: fetched.sequence,
            expires_at: fetched.expires_at.as_deref().and_then(published_time),
        };
        let (fetched_publisher, fetched_published_at) = (fetched.publisher, fetched.published_at);
        // Only a fetcher that requires signatures (or a cache read checked
        // with the same keys) hands over a verified signature.
        let verified_signer = self
            .inner
            .poll_settings
            .as_ref()
            .and_then(|settings| settings.trusted_keys.as_ref())
            .and(fetched.signature.as_ref())
            .map(|signature| signature.key_id.clone());
        // The same files published again (a renewed expiry) from where they
        // serve already: nothing to compile.
        let serving = state
            .current()
            .as_deref()
            .is_some_and(|s| s.store.revision() == fetched.revision && s.source == source);
        if serving {
            state.record_freshness(freshness);
            if let Some(key_id) = &verified_signer {
                state.record_signer(&fetched.revision, key_id);
            }
            state.record_unchanged();
            metrics::record_reload("unchanged", started.elapsed());
            return Ok(Loaded {
                revision: fetched.revision,
                installed: false,
            });
        }
        let store = match self.compile(fetched.files, cause).await? {
            Ok(store) => store,
            Err(error) => {
                let error = LoadError::Store(error);
                state.record_failure(super::bounded(&error.to_string()));
                metrics::record_reload("failure", started.elapsed());
                return Err(error);
            }
        };
        if let Some(publisher) = &fetched_publisher {
            debug!(%publisher, published_at = %fetched_published_at, "revision fetched");
        }
        if let Some(key_id) = &verified_signer {
            state.record_signer(store.revision(), key_id);
        }
        state.record_freshness(freshness);
        Ok(self.install_store(store, source, published_at, cause, started.elapsed()))
    }
}

/// Checks a cached revision (its signature already verified) as the
/// fetcher checks a signed manifest: it carries a sequence and an expiry,
/// and its sequence is not below `newest`, the newest seen.
fn cached_freshness(
    fetched: &Fetched,
    newest: Option<u64>,
) -> Result<(), tollgate_bundle::BundleError> {
    let (sequence, _) = fetched.manifest().signed_freshness()?;
    match newest {
        Some(newest) if sequence < newest => Err(tollgate_bundle::BundleError::Rollback {
            revision: fetched.revision.clone(),
            sequence,
            newest,
        }),
        _ => Ok(()),
    }
}

impl Reloader {
    /// The cache folder's `newest-sequence`, off the async workers; an
    /// unreadable or invalid one is reported and counts as none (the cached
    /// manifest's own signed sequence still bounds what is accepted).
    async fn read_newest_sequence(&self, dir: &std::path::Path) -> Option<u64> {
        let task_dir = dir.to_owned();
        let read = tokio::task::spawn_blocking(move || {
            tollgate_bundle::cache::read_newest_sequence(&task_dir)
        })
        .await;
        match read {
            Ok(Ok(sequence)) => sequence,
            Ok(Err(error)) => {
                let text = describe(&dir.display().to_string(), &error);
                warn!(cache = %dir.display(), error = %text, "the cache's newest sequence is unusable; ignoring it");
                self.inner.state.record_failure(text);
                None
            }
            Err(join) => {
                warn!(cache = %dir.display(), error = %join, "cannot read the cache's newest sequence");
                None
            }
        }
    }

    /// Writes the fetcher's newest sequence to the cache folder when it grew
    /// (with `verify-keys` and a cache folder); a failure is logged.
    async fn persist_newest_sequence(&self, poller: &mut Poller) {
        let (Some(dir), Some(_)) = (&poller.settings.cache_dir, &poller.settings.trusted_keys)
        else {
            return;
        };
        let Some(newest) = poller.fetcher.as_ref().and_then(Fetcher::newest_sequence) else {
            return;
        };
        if poller.persisted_sequence.is_some_and(|p| p >= newest) {
            return;
        }
        let task_dir = dir.clone();
        let written = tokio::task::spawn_blocking(move || {
            tollgate_bundle::cache::write_newest_sequence(&task_dir, newest)
        })
        .await;
        match written {
            Ok(Ok(())) => poller.persisted_sequence = Some(newest),
            Ok(Err(error)) => {
                let text = describe(&dir.display().to_string(), &error);
                warn!(%text, "cannot record the newest sequence in the cache folder");
            }
            Err(join) => {
                warn!(error = %join, "cannot record the newest sequence in the cache folder")
            }
        }
    }
}

fn not_polled() -> LoadError {
    LoadError::Fetch("this reloader does not poll object storage".to_owned())
}

/// Writes `fetched` to the cache folder `dir` off the async workers; a
/// failure is logged (the revision serves all the same).
async fn write_cache(dir: PathBuf, fetched: Fetched) {
    let revision = fetched.revision.clone();
    let written = tokio::task::spawn_blocking(move || {
        tollgate_bundle::cache::write(&dir, &fetched)
            .map_err(|e| describe(&dir.display().to_string(), &e))
    })
    .await;
    match written {
        Ok(Ok(())) => debug!(%revision, "revision written to the cache folder"),
        Ok(Err(error)) => {
            warn!(%revision, %error, "cannot write the revision to the cache folder");
        }
        Err(join) => {
            warn!(%revision, error = %join, "cannot write the revision to the cache folder");
        }
    }
}

impl Reloader {
    /// Compiles `files` on the reload thread.
    async fn compile(
        &self,
        files: std::collections::BTreeMap<String, Vec<u8>>,
        cause: Cause,
    ) -> Result<Result<Store, tollgate_store::StoreError>, LoadError> {
        super::progress::run_logged(&self.inner.thread, cause, move || Store::from_files(files))
            .await
            .map_err(|gone| LoadError::Panicked(gone.to_string()))
    }
}

/// The time of an RFC 3339 `publishedAt`; `None` when it does not parse
/// (the fetcher checks it, so only a bug gives `None`).
fn published_time(text: &str) -> Option<SystemTime> {
    let timestamp = prost_types::Timestamp::from_str(text).ok()?;
    SystemTime::try_from(timestamp).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    fn no_jitter_no_failure_is_the_interval() {
        assert_eq!(poll_delay(10 * SECOND, 0.0, 0, 0.7), 10 * SECOND);
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let delays: Vec<_> = (0..8)
            .map(|failures| poll_delay(10 * SECOND, 0.0, failures, 0.5).as_secs())
            .collect();
        assert_eq!(delays, [10, 20, 40, 50, 50, 50, 50, 50]);
        // 5 intervals of 30 s would be 150 s: 60 s at most.
        assert_eq!(poll_delay(30 * SECOND, 0.0, 9, 0.5), 60 * SECOND);
        // An interval longer than 60 s is never shortened.
        assert_eq!(poll_delay(300 * SECOND, 0.0, 9, 0.5), 300 * SECOND);
        assert_eq!(poll_delay(SECOND, 0.0, u64::MAX, 0.5), 5 * SECOND);
    }

    #[test]
    fn jitter_spreads_either_way() {
        assert_eq!(poll_delay(10 * SECOND, 0.2, 0, 0.0), 8 * SECOND);
        assert_eq!(poll_delay(10 * SECOND, 0.2, 0, 1.0), 12 * SECOND);
        assert_eq!(poll_delay(10 * SECOND, 0.2, 0, 0.5), 10 * SECOND);
        assert_eq!(poll_delay(SECOND, 1.0, 0, 0.0), Duration::from_millis(100));
        for _ in 0..100 {
            let unit = random_unit();
            assert!((0.0..1.0).contains(&unit), "{unit}");
        }
    }

    #[test]
    fn errors_differing_in_numbers_only_are_the_same_kind() {
        assert!(same_kind(
            "GET x in 2.2s, after 10 retries: refused",
            "GET x in 2.45s, after 9 retries: refused"
        ));
        assert!(!same_kind("refused", "403 InvalidAccessKeyId"));
    }

    #[test]
    fn published_times_parse() {
        let at = published_time("2025-01-31T12:00:00Z");
        assert_eq!(
            at.and_then(|at| at.duration_since(SystemTime::UNIX_EPOCH).ok()),
            Some(Duration::from_secs(1_738_324_800))
        );
        assert_eq!(published_time("yesterday"), None);
    }

    #[test]
    fn poll_time_is_bounded() {
        assert_eq!(poll_time_limit(SECOND), 5 * SECOND);
        assert_eq!(poll_time_limit(10 * SECOND), 30 * SECOND);
        assert_eq!(poll_time_limit(3600 * SECOND), 300 * SECOND);
    }
}
