//! A `NotAction` pattern prepared for matching on every request: exact names
//! and `service:prefix*` patterns (nearly all of them) compare bytes without
//! splitting the pattern; other wildcards fall back to the glob matcher.

use tollgate_policy::glob::{CaseMode, matches_pieces, pieces_of};

/// A lowercase action pattern, by the cheapest way to match it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ActionPattern {
    /// No wildcard: the action itself.
    Exact(Box<str>),
    /// Literal text then one trailing `*`.
    Prefix(Box<str>),
    /// Anything else with `*` or `?`.
    Glob(Box<str>),
}

impl ActionPattern {
    /// Prepares a lowercase pattern.
    pub(crate) fn new(lowercase: &str) -> Self {
        let wild = |c: char| c == '*' || c == '?';
        match lowercase.find(wild) {
            None => Self::Exact(lowercase.into()),
            Some(at) if at + 1 == lowercase.len() && lowercase.ends_with('*') => {
                Self::Prefix(lowercase.get(..at).unwrap_or_default().into())
            }
            Some(_) => Self::Glob(lowercase.into()),
        }
    }

    /// True when `action` (any case) matches.
    pub(crate) fn matches(&self, action: &str) -> bool {
        match self {
            Self::Exact(name) => action.eq_ignore_ascii_case(name),
            Self::Prefix(prefix) => action
                .as_bytes()
                .get(..prefix.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(prefix.as_bytes())),
            Self::Glob(pattern) => {
                matches_pieces(&pieces_of(pattern), action, CaseMode::AsciiInsensitive)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_matches_as_the_glob_matcher_does() {
        let actions = [
            "s3:GetObject",
            "S3:GETOBJECT",
            "s3:",
            "iam:PassRole",
            "s3",
            "",
        ];
        let patterns = [
            "s3:getobject",
            "s3:*",
            "*",
            "s3:get*",
            "s3:?etobject",
            "*object",
            "iam:*role",
        ];
        for pattern in patterns {
            let prepared = ActionPattern::new(pattern);
            for action in actions {
                assert_eq!(
                    prepared.matches(action),
                    matches_pieces(&pieces_of(pattern), action, CaseMode::AsciiInsensitive),
                    "{pattern} on {action}"
                );
            }
        }
        assert!(matches!(
            ActionPattern::new("s3:get*"),
            ActionPattern::Prefix(_)
        ));
        assert!(matches!(
            ActionPattern::new("s3:getobject"),
            ActionPattern::Exact(_)
        ));
        assert!(matches!(
            ActionPattern::new("s3:*object"),
            ActionPattern::Glob(_)
        ));
    }
}
