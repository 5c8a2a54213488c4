//! The index of one group's statements of one effect. Most groups are one
//! policy of a few statements: their index is a flat, contiguous list of
//! (action key, statement) entries scanned in full, with no hash table, so a
//! request touches one or two cache lines per group. Bigger groups are
//! indexed in two levels: by action (literal names in a hash table, wildcard
//! patterns by id), then by resource. A request visits only the statements
//! filed under its action's id, the wildcard patterns that match it, and the
//! `NotAction` statements.

use rustc_hash::FxHashMap;
use tollgate_policy::Statement;

use crate::resource_index::{ResourceIndex, ResourceIndexBuilder, ResourceKey};
use crate::statement::StatementId;
use crate::vocabulary::{ActionId, ActionKey, ActionVocabulary, ResolvedAction, WildcardId};

/// Up to this many (action, statement) entries, an index is a flat list.
/// Scanning a few dozen 12-byte entries in one contiguous block costs less
/// than the hash lookups and scattered buckets of the keyed form.
const FLAT_LIMIT: usize = 48;

/// Which actions an entry stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum ActionSlot {
    /// One literal action name.
    Literal(ActionId),
    /// The actions a wildcard pattern matches.
    Wildcard(WildcardId),
    /// A `NotAction` statement: any action (the statement checks its list).
    NotAction,
}

impl ActionSlot {
    fn matches(self, action: &ResolvedAction) -> bool {
        match self {
            ActionSlot::Literal(id) => action.literal == Some(id),
            ActionSlot::Wildcard(id) => action.wildcards.contains(&id),
            ActionSlot::NotAction => true,
        }
    }
}

/// One statement filed under one action key, in a flat index.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FlatEntry {
    slot: ActionSlot,
    statement: StatementId,
}

#[derive(Debug, Default)]
pub(crate) struct StatementIndexBuilder {
    /// In the order added: statements ascending, then their patterns.
    entries: Vec<(ActionSlot, ResourceKey, StatementId)>,
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
            for key in keys {
                self.entries.push((ActionSlot::NotAction, key, id));
            }
            return;
        }
        for pattern in &statement.action.patterns {
            let slot = match vocabulary.intern(pattern.lowercase()) {
                ActionKey::Literal(action) => ActionSlot::Literal(action),
                ActionKey::Wildcard(wildcard) => ActionSlot::Wildcard(wildcard),
            };
            for key in &keys {
                self.entries.push((slot, key.clone(), id));
            }
        }
    }

    pub(crate) fn build(self) -> Result<StatementIndex, aho_corasick::BuildError> {
        // One flat entry per (action key, statement): the resource keys only
        // matter to the keyed form, the statement checks its patterns anyway.
        let mut flat: Vec<FlatEntry> = Vec::new();
        for (slot, _, statement) in &self.entries {
            let entry = FlatEntry {
                slot: *slot,
                statement: *statement,
            };
            // Entries of one statement are adjacent: a statement's repeated
            // (slot, statement) pairs are among its own few entries.
            let repeated = flat
                .iter()
                .rev()
                .take_while(|e| e.statement == entry.statement)
                .any(|e| e.slot == entry.slot);
            if !repeated {
                if flat.len() == FLAT_LIMIT {
                    return self.build_keyed();
                }
                flat.push(entry);
            }
        }
        Ok(StatementIndex::Flat(flat.into_boxed_slice()))
    }

    fn build_keyed(self) -> Result<StatementIndex, aho_corasick::BuildError> {
        let mut literal: FxHashMap<ActionId, ResourceIndexBuilder> = FxHashMap::default();
        let mut wildcard: FxHashMap<WildcardId, ResourceIndexBuilder> = FxHashMap::default();
        let mut not_action: Option<ResourceIndexBuilder> = None;
        for (slot, key, statement) in self.entries {
            let bucket = match slot {
                ActionSlot::Literal(id) => literal.entry(id).or_default(),
                ActionSlot::Wildcard(id) => wildcard.entry(id).or_default(),
                ActionSlot::NotAction => not_action.get_or_insert_default(),
            };
            bucket.push(key, statement);
        }
        let literal = literal
            .into_iter()
            .map(|(k, b)| Ok((k, b.build()?)))
            .collect::<Result<FxHashMap<_, _>, aho_corasick::BuildError>>()?;
        let mut wildcard = wildcard
            .into_iter()
            .map(|(k, b)| Ok((k, b.build()?)))
            .collect::<Result<Vec<_>, aho_corasick::BuildError>>()?;
        wildcard.sort_by_key(|(k, _)| *k);
        let not_action = not_action.map(ResourceIndexBuilder::build).transpose()?;
        Ok(StatementIndex::Keyed(Box::new(KeyedIndex {
            literal,
            wildcard: wildcard.into_boxed_slice(),
            not_action,
        })))
    }
}

/// Statements of one group and one effect, by action and resource.
#[derive(Debug)]
pub(crate) enum StatementIndex {
    /// A few entries, scanned in full.
    Flat(Box<[FlatEntry]>),
    /// By action, then by resource.
    Keyed(Box<KeyedIndex>),
}

/// The two-level index of a big group.
#[derive(Debug)]
pub(crate) struct KeyedIndex {
    literal: FxHashMap<ActionId, ResourceIndex>,
    /// Sorted by wildcard id.
    wildcard: Box<[(WildcardId, ResourceIndex)]>,
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
        match self {
            StatementIndex::Flat(entries) => entries
                .iter()
                .any(|e| e.slot.matches(action) && visit(e.statement)),
            StatementIndex::Keyed(index) => index.candidates(action, resource, visit),
        }
    }

    /// The number of index entries, for size reports.
    pub(crate) fn entries(&self) -> usize {
        match self {
            StatementIndex::Flat(entries) => entries.len(),
            StatementIndex::Keyed(index) => index.entries(),
        }
    }
}

impl KeyedIndex {
    fn candidates(
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

    fn entries(&self) -> usize {
        self.literal.values().map(ResourceIndex::len).sum::<usize>()
            + self.wildcard.iter().map(|(_, i)| i.len()).sum::<usize>()
            + self
                .not_action
                .as_ref()
                .map(ResourceIndex::len)
                .unwrap_or(0)
    }
}
