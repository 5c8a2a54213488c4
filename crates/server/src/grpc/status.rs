//! `GetPolicyStatus`: the serving revision, its store's size and warnings,
//! and how reloads have gone. Before the first revision loads, the revision
//! fields are empty and the reload history still tells why loading fails.

use tollgate_proto::v1::PolicyStatus;

use crate::state::{PolicyState, ReloadHistory};

/// The status of `state` now.
pub(crate) fn policy_status(state: &PolicyState) -> PolicyStatus {
    let ReloadHistory {
        last_error,
        succeeded,
        failed,
    } = state.history();
    let (last_reload_error, last_reload_error_at) = match last_error {
        Some((error, at)) => (error, Some(at.into())),
        None => (String::new(), None),
    };
    let mut status = PolicyStatus {
        last_reload_error,
        last_reload_error_at,
        reloads_succeeded: succeeded,
        reloads_failed: failed,
        ..PolicyStatus::default()
    };
    let current = state.current();
    if let Some(snapshot) = current.as_ref() {
        let store = &snapshot.store;
        let stats = store.stats();
        status.revision = store.revision().to_owned();
        status.loaded_at = Some(snapshot.loaded_at.into());
        status.source = snapshot.source.clone();
        status.accounts = count(stats.accounts);
        status.principals = count(stats.principals);
        status.policies = count(stats.policies);
        status.statements = count(stats.statements);
        status.resource_policies = count(stats.resource_policies);
        status.warnings = store.warnings().iter().map(ToString::to_string).collect();
    }
    status
}

/// A count on the wire.
fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}
