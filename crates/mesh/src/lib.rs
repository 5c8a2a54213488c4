//! HTTP → IAM: turns an HTTP request, as a proxy such as Envoy describes it
//! to an external authorizer, into a tollgate [`Request`](tollgate_policy::Request).
//! No gRPC here: the server's `ext_authz` module reads Envoy's
//! `CheckRequest` into an [`HttpRequest`] and calls [`MeshConfig::map`].
//!
//! | module | does |
//! | --- | --- |
//! | [`config`] | the mapping file: [`MeshConfig`], validated at load, faults by key path |
//! | `raw` | the file's serde structs (unknown keys refused) |
//! | [`template`] | path and SPIFFE templates with captures; text templates |
//! | [`path`] | request path splitting, decoding, and the refusals |
//! | `map` | [`MeshConfig::map`]: route, principal, context keys |
//!
//! ```
//! use std::collections::HashMap;
//! use tollgate_mesh::{HttpRequest, Mapping, MeshConfig};
//!
//! let config = MeshConfig::from_toml(r#"
//! [[principal.spiffe]]
//! id = "spiffe://cluster.local/ns/{namespace}/sa/{account}"
//! arn = "arn:aws:sts::111122223333:assumed-role/{account}/{namespace}"
//!
//! [[route]]
//! method = "GET"
//! path = "/photos/{id}"
//! action = "photos:GetPhoto"
//! resource = "arn:app:photos:::photo/{id}"
//! "#).unwrap();
//! let headers = HashMap::new();
//! let http = HttpRequest {
//!     method: "GET",
//!     path: "/photos/42?size=large",
//!     headers: &headers,
//!     source_principal: Some("spiffe://cluster.local/ns/shop/sa/checkout"),
//!     source_address: None,
//!     tls: true,
//!     time: std::time::SystemTime::now(),
//! };
//! let Mapping::Mapped(mapped) = config.map(&http).unwrap() else { unreachable!() };
//! assert_eq!(mapped.request.principal().text(), "arn:aws:sts::111122223333:assumed-role/checkout/shop");
//! assert_eq!(mapped.request.action, "photos:GetPhoto");
//! assert_eq!(mapped.request.resource, "arn:app:photos:::photo/42");
//! ```

pub mod config;
mod map;
pub mod path;
mod raw;
pub mod template;

pub use config::{ConfigErrors, ConfigFault, MeshConfig, Route};
pub use map::{HttpRequest, MAX_CONTEXT_VALUE, MAX_PRINCIPAL_VALUE, MapError, Mapped, Mapping};
pub use path::PathError;
pub use raw::{SourceKind, Unmapped};

#[cfg(test)]
mod tests;
