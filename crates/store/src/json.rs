//! Reading the store's JSON files field by field, so every fault is reported
//! with its file and JSON path, and reading goes on past the first fault.

use serde_json::{Map, Value};
use tollgate_policy::JsonPath;

use crate::error::{Diagnostics, FaultKind};

/// What to do with a field the format does not define.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UnknownFields {
    /// A fault: the store's own formats are fixed.
    Reject,
    /// A warning: AWS may add fields to its outputs.
    Warn,
}

/// Reads values of one file, recording faults in the diagnostics.
pub(crate) struct Reader<'d> {
    pub(crate) file: &'d str,
    pub(crate) diag: &'d mut Diagnostics,
}

/// The fields of one JSON object, known to be among the expected names.
pub(crate) struct Fields<'v> {
    map: &'v Map<String, Value>,
    pub(crate) path: JsonPath,
}

impl<'v> Fields<'v> {
    /// The value of `name` and its path, when present.
    pub(crate) fn get(&self, name: &str) -> Option<(&'v Value, JsonPath)> {
        self.map.get(name).map(|v| (v, self.path.key(name)))
    }
}

pub(crate) use tollgate_policy::json_type_name as type_name;

impl<'d> Reader<'d> {
    pub(crate) fn new(file: &'d str, diag: &'d mut Diagnostics) -> Self {
        Self { file, diag }
    }

    pub(crate) fn fault(&mut self, path: &JsonPath, kind: FaultKind) {
        self.diag.fault(self.file, path, kind);
    }

    pub(crate) fn warn(&mut self, path: &JsonPath, message: impl Into<String>) {
        self.diag.warn(self.file, path, message);
    }

    pub(crate) fn wrong_type(&mut self, path: &JsonPath, expected: &'static str, found: &Value) {
        self.fault(
            path,
            FaultKind::WrongType {
                expected,
                found: type_name(found),
            },
        );
    }

    /// Parses the file's bytes as JSON.
    pub(crate) fn parse(&mut self, bytes: &[u8]) -> Option<Value> {
        match serde_json::from_slice(bytes) {
            Ok(value) => Some(value),
            Err(e) => {
                self.fault(&JsonPath::root(), FaultKind::Json(e.to_string()));
                None
            }
        }
    }

    /// An object whose member names are chosen by the author (policy names, tag keys).
    pub(crate) fn map<'v>(
        &mut self,
        value: &'v Value,
        path: &JsonPath,
    ) -> Option<&'v Map<String, Value>> {
        match value {
            Value::Object(map) => Some(map),
            other => {
                self.wrong_type(path, "an object", other);
                None
            }
        }
    }

    /// An object with a fixed set of fields.
    pub(crate) fn fields<'v>(
        &mut self,
        value: &'v Value,
        path: &JsonPath,
        known: &[&str],
        unknown: UnknownFields,
    ) -> Option<Fields<'v>> {
        let map = self.map(value, path)?;
        for key in map.keys() {
            if !known.contains(&key.as_str()) {
                match unknown {
                    UnknownFields::Reject => {
                        self.fault(&path.key(key), FaultKind::UnknownField(key.clone()))
                    }
                    UnknownFields::Warn => {
                        self.warn(&path.key(key), format!("unknown field `{key}` ignored"))
                    }
                }
            }
        }
        Some(Fields {
            map,
            path: path.clone(),
        })
    }

    /// A required field: a fault when it is absent.
    pub(crate) fn required<'v>(
        &mut self,
        fields: &Fields<'v>,
        name: &'static str,
    ) -> Option<(&'v Value, JsonPath)> {
        let found = fields.get(name);
        if found.is_none() {
            self.fault(&fields.path, FaultKind::Missing(name));
        }
        found
    }

    pub(crate) fn string<'v>(&mut self, value: &'v Value, path: &JsonPath) -> Option<&'v str> {
        match value {
            Value::String(s) => Some(s),
            other => {
                self.wrong_type(path, "a string", other);
                None
            }
        }
    }

    /// A required string field.
    pub(crate) fn required_string<'v>(
        &mut self,
        fields: &Fields<'v>,
        name: &'static str,
    ) -> Option<(&'v str, JsonPath)> {
        let (value, path) = self.required(fields, name)?;
        self.string(value, &path).map(|s| (s, path))
    }

    /// An optional string field.
    pub(crate) fn optional_string<'v>(
        &mut self,
        fields: &Fields<'v>,
        name: &'static str,
    ) -> Option<(&'v str, JsonPath)> {
        let (value, path) = fields.get(name)?;
        self.string(value, &path).map(|s| (s, path))
    }

    pub(crate) fn array<'v>(&mut self, value: &'v Value, path: &JsonPath) -> &'v [Value] {
        match value {
            Value::Array(items) => items,
            other => {
                self.wrong_type(path, "an array", other);
                &[]
            }
        }
    }

    /// The elements of an optional array field, each with its path.
    pub(crate) fn items<'v>(
        &mut self,
        fields: &Fields<'v>,
        name: &'static str,
    ) -> Vec<(&'v Value, JsonPath)> {
        let Some((value, path)) = fields.get(name) else {
            return Vec::new();
        };
        self.array(value, &path)
            .iter()
            .enumerate()
            .map(|(i, v)| (v, path.index(i)))
            .collect()
    }

    /// The strings of an optional array-of-strings field, each with its path.
    pub(crate) fn strings<'v>(
        &mut self,
        fields: &Fields<'v>,
        name: &'static str,
    ) -> Vec<(&'v str, JsonPath)> {
        self.items(fields, name)
            .into_iter()
            .filter_map(|(v, path)| self.string(v, &path).map(|s| (s, path)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_unknown_fields_and_wrong_types_with_paths() {
        let mut diag = Diagnostics::default();
        let value: Value =
            serde_json::from_str(r#"{"Tags": {"a": 1}, "Extra": true, "Groups": ["x", 2]}"#)
                .unwrap();
        let mut reader = Reader::new("f.json", &mut diag);
        let fields = reader
            .fields(
                &value,
                &JsonPath::root(),
                &["Tags", "Groups"],
                UnknownFields::Reject,
            )
            .unwrap();
        let groups = reader.strings(&fields, "Groups");
        assert_eq!(groups.len(), 1);
        assert!(reader.required(&fields, "Name").is_none());
        let text: Vec<String> = diag.faults.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            [
                "f.json: Extra: unknown field `Extra`",
                "f.json: Groups[1]: expected a string, found a number",
                "f.json: $: missing required field `Name`",
            ]
        );
    }
}
