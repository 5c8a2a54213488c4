//! Wildcard patterns as IAM uses them: `*` matches any run of characters
//! (including `:` and `/`), `?` exactly one character, everything else itself.
//!
//! A pattern is a sequence of [`Piece`]s; literal pieces may come from policy
//! variables, whose values are matched literally even when they contain `*`.

use smallvec::SmallVec;

/// One element of a wildcard pattern, borrowing its literal text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece<'a> {
    /// Text that must appear as it is.
    Literal(&'a str),
    /// `*`: any run of characters, possibly empty.
    Star,
    /// `?`: exactly one character.
    Question,
}

/// How literal text is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseMode {
    /// Byte for byte (resources, condition values).
    Sensitive,
    /// ASCII letters compare without case (actions). The pattern's literals
    /// must already be lowercase.
    AsciiInsensitive,
}

/// Pieces of a pattern, on the stack for typical sizes.
pub type Pieces<'a> = SmallVec<[Piece<'a>; 12]>;

/// Splits `pattern` into pieces, with `*` and `?` as wildcards.
pub fn pieces_of(pattern: &str) -> Pieces<'_> {
    let mut pieces = Pieces::new();
    let mut start = 0;
    for (i, c) in pattern.char_indices() {
        if c == '*' || c == '?' {
            if start < i {
                pieces.push(Piece::Literal(&pattern[start..i]));
            }
            pieces.push(if c == '*' {
                Piece::Star
            } else {
                Piece::Question
            });
            start = i + 1;
        }
    }
    if start < pattern.len() {
        pieces.push(Piece::Literal(&pattern[start..]));
    }
    pieces
}

/// True when `pattern` (with `*` and `?` wildcards) matches all of `text`.
pub fn matches(pattern: &str, text: &str, case: CaseMode) -> bool {
    matches_pieces(&pieces_of(pattern), text, case)
}

/// True when the pieces match all of `text`.
///
/// The pattern is cut at each `*` into segments of fixed character length. The
/// first segment must match at the start, the last at the end, and each middle
/// segment is taken at its leftmost match: a leftmost match leaves the most
/// text for what follows, so no backtracking is needed.
pub fn matches_pieces(pieces: &[Piece<'_>], text: &str, case: CaseMode) -> bool {
    let mut segments = pieces.split(|p| matches!(p, Piece::Star));
    let Some(first) = segments.next() else {
        return text.is_empty();
    };
    let star_count = pieces.iter().filter(|p| matches!(p, Piece::Star)).count();
    if star_count == 0 {
        return match_segment_at(first, text, 0, case) == Some(text.len());
    }
    let Some(mut pos) = match_segment_at(first, text, 0, case) else {
        return false;
    };
    let mut remaining = star_count;
    for segment in segments {
        remaining -= 1;
        if remaining == 0 {
            // The last segment must end exactly at the end of the text.
            return match_suffix(segment, text, pos, case);
        }
        match find_segment(segment, text, pos, case) {
            Some(end) => pos = end,
            None => return false,
        }
    }
    true
}

/// The end of `segment` matched at byte `pos` of `text`, if it matches there.
fn match_segment_at(
    segment: &[Piece<'_>],
    text: &str,
    mut pos: usize,
    case: CaseMode,
) -> Option<usize> {
    for piece in segment {
        match piece {
            Piece::Literal(lit) => {
                let rest = text.get(pos..)?;
                let head = rest.get(..lit.len())?;
                let equal = match case {
                    CaseMode::Sensitive => head == *lit,
                    CaseMode::AsciiInsensitive => head.eq_ignore_ascii_case(lit),
                };
                if !equal {
                    return None;
                }
                pos += lit.len();
            }
            Piece::Question => {
                let c = text.get(pos..)?.chars().next()?;
                pos += c.len_utf8();
            }
            Piece::Star => return None,
        }
    }
    Some(pos)
}

/// The end of the leftmost match of `segment` starting at or after `from`.
///
/// A segment that starts with literal text (case-sensitive) is only tried
/// where that text occurs, found with `str::find` (linear in the text): a
/// segment of literal text alone costs O(n + k), one with `?` at most
/// O(n · k) for a segment of k characters. There is never backtracking
/// across segments, so a whole match is bounded by text length × pattern
/// length, whatever the number of `*`.
fn find_segment(segment: &[Piece<'_>], text: &str, from: usize, case: CaseMode) -> Option<usize> {
    if let (CaseMode::Sensitive, Some(Piece::Literal(first))) = (case, segment.first()) {
        let mut start = from;
        loop {
            let at = start + text.get(start..)?.find(first)?;
            if let Some(end) = match_segment_at(segment, text, at, case) {
                return Some(end);
            }
            start = at + text.get(at..)?.chars().next()?.len_utf8();
        }
    }
    let tail = text.get(from..)?;
    for (offset, _) in tail
        .char_indices()
        .chain(std::iter::once((tail.len(), ' ')))
    {
        if let Some(end) = match_segment_at(segment, text, from + offset, case) {
            return Some(end);
        }
    }
    None
}

/// True when `segment` matches the end of `text` without starting before `from`.
fn match_suffix(segment: &[Piece<'_>], text: &str, from: usize, case: CaseMode) -> bool {
    let chars: usize = segment
        .iter()
        .map(|p| match p {
            Piece::Literal(lit) => lit.chars().count(),
            _ => 1,
        })
        .sum();
    let mut start = text.len();
    let mut taken = 0;
    let mut iter = text.char_indices().rev();
    while taken < chars {
        match iter.next() {
            Some((i, _)) => start = i,
            None => return false,
        }
        taken += 1;
    }
    start >= from && match_segment_at(segment, text, start, case) == Some(text.len())
}

/// The literal text a pattern must start with (up to its first wildcard).
pub fn literal_prefix<'a>(pieces: &[Piece<'a>]) -> &'a str {
    match pieces.first() {
        Some(Piece::Literal(lit)) => lit,
        _ => "",
    }
}

/// True when the pattern has no wildcard at all.
pub fn is_literal(pieces: &[Piece<'_>]) -> bool {
    pieces.iter().all(|p| matches!(p, Piece::Literal(_)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, t: &str) -> bool {
        matches(p, t, CaseMode::Sensitive)
    }

    #[test]
    fn literal_patterns_match_only_themselves() {
        assert!(m("abc", "abc"));
        assert!(!m("abc", "abcd"));
        assert!(!m("abc", "ab"));
        assert!(m("", ""));
        assert!(!m("", "a"));
    }

    #[test]
    fn star_spans_anything_including_separators() {
        assert!(m("*", ""));
        assert!(m("*", "arn:aws:s3:::bucket/key"));
        assert!(m("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b/c"));
        assert!(m("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/"));
        assert!(!m("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket"));
        assert!(m("arn:*:s3:::*", "arn:aws-cn:s3:::x"));
        assert!(m("a*b*c", "aXXbYYc"));
        assert!(m("a*b*c", "abc"));
        assert!(!m("a*b*c", "acb"));
        assert!(m("*ab", "aab"));
        assert!(m("a*a", "aa"));
        assert!(!m("a*a", "a"));
    }

    #[test]
    fn question_is_one_character() {
        assert!(m("a?c", "abc"));
        assert!(!m("a?c", "ac"));
        assert!(m("a?c", "aéc"));
        assert!(m("*?", "x"));
        assert!(!m("*??", "x"));
        assert!(m("?*?", "xy"));
    }

    #[test]
    fn case_modes() {
        assert!(matches(
            "s3:get*",
            "S3:GetObject",
            CaseMode::AsciiInsensitive
        ));
        assert!(!matches("s3:get*", "S3:GetObject", CaseMode::Sensitive));
    }

    #[test]
    fn pathological_patterns_take_linear_time() {
        // Classic exponential cases for backtracking matchers: many stars
        // before a suffix that is never there, and `?` runs that almost match.
        let text = "a".repeat(100_000);
        let stars = format!("{}b", "*a".repeat(64));
        let questions = format!("*{}b*", "a?".repeat(500));
        let literal = format!("*{}b*", "a".repeat(1_000));
        let started = std::time::Instant::now();
        assert!(!m(&stars, &text));
        assert!(!m(&literal, &text));
        let short = &text[..3_000];
        for _ in 0..10 {
            assert!(!m(&questions, short));
        }
        let elapsed = started.elapsed();
        assert!(elapsed < std::time::Duration::from_secs(2), "{elapsed:?}");
        // And they still match when the text allows it.
        assert!(m(&stars, &format!("{text}b")));
        assert!(m(&literal, &format!("{text}b")));
        assert!(m(&questions, &format!("{short}b")));
    }

    #[test]
    fn literal_segments_are_found_after_false_starts() {
        assert!(m("*aab*", "aaab"));
        assert!(m("*abab*", "ababab"));
        assert!(m("x*ab?d*", "xabxabcd"));
        assert!(!m("x*ab?d*", "xabxabd"));
        assert!(m("*é?*", "aéb"));
    }

    #[test]
    fn prefix_and_literal() {
        assert_eq!(
            literal_prefix(&pieces_of("arn:aws:s3:::b/*")),
            "arn:aws:s3:::b/"
        );
        assert_eq!(literal_prefix(&pieces_of("*x")), "");
        assert!(is_literal(&pieces_of("abc")));
        assert!(!is_literal(&pieces_of("a?c")));
    }
}
