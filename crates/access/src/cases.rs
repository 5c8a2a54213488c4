//! The context keys a query leaves out and the cases they split it into:
//! per key, absence, each value the statements' conditions compare with,
//! and one value none of them equals.

use std::collections::BTreeMap;

use serde::Serialize;
use tollgate_compiler::{GroupId, ResolvedAction};
use tollgate_policy::{Effect, Request};
use tollgate_store::Store;

use crate::error::AccessError;

/// The value a case gives a missing key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum CaseValue {
    /// The request does not carry the key.
    Absent,
    /// The key has this value.
    Equals(String),
    /// The key has one value, none of these (the values the conditions
    /// compare with).
    NoneOf(Vec<String>),
}

/// One combination of values of the missing keys.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ContextCase {
    /// Per missing key, its value in this case.
    pub keys: Vec<(String, CaseValue)>,
}

/// Bounds on the work of one query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most combinations of missing context values per principal.
    pub max_cases: usize,
    /// Most states explored when splitting ARNs by resource pattern.
    pub max_states: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_cases: 1024,
            max_states: 50_000,
        }
    }
}

/// The text a [`CaseValue::NoneOf`] case gives the key: equal to none of the
/// values the conditions compare with.
pub(crate) fn other_value(values: &[String]) -> String {
    let mut candidate = "tollgate-other".to_owned();
    while values.contains(&candidate) {
        candidate.push('-');
    }
    candidate
}

/// The condition keys of the statements of `groups` filed under `action`
/// that `request` does not give and the store does not know, each with the
/// values its conditions compare with.
pub(crate) fn missing_keys(
    store: &Store,
    groups: &[GroupId],
    action: &ResolvedAction,
    request: &Request,
) -> BTreeMap<String, Vec<String>> {
    let tables = store.tables();
    let mut keys: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for group in groups.iter().filter_map(|g| tables.group(*g)) {
        for effect in [Effect::Allow, Effect::Deny] {
            group.visit_action_candidates(effect, action, |id| {
                let Some(statement) = tables.statement(id) else {
                    return false;
                };
                if statement.excludes_action(&request.action) {
                    return false;
                }
                for condition in statement
                    .condition_ids()
                    .iter()
                    .filter_map(|c| tables.condition(*c))
                {
                    keys.entry(condition.key().to_owned())
                        .or_default()
                        .extend(condition.sample_values());
                }
                false
            });
        }
    }
    keys.retain(|key, _| !store.with_context_view(request, |view| view.get(key).is_some()));
    for values in keys.values_mut() {
        values.sort();
        values.dedup();
    }
    keys
}

/// Every combination of the keys' cases, within `limits`; one empty case
/// when no key is missing.
pub(crate) fn cases(
    keys: &BTreeMap<String, Vec<String>>,
    limits: &Limits,
) -> Result<Vec<ContextCase>, AccessError> {
    let count = keys
        .values()
        .map(|v| v.len() as u128 + 2)
        .try_fold(1u128, |acc, n| acc.checked_mul(n))
        .unwrap_or(u128::MAX);
    if count > limits.max_cases as u128 {
        return Err(AccessError::TooManyCases {
            keys: keys.len(),
            cases: count,
            limit: limits.max_cases,
            names: keys.keys().cloned().collect::<Vec<_>>().join(", "),
        });
    }
    let mut out = vec![ContextCase::default()];
    for (key, values) in keys {
        let mut options = vec![CaseValue::Absent];
        options.extend(values.iter().cloned().map(CaseValue::Equals));
        options.push(CaseValue::NoneOf(values.clone()));
        out = out
            .into_iter()
            .flat_map(|case| {
                options.iter().map(move |option| {
                    let mut case = case.clone();
                    case.keys.push((key.clone(), option.clone()));
                    case
                })
            })
            .collect();
    }
    Ok(out)
}

/// `request` with the case's values added to its context.
pub(crate) fn with_case(request: &Request, case: &ContextCase) -> Request {
    let mut request = request.clone();
    for (key, value) in &case.keys {
        match value {
            CaseValue::Absent => {}
            CaseValue::Equals(v) => request.context.insert(key, vec![v.clone()]),
            CaseValue::NoneOf(values) => request.context.insert(key, vec![other_value(values)]),
        }
    }
    request
}
