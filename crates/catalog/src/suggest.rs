//! "Did you mean": the nearest name by edit distance, without ASCII case.

/// Levenshtein distance between `a` and `b`, comparing ASCII letters
/// without case; stops early (returning `limit + 1`) once every path
/// costs more than `limit`.
fn distance(a: &str, b: &str, limit: usize) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len().abs_diff(b.len()) > limit {
        return limit + 1;
    }
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, &x) in a.iter().enumerate() {
        let mut best = usize::MAX;
        if let Some(first) = current.first_mut() {
            *first = i + 1;
        }
        for (j, &y) in b.iter().enumerate() {
            let substitution = previous.get(j).copied().unwrap_or(usize::MAX)
                + usize::from(!x.eq_ignore_ascii_case(&y));
            let deletion = previous.get(j + 1).copied().unwrap_or(usize::MAX) + 1;
            let insertion = current.get(j).copied().unwrap_or(usize::MAX) + 1;
            let cell = substitution.min(deletion).min(insertion);
            if let Some(slot) = current.get_mut(j + 1) {
                *slot = cell;
            }
            best = best.min(cell);
        }
        if best.min(current.first().copied().unwrap_or(0)) > limit {
            return limit + 1;
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous.last().copied().unwrap_or(usize::MAX)
}

/// The candidate nearest to `name`, when near enough to be a typo: at most
/// two edits, and fewer than a third of the name's length. Ties go to the
/// first candidate.
pub(crate) fn nearest<'c>(
    name: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
    let limit = 2.min(name.len().saturating_sub(1) / 3).max(1);
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        let bound = best.map_or(limit, |(d, _)| d.saturating_sub(1));
        let d = distance(name, candidate, bound);
        if d <= bound && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(distance("GetObjet", "GetObject", 5), 1);
        assert_eq!(distance("getobject", "GetObject", 5), 0);
        assert_eq!(distance("kitten", "sitting", 5), 3);
        assert_eq!(distance("a", "abcdef", 2), 3);
        assert_eq!(distance("", "ab", 5), 2);
    }

    #[test]
    fn typos_are_suggested_and_strangers_are_not() {
        let actions = ["GetObject", "GetObjectAcl", "PutObject", "ListBucket"];
        assert_eq!(nearest("GetObjet", actions), Some("GetObject"));
        assert_eq!(nearest("PutObjects", actions), Some("PutObject"));
        assert_eq!(nearest("ListBuckets", actions), Some("ListBucket"));
        assert_eq!(nearest("DeleteEverything", actions), None);
        assert_eq!(nearest("s4", ["s3", "sqs"]), Some("s3"));
        assert_eq!(nearest("ab", ["xy"]), None);
    }
}
