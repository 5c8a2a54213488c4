//! The validated mapping: [`MeshConfig`], read from TOML by
//! [`MeshConfig::from_toml`] or [`MeshConfig::load`]. Every value is checked
//! at load, and every fault is reported with its key path
//! (`route[3].resource: unknown capture {idd}`); a file that loads cannot
//! fail to map for a reason the file could have shown.

use std::fmt;
use std::path::Path;

use tollgate_policy::RequestPrincipal;

use crate::raw::{RawFile, RawRoute, SourceKind, Unmapped};
use crate::template::{SegmentTemplate, TextTemplate};

/// The placeholders of `response.allow-headers` templates.
pub const ALLOW_HEADER_VALUES: [&str; 4] = ["revision", "principal", "action", "resource"];

/// A principal read from a request header that an earlier, trusted filter
/// set (`[[principal.header]]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderSource {
    /// The header name, lower case.
    pub name: String,
    /// The principal ARN, with `{value}` for the header's value.
    pub arn: TextTemplate,
}

/// A principal from the peer's mTLS identity, a SPIFFE ID
/// (`[[principal.spiffe]]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpiffeSource {
    /// The trust domain, which must match exactly.
    pub trust_domain: String,
    /// The ID's path after the trust domain, with captures.
    pub path: SegmentTemplate,
    /// The principal ARN, with the path's captures.
    pub arn: TextTemplate,
}

/// Which HTTP methods a route takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MethodMatch {
    /// Any method (`*`).
    Any,
    /// Exactly this one (upper case).
    Exact(String),
}

impl MethodMatch {
    /// True when `method` is taken.
    pub fn matches(&self, method: &str) -> bool {
        match self {
            MethodMatch::Any => true,
            MethodMatch::Exact(exact) => exact == method,
        }
    }
}

/// One `[[route]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The method it takes.
    pub method: MethodMatch,
    /// The path template, without its leading `/`.
    pub path: SegmentTemplate,
    /// The IAM action, `service:Name`.
    pub action: String,
    /// The resource, `*` or an ARN template using the path's captures.
    pub resource: TextTemplate,
}

/// A validated mapping file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeshConfig {
    pub(crate) unmapped: Unmapped,
    pub(crate) order: Vec<SourceKind>,
    pub(crate) anonymous: bool,
    pub(crate) header_sources: Vec<HeaderSource>,
    pub(crate) spiffe_sources: Vec<SpiffeSource>,
    pub(crate) routes: Vec<Route>,
    pub(crate) context_headers: Vec<(String, String)>,
    pub(crate) allow_headers: Vec<(String, TextTemplate)>,
    pub(crate) explain_header: Option<String>,
    pub(crate) path_rules: crate::path::PathRules,
}

/// One fault of a mapping file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigFault {
    /// The key path, such as `route[3].resource`; empty for the file as a
    /// whole (it cannot be read, or is not valid TOML).
    pub key: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ConfigFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.key.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.key, self.message)
        }
    }
}

/// Every fault of a mapping file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid mesh mapping: {}", faults.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct ConfigErrors {
    /// The faults, in file order.
    pub faults: Vec<ConfigFault>,
}

impl MeshConfig {
    /// Reads and validates the mapping file at `path`.
    pub fn load(path: &Path) -> Result<Self, ConfigErrors> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigErrors {
            faults: vec![ConfigFault {
                key: String::new(),
                message: format!("cannot read `{}`: {e}", path.display()),
            }],
        })?;
        Self::from_toml(&text)
    }

    /// Reads and validates a mapping from TOML text.
    pub fn from_toml(text: &str) -> Result<Self, ConfigErrors> {
        let raw: RawFile = toml::from_str(text).map_err(|e| ConfigErrors {
            faults: vec![toml_fault(text, &e)],
        })?;
        let mut faults = Faults::default();
        let config = validate(raw, &mut faults);
        if faults.0.is_empty() {
            Ok(config)
        } else {
            Err(ConfigErrors { faults: faults.0 })
        }
    }

    /// The routes, in the order they are tried.
    pub fn routes(&self) -> &[Route] {
        &self.routes
    }

    /// What a request that matches no route gets.
    pub fn unmapped(&self) -> Unmapped {
        self.unmapped
    }

    /// The header that asks for an explanation, when explaining is allowed.
    pub fn explain_header(&self) -> Option<&str> {
        self.explain_header.as_deref()
    }

    /// The headers to add to an allowed request, given the values of the
    /// placeholders in [`ALLOW_HEADER_VALUES`] order: revision, principal,
    /// action, resource.
    pub fn allow_headers(&self, values: [&str; 4]) -> Vec<(String, String)> {
        self.allow_headers
            .iter()
            .map(|(name, template)| {
                let value = template.render(|placeholder| {
                    ALLOW_HEADER_VALUES
                        .iter()
                        .position(|known| *known == placeholder)
                        .and_then(|i| values.get(i).copied())
                });
                (name.clone(), value)
            })
            .collect()
    }
}

#[derive(Default)]
struct Faults(Vec<ConfigFault>);

impl Faults {
    fn add(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.0.push(ConfigFault {
            key: key.into(),
            message: message.into(),
        });
    }
}

fn toml_fault(text: &str, error: &toml::de::Error) -> ConfigFault {
    let at = error.span().map(|span| {
        let before = text.get(..span.start).unwrap_or(text);
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        format!(" (line {line}, column {column})")
    });
    ConfigFault {
        key: String::new(),
        message: format!("{}{}", error.message().trim_end(), at.unwrap_or_default()),
    }
}

fn validate(raw: RawFile, faults: &mut Faults) -> MeshConfig {
    let order = match raw.principal.order {
        None => vec![SourceKind::Header, SourceKind::Spiffe],
        Some(order) => {
            for (i, kind) in order.iter().enumerate() {
                if order[..i].contains(kind) {
                    faults.add(format!("principal.order[{i}]"), "listed twice");
                }
            }
            order
        }
    };
    let anonymous = raw.principal.anonymous.unwrap_or(false);

    let mut header_sources = Vec::new();
    for (i, source) in raw.principal.header.into_iter().enumerate() {
        let key = format!("principal.header[{i}]");
        check_header_name(faults, &format!("{key}.name"), &source.name);
        if let Some(arn) =
            principal_template(faults, &format!("{key}.arn"), &source.arn, &["value"])
        {
            if arn.names().next().is_none() {
                faults.add(
                    format!("{key}.arn"),
                    "must use `{value}` (else any value of the header gives the same principal)",
                );
            }
            header_sources.push(HeaderSource {
                name: source.name,
                arn,
            });
        }
    }

    let mut spiffe_sources = Vec::new();
    for (i, source) in raw.principal.spiffe.into_iter().enumerate() {
        let key = format!("principal.spiffe[{i}]");
        let Some((trust_domain, path)) = spiffe_template(faults, &format!("{key}.id"), &source.id)
        else {
            continue;
        };
        let names: Vec<&str> = path.capture_names().collect();
        if let Some(arn) = principal_template(faults, &format!("{key}.arn"), &source.arn, &names) {
            spiffe_sources.push(SpiffeSource {
                trust_domain,
                path,
                arn,
            });
        }
    }
    if header_sources.is_empty()
        && spiffe_sources.is_empty()
        && !anonymous
        && !faults_under(faults, "principal.")
    {
        faults.add(
            "principal",
            "no source: add a [[principal.header]] or [[principal.spiffe]], or set `anonymous = true`",
        );
    }

    let mut routes = Vec::new();
    for (i, route) in raw.route.into_iter().enumerate() {
        if let Some(route) = check_route(faults, &format!("route[{i}]"), route) {
            routes.push(route);
        }
    }
    if routes.is_empty() && !faults_under(faults, "route[") {
        faults.add("route", "no route: add at least one [[route]]");
    }

    let mut context_headers: Vec<(String, String)> = Vec::new();
    for (header, context_key) in raw.context.headers {
        let key = format!("context.headers.{header:?}");
        check_header_name(faults, &key, &header);
        if let Err(message) = check_context_key(&context_key) {
            faults.add(key, message);
        } else if context_headers
            .iter()
            .any(|(_, k)| k.eq_ignore_ascii_case(&context_key))
        {
            faults.add(
                key,
                format!("`{context_key}` is filled by another header (condition keys ignore case)"),
            );
        } else {
            context_headers.push((header, context_key));
        }
    }

    let mut allow_headers = Vec::new();
    for (header, template) in raw.response.allow_headers {
        let key = format!("response.allow-headers.{header:?}");
        check_header_name(faults, &key, &header);
        match TextTemplate::parse(&template, &ALLOW_HEADER_VALUES) {
            Ok(template) => allow_headers.push((header, template)),
            Err(messages) => {
                for message in messages {
                    faults.add(key.clone(), message);
                }
            }
        }
    }
    if let Some(header) = &raw.response.explain_header {
        check_header_name(faults, "response.explain-header", header);
    }

    MeshConfig {
        unmapped: raw.unmapped.unwrap_or_default(),
        order,
        anonymous,
        header_sources,
        spiffe_sources,
        routes,
        context_headers,
        allow_headers,
        explain_header: raw.response.explain_header,
        path_rules: crate::path::PathRules {
            allow_inner_spaces: raw.paths.allow_inner_spaces.unwrap_or(false),
        },
    }
}

fn faults_under(faults: &Faults, prefix: &str) -> bool {
    faults.0.iter().any(|f| f.key.starts_with(prefix))
}

fn check_route(faults: &mut Faults, key: &str, raw: RawRoute) -> Option<Route> {
    let before = faults.0.len();
    let method = if raw.method == "*" {
        MethodMatch::Any
    } else if !raw.method.is_empty()
        && raw
            .method
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b == b'-' || b == b'_')
    {
        MethodMatch::Exact(raw.method)
    } else {
        faults.add(
            format!("{key}.method"),
            format!(
                "expected an upper-case HTTP method such as `GET`, or `*`, found `{}`",
                raw.method
            ),
        );
        MethodMatch::Any
    };
    let path = match raw.path.strip_prefix('/') {
        None => {
            faults.add(
                format!("{key}.path"),
                format!("must start with `/`, found `{}`", raw.path),
            );
            None
        }
        Some(rest) => match SegmentTemplate::parse(rest) {
            Ok(path) => Some(path),
            Err(message) => {
                faults.add(format!("{key}.path"), message);
                None
            }
        },
    };
    if !is_action(&raw.action) {
        faults.add(
            format!("{key}.action"),
            format!(
                "expected `service:Name` (such as `photos:GetPhoto`), found `{}`",
                raw.action
            ),
        );
    }
    let names: Vec<&str> = path
        .as_ref()
        .map(|p| p.capture_names().collect())
        .unwrap_or_default();
    let resource = match TextTemplate::parse(&raw.resource, &names) {
        Ok(resource) => {
            let sample = resource.render_sample("x");
            if sample != "*" && !is_arn(&sample) {
                faults.add(
                    format!("{key}.resource"),
                    format!(
                        "expected `*` or an ARN `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`, found `{}`",
                        raw.resource
                    ),
                );
            }
            Some(resource)
        }
        Err(messages) => {
            // A capture of a path that did not parse is not reported twice.
            if path.is_some() {
                for message in messages {
                    faults.add(format!("{key}.resource"), message);
                }
            }
            None
        }
    };
    if faults.0.len() > before {
        return None;
    }
    Some(Route {
        method,
        path: path?,
        action: raw.action,
        resource: resource?,
    })
}

/// An ARN a request may name as its resource ([`tollgate_policy::rules`]).
fn is_arn(text: &str) -> bool {
    tollgate_policy::rules::check_resource(text).is_ok()
}

/// `service:Name`: a lower-case service prefix and an alphanumeric name.
pub(crate) fn is_action(text: &str) -> bool {
    let Some((service, name)) = text.split_once(':') else {
        return false;
    };
    !service.is_empty()
        && service
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn principal_template(
    faults: &mut Faults,
    key: &str,
    text: &str,
    names: &[&str],
) -> Option<TextTemplate> {
    match TextTemplate::parse(text, names) {
        Ok(template) => {
            // Two characters: a role session name has at least two.
            let sample = template.render_sample("xx");
            if let Err(e) = RequestPrincipal::parse(&sample) {
                faults.add(key, format!("does not make a principal: {e}"));
                return None;
            }
            Some(template)
        }
        Err(messages) => {
            for message in messages {
                faults.add(key, message);
            }
            None
        }
    }
}

fn spiffe_template(
    faults: &mut Faults,
    key: &str,
    text: &str,
) -> Option<(String, SegmentTemplate)> {
    let Some(rest) = text.strip_prefix("spiffe://") else {
        faults.add(key, format!("must start with `spiffe://`, found `{text}`"));
        return None;
    };
    let (domain, path) = rest.split_once('/').unwrap_or((rest, ""));
    if domain.is_empty()
        || !domain
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-._".contains(&b))
    {
        faults.add(
            key,
            format!(
                "the trust domain must be literal lower-case letters, digits, `-`, `.`, `_`, found `{domain}`"
            ),
        );
        return None;
    }
    match SegmentTemplate::parse(path) {
        Ok(template) if template.has_rest() => {
            faults.add(key, "`{name+}` is not allowed in a SPIFFE ID template");
            None
        }
        Ok(template) => Some((domain.to_owned(), template)),
        Err(message) => {
            faults.add(key, message);
            None
        }
    }
}

fn check_header_name(faults: &mut Faults, key: &str, name: &str) {
    let token =
        |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b"!#$%&'*+-.^_`|~".contains(&b);
    if name.is_empty() || !name.bytes().all(token) {
        faults.add(
            key,
            format!("`{name}` is not a lower-case HTTP header name (Envoy gives header names in lower case)"),
        );
    }
}

fn check_context_key(key: &str) -> Result<(), String> {
    let Some((prefix, name)) = key.split_once(':') else {
        return Err(format!("`{key}` is not a condition key `prefix:Name`"));
    };
    if prefix.is_empty()
        || name.is_empty()
        || key.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(format!("`{key}` is not a condition key `prefix:Name`"));
    }
    if prefix.eq_ignore_ascii_case("aws") {
        return Err(format!(
            "`{key}`: a header may not fill an `aws:` key (a client could forge it)"
        ));
    }
    Ok(())
}
