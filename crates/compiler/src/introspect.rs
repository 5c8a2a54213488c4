//! Read-only views of compiled statements for tools that reason about many
//! requests at once (`tollgate-access`: who can, what can, resource plans):
//! a group's statements for an action whatever the resource, a statement's
//! resource patterns, the principals its `Principal` element names, its
//! condition keys and values that exercise each condition. The request path
//! does not use them.

use tollgate_policy::glob::{Piece, Pieces};
use tollgate_policy::{ContextView, Effect, TemplatePart};

use crate::StatementId;
use crate::condition_memo::ConditionId;
use crate::condition_program::{CompiledCondition, Test};
use crate::principal_matcher::PrincipalMatcher;
use crate::resource_pattern::ResourcePattern;
use crate::statement::{CompiledStatement, ResourceCheck};
use crate::table_set::{Group, Tables};
use crate::vocabulary::ResolvedAction;

/// A statement's `Resource` or `NotResource` with variables filled from a
/// request context: each pattern as wildcard pieces, `None` for a pattern
/// whose variable has no value (it matches nothing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResourceScope<'a> {
    /// No `Resource`, or `"*"` among the patterns.
    Any,
    /// `NotResource` with `"*"`.
    Nothing,
    /// `Resource` patterns.
    Listed(Vec<Option<Pieces<'a>>>),
    /// `NotResource` patterns.
    NotListed(Vec<Option<Pieces<'a>>>),
}

/// What a `Principal` or `NotPrincipal` element names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NamedPrincipals {
    /// `NotPrincipal`.
    pub negated: bool,
    /// `"*"`.
    pub everyone: bool,
    /// `{"AWS": "*"}`.
    pub any_aws: bool,
    /// Account ids.
    pub accounts: Vec<String>,
    /// User, session and federated user ARNs.
    pub arns: Vec<String>,
    /// Roles as `(account, name)`.
    pub roles: Vec<(String, String)>,
    /// Service principals.
    pub services: Vec<String>,
    /// Federated identity providers.
    pub federated: Vec<String>,
}

impl Group {
    /// Calls `visit` with every statement of `effect` filed under `action`
    /// (a `NotAction` statement is filed under every action: check
    /// [`CompiledStatement::excludes_action`]), whatever its resource; a
    /// statement may come more than once. Stops when `visit` returns true.
    pub fn visit_action_candidates(
        &self,
        effect: Effect,
        action: &ResolvedAction,
        mut visit: impl FnMut(StatementId) -> bool,
    ) -> bool {
        let index = match effect {
            Effect::Deny => &self.deny,
            Effect::Allow => &self.allow,
        };
        index.action_candidates(action, &mut visit)
    }

    /// The ids of the group's statements, in order.
    pub fn statement_ids(&self) -> impl Iterator<Item = StatementId> + use<> {
        let first = self.first;
        (0..self.statements as u32).map(move |i| StatementId(first.saturating_add(i)))
    }
}

impl Tables {
    /// A condition by the id a statement gives.
    pub fn condition(&self, id: ConditionId) -> Option<&CompiledCondition> {
        self.conditions.get(id.0 as usize)
    }
}

fn pieces<'a>(pattern: &'a ResourcePattern, context: &ContextView<'a>) -> Option<Pieces<'a>> {
    match pattern {
        ResourcePattern::Exact(text) => Some(std::iter::once(Piece::Literal(text)).collect()),
        ResourcePattern::Prefix(text) => {
            Some([Piece::Literal(text), Piece::Star].into_iter().collect())
        }
        ResourcePattern::Template(template) => template.resolve(context),
    }
}

impl CompiledStatement {
    /// True when the statement is a `NotAction` statement listing `action`.
    pub fn excludes_action(&self, action: &str) -> bool {
        self.not_actions
            .as_ref()
            .is_some_and(|patterns| patterns.iter().any(|p| p.matches(action)))
    }

    /// The resource patterns, variables filled from `context`.
    pub fn resource_scope<'a>(&'a self, context: &ContextView<'a>) -> ResourceScope<'a> {
        let resolve =
            |patterns: &'a [ResourcePattern]| patterns.iter().map(|p| pieces(p, context)).collect();
        match &self.resource {
            ResourceCheck::Any => ResourceScope::Any,
            ResourceCheck::Nothing => ResourceScope::Nothing,
            ResourceCheck::Listed(patterns) => ResourceScope::Listed(resolve(patterns)),
            ResourceCheck::NotListed(patterns) => ResourceScope::NotListed(resolve(patterns)),
        }
    }

    /// The conditions, by id ([`Tables::condition`]).
    pub fn condition_ids(&self) -> &[ConditionId] {
        &self.conditions
    }

    /// The `Principal` element, when the statement has one.
    pub fn principal(&self) -> Option<&PrincipalMatcher> {
        self.principal.as_deref()
    }
}

impl PrincipalMatcher {
    /// What the element names.
    pub fn named(&self) -> NamedPrincipals {
        let strings = |list: &[Box<str>]| list.iter().map(|s| s.to_string()).collect();
        NamedPrincipals {
            negated: self.negated,
            everyone: self.everyone,
            any_aws: self.any_aws,
            accounts: strings(&self.accounts),
            arns: strings(&self.arns),
            roles: self
                .roles
                .iter()
                .map(|(a, n)| (a.to_string(), n.to_string()))
                .collect(),
            services: strings(&self.services),
            federated: strings(&self.federated),
        }
    }
}

/// Fills the wildcards of a pattern with text that matches it: `*` with
/// nothing, `?` with `x`.
fn filled(pattern: &str) -> String {
    pattern.replace('*', "").replace('?', "x")
}

/// What a condition compares its key's values with, for tools that split
/// the values of a key into classes that every condition treats alike.
#[derive(Debug, Clone, PartialEq)]
pub enum ValueDomain {
    /// Case-sensitive string tests (`StringEquals`, `StringLike`, their
    /// negations, without policy variables): escaped globs (`*`, `?`;
    /// `\*`, `\?` and `\\` stand for themselves). A value's class is which
    /// of them it matches.
    Globs(Vec<String>),
    /// Numeric or date comparisons: the operands (dates in epoch seconds).
    /// A value's class is its place among them.
    Numbers(Vec<f64>),
    /// `Null`: only whether the key is present matters, which every split
    /// tells apart.
    Presence,
    /// `Bool`: a value's class is whether it reads as true, as false, or
    /// as neither.
    Bool,
    /// Anything else ( `Binary`, `IpAddress`, `ArnLike`, case-blind
    /// strings, operands with variables, `Null`): values that exercise
    /// each outcome of the test on equal values; for addresses, ARN and
    /// case-blind patterns, representatives only.
    Samples(Vec<String>),
}

fn escape(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if matches!(c, '*' | '?' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

impl CompiledCondition {
    /// What the condition compares the key's values with.
    pub fn domain(&self) -> ValueDomain {
        match &self.test {
            Test::StringEqualsText(values) => {
                ValueDomain::Globs(values.iter().map(|v| escape(v)).collect())
            }
            Test::StringEquals(values) | Test::StringLike(values)
                if !values.iter().any(|t| t.has_variables()) =>
            {
                ValueDomain::Globs(
                    values
                        .iter()
                        .map(|t| {
                            let mut out = String::new();
                            for part in t.parts() {
                                match part {
                                    TemplatePart::Literal(text) => out.push_str(&escape(text)),
                                    TemplatePart::Star => out.push('*'),
                                    TemplatePart::Question => out.push('?'),
                                    TemplatePart::Variable(_) => {}
                                }
                            }
                            out
                        })
                        .collect(),
                )
            }
            Test::Numeric(_, values) => ValueDomain::Numbers(values.clone()),
            Test::Date(_, values) => {
                ValueDomain::Numbers(values.iter().map(|ms| *ms as f64 / 1000.0).collect())
            }
            Test::Bool(_) => ValueDomain::Bool,
            Test::Null(_) => ValueDomain::Presence,
            _ => ValueDomain::Samples(self.samples()),
        }
    }

    fn samples(&self) -> Vec<String> {
        let mut out = Vec::new();
        match &self.test {
            Test::StringEqualsText(values) => out.extend(values.iter().map(|v| v.to_string())),
            Test::StringEquals(values)
            | Test::StringEqualsIgnoreCase(values)
            | Test::StringLike(values)
            | Test::Arn(values) => {
                for template in values {
                    let raw = template.raw();
                    out.push(filled(raw));
                    if raw.contains('*') {
                        out.push(raw.replace(['*', '?'], "x"));
                    }
                }
            }
            Test::Numeric(_, values) => out.extend(values.iter().map(|v| format!("{v}"))),
            Test::Date(_, values) => {
                out.extend(values.iter().map(|ms| format!("{}", *ms as f64 / 1000.0)))
            }
            Test::Bool(_) => out.extend(["true".to_owned(), "false".to_owned()]),
            Test::Binary(_) | Test::Null(_) => {}
            Test::Ip(networks) => {
                for net in networks {
                    out.push(net.network().to_string());
                    out.push(net.broadcast().to_string());
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }
}
