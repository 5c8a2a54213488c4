//! The mapping file as TOML gives it, before validation: serde structs that
//! refuse unknown keys. [`crate::config`] checks every value and builds the
//! [`MeshConfig`](crate::MeshConfig).

use std::collections::BTreeMap;

use serde::Deserialize;

/// The whole file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawFile {
    pub(crate) unmapped: Option<Unmapped>,
    #[serde(default)]
    pub(crate) principal: RawPrincipal,
    #[serde(default)]
    pub(crate) route: Vec<RawRoute>,
    #[serde(default)]
    pub(crate) context: RawContext,
    #[serde(default)]
    pub(crate) response: RawResponse,
    #[serde(default)]
    pub(crate) paths: RawPaths,
}

/// `[paths]`: what a request path's segments may hold.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawPaths {
    pub(crate) allow_inner_spaces: Option<bool>,
}

/// What a request that matches no route gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Unmapped {
    /// Denied (403) without asking the store: the default.
    #[default]
    Deny,
    /// Allowed without asking the store.
    Allow,
}

/// A kind of principal source, as `principal.order` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// The `[[principal.header]]` entries.
    Header,
    /// The `[[principal.spiffe]]` entries.
    Spiffe,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawPrincipal {
    pub(crate) order: Option<Vec<SourceKind>>,
    pub(crate) anonymous: Option<bool>,
    #[serde(default)]
    pub(crate) header: Vec<RawHeaderSource>,
    #[serde(default)]
    pub(crate) spiffe: Vec<RawSpiffeSource>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawHeaderSource {
    pub(crate) name: String,
    pub(crate) arn: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawSpiffeSource {
    pub(crate) id: String,
    pub(crate) arn: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawRoute {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) action: String,
    pub(crate) resource: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawContext {
    #[serde(default)]
    pub(crate) headers: BTreeMap<String, String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawResponse {
    #[serde(default)]
    pub(crate) allow_headers: BTreeMap<String, String>,
    pub(crate) explain_header: Option<String>,
}
