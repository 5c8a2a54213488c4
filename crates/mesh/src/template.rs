//! The two template kinds of a mapping file. A [`SegmentTemplate`] matches a
//! `/`-separated text (a request path, a SPIFFE ID's path) segment by
//! segment and captures whole segments (`{id}`) or the rest (`{key+}`). A
//! [`TextTemplate`] is text with `{name}` placeholders, filled in from
//! captures or other values (ARNs, resources, response headers).

/// One segment of a [`SegmentTemplate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// Must equal this text exactly (case-sensitive).
    Literal(String),
    /// Captures one non-empty segment under this name.
    Capture(String),
    /// Captures this and every following segment (one or more), joined by
    /// `/`; only last.
    Rest(String),
}

/// A template over `/`-separated segments such as `/photos/{id}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentTemplate {
    segments: Vec<Segment>,
}

/// The captures of one match, by name, in template order.
pub type Captures = Vec<(String, String)>;

impl SegmentTemplate {
    /// Reads the segments of `text`, which has no leading `/` (`photos/{id}`;
    /// empty for the root). A fault is a message naming the segment.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut segments = Vec::new();
        if text.is_empty() {
            return Ok(Self { segments });
        }
        let parts: Vec<&str> = text.split('/').collect();
        for (i, part) in parts.iter().enumerate() {
            let segment = parse_segment(part)?;
            if let Segment::Rest(name) = &segment
                && i + 1 != parts.len()
            {
                return Err(format!("`{{{name}+}}` must be the last segment"));
            }
            if let Segment::Capture(name) | Segment::Rest(name) = &segment
                && segments
                    .iter()
                    .any(|s| matches!(s, Segment::Capture(n) | Segment::Rest(n) if n == name))
            {
                return Err(format!("capture `{{{name}}}` appears twice"));
            }
            segments.push(segment);
        }
        Ok(Self { segments })
    }

    /// The segments.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// The capture names, in order.
    pub fn capture_names(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().filter_map(|s| match s {
            Segment::Capture(name) | Segment::Rest(name) => Some(name.as_str()),
            Segment::Literal(_) => None,
        })
    }

    /// True when a capture takes the rest of the path.
    pub fn has_rest(&self) -> bool {
        matches!(self.segments.last(), Some(Segment::Rest(_)))
    }

    /// The captures when `parts` (already split and decoded) match.
    pub fn matches<S: AsRef<str>>(&self, parts: &[S]) -> Option<Captures> {
        let mut captures = Vec::new();
        let mut parts_iter = parts.iter().enumerate();
        for segment in &self.segments {
            match segment {
                Segment::Literal(text) => {
                    let (_, part) = parts_iter.next()?;
                    if part.as_ref() != text {
                        return None;
                    }
                }
                Segment::Capture(name) => {
                    let (_, part) = parts_iter.next()?;
                    if part.as_ref().is_empty() {
                        return None;
                    }
                    captures.push((name.clone(), part.as_ref().to_owned()));
                }
                Segment::Rest(name) => {
                    let (start, _) = parts_iter.next()?;
                    let rest = parts.get(start..)?;
                    if rest.iter().any(|p| p.as_ref().is_empty()) {
                        return None;
                    }
                    let joined: Vec<&str> = rest.iter().map(AsRef::as_ref).collect();
                    captures.push((name.clone(), joined.join("/")));
                    return Some(captures);
                }
            }
        }
        parts_iter.next().is_none().then_some(captures)
    }
}

fn parse_segment(part: &str) -> Result<Segment, String> {
    if let Some(inner) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
        let (name, rest) = match inner.strip_suffix('+') {
            Some(name) => (name, true),
            None => (inner, false),
        };
        if !is_name(name) {
            return Err(format!(
                "`{part}`: a capture name is a letter or `_` then letters, digits or `_`"
            ));
        }
        return Ok(if rest {
            Segment::Rest(name.to_owned())
        } else {
            Segment::Capture(name.to_owned())
        });
    }
    if part.is_empty() {
        return Err("empty segment (`//` or a trailing `/`)".to_owned());
    }
    if part == "." || part == ".." {
        return Err(format!("`{part}` segment"));
    }
    if let Some(bad) = part.chars().find(|c| {
        matches!(c, '{' | '}' | '?' | '#' | '%' | '\\') || c.is_control() || c.is_whitespace()
    }) {
        return Err(format!(
            "`{part}`: `{bad}` is not allowed in a literal segment (a capture is a whole segment, `{{name}}`)"
        ));
    }
    Ok(Segment::Literal(part.to_owned()))
}

/// True for a placeholder or capture name: `[A-Za-z_][A-Za-z0-9_]*`.
pub fn is_name(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// One piece of a [`TextTemplate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Copied as is.
    Text(String),
    /// Replaced by the value of this name.
    Value(String),
}

/// Text with `{name}` placeholders, such as `arn:app:photos:::photo/{id}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextTemplate {
    pieces: Vec<Piece>,
}

impl TextTemplate {
    /// Reads `text`; every placeholder must be in `allowed`. All faults are
    /// returned (each a message naming the placeholder).
    pub fn parse(text: &str, allowed: &[&str]) -> Result<Self, Vec<String>> {
        let mut pieces = Vec::new();
        let mut faults = Vec::new();
        let mut rest = text;
        while !rest.is_empty() {
            match rest.find(['{', '}']) {
                None => {
                    pieces.push(Piece::Text(rest.to_owned()));
                    break;
                }
                Some(at) => {
                    if at > 0 {
                        pieces.push(Piece::Text(rest[..at].to_owned()));
                    }
                    let tail = &rest[at..];
                    if let Some(after) = tail.strip_prefix('}') {
                        faults.push("`}` without `{`".to_owned());
                        rest = after;
                        continue;
                    }
                    let Some(end) = tail.find('}') else {
                        faults.push(format!("`{tail}`: `{{` without `}}`"));
                        break;
                    };
                    let name = &tail[1..end];
                    if !is_name(name) {
                        faults.push(format!("`{{{name}}}` is not a placeholder name"));
                    } else if !allowed.contains(&name) {
                        faults.push(format!(
                            "unknown {} `{{{name}}}`{}",
                            if allowed.is_empty() {
                                "placeholder"
                            } else {
                                "capture"
                            },
                            expected(allowed)
                        ));
                    } else {
                        pieces.push(Piece::Value(name.to_owned()));
                    }
                    rest = &tail[end + 1..];
                }
            }
        }
        if faults.is_empty() {
            Ok(Self { pieces })
        } else {
            Err(faults)
        }
    }

    /// The names it uses.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Value(name) => Some(name.as_str()),
            Piece::Text(_) => None,
        })
    }

    /// The text with each placeholder replaced by `value(name)` (empty when
    /// it gives `None`).
    pub fn render<'a>(&self, value: impl Fn(&str) -> Option<&'a str>) -> String {
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Value(name) => out.push_str(value(name).unwrap_or("")),
            }
        }
        out
    }

    /// The text with placeholders filled from `captures`.
    pub fn render_captures(&self, captures: &[(String, String)]) -> String {
        self.render(|name| {
            captures
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        })
    }

    /// The text with every placeholder replaced by `sample`, to check what
    /// the template can produce.
    pub fn render_sample(&self, sample: &str) -> String {
        self.render(|_| Some(sample))
    }
}

fn expected(allowed: &[&str]) -> String {
    if allowed.is_empty() {
        return " (this template takes none)".to_owned();
    }
    let names: Vec<String> = allowed.iter().map(|n| format!("{{{n}}}")).collect();
    format!(" (known: {})", names.join(", "))
}
