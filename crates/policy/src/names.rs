//! The grammar of IAM identifiers as AWS's IAM and STS API references give
//! it: partitions, account ids, IAM paths, user and role names, role
//! session names and federated user names. Requests are checked against it
//! (a principal that breaks it is refused, never matched loosely), and the
//! policy store checks its own users and roles with the same rules.
//!
//! - Partitions: `aws`, `aws-cn`, `aws-us-gov`, `aws-iso`, `aws-iso-b`,
//!   `aws-iso-e`, `aws-iso-f` and `aws-eusc`: the partitions AWS's SDK
//!   endpoint tables list. Anything else is not an AWS partition.
//! - A path is `/`, or `/`, one or more of `!` .. `~` (`\u0021`-`\u007E`)
//!   and `/`, at most 512 bytes (`CreateUser`'s `Path`). Note that
//!   `/a/../` is a legal path of its own: paths are names, not file system
//!   paths.
//! - User and role names: 1 to 64 of `A-Z a-z 0-9 _ + = , . @ -`.
//! - Role session names (`AssumeRole`'s `RoleSessionName`): 2 to 64 of the
//!   same characters.
//! - Federated user names (`GetFederationToken`'s `Name`): 2 to 32 of the
//!   same characters.

/// The partitions AWS documents.
pub const PARTITIONS: [&str; 8] = [
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
];

/// Longest IAM path.
pub const MAX_PATH_BYTES: usize = 512;
/// Longest user or role name.
pub const MAX_NAME_BYTES: usize = 64;
/// Shortest and longest role session name.
pub const SESSION_NAME_BYTES: std::ops::RangeInclusive<usize> = 2..=64;
/// Shortest and longest federated user name.
pub const FEDERATED_NAME_BYTES: std::ops::RangeInclusive<usize> = 2..=32;

/// True for an AWS partition.
pub fn is_partition(text: &str) -> bool {
    PARTITIONS.contains(&text)
}

/// True for a byte of `[\w+=,.@-]`, the character set of IAM names.
fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b)
}

fn is_name_in(text: &str, lengths: std::ops::RangeInclusive<usize>) -> bool {
    lengths.contains(&text.len()) && text.bytes().all(is_name_byte)
}

/// True for a user, group or role name.
pub fn is_entity_name(text: &str) -> bool {
    is_name_in(text, 1..=MAX_NAME_BYTES)
}

/// True for a role session name.
pub fn is_session_name(text: &str) -> bool {
    is_name_in(text, SESSION_NAME_BYTES)
}

/// True for a federated user name.
pub fn is_federated_name(text: &str) -> bool {
    is_name_in(text, FEDERATED_NAME_BYTES)
}

/// True for an IAM path: `/` or `/…/` of printable ASCII, at most 512 bytes.
pub fn is_iam_path(text: &str) -> bool {
    text.len() <= MAX_PATH_BYTES
        && text.starts_with('/')
        && text.ends_with('/')
        && text.bytes().all(|b| (0x21..=0x7e).contains(&b))
}

/// True for a service prefix of an action or a service's ARN: lowercase
/// ASCII letters, digits and hyphens, starting with a letter or digit.
pub fn is_service_prefix(text: &str) -> bool {
    !text.is_empty()
        && !text.starts_with('-')
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// `text` for an error message: control and other invisible characters
/// escaped (`\0`, `\u{200b}`), cut after about 100 bytes, in backticks.
pub fn shown(text: &str) -> String {
    const MAX: usize = 100;
    let mut end = text.len().min(MAX);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let head = text.get(..end).unwrap_or_default();
    let mut escaped = String::with_capacity(head.len());
    for c in head.chars() {
        let plain = c == ' '
            || c.is_ascii_graphic()
            || (!c.is_ascii() && !c.is_control() && !is_invisible(c));
        if plain {
            escaped.push(c);
        } else {
            escaped.extend(c.escape_unicode());
        }
    }
    if end < text.len() {
        format!("`{escaped}...`")
    } else {
        format!("`{escaped}`")
    }
}

/// True for characters that print as nothing or reorder text: Unicode
/// format characters (zero-width spaces and joiners, the byte order mark,
/// soft hyphen, bidirectional controls), and other space separators than
/// the ASCII space.
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00ad}' | '\u{034f}' | '\u{061c}' | '\u{115f}' | '\u{1160}' | '\u{17b4}' | '\u{17b5}'
        | '\u{180b}'..='\u{180f}'
        | '\u{200b}'..='\u{200f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2060}'..='\u{206f}'
        | '\u{3164}' | '\u{fe00}'..='\u{fe0f}' | '\u{feff}' | '\u{ffa0}'
        | '\u{fff0}'..='\u{fffb}'
        | '\u{1bca0}'..='\u{1bca3}'
        | '\u{1d173}'..='\u{1d17a}'
        | '\u{e0000}'..='\u{e0fff}'
        // Space separators (Zs) other than U+0020.
        | '\u{00a0}' | '\u{1680}' | '\u{2000}'..='\u{200a}' | '\u{202f}' | '\u{205f}' | '\u{3000}'
        // Line and paragraph separators (Zl, Zp).
        | '\u{2028}' | '\u{2029}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_iam_api_reference() {
        assert!(is_entity_name("bob"));
        assert!(is_entity_name("a+b=c,d.e@f_g-h"));
        assert!(is_entity_name(&"a".repeat(64)));
        assert!(!is_entity_name(&"a".repeat(65)));
        assert!(!is_entity_name(""));
        for bad in ["bo b", "bob\0", "b/ob", "bób", "bob*", "bob:x"] {
            assert!(!is_entity_name(bad), "{bad:?}");
        }
        assert!(!is_session_name("s"));
        assert!(is_session_name("s1"));
        assert!(is_session_name(&"s".repeat(64)));
        assert!(!is_session_name(&"s".repeat(65)));
        assert!(is_federated_name(&"f".repeat(32)));
        assert!(!is_federated_name(&"f".repeat(33)));
    }

    #[test]
    fn paths_follow_the_iam_api_reference() {
        for good in ["/", "/eng/", "/alice/../", "/a/b/c/", "/!~/"] {
            assert!(is_iam_path(good), "{good:?}");
        }
        for bad in ["", "eng/", "/eng", "/e g/", "/e\0/", "/é/", "/\u{7f}/"] {
            assert!(!is_iam_path(bad), "{bad:?}");
        }
        let longest = format!("/{}/", "a".repeat(510));
        assert!(is_iam_path(&longest));
        assert!(!is_iam_path(&format!("/{}/", "a".repeat(511))));
    }

    #[test]
    fn partitions_and_service_prefixes() {
        for p in PARTITIONS {
            assert!(is_partition(p));
        }
        assert!(!is_partition("aws-fake"));
        assert!(!is_partition("AWS"));
        assert!(is_service_prefix("s3"));
        assert!(is_service_prefix("resource-groups"));
        assert!(!is_service_prefix("S3"));
        assert!(!is_service_prefix("s3*"));
        assert!(!is_service_prefix(""));
        assert!(!is_service_prefix("-x"));
    }

    #[test]
    fn shown_escapes_what_does_not_print() {
        assert_eq!(shown("a\0b"), "`a\\u{0}b`");
        assert_eq!(shown("a\u{200b}b"), "`a\\u{200b}b`");
        assert_eq!(shown("ünï"), "`ünï`");
        assert!(shown(&"x".repeat(300)).ends_with("...`"));
    }
}
