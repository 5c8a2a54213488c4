//! Updates the reload and store metrics; the gRPC service records the
//! decision and RPC metrics itself.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use metrics::{counter, gauge, histogram};

use super::{
    LOADED_AT, POLICIES, POLL_FAILURES, POLL_SECONDS, POLLS, PRINCIPALS, PUBLISHED_AT,
    RELOAD_FAILING, RELOAD_IN_PROGRESS, RELOAD_SECONDS, RELOADS, REVISION, SINCE_LAST_POLL,
    STATEMENTS, STORE_EXPIRED, STORE_EXPIRES_AT, STORE_SEQUENCE,
};
use crate::state::{PolicyState, PollRecord, Snapshot};

/// Records that `snapshot` now serves in place of `previous`: the previous
/// revision's info series drops to 0 at once (and expires later), the new
/// one is 1, and the load time and table sizes are the new store's.
pub fn record_install(previous: Option<&Snapshot>, snapshot: &Snapshot) {
    if let Some(previous) = previous
        && previous.store.revision() != snapshot.store.revision()
    {
        gauge!(REVISION, "revision" => previous.store.revision().to_owned()).set(0.0);
    }
    record_snapshot(snapshot);
}

/// Sets every store gauge from what `state` serves now and how its reloads
/// went; the admin listener calls it every few seconds so that the gauges
/// of the serving revision never expire.
pub fn record_serving(state: &PolicyState) {
    let history = state.history();
    if let Some(snapshot) = state.current().as_deref() {
        record_snapshot(snapshot);
        if let Some(published_at) = history.published_at(snapshot.store.revision()) {
            gauge!(PUBLISHED_AT).set(unix_seconds(published_at));
        }
        if let Some(freshness) = history.freshness_of(snapshot.store.revision()) {
            if let Some(sequence) = freshness.sequence {
                gauge!(STORE_SEQUENCE).set(sequence as f64);
            }
            if let Some(expires_at) = freshness.expires_at {
                gauge!(STORE_EXPIRES_AT).set(unix_seconds(expires_at));
            }
        }
    }
    let expired = crate::reload::store_expired(state);
    gauge!(STORE_EXPIRED).set(if expired { 1.0 } else { 0.0 });
    let watchdog = state.watchdog();
    watchdog.warn_if_stalled();
    gauge!(RELOAD_IN_PROGRESS).set(watchdog.in_progress().unwrap_or_default().as_secs_f64());
    let failing = history.last_error.is_some()
        || history
            .poll
            .as_ref()
            .is_some_and(|poll| poll.last_error.is_some());
    gauge!(RELOAD_FAILING).set(if failing { 1.0 } else { 0.0 });
    if let Some(poll) = &history.poll {
        let since = poll.last_success_at.unwrap_or(poll.since);
        let age = SystemTime::now()
            .duration_since(since)
            .unwrap_or_default()
            .as_secs_f64();
        gauge!(SINCE_LAST_POLL).set(age);
        gauge!(POLL_FAILURES).set(poll.consecutive_failures as f64);
    }
}

/// Records one poll of a store in object storage: its outcome, how long it
/// took, and the failures in a row it leaves.
pub fn record_poll(record: &PollRecord, elapsed: Duration, consecutive_failures: u64) {
    let outcome = record.label();
    counter!(POLLS, "outcome" => outcome).increment(1);
    histogram!(POLL_SECONDS, "outcome" => outcome).record(elapsed.as_secs_f64());
    gauge!(POLL_FAILURES).set(consecutive_failures as f64);
    if !matches!(record, PollRecord::Failed { .. }) {
        gauge!(SINCE_LAST_POLL).set(0.0);
    }
}

fn unix_seconds(at: SystemTime) -> f64 {
    at.duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs_f64()
}

fn record_snapshot(snapshot: &Snapshot) {
    gauge!(REVISION, "revision" => snapshot.store.revision().to_owned()).set(1.0);
    let loaded_at = snapshot
        .loaded_at
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    gauge!(LOADED_AT).set(loaded_at.as_secs_f64());
    let stats = snapshot.store.stats();
    gauge!(PRINCIPALS).set(stats.principals as f64);
    gauge!(POLICIES).set(stats.policies as f64);
    gauge!(STATEMENTS).set(stats.statements as f64);
}

/// Records one reload attempt: `outcome` is `success`, `unchanged` or
/// `failure`; `elapsed` the time to load and compile.
pub fn record_reload(outcome: &'static str, elapsed: Duration) {
    counter!(RELOADS, "outcome" => outcome).increment(1);
    histogram!(RELOAD_SECONDS, "outcome" => outcome).record(elapsed.as_secs_f64());
    gauge!(RELOAD_FAILING).set(if outcome == "failure" { 1.0 } else { 0.0 });
}
