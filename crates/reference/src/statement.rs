//! `docs/evaluation.md`, "When a statement applies": action, resource,
//! principal and conditions.

use tollgate_policy::glob::{CaseMode, matches_pieces, pieces_of};
use tollgate_policy::{ActionClause, Condition, ContextView, Request, ResourceClause, Statement};

use crate::condition::{all_conditions_hold, condition_holds};
use crate::principal::{Strength, clause_match};

/// Whether `statement` applies to `request`, and for statements with a
/// `Principal`/`NotPrincipal` element the strength of the principal match.
///
/// `has_boundary`: the policy set has a permissions boundary (it matters for
/// `NotPrincipal` denies). Returns `None` when the statement does not apply. A statement without a
/// principal element (every kind but resource policies and RCPs) applies with
/// [`Strength::Specific`]; the strength only matters for resource policies,
/// where the parser always requires a principal element.
pub(crate) fn applies(
    statement: &Statement,
    request: &Request,
    has_boundary: bool,
) -> Option<Strength> {
    let context = request.context_view();
    if !action_matches(&statement.action, &request.action) {
        return None;
    }
    if !resource_matches(statement.resource.as_ref(), &request.resource, &context) {
        return None;
    }
    let strength = match &statement.principal {
        Some(clause) => clause_match(clause, statement.effect, request.principal(), has_boundary)?,
        None => Strength::Specific,
    };
    if !all_conditions_hold(&statement.conditions, &context) {
        return None;
    }
    Some(strength)
}

/// For explanations: when `statement` matches the request's action,
/// resource and principal (rules 1 to 3), each of its condition entries with
/// whether it holds; `None` when rules 1 to 3 already fail.
pub(crate) fn probe<'s>(
    statement: &'s Statement,
    request: &Request,
    has_boundary: bool,
) -> Option<Vec<(&'s Condition, bool)>> {
    let context = request.context_view();
    if !action_matches(&statement.action, &request.action)
        || !resource_matches(statement.resource.as_ref(), &request.resource, &context)
    {
        return None;
    }
    if let Some(clause) = &statement.principal {
        clause_match(clause, statement.effect, request.principal(), has_boundary)?;
    }
    Some(
        statement
            .conditions
            .iter()
            .map(|c| (c, condition_holds(c, &context)))
            .collect(),
    )
}

/// Rule 1 of "When a statement applies": `Action` — some pattern matches the
/// request action, ASCII case ignored, `*` any run, `?` one character;
/// `NotAction` — no pattern matches.
fn action_matches(clause: &ActionClause, action: &str) -> bool {
    let some_pattern_matches = clause.patterns.iter().any(|pattern| {
        matches_pieces(
            &pieces_of(pattern.lowercase()),
            action,
            CaseMode::AsciiInsensitive,
        )
    });
    some_pattern_matches != clause.negated
}

/// Rule 2 of "When a statement applies": no `Resource`/`NotResource` — true;
/// `Resource` — some pattern matches the request resource case-sensitively
/// after policy variables are filled in; `NotResource` — no pattern matches.
/// A pattern whose variable has no value and no default matches nothing.
fn resource_matches(
    clause: Option<&ResourceClause>,
    resource: &str,
    context: &ContextView<'_>,
) -> bool {
    let Some(clause) = clause else {
        return true;
    };
    let some_pattern_matches =
        clause
            .patterns
            .iter()
            .any(|pattern| match pattern.resolve(context) {
                Some(pieces) => matches_pieces(&pieces, resource, CaseMode::Sensitive),
                None => false,
            });
    some_pattern_matches != clause.negated
}
