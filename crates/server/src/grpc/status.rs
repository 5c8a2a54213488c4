//! `GetPolicyStatus`: the serving revision, its store's size and warnings,
//! and how reloads have gone; for a store in object storage, when the
//! revision was published and how polling goes. Before the first revision
//! loads, the revision fields are empty, `ready` is false, and the reload
//! and poll history still tell why loading fails.

use tollgate_proto::v1::PolicyStatus;

use crate::state::{PolicyState, ReloadHistory};

/// The most store warnings listed in a status (each cut at
/// [`crate::reload::MAX_ERROR_CHARS`]), so the answer stays far below a
/// client's default 4 MiB message limit; one more line says how many were
/// left out.
pub(crate) const MAX_STATUS_WARNINGS: usize = 100;

/// The status of `state` now.
pub(crate) fn policy_status(state: &PolicyState) -> PolicyStatus {
    let history = state.history();
    let ReloadHistory {
        last_error,
        succeeded,
        failed,
        poll,
        ..
    } = &history;
    let (last_reload_error, last_reload_error_at) = match last_error {
        Some((error, at)) => (error.clone(), Some((*at).into())),
        None => (String::new(), None),
    };
    let mut status = PolicyStatus {
        last_reload_error,
        last_reload_error_at,
        reloads_succeeded: *succeeded,
        reloads_failed: *failed,
        ..PolicyStatus::default()
    };
    if let Some(poll) = poll {
        status.store_url = poll.url.clone();
        status.last_poll_at = poll.last_at.map(Into::into);
        status.last_successful_poll_at = poll.last_success_at.map(Into::into);
        if let Some((error, at)) = &poll.last_error {
            status.last_poll_error = error.clone();
            status.last_poll_error_at = Some((*at).into());
        }
        status.consecutive_poll_failures = poll.consecutive_failures;
    }
    status.signature_required = history.signatures.required;
    status.signature_failures = history.signatures.failures;
    status.rollbacks_refused = history.rollbacks;
    let watchdog = state.watchdog();
    status.reload_in_progress_seconds = watchdog.in_progress().unwrap_or_default().as_secs_f64();
    status.reload_stalled = watchdog.stalled().is_some();
    let current = state.current();
    if let Some(snapshot) = current.as_ref() {
        let store = &snapshot.store;
        let stats = store.stats();
        status.ready = true;
        status.revision = store.revision().to_owned();
        status.loaded_at = Some(snapshot.loaded_at.into());
        status.published_at = history.published_at(store.revision()).map(Into::into);
        status.signed_by_key_id = history
            .signed_by(store.revision())
            .unwrap_or_default()
            .to_owned();
        status.source = snapshot.source.clone();
        if let Some(freshness) = history.freshness_of(store.revision()) {
            status.store_sequence = freshness.sequence.unwrap_or_default();
            status.store_expires_at = freshness.expires_at.map(Into::into);
            status.store_expired = crate::reload::store_expired(state);
        }
        status.accounts = count(stats.accounts);
        status.principals = count(stats.principals);
        status.policies = count(stats.policies);
        status.statements = count(stats.statements);
        status.resource_policies = count(stats.resource_policies);
        let warnings = store.warnings();
        status.warnings = warnings
            .iter()
            .take(MAX_STATUS_WARNINGS)
            .map(|w| crate::reload::bounded(&w.to_string()))
            .collect();
        if let Some(more) = warnings.len().checked_sub(MAX_STATUS_WARNINGS)
            && more > 0
        {
            status.warnings.push(format!(
                "… and {more} more warnings (`tollgate validate` lists them all)"
            ));
        }
    }
    status
}

/// A count on the wire.
fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}
