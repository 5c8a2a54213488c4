//! One HTTP request → one IAM request: [`MeshConfig::map`]. The route is
//! found first (a request no route takes needs no principal); then the
//! principal, from the sources in `principal.order`; then the context keys.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::SystemTime;

use chrono::{DateTime, SecondsFormat, Utc};
use tollgate_policy::{PrincipalParseError, Request, RequestPrincipal};

use crate::config::{MeshConfig, Route};
use crate::path::{self, PathError};
use crate::raw::{SourceKind, Unmapped};
use crate::template::TextTemplate;

/// The longest value taken from a header or a SPIFFE ID into a principal ARN.
pub const MAX_PRINCIPAL_VALUE: usize = 128;
/// The longest header value copied into a condition key.
pub const MAX_CONTEXT_VALUE: usize = 4096;

/// An HTTP request as the proxy describes it (Envoy's `AttributeContext`),
/// borrowed.
#[derive(Debug, Clone, Copy)]
pub struct HttpRequest<'a> {
    /// The method, such as `GET`.
    pub method: &'a str,
    /// The request target: the path and the query string, not decoded.
    pub path: &'a str,
    /// The headers by lower-case name (repeated headers joined by `,`).
    pub headers: &'a HashMap<String, String>,
    /// The peer's mTLS identity (URI SAN), such as a SPIFFE ID.
    pub source_principal: Option<&'a str>,
    /// The peer's address.
    pub source_address: Option<IpAddr>,
    /// Whether the request came over TLS.
    pub tls: bool,
    /// When the request was received.
    pub time: SystemTime,
}

/// What a request maps to.
#[derive(Debug, Clone, PartialEq)]
pub enum Mapping {
    /// A route took the request.
    Mapped(Box<Mapped>),
    /// No route took it: allow or deny as `unmapped` says.
    Unmapped(Unmapped),
}

/// A request a route took.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapped {
    /// The IAM request to decide.
    pub request: Request,
    /// The route's position in the file.
    pub route: usize,
    /// Which source gave the principal: `header x-jwt-sub`,
    /// `spiffe[0]`, or `anonymous`.
    pub principal_source: String,
    /// True when the configured explain header is present.
    pub explain: bool,
}

/// Why a request could not be mapped (the request is denied).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MapError {
    /// The path is refused (see [`crate::path`]).
    #[error("path: {0}")]
    Path(#[from] PathError),
    /// The method is empty.
    #[error("the request has no method")]
    NoMethod,
    /// No configured principal source is present.
    #[error("no principal: none of the configured principal sources is present")]
    NoPrincipal,
    /// The peer has an identity no `[[principal.spiffe]]` template matches.
    #[error("the peer's identity `{id}` matches no [[principal.spiffe]] template")]
    UnknownPeer {
        /// The peer's identity.
        id: String,
    },
    /// A value that would go into a principal ARN is not a valid IAM name.
    #[error("{source_name}: `{value}` is not a valid name for a principal ({reason})")]
    PrincipalValue {
        /// `header NAME` or `spiffe[N]`.
        source_name: String,
        /// The value (cut to 64 characters).
        value: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// The principal ARN built does not read as a principal.
    #[error("{source_name}: {error}")]
    Principal {
        /// `header NAME` or `spiffe[N]`.
        source_name: String,
        /// Why.
        error: PrincipalParseError,
    },
    /// The action or resource built breaks the request rules (a capture
    /// that makes the resource something other than an ARN).
    #[error("{error}")]
    Request {
        /// Which field, and why.
        error: tollgate_policy::RuleError,
    },
    /// A header copied into a condition key is too long.
    #[error("header `{header}`: the value is longer than {MAX_CONTEXT_VALUE} bytes")]
    ContextValue {
        /// The header.
        header: String,
    },
}

impl MeshConfig {
    /// Maps `http` to an IAM request, or says it matches no route.
    pub fn map(&self, http: &HttpRequest<'_>) -> Result<Mapping, MapError> {
        if http.method.is_empty() {
            return Err(MapError::NoMethod);
        }
        let segments = path::segments_with(http.path, self.path_rules)?;
        let Some((index, route, captures)) = self.routes.iter().enumerate().find_map(|(i, r)| {
            if !r.method.matches(http.method) {
                return None;
            }
            r.path.matches(&segments).map(|c| (i, r, c))
        }) else {
            return Ok(Mapping::Unmapped(self.unmapped));
        };
        let (principal, principal_source) = self.principal(http)?;
        let mut request =
            Request::checked(principal, route.action.clone(), resource(route, &captures))
                .map_err(|error| MapError::Request { error })?;
        self.fill_context(&mut request, http)?;
        Ok(Mapping::Mapped(Box::new(Mapped {
            request,
            route: index,
            principal_source,
            explain: self
                .explain_header
                .as_deref()
                .is_some_and(|h| http.headers.contains_key(h)),
        })))
    }

    fn principal(&self, http: &HttpRequest<'_>) -> Result<(RequestPrincipal, String), MapError> {
        let mut unknown_peer = None;
        for kind in &self.order {
            match kind {
                SourceKind::Header => {
                    for source in &self.header_sources {
                        if let Some(value) = http.headers.get(&source.name) {
                            let name = format!("header {}", source.name);
                            let principal =
                                build_principal(&source.arn, &name, &[("value", value)])?;
                            return Ok((principal, name));
                        }
                    }
                }
                SourceKind::Spiffe => {
                    let Some(id) = http.source_principal.filter(|id| !id.is_empty()) else {
                        continue;
                    };
                    let parsed = id.strip_prefix("spiffe://").map(|rest| {
                        let (domain, path) = rest.split_once('/').unwrap_or((rest, ""));
                        let parts: Vec<&str> = if path.is_empty() {
                            Vec::new()
                        } else {
                            path.split('/').collect()
                        };
                        (domain, parts)
                    });
                    let found = parsed.and_then(|(domain, parts)| {
                        self.spiffe_sources
                            .iter()
                            .enumerate()
                            .find_map(|(i, source)| {
                                if source.trust_domain != domain {
                                    return None;
                                }
                                source
                                    .path
                                    .matches(&parts)
                                    .map(|captures| (i, source, captures))
                            })
                    });
                    match found {
                        Some((i, source, captures)) => {
                            let name = format!("spiffe[{i}]");
                            let values: Vec<(&str, &str)> = captures
                                .iter()
                                .map(|(n, v)| (n.as_str(), v.as_str()))
                                .collect();
                            let principal = build_principal(&source.arn, &name, &values)?;
                            return Ok((principal, name));
                        }
                        None => unknown_peer = Some(id.to_owned()),
                    }
                }
            }
        }
        if let Some(id) = unknown_peer {
            return Err(MapError::UnknownPeer { id });
        }
        if self.anonymous {
            return RequestPrincipal::parse("anonymous")
                .map(|p| (p, "anonymous".to_owned()))
                .map_err(|error| MapError::Principal {
                    source_name: "anonymous".to_owned(),
                    error,
                });
        }
        Err(MapError::NoPrincipal)
    }

    fn fill_context(&self, request: &mut Request, http: &HttpRequest<'_>) -> Result<(), MapError> {
        for (header, key) in &self.context_headers {
            if let Some(value) = http.headers.get(header) {
                if value.len() > MAX_CONTEXT_VALUE {
                    return Err(MapError::ContextValue {
                        header: header.clone(),
                    });
                }
                request.context.insert(key, vec![value.clone()]);
            }
        }
        if let Some(ip) = http.source_address {
            request.context.insert("aws:SourceIp", vec![ip.to_string()]);
        }
        request
            .context
            .insert("aws:SecureTransport", vec![http.tls.to_string()]);
        let time: DateTime<Utc> = http.time.into();
        request.context.insert(
            "aws:CurrentTime",
            vec![time.to_rfc3339_opts(SecondsFormat::Secs, true)],
        );
        request
            .context
            .insert("aws:EpochTime", vec![time.timestamp().to_string()]);
        Ok(())
    }
}

fn resource(route: &Route, captures: &[(String, String)]) -> String {
    route.resource.render_captures(captures)
}

fn build_principal(
    template: &TextTemplate,
    source_name: &str,
    values: &[(&str, &str)],
) -> Result<RequestPrincipal, MapError> {
    for (_, value) in values {
        check_principal_value(value).map_err(|reason| MapError::PrincipalValue {
            source_name: source_name.to_owned(),
            value: value.chars().take(64).collect(),
            reason,
        })?;
    }
    let arn = template.render(|name| values.iter().find(|(n, _)| *n == name).map(|(_, v)| *v));
    RequestPrincipal::parse(&arn).map_err(|error| MapError::Principal {
        source_name: source_name.to_owned(),
        error,
    })
}

/// A value put into a principal ARN must be an IAM name: 1 to
/// [`MAX_PRINCIPAL_VALUE`] of letters, digits and `+=,.@_-`. So it cannot
/// add a path (`/`), a wildcard, or another ARN part (`:`).
fn check_principal_value(value: &str) -> Result<(), &'static str> {
    if value.is_empty() {
        return Err("empty");
    }
    if value.len() > MAX_PRINCIPAL_VALUE {
        return Err("longer than 128 bytes");
    }
    if !value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b))
    {
        return Err("only letters, digits and `+=,.@_-` are allowed");
    }
    Ok(())
}
