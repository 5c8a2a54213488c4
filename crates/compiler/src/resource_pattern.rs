//! A `Resource` pattern prepared for matching on every request: exact ARNs
//! and `literal*` patterns (most of them) compare bytes without building
//! wildcard pieces; patterns with variables or inner wildcards go through the
//! template and the glob matcher.

use tollgate_policy::glob::{CaseMode, matches_pieces};
use tollgate_policy::{ContextView, Template, TemplatePart};

/// A resource pattern, by the cheapest way to match it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ResourcePattern {
    /// No wildcard or variable: the resource itself.
    Exact(Box<str>),
    /// Literal text then one trailing `*`.
    Prefix(Box<str>),
    /// Anything else.
    Template(Template),
}

impl ResourcePattern {
    /// Prepares a pattern.
    pub(crate) fn new(template: &Template) -> Self {
        match template.parts() {
            [TemplatePart::Literal(text)] => Self::Exact(text.as_str().into()),
            [TemplatePart::Literal(text), TemplatePart::Star] => Self::Prefix(text.as_str().into()),
            _ => Self::Template(template.clone()),
        }
    }

    /// True when `resource` matches, with variables filled from `context`.
    pub(crate) fn matches(&self, resource: &str, context: &ContextView<'_>) -> bool {
        match self {
            Self::Exact(text) => resource == &**text,
            Self::Prefix(prefix) => resource.starts_with(&**prefix),
            Self::Template(template) => template
                .resolve(context)
                .is_some_and(|p| matches_pieces(&p, resource, CaseMode::Sensitive)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tollgate_policy::{RequestContext, TemplateSyntax};

    #[test]
    fn each_kind_matches_as_the_template_does() {
        let syntax = TemplateSyntax {
            variables: true,
            wildcards: true,
        };
        let context = RequestContext::new();
        let view = ContextView::new(&context, &context);
        let resources = [
            "arn:aws:s3:::b",
            "arn:aws:s3:::b/k",
            "arn:aws:s3:::bb",
            "arn:aws:s3:::b*",
            "",
        ];
        let patterns = [
            "arn:aws:s3:::b",
            "arn:aws:s3:::b/*",
            "arn:aws:s3:::b*",
            "*",
            "arn:aws:s3:::?/*",
            "arn:aws:s3:::b${*}",
            "arn:aws:s3:::${aws:username}/*",
        ];
        for pattern in patterns {
            let template = Template::parse(pattern, syntax);
            let prepared = ResourcePattern::new(&template);
            for resource in resources {
                let expected = template
                    .resolve(&view)
                    .is_some_and(|p| matches_pieces(&p, resource, CaseMode::Sensitive));
                assert_eq!(
                    prepared.matches(resource, &view),
                    expected,
                    "{pattern} on {resource}"
                );
            }
        }
        let prefix = Template::parse("arn:aws:s3:::b/*", syntax);
        assert!(matches!(
            ResourcePattern::new(&prefix),
            ResourcePattern::Prefix(_)
        ));
    }
}
