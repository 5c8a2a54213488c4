//! `docs/evaluation.md`, "Conditions": one operator on one key, with the
//! request values `R` and the policy values `P`.

use tollgate_policy::arn::arn_matches;
use tollgate_policy::condition::value::{
    equals_ignore_case, parse_binary, parse_bool, parse_date, parse_ip_address, parse_ip_network,
    parse_number,
};
use tollgate_policy::glob::{CaseMode, Piece, matches_pieces};
use tollgate_policy::{BaseOperator, Condition, ContextView, OperandType, SetQualifier, Template};

/// Rule 4 of "When a statement applies": every entry of the `Condition`
/// block holds (entries are ANDed).
pub(crate) fn all_conditions_hold(conditions: &[Condition], context: &ContextView<'_>) -> bool {
    conditions
        .iter()
        .all(|condition| condition_holds(condition, context))
}

/// The request values `R` of a key ("Conditions"): absent (`None`) when the
/// key is not in the context or has no values.
pub(crate) fn request_values<'a>(key: &str, context: &ContextView<'a>) -> Option<&'a [Box<str>]> {
    context.get(key).filter(|values| !values.is_empty())
}

/// One entry of the `Condition` block ("Conditions"): `Null` on its own, the
/// other operators by their set qualifier.
pub(crate) fn condition_holds(condition: &Condition, context: &ContextView<'_>) -> bool {
    let request = request_values(&condition.key, context);
    if condition.operator.base == BaseOperator::Null {
        return null_holds(&condition.values, request.is_none());
    }
    let accepted = |r: &str| is_accepted(condition, r, context);
    let op = condition.operator;
    match op.qualifier {
        None => no_qualifier_holds(request, op.if_exists, op.base.is_negated(), accepted),
        Some(SetQualifier::ForAnyValue) => for_any_value_holds(request, op.if_exists, accepted),
        Some(SetQualifier::ForAllValues) => for_all_values_holds(request, accepted),
    }
}

/// `Null` ("Conditions"): `true` in `P` holds when `R` is absent; `false`
/// holds when present (values ORed).
fn null_holds(policy_values: &[Template], absent: bool) -> bool {
    policy_values
        .iter()
        .any(|p| parse_bool(p.raw()) == Some(absent))
}

/// No set qualifier ("Conditions"): `R` absent → true with `IfExists` or a
/// negated operator, otherwise false; `R` present → positive: some `r`
/// accepted; negated: every `r` accepted.
fn no_qualifier_holds(
    request: Option<&[Box<str>]>,
    if_exists: bool,
    negated: bool,
    accepted: impl Fn(&str) -> bool,
) -> bool {
    match request {
        None => if_exists || negated,
        Some(values) if negated => values.iter().all(|r| accepted(r)),
        Some(values) => values.iter().any(|r| accepted(r)),
    }
}

/// `ForAnyValue:` ("Conditions"): `R` absent → true only with `IfExists`;
/// otherwise some `r` accepted.
fn for_any_value_holds(
    request: Option<&[Box<str>]>,
    if_exists: bool,
    accepted: impl Fn(&str) -> bool,
) -> bool {
    match request {
        None => if_exists,
        Some(values) => values.iter().any(|r| accepted(r)),
    }
}

/// `ForAllValues:` ("Conditions"): `R` absent → true; otherwise every `r`
/// accepted.
fn for_all_values_holds(request: Option<&[Box<str>]>, accepted: impl Fn(&str) -> bool) -> bool {
    match request {
        None => true,
        Some(values) => values.iter().all(|r| accepted(r)),
    }
}

/// A request value is *accepted* ("Conditions"): positive operator — it
/// matches; negated operator — it does not match.
fn is_accepted(condition: &Condition, r: &str, context: &ContextView<'_>) -> bool {
    let matched = request_value_matches(condition, r, context);
    if condition.operator.base.is_negated() {
        !matched
    } else {
        matched
    }
}

/// A request value *matches* ("Conditions") when some policy value compares
/// true with it under the positive counterpart of the operator.
fn request_value_matches(condition: &Condition, r: &str, context: &ContextView<'_>) -> bool {
    let positive = positive_counterpart(condition.operator.base);
    condition
        .values
        .iter()
        .any(|p| compares_true(positive, p, r, context))
}

/// The positive counterpart of a negated operator ("Conditions":
/// `StringNotEquals` uses `StringEquals`, `NotIpAddress` uses `IpAddress` ...).
fn positive_counterpart(base: BaseOperator) -> BaseOperator {
    match base {
        BaseOperator::StringNotEquals => BaseOperator::StringEquals,
        BaseOperator::StringNotEqualsIgnoreCase => BaseOperator::StringEqualsIgnoreCase,
        BaseOperator::StringNotLike => BaseOperator::StringLike,
        BaseOperator::NumericNotEquals => BaseOperator::NumericEquals,
        BaseOperator::DateNotEquals => BaseOperator::DateEquals,
        BaseOperator::NotIpAddress => BaseOperator::IpAddress,
        BaseOperator::ArnNotEquals => BaseOperator::ArnEquals,
        BaseOperator::ArnNotLike => BaseOperator::ArnLike,
        other => other,
    }
}

/// One positive comparison of a policy value `p` with a request value `r`
/// ("Conditions", comparisons). Policy values with an unresolvable variable
/// and request values of the wrong type compare false.
fn compares_true(positive: BaseOperator, p: &Template, r: &str, context: &ContextView<'_>) -> bool {
    match positive.operand_type() {
        OperandType::String => compare_string(positive, p, r, context),
        OperandType::Arn => compare_arn(p, r, context),
        OperandType::Numeric => compare_numeric(positive, p.raw(), r),
        OperandType::Date => compare_date(positive, p.raw(), r),
        OperandType::Bool => compare_bool(p.raw(), r),
        OperandType::Binary => compare_binary(p.raw(), r),
        OperandType::Ip => compare_ip(p.raw(), r),
        // `Null` never compares values; see `null_holds`.
        OperandType::Null => false,
    }
}

/// The text of a policy value without wildcards, with its variables filled
/// in; `None` when a variable has no value and no default.
fn resolved_text(p: &Template, context: &ContextView<'_>) -> Option<String> {
    let pieces = p.resolve(context)?;
    let mut text = String::new();
    for piece in &pieces {
        match piece {
            Piece::Literal(literal) => text.push_str(literal),
            Piece::Star => text.push('*'),
            Piece::Question => text.push('?'),
        }
    }
    Some(text)
}

/// `StringEquals` exact; `StringEqualsIgnoreCase` after Unicode lowercasing;
/// `StringLike` wildcards, case-sensitive ("Conditions", comparisons).
fn compare_string(
    positive: BaseOperator,
    p: &Template,
    r: &str,
    context: &ContextView<'_>,
) -> bool {
    match positive {
        BaseOperator::StringLike => match p.resolve(context) {
            Some(pieces) => matches_pieces(&pieces, r, CaseMode::Sensitive),
            None => false,
        },
        BaseOperator::StringEqualsIgnoreCase => {
            resolved_text(p, context).is_some_and(|text| equals_ignore_case(&text, r))
        }
        _ => resolved_text(p, context).is_some_and(|text| text == r),
    }
}

/// `ArnEquals`/`ArnLike`: the six colon-separated parts each matched with
/// wildcards ("Conditions", comparisons).
fn compare_arn(p: &Template, r: &str, context: &ContextView<'_>) -> bool {
    match p.resolve(context) {
        Some(pieces) => arn_matches(&pieces, r),
        None => false,
    }
}

/// `Numeric*` as 64-bit floats, request value on the left ("Conditions", comparisons).
fn compare_numeric(positive: BaseOperator, p: &str, r: &str) -> bool {
    let (Some(p), Some(r)) = (parse_number(p), parse_number(r)) else {
        return false;
    };
    match positive {
        BaseOperator::NumericEquals => r == p,
        BaseOperator::NumericLessThan => r < p,
        BaseOperator::NumericLessThanEquals => r <= p,
        BaseOperator::NumericGreaterThan => r > p,
        BaseOperator::NumericGreaterThanEquals => r >= p,
        _ => false,
    }
}

/// `Date*` as instants (ISO 8601 or epoch seconds, either side), request
/// value on the left ("Conditions", comparisons).
fn compare_date(positive: BaseOperator, p: &str, r: &str) -> bool {
    let (Some(p), Some(r)) = (parse_date(p), parse_date(r)) else {
        return false;
    };
    match positive {
        BaseOperator::DateEquals => r == p,
        BaseOperator::DateLessThan => r < p,
        BaseOperator::DateLessThanEquals => r <= p,
        BaseOperator::DateGreaterThan => r > p,
        BaseOperator::DateGreaterThanEquals => r >= p,
        _ => false,
    }
}

/// `Bool`: `true`/`false` without case ("Conditions", comparisons).
fn compare_bool(p: &str, r: &str) -> bool {
    match (parse_bool(p), parse_bool(r)) {
        (Some(p), Some(r)) => p == r,
        _ => false,
    }
}

/// `BinaryEquals`: the base64-decoded bytes ("Conditions", comparisons).
fn compare_binary(p: &str, r: &str) -> bool {
    match (parse_binary(p), parse_binary(r)) {
        (Some(p), Some(r)) => p == r,
        _ => false,
    }
}

/// `IpAddress`: the request address inside the CIDR ("Conditions", comparisons).
fn compare_ip(p: &str, r: &str) -> bool {
    match (parse_ip_network(p), parse_ip_address(r)) {
        (Some(network), Some(address)) => network.contains(&address),
        _ => false,
    }
}
