//! ARN formats from the catalog (`arn:${Partition}:s3:::${BucketName}/${ObjectName}`)
//! and whether a policy's resource pattern can name a resource of one.
//!
//! A format's `${...}` placeholders stand for one or more characters. A
//! placeholder followed by a separator (`/` or `:` ...) cannot contain that
//! separator (`${BucketName}/` ends at the first `/`). A placeholder that
//! ends a format cannot contain the separator that another format of the
//! same service puts after the same placeholder: S3's bucket format ends in
//! `${BucketName}` and its object format continues `${BucketName}/...`, so
//! `arn:aws:s3:::b/*` names objects, never a bucket.
//!
//! A pattern and a format overlap when some ARN matches both; both are
//! regular, so this is a search over pairs of positions (at most
//! `(pattern length + 1) × (format length + 1)` states), no backtracking.

use tollgate_policy::{Template, TemplatePart};

/// A set of bytes one position of a pattern or format may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Exactly this byte.
    Byte(u8),
    /// Any byte but these (0 stands for none).
    Except(u8, u8),
}

impl Class {
    const ANY: Class = Class::Except(0, 0);

    fn overlaps(self, other: Class) -> bool {
        match (self, other) {
            (Class::Byte(a), Class::Byte(b)) => a == b,
            (Class::Byte(a), Class::Except(x, y)) | (Class::Except(x, y), Class::Byte(a)) => {
                a != x && a != y
            }
            (Class::Except(..), Class::Except(..)) => true,
        }
    }
}

/// One position: a single byte of a class, or any run (possibly empty) of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    One(Class),
    Many(Class),
}

/// One resource type's ARN format, ready to compare with policy patterns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArnFormat {
    text: Box<str>,
    tokens: Box<[Token]>,
}

/// The placeholders of a format, each with where it starts and ends in the text.
fn placeholders(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(start) = text.get(from..).and_then(|rest| rest.find("${")) {
        let start = from + start;
        match text.get(start..).and_then(|rest| rest.find('}')) {
            Some(end) => {
                out.push((start, start + end + 1));
                from = start + end + 1;
            }
            None => break,
        }
    }
    out
}

impl ArnFormat {
    /// Reads `text`; `siblings` are the formats of the same service (the
    /// text itself may be among them), which bound what a final placeholder holds.
    pub fn parse(text: &str, siblings: &[&str]) -> ArnFormat {
        let holes = placeholders(text);
        let bytes = text.as_bytes();
        let mut tokens = Vec::with_capacity(bytes.len());
        let mut at = 0;
        for (i, &(start, end)) in holes.iter().enumerate() {
            tokens.extend(
                bytes
                    .get(at..start)
                    .unwrap_or(&[])
                    .iter()
                    .map(|&b| Token::One(Class::Byte(b))),
            );
            let class = match bytes.get(end) {
                Some(&next) if holes.get(i + 1).is_none_or(|&(s, _)| s != end) => {
                    Class::Except(next, 0)
                }
                Some(_) => Class::ANY,
                None => final_class(text, start, siblings),
            };
            tokens.push(Token::One(class));
            tokens.push(Token::Many(class));
            at = end;
        }
        tokens.extend(
            bytes
                .get(at..)
                .unwrap_or(&[])
                .iter()
                .map(|&b| Token::One(Class::Byte(b))),
        );
        ArnFormat {
            text: text.into(),
            tokens: tokens.into_boxed_slice(),
        }
    }

    /// The format as the catalog writes it.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// True when some ARN matches both this format and `pattern` (a policy's
    /// `Resource` entry: `*` and `?` wildcards, policy variables standing for
    /// any text).
    pub fn overlaps(&self, pattern: &Template) -> bool {
        self.overlaps_pattern(&ResourcePattern::new(pattern), &mut Scratch::default())
    }

    /// [`ArnFormat::overlaps`] for a pattern read once, with `scratch` reused
    /// between calls (the search's visited set).
    pub(crate) fn overlaps_pattern(
        &self,
        pattern: &ResourcePattern,
        scratch: &mut Scratch,
    ) -> bool {
        overlap(&pattern.tokens, &self.tokens, scratch)
    }
}

/// A policy's resource pattern, read once for comparing with many formats.
#[derive(Debug, Clone)]
pub(crate) struct ResourcePattern {
    tokens: Vec<Token>,
}

impl ResourcePattern {
    pub(crate) fn new(pattern: &Template) -> Self {
        let mut tokens = Vec::with_capacity(pattern.raw().len());
        for part in pattern.parts() {
            match part {
                TemplatePart::Literal(text) => {
                    tokens.extend(text.bytes().map(|b| Token::One(Class::Byte(b))))
                }
                TemplatePart::Star | TemplatePart::Variable(_) => {
                    tokens.push(Token::Many(Class::ANY))
                }
                TemplatePart::Question => tokens.push(Token::One(Class::ANY)),
            }
        }
        Self { tokens }
    }
}

/// What a format's final placeholder (starting at `start`) may hold: any
/// byte, but `/` when another format puts `/` right after the same placeholder.
fn final_class(text: &str, start: usize, siblings: &[&str]) -> Class {
    let prefix = text.get(..start).unwrap_or(text);
    let continued_by_slash = siblings.iter().any(|sibling| {
        sibling
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix("${"))
            .and_then(|rest| rest.find('}').and_then(|end| rest.get(end + 1..)))
            .is_some_and(|after| after.starts_with('/'))
    });
    if continued_by_slash {
        Class::Except(b'/', 0)
    } else {
        Class::ANY
    }
}

/// Memory the overlap search reuses between calls.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    seen: Vec<bool>,
    stack: Vec<(usize, usize)>,
}

/// True when one string matches both token lists.
fn overlap(a: &[Token], b: &[Token], scratch: &mut Scratch) -> bool {
    let width = b.len() + 1;
    let Scratch { seen, stack } = scratch;
    seen.clear();
    seen.resize((a.len() + 1) * width, false);
    stack.clear();
    stack.push((0, 0));
    while let Some((i, j)) = stack.pop() {
        let Some(slot) = seen.get_mut(i * width + j) else {
            continue;
        };
        if *slot {
            continue;
        }
        *slot = true;
        let (x, y) = (a.get(i), b.get(j));
        if x.is_none() && y.is_none() {
            return true;
        }
        if let Some(Token::Many(_)) = x {
            stack.push((i + 1, j));
        }
        if let Some(Token::Many(_)) = y {
            stack.push((i, j + 1));
        }
        match (x, y) {
            (Some(&Token::One(p)), Some(&Token::One(q))) if p.overlaps(q) => {
                stack.push((i + 1, j + 1))
            }
            (Some(&Token::One(p)), Some(&Token::Many(q))) if p.overlaps(q) => {
                stack.push((i + 1, j))
            }
            (Some(&Token::Many(p)), Some(&Token::One(q))) if p.overlaps(q) => {
                stack.push((i, j + 1))
            }
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use tollgate_policy::TemplateSyntax;

    const SYNTAX: TemplateSyntax = TemplateSyntax {
        variables: true,
        wildcards: true,
    };

    fn overlaps(format: &str, siblings: &[&str], pattern: &str) -> bool {
        ArnFormat::parse(format, siblings).overlaps(&Template::parse(pattern, SYNTAX))
    }

    const BUCKET: &str = "arn:${Partition}:s3:::${BucketName}";
    const OBJECT: &str = "arn:${Partition}:s3:::${BucketName}/${ObjectName}";
    const S3: &[&str] = &[BUCKET, OBJECT];

    #[test]
    fn buckets_and_objects_are_told_apart() {
        assert!(overlaps(BUCKET, S3, "arn:aws:s3:::photos"));
        assert!(!overlaps(BUCKET, S3, "arn:aws:s3:::photos/*"));
        assert!(overlaps(BUCKET, S3, "arn:aws:s3:::*"));
        assert!(overlaps(OBJECT, S3, "arn:aws:s3:::photos/*"));
        assert!(overlaps(
            OBJECT,
            S3,
            "arn:aws:s3:::photos/${aws:username}/a.txt"
        ));
        assert!(!overlaps(OBJECT, S3, "arn:aws:s3:::photos"));
        assert!(!overlaps(OBJECT, S3, "arn:aws:s3:::photos/"));
        assert!(overlaps(OBJECT, S3, "arn:aws:s3:::*"));
        assert!(overlaps(OBJECT, S3, "*"));
        assert!(!overlaps(
            OBJECT,
            S3,
            "arn:aws:kms:us-east-1:111122223333:key/*"
        ));
    }

    #[test]
    fn separators_bound_placeholders() {
        let group = "arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}";
        let stream = "arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}:log-stream:${LogStreamName}";
        let logs = [group, stream];
        assert!(overlaps(
            group,
            &logs,
            "arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/x"
        ));
        assert!(overlaps(
            stream,
            &logs,
            "arn:aws:logs:*:*:log-group:/aws/lambda/x:*"
        ));
        assert!(overlaps(
            group,
            &logs,
            "arn:aws:logs:*:*:log-group:/aws/lambda/x:*"
        ));
        assert!(!overlaps(
            stream,
            &logs,
            "arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/x"
        ));
        // Wildcards span separators: `*` may hold `R:A:log-group:G:log-stream:...`.
        assert!(overlaps(
            stream,
            &logs,
            "arn:aws:logs:*:*:log-group:/aws/lambda/x"
        ));
        let role = "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}";
        assert!(overlaps(
            role,
            &[role],
            "arn:aws:iam::111122223333:role/service/deploy"
        ));
        assert!(!overlaps(
            role,
            &[role],
            "arn:aws:iam::111122223333:user/deploy"
        ));
        assert!(!overlaps(
            role,
            &[role],
            "arn:aws:iam:us-east-1:111122223333:role/x"
        ));
    }

    #[test]
    fn wildcards_on_both_sides_meet() {
        let table = "arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}";
        assert!(overlaps(
            table,
            &[table],
            "arn:aws:dynamodb:*:*:table/?rders"
        ));
        assert!(overlaps(table, &[table], "arn:aws:*"));
        assert!(!overlaps(
            table,
            &[table],
            "arn:aws:dynamodb:us-east-1:111122223333:table/"
        ));
    }
}
