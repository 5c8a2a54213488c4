//! The wildcard primitives of `tollgate-policy` that both the reference and
//! the compiled engine use, checked against naive backtracking matchers: a
//! bug shared by both implementations would hide from the differential tests.

use proptest::prelude::*;
use tollgate_policy::arn::arn_matches;
use tollgate_policy::glob::{CaseMode, matches, pieces_of};

/// `*` any run of characters, `?` one character, anything else itself.
fn naive(pattern: &[char], text: &[char], fold: bool) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some(('*', rest)) => (0..=text.len()).any(|skip| naive(rest, &text[skip..], fold)),
        Some(('?', rest)) => !text.is_empty() && naive(rest, &text[1..], fold),
        Some((c, rest)) => match text.split_first() {
            Some((t, text_rest)) => {
                let equal = if fold {
                    c.eq_ignore_ascii_case(t)
                } else {
                    c == t
                };
                equal && naive(rest, text_rest, fold)
            }
            None => false,
        },
    }
}

fn naive_str(pattern: &str, text: &str, fold: bool) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    naive(&p, &t, fold)
}

/// Six colon-separated parts matched one by one; fewer parts in the pattern:
/// the whole value.
fn naive_arn(pattern: &str, value: &str) -> bool {
    let parts: Vec<&str> = pattern.splitn(6, ':').collect();
    if parts.len() < 6 {
        return naive_str(pattern, value, false);
    }
    let values: Vec<&str> = value.splitn(6, ':').collect();
    values.len() == 6
        && parts
            .iter()
            .zip(&values)
            .all(|(p, v)| naive_str(p, v, false))
}

fn text() -> impl Strategy<Value = String> {
    "[ab:/éB]{0,8}"
}

fn pattern() -> impl Strategy<Value = String> {
    "[ab:/é*?B]{0,8}"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(20_000))]

    #[test]
    fn glob_matches_like_backtracking(pattern in pattern(), text in text()) {
        prop_assert_eq!(
            matches(&pattern, &text, CaseMode::Sensitive),
            naive_str(&pattern, &text, false)
        );
        let lower = pattern.to_ascii_lowercase();
        prop_assert_eq!(
            matches(&lower, &text, CaseMode::AsciiInsensitive),
            naive_str(&lower, &text, true)
        );
    }

    #[test]
    fn arn_matches_part_by_part(pattern in "[a:*?]{0,12}", value in "[ab:]{0,12}") {
        prop_assert_eq!(arn_matches(&pieces_of(&pattern), &value), naive_arn(&pattern, &value));
    }
}
