//! Policy variables: text such as `home/${aws:username}/*` whose `${...}`
//! placeholders are filled from the request context before matching.
//!
//! `${*}`, `${?}` and `${$}` stand for the literal characters; `${key, 'text'}`
//! gives a default for a key the request lacks. Substituted values are matched
//! literally: a `*` inside a user name is not a wildcard. Variables exist only
//! in documents whose `Version` is `2012-10-17`; elsewhere `${` is plain text.

use crate::context::ContextView;
use crate::glob::{Piece, Pieces};

/// A `${key}` or `${key, 'default'}` placeholder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variable {
    /// The context key, as written.
    pub key: String,
    /// The text used when the request has no value for the key.
    pub default: Option<String>,
}

/// One element of a [`Template`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplatePart {
    /// Literal text.
    Literal(String),
    /// `*` (only in templates that allow wildcards).
    Star,
    /// `?` (only in templates that allow wildcards).
    Question,
    /// A policy variable.
    Variable(Variable),
}

/// How a template's text is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TemplateSyntax {
    /// `${...}` placeholders are variables (Version 2012-10-17).
    pub variables: bool,
    /// `*` and `?` are wildcards (Resource, `StringLike`, `ArnLike` ...).
    pub wildcards: bool,
}

/// Text with wildcards and policy variables, split once when parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    raw: String,
    parts: Vec<TemplatePart>,
}

impl Template {
    /// Splits `text` according to `syntax`.
    pub fn parse(text: &str, syntax: TemplateSyntax) -> Self {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        while let Some(c) = rest.chars().next() {
            if syntax.variables
                && rest.starts_with("${")
                && let Some(end) = rest.find('}')
            {
                let inner = &rest[2..end];
                if let Some(part) = parse_placeholder(inner) {
                    match part {
                        Placeholder::Literal(ch) => literal.push(ch),
                        Placeholder::Variable(variable) => {
                            flush(&mut literal, &mut parts);
                            parts.push(TemplatePart::Variable(variable));
                        }
                    }
                    rest = &rest[end + 1..];
                    continue;
                }
            }
            if syntax.wildcards && (c == '*' || c == '?') {
                flush(&mut literal, &mut parts);
                parts.push(if c == '*' {
                    TemplatePart::Star
                } else {
                    TemplatePart::Question
                });
            } else {
                literal.push(c);
            }
            rest = &rest[c.len_utf8()..];
        }
        flush(&mut literal, &mut parts);
        // Stores parse hundreds of thousands of templates: no spare capacity.
        parts.shrink_to_fit();
        Self {
            raw: text.to_owned(),
            parts,
        }
    }

    /// The text as written in the policy.
    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// The parts, in order.
    pub fn parts(&self) -> &[TemplatePart] {
        &self.parts
    }

    /// True when the template has at least one variable.
    pub fn has_variables(&self) -> bool {
        self.parts
            .iter()
            .any(|p| matches!(p, TemplatePart::Variable(_)))
    }

    /// The literal text the template starts with, before any wildcard or variable.
    pub fn literal_prefix(&self) -> &str {
        match self.parts.first() {
            Some(TemplatePart::Literal(text)) => text,
            _ => "",
        }
    }

    /// The template as wildcard pieces with its variables filled from `context`;
    /// `None` when a variable has no value and no default (the template then
    /// matches nothing).
    pub fn resolve<'a>(&'a self, context: &ContextView<'a>) -> Option<Pieces<'a>> {
        let mut pieces = Pieces::new();
        for part in &self.parts {
            pieces.push(match part {
                TemplatePart::Literal(text) => Piece::Literal(text),
                TemplatePart::Star => Piece::Star,
                TemplatePart::Question => Piece::Question,
                TemplatePart::Variable(variable) => {
                    Piece::Literal(resolve_variable(variable, context)?)
                }
            });
        }
        Some(pieces)
    }
}

/// The value a variable takes for this request: the key's single value, or
/// the default when the key is absent. A key with several values has none.
pub fn resolve_variable<'a>(variable: &'a Variable, context: &ContextView<'a>) -> Option<&'a str> {
    match context.get(&variable.key) {
        Some([value]) => Some(value),
        Some([]) | None => variable.default.as_deref(),
        Some(_) => None,
    }
}

enum Placeholder {
    Literal(char),
    Variable(Variable),
}

fn parse_placeholder(inner: &str) -> Option<Placeholder> {
    match inner.trim() {
        "*" => return Some(Placeholder::Literal('*')),
        "?" => return Some(Placeholder::Literal('?')),
        "$" => return Some(Placeholder::Literal('$')),
        _ => {}
    }
    let (key, default) = match inner.split_once(',') {
        Some((key, default)) => {
            let default = default.trim();
            let unquoted = default.strip_prefix('\'')?.strip_suffix('\'')?;
            (key.trim(), Some(unquoted.to_owned()))
        }
        None => (inner.trim(), None),
    };
    if key.is_empty() || key.contains(char::is_whitespace) {
        return None;
    }
    Some(Placeholder::Variable(Variable {
        key: key.to_owned(),
        default,
    }))
}

fn flush(literal: &mut String, parts: &mut Vec<TemplatePart>) {
    if !literal.is_empty() {
        let mut text = std::mem::take(literal);
        text.shrink_to_fit();
        parts.push(TemplatePart::Literal(text));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::RequestContext;
    use crate::glob::{CaseMode, matches_pieces};

    const FULL: TemplateSyntax = TemplateSyntax {
        variables: true,
        wildcards: true,
    };

    fn context() -> RequestContext {
        let mut c = RequestContext::new();
        c.insert("aws:username", vec!["bob*".to_owned()]);
        c.insert("aws:TagKeys", vec!["a".to_owned(), "b".to_owned()]);
        c
    }

    #[test]
    fn variables_are_substituted_literally() {
        let given = context();
        let derived = RequestContext::new();
        let view = ContextView::new(&given, &derived);
        let t = Template::parse("arn:aws:s3:::b/home/${aws:username}/*", FULL);
        let pieces = t.resolve(&view).unwrap();
        assert!(matches_pieces(
            &pieces,
            "arn:aws:s3:::b/home/bob*/x",
            CaseMode::Sensitive
        ));
        assert!(!matches_pieces(
            &pieces,
            "arn:aws:s3:::b/home/bobby/x",
            CaseMode::Sensitive
        ));
        assert_eq!(t.literal_prefix(), "arn:aws:s3:::b/home/");
    }

    #[test]
    fn escapes_defaults_and_missing_keys() {
        let given = context();
        let derived = RequestContext::new();
        let view = ContextView::new(&given, &derived);
        let t = Template::parse("a${*}b${?}c${$}", FULL);
        assert_eq!(t.parts(), &[TemplatePart::Literal("a*b?c$".to_owned())]);
        let t = Template::parse("x/${aws:userid, 'none'}", FULL);
        let pieces = t.resolve(&view).unwrap();
        assert!(matches_pieces(&pieces, "x/none", CaseMode::Sensitive));
        let t = Template::parse("x/${aws:userid}", FULL);
        assert!(t.resolve(&view).is_none());
        let t = Template::parse("x/${aws:TagKeys}", FULL);
        assert!(
            t.resolve(&view).is_none(),
            "multi-valued keys are not variables"
        );
    }

    #[test]
    fn without_variables_placeholders_are_text() {
        let t = Template::parse(
            "a/${aws:username}",
            TemplateSyntax {
                variables: false,
                wildcards: true,
            },
        );
        assert_eq!(
            t.parts(),
            &[TemplatePart::Literal("a/${aws:username}".to_owned())]
        );
        let t = Template::parse(
            "a*",
            TemplateSyntax {
                variables: true,
                wildcards: false,
            },
        );
        assert_eq!(t.parts(), &[TemplatePart::Literal("a*".to_owned())]);
    }
}
