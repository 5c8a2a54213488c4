//! Reading IAM JSON policy documents, with the grammar rules of each policy
//! kind. Every fault is reported with the JSON path where it is.

use serde_json::{Map, Value};

use crate::condition::{Condition, ConditionOperator, OperandType, value};
use crate::document::{
    ActionClause, ActionPattern, Effect, PolicyDocument, PolicyKind, PolicyVersion, ResourceClause,
    Statement,
};
use crate::error::{ParseError, ParseErrorKind, ParseErrors};
use crate::path::JsonPath;
use crate::principal::{AwsPrincipal, PrincipalClause, PrincipalSet};
use crate::template::{Template, TemplateSyntax};

/// Bounds on what one document may hold, so hostile input fails fast.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseLimits {
    /// Largest document text, in bytes.
    pub max_document_bytes: usize,
    /// Most statements in one document.
    pub max_statements: usize,
    /// Most entries in one list (actions, resources, condition values ...).
    pub max_list_len: usize,
    /// Longest string, in bytes.
    pub max_string_bytes: usize,
}

impl Default for ParseLimits {
    fn default() -> Self {
        Self {
            max_document_bytes: 1 << 20,
            max_statements: 10_000,
            max_list_len: 20_000,
            max_string_bytes: 8 << 10,
        }
    }
}

impl PolicyDocument {
    /// Parses JSON text as a policy of `kind` with the default limits.
    pub fn parse(text: &str, kind: PolicyKind) -> Result<Self, ParseErrors> {
        Self::parse_with_limits(text, kind, &ParseLimits::default())
    }

    /// Parses JSON text as a policy of `kind`.
    pub fn parse_with_limits(
        text: &str,
        kind: PolicyKind,
        limits: &ParseLimits,
    ) -> Result<Self, ParseErrors> {
        if text.len() > limits.max_document_bytes {
            return Err(ParseErrors::single(ParseError::new(
                JsonPath::root(),
                ParseErrorKind::Limit(format!(
                    "document is {} bytes, more than the limit of {}",
                    text.len(),
                    limits.max_document_bytes
                )),
            )));
        }
        let value: Value = serde_json::from_str(text).map_err(|e| {
            ParseErrors::single(ParseError::new(
                JsonPath::root(),
                ParseErrorKind::Json(e.to_string()),
            ))
        })?;
        Self::from_json_with_limits(&value, kind, limits)
    }

    /// Reads a policy of `kind` from a JSON value with the default limits.
    pub fn from_json(value: &Value, kind: PolicyKind) -> Result<Self, ParseErrors> {
        Self::from_json_with_limits(value, kind, &ParseLimits::default())
    }

    /// Reads a policy of `kind` from a JSON value.
    pub fn from_json_with_limits(
        value: &Value,
        kind: PolicyKind,
        limits: &ParseLimits,
    ) -> Result<Self, ParseErrors> {
        let mut parser = Parser {
            kind,
            limits,
            errors: Vec::new(),
        };
        let document = parser.document(value, &JsonPath::root());
        match ParseErrors::from_vec(parser.errors) {
            Some(errors) => Err(errors),
            None => document.ok_or_else(|| {
                ParseErrors::single(ParseError::new(
                    JsonPath::root(),
                    ParseErrorKind::Invalid("document could not be read".into()),
                ))
            }),
        }
    }
}

struct Parser<'l> {
    kind: PolicyKind,
    limits: &'l ParseLimits,
    errors: Vec<ParseError>,
}

/// The JSON type of a value, as error messages name it (`a string`, `an object` ...).
pub fn json_type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl Parser<'_> {
    fn fail(&mut self, path: JsonPath, kind: ParseErrorKind) {
        self.errors.push(ParseError::new(path, kind));
    }

    fn wrong_type(&mut self, path: JsonPath, expected: &'static str, found: &Value) {
        self.fail(
            path,
            ParseErrorKind::WrongType {
                expected,
                found: json_type_name(found),
            },
        );
    }

    fn object<'v>(&mut self, value: &'v Value, path: &JsonPath) -> Option<&'v Map<String, Value>> {
        match value {
            Value::Object(map) => Some(map),
            other => {
                self.wrong_type(path.clone(), "an object", other);
                None
            }
        }
    }

    fn check_keys(&mut self, map: &Map<String, Value>, allowed: &[&str], path: &JsonPath) {
        for key in map.keys() {
            if !allowed.contains(&key.as_str()) {
                self.fail(path.key(key), ParseErrorKind::UnknownElement(key.clone()));
            }
        }
    }

    fn string<'v>(&mut self, value: &'v Value, path: &JsonPath) -> Option<&'v str> {
        match value {
            Value::String(s) if s.len() > self.limits.max_string_bytes => {
                self.fail(
                    path.clone(),
                    ParseErrorKind::Limit(format!(
                        "string of {} bytes is longer than the limit of {}",
                        s.len(),
                        self.limits.max_string_bytes
                    )),
                );
                None
            }
            Value::String(s) => Some(s),
            other => {
                self.wrong_type(path.clone(), "a string", other);
                None
            }
        }
    }

    /// Reports an empty list and a list over the length limit; false when
    /// the list is too long to read.
    fn check_list(&mut self, items: &[Value], path: &JsonPath) -> bool {
        if items.is_empty() {
            self.fail(
                path.clone(),
                ParseErrorKind::Invalid("list must not be empty".into()),
            );
        }
        if items.len() > self.limits.max_list_len {
            self.fail(
                path.clone(),
                ParseErrorKind::Limit(format!(
                    "list of {} entries is longer than the limit of {}",
                    items.len(),
                    self.limits.max_list_len
                )),
            );
            return false;
        }
        true
    }

    /// A string or a non-empty list of strings.
    fn string_list<'v>(&mut self, value: &'v Value, path: &JsonPath) -> Vec<(JsonPath, &'v str)> {
        match value {
            Value::Array(items) => {
                if !self.check_list(items, path) {
                    return Vec::new();
                }
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    let item_path = path.index(i);
                    if let Some(s) = self.string(item, &item_path) {
                        out.push((item_path, s));
                    }
                }
                out
            }
            Value::String(_) => self
                .string(value, path)
                .map(|s| vec![(path.clone(), s)])
                .unwrap_or_default(),
            other => {
                self.wrong_type(path.clone(), "a string or a list of strings", other);
                Vec::new()
            }
        }
    }

    fn document(&mut self, value: &Value, path: &JsonPath) -> Option<PolicyDocument> {
        let map = self.object(value, path)?;
        self.check_keys(map, &["Version", "Id", "Statement"], path);
        let version = match map.get("Version") {
            None => PolicyVersion::Absent,
            Some(v) => match self.string(v, &path.key("Version")) {
                Some("2012-10-17") => PolicyVersion::V2012_10_17,
                Some("2008-10-17") => PolicyVersion::V2008_10_17,
                Some(other) => {
                    self.fail(
                        path.key("Version"),
                        ParseErrorKind::Invalid(format!(
                            "unknown policy version `{other}`: expected `2012-10-17` or `2008-10-17`"
                        )),
                    );
                    PolicyVersion::Absent
                }
                None => PolicyVersion::Absent,
            },
        };
        let id = map
            .get("Id")
            .and_then(|v| self.string(v, &path.key("Id")))
            .map(str::to_owned);
        let statements = match map.get("Statement") {
            None => {
                self.fail(path.clone(), ParseErrorKind::Missing("Statement"));
                Vec::new()
            }
            Some(Value::Array(items)) => {
                let list_path = path.key("Statement");
                if items.len() > self.limits.max_statements {
                    self.fail(
                        list_path,
                        ParseErrorKind::Limit(format!(
                            "{} statements, more than the limit of {}",
                            items.len(),
                            self.limits.max_statements
                        )),
                    );
                    return None;
                }
                items
                    .iter()
                    .enumerate()
                    .filter_map(|(i, item)| self.statement(item, &list_path.index(i), version))
                    .collect()
            }
            Some(single @ Value::Object(_)) => self
                .statement(single, &path.key("Statement"), version)
                .into_iter()
                .collect(),
            Some(other) => {
                self.wrong_type(
                    path.key("Statement"),
                    "an object or a list of objects",
                    other,
                );
                Vec::new()
            }
        };
        Some(PolicyDocument {
            version,
            id,
            statements,
        })
    }

    fn statement(
        &mut self,
        value: &Value,
        path: &JsonPath,
        version: PolicyVersion,
    ) -> Option<Statement> {
        let map = self.object(value, path)?;
        self.check_keys(
            map,
            &[
                "Sid",
                "Effect",
                "Principal",
                "NotPrincipal",
                "Action",
                "NotAction",
                "Resource",
                "NotResource",
                "Condition",
            ],
            path,
        );
        let errors_before = self.errors.len();
        let sid = map
            .get("Sid")
            .and_then(|v| self.string(v, &path.key("Sid")))
            .map(str::to_owned);
        let effect = match map.get("Effect") {
            None => {
                self.fail(path.clone(), ParseErrorKind::Missing("Effect"));
                None
            }
            Some(v) => match self.string(v, &path.key("Effect")) {
                Some("Allow") => Some(Effect::Allow),
                Some("Deny") => Some(Effect::Deny),
                Some(other) => {
                    self.fail(
                        path.key("Effect"),
                        ParseErrorKind::Invalid(format!("`{other}` is not `Allow` or `Deny`")),
                    );
                    None
                }
                None => None,
            },
        };
        let principal = self.principal_element(map, path);
        let action = self.action_element(map, path);
        let resource = self.resource_element(map, path, version);
        let conditions = match map.get("Condition") {
            Some(v) => self.condition_block(v, &path.key("Condition"), version),
            None => Vec::new(),
        };
        if self.kind == PolicyKind::ResourceControl {
            if effect == Some(Effect::Allow) {
                self.fail(
                    path.key("Effect"),
                    ParseErrorKind::Invalid(
                        "resource control policies may only deny; the full-access allow is implicit".into(),
                    ),
                );
            }
            let everyone = principal
                .as_ref()
                .is_some_and(|p| !p.negated && p.set.everyone);
            if principal.is_some() && !everyone {
                self.fail(
                    path.key("Principal"),
                    ParseErrorKind::Invalid(
                        "resource control policies require `\"Principal\": \"*\"`".into(),
                    ),
                );
            }
        }
        if self.errors.len() > errors_before {
            return None;
        }
        Some(Statement {
            sid,
            effect: effect?,
            principal,
            action: action?,
            resource,
            conditions,
        })
    }

    fn principal_element(
        &mut self,
        map: &Map<String, Value>,
        path: &JsonPath,
    ) -> Option<PrincipalClause> {
        let (name, negated, value) = match (map.get("Principal"), map.get("NotPrincipal")) {
            (Some(_), Some(_)) => {
                self.fail(
                    path.clone(),
                    ParseErrorKind::Conflict("Principal", "NotPrincipal"),
                );
                return None;
            }
            (Some(v), None) => ("Principal", false, v),
            (None, Some(v)) => ("NotPrincipal", true, v),
            (None, None) => {
                if self.kind.has_principals() {
                    self.fail(path.clone(), ParseErrorKind::Missing("Principal"));
                }
                return None;
            }
        };
        let element_path = path.key(name);
        if !self.kind.has_principals() {
            self.fail(
                element_path,
                ParseErrorKind::Invalid(format!(
                    "`{name}` is not allowed in {}",
                    self.kind.describe()
                )),
            );
            return None;
        }
        if negated && self.kind == PolicyKind::ResourceControl {
            self.fail(
                element_path,
                ParseErrorKind::Invalid(
                    "`NotPrincipal` is not allowed in a resource control policy".into(),
                ),
            );
            return None;
        }
        let set = self.principal_set(value, &element_path)?;
        Some(PrincipalClause { negated, set })
    }

    fn principal_set(&mut self, value: &Value, path: &JsonPath) -> Option<PrincipalSet> {
        let mut set = PrincipalSet::default();
        match value {
            Value::String(s) if s == "*" => set.everyone = true,
            Value::String(s) => {
                self.fail(
                    path.clone(),
                    ParseErrorKind::Invalid(format!(
                        "`{s}` is not a principal: use `\"*\"` or an object with `AWS`, `Service`, `Federated` or `CanonicalUser`"
                    )),
                );
                return None;
            }
            Value::Object(map) => {
                self.check_keys(map, &["AWS", "Service", "Federated", "CanonicalUser"], path);
                if map.is_empty() {
                    self.fail(
                        path.clone(),
                        ParseErrorKind::Invalid("principal must not be empty".into()),
                    );
                }
                if let Some(v) = map.get("AWS") {
                    let p = path.key("AWS");
                    for (item_path, text) in self.string_list(v, &p) {
                        match AwsPrincipal::parse(text) {
                            Some(principal) => set.aws.push(principal),
                            None => self.fail(
                                item_path,
                                ParseErrorKind::Invalid(format!(
                                    "`{text}` is not a valid AWS principal: expected `*`, an account id, or an account root, user, role, assumed-role or federated-user ARN without wildcards"
                                )),
                            ),
                        }
                    }
                }
                for (key, target) in [
                    ("Service", &mut set.services),
                    ("Federated", &mut set.federated),
                    ("CanonicalUser", &mut set.canonical_users),
                ] {
                    if let Some(v) = map.get(key) {
                        let p = path.key(key);
                        let items = self.string_list(v, &p);
                        target.extend(items.into_iter().map(|(_, s)| s.to_owned()));
                    }
                }
            }
            other => {
                self.wrong_type(path.clone(), "`\"*\"` or an object", other);
                return None;
            }
        }
        Some(set)
    }

    fn action_element(
        &mut self,
        map: &Map<String, Value>,
        path: &JsonPath,
    ) -> Option<ActionClause> {
        let (name, negated, value) = match (map.get("Action"), map.get("NotAction")) {
            (Some(_), Some(_)) => {
                self.fail(
                    path.clone(),
                    ParseErrorKind::Conflict("Action", "NotAction"),
                );
                return None;
            }
            (Some(v), None) => ("Action", false, v),
            (None, Some(v)) => ("NotAction", true, v),
            (None, None) => {
                self.fail(path.clone(), ParseErrorKind::Missing("Action"));
                return None;
            }
        };
        let element_path = path.key(name);
        let mut patterns = Vec::new();
        for (item_path, text) in self.string_list(value, &element_path) {
            if text != "*" && !text.contains(':') {
                self.fail(
                    item_path,
                    ParseErrorKind::Invalid(format!(
                        "action `{text}` must be `*` or `service:action`"
                    )),
                );
                continue;
            }
            patterns.push(ActionPattern::new(text));
        }
        patterns.shrink_to_fit();
        Some(ActionClause { negated, patterns })
    }

    fn resource_element(
        &mut self,
        map: &Map<String, Value>,
        path: &JsonPath,
        version: PolicyVersion,
    ) -> Option<ResourceClause> {
        let (name, negated, value) = match (map.get("Resource"), map.get("NotResource")) {
            (Some(_), Some(_)) => {
                self.fail(
                    path.clone(),
                    ParseErrorKind::Conflict("Resource", "NotResource"),
                );
                return None;
            }
            (Some(v), None) => ("Resource", false, v),
            (None, Some(v)) => ("NotResource", true, v),
            (None, None) => {
                if self.kind != PolicyKind::Resource {
                    self.fail(path.clone(), ParseErrorKind::Missing("Resource"));
                }
                return None;
            }
        };
        let element_path = path.key(name);
        let syntax = TemplateSyntax {
            variables: version.has_variables(),
            wildcards: true,
        };
        let mut patterns = Vec::new();
        for (item_path, text) in self.string_list(value, &element_path) {
            if text != "*" && !text.starts_with("arn:") && !text.starts_with('*') {
                self.fail(
                    item_path,
                    ParseErrorKind::Invalid(format!("resource `{text}` must be an ARN or `*`")),
                );
                continue;
            }
            patterns.push(Template::parse(text, syntax));
        }
        patterns.shrink_to_fit();
        Some(ResourceClause { negated, patterns })
    }

    fn condition_block(
        &mut self,
        value: &Value,
        path: &JsonPath,
        version: PolicyVersion,
    ) -> Vec<Condition> {
        let Some(block) = self.object(value, path) else {
            return Vec::new();
        };
        let mut conditions = Vec::new();
        for (op_name, keys) in block {
            let op_path = path.key(op_name);
            let Some(operator) = ConditionOperator::parse(op_name) else {
                self.fail(
                    op_path,
                    ParseErrorKind::Invalid(format!("unknown condition operator `{op_name}`")),
                );
                continue;
            };
            let Some(keys) = self.object(keys, &op_path) else {
                continue;
            };
            if keys.is_empty() {
                self.fail(
                    op_path.clone(),
                    ParseErrorKind::Invalid("condition operator has no keys".into()),
                );
            }
            for (key, values) in keys {
                let key_path = op_path.key(key);
                if !key.contains(':') || key.starts_with(':') {
                    self.fail(
                        key_path.clone(),
                        ParseErrorKind::Invalid(format!(
                            "condition key `{key}` must have a service prefix such as `aws:`"
                        )),
                    );
                    continue;
                }
                let values = self.condition_values(values, &key_path, operator, version);
                conditions.push(Condition {
                    operator,
                    key: key.clone(),
                    values,
                });
            }
        }
        conditions.shrink_to_fit();
        conditions
    }

    fn condition_values(
        &mut self,
        value: &Value,
        path: &JsonPath,
        operator: ConditionOperator,
        version: PolicyVersion,
    ) -> Vec<Template> {
        let items: Vec<(JsonPath, &Value)> = match value {
            Value::Array(items) => {
                if !self.check_list(items, path) {
                    return Vec::new();
                }
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (path.index(i), v))
                    .collect()
            }
            single => vec![(path.clone(), single)],
        };
        let base = operator.base;
        let syntax = TemplateSyntax {
            variables: version.has_variables() && base.allows_variables(),
            wildcards: base.uses_wildcards(),
        };
        let mut out = Vec::with_capacity(items.len());
        for (item_path, item) in items {
            let text = match item {
                Value::String(_) => match self.string(item, &item_path) {
                    Some(s) => s.to_owned(),
                    None => continue,
                },
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                other => {
                    self.wrong_type(item_path, "a string, number or boolean", other);
                    continue;
                }
            };
            let valid = match base.operand_type() {
                OperandType::String | OperandType::Arn => true,
                OperandType::Numeric => value::parse_number(&text).is_some(),
                OperandType::Date => value::parse_date(&text).is_some(),
                OperandType::Bool | OperandType::Null => value::parse_bool(&text).is_some(),
                OperandType::Binary => value::parse_binary(&text).is_some(),
                OperandType::Ip => value::parse_ip_network(&text).is_some(),
            };
            if !valid {
                let expected = match base.operand_type() {
                    OperandType::Numeric => "a number",
                    OperandType::Date => "an ISO 8601 date or epoch seconds",
                    OperandType::Bool | OperandType::Null => "`true` or `false`",
                    OperandType::Binary => "base64 text",
                    OperandType::Ip => "an IP address or CIDR range",
                    OperandType::String | OperandType::Arn => "text",
                };
                self.fail(
                    item_path,
                    ParseErrorKind::Invalid(format!(
                        "`{text}` is not {expected}, as `{}` needs",
                        base.name()
                    )),
                );
                continue;
            }
            out.push(Template::parse(&text, syntax));
        }
        out
    }
}
