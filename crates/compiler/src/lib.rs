//! Lowers an IAM [`PolicySet`] into a [`TableSet`]: immutable decision tables
//! that answer "which statements can apply to this request?" without looking
//! at the others.
//!
//! - Actions are interned ([`ActionVocabulary`]): a request's action resolves
//!   once to its literal id and the wildcard patterns that match it.
//! - Each policy kind (identity, boundary, session, each SCP and RCP level,
//!   resource policy) becomes a [`Group`] of two indexes, denies and allows,
//!   keyed by action, then by resource (exact ARNs hashed, literal prefixes in
//!   an Aho-Corasick automaton).
//! - Conditions become [`CompiledCondition`]s with parsed operands.
//!
//! The engine crate combines what the groups report with IAM's logic. The
//! compiler only builds; tables are `Send + Sync` and never change.
//!
//! ```
//! use tollgate_policy::{NamedPolicy, PolicyDocument, PolicyKind, PolicySet};
//!
//! let doc = PolicyDocument::parse(
//!     r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}}"#,
//!     PolicyKind::Identity,
//! ).unwrap();
//! let set = PolicySet { identity: vec![NamedPolicy::new("identityPolicies[0]", doc)], ..Default::default() };
//! let compiled = tollgate_compiler::compile(&set).unwrap();
//! assert_eq!(compiled.tables.stats().statements, 1);
//! ```

// On the decision path: no panicking index or placeholder (tests may index,
// clippy.toml).
#![deny(
    clippy::indexing_slicing,
    clippy::unreachable,
    clippy::todo,
    clippy::unimplemented
)]

mod action_pattern;
mod condition_memo;
mod condition_program;
mod introspect;
mod lint;
mod principal_matcher;
mod resource_index;
mod resource_pattern;
mod statement;
mod statement_index;
mod table_set;
mod vocabulary;

pub use condition_memo::{ConditionId, ConditionMemo};
pub use condition_program::CompiledCondition;
pub use introspect::{NamedPrincipals, ResourceScope, ValueDomain};
pub use lint::CompileWarning;
pub use principal_matcher::{PrincipalMatcher, Strength};
pub use statement::{CompiledStatement, RequestView, StatementId};
pub use table_set::{Group, GroupId, PolicySetLayout, TableSet, TableStats, Tables};
pub use vocabulary::{ActionId, ActionVocabulary, ResolvedAction, WildcardId};

use tollgate_policy::{Effect, NamedPolicy, PolicySet};

use crate::statement_index::StatementIndexBuilder;

/// Limits that keep a hostile policy set from using unbounded memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompilerConfig {
    /// Most statements in one table set.
    pub max_statements: usize,
    /// Most index entries (statement × action pattern × resource pattern).
    pub max_index_entries: usize,
}

impl Default for CompilerConfig {
    fn default() -> Self {
        Self {
            max_statements: 5_000_000,
            max_index_entries: 50_000_000,
        }
    }
}

/// Why a policy set could not be compiled.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CompileError {
    /// The set has more statements than the configuration allows.
    #[error("the policy set has {count} statements, more than the limit of {limit}")]
    TooManyStatements {
        /// Statements in the set.
        count: usize,
        /// The configured limit.
        limit: usize,
    },
    /// The indexes would hold more entries than the configuration allows.
    #[error("the policy set needs {count} index entries, more than the limit of {limit}")]
    TooManyIndexEntries {
        /// Entries needed.
        count: usize,
        /// The configured limit.
        limit: usize,
    },
    /// The resource prefix automaton could not be built.
    #[error("cannot build the resource index: {0}")]
    Index(#[from] aho_corasick::BuildError),
}

/// Tables and the warnings found while building them.
#[derive(Debug)]
pub struct Compilation {
    /// The decision tables.
    pub tables: TableSet,
    /// Findings that did not stop compilation.
    pub warnings: Vec<CompileWarning>,
}

/// Compiles with the default configuration.
pub fn compile(set: &PolicySet) -> Result<Compilation, CompileError> {
    Compiler::new(CompilerConfig::default()).compile(set)
}

/// Compiles policy sets into table sets.
#[derive(Debug, Clone, Default)]
pub struct Compiler {
    config: CompilerConfig,
}

/// Builds [`Tables`] group by group: the compiler's lower-level interface,
/// for callers (such as a policy store) that lay out groups themselves.
#[derive(Debug)]
pub struct TablesBuilder {
    config: CompilerConfig,
    vocabulary: ActionVocabulary,
    statements: Vec<CompiledStatement>,
    conditions: Vec<CompiledCondition>,
    condition_ids: rustc_hash::FxHashMap<String, ConditionId>,
    /// Labels of the policies linted so far: a policy placed in several
    /// groups is linted once.
    linted: rustc_hash::FxHashSet<String>,
    labels: Vec<Box<str>>,
    groups: Vec<Group>,
    warnings: Vec<CompileWarning>,
    entries: usize,
}

impl TablesBuilder {
    /// An empty builder.
    pub fn new(config: CompilerConfig) -> Self {
        Self {
            config,
            vocabulary: ActionVocabulary::default(),
            statements: Vec::new(),
            conditions: Vec::new(),
            condition_ids: rustc_hash::FxHashMap::default(),
            linted: rustc_hash::FxHashSet::default(),
            labels: Vec::new(),
            groups: Vec::new(),
            warnings: Vec::new(),
            entries: 0,
        }
    }

    /// Compiles `policies` into one new group. Statement ids follow the
    /// order of the policies and of their statements.
    pub fn add_group<'p>(
        &mut self,
        policies: impl IntoIterator<Item = &'p NamedPolicy>,
    ) -> Result<GroupId, CompileError> {
        let mut deny = StatementIndexBuilder::default();
        let mut allow = StatementIndexBuilder::default();
        let mut count = 0;
        let first = self.statements.len() as u32;
        for policy in policies {
            if self.linted.insert(policy.label.clone()) {
                lint::lint(policy, &mut self.warnings);
            }
            let policy_index = self.labels.len() as u32;
            self.labels.push(policy.label.as_str().into());
            for (i, statement) in policy.document.statements.iter().enumerate() {
                if self.statements.len() >= self.config.max_statements {
                    return Err(CompileError::TooManyStatements {
                        count: self.statements.len() + 1,
                        limit: self.config.max_statements,
                    });
                }
                let id = StatementId(self.statements.len() as u32);
                let resources = statement
                    .resource
                    .as_ref()
                    .map_or(1, |r| r.patterns.len().max(1));
                let actions = if statement.action.negated {
                    1
                } else {
                    statement.action.patterns.len()
                };
                self.entries += resources.saturating_mul(actions);
                if self.entries > self.config.max_index_entries {
                    return Err(CompileError::TooManyIndexEntries {
                        count: self.entries,
                        limit: self.config.max_index_entries,
                    });
                }
                let builder = match statement.effect {
                    Effect::Deny => &mut deny,
                    Effect::Allow => &mut allow,
                };
                builder.add(id, statement, &mut self.vocabulary);
                let (conditions, condition_ids) = (&mut self.conditions, &mut self.condition_ids);
                self.statements.push(CompiledStatement::compile(
                    policy_index,
                    i as u32,
                    statement,
                    |condition| intern_condition(conditions, condition_ids, condition),
                ));
                count += 1;
            }
        }
        let id = GroupId(self.groups.len() as u32);
        self.groups.push(Group {
            deny: deny.build()?,
            allow: allow.build()?,
            statements: count,
            first,
        });
        Ok(id)
    }

    /// Reserves room for `additional` more statements, so that a caller
    /// who knows how many it will add spares the copies (and the spare
    /// capacity) of a growing list.
    pub fn reserve_statements(&mut self, additional: usize) {
        self.statements.reserve_exact(additional);
    }

    /// The finished tables and the warnings found.
    pub fn finish(mut self) -> (Tables, Vec<CompileWarning>) {
        self.vocabulary.finish();
        self.statements.shrink_to_fit();
        self.conditions.shrink_to_fit();
        self.labels.shrink_to_fit();
        self.groups.shrink_to_fit();
        let tables = Tables {
            vocabulary: self.vocabulary,
            statements: self.statements,
            conditions: self.conditions,
            policy_labels: self.labels,
            groups: self.groups,
        };
        (tables, self.warnings)
    }
}

/// The id of `condition`, compiling it the first time it is seen. Two
/// conditions are the same when operator, key and values are, as written:
/// keys compare without case when evaluated, but explanations name a key as
/// its own policy writes it.
fn intern_condition(
    conditions: &mut Vec<CompiledCondition>,
    ids: &mut rustc_hash::FxHashMap<String, ConditionId>,
    condition: &tollgate_policy::Condition,
) -> ConditionId {
    let mut key = format!("{}\u{0}{}", condition.operator, condition.key);
    for value in &condition.values {
        key.push('\u{0}');
        key.push_str(value.raw());
    }
    *ids.entry(key).or_insert_with(|| {
        let id = ConditionId(conditions.len() as u32);
        conditions.push(CompiledCondition::compile(condition));
        id
    })
}

impl Compiler {
    /// A compiler with `config`.
    pub fn new(config: CompilerConfig) -> Self {
        Self { config }
    }

    /// Compiles a policy set. Statement ids follow [`PolicySet::policies`] order.
    pub fn compile(&self, set: &PolicySet) -> Result<Compilation, CompileError> {
        let count = set.statement_count();
        if count > self.config.max_statements {
            return Err(CompileError::TooManyStatements {
                count,
                limit: self.config.max_statements,
            });
        }
        let mut build = TablesBuilder::new(self.config);
        build.statements.reserve_exact(count);
        let identity = build.add_group(&set.identity)?;
        let permissions_boundary = set
            .permissions_boundary
            .as_ref()
            .map(|p| build.add_group([p]))
            .transpose()?;
        let session = set
            .session
            .as_ref()
            .map(|s| build.add_group(s))
            .transpose()?;
        let service_control = set
            .service_control
            .iter()
            .map(|level| build.add_group(level))
            .collect::<Result<Vec<_>, _>>()?;
        let resource_control = set
            .resource_control
            .iter()
            .map(|level| build.add_group(level))
            .collect::<Result<Vec<_>, _>>()?;
        let resource = set
            .resource
            .as_ref()
            .map(|p| build.add_group([p]))
            .transpose()?;
        let (tables, warnings) = build.finish();
        Ok(Compilation {
            tables: TableSet {
                tables,
                layout: PolicySetLayout {
                    identity,
                    permissions_boundary,
                    session,
                    service_control,
                    resource_control,
                    resource,
                },
            },
            warnings,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn tables_are_send_and_sync() {
        assert_send_sync::<TableSet>();
    }

    #[test]
    fn a_policy_in_several_groups_is_linted_once() {
        let document = tollgate_policy::PolicyDocument::parse(
            r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3*:Get", "Resource": "*"}}"#,
            tollgate_policy::PolicyKind::Identity,
        )
        .unwrap();
        let policy = NamedPolicy::new("shared", document);
        let mut builder = TablesBuilder::new(CompilerConfig::default());
        builder.add_group([&policy]).unwrap();
        builder.add_group([&policy]).unwrap();
        let (_, warnings) = builder.finish();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
    }
}
