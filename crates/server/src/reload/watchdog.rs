//! The reload watchdog and the readiness options that depend on how
//! reloads go.
//!
//! A reload that hangs (a file system that stops answering, a bug) must
//! never be silent: every reload attempt is registered here while it runs,
//! and one that has run longer than [`WatchdogSettings::stall_after`] is
//! reported as stalled, in `GetPolicyStatus` (`reload_in_progress_seconds`,
//! `reload_stalled`), in the metric `tollgate_reload_in_progress_seconds`,
//! with one `warn` line per stall, and, with `ready-requires-live-reload`,
//! by `/readyz` answering 503. Likewise a serving revision whose signed
//! manifest has expired (`expiresAt`, a publisher that stopped publishing
//! or storage frozen by an attacker) is reported in the status and the
//! metric `tollgate_store_expired`, and with `ready-requires-fresh-store`
//! by `/readyz`.

use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use tracing::warn;

use crate::state::PolicyState;

/// Default for [`WatchdogSettings::stall_after`], in seconds.
pub const DEFAULT_RELOAD_STALL_SECS: u64 = 120;

/// How reloads are watched, and what readiness requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WatchdogSettings {
    /// A reload running longer than this is reported as stalled
    /// (`reload-stall-secs`).
    pub stall_after: Duration,
    /// `/readyz` answers 503 while the serving revision's manifest has
    /// expired (`ready-requires-fresh-store`).
    pub ready_requires_fresh_store: bool,
    /// `/readyz` answers 503 while a reload is stalled
    /// (`ready-requires-live-reload`).
    pub ready_requires_live_reload: bool,
}

impl Default for WatchdogSettings {
    fn default() -> Self {
        Self {
            stall_after: Duration::from_secs(DEFAULT_RELOAD_STALL_SECS),
            ready_requires_fresh_store: false,
            ready_requires_live_reload: false,
        }
    }
}

/// The reload running now, if any, and the settings.
#[derive(Debug, Default)]
pub struct Watchdog {
    settings: Mutex<WatchdogSettings>,
    running: Mutex<Option<Running>>,
}

#[derive(Debug)]
struct Running {
    started: Instant,
    cause: String,
    /// The stall was logged.
    warned: bool,
}

/// Registers a reload for as long as it lives.
#[derive(Debug)]
pub(crate) struct ReloadGuard<'a> {
    watchdog: &'a Watchdog,
}

impl Drop for ReloadGuard<'_> {
    fn drop(&mut self) {
        let mut running = lock(&self.watchdog.running);
        if let Some(run) = running.take()
            && run.warned
        {
            warn!(
                cause = %run.cause,
                elapsed_secs = run.started.elapsed().as_secs(),
                "the stalled reload has finished"
            );
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Every update is a plain field write: a panic cannot leave it invalid.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Watchdog {
    /// Uses `settings` from now on.
    pub fn configure(&self, settings: WatchdogSettings) {
        *lock(&self.settings) = settings;
    }

    /// The settings in use.
    pub fn settings(&self) -> WatchdogSettings {
        *lock(&self.settings)
    }

    /// Registers a reload started by `cause` until the guard is dropped.
    pub(crate) fn begin(&self, cause: impl ToString) -> ReloadGuard<'_> {
        *lock(&self.running) = Some(Running {
            started: Instant::now(),
            cause: cause.to_string(),
            warned: false,
        });
        ReloadGuard { watchdog: self }
    }

    /// How long the reload running now has run; `None` when none runs.
    pub fn in_progress(&self) -> Option<Duration> {
        lock(&self.running)
            .as_ref()
            .map(|run| run.started.elapsed())
    }

    /// How long the reload running now has run, when that is longer than
    /// the stall bound.
    pub fn stalled(&self) -> Option<Duration> {
        let bound = self.settings().stall_after;
        self.in_progress().filter(|elapsed| *elapsed > bound)
    }

    /// Logs a stalled reload at `warn`, once per stall (the admin listener
    /// calls it every few seconds).
    pub fn warn_if_stalled(&self) {
        let bound = self.settings().stall_after;
        let mut running = lock(&self.running);
        if let Some(run) = running.as_mut()
            && !run.warned
            && run.started.elapsed() > bound
        {
            run.warned = true;
            warn!(
                cause = %run.cause,
                elapsed_secs = run.started.elapsed().as_secs(),
                limit_secs = bound.as_secs(),
                "a store reload has not finished within `reload-stall-secs`: the serving \
                 revision may be stale, and later reloads wait for this one"
            );
        }
    }
}

/// Whether the serving revision's manifest has expired (`expiresAt` in
/// the past); false when it has no expiry.
pub fn store_expired(state: &PolicyState) -> bool {
    let Some(snapshot) = state
        .current()
        .as_deref()
        .map(|s| s.store.revision().to_owned())
    else {
        return false;
    };
    state
        .history()
        .freshness_of(&snapshot)
        .and_then(|f| f.expires_at)
        .is_some_and(|at| at <= SystemTime::now())
}

/// What `/readyz` answers: `Ok` with a line saying what serves, or `Err`
/// with a line saying why not ready. Ready once a revision serves; with
/// the readiness options, not while it has expired or a reload is stalled.
///
/// The line also tells what is going wrong without changing the answer:
/// before the first revision, that it is loading (and for how long) or
/// why the last attempt failed; while a revision serves, that the last
/// reload or poll failed (when, and its error): the last good revision
/// keeps serving, so the answer stays 200.
pub fn readiness(state: &PolicyState) -> Result<String, String> {
    let failure = last_failure(state);
    let Some(revision) = state
        .current()
        .as_deref()
        .map(|s| s.store.revision().to_owned())
    else {
        let mut line = "not ready: no store revision loaded".to_owned();
        if let Some(elapsed) = state.watchdog().in_progress() {
            line.push_str(&format!(
                "; loading the store ({} s so far)",
                elapsed.as_secs()
            ));
        }
        if let Some(failure) = failure {
            line.push_str(&format!("; {failure}"));
        }
        return Err(line);
    };
    let settings = state.watchdog().settings();
    if settings.ready_requires_fresh_store && store_expired(state) {
        return Err(format!(
            "not ready: revision {revision} has expired (its manifest's `expiresAt` has passed; \
             `ready-requires-fresh-store`)"
        ));
    }
    if settings.ready_requires_live_reload
        && let Some(elapsed) = state.watchdog().stalled()
    {
        return Err(format!(
            "not ready: a store reload has run for {} s, more than `reload-stall-secs` \
             (`ready-requires-live-reload`)",
            elapsed.as_secs()
        ));
    }
    Ok(match failure {
        None => format!("ready: revision {revision}"),
        Some(failure) => format!("ready: revision {revision} serves; {failure}"),
    })
}

/// `the last reload failed at TIME: ERROR` for the failure standing now
/// (a reload's, else a poll's), if any.
fn last_failure(state: &PolicyState) -> Option<String> {
    let history = state.history();
    let (what, (error, at)) = match (history.last_error, history.poll) {
        (Some(failure), _) => ("reload", failure),
        (None, Some(poll)) => ("poll", poll.last_error?),
        (None, None) => return None,
    };
    let at = prost_types::Timestamp::from(at);
    Some(format!("the last {what} failed at {at}: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readiness_names_a_failing_reload_and_stays_ready() {
        let state = PolicyState::empty();
        assert_eq!(
            readiness(&state),
            Err("not ready: no store revision loaded".to_owned())
        );
        {
            let _loading = state.watchdog().begin("startup");
            let line = readiness(&state).unwrap_err();
            assert!(line.contains("loading the store (0 s so far)"), "{line}");
        }
        state.record_failure("accounts/1/users/a.json: $: bad".to_owned());
        let line = readiness(&state).unwrap_err();
        assert!(
            line.contains("; the last reload failed at 20") && line.ends_with(": $: bad"),
            "{line}"
        );

        let store = tollgate_store::Store::embedded_example().unwrap();
        let revision = store.revision().to_owned();
        state.install(crate::state::Snapshot {
            store,
            source: "example".to_owned(),
            loaded_at: SystemTime::now(),
        });
        assert_eq!(readiness(&state), Ok(format!("ready: revision {revision}")));
        state.record_failure("accounts/1/users/b.json: $.x: broken".to_owned());
        let line = readiness(&state).unwrap();
        assert!(
            line.starts_with(&format!(
                "ready: revision {revision} serves; the last reload failed at 20"
            )),
            "{line}"
        );
        assert!(line.ends_with("b.json: $.x: broken"), "{line}");
    }

    #[test]
    fn a_reload_is_reported_while_it_runs_and_stalls_past_the_bound() {
        let watchdog = Watchdog::default();
        watchdog.configure(WatchdogSettings {
            stall_after: Duration::ZERO,
            ..WatchdogSettings::default()
        });
        assert_eq!(watchdog.in_progress(), None);
        {
            let _guard = watchdog.begin("test");
            std::thread::sleep(Duration::from_millis(5));
            assert!(watchdog.in_progress().is_some());
            assert!(watchdog.stalled().is_some());
            watchdog.warn_if_stalled();
        }
        assert_eq!(watchdog.in_progress(), None);
        assert_eq!(watchdog.stalled(), None);
    }
}
