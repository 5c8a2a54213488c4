//! The two-level index of one group of policies: by action (literal names in a
//! hash table, wildcard patterns by id), then by resource. A request visits
//! only the statements filed under its action's id, the wildcard patterns
//! that match its action, and `NotAction` statements.

use rustc_hash::FxHashMap;
use tollgate_policy::Statement;

use crate::resource_index::{ResourceIndex, ResourceIndexBuilder, ResourceKey};
use crate::statement::StatementId;
use crate::vocabulary::{ActionId, ActionKey, ActionVocabulary, ResolvedAction, WildcardId};

#[derive(Debug, Default)]
pub(crate) struct StatementIndexBuilder {
    literal: FxHashMap<ActionId, ResourceIndexBuilder>,
    wildcard: FxHashMap<WildcardId, ResourceIndexBuilder>,
    not_action: ResourceIndexBuilder,
    has_not_action: bool,
}

/// The resource keys a statement is filed under.
fn resource_keys(statement: &Statement) -> Vec<ResourceKey> {
    match &statement.resource {
        Some(clause) if !clause.negated => clause
            .patterns
            .iter()
            .map(|template| {
                let prefix = template.literal_prefix();
                if prefix.is_empty() {
                    ResourceKey::Any
                } else if template.parts().len() == 1 {
                    ResourceKey::Exact(prefix.into())
                } else {
                    ResourceKey::Prefix(prefix.into())
                }
            })
            .collect(),
        _ => vec![ResourceKey::Any],
    }
}

impl StatementIndexBuilder {
    pub(crate) fn add(
        &mut self,
        id: StatementId,
        statement: &Statement,
        vocabulary: &mut ActionVocabulary,
    ) {
        let keys = resource_keys(statement);
        if statement.action.negated {
            self.has_not_action = true;
            for key in keys {
                self.not_action.push(key, id);
            }
            return;
        }
        for pattern in &statement.action.patterns {
            let bucket = match vocabulary.intern(pattern.lowercase()) {
                ActionKey::Literal(action) => self.literal.entry(action).or_default(),
                ActionKey::Wildcard(wildcard) => self.wildcard.entry(wildcard).or_default(),
            };
            for key in &keys {
                bucket.push(key.clone(), id);
            }
        }
    }

    pub(crate) fn build(self) -> Result<StatementIndex, aho_corasick::BuildError> {
        let literal = self
            .literal
            .into_iter()
            .map(|(k, b)| Ok((k, b.build()?)))
            .collect::<Result<FxHashMap<_, _>, aho_corasick::BuildError>>()?;
        let mut wildcard = self
            .wildcard
            .into_iter()
            .map(|(k, b)| Ok((k, b.build()?)))
            .collect::<Result<Vec<_>, aho_corasick::BuildError>>()?;
        wildcard.sort_by_key(|(k, _)| *k);
        let not_action = if self.has_not_action {
            Some(self.not_action.build()?)
        } else {
            None
        };
        Ok(StatementIndex {
            literal,
            wildcard,
            not_action,
        })
    }
}

/// Statements of one group and one effect, indexed by action and resource.
#[derive(Debug)]
pub(crate) struct StatementIndex {
    literal: FxHashMap<ActionId, ResourceIndex>,
    /// Sorted by wildcard id.
    wildcard: Vec<(WildcardId, ResourceIndex)>,
    not_action: Option<ResourceIndex>,
}

impl StatementIndex {
    /// Calls `visit` with every candidate statement for the action and
    /// resource (possibly more than once); stops when `visit` returns true.
    pub(crate) fn candidates(
        &self,
        action: &ResolvedAction,
        resource: &str,
        visit: &mut impl FnMut(StatementId) -> bool,
    ) -> bool {
        if let Some(index) = action.literal.and_then(|id| self.literal.get(&id))
            && index.candidates(resource, visit)
        {
            return true;
        }
        if !self.wildcard.is_empty() && !action.wildcards.is_empty() {
            if self.wildcard.len() <= action.wildcards.len() {
                for (id, index) in &self.wildcard {
                    if action.wildcards.binary_search(id).is_ok()
                        && index.candidates(resource, visit)
                    {
                        return true;
                    }
                }
            } else {
                for id in &action.wildcards {
                    if let Ok(position) = self.wildcard.binary_search_by_key(id, |(k, _)| *k)
                        && let Some((_, index)) = self.wildcard.get(position)
                        && index.candidates(resource, visit)
                    {
                        return true;
                    }
                }
            }
        }
        if let Some(index) = &self.not_action
            && index.candidates(resource, visit)
        {
            return true;
        }
        false
    }

    /// The number of index entries, for size reports.
    pub(crate) fn entries(&self) -> usize {
        self.literal.values().map(ResourceIndex::len).sum::<usize>()
            + self.wildcard.iter().map(|(_, i)| i.len()).sum::<usize>()
            + self
                .not_action
                .as_ref()
                .map(ResourceIndex::len)
                .unwrap_or(0)
    }
}
