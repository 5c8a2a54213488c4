//! The request's `context` map → [`RequestContext`]: every value becomes the
//! text the engine compares. Strings stay as they are; numbers take their
//! shortest decimal spelling that reads back to the same double, without
//! exponent and without a trailing `.0` (`3`, `0.25`, `-7`); booleans are
//! `true` or `false`; bytes become standard base64 with padding, which is
//! what `BinaryEquals` decodes; a binary value is bounded by its own length,
//! not by its longer base64 text.

use std::collections::HashMap;

use base64::Engine as _;
use tollgate_policy::{ParseLimits, RequestContext};
use tollgate_proto::v1::context_value::Value;
use tollgate_proto::v1::{ContextValue, ContextValues};

use super::{ConvertError, quoted};

/// Reads the context map. Keys compare without regard to case, so two keys
/// that differ only in case are an error.
pub(super) fn context(
    given: HashMap<String, ContextValues>,
    limits: &ParseLimits,
) -> Result<RequestContext, ConvertError> {
    let mut context = RequestContext::new();
    for (key, ContextValues { values }) in given {
        if key.is_empty() || key.len() > limits.max_string_bytes {
            return Err(ConvertError::new(
                key_path(&key),
                format!(
                    "a condition key must have 1 to {} bytes",
                    limits.max_string_bytes
                ),
            ));
        }
        if context.contains(&key) {
            return Err(ConvertError::new(
                key_path(&key),
                format!(
                    "{} is given twice (condition keys ignore case)",
                    quoted(&key)
                ),
            ));
        }
        if values.len() > limits.max_list_len {
            return Err(ConvertError::new(
                key_path(&key),
                format!(
                    "{} values is more than the limit of {}",
                    values.len(),
                    limits.max_list_len
                ),
            ));
        }
        let texts = values
            .into_iter()
            .enumerate()
            .map(|(i, value)| {
                value_text(value, limits).map_err(|message| {
                    ConvertError::new(format!("{}.values[{i}]", key_path(&key)), message)
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        context.insert(&key, texts);
    }
    Ok(context)
}

/// `context["KEY"]`, the key JSON-quoted.
fn key_path(key: &str) -> String {
    let quoted = serde_json::to_string(key).unwrap_or_else(|_| format!("\"{key}\""));
    format!("context[{quoted}]")
}

/// The text the engine compares for one value.
pub(super) fn value_text(value: ContextValue, limits: &ParseLimits) -> Result<String, String> {
    let text = match value.value {
        None => {
            return Err(
                "empty value: set one of string_value, number_value, bool_value, binary_value"
                    .to_owned(),
            );
        }
        Some(Value::StringValue(text)) => text,
        Some(Value::NumberValue(number)) => {
            number_text(number).ok_or_else(|| format!("{number} is not a finite number"))?
        }
        Some(Value::BoolValue(flag)) => if flag { "true" } else { "false" }.to_owned(),
        Some(Value::BinaryValue(bytes)) => {
            // Bounded by the bytes given, not by their longer base64 text.
            if bytes.len() > limits.max_string_bytes {
                return Err(format!(
                    "{} bytes (decoded) is longer than the limit of {}",
                    bytes.len(),
                    limits.max_string_bytes
                ));
            }
            return Ok(base64::engine::general_purpose::STANDARD.encode(bytes));
        }
    };
    if text.len() > limits.max_string_bytes {
        return Err(format!(
            "{} bytes is longer than the limit of {}",
            text.len(),
            limits.max_string_bytes
        ));
    }
    Ok(text)
}

/// The shortest decimal text that reads back as `number`; `None` for NaN and
/// infinities. Negative zero is `0`.
pub(super) fn number_text(number: f64) -> Option<String> {
    if !number.is_finite() {
        return None;
    }
    if number == 0.0 {
        return Some("0".to_owned());
    }
    // `Display` for f64 writes the shortest round-tripping digits, never an
    // exponent, and no fraction for integral values.
    Some(number.to_string())
}
