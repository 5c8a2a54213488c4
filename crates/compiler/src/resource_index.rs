//! Statements indexed by the resources they name, so a request looks only at
//! statements whose resource pattern can match its resource: exact ARNs in a
//! hash table, patterns by their literal prefix in an Aho-Corasick automaton,
//! and the rest (`*`, `NotResource`, patterns that start with a wildcard or a
//! variable) in a list every request visits. Small indexes stay a flat list.

use aho_corasick::{AhoCorasick, Anchored, Input, MatchKind, StartKind};
use rustc_hash::FxHashMap;

use crate::statement::StatementId;

/// Below this many entries an index is a list scanned in full.
const FLAT_LIMIT: usize = 8;

/// Where a statement goes in a resource index.
#[derive(Debug, Clone)]
pub(crate) enum ResourceKey {
    /// The statement may match any resource.
    Any,
    /// The pattern is this exact resource.
    Exact(Box<str>),
    /// The pattern starts with this literal text, then a wildcard or variable.
    Prefix(Box<str>),
}

#[derive(Debug, Default)]
pub(crate) struct ResourceIndexBuilder {
    entries: Vec<(ResourceKey, StatementId)>,
}

impl ResourceIndexBuilder {
    pub(crate) fn push(&mut self, key: ResourceKey, statement: StatementId) {
        self.entries.push((key, statement));
    }

    pub(crate) fn build(self) -> Result<ResourceIndex, aho_corasick::BuildError> {
        if self.entries.len() <= FLAT_LIMIT {
            let mut flat: Vec<StatementId> = self.entries.into_iter().map(|(_, s)| s).collect();
            flat.sort_unstable();
            flat.dedup();
            return Ok(ResourceIndex::Flat(flat.into_boxed_slice()));
        }
        let mut any = Vec::new();
        let mut exact: FxHashMap<Box<str>, Vec<StatementId>> = FxHashMap::default();
        let mut prefixes: FxHashMap<Box<str>, Vec<StatementId>> = FxHashMap::default();
        for (key, statement) in self.entries {
            match key {
                ResourceKey::Any => any.push(statement),
                ResourceKey::Exact(text) => exact.entry(text).or_default().push(statement),
                ResourceKey::Prefix(text) => prefixes.entry(text).or_default().push(statement),
            }
        }
        any.sort_unstable();
        any.dedup();
        for list in exact.values_mut().chain(prefixes.values_mut()) {
            list.sort_unstable();
            list.dedup();
        }
        let prefix_index = if prefixes.is_empty() {
            None
        } else {
            Some(PrefixIndex::build(prefixes)?)
        };
        Ok(ResourceIndex::Indexed(Box::new(IndexedResources {
            any: any.into_boxed_slice(),
            exact: exact
                .into_iter()
                .map(|(k, v)| (k, v.into_boxed_slice()))
                .collect(),
            prefixes: prefix_index,
        })))
    }
}

/// Statements filed under literal resource prefixes. All the prefixes that
/// match one resource are prefixes of it, so they nest: the longest one found
/// by an anchored search determines the rest. Each pattern therefore keeps
/// the statements of every pattern that is a prefix of it, and a lookup is
/// one anchored leftmost-longest search that stops at the first mismatch.
#[derive(Debug)]
pub(crate) struct PrefixIndex {
    automaton: AhoCorasick,
    /// Per automaton pattern: the statements of it and of its pattern-prefixes.
    statements: Box<[Box<[StatementId]>]>,
}

impl PrefixIndex {
    fn build(
        prefixes: FxHashMap<Box<str>, Vec<StatementId>>,
    ) -> Result<Self, aho_corasick::BuildError> {
        let mut ordered: Vec<(Box<str>, Vec<StatementId>)> = prefixes.into_iter().collect();
        ordered.sort_by(|a, b| a.0.cmp(&b.0));
        let position: FxHashMap<&str, usize> = ordered
            .iter()
            .enumerate()
            .map(|(i, (p, _))| (&**p, i))
            .collect();
        let statements = ordered
            .iter()
            .map(|(prefix, _)| {
                let mut chain: Vec<StatementId> = prefix
                    .char_indices()
                    .map(|(i, _)| i)
                    .skip(1)
                    .chain(std::iter::once(prefix.len()))
                    .filter_map(|end| prefix.get(..end).and_then(|p| position.get(p)))
                    .filter_map(|i| ordered.get(*i))
                    .flat_map(|(_, list)| list.iter().copied())
                    .collect();
                chain.sort_unstable();
                chain.dedup();
                chain.into_boxed_slice()
            })
            .collect();
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .start_kind(StartKind::Anchored)
            .build(ordered.iter().map(|(p, _)| p.as_bytes()))?;
        Ok(Self {
            automaton,
            statements,
        })
    }

    /// The statements of every prefix of `resource`.
    fn find(&self, resource: &str) -> &[StatementId] {
        let input = Input::new(resource).anchored(Anchored::Yes);
        match self.automaton.try_find(input) {
            Ok(Some(m)) => self
                .statements
                .get(m.pattern().as_usize())
                .map_or(&[], |list| &**list),
            _ => &[],
        }
    }
}

/// The statements of one action bucket, by resource.
#[derive(Debug)]
pub(crate) enum ResourceIndex {
    Flat(Box<[StatementId]>),
    Indexed(Box<IndexedResources>),
}

/// The statements of a big action bucket, by resource.
#[derive(Debug)]
pub(crate) struct IndexedResources {
    any: Box<[StatementId]>,
    exact: FxHashMap<Box<str>, Box<[StatementId]>>,
    prefixes: Option<PrefixIndex>,
}

impl ResourceIndex {
    /// Calls `visit` with every statement whose resource pattern may match
    /// `resource` (a superset; statements still check their patterns). A
    /// statement may be visited more than once. Stops when `visit` returns true.
    pub(crate) fn candidates(
        &self,
        resource: &str,
        visit: &mut impl FnMut(StatementId) -> bool,
    ) -> bool {
        match self {
            ResourceIndex::Flat(list) => list.iter().any(|s| visit(*s)),
            ResourceIndex::Indexed(indexed) => {
                let IndexedResources {
                    any,
                    exact,
                    prefixes,
                } = &**indexed;
                if any.iter().any(|s| visit(*s)) {
                    return true;
                }
                if let Some(list) = exact.get(resource)
                    && list.iter().any(|s| visit(*s))
                {
                    return true;
                }
                if let Some(index) = prefixes
                    && index.find(resource).iter().any(|s| visit(*s))
                {
                    return true;
                }
                false
            }
        }
    }

    /// Calls `visit` with every statement of the bucket, whatever its
    /// resource; stops when `visit` returns true.
    pub(crate) fn all(&self, visit: &mut impl FnMut(StatementId) -> bool) -> bool {
        match self {
            ResourceIndex::Flat(list) => list.iter().any(|s| visit(*s)),
            ResourceIndex::Indexed(indexed) => {
                indexed.any.iter().any(|s| visit(*s))
                    || indexed
                        .exact
                        .values()
                        .flat_map(|l| l.iter())
                        .any(|s| visit(*s))
                    || indexed.prefixes.as_ref().is_some_and(|p| {
                        p.statements
                            .iter()
                            .flat_map(|l| l.iter())
                            .any(|s| visit(*s))
                    })
            }
        }
    }

    /// The number of (key, statement) entries, for size reports.
    pub(crate) fn len(&self) -> usize {
        match self {
            ResourceIndex::Flat(list) => list.len(),
            ResourceIndex::Indexed(indexed) => {
                let prefixed = indexed.prefixes.as_ref().map_or(0, |p| {
                    p.statements.iter().map(|list| list.len()).sum::<usize>()
                });
                indexed.any.len()
                    + indexed.exact.values().map(|list| list.len()).sum::<usize>()
                    + prefixed
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(index: &ResourceIndex, resource: &str) -> Vec<u32> {
        let mut out = Vec::new();
        index.candidates(resource, &mut |s| {
            out.push(s.0);
            false
        });
        out.sort_unstable();
        out.dedup();
        out
    }

    #[test]
    fn large_indexes_find_exact_prefix_and_any_entries() {
        let mut b = ResourceIndexBuilder::default();
        for i in 0..20u32 {
            b.push(
                ResourceKey::Exact(format!("arn:aws:s3:::bucket-{i}").into()),
                StatementId(i),
            );
        }
        b.push(
            ResourceKey::Prefix("arn:aws:s3:::bucket-7/".into()),
            StatementId(100),
        );
        b.push(
            ResourceKey::Prefix("arn:aws:s3:::".into()),
            StatementId(101),
        );
        b.push(
            ResourceKey::Prefix("arn:aws:dynamodb:".into()),
            StatementId(102),
        );
        b.push(ResourceKey::Any, StatementId(103));
        let index = b.build().unwrap();
        assert!(matches!(index, ResourceIndex::Indexed(_)));
        assert_eq!(collect(&index, "arn:aws:s3:::bucket-7"), vec![7, 101, 103]);
        assert_eq!(
            collect(&index, "arn:aws:s3:::bucket-7/key"),
            vec![100, 101, 103]
        );
        assert_eq!(collect(&index, "arn:aws:sqs:us-east-1:1:q"), vec![103]);
        // A prefix found later in the text is not a prefix.
        assert_eq!(collect(&index, "x-arn:aws:s3:::bucket-7/key"), vec![103]);
        // Nested prefixes: the longest match brings the shorter ones.
        assert_eq!(
            collect(&index, "arn:aws:s3:::bucket-7/"),
            vec![100, 101, 103]
        );
        assert_eq!(collect(&index, "arn:aws:s3:::bucket-77"), vec![101, 103]);
    }

    #[test]
    fn small_indexes_are_flat() {
        let mut b = ResourceIndexBuilder::default();
        b.push(ResourceKey::Exact("a".into()), StatementId(2));
        b.push(ResourceKey::Any, StatementId(1));
        let index = b.build().unwrap();
        assert_eq!(collect(&index, "zzz"), vec![1, 2]);
        assert_eq!(index.len(), 2);
    }
}
