//! The filter a resource plan returns: a boolean expression over the ARN
//! (glob tests an application turns into SQL `LIKE`) and the context keys
//! the query left out. `docs/access-queries.md` gives its JSON form.

use serde::Serialize;
use tollgate_policy::RequestContext;
use tollgate_policy::condition::value;
use tollgate_policy::glob::{CaseMode, matches};

use crate::cases::CaseValue;

/// A filter over resource ARNs and missing context keys.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Filter {
    /// Every ARN.
    True,
    /// No ARN.
    False,
    /// The ARN matches the glob: `*` any run of characters, `?` one
    /// character, `\*`, `\?` and `\\` themselves; case-sensitive.
    Like(String),
    /// The inner filter does not hold.
    Not(Box<Filter>),
    /// Every part holds.
    And(Vec<Filter>),
    /// Some part holds.
    Or(Vec<Filter>),
    /// A context key the query did not give has this value.
    Context {
        /// The key.
        key: String,
        /// Its value.
        value: CaseValue,
    },
}

/// True when the escaped glob `pattern` matches all of `text`.
pub(crate) fn like(pattern: &str, text: &str) -> bool {
    if !pattern.contains('\\') {
        return matches(pattern, text, CaseMode::Sensitive);
    }
    // Rare: an escaped wildcard from a policy variable's value. Match by
    // recursion over chars.
    fn go(p: &[char], t: &[char]) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some(('*', rest)) => (0..=t.len()).any(|i| go(rest, t.get(i..).unwrap_or_default())),
            Some(('?', rest)) => t.split_first().is_some_and(|(_, tr)| go(rest, tr)),
            Some(('\\', rest)) => match (rest.split_first(), t.split_first()) {
                (Some((c, pr)), Some((d, tr))) => c == d && go(pr, tr),
                _ => false,
            },
            Some((c, rest)) => t
                .split_first()
                .is_some_and(|(d, tr)| c == d && go(rest, tr)),
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    go(&p, &t)
}

/// A context value as a number, or a date in epoch seconds.
fn number(text: &str) -> Option<f64> {
    value::parse_number(text).or_else(|| value::parse_date(text).map(|ms| ms as f64 / 1000.0))
}

impl Filter {
    /// True when the filter holds for `arn` with the context keys of
    /// `context` (a key it does not hold is absent).
    pub fn holds(&self, arn: &str, context: &RequestContext) -> bool {
        match self {
            Filter::True => true,
            Filter::False => false,
            Filter::Like(pattern) => like(pattern, arn),
            Filter::Not(inner) => !inner.holds(arn, context),
            Filter::And(parts) => parts.iter().all(|p| p.holds(arn, context)),
            Filter::Or(parts) => parts.iter().any(|p| p.holds(arn, context)),
            Filter::Context { key, value } => {
                let given = context.get(key).filter(|v| !v.is_empty());
                let one = match given {
                    None => return *value == CaseValue::Absent,
                    Some([one]) => &**one,
                    Some(_) => return false,
                };
                match value {
                    CaseValue::Absent => false,
                    CaseValue::Equals(v) => one == v,
                    CaseValue::NoneOf(values) => !values.iter().any(|v| v == one),
                    CaseValue::Matches {
                        like: yes,
                        not_like,
                    } => yes.iter().all(|g| like(g, one)) && !not_like.iter().any(|g| like(g, one)),
                    CaseValue::Number(n) => number(one) == Some(*n),
                    CaseValue::Between { above, below } => number(one).is_some_and(|x| {
                        above.is_none_or(|a| x > a) && below.is_none_or(|b| x < b)
                    }),
                    CaseValue::NotANumber => number(one).is_none(),
                    CaseValue::Bool(b) => value::parse_bool(one) == Some(*b),
                    CaseValue::NotABool => value::parse_bool(one).is_none(),
                }
            }
        }
    }

    /// An SQL boolean expression over the text column `column` for the ARN
    /// part (`LIKE ... ESCAPE '\'`); `None` when the filter tests context
    /// keys, which SQL does not see.
    pub fn to_sql(&self, column: &str) -> Option<String> {
        Some(match self {
            Filter::True => "1=1".to_owned(),
            Filter::False => "1=0".to_owned(),
            Filter::Like(pattern) => {
                let mut sql = String::new();
                let mut chars = pattern.chars();
                while let Some(c) = chars.next() {
                    match c {
                        '*' => sql.push('%'),
                        '?' => sql.push('_'),
                        '\\' => {
                            if let Some(next) = chars.next() {
                                sql.push(next);
                            }
                        }
                        '%' | '_' => {
                            sql.push('\\');
                            sql.push(c);
                        }
                        '\'' => sql.push_str("''"),
                        c => sql.push(c),
                    }
                }
                format!("{column} LIKE '{sql}' ESCAPE '\\'")
            }
            Filter::Not(inner) => format!("NOT ({})", inner.to_sql(column)?),
            Filter::And(parts) => join(parts, column, " AND ")?,
            Filter::Or(parts) => join(parts, column, " OR ")?,
            Filter::Context { .. } => return None,
        })
    }
}

fn join(parts: &[Filter], column: &str, op: &str) -> Option<String> {
    let parts: Option<Vec<String>> = parts
        .iter()
        .map(|p| p.to_sql(column).map(|s| format!("({s})")))
        .collect();
    Some(parts?.join(op))
}
