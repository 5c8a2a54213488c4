//! Policy documents inside store files: JSON objects, or (in
//! authorization-details documents, as the IAM API returns them) URL-encoded
//! JSON text. Grammar faults keep the JSON path of the embedding file.

use percent_encoding::percent_decode_str;
use serde_json::Value;
use tollgate_policy::{JsonPath, ParseLimits, PolicyDocument, PolicyKind};

use crate::error::FaultKind;
use crate::json::Reader;

/// How a document may be written where it is embedded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    /// A JSON object only (the store's own formats).
    Object,
    /// A JSON object, or a string of URL-encoded (or plain) JSON text
    /// (authorization-details documents, session policies).
    ObjectOrText,
}

/// Reads the policy document at `path` as a policy of `kind`; `None` after
/// recording its faults.
pub(crate) fn read_policy(
    reader: &mut Reader<'_>,
    value: &Value,
    path: &JsonPath,
    kind: PolicyKind,
    encoding: Encoding,
    limits: &ParseLimits,
) -> Option<PolicyDocument> {
    let decoded;
    let value = match (value, encoding) {
        (Value::Object(_), _) => value,
        (Value::String(text), Encoding::ObjectOrText) => {
            decoded = decode_text(reader, text, path)?;
            &decoded
        }
        (other, Encoding::Object) => {
            reader.wrong_type(path, "a policy document object", other);
            return None;
        }
        (other, Encoding::ObjectOrText) => {
            reader.wrong_type(
                path,
                "a policy document (an object or URL-encoded text)",
                other,
            );
            return None;
        }
    };
    match PolicyDocument::from_json_with_limits(value, kind, limits) {
        Ok(document) => Some(document),
        Err(errors) => {
            for error in errors.errors() {
                reader.fault(
                    &error.path().within(path),
                    FaultKind::Policy(error.kind().clone()),
                );
            }
            None
        }
    }
}

/// Parses `text` as JSON: as it is when it starts with `{`, else after
/// URL-decoding it (a URL-encoded document starts with `%7B`). Plain text is
/// never URL-decoded, so a `%` in it keeps its meaning.
fn decode_text(reader: &mut Reader<'_>, text: &str, path: &JsonPath) -> Option<Value> {
    if text.trim_start().starts_with('{') {
        return match serde_json::from_str(text) {
            Ok(value) => Some(value),
            Err(e) => {
                reader.fault(path, FaultKind::Json(e.to_string()));
                None
            }
        };
    }
    let decoded = match percent_decode_str(text).decode_utf8() {
        Ok(decoded) => decoded,
        Err(_) => {
            reader.fault(
                path,
                FaultKind::Invalid("the URL-encoded policy document is not UTF-8 text".into()),
            );
            return None;
        }
    };
    match serde_json::from_str(&decoded) {
        Ok(value) => Some(value),
        Err(e) => {
            reader.fault(
                path,
                FaultKind::Json(format!("in the URL-decoded policy document: {e}")),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Diagnostics;

    const DOC: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;

    fn read(value: Value, encoding: Encoding) -> (Option<PolicyDocument>, Vec<String>) {
        let mut diag = Diagnostics::default();
        let doc = read_policy(
            &mut Reader::new("f.json", &mut diag),
            &value,
            &JsonPath::root().key("PolicyDocument"),
            PolicyKind::Identity,
            encoding,
            &ParseLimits::default(),
        );
        (doc, diag.faults.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn reads_objects_and_url_encoded_text() {
        let object: Value = serde_json::from_str(DOC).unwrap();
        let (from_object, faults) = read(object, Encoding::ObjectOrText);
        assert!(faults.is_empty());
        let encoded =
            percent_encoding::utf8_percent_encode(DOC, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        let (from_text, faults) = read(Value::String(encoded), Encoding::ObjectOrText);
        assert!(faults.is_empty());
        assert_eq!(from_object, from_text);
        let (plain, _) = read(Value::String(DOC.into()), Encoding::ObjectOrText);
        assert_eq!(plain, from_object);
    }

    #[test]
    fn reports_faults_under_the_embedding_path() {
        let (_, faults) = read(Value::String(DOC.into()), Encoding::Object);
        assert_eq!(
            faults,
            ["f.json: PolicyDocument: expected a policy document object, found a string"]
        );
        let bad: Value = serde_json::from_str(
            r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}}"#,
        )
        .unwrap();
        let (_, faults) = read(bad, Encoding::Object);
        assert_eq!(
            faults,
            [
                "f.json: PolicyDocument.Statement.Principal: `Principal` is not allowed in an identity-based policy"
            ]
        );
        let (_, faults) = read(Value::String("%7Bnot".into()), Encoding::ObjectOrText);
        assert_eq!(faults.len(), 1);
        assert!(faults[0].contains("URL-decoded"));
    }
}
