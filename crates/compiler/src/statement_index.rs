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

/// Up to this many (action, statement) entries, an index is a flat list:
/// a few dozen 8-byte entries in one contiguous block cost less than the
/// hash lookups and scattered buckets of the keyed form.
const FLAT_LIMIT: usize = 64;

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

/// Flat keys: literal ids below this bit, wildcard ids with it.
const WILDCARD_BIT: u32 = 1 << 31;
/// The flat key of `NotAction` entries, after every other key.
const NOT_ACTION_KEY: u32 = u32::MAX;

impl ActionSlot {
    /// The slot as one sortable number: literals, then wildcards, then
    /// `NotAction`; `None` for ids too large to encode.
    fn flat_key(self) -> Option<u32> {
        match self {
            ActionSlot::Literal(id) => (id.0 < WILDCARD_BIT).then_some(id.0),
            ActionSlot::Wildcard(id) => {
                (id.0 < NOT_ACTION_KEY - WILDCARD_BIT).then_some(WILDCARD_BIT | id.0)
            }
            ActionSlot::NotAction => Some(NOT_ACTION_KEY),
        }
    }
}

/// One statement filed under one action key, in a flat index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct FlatEntry {
    key: u32,
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
        let mut flat: Vec<FlatEntry> = Vec::with_capacity(self.entries.len().min(FLAT_LIMIT));
        for (slot, _, statement) in &self.entries {
            let Some(key) = slot.flat_key() else {
                return self.build_keyed();
            };
            if flat.len() == FLAT_LIMIT {
                flat.sort_unstable();
                flat.dedup();
                if flat.len() == FLAT_LIMIT {
                    return self.build_keyed();
                }
            }
            flat.push(FlatEntry {
                key,
                statement: *statement,
            });
        }
        flat.sort_unstable();
        flat.dedup();
        let wildcards_at = flat.partition_point(|e| e.key < WILDCARD_BIT);
        let not_action_at = flat.partition_point(|e| e.key < NOT_ACTION_KEY);
        Ok(StatementIndex::Flat(FlatIndex {
            entries: flat.into_boxed_slice(),
            // Below FLAT_LIMIT, so they fit.
            wildcards_at: wildcards_at as u8,
            not_action_at: not_action_at as u8,
        }))
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
    Flat(FlatIndex),
    /// By action, then by resource.
    Keyed(Box<KeyedIndex>),
}

/// A small group's entries, sorted by key: literal action ids, then
/// wildcard ids, then `NotAction`, with where each part starts.
#[derive(Debug)]
pub(crate) struct FlatIndex {
    entries: Box<[FlatEntry]>,
    wildcards_at: u8,
    not_action_at: u8,
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
            StatementIndex::Flat(index) => index.candidates(action, visit),
            StatementIndex::Keyed(index) => index.candidates(action, resource, visit),
        }
    }

    /// Calls `visit` with every candidate statement for the action, whatever
    /// the resource (possibly more than once); stops when `visit` returns true.
    pub(crate) fn action_candidates(
        &self,
        action: &ResolvedAction,
        visit: &mut impl FnMut(StatementId) -> bool,
    ) -> bool {
        match self {
            StatementIndex::Flat(index) => index.candidates(action, visit),
            StatementIndex::Keyed(index) => index.action_candidates(action, visit),
        }
    }

    /// The number of index entries, for size reports.
    pub(crate) fn entries(&self) -> usize {
        match self {
            StatementIndex::Flat(index) => index.entries.len(),
            StatementIndex::Keyed(index) => index.entries(),
        }
    }
}

impl FlatIndex {
    /// The statements filed under the action's literal id, under a wildcard
    /// pattern matching it, or under `NotAction`.
    fn candidates(
        &self,
        action: &ResolvedAction,
        visit: &mut impl FnMut(StatementId) -> bool,
    ) -> bool {
        let entries = &*self.entries;
        if entries.is_empty() {
            return false;
        }
        let (literals, rest) = entries.split_at(usize::from(self.wildcards_at).min(entries.len()));
        let split = usize::from(self.not_action_at.saturating_sub(self.wildcards_at));
        let (wildcards, not_action) = rest.split_at(split.min(rest.len()));
        if let Some(id) = action.literal {
            let from = if literals.len() > 8 {
                literals.partition_point(|e| e.key < id.0)
            } else {
                literals.iter().take_while(|e| e.key < id.0).count()
            };
            for entry in literals.get(from..).unwrap_or_default() {
                if entry.key != id.0 {
                    break;
                }
                if visit(entry.statement) {
                    return true;
                }
            }
        }
        if !wildcards.is_empty() {
            // Both sorted: one merge pass.
            let mut matching = action.wildcards.iter().map(|id| WILDCARD_BIT | id.0);
            let mut next = matching.next();
            for entry in wildcards {
                while let Some(key) = next
                    && key < entry.key
                {
                    next = matching.next();
                }
                match next {
                    None => break,
                    Some(key) if key == entry.key => {
                        if visit(entry.statement) {
                            return true;
                        }
                    }
                    Some(_) => {}
                }
            }
        }
        not_action.iter().any(|e| visit(e.statement))
    }
}

impl KeyedIndex {
    fn action_candidates(
        &self,
        action: &ResolvedAction,
        visit: &mut impl FnMut(StatementId) -> bool,
    ) -> bool {
        if let Some(index) = action.literal.and_then(|id| self.literal.get(&id))
            && index.all(visit)
        {
            return true;
        }
        for (id, index) in &self.wildcard {
            if action.wildcards.binary_search(id).is_ok() && index.all(visit) {
                return true;
            }
        }
        self.not_action
            .as_ref()
            .is_some_and(|index| index.all(visit))
    }

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

#[cfg(test)]
mod tests {
    use super::*;
    use tollgate_policy::glob::{CaseMode, matches_pieces, pieces_of};
    use tollgate_policy::{PolicyDocument, PolicyKind};

    const PATTERNS: [&str; 9] = [
        "s3:GetObject",
        "s3:Get*",
        "s3:PutObject",
        "ec2:*",
        "*",
        "iam:PassRole",
        "s3:*Object",
        "sqs:SendMessage",
        "s?:getobject",
    ];

    /// `count` statements cycling through the patterns (one or two each,
    /// every fifth a `NotAction`), all on `"*"`.
    fn document(count: usize) -> PolicyDocument {
        let statements: Vec<String> = (0..count)
            .map(|i| {
                let first = PATTERNS[i % PATTERNS.len()];
                let second = PATTERNS[(i * 7 + 3) % PATTERNS.len()];
                let element = if i % 5 == 4 { "NotAction" } else { "Action" };
                format!(
                    r#"{{"Effect": "Allow", "{element}": ["{first}", "{second}"], "Resource": "*"}}"#
                )
            })
            .collect();
        let json = format!(
            r#"{{"Version": "2012-10-17", "Statement": [{}]}}"#,
            statements.join(",")
        );
        PolicyDocument::parse(&json, PolicyKind::Identity).unwrap()
    }

    fn builder(doc: &PolicyDocument, vocabulary: &mut ActionVocabulary) -> StatementIndexBuilder {
        let mut builder = StatementIndexBuilder::default();
        for (i, statement) in doc.statements.iter().enumerate() {
            builder.add(StatementId(i as u32), statement, vocabulary);
        }
        builder
    }

    fn collect(index: &StatementIndex, action: &ResolvedAction) -> Vec<u32> {
        let mut out = Vec::new();
        index.candidates(action, "arn:aws:s3:::bucket/key", &mut |s| {
            out.push(s.0);
            false
        });
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The statements an action must find: those whose patterns match it,
    /// and every `NotAction` statement (which checks its list itself).
    fn expected(doc: &PolicyDocument, action: &str) -> Vec<u32> {
        (0..doc.statements.len() as u32)
            .filter(|&i| {
                let statement = &doc.statements[i as usize];
                statement.action.negated
                    || statement.action.patterns.iter().any(|p| {
                        matches_pieces(
                            &pieces_of(p.lowercase()),
                            action,
                            CaseMode::AsciiInsensitive,
                        )
                    })
            })
            .collect()
    }

    #[test]
    fn flat_and_keyed_indexes_find_the_same_statements() {
        for count in [0, 1, 7, 20, 31, 32, 33, 64, 80] {
            let doc = document(count);
            let mut vocabulary = ActionVocabulary::default();
            let flat = builder(&doc, &mut vocabulary).build().unwrap();
            let keyed = builder(&doc, &mut vocabulary).build_keyed().unwrap();
            vocabulary.finish();
            assert!(matches!(keyed, StatementIndex::Keyed(_)));
            // Two entries per statement at most: small documents stay flat.
            if count * 2 <= FLAT_LIMIT {
                assert!(matches!(flat, StatementIndex::Flat(_)), "{count}");
            }
            for action in [
                "s3:GetObject",
                "S3:PUTOBJECT",
                "s3:GetBucketPolicy",
                "ec2:RunInstances",
                "iam:PassRole",
                "sqs:SendMessage",
                "lambda:InvokeFunction",
            ] {
                let resolved = vocabulary.resolve(action);
                let want = expected(&doc, &action.to_ascii_lowercase());
                assert_eq!(collect(&flat, &resolved), want, "{count} {action}");
                assert_eq!(collect(&keyed, &resolved), want, "{count} {action}");
            }
        }
    }

    #[test]
    fn flat_index_keys_keep_literals_wildcards_and_not_action_apart() {
        let literal = ActionSlot::Literal(ActionId(WILDCARD_BIT - 1)).flat_key();
        let wildcard = ActionSlot::Wildcard(WildcardId(0)).flat_key();
        let not_action = ActionSlot::NotAction.flat_key();
        assert!(literal < wildcard && wildcard < not_action);
        assert_eq!(ActionSlot::Literal(ActionId(WILDCARD_BIT)).flat_key(), None);
        assert_eq!(
            ActionSlot::Wildcard(WildcardId(NOT_ACTION_KEY - WILDCARD_BIT)).flat_key(),
            None
        );
    }
}
