//! One JSON document of scenarios: a scenario object, or an array of them
//! read element by element, so that each element's JSON tree is dropped once
//! it has become a scenario, and reading stops at the scenario limit. Each
//! scenario's JSON tree is built with a budget of values
//! ([`ReadOptions::max_json_values`]), so memory stays near the input's size
//! whatever its shape.

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use super::{MAX_JSON_DEPTH, ReadOptions, ScenarioInput, strip_bom};
use crate::error::ScenarioError;
use crate::scenario::Scenario;
use crate::source::Source;

/// Where a piece of the input starts, so messages give positions in the whole input.
#[derive(Debug, Clone, Copy)]
pub(super) struct Base {
    /// 1-based line of the first byte.
    pub(super) line: usize,
    /// Byte offset of the first byte.
    pub(super) offset: usize,
}

impl Base {
    pub(super) const START: Base = Base { line: 1, offset: 0 };
}

/// Reads one JSON document holding a scenario object or an array of at most
/// `max_scenarios` of them. A document that is not UTF-8, not JSON, or holds
/// too many scenarios yields one failed input naming `source`.
pub(super) fn read_document(
    bytes: &[u8],
    source: Source,
    base: Base,
    max_scenarios: usize,
    options: &ReadOptions,
) -> Vec<ScenarioInput> {
    let read = decode(strip_bom(bytes), base)
        .and_then(|text| parse(text, &source, base, max_scenarios, options));
    match read {
        Ok(inputs) => inputs,
        Err(message) => vec![ScenarioInput::failed(ScenarioError::whole(source, message))],
    }
}

/// What the top level of a document is.
enum Document {
    /// An array, already read into scenarios.
    Items(Vec<ScenarioInput>),
    /// One scenario object.
    Object(Value),
    /// Anything else, by its JSON type name.
    Other(&'static str),
}

fn parse(
    text: &str,
    source: &Source,
    base: Base,
    max_scenarios: usize,
    options: &ReadOptions,
) -> Result<Vec<ScenarioInput>, String> {
    let too_many = Cell::new(false);
    let values_left = Cell::new(options.max_json_values);
    let too_big = Cell::new(false);
    let visitor = DocumentVisitor {
        source,
        options,
        max_scenarios,
        too_many: &too_many,
        budget: Budget {
            left: &values_left,
            exceeded: &too_big,
        },
    };
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let document = deserializer
        .deserialize_any(visitor)
        .and_then(|document| deserializer.end().map(|()| document));
    match document {
        Err(_) if too_many.get() => {
            Err(format!("more than {max_scenarios} scenarios in one input"))
        }
        Err(e) if too_big.get() => Err(format!(
            "a scenario holds more than {} JSON values (line {}, column {})",
            options.max_json_values,
            base.line + e.line().saturating_sub(1),
            e.column()
        )),
        Err(e) => Err(json_message(&e, base)),
        Ok(Document::Items(items)) => Ok(items),
        Ok(Document::Object(value)) => Ok(vec![scenario_input(&value, source.clone(), options)]),
        Ok(Document::Other(found)) => Err(format!(
            "expected a scenario object or an array of them, found {found}"
        )),
    }
}

struct DocumentVisitor<'a> {
    source: &'a Source,
    options: &'a ReadOptions,
    max_scenarios: usize,
    too_many: &'a Cell<bool>,
    budget: Budget<'a>,
}

impl<'de> Visitor<'de> for DocumentVisitor<'_> {
    type Value = Document;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a scenario object or an array of them")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Document, A::Error> {
        let mut items = Vec::new();
        loop {
            self.budget.left.set(self.options.max_json_values);
            let Some(value) = seq.next_element_seed(self.budget)? else {
                break;
            };
            if items.len() >= self.max_scenarios {
                self.too_many.set(true);
                return Err(de::Error::custom("too many scenarios"));
            }
            let source = self.source.clone().with_index(items.len());
            items.push(scenario_input(&value, source, self.options));
        }
        Ok(Document::Items(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Document, A::Error> {
        self.budget.visit_map(map).map(Document::Object)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Document, E> {
        Ok(Document::Other("a boolean"))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Document, E> {
        Ok(Document::Other("a number"))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Document, E> {
        Ok(Document::Other("a number"))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Document, E> {
        Ok(Document::Other("a number"))
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Document, E> {
        Ok(Document::Other("a string"))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Document, E> {
        Ok(Document::Other("null"))
    }
}

/// Builds a JSON tree of at most as many values as `left` holds.
#[derive(Clone, Copy)]
struct Budget<'a> {
    left: &'a Cell<usize>,
    exceeded: &'a Cell<bool>,
}

impl Budget<'_> {
    fn spend<E: de::Error>(&self) -> Result<(), E> {
        match self.left.get().checked_sub(1) {
            Some(left) => {
                self.left.set(left);
                Ok(())
            }
            None => {
                self.exceeded.set(true);
                Err(E::custom("too many JSON values"))
            }
        }
    }
}

impl<'de> DeserializeSeed<'de> for Budget<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Budget<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Value, E> {
        self.spend()?;
        Ok(Value::Bool(b))
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Value, E> {
        self.spend()?;
        Ok(Value::Number(n.into()))
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Value, E> {
        self.spend()?;
        Ok(Value::Number(n.into()))
    }

    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Value, E> {
        self.spend()?;
        Ok(Number::from_f64(n).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Value, E> {
        self.spend()?;
        Ok(Value::String(s.to_owned()))
    }

    fn visit_string<E: de::Error>(self, s: String) -> Result<Value, E> {
        self.spend()?;
        Ok(Value::String(s))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        self.spend()?;
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        self.spend()?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(self)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        self.spend()?;
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(self)?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

fn scenario_input(value: &Value, source: Source, options: &ReadOptions) -> ScenarioInput {
    match Scenario::from_json(value, &options.parse_limits) {
        Ok(scenario) => ScenarioInput {
            source,
            scenario: Ok(scenario),
        },
        Err(faults) => {
            let name = value
                .get("name")
                .and_then(Value::as_str)
                .filter(|name| name.len() <= options.parse_limits.max_string_bytes)
                .map(str::to_owned);
            ScenarioInput::failed(ScenarioError::new(source, name, faults))
        }
    }
}

/// The text, or a message naming the first byte that is not UTF-8.
fn decode(bytes: &[u8], base: Base) -> Result<&str, String> {
    std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        let before = bytes.get(..at).unwrap_or(bytes);
        let newlines = before.iter().filter(|b| **b == b'\n').count();
        let line_start = before
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |p| p + 1);
        format!(
            "invalid UTF-8 at byte {} (line {}, column {})",
            base.offset + at,
            base.line + newlines,
            at - line_start + 1
        )
    })
}

/// serde_json's error with its position in the whole input.
fn json_message(e: &serde_json::Error, base: Base) -> String {
    let line = base.line + e.line().saturating_sub(1);
    let position = format!(" at line {} column {}", e.line(), e.column());
    let full = e.to_string();
    let message = full.strip_suffix(&position).unwrap_or(&full);
    if message.starts_with("recursion limit exceeded") {
        format!(
            "JSON nests deeper than {MAX_JSON_DEPTH} levels (line {line}, column {})",
            e.column()
        )
    } else {
        format!(
            "invalid JSON at line {line}, column {}: {message}",
            e.column()
        )
    }
}
