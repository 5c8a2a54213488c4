//! One scenario and its reading from JSON, field by field as the contract
//! (`docs/scenario-format.md`) names them.

use std::io;

use serde_json::{Map, Value};
use tollgate_policy::arn::is_account_id;
use tollgate_policy::rules::{ContextRules, check_action, check_context, check_resource};
use tollgate_policy::{
    DecisionKind, JsonPath, NamedPolicy, ParseLimits, PolicyDocument, PolicyKind, PolicySet,
    Request, RequestContext, RequestPrincipal,
};

use crate::error::Fault;

#[cfg(test)]
mod tests;

/// The fields a scenario object may have.
pub const SCENARIO_FIELDS: &[&str] = &[
    "name",
    "description",
    "identityPolicies",
    "permissionsBoundary",
    "sessionPolicies",
    "serviceControlPolicies",
    "resourceControlPolicies",
    "resourcePolicy",
    "request",
    "expect",
];

/// The fields a `request` object may have.
pub const REQUEST_FIELDS: &[&str] = &[
    "principal",
    "action",
    "resource",
    "resourceAccount",
    "context",
];

/// One self-contained authorization question: the policies that apply, one
/// request, and optionally the decision its author expects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scenario {
    /// The `name` label, echoed in answers.
    pub name: Option<String>,
    /// The `description`: why the expected decision holds.
    pub description: Option<String>,
    /// The policies, labelled by where they are in the scenario
    /// (`identityPolicies[0]`, `serviceControlPolicies[1][0]`, `resourcePolicy` ...).
    pub policies: PolicySet,
    /// The request.
    pub request: Request,
    /// The `expect`ed decision.
    pub expect: Option<DecisionKind>,
}

impl Scenario {
    /// Reads a scenario object. On failure, returns every fault found (never
    /// an empty list), each with its JSON path inside the scenario; faults in
    /// policy documents carry the document's place as a prefix
    /// (`identityPolicies[0].Statement[2].Condition`).
    pub fn from_json(value: &Value, limits: &ParseLimits) -> Result<Self, Vec<Fault>> {
        let mut reader = Reader {
            limits,
            faults: Vec::new(),
        };
        let scenario = reader.scenario(value);
        match scenario {
            Some(scenario) if reader.faults.is_empty() => Ok(scenario),
            _ if reader.faults.is_empty() => {
                Err(vec![Fault::whole("the scenario could not be read")])
            }
            _ => Err(reader.faults),
        }
    }
}

pub(crate) use tollgate_policy::json_type_name as type_name;

use tollgate_policy::quoted;

struct Reader<'l> {
    limits: &'l ParseLimits,
    faults: Vec<Fault>,
}

impl Reader<'_> {
    fn fail(&mut self, path: &JsonPath, message: impl Into<String>) {
        self.faults.push(Fault::new(path.clone(), message));
    }

    fn wrong_type(&mut self, path: &JsonPath, expected: &str, found: &Value) {
        let found = type_name(found);
        self.fail(path, format!("expected {expected}, found {found}"));
    }

    fn object<'v>(
        &mut self,
        value: &'v Value,
        path: &JsonPath,
        expected: &str,
    ) -> Option<&'v Map<String, Value>> {
        match value {
            Value::Object(map) => Some(map),
            other => {
                self.wrong_type(path, expected, other);
                None
            }
        }
    }

    fn array<'v>(
        &mut self,
        value: &'v Value,
        path: &JsonPath,
        expected: &str,
    ) -> Option<&'v [Value]> {
        match value {
            Value::Array(items) => Some(items),
            other => {
                self.wrong_type(path, expected, other);
                None
            }
        }
    }

    fn check_fields(&mut self, map: &Map<String, Value>, allowed: &[&str], path: &JsonPath) {
        for key in map.keys() {
            if allowed.contains(&key.as_str()) {
                continue;
            }
            let hint = match allowed.iter().find(|a| a.eq_ignore_ascii_case(key)) {
                Some(near) => format!("did you mean `{near}`?"),
                None => {
                    let names: Vec<String> = allowed.iter().map(|a| format!("`{a}`")).collect();
                    format!("expected one of {}", names.join(", "))
                }
            };
            self.fail(
                &path.key(key),
                format!("unknown field {}; {hint}", quoted(key)),
            );
        }
    }

    fn string(&mut self, value: &Value, path: &JsonPath) -> Option<String> {
        match value {
            Value::String(s) if s.len() > self.limits.max_string_bytes => {
                self.fail(
                    path,
                    format!(
                        "string of {} bytes is longer than the limit of {}",
                        s.len(),
                        self.limits.max_string_bytes
                    ),
                );
                None
            }
            Value::String(s) => Some(s.clone()),
            other => {
                self.wrong_type(path, "a string", other);
                None
            }
        }
    }

    fn scenario(&mut self, value: &Value) -> Option<Scenario> {
        let root = JsonPath::root();
        let map = self.object(value, &root, "a scenario object")?;
        self.check_fields(map, SCENARIO_FIELDS, &root);
        let field = |name: &str| (map.get(name), root.key(name));

        let (v, p) = field("name");
        let name = v.and_then(|v| self.string(v, &p));
        let (v, p) = field("description");
        let description = v.and_then(|v| self.string(v, &p));

        let mut policies = PolicySet::default();
        let (v, p) = field("identityPolicies");
        if let Some(v) = v {
            policies.identity = self.policy_list(v, &p, PolicyKind::Identity);
        }
        let (v, p) = field("permissionsBoundary");
        policies.permissions_boundary =
            v.and_then(|v| self.policy(v, &p, PolicyKind::PermissionsBoundary));
        let (v, p) = field("sessionPolicies");
        policies.session = v.map(|v| self.policy_list(v, &p, PolicyKind::Session));
        let (v, p) = field("serviceControlPolicies");
        if let Some(v) = v {
            policies.service_control = self.policy_levels(v, &p, PolicyKind::ServiceControl);
        }
        let (v, p) = field("resourceControlPolicies");
        if let Some(v) = v {
            policies.resource_control = self.policy_levels(v, &p, PolicyKind::ResourceControl);
        }
        let (v, p) = field("resourcePolicy");
        policies.resource = v.and_then(|v| self.policy(v, &p, PolicyKind::Resource));

        let (v, p) = field("request");
        let request = match v {
            Some(v) => self.request(v, &p),
            None => {
                self.fail(&root, "missing required field `request`");
                None
            }
        };
        let (v, p) = field("expect");
        let expect = v.and_then(|v| self.expect(v, &p));

        Some(Scenario {
            name,
            description,
            policies,
            request: request?,
            expect,
        })
    }

    /// One policy document, labelled by its path.
    fn policy(&mut self, value: &Value, path: &JsonPath, kind: PolicyKind) -> Option<NamedPolicy> {
        self.object(value, path, "a policy document (an object)")?;
        let max = self.limits.max_document_bytes;
        if !fits_in(value, max) {
            self.fail(
                path,
                format!("policy document is larger than the limit of {max} bytes"),
            );
            return None;
        }
        match PolicyDocument::from_json_with_limits(value, kind, self.limits) {
            Ok(document) => Some(NamedPolicy::new(path.to_string(), document)),
            Err(errors) => {
                for error in errors.within(path).errors() {
                    self.fail(error.path(), error.kind().to_string());
                }
                None
            }
        }
    }

    fn policy_list(
        &mut self,
        value: &Value,
        path: &JsonPath,
        kind: PolicyKind,
    ) -> Vec<NamedPolicy> {
        let Some(items) = self.array(value, path, "a list of policy documents") else {
            return Vec::new();
        };
        items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| self.policy(item, &path.index(i), kind))
            .collect()
    }

    fn policy_levels(
        &mut self,
        value: &Value,
        path: &JsonPath,
        kind: PolicyKind,
    ) -> Vec<Vec<NamedPolicy>> {
        let Some(levels) = self.array(
            value,
            path,
            "a list of levels, each a list of policy documents",
        ) else {
            return Vec::new();
        };
        levels
            .iter()
            .enumerate()
            .map(|(i, level)| self.policy_list(level, &path.index(i), kind))
            .collect()
    }

    fn request(&mut self, value: &Value, path: &JsonPath) -> Option<Request> {
        let map = self.object(value, path, "a request object")?;
        self.check_fields(map, REQUEST_FIELDS, path);
        let required = |reader: &mut Self, name: &str| match map.get(name) {
            Some(v) => reader.string(v, &path.key(name)),
            None => {
                reader.fail(path, format!("missing required field `{name}`"));
                None
            }
        };
        let principal_text = required(self, "principal");
        let action = required(self, "action");
        let resource = required(self, "resource");

        let principal = principal_text.and_then(|text| match RequestPrincipal::parse(&text) {
            Ok(principal) => Some(principal),
            Err(e) => {
                self.fail(&path.key("principal"), e.to_string());
                None
            }
        });
        let action = action.filter(|action| match check_action(action) {
            Ok(()) => true,
            Err(message) => {
                self.fail(&path.key("action"), message);
                false
            }
        });
        let resource = resource.filter(|resource| match check_resource(resource) {
            Ok(()) => true,
            Err(message) => {
                self.fail(&path.key("resource"), message);
                false
            }
        });
        let account_path = path.key("resourceAccount");
        let resource_account = map
            .get("resourceAccount")
            .and_then(|v| self.string(v, &account_path))
            .filter(|account| {
                let valid = is_account_id(account);
                if !valid {
                    self.fail(
                        &account_path,
                        format!(
                            "{} is not an account id: expected 12 digits",
                            quoted(account)
                        ),
                    );
                }
                valid
            });
        let mut context = match map.get("context") {
            Some(v) => self.context(v, &path.key("context")),
            None => RequestContext::new(),
        };
        // No store derives principal keys here: the scenario may give them.
        if let Err(e) = check_context(&mut context, ContextRules::default()) {
            self.fail(&path.key("context"), e.to_string());
        }

        let mut request = Request::new(principal?, action?, resource?);
        request.resource_account = resource_account;
        request.context = context;
        Some(request)
    }

    fn context(&mut self, value: &Value, path: &JsonPath) -> RequestContext {
        let mut context = RequestContext::new();
        let Some(map) = self.object(value, path, "an object of condition keys") else {
            return context;
        };
        for (key, value) in map {
            let key_path = path.key(key);
            if key.is_empty() || key.len() > self.limits.max_string_bytes {
                self.fail(
                    &key_path,
                    format!(
                        "a condition key must have 1 to {} bytes",
                        self.limits.max_string_bytes
                    ),
                );
                continue;
            }
            if context.contains(key) {
                self.fail(
                    &key_path,
                    format!(
                        "{} is given twice (condition keys ignore case)",
                        quoted(key)
                    ),
                );
                continue;
            }
            let values = match value {
                Value::Array(items) if items.len() > self.limits.max_list_len => {
                    self.fail(
                        &key_path,
                        format!(
                            "list of {} values is longer than the limit of {}",
                            items.len(),
                            self.limits.max_list_len
                        ),
                    );
                    continue;
                }
                Value::Array(items) => items
                    .iter()
                    .enumerate()
                    .filter_map(|(i, item)| {
                        self.context_value(item, &key_path.index(i), "a string, number or boolean")
                    })
                    .collect(),
                scalar => match self.context_value(
                    scalar,
                    &key_path,
                    "a string, number, boolean or a list of them",
                ) {
                    Some(v) => vec![v],
                    None => continue,
                },
            };
            context.insert(key, values);
        }
        context
    }

    /// A string, number or boolean, as text (numbers and booleans in their
    /// JSON spelling).
    fn context_value(&mut self, value: &Value, path: &JsonPath, expected: &str) -> Option<String> {
        match value {
            Value::String(_) => self.string(value, path),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            other => {
                self.wrong_type(path, expected, other);
                None
            }
        }
    }

    fn expect(&mut self, value: &Value, path: &JsonPath) -> Option<DecisionKind> {
        let text = self.string(value, path)?;
        let kind = DecisionKind::parse(&text);
        if kind.is_none() {
            self.fail(
                path,
                format!(
                    "{} is not a decision: expected `allowed`, `explicitDeny` or `implicitDeny`",
                    quoted(&text)
                ),
            );
        }
        kind
    }
}

/// True when `value`, written as compact JSON, takes at most `max` bytes.
/// Stops writing as soon as the budget is spent.
fn fits_in(value: &Value, max: usize) -> bool {
    struct Budget(usize);
    impl io::Write for Budget {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            match self.0.checked_sub(buf.len()) {
                Some(left) => {
                    self.0 = left;
                    Ok(buf.len())
                }
                None => Err(io::Error::other("over budget")),
            }
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    serde_json::to_writer(Budget(max), value).is_ok()
}
