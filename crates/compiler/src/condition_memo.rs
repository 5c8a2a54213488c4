//! Per-request memory of condition results. Identical conditions are
//! interned when tables are compiled ([`ConditionId`]), so when many
//! statements share a condition (guardrails such as "deny without TLS"), a
//! request evaluates it once. The memo is a small direct-mapped cache on the
//! stack of one evaluation: O(1), no allocation; two conditions that share a
//! slot only cost a second evaluation. One memo belongs to one [`crate::Tables`].

use std::cell::Cell;

/// An interned condition of a [`crate::Tables`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ConditionId(pub(crate) u32);

/// Slots of the cache (a power of two).
const SLOTS: usize = 64;

/// Results of the conditions one request has evaluated so far.
#[derive(Debug)]
pub struct ConditionMemo {
    /// Per slot: 0 when empty, else `(id + 1) << 1 | result`.
    slots: [Cell<u32>; SLOTS],
}

impl Default for ConditionMemo {
    fn default() -> Self {
        Self {
            slots: std::array::from_fn(|_| Cell::new(0)),
        }
    }
}

impl ConditionMemo {
    /// An empty memo, for one request against one table set.
    pub fn new() -> Self {
        Self::default()
    }

    /// The remembered result of `id`, or `evaluate()`'s, remembered.
    pub(crate) fn get_or(&self, id: ConditionId, evaluate: impl FnOnce() -> bool) -> bool {
        let tag = id.0.wrapping_add(1) << 1;
        let Some(slot) = self.slots.get(id.0 as usize % SLOTS) else {
            return evaluate();
        };
        let held = slot.get();
        if held & !1 == tag {
            return held & 1 == 1;
        }
        let result = evaluate();
        slot.set(tag | u32::from(result));
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evaluates_each_condition_once() {
        let memo = ConditionMemo::new();
        let mut calls = 0;
        assert!(memo.get_or(ConditionId(1), || {
            calls += 1;
            true
        }));
        assert!(memo.get_or(ConditionId(1), || {
            calls += 1;
            false
        }));
        assert!(!memo.get_or(ConditionId(2), || false));
        assert_eq!(calls, 1);
        // A colliding id evicts, and is evaluated again afterwards.
        let other = ConditionId(1 + SLOTS as u32);
        assert!(!memo.get_or(other, || false));
        assert!(memo.get_or(ConditionId(1), || {
            calls += 1;
            true
        }));
        assert_eq!(calls, 2);
        assert!(!memo.get_or(ConditionId(2), || true), "slot 2 untouched");
    }
}
