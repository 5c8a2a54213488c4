//! The OpenAPI 3 document of the HTTP/JSON API (`GET /v1/openapi.json`),
//! generated at start-up from the descriptor set of `tollgate.v1` (the
//! proto, with its comments as descriptions): one schema per message the
//! four calls read or write, each field under its JSON name with the type
//! of the proto3 JSON mapping. Fields without presence are `required` in
//! answers, because the API writes them even when they hold their default;
//! request fields are `nullable`, because the mapping reads `null` as the
//! default.

use std::collections::BTreeSet;

use prost_reflect::{
    DescriptorPool, FieldDescriptor, FileDescriptor, Kind, MessageDescriptor, MethodDescriptor,
};
use serde_json::{Map, Value, json};

use super::Route;
use super::codec::DescriptorError;

/// The service the routes call.
const SERVICE: &str = "tollgate.v1.Authorizer";

/// The document for `pool`, stating `max_body` as the largest body.
pub(crate) fn document(pool: &DescriptorPool, max_body: usize) -> Result<Value, DescriptorError> {
    let service = pool
        .get_service_by_name(SERVICE)
        .ok_or_else(|| DescriptorError(format!("no service `{SERVICE}`")))?;
    let method = |name: &str| {
        service
            .methods()
            .find(|m| m.name() == name)
            .ok_or_else(|| DescriptorError(format!("no method `{SERVICE}/{name}`")))
    };
    let mut paths = Map::new();
    let mut inputs = Vec::new();
    let mut outputs = Vec::new();
    for route in Route::ALL {
        let rpc = match route {
            Route::Authorize => Some(method("Authorize")?),
            Route::AuthorizeBatch => Some(method("AuthorizeBatch")?),
            Route::Simulate => Some(method("Simulate")?),
            Route::Status => Some(method("GetPolicyStatus")?),
            Route::OpenApi => None,
        };
        let operation = match &rpc {
            Some(rpc) => {
                outputs.push(rpc.output());
                if route.method() == http::Method::POST {
                    inputs.push(rpc.input());
                }
                operation(route, rpc, max_body)
            }
            None => json!({
                "operationId": "openapi",
                "summary": "This document.",
                "responses": {"200": {
                    "description": "The OpenAPI 3 document of the HTTP/JSON API.",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                }},
            }),
        };
        let verb = route.method().as_str().to_ascii_lowercase();
        paths.insert(route.path().to_owned(), json!({ verb: operation }));
    }
    let mut schemas = Map::new();
    let mut seen = BTreeSet::new();
    // Answers first: a message both read and written is described as written.
    for (message, answer) in outputs
        .into_iter()
        .map(|m| (m, true))
        .chain(inputs.into_iter().map(|m| (m, false)))
    {
        add_schema(&message, answer, &mut schemas, &mut seen);
    }
    schemas.insert("Error".to_owned(), error_schema());
    Ok(json!({
        "openapi": "3.0.3",
        "info": {
            "title": "tollgate HTTP/JSON API",
            "version": "v1",
            "description": "The tollgate.v1.Authorizer calls as JSON over HTTP/1.1 (the proto3 JSON mapping of proto/tollgate/v1/authorizer.proto), with the limits, admission, audit log and metrics of the gRPC calls.",
        },
        "paths": paths,
        "components": {"schemas": schemas},
    }))
}

/// The operation of a route that makes the gRPC call `rpc`.
fn operation(route: Route, rpc: &MethodDescriptor, max_body: usize) -> Value {
    let mut responses = Map::new();
    responses.insert(
        "200".to_owned(),
        json!({
            "description": format!("The {} answer.", rpc.output().name()),
            "content": {"application/json": {"schema": reference(&rpc.output())}},
        }),
    );
    let mut errors: Vec<(&str, &str)> = vec![
        (
            "400",
            "A malformed request: the message names the field or JSON path.",
        ),
        ("405", "The route takes another method."),
        ("500", "An internal failure."),
        ("503", "No policy revision is loaded yet."),
        (
            "504",
            "The call's deadline (max-call-secs) passed before it was answered.",
        ),
    ];
    if route.method() == http::Method::POST {
        errors.push(("413", "The body is larger than max-message-bytes."));
        errors.push(("415", "The body is not declared application/json."));
        errors.push((
            "429",
            "max-in-flight calls are being evaluated; retry later (Retry-After).",
        ));
    }
    for (code, description) in errors {
        responses.insert(
            code.to_owned(),
            json!({
                "description": description,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            }),
        );
    }
    let mut operation = json!({
        "operationId": route.label(),
        "summary": format!("{SERVICE}/{}", rpc.name()),
        "responses": responses,
    });
    if let Some(text) = comment(&rpc.parent_file(), rpc.path()) {
        operation["description"] = json!(text);
    }
    if route.method() == http::Method::POST {
        operation["requestBody"] = json!({
            "required": true,
            "description": format!("At most {max_body} bytes (max-message-bytes)."),
            "content": {"application/json": {"schema": reference(&rpc.input())}},
        });
    }
    operation
}

/// `$ref` to a message's schema.
fn reference(message: &MessageDescriptor) -> Value {
    json!({"$ref": format!("#/components/schemas/{}", message.full_name())})
}

/// Adds the schema of `message` and of every message it holds.
fn add_schema(
    message: &MessageDescriptor,
    answer: bool,
    schemas: &mut Map<String, Value>,
    seen: &mut BTreeSet<String>,
) {
    if well_known(message).is_some() || !seen.insert(message.full_name().to_owned()) {
        return;
    }
    let mut properties = Map::new();
    let mut required = Vec::new();
    let mut one_of_only = message.fields().len() > 0;
    for field in message.fields() {
        let mut schema = field_schema(&field);
        if let Some(text) = comment(&field.parent_file(), field.path()) {
            schema = with_description(schema, text);
        }
        if !answer {
            // The proto3 JSON mapping reads `null` as the field's default.
            schema = nullable(schema);
        }
        properties.insert(field.json_name().to_owned(), schema);
        if answer && !field.supports_presence() {
            required.push(json!(field.json_name()));
        }
        one_of_only &= field.containing_oneof().is_some();
        let nested = match field.kind() {
            Kind::Message(nested) if field.is_map() => nested.map_entry_value_field().kind(),
            kind => kind,
        };
        if let Kind::Message(nested) = nested {
            add_schema(&nested, answer, schemas, seen);
        }
    }
    let mut schema = json!({
        "type": "object",
        "properties": properties,
        "additionalProperties": false,
    });
    if !required.is_empty() {
        schema["required"] = Value::Array(required);
    }
    if one_of_only {
        schema["maxProperties"] = json!(1);
    }
    if let Some(text) = comment(&message.parent_file(), message.path()) {
        schema["description"] = json!(text);
    }
    schemas.insert(message.full_name().to_owned(), schema);
}

/// A `$ref` cannot have siblings in OpenAPI 3.0: a described reference is
/// wrapped in `allOf`.
fn with_description(schema: Value, text: String) -> Value {
    if schema.get("$ref").is_some() {
        json!({"allOf": [schema], "description": text})
    } else {
        let mut schema = schema;
        schema["description"] = json!(text);
        schema
    }
}

/// `schema`, `null` allowed as well.
fn nullable(schema: Value) -> Value {
    let mut schema = if schema.get("$ref").is_some() {
        json!({"allOf": [schema]})
    } else {
        schema
    };
    schema["nullable"] = json!(true);
    schema
}

/// The schema of one field's JSON value.
pub(crate) fn field_schema(field: &FieldDescriptor) -> Value {
    if field.is_map()
        && let Kind::Message(entry) = field.kind()
    {
        return json!({
            "type": "object",
            "additionalProperties": kind_schema(&entry.map_entry_value_field().kind()),
        });
    }
    let item = kind_schema(&field.kind());
    if field.is_list() {
        json!({"type": "array", "items": item})
    } else {
        item
    }
}

/// The schema of one value of `kind`, as the proto3 JSON mapping writes it.
pub(crate) fn kind_schema(kind: &Kind) -> Value {
    match kind {
        Kind::Double | Kind::Float => json!({"type": "number"}),
        Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => {
            json!({"type": "integer", "format": "int32"})
        }
        Kind::Uint32 | Kind::Fixed32 => {
            json!({"type": "integer", "format": "int64", "minimum": 0, "maximum": u32::MAX})
        }
        Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => {
            json!({"type": "string", "format": "int64", "pattern": "^-?[0-9]+$"})
        }
        Kind::Uint64 | Kind::Fixed64 => {
            json!({"type": "string", "format": "uint64", "pattern": "^[0-9]+$"})
        }
        Kind::Bool => json!({"type": "boolean"}),
        Kind::String => json!({"type": "string"}),
        Kind::Bytes => json!({"type": "string", "format": "byte"}),
        Kind::Enum(e) => json!({
            "type": "string",
            "enum": e.values().map(|v| v.name().to_owned()).collect::<Vec<_>>(),
        }),
        Kind::Message(m) => well_known(m).unwrap_or_else(|| reference(m)),
    }
}

/// The schema of a well-known type with a JSON form of its own.
fn well_known(message: &MessageDescriptor) -> Option<Value> {
    match message.full_name() {
        "google.protobuf.Timestamp" => Some(json!({"type": "string", "format": "date-time"})),
        "google.protobuf.Duration" => {
            Some(json!({"type": "string", "pattern": "^-?[0-9]+(\\.[0-9]+)?s$"}))
        }
        name if name.starts_with("google.protobuf.") => Some(json!({})),
        _ => None,
    }
}

/// The error answer.
fn error_schema() -> Value {
    json!({
        "type": "object",
        "required": ["error"],
        "properties": {"error": {
            "type": "object",
            "required": ["code", "status", "message"],
            "properties": {
                "code": {"type": "integer", "description": "The HTTP status."},
                "status": {"type": "string", "description": "The gRPC status name, such as INVALID_ARGUMENT."},
                "message": {"type": "string", "description": "What went wrong, naming the field or setting."},
                "field": {"type": "string", "description": "For a body that is not the message's JSON: the JSON path of the fault."},
            },
        }},
    })
}

/// The comment before the element at `path` of `file`, if it has one.
fn comment(file: &FileDescriptor, path: &[i32]) -> Option<String> {
    let info = file.file_descriptor_proto().source_code_info.as_ref()?;
    let location = info.location.iter().find(|l| l.path == path)?;
    let text = location.leading_comments.as_deref()?;
    let text = text
        .lines()
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ")
        .trim()
        .to_owned();
    (!text.is_empty()).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_describes_each_route_and_message() {
        let codec = super::super::codec::JsonCodec::new().unwrap();
        let doc = document(codec.pool(), 1024).unwrap();
        for route in Route::ALL {
            assert!(doc["paths"][route.path()].is_object(), "{}", route.path());
        }
        let schemas = &doc["components"]["schemas"];
        let request = &schemas["tollgate.v1.AuthorizeRequest"];
        assert_eq!(request["properties"]["resourceAccount"]["type"], "string");
        assert_eq!(
            request["properties"]["context"]["additionalProperties"]["$ref"],
            "#/components/schemas/tollgate.v1.ContextValues"
        );
        assert!(request.get("required").is_none());
        let status = &schemas["tollgate.v1.PolicyStatus"];
        assert_eq!(status["properties"]["loadedAt"]["format"], "date-time");
        assert_eq!(status["properties"]["principals"]["type"], "string");
        assert!(
            status["required"]
                .as_array()
                .unwrap()
                .contains(&json!("revision"))
        );
        assert_eq!(schemas["tollgate.v1.ContextValue"]["maxProperties"], 1);
        assert!(
            request["description"]
                .as_str()
                .is_some_and(|d| d.contains("authorization question")),
            "{request}"
        );
    }
}
