//! Quoting untrusted text in errors and logs: a manifest, a cache folder or
//! a bucket is hostile input, and an error that quotes a 20 MiB field in
//! full makes every log line and every `GetPolicyStatus` answer 20 MiB.
//! [`quote`] keeps at most [`MAX_ECHO_CHARS`] characters of a value,
//! escapes control characters, and says how long the value was.

use std::fmt::Write as _;

/// The most characters of one untrusted value quoted in an error.
pub const MAX_ECHO_CHARS: usize = 128;

/// The most characters of a parser's message about untrusted input (which
/// may itself quote the input).
pub const MAX_MESSAGE_CHARS: usize = 512;

/// `text` as it may appear in an error: control characters escaped, cut
/// after [`MAX_ECHO_CHARS`] characters with a note of its full length.
pub(crate) fn quote(text: &str) -> String {
    cut(text, MAX_ECHO_CHARS)
}

/// A parser's message about untrusted input, cut after
/// [`MAX_MESSAGE_CHARS`] characters.
pub(crate) fn message(text: &str) -> String {
    cut(text, MAX_MESSAGE_CHARS)
}

fn cut(text: &str, max: usize) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    for c in chars.by_ref().take(max) {
        if c.is_control() {
            let _ = write!(out, "{}", c.escape_default());
        } else {
            out.push(c);
        }
    }
    if chars.next().is_some() {
        let _ = write!(out, "… ({} bytes in all)", text.len());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_cut_and_controls_escaped() {
        assert_eq!(quote("alice"), "alice");
        assert_eq!(quote("a\u{1b}[31m\n"), "a\\u{1b}[31m\\n");
        let long = "x".repeat(20 << 20);
        let quoted = quote(&long);
        assert!(quoted.len() < MAX_ECHO_CHARS + 40, "{}", quoted.len());
        assert!(quoted.ends_with(&format!("… ({} bytes in all)", 20 << 20)));
    }
}
