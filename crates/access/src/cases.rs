//! The context keys a query leaves out and the cases they split it into:
//! per key, absence, each value the statements' conditions compare with,
//! and one value none of them equals.

use std::collections::BTreeMap;
use std::time::Instant;

use serde::Serialize;
use tollgate_compiler::{GroupId, ResolvedAction, ValueDomain};
use tollgate_policy::{Effect, Request};
use tollgate_store::Store;

use crate::error::AccessError;
use crate::glob_space::{bit, classes, escaped_atom};

/// The value a case gives a missing key: one class of values every
/// condition on the key treats alike.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum CaseValue {
    /// The request does not carry the key.
    Absent,
    /// The key has this one value.
    Equals(String),
    /// The key has one value, none of these.
    NoneOf(Vec<String>),
    /// The key has one value that matches each glob of `like` and none of
    /// `not_like` (globs as in [`crate::Filter::Like`]).
    Matches {
        /// Globs it matches.
        like: Vec<String>,
        /// Globs it does not match.
        not_like: Vec<String>,
    },
    /// The key has one value that reads as this number (dates: epoch
    /// seconds).
    Number(f64),
    /// The key has one value that reads as a number strictly between the
    /// bounds (an absent bound is unbounded).
    Between {
        /// Lower bound.
        above: Option<f64>,
        /// Upper bound.
        below: Option<f64>,
    },
    /// The key has one value that reads as neither a number nor a date.
    NotANumber,
    /// The key has one value that reads as this boolean (any case).
    Bool(bool),
    /// The key has one value that reads as no boolean.
    NotABool,
}

/// One combination of values of the missing keys.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ContextCase {
    /// Per missing key, its value in this case.
    pub keys: Vec<(String, CaseValue)>,
    /// Per key, the value decided for the case (`None`: absent).
    #[serde(skip)]
    witnesses: Vec<Option<String>>,
    /// Per key, the index of its class among the key's classes.
    #[serde(skip)]
    pub(crate) choices: Vec<usize>,
}

/// Bounds on the work of one query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most combinations of missing context values per principal.
    pub max_cases: usize,
    /// Most states explored when splitting ARNs by resource pattern.
    pub max_states: usize,
    /// When set, a query still working at this instant stops with
    /// [`AccessError::Deadline`] (checked between decisions).
    pub deadline: Option<Instant>,
}

impl Limits {
    /// [`AccessError::Deadline`] once the deadline has passed.
    pub(crate) fn check_deadline(&self) -> Result<(), AccessError> {
        match self.deadline {
            Some(deadline) if Instant::now() >= deadline => Err(AccessError::Deadline),
            _ => Ok(()),
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_cases: 1024,
            max_states: 50_000,
            deadline: None,
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

/// What the conditions on one missing key compare it with.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum KeyDomain {
    /// String globs only.
    Globs(Vec<String>),
    /// Numbers (or dates, in seconds) only.
    Numbers(Vec<f64>),
    /// Booleans only.
    Bool,
    /// Only presence is tested (`Null`).
    Presence,
    /// Anything else: sample values.
    Samples(Vec<String>),
}

impl KeyDomain {
    fn merge(self, other: ValueDomain) -> KeyDomain {
        match (self, other) {
            (mine, ValueDomain::Presence) => mine,
            (KeyDomain::Presence, theirs) => KeyDomain::from(theirs),
            (KeyDomain::Globs(mut a), ValueDomain::Globs(b)) => {
                a.extend(b);
                KeyDomain::Globs(a)
            }
            (KeyDomain::Numbers(mut a), ValueDomain::Numbers(b)) => {
                a.extend(b);
                KeyDomain::Numbers(a)
            }
            (KeyDomain::Bool, ValueDomain::Bool) => KeyDomain::Bool,
            (mine, theirs) => {
                let mut samples = mine.samples();
                samples.extend(KeyDomain::from(theirs).samples());
                KeyDomain::Samples(samples)
            }
        }
    }

    /// Values standing for it when keys of several kinds mix.
    fn samples(self) -> Vec<String> {
        match self {
            KeyDomain::Globs(globs) => globs.iter().map(|g| unescape_filled(g)).collect(),
            KeyDomain::Numbers(numbers) => numbers.iter().map(|n| format!("{n}")).collect(),
            KeyDomain::Bool => vec!["true".to_owned(), "false".to_owned()],
            KeyDomain::Presence => Vec::new(),
            KeyDomain::Samples(samples) => samples,
        }
    }
}

impl From<ValueDomain> for KeyDomain {
    fn from(domain: ValueDomain) -> Self {
        match domain {
            ValueDomain::Globs(g) => KeyDomain::Globs(g),
            ValueDomain::Numbers(n) => KeyDomain::Numbers(n),
            ValueDomain::Bool => KeyDomain::Bool,
            ValueDomain::Presence => KeyDomain::Presence,
            ValueDomain::Samples(s) => KeyDomain::Samples(s),
        }
    }
}

/// An escaped glob with its wildcards filled (`*` empty, `?` `x`).
fn unescape_filled(glob: &str) -> String {
    let mut out = String::new();
    let mut chars = glob.chars();
    while let Some(c) = chars.next() {
        match c {
            '*' => {}
            '?' => out.push('x'),
            '\\' => out.extend(chars.next()),
            c => out.push(c),
        }
    }
    out
}

/// The condition keys of the statements of `groups` filed under `action`
/// that `request` does not give and the store does not know, each with
/// what its conditions compare it with.
pub(crate) fn missing_keys(
    store: &Store,
    groups: &[GroupId],
    action: &ResolvedAction,
    request: &Request,
) -> BTreeMap<String, KeyDomain> {
    let tables = store.tables();
    // By lowercase key (keys compare without case), with the first spelling.
    let mut keys: BTreeMap<String, (String, KeyDomain)> = BTreeMap::new();
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
                    let domain = condition.domain();
                    let folded = condition.key().to_ascii_lowercase();
                    let entry = match keys.remove(&folded) {
                        None => (condition.key().to_owned(), KeyDomain::from(domain)),
                        Some((spelling, known)) => (spelling, known.merge(domain)),
                    };
                    keys.insert(folded, entry);
                }
                false
            });
        }
    }
    store.with_context_view(request, |view| {
        keys.retain(|key, _| view.get(key).is_none())
    });
    keys.into_values().collect()
}

/// The classes of one key, each with the value decided for it.
fn options(
    domain: &KeyDomain,
    limits: &Limits,
) -> Result<Vec<(CaseValue, Option<String>)>, AccessError> {
    let mut out = vec![(CaseValue::Absent, None)];
    match domain {
        KeyDomain::Globs(globs) => {
            let mut globs = globs.clone();
            globs.sort();
            globs.dedup();
            let atoms: Vec<_> = globs.iter().map(|g| escaped_atom(g)).collect();
            for class in classes("", &atoms, limits.max_states)? {
                let (mut like, mut not_like) = (Vec::new(), Vec::new());
                for (i, glob) in globs.iter().enumerate() {
                    if bit(&class.signature, i) {
                        like.push(glob.clone());
                    } else {
                        not_like.push(glob.clone());
                    }
                }
                out.push((CaseValue::Matches { like, not_like }, Some(class.witness)));
            }
        }
        KeyDomain::Numbers(numbers) => {
            let mut numbers: Vec<f64> = numbers.iter().copied().filter(|n| n.is_finite()).collect();
            numbers.sort_by(f64::total_cmp);
            numbers.dedup();
            let mut below = None;
            for &n in &numbers {
                let witness = match below {
                    None => n - 1.0,
                    Some(low) => low + (n - low) / 2.0,
                };
                out.push((
                    CaseValue::Between {
                        above: below,
                        below: Some(n),
                    },
                    Some(format!("{witness}")),
                ));
                out.push((CaseValue::Number(n), Some(format!("{n}"))));
                below = Some(n);
            }
            out.push((
                CaseValue::Between {
                    above: below,
                    below: None,
                },
                Some(format!("{}", below.map_or(0.0, |n| n + 1.0))),
            ));
            out.push((CaseValue::NotANumber, Some("tollgate-other".to_owned())));
        }
        KeyDomain::Presence => {
            out.push((
                CaseValue::NoneOf(Vec::new()),
                Some("tollgate-other".to_owned()),
            ));
        }
        KeyDomain::Bool => {
            out.push((CaseValue::Bool(true), Some("true".to_owned())));
            out.push((CaseValue::Bool(false), Some("false".to_owned())));
            out.push((CaseValue::NotABool, Some("tollgate-other".to_owned())));
        }
        KeyDomain::Samples(samples) => {
            let mut samples = samples.clone();
            samples.sort();
            samples.dedup();
            for v in &samples {
                out.push((CaseValue::Equals(v.clone()), Some(v.clone())));
            }
            let other = other_value(&samples);
            out.push((CaseValue::NoneOf(samples), Some(other)));
        }
    }
    Ok(out)
}

/// Every combination of the keys' classes, within `limits`; one empty case
/// when no key is missing.
pub(crate) fn cases(
    keys: &BTreeMap<String, KeyDomain>,
    limits: &Limits,
) -> Result<Vec<ContextCase>, AccessError> {
    let mut per_key = Vec::with_capacity(keys.len());
    let mut count: u128 = 1;
    for (key, domain) in keys {
        let options = options(domain, limits)?;
        count = count.saturating_mul(options.len() as u128);
        per_key.push((key, options));
    }
    if count > limits.max_cases as u128 {
        return Err(AccessError::TooManyCases {
            keys: keys.len(),
            cases: count,
            limit: limits.max_cases,
            names: keys.keys().cloned().collect::<Vec<_>>().join(", "),
        });
    }
    let mut out = vec![ContextCase::default()];
    for (key, options) in per_key {
        out = out
            .into_iter()
            .flat_map(|case| {
                options
                    .iter()
                    .enumerate()
                    .map(move |(i, (value, witness))| {
                        let mut case = case.clone();
                        case.keys.push((key.clone(), value.clone()));
                        case.witnesses.push(witness.clone());
                        case.choices.push(i);
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
    for ((key, _), witness) in case.keys.iter().zip(&case.witnesses) {
        if let Some(value) = witness {
            request.context.insert(key, vec![value.clone()]);
        }
    }
    request
}

/// The allowed cases of one principal, reduced: keys on which the decision
/// never depends are dropped, and when the rest is a product (each key's
/// allowed classes combine freely) it is given per key.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub(crate) struct Reduced {
    pub(crate) cases: Vec<ContextCase>,
    pub(crate) per_key: Option<Vec<KeyClasses>>,
}

/// The classes of one key that allow, when the allowed cases are a product.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeyClasses {
    /// The key.
    pub key: String,
    /// Its classes that allow (with any allowed class of the other keys).
    pub allowed: Vec<CaseValue>,
}

/// Reduces the cases (`decided`: every case with whether it allows).
pub(crate) fn reduce(decided: &[(ContextCase, bool)]) -> Reduced {
    use std::collections::{BTreeMap, BTreeSet};
    let keys = decided.first().map_or(0, |(c, _)| c.keys.len());
    let mut relevant = Vec::new();
    for i in 0..keys {
        let mut seen: BTreeMap<Vec<usize>, bool> = BTreeMap::new();
        let mut matters = false;
        for (case, allowed) in decided {
            let mut rest = case.choices.clone();
            rest.remove(i);
            match seen.get(&rest) {
                Some(other) if other != allowed => {
                    matters = true;
                    break;
                }
                Some(_) => {}
                None => {
                    seen.insert(rest, *allowed);
                }
            }
        }
        if matters {
            relevant.push(i);
        }
    }
    let mut projected: BTreeMap<Vec<usize>, ContextCase> = BTreeMap::new();
    for (case, _) in decided.iter().filter(|(_, a)| *a) {
        let choices: Vec<usize> = relevant
            .iter()
            .filter_map(|i| case.choices.get(*i).copied())
            .collect();
        projected
            .entry(choices.clone())
            .or_insert_with(|| ContextCase {
                keys: relevant
                    .iter()
                    .filter_map(|i| case.keys.get(*i).cloned())
                    .collect(),
                witnesses: relevant
                    .iter()
                    .filter_map(|i| case.witnesses.get(*i).cloned())
                    .collect(),
                choices,
            });
    }
    let cases: Vec<ContextCase> = projected.into_values().collect();
    let mut per_key_choices: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); relevant.len()];
    for case in &cases {
        for (slot, choice) in per_key_choices.iter_mut().zip(&case.choices) {
            slot.insert(*choice);
        }
    }
    let product = per_key_choices
        .iter()
        .map(|s| s.len() as u128)
        .product::<u128>();
    let per_key = (product == cases.len() as u128 && !relevant.is_empty()).then(|| {
        (0..relevant.len())
            .map(|k| {
                let mut allowed = Vec::new();
                let mut seen = BTreeSet::new();
                for case in &cases {
                    if let (Some(choice), Some((_, value))) =
                        (case.choices.get(k), case.keys.get(k))
                        && seen.insert(*choice)
                    {
                        allowed.push(value.clone());
                    }
                }
                KeyClasses {
                    key: cases
                        .first()
                        .and_then(|c| c.keys.get(k))
                        .map(|(key, _)| key.clone())
                        .unwrap_or_default(),
                    allowed,
                }
            })
            .collect()
    });
    Reduced { cases, per_key }
}
