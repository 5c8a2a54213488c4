//! A request path as routes see it. The request target (`/photos/12?x=1`) is
//! cut at the first `?` (the query string is ignored for matching), split
//! on `/`, and each segment is percent-decoded on its own. Anything that
//! could make the proxy, tollgate and the application disagree about which
//! resource is meant is refused rather than normalized:
//!
//! - a path that does not start with `/`, or holds a `#` (a fragment);
//! - an empty segment (`//`), except one trailing `/`, which is dropped
//!   (`/photos/12/` is `/photos/12`);
//! - a `.` or `..` segment, encoded or not (`/photos/%2e%2e/admin`);
//! - an encoded `/` or `\` (`%2F`, `%5C`), a control character or `NUL`
//!   after decoding, or a `%` not followed by two hex digits;
//! - whitespace after decoding (`%20locked-1` would otherwise be a resource
//!   ` locked-1` that a `Deny` on `locked-*` does not name), and characters
//!   that print as nothing or reorder text (zero-width spaces and joiners,
//!   bidirectional controls, other Unicode format characters);
//! - decoded bytes that are not UTF-8.
//!
//! With `paths.allow-inner-spaces = true` in the mapping file
//! ([`PathRules::allow_inner_spaces`]) an ASCII space between two other
//! characters of a segment is taken (`/photos/cat%20pic`); a space at either
//! end of a segment, and every other whitespace, is still refused.

use percent_encoding::percent_decode_str;
use tollgate_policy::names::is_invisible;

/// Why a request path was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    /// The path is empty or does not start with `/`.
    #[error("the path must start with `/`")]
    NotAbsolute,
    /// The path holds a fragment.
    #[error("the path holds a fragment (`#`)")]
    Fragment,
    /// `//` in the path.
    #[error("empty segment (`//`) at segment {index}")]
    EmptySegment {
        /// The segment's position (0 is the first after the leading `/`).
        index: usize,
    },
    /// A `.` or `..` segment.
    #[error("`{segment}` segment at segment {index}")]
    DotSegment {
        /// The segment's position.
        index: usize,
        /// `.` or `..`.
        segment: String,
    },
    /// A `%` not followed by two hex digits.
    #[error("bad percent-encoding at segment {index}")]
    BadEncoding {
        /// The segment's position.
        index: usize,
    },
    /// The decoded segment is not UTF-8.
    #[error("segment {index} is not UTF-8 once decoded")]
    NotUtf8 {
        /// The segment's position.
        index: usize,
    },
    /// A decoded segment holds `/`, `\`, a control, whitespace or
    /// invisible character.
    #[error("segment {index} holds an encoded {what}")]
    ForbiddenCharacter {
        /// The segment's position.
        index: usize,
        /// What was found.
        what: &'static str,
    },
}

/// What a decoded segment may hold beyond the defaults.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PathRules {
    /// Take an ASCII space inside a segment (never at either end).
    pub allow_inner_spaces: bool,
}

/// The decoded segments of `target` (query cut off); the root is no segment.
pub fn segments(target: &str) -> Result<Vec<String>, PathError> {
    segments_with(target, PathRules::default())
}

/// [`segments`] with `rules`.
pub fn segments_with(target: &str, rules: PathRules) -> Result<Vec<String>, PathError> {
    let path = target.split_once('?').map_or(target, |(path, _)| path);
    if path.contains('#') {
        return Err(PathError::Fragment);
    }
    let Some(path) = path.strip_prefix('/') else {
        return Err(PathError::NotAbsolute);
    };
    if path.is_empty() {
        return Ok(Vec::new());
    }
    let path = path.strip_suffix('/').unwrap_or(path);
    path.split('/')
        .enumerate()
        .map(|(index, raw)| decode_segment(index, raw, rules))
        .collect()
}

fn decode_segment(index: usize, raw: &str, rules: PathRules) -> Result<String, PathError> {
    if raw.is_empty() {
        return Err(PathError::EmptySegment { index });
    }
    let bytes = raw.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'%' {
            let hex = bytes.get(i + 1..i + 3);
            if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                return Err(PathError::BadEncoding { index });
            }
        }
    }
    let decoded = percent_decode_str(raw)
        .decode_utf8()
        .map_err(|_| PathError::NotUtf8 { index })?;
    if decoded == "." || decoded == ".." {
        return Err(PathError::DotSegment {
            index,
            segment: decoded.into_owned(),
        });
    }
    let last = decoded.chars().count().saturating_sub(1);
    for (at, c) in decoded.chars().enumerate() {
        let what = match c {
            '/' => "`/`",
            '\\' => "`\\`",
            c if c.is_control() => "control character",
            ' ' if rules.allow_inner_spaces && at != 0 && at != last => continue,
            c if c.is_whitespace() => "whitespace character",
            c if is_invisible(c) => "invisible or bidirectional control character",
            _ => continue,
        };
        return Err(PathError::ForbiddenCharacter { index, what });
    }
    Ok(decoded.into_owned())
}
