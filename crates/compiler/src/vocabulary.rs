//! Interned actions. Literal action names get dense ids; wildcard action
//! patterns are registered once each. A request's action resolves, once per
//! request, to its literal id (if any policy names it) and the wildcard
//! patterns that match it. For names known at compile time the matching
//! wildcard patterns are precomputed.

use rustc_hash::FxHashMap;
use smallvec::SmallVec;
use tollgate_policy::glob::{CaseMode, Pieces, is_literal, matches_pieces, pieces_of};

/// A literal action name, lowercase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ActionId(pub(crate) u32);

/// A distinct wildcard action pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WildcardId(pub(crate) u32);

/// What an action pattern in a policy lowers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ActionKey {
    Literal(ActionId),
    Wildcard(WildcardId),
}

/// The wildcard patterns matching one action, on the stack for common sizes.
pub type WildcardMatches = SmallVec<[WildcardId; 16]>;

/// A request's action, resolved against the vocabulary.
#[derive(Debug, Clone, Default)]
pub struct ResolvedAction {
    /// The literal id, when some policy names this action exactly.
    pub literal: Option<ActionId>,
    /// The wildcard patterns that match it, ascending.
    pub wildcards: WildcardMatches,
}

#[derive(Debug)]
struct WildcardPattern {
    lowercase: Box<str>,
}

/// All action names and patterns of a table set.
#[derive(Debug, Default)]
pub struct ActionVocabulary {
    literals: FxHashMap<Box<str>, ActionId>,
    wildcards: Vec<WildcardPattern>,
    wildcard_ids: FxHashMap<Box<str>, WildcardId>,
    /// Wildcard patterns with a literal service prefix, by service.
    by_service: FxHashMap<Box<str>, Vec<WildcardId>>,
    /// Wildcard patterns whose service part is itself a wildcard.
    unscoped: Vec<WildcardId>,
    /// For each literal id: the wildcard patterns that match it.
    literal_matches: Vec<WildcardMatches>,
}

/// Longest action name resolved without a heap allocation.
const INLINE_ACTION_LEN: usize = 128;

impl ActionVocabulary {
    pub(crate) fn intern(&mut self, lowercase_pattern: &str) -> ActionKey {
        if is_literal(&pieces_of(lowercase_pattern)) {
            let next = ActionId(self.literals.len() as u32);
            let id = *self
                .literals
                .entry(lowercase_pattern.into())
                .or_insert(next);
            ActionKey::Literal(id)
        } else {
            if let Some(id) = self.wildcard_ids.get(lowercase_pattern) {
                return ActionKey::Wildcard(*id);
            }
            let id = WildcardId(self.wildcards.len() as u32);
            self.wildcards.push(WildcardPattern {
                lowercase: lowercase_pattern.into(),
            });
            self.wildcard_ids.insert(lowercase_pattern.into(), id);
            match literal_service(lowercase_pattern) {
                Some(service) => self.by_service.entry(service.into()).or_default().push(id),
                None => self.unscoped.push(id),
            }
            ActionKey::Wildcard(id)
        }
    }

    /// Precomputes, for every literal name, the wildcard patterns matching it.
    pub(crate) fn finish(&mut self) {
        let mut ordered: Vec<(&Box<str>, &ActionId)> = self.literals.iter().collect();
        ordered.sort_by_key(|(_, id)| **id);
        self.literal_matches = ordered
            .into_iter()
            .map(|(name, _)| self.scan_wildcards(name))
            .collect();
    }

    /// The number of literal names.
    pub fn literal_count(&self) -> usize {
        self.literals.len()
    }

    /// The number of distinct wildcard patterns.
    pub fn wildcard_count(&self) -> usize {
        self.wildcards.len()
    }

    /// Resolves a request's action (any case).
    pub fn resolve(&self, action: &str) -> ResolvedAction {
        let mut buffer = [0u8; INLINE_ACTION_LEN];
        let owned;
        let lowercase: &str = if !action.bytes().any(|b| b.is_ascii_uppercase()) {
            action
        } else if let Some(slot) = buffer.get_mut(..action.len()) {
            slot.copy_from_slice(action.as_bytes());
            slot.make_ascii_lowercase();
            match std::str::from_utf8(slot) {
                Ok(text) => text,
                Err(_) => return ResolvedAction::default(),
            }
        } else {
            owned = action.to_ascii_lowercase();
            &owned
        };
        match self.literals.get(lowercase) {
            Some(id) => ResolvedAction {
                literal: Some(*id),
                wildcards: self
                    .literal_matches
                    .get(id.0 as usize)
                    .cloned()
                    .unwrap_or_default(),
            },
            None => ResolvedAction {
                literal: None,
                wildcards: self.scan_wildcards(lowercase),
            },
        }
    }

    fn scan_wildcards(&self, lowercase_action: &str) -> WildcardMatches {
        let mut out = WildcardMatches::new();
        let service = lowercase_action.split_once(':').map(|(s, _)| s);
        let scoped = service
            .and_then(|s| self.by_service.get(s))
            .map(Vec::as_slice)
            .unwrap_or_default();
        for id in scoped.iter().chain(self.unscoped.iter()) {
            if let Some(pattern) = self.wildcards.get(id.0 as usize) {
                let pieces: Pieces<'_> = pieces_of(&pattern.lowercase);
                if matches_pieces(&pieces, lowercase_action, CaseMode::AsciiInsensitive) {
                    out.push(*id);
                }
            }
        }
        out.sort_unstable();
        out
    }
}

/// The service part of a pattern when it has no wildcard (`s3` for `s3:Get*`).
fn literal_service(pattern: &str) -> Option<&str> {
    let (service, _) = pattern.split_once(':')?;
    (!service.contains(['*', '?'])).then_some(service)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_literals_and_wildcards_in_any_case() {
        let mut v = ActionVocabulary::default();
        let get = v.intern("s3:getobject");
        let star = v.intern("s3:get*");
        let all = v.intern("*");
        let q = v.intern("s?:getobject");
        v.finish();
        let (
            ActionKey::Literal(get),
            ActionKey::Wildcard(star),
            ActionKey::Wildcard(all),
            ActionKey::Wildcard(q),
        ) = (get, star, all, q)
        else {
            panic!("wrong kinds");
        };
        let r = v.resolve("S3:GetObject");
        assert_eq!(r.literal, Some(get));
        assert_eq!(r.wildcards.as_slice(), &[star, all, q]);
        let r = v.resolve("s3:GetBucketPolicy");
        assert_eq!(r.literal, None);
        assert_eq!(r.wildcards.as_slice(), &[star, all]);
        let r = v.resolve("ec2:RunInstances");
        assert_eq!(r.wildcards.as_slice(), &[all]);
        let long = format!("s3:Get{}", "X".repeat(300));
        assert_eq!(v.resolve(&long).wildcards.as_slice(), &[star, all]);
    }
}
