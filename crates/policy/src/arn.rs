//! Amazon Resource Names: `arn:partition:service:region:account:resource`.

use smallvec::SmallVec;

use crate::glob::{CaseMode, Piece, Pieces, matches_pieces};

/// The six parts of an ARN, borrowed from its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arn<'a> {
    /// `aws`, `aws-cn`, `aws-us-gov` ...
    pub partition: &'a str,
    /// The service namespace, such as `s3` or `iam`.
    pub service: &'a str,
    /// The region, empty for global services.
    pub region: &'a str,
    /// The owning account, empty for S3 buckets and objects.
    pub account: &'a str,
    /// The resource part, which may itself contain `:` and `/`.
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    /// Splits `text`; `None` when it is not an ARN.
    pub fn parse(text: &'a str) -> Option<Self> {
        // ARNs are parsed on every request: a plain byte scan for each `:`
        // is several times cheaper than `splitn`'s searcher.
        let rest = text.strip_prefix("arn:")?;
        let (partition, rest) = split_colon(rest)?;
        let (service, rest) = split_colon(rest)?;
        let (region, rest) = split_colon(rest)?;
        let (account, resource) = split_colon(rest)?;
        let arn = Arn {
            partition,
            service,
            region,
            account,
            resource,
        };
        (!arn.partition.is_empty() && !arn.service.is_empty()).then_some(arn)
    }
}

/// The text before the first `:` and the text after it.
fn split_colon(text: &str) -> Option<(&str, &str)> {
    let at = text.bytes().position(|b| b == b':')?;
    Some((text.get(..at)?, text.get(at + 1..)?))
}

/// True when `text` looks like a 12-digit account id.
pub fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

/// `ArnLike`/`ArnEquals`: each of the six colon-separated parts is matched
/// separately, so a wildcard never spans a `:` between parts. A pattern with
/// fewer than six parts (such as `*`) is matched against the whole value.
pub fn arn_matches(pattern: &[Piece<'_>], value: &str) -> bool {
    let components = split_components(pattern);
    if components.len() < 6 {
        return matches_pieces(pattern, value, CaseMode::Sensitive);
    }
    let mut values = value.splitn(6, ':');
    for component in &components {
        match values.next() {
            Some(part) => {
                if !matches_pieces(component, part, CaseMode::Sensitive) {
                    return false;
                }
            }
            None => return false,
        }
    }
    true
}

fn split_components<'a>(pattern: &[Piece<'a>]) -> SmallVec<[Pieces<'a>; 6]> {
    let mut components: SmallVec<[Pieces<'a>; 6]> = SmallVec::new();
    let mut current = Pieces::new();
    for piece in pattern {
        match piece {
            Piece::Literal(text) if components.len() < 5 => {
                let mut rest = *text;
                while components.len() < 5 {
                    match rest.split_once(':') {
                        Some((head, tail)) => {
                            if !head.is_empty() {
                                current.push(Piece::Literal(head));
                            }
                            components.push(std::mem::take(&mut current));
                            rest = tail;
                        }
                        None => break,
                    }
                }
                if !rest.is_empty() {
                    current.push(Piece::Literal(rest));
                }
            }
            other => current.push(*other),
        }
    }
    components.push(current);
    components
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::glob::pieces_of;

    #[test]
    fn parse_splits_the_six_parts() {
        let arn = Arn::parse("arn:aws:sqs:us-east-1:111122223333:queue:with:colons").unwrap();
        assert_eq!(
            (
                arn.partition,
                arn.service,
                arn.region,
                arn.account,
                arn.resource
            ),
            (
                "aws",
                "sqs",
                "us-east-1",
                "111122223333",
                "queue:with:colons"
            )
        );
        let bucket = Arn::parse("arn:aws:s3:::bucket/key").unwrap();
        assert_eq!(
            (bucket.region, bucket.account, bucket.resource),
            ("", "", "bucket/key")
        );
        assert_eq!(Arn::parse("arn:aws:s3::").map(|a| a.resource), None);
        assert_eq!(Arn::parse("arn:aws:s3:::").map(|a| a.resource), Some(""));
        assert!(Arn::parse("arn::s3:::b").is_none());
        assert!(Arn::parse("arn:aws::::b").is_none());
        assert!(Arn::parse("urn:aws:s3:::b").is_none());
        assert!(Arn::parse("*").is_none());
    }

    #[test]
    fn parses_arns() {
        let arn = Arn::parse("arn:aws:s3:::bucket/key:with:colons").unwrap();
        assert_eq!(arn.service, "s3");
        assert_eq!(arn.account, "");
        assert_eq!(arn.resource, "bucket/key:with:colons");
        assert!(Arn::parse("bucket").is_none());
        assert!(Arn::parse("arn:aws:s3").is_none());
        assert!(is_account_id("111122223333"));
        assert!(!is_account_id("11112222333a"));
    }

    #[test]
    fn arn_like_matches_part_by_part() {
        let p = pieces_of("arn:aws:iam::*:role/admin-*");
        assert!(arn_matches(&p, "arn:aws:iam::111122223333:role/admin-x"));
        assert!(!arn_matches(&p, "arn:aws:iam::111122223333:user/admin-x"));
        // `*` in the account part does not swallow the colon that follows it.
        let p = pieces_of("arn:aws:sns:*:111122223333:*");
        assert!(arn_matches(&p, "arn:aws:sns:us-east-1:111122223333:topic"));
        assert!(!arn_matches(
            &p,
            "arn:aws:sns:us-east-1:x:111122223333:topic"
        ));
        let p = pieces_of("arn:aws:logs:*:*:log-group:app:*");
        assert!(arn_matches(
            &p,
            "arn:aws:logs:us-east-1:1:log-group:app:stream"
        ));
        let p = pieces_of("*");
        assert!(arn_matches(&p, "arn:aws:s3:::b"));
        let p = pieces_of("arn:aws:s3:::b");
        assert!(!arn_matches(&p, "not-an-arn"));
    }
}
