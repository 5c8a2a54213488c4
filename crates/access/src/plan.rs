//! `PlanResources`: which resources below an ARN prefix one principal may
//! act on with one action, as a [`Filter`].

use serde::Serialize;
use tollgate_compiler::{GroupId, ResourceScope};
use tollgate_policy::{DecisionKind, Effect, Request, RequestContext, RequestPrincipal};
use tollgate_store::Store;

use crate::cases::{ContextCase, Limits, cases, missing_keys, reduce, with_case};
use crate::error::AccessError;
use crate::filter::Filter;
use crate::glob_space::{Atom, Class, atom, bit, classes, glob_text, literal_atom};

/// The shape of a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PlanKind {
    /// Every resource below the prefix, whatever the missing keys are.
    AlwaysAllowed,
    /// None.
    AlwaysDenied,
    /// Those the filter lets through.
    Conditional,
}

/// A resource plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    /// The shape.
    pub kind: PlanKind,
    /// For the ARNs that start with the prefix: the allowed ones.
    pub filter: Filter,
    /// The context keys the statements compare that the query did not give.
    pub missing_keys: Vec<String>,
}

/// The end of the account field of an ARN prefix
/// (`arn:PARTITION:SERVICE:REGION:ACCOUNT:`), or `None`.
fn account_end(prefix: &str) -> Option<usize> {
    prefix.match_indices(':').nth(4).map(|(i, _)| i + 1)
}

/// The resources whose policies or trust policies may govern ARNs below
/// `prefix`, with the probe ARNs that find their groups.
fn governed(store: &Store, prefix: &str) -> (Vec<Atom>, Vec<String>) {
    let mut atoms = Vec::new();
    let mut probes = vec![prefix.to_owned()];
    for arn in store.resource_policy_arns() {
        let object_prefix = format!("{arn}/");
        if arn.starts_with(prefix) || prefix.starts_with(&object_prefix) || prefix == arn {
            atoms.push(literal_atom(arn, false));
            atoms.push(literal_atom(&object_prefix, true));
            probes.push(arn.to_owned());
            probes.push(format!("{object_prefix}x"));
        }
    }
    for role in store.principals().into_iter().filter(|p| p.is_role) {
        if role.arn.starts_with(prefix) {
            atoms.push(literal_atom(&role.arn, false));
            probes.push(role.arn);
        }
    }
    (atoms, probes)
}

/// The resource patterns of the statements of `groups` filed under the
/// request's action, variables filled from its context.
fn statement_atoms(store: &Store, groups: &[GroupId], request: &Request, out: &mut Vec<Atom>) {
    let tables = store.tables();
    let action = tables.resolve_action(&request.action);
    store.with_context_view(request, |view| {
        for group in groups.iter().filter_map(|g| tables.group(*g)) {
            for effect in [Effect::Allow, Effect::Deny] {
                group.visit_action_candidates(effect, &action, |id| {
                    let Some(statement) = tables.statement(id) else {
                        return false;
                    };
                    if statement.excludes_action(&request.action) {
                        return false;
                    }
                    match statement.resource_scope(view) {
                        ResourceScope::Any | ResourceScope::Nothing => {}
                        ResourceScope::Listed(patterns) | ResourceScope::NotListed(patterns) => {
                            out.extend(patterns.iter().flatten().map(|p| atom(p)));
                        }
                    }
                    false
                });
            }
        }
    });
}

/// The smallest-looking DNF over the atoms that holds on exactly the
/// allowed classes: per allowed class, its full term, then each literal
/// dropped while the term still covers allowed classes only.
fn minimise(atoms: &[Atom], found: &[(Class, bool)]) -> Filter {
    if found.iter().all(|(_, allowed)| *allowed) {
        return Filter::True;
    }
    if !found.iter().any(|(_, allowed)| *allowed) {
        return Filter::False;
    }
    let words = atoms.len().div_ceil(64);
    let covers = |mask: &[u64], sig: &[u64], value: &[u64]| {
        (0..words).all(|w| {
            let m = mask.get(w).copied().unwrap_or(0);
            (sig.get(w).copied().unwrap_or(0) ^ value.get(w).copied().unwrap_or(0)) & m == 0
        })
    };
    let mut terms: Vec<(Vec<u64>, Vec<u64>)> = Vec::new();
    for (class, allowed) in found {
        if !allowed || terms.iter().any(|(m, v)| covers(m, &class.signature, v)) {
            continue;
        }
        let mut mask = vec![u64::MAX; words];
        if let Some(last) = mask.last_mut()
            && !atoms.len().is_multiple_of(64)
        {
            *last = (1u64 << (atoms.len() % 64)) - 1;
        }
        for i in 0..atoms.len() {
            let Some(w) = mask.get_mut(i / 64) else {
                continue;
            };
            *w &= !(1u64 << (i % 64));
            let only_allowed = found
                .iter()
                .all(|(c, a)| *a || !covers(&mask, &c.signature, &class.signature));
            if !only_allowed && let Some(w) = mask.get_mut(i / 64) {
                *w |= 1u64 << (i % 64);
            }
        }
        terms.push((mask, class.signature.clone()));
    }
    let mut out: Vec<Filter> = terms
        .into_iter()
        .map(|(mask, value)| {
            let mut lits: Vec<Filter> = (0..atoms.len())
                .filter(|i| bit(&mask, *i))
                .filter_map(|i| {
                    let like = Filter::Like(glob_text(atoms.get(i)?));
                    Some(if bit(&value, i) {
                        like
                    } else {
                        Filter::Not(Box::new(like))
                    })
                })
                .collect();
            match lits.len() {
                0 => Filter::True,
                1 => lits.pop().unwrap_or(Filter::True),
                _ => Filter::And(lits),
            }
        })
        .collect();
    if out.contains(&Filter::True) {
        return Filter::True;
    }
    if out.len() == 1 {
        out.pop().unwrap_or(Filter::False)
    } else {
        Filter::Or(out)
    }
}

/// `And` of the parts, without `True` parts; a single part alone.
fn all_of(parts: Vec<Filter>) -> Filter {
    let mut parts: Vec<Filter> = parts.into_iter().filter(|p| *p != Filter::True).collect();
    match parts.len() {
        0 => Filter::True,
        1 => parts.pop().unwrap_or(Filter::True),
        _ => Filter::And(parts),
    }
}

/// `Or` of the parts; a single part alone, none is `False`.
fn any_of(mut parts: Vec<Filter>) -> Filter {
    if parts.contains(&Filter::True) {
        return Filter::True;
    }
    match parts.len() {
        0 => Filter::False,
        1 => parts.pop().unwrap_or(Filter::False),
        _ => Filter::Or(parts),
    }
}

fn case_filter(case: &ContextCase) -> Filter {
    let mut parts: Vec<Filter> = case
        .keys
        .iter()
        .map(|(key, value)| Filter::Context {
            key: key.clone(),
            value: value.clone(),
        })
        .collect();
    match parts.len() {
        0 => Filter::True,
        1 => parts.pop().unwrap_or(Filter::True),
        _ => Filter::And(parts),
    }
}

/// Plans which ARNs starting with `prefix` `principal` may act on with
/// `action`, given `context`. The prefix must fix the ARN's account field.
pub fn plan_resources(
    store: &Store,
    principal: &str,
    action: &str,
    prefix: &str,
    context: &RequestContext,
    limits: &Limits,
) -> Result<Plan, AccessError> {
    let Some(head_end) = account_end(prefix) else {
        return Err(AccessError::Prefix {
            prefix: prefix.to_owned(),
        });
    };
    let head = prefix.get(..head_end).unwrap_or(prefix);
    let parsed = RequestPrincipal::parse(principal).map_err(|e| AccessError::Principal {
        principal: principal.to_owned(),
        message: e.to_string(),
    })?;
    let mut base = Request::checked(parsed, action, "*").map_err(|e| AccessError::Request {
        field: e.field.clone(),
        message: e.message.clone(),
    })?;
    base.context = context.clone();
    let (mut fixed_atoms, probes) = governed(store, prefix);
    // What the engine reads from the ARN's form: role and KMS key ARNs.
    fixed_atoms.push(literal_atom(&format!("{head}role/"), true));
    fixed_atoms.push(literal_atom(&format!("{head}key/"), true));
    let mut groups: Vec<GroupId> = Vec::new();
    for probe in &probes {
        let mut request = base.clone();
        request.resource = probe.clone();
        groups.extend(store.groups_for(&request));
    }
    groups.sort_unstable();
    groups.dedup();
    let mut probe = base.clone();
    probe.resource = prefix.to_owned();
    let resolved = store.tables().resolve_action(action);
    let keys = missing_keys(store, &groups, &resolved, &probe);
    let all = cases(&keys, limits)?;
    let mut per_case: Vec<(ContextCase, Filter)> = Vec::with_capacity(all.len());
    for case in all {
        limits.check_deadline()?;
        let request = with_case(&probe, &case);
        let mut atoms = fixed_atoms.clone();
        statement_atoms(store, &groups, &request, &mut atoms);
        atoms.sort();
        atoms.dedup();
        let found = classes(prefix, &atoms, limits.max_states)?;
        let mut decided = Vec::with_capacity(found.len());
        for (i, class) in found.into_iter().enumerate() {
            if i % 64 == 63 {
                limits.check_deadline()?;
            }
            let mut witness = request.clone();
            witness.resource = class.witness.clone();
            let allowed = store.decide(&witness, None).kind == DecisionKind::Allowed;
            decided.push((class, allowed));
        }
        per_case.push((case, minimise(&atoms, &decided)));
    }
    let kind = if per_case.iter().all(|(_, f)| *f == Filter::True) {
        PlanKind::AlwaysAllowed
    } else if per_case.iter().all(|(_, f)| *f == Filter::False) {
        PlanKind::AlwaysDenied
    } else {
        PlanKind::Conditional
    };
    let filter = match kind {
        PlanKind::AlwaysAllowed => Filter::True,
        PlanKind::AlwaysDenied => Filter::False,
        PlanKind::Conditional if per_case.len() == 1 => {
            per_case.pop().map_or(Filter::False, |(_, f)| f)
        }
        PlanKind::Conditional => {
            // Per distinct resource filter, the cases that have it, reduced
            // to the keys that tell them apart.
            let mut filters: Vec<Filter> = Vec::new();
            for (_, filter) in &per_case {
                if *filter != Filter::False && !filters.contains(filter) {
                    filters.push(filter.clone());
                }
            }
            let terms = filters
                .into_iter()
                .map(|filter| {
                    let decided: Vec<(ContextCase, bool)> = per_case
                        .iter()
                        .map(|(case, f)| (case.clone(), *f == filter))
                        .collect();
                    let reduced = reduce(&decided);
                    let cases = match reduced.per_key {
                        Some(per_key) => all_of(
                            per_key
                                .into_iter()
                                .map(|k| {
                                    any_of(
                                        k.allowed
                                            .into_iter()
                                            .map(|value| Filter::Context {
                                                key: k.key.clone(),
                                                value,
                                            })
                                            .collect(),
                                    )
                                })
                                .collect(),
                        ),
                        None => any_of(reduced.cases.iter().map(case_filter).collect()),
                    };
                    all_of(vec![cases, filter])
                })
                .collect();
            any_of(terms)
        }
    };
    Ok(Plan {
        kind,
        filter,
        missing_keys: keys.into_keys().collect(),
    })
}
