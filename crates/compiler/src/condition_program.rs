//! Conditions compiled once: operands parsed into numbers, instants, CIDR
//! ranges, bytes and templates, so a request only reads its own values. The
//! set and existence semantics are those of `docs/evaluation.md`.

use ipnet::IpNet;
use tollgate_policy::condition::value;
use tollgate_policy::glob::{CaseMode, Piece, matches_pieces};
use tollgate_policy::{
    BaseOperator, Condition, ConditionOperator, ContextView, OperandType, SetQualifier, Template,
    arn::arn_matches,
};

/// How two ordered values compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ordering {
    Equal,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

impl Ordering {
    fn holds<T: PartialOrd>(self, request: T, policy: T) -> bool {
        match self {
            Ordering::Equal => request == policy,
            Ordering::Less => request < policy,
            Ordering::LessOrEqual => request <= policy,
            Ordering::Greater => request > policy,
            Ordering::GreaterOrEqual => request >= policy,
        }
    }
}

/// The positive comparison behind an operator, with its parsed operands.
#[derive(Debug)]
pub(crate) enum Test {
    /// `StringEquals` whose values have no variables: plain text.
    StringEqualsText(Vec<Box<str>>),
    StringEquals(Vec<Template>),
    StringEqualsIgnoreCase(Vec<Template>),
    StringLike(Vec<Template>),
    Numeric(Ordering, Vec<f64>),
    Date(Ordering, Vec<i64>),
    Bool(Vec<bool>),
    Binary(Vec<Vec<u8>>),
    Ip(Vec<IpNet>),
    Arn(Vec<Template>),
    Null(Vec<bool>),
}

/// One compiled condition entry (operator, key, values).
#[derive(Debug)]
pub struct CompiledCondition {
    pub(crate) key: Box<str>,
    /// The operator as written, for explanations.
    operator: ConditionOperator,
    qualifier: Option<SetQualifier>,
    if_exists: bool,
    negated: bool,
    pub(crate) test: Test,
}

fn ordering_of(base: BaseOperator) -> Ordering {
    use BaseOperator as B;
    match base {
        B::NumericLessThan | B::DateLessThan => Ordering::Less,
        B::NumericLessThanEquals | B::DateLessThanEquals => Ordering::LessOrEqual,
        B::NumericGreaterThan | B::DateGreaterThan => Ordering::Greater,
        B::NumericGreaterThanEquals | B::DateGreaterThanEquals => Ordering::GreaterOrEqual,
        _ => Ordering::Equal,
    }
}

/// The text of a template without wildcards or variables.
fn literal_text(template: &Template) -> Option<Box<str>> {
    match template.parts() {
        [] => Some("".into()),
        [tollgate_policy::TemplatePart::Literal(text)] => Some(text.as_str().into()),
        _ => None,
    }
}

impl CompiledCondition {
    /// Compiles one condition entry. Operands were validated by the parser;
    /// one that does not read here is dropped (it could never match).
    pub fn compile(condition: &Condition) -> Self {
        use BaseOperator as B;
        let op = condition.operator;
        let texts = || condition.values.iter().map(Template::raw);
        let test = match op.base.operand_type() {
            OperandType::String => match op.base {
                B::StringEqualsIgnoreCase | B::StringNotEqualsIgnoreCase => {
                    Test::StringEqualsIgnoreCase(condition.values.clone())
                }
                B::StringLike | B::StringNotLike => Test::StringLike(condition.values.clone()),
                _ if !condition.values.iter().any(Template::has_variables) => {
                    Test::StringEqualsText(
                        condition.values.iter().filter_map(literal_text).collect(),
                    )
                }
                _ => Test::StringEquals(condition.values.clone()),
            },
            OperandType::Numeric => Test::Numeric(
                ordering_of(op.base),
                texts().filter_map(value::parse_number).collect(),
            ),
            OperandType::Date => Test::Date(
                ordering_of(op.base),
                texts().filter_map(value::parse_date).collect(),
            ),
            OperandType::Bool => Test::Bool(texts().filter_map(value::parse_bool).collect()),
            OperandType::Binary => Test::Binary(texts().filter_map(value::parse_binary).collect()),
            OperandType::Ip => Test::Ip(texts().filter_map(value::parse_ip_network).collect()),
            OperandType::Arn => Test::Arn(condition.values.clone()),
            OperandType::Null => Test::Null(texts().filter_map(value::parse_bool).collect()),
        };
        Self {
            key: condition.key.as_str().into(),
            operator: op,
            qualifier: op.qualifier,
            if_exists: op.if_exists,
            negated: op.base.is_negated(),
            test,
        }
    }

    /// The condition key, as the policy writes it.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The operator, as the policy writes it.
    pub fn operator(&self) -> ConditionOperator {
        self.operator
    }

    /// True when the condition holds in `context`.
    pub fn holds(&self, context: &ContextView<'_>) -> bool {
        let values = context.get(&self.key).filter(|v| !v.is_empty());
        if let Test::Null(expected) = &self.test {
            let absent = values.is_none();
            return expected.contains(&absent);
        }
        let Some(values) = values else {
            return match self.qualifier {
                Some(SetQualifier::ForAllValues) => true,
                Some(SetQualifier::ForAnyValue) => self.if_exists,
                None => self.if_exists || self.negated,
            };
        };
        let accepted = |v: &str| self.matches(v, context) != self.negated;
        let mut values = values.iter().map(|v| &**v);
        match self.qualifier {
            Some(SetQualifier::ForAllValues) => values.all(accepted),
            Some(SetQualifier::ForAnyValue) => values.any(accepted),
            None if self.negated => values.all(accepted),
            None => values.any(accepted),
        }
    }

    /// True when the request value compares true with some policy value
    /// under the positive operator.
    fn matches(&self, request: &str, context: &ContextView<'_>) -> bool {
        match &self.test {
            Test::StringEqualsText(policy) => policy.iter().any(|p| **p == *request),
            Test::StringEquals(policy) => policy.iter().any(|t| {
                t.resolve(context)
                    .is_some_and(|p| matches_pieces(&p, request, CaseMode::Sensitive))
            }),
            Test::StringEqualsIgnoreCase(policy) => policy.iter().any(|t| {
                t.resolve(context).is_some_and(|pieces| {
                    let policy_chars = pieces.iter().flat_map(|piece| match piece {
                        Piece::Literal(text) => text.chars(),
                        Piece::Star | Piece::Question => "".chars(),
                    });
                    policy_chars
                        .flat_map(char::to_lowercase)
                        .eq(request.chars().flat_map(char::to_lowercase))
                })
            }),
            Test::StringLike(policy) => policy.iter().any(|t| {
                t.resolve(context)
                    .is_some_and(|p| matches_pieces(&p, request, CaseMode::Sensitive))
            }),
            Test::Numeric(ordering, policy) => value::parse_number(request)
                .is_some_and(|r| policy.iter().any(|p| ordering.holds(r, *p))),
            Test::Date(ordering, policy) => value::parse_date(request)
                .is_some_and(|r| policy.iter().any(|p| ordering.holds(r, *p))),
            Test::Bool(policy) => value::parse_bool(request).is_some_and(|r| policy.contains(&r)),
            Test::Binary(policy) => {
                value::parse_binary(request).is_some_and(|r| policy.contains(&r))
            }
            Test::Ip(policy) => value::parse_ip_address(request)
                .is_some_and(|r| policy.iter().any(|net| net.contains(&r))),
            Test::Arn(policy) => policy
                .iter()
                .any(|t| t.resolve(context).is_some_and(|p| arn_matches(&p, request))),
            Test::Null(_) => false,
        }
    }
}
