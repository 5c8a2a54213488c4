//! Splits the ARNs that start with a prefix into classes by which of a list
//! of glob patterns they match, with one witness ARN per class: a
//! breadth-first walk over the product of the patterns' automata, so every
//! class that some ARN falls in is found (and no empty one).

use std::collections::VecDeque;

use rustc_hash::{FxHashMap, FxHashSet};
use tollgate_policy::glob::Piece;

use crate::error::AccessError;

/// One element of a pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum G {
    /// This character.
    Char(char),
    /// `?`.
    One,
    /// `*`.
    Star,
}

/// A pattern as elements.
pub(crate) type Atom = Vec<G>;

/// A pattern from wildcard pieces (a variable's value is literal text).
pub(crate) fn atom(pieces: &[Piece<'_>]) -> Atom {
    let mut out = Vec::new();
    for piece in pieces {
        match piece {
            Piece::Literal(text) => out.extend(text.chars().map(G::Char)),
            Piece::Question => out.push(G::One),
            Piece::Star => {
                if out.last() != Some(&G::Star) {
                    out.push(G::Star);
                }
            }
        }
    }
    out
}

/// A pattern from an escaped glob: `*`, `?`, and `\\` before a character
/// that stands for itself.
pub(crate) fn escaped_atom(text: &str) -> Atom {
    let mut out = Vec::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '*' => out.push(G::Star),
            '?' => out.push(G::One),
            '\\' => out.extend(chars.next().map(G::Char)),
            c => out.push(G::Char(c)),
        }
    }
    out
}

/// A pattern from literal text and a trailing `*` when `star`.
pub(crate) fn literal_atom(text: &str, star: bool) -> Atom {
    let mut out: Atom = text.chars().map(G::Char).collect();
    if star {
        out.push(G::Star);
    }
    out
}

/// The atom as an escaped glob ([`crate::Filter::Like`]).
pub(crate) fn glob_text(atom: &Atom) -> String {
    let mut out = String::new();
    for g in atom {
        match g {
            G::Char(c @ ('*' | '?' | '\\')) => {
                out.push('\\');
                out.push(*c);
            }
            G::Char(c) => out.push(*c),
            G::One => out.push('?'),
            G::Star => out.push('*'),
        }
    }
    out
}

/// The positions of each atom's automaton: one bit per position, `len + 1`
/// positions per atom, packed.
#[derive(Clone, PartialEq, Eq, Hash)]
struct State(Vec<u64>);

struct Layout<'a> {
    atoms: &'a [Atom],
    /// Bit offset of each atom's first position.
    offsets: Vec<usize>,
    words: usize,
    /// Per bit: the element at that position (`None` past an atom's end).
    elements: Vec<Option<G>>,
    /// The bits of `*` elements, ascending.
    stars: Vec<usize>,
}

impl Layout<'_> {
    fn get(&self, state: &State, bit: usize) -> bool {
        state
            .0
            .get(bit / 64)
            .is_some_and(|w| w >> (bit % 64) & 1 == 1)
    }

    fn set(&self, state: &mut State, bit: usize) {
        if let Some(w) = state.0.get_mut(bit / 64) {
            *w |= 1 << (bit % 64);
        }
    }

    /// Adds the positions after each `*` that a set position reaches (in
    /// ascending order, so a run of `*` is crossed in one pass).
    fn close(&self, state: &mut State) {
        for &bit in &self.stars {
            if self.get(state, bit) {
                self.set(state, bit + 1);
            }
        }
    }

    fn start(&self) -> State {
        let mut state = State(vec![0; self.words]);
        for &offset in &self.offsets {
            self.set(&mut state, offset);
        }
        self.close(&mut state);
        state
    }

    /// The positions after reading `c`: only the live positions are read.
    fn step(&self, state: &State, c: char) -> State {
        let mut next = State(vec![0; self.words]);
        for (w, &word) in state.0.iter().enumerate() {
            let mut rest = word;
            while rest != 0 {
                let bit = w * 64 + rest.trailing_zeros() as usize;
                rest &= rest - 1;
                match self.elements.get(bit).copied().flatten() {
                    Some(G::Char(x)) if x == c => self.set(&mut next, bit + 1),
                    Some(G::One) => self.set(&mut next, bit + 1),
                    Some(G::Star) => self.set(&mut next, bit),
                    Some(G::Char(_)) | None => {}
                }
            }
        }
        self.close(&mut next);
        next
    }

    /// Which atoms accept in `state`, packed one bit per atom.
    fn signature(&self, state: &State) -> Vec<u64> {
        let mut sig = vec![0u64; self.atoms.len().div_ceil(64)];
        for (i, (atom, &offset)) in self.atoms.iter().zip(&self.offsets).enumerate() {
            if self.get(state, offset + atom.len())
                && let Some(w) = sig.get_mut(i / 64)
            {
                *w |= 1 << (i % 64);
            }
        }
        sig
    }
}

/// A class: which atoms match (one bit per atom) and a witness ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Class {
    pub(crate) signature: Vec<u64>,
    pub(crate) witness: String,
}

/// True when atom `i` matches in `signature`.
pub(crate) fn bit(signature: &[u64], i: usize) -> bool {
    signature
        .get(i / 64)
        .is_some_and(|w| w >> (i % 64) & 1 == 1)
}

/// Every class of ARNs starting with `prefix`, by the atoms they match,
/// each with its shortest witness; at most `max_states` automaton states.
pub(crate) fn classes(
    prefix: &str,
    atoms: &[Atom],
    max_states: usize,
) -> Result<Vec<Class>, AccessError> {
    let mut offsets = Vec::with_capacity(atoms.len());
    let mut bits = 0;
    for atom in atoms {
        offsets.push(bits);
        bits += atom.len() + 1;
    }
    let mut elements = Vec::with_capacity(bits);
    for atom in atoms {
        elements.extend(atom.iter().copied().map(Some));
        elements.push(None);
    }
    let stars = elements
        .iter()
        .enumerate()
        .filter(|(_, e)| **e == Some(G::Star))
        .map(|(i, _)| i)
        .collect();
    let layout = Layout {
        atoms,
        offsets,
        words: bits.div_ceil(64).max(1),
        elements,
        stars,
    };
    let mut alphabet: Vec<char> = atoms
        .iter()
        .flatten()
        .filter_map(|g| match g {
            G::Char(c) => Some(*c),
            _ => None,
        })
        .collect();
    alphabet.sort_unstable();
    alphabet.dedup();
    // One character no pattern names stands for all of them.
    if let Some(other) = ('a'..='z')
        .chain('0'..='9')
        .chain('A'..='Z')
        .chain(['-', '_', '.', '~'])
        .find(|c| alphabet.binary_search(c).is_err())
    {
        alphabet.push(other);
    }
    let mut start = layout.start();
    for c in prefix.chars() {
        start = layout.step(&start, c);
    }
    let mut seen: FxHashSet<State> = FxHashSet::default();
    let mut found: FxHashMap<Vec<u64>, String> = FxHashMap::default();
    let mut queue = VecDeque::new();
    seen.insert(start.clone());
    queue.push_back((start, prefix.to_owned()));
    while let Some((state, text)) = queue.pop_front() {
        found
            .entry(layout.signature(&state))
            .or_insert_with(|| text.clone());
        for &c in &alphabet {
            let next = layout.step(&state, c);
            if seen.contains(&next) {
                continue;
            }
            if seen.len() >= max_states {
                return Err(AccessError::TooManyStates {
                    states: seen.len(),
                    limit: max_states,
                });
            }
            seen.insert(next.clone());
            let mut longer = text.clone();
            longer.push(c);
            queue.push_back((next, longer));
        }
    }
    let mut out: Vec<Class> = found
        .into_iter()
        .map(|(signature, witness)| Class { signature, witness })
        .collect();
    out.sort_by(|a, b| {
        a.witness
            .len()
            .cmp(&b.witness.len())
            .then(a.witness.cmp(&b.witness))
    });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tollgate_policy::glob::{CaseMode, matches};

    #[test]
    fn every_class_is_found_with_a_witness_that_belongs_to_it() {
        let globs = ["p/a*", "p/*b", "p/a?b", "p/c"];
        let atoms: Vec<Atom> = globs
            .iter()
            .map(|g| atom(&tollgate_policy::glob::pieces_of(g)))
            .collect();
        let found = classes("p/", &atoms, 10_000).unwrap();
        for class in &found {
            for (i, g) in globs.iter().enumerate() {
                assert_eq!(
                    bit(&class.signature, i),
                    matches(g, &class.witness, CaseMode::Sensitive)
                );
            }
        }
        // Brute force over short strings finds no other class.
        let letters = ['a', 'b', 'c', 'x'];
        let mut texts = vec![String::from("p/")];
        for _ in 0..4 {
            let mut more = Vec::new();
            for t in &texts {
                for l in letters {
                    more.push(format!("{t}{l}"));
                }
            }
            texts.extend(more);
        }
        for t in texts {
            let sig: Vec<bool> = globs
                .iter()
                .map(|g| matches(g, &t, CaseMode::Sensitive))
                .collect();
            assert!(
                found
                    .iter()
                    .any(|c| (0..globs.len()).all(|i| bit(&c.signature, i) == sig[i])),
                "{t}"
            );
        }
    }

    #[test]
    fn the_state_limit_stops_the_walk() {
        let atoms: Vec<Atom> = (0..12)
            .map(|i| literal_atom(&format!("p/{i}x{i}"), true))
            .collect();
        assert!(matches!(
            classes("p/", &atoms, 5),
            Err(AccessError::TooManyStates { .. })
        ));
    }
}
