//! Unit tests: the file's validation, path handling, templates and mapping.

mod config;
mod map;
mod path;

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use crate::{HttpRequest, Mapped, Mapping, MeshConfig};

/// The mapping the tests share, close to `examples/mesh/mapping.toml`.
pub(super) const MAPPING: &str = r#"
unmapped = "deny"

[[principal.header]]
name = "x-jwt-sub"
arn = "arn:aws:iam::111122223333:user/{value}"

[[principal.spiffe]]
id = "spiffe://cluster.local/ns/{namespace}/sa/{account}"
arn = "arn:aws:sts::111122223333:assumed-role/{account}/{namespace}"

[[route]]
method = "GET"
path = "/photos/{id}"
action = "photos:GetPhoto"
resource = "arn:app:photos:::photo/{id}"

[[route]]
method = "DELETE"
path = "/photos/{id}"
action = "photos:DeletePhoto"
resource = "arn:app:photos:::photo/{id}"

[[route]]
method = "*"
path = "/files/{key+}"
action = "files:Access"
resource = "arn:app:files:::file/{key}"

[[route]]
method = "GET"
path = "/"
action = "photos:ListPhotos"
resource = "*"

[context.headers]
"x-tenant" = "app:Tenant"

[response]
allow-headers = { "x-tollgate-revision" = "{revision}", "x-tollgate-principal" = "{principal}" }
explain-header = "x-tollgate-explain"
"#;

pub(super) fn config() -> MeshConfig {
    MeshConfig::from_toml(MAPPING).unwrap()
}

/// 2026-11-22T13:00:00Z.
pub(super) fn noon() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_352_400)
}

pub(super) fn http<'a>(
    method: &'a str,
    path: &'a str,
    headers: &'a HashMap<String, String>,
    peer: Option<&'a str>,
) -> HttpRequest<'a> {
    HttpRequest {
        method,
        path,
        headers,
        source_principal: peer,
        source_address: Some("10.1.2.3".parse().unwrap()),
        tls: true,
        time: noon(),
    }
}

pub(super) fn headers(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

pub(super) fn mapped(mapping: Mapping) -> Mapped {
    match mapping {
        Mapping::Mapped(mapped) => *mapped,
        Mapping::Unmapped(how) => panic!("expected a route to match, got unmapped ({how:?})"),
    }
}
