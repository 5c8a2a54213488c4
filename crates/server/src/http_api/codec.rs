//! The proto3 JSON mapping of `tollgate.v1`'s messages, read from the same
//! descriptor set that server reflection serves: field names in
//! lowerCamelCase (the proto names are accepted too when reading), enums by
//! name, 64-bit integers as strings, bytes in base64, timestamps in
//! RFC 3339. Nothing is written by hand per message, so a field added to
//! the proto is in the JSON API (and in its OpenAPI document) at once.
//!
//! Reading is strict: an unknown field, a value of the wrong type or
//! trailing text is refused with the JSON path where it was found
//! (`context.aws:SourceIp.values[0].stringValue`). Nesting is bounded by
//! serde_json's recursion limit (128), the body's size by
//! `max-message-bytes` before it gets here.

use prost::Message;
use prost_reflect::{DescriptorPool, DeserializeOptions, DynamicMessage, SerializeOptions};

/// The descriptor pool of `tollgate.v1` (and what it imports).
#[derive(Debug, Clone)]
pub(crate) struct JsonCodec {
    pool: DescriptorPool,
}

/// A body that is not the JSON of the message the route takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JsonFault {
    /// Where in the body: a JSON path such as `requests[2].principal`, `.`
    /// for the body itself.
    pub(crate) path: String,
    /// What is wrong there.
    pub(crate) message: String,
}

impl std::fmt::Display for JsonFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid JSON at `{}`: {}", self.path, self.message)
    }
}

/// The descriptor set does not decode or lacks a message: a build defect.
#[derive(Debug, thiserror::Error)]
#[error("the built-in descriptor set of tollgate.v1: {0}")]
pub struct DescriptorError(pub(crate) String);

impl JsonCodec {
    /// The codec over tollgate's built-in descriptor set.
    pub(crate) fn new() -> Result<Self, DescriptorError> {
        let pool = DescriptorPool::decode(tollgate_proto::FILE_DESCRIPTOR_SET)
            .map_err(|e| DescriptorError(e.to_string()))?;
        Ok(Self { pool })
    }

    /// The pool (for the OpenAPI document).
    pub(crate) fn pool(&self) -> &DescriptorPool {
        &self.pool
    }

    fn descriptor(&self, name: &str) -> Result<prost_reflect::MessageDescriptor, DescriptorError> {
        self.pool
            .get_message_by_name(name)
            .ok_or_else(|| DescriptorError(format!("no message `{name}`")))
    }

    /// Reads `body` as the JSON of the message `name` (`tollgate.v1.X`).
    pub(crate) fn decode<T: Message + Default>(
        &self,
        name: &str,
        body: &[u8],
    ) -> Result<T, JsonFault> {
        let descriptor = self.descriptor(name).map_err(|e| JsonFault {
            path: ".".to_owned(),
            message: e.to_string(),
        })?;
        let mut json = serde_json::Deserializer::from_slice(body);
        let mut track = serde_path_to_error::Track::new();
        let read = DynamicMessage::deserialize_with_options(
            descriptor,
            serde_path_to_error::Deserializer::new(&mut json, &mut track),
            &DeserializeOptions::new().deny_unknown_fields(true),
        );
        let message = match read {
            Ok(message) => message,
            Err(error) => {
                return Err(JsonFault {
                    path: track.path().to_string(),
                    message: error.to_string(),
                });
            }
        };
        json.end().map_err(|error| JsonFault {
            path: ".".to_owned(),
            message: error.to_string(),
        })?;
        message.transcode_to::<T>().map_err(|error| JsonFault {
            path: ".".to_owned(),
            message: error.to_string(),
        })
    }

    /// Writes `message` (of the message type `name`) as JSON, every field
    /// present (defaults included), so a client always finds each one.
    pub(crate) fn encode<T: Message>(&self, name: &str, message: &T) -> Result<Vec<u8>, String> {
        let descriptor = self.descriptor(name).map_err(|e| e.to_string())?;
        let dynamic = DynamicMessage::decode(descriptor, message.encode_to_vec().as_slice())
            .map_err(|e| e.to_string())?;
        let mut out = Vec::with_capacity(256);
        let mut json = serde_json::Serializer::new(&mut out);
        dynamic
            .serialize_with_options(
                &mut json,
                &SerializeOptions::new().skip_default_fields(false),
            )
            .map_err(|e| e.to_string())?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use tollgate_proto::v1::{AuthorizeBatchRequest, AuthorizeRequest, AuthorizeResponse};

    use super::*;

    #[test]
    fn requests_read_in_lower_camel_case_and_proto_names() {
        let codec = JsonCodec::new().unwrap();
        let request: AuthorizeRequest = codec
            .decode(
                "tollgate.v1.AuthorizeRequest",
                br#"{"principal": "p", "action": "s3:GetObject", "resource": "*",
                     "resourceAccount": "111122223333", "session_policies": ["{}"],
                     "context": {"aws:SourceIp": {"values": [{"stringValue": "10.0.0.1"}, {"numberValue": 3}]}},
                     "explain": true}"#,
            )
            .unwrap();
        assert_eq!(request.resource_account, "111122223333");
        assert_eq!(request.session_policies, ["{}"]);
        assert!(request.explain);
        assert_eq!(request.context["aws:SourceIp"].values.len(), 2);
    }

    #[test]
    fn faults_name_the_json_path() {
        let codec = JsonCodec::new().unwrap();
        let fault = codec
            .decode::<AuthorizeBatchRequest>(
                "tollgate.v1.AuthorizeBatchRequest",
                br#"{"requests": [{"principal": "p"}, {"principal": 5}]}"#,
            )
            .unwrap_err();
        assert_eq!(fault.path, "requests[1].principal", "{fault}");
        let fault = codec
            .decode::<AuthorizeRequest>("tollgate.v1.AuthorizeRequest", br#"{"principle": "p"}"#)
            .unwrap_err();
        assert!(fault.message.contains("principle"), "{fault}");
        let fault = codec
            .decode::<AuthorizeRequest>(
                "tollgate.v1.AuthorizeRequest",
                br#"{"context": {"k": {"values": [{"boolValue": "yes"}]}}}"#,
            )
            .unwrap_err();
        assert_eq!(fault.path, "context.k.values[0].boolValue", "{fault}");
        let fault = codec
            .decode::<AuthorizeRequest>("tollgate.v1.AuthorizeRequest", br#"{} x"#)
            .unwrap_err();
        assert!(fault.message.contains("trailing"), "{fault}");
    }

    #[test]
    fn responses_write_every_field_with_enum_names() {
        let codec = JsonCodec::new().unwrap();
        let response = AuthorizeResponse {
            decision: 1,
            revision: "r".to_owned(),
            ..AuthorizeResponse::default()
        };
        let json = codec
            .encode("tollgate.v1.AuthorizeResponse", &response)
            .unwrap();
        let value: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(value["decision"], "ALLOWED");
        assert_eq!(value["decisive"], serde_json::json!([]));
        assert_eq!(value["reason"], "");
    }
}
