//! Updates the reload and store metrics; the gRPC service records the
//! decision and RPC metrics itself.

use std::time::{Duration, UNIX_EPOCH};

use metrics::{counter, gauge, histogram};

use super::{
    LOADED_AT, POLICIES, PRINCIPALS, RELOAD_FAILING, RELOAD_SECONDS, RELOADS, REVISION, STATEMENTS,
};
use crate::state::{PolicyState, Snapshot};

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
    if let Some(snapshot) = state.current().as_deref() {
        record_snapshot(snapshot);
    }
    let failing = state.history().last_error.is_some();
    gauge!(RELOAD_FAILING).set(if failing { 1.0 } else { 0.0 });
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
