//! The HTTP/JSON API (`http-listen`) end to end with plain HTTP/1.1
//! requests: each route answers what its gRPC call answers, in the proto3
//! JSON mapping; a body that is not the message's JSON is a 400 naming the
//! JSON path, an oversized one a 413; the request limits, the shared
//! admission permits, the audit log and the metrics are those of gRPC; the
//! OpenAPI document agrees with the proto; the admin UI is off unless
//! `admin-ui` is given.

use std::net::SocketAddr;
use std::time::Duration;

use prost_reflect::{DescriptorPool, Kind, MessageDescriptor};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tollgate_server::audit::{AuditSettings, AuditSink};
use tollgate_server::config::ServeConfig;

use crate::harness::{ALICE, PHOTO, Running, http_get, store_dir, test_config};
use crate::raw::{self, SERIAL};

/// A status, the response headers (lower-cased names) and the body.
struct Answer {
    status: u16,
    headers: String,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// One HTTP/1.1 request on its own connection (`Connection: close`).
async fn send(addr: SocketAddr, head: &str, body: &[u8]) -> Answer {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    read_answer(&mut stream).await
}

async fn read_answer(stream: &mut TcpStream) -> Answer {
    let mut bytes = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut bytes))
        .await
        .expect("answered within 5 s")
        .unwrap();
    let text = String::from_utf8(bytes).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {text}"));
    Answer {
        status,
        headers: head.to_ascii_lowercase(),
        body: body.to_owned(),
    }
}

async fn post(addr: SocketAddr, path: &str, body: &str) -> Answer {
    post_with(addr, path, "content-type: application/json\r\n", body).await
}

async fn post_with(addr: SocketAddr, path: &str, headers: &str, body: &str) -> Answer {
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\n{headers}content-length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    send(addr, &head, body.as_bytes()).await
}

async fn get(addr: SocketAddr, path: &str) -> Answer {
    let head = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    send(addr, &head, b"").await
}

fn http_config(store: &std::path::Path) -> ServeConfig {
    let mut config = test_config(store);
    config.http_listen = Some(SocketAddr::from(([127, 0, 0, 1], 0)));
    config
}

fn photo_json() -> Value {
    json!({"principal": ALICE, "action": "s3:GetObject", "resource": PHOTO})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_route_answers_its_grpc_call_in_json() {
    let _serial = SERIAL.lock().await;
    let dir = store_dir();
    let server = Running::start(http_config(dir.path())).await;
    let http = server.http.unwrap();
    let revision = server
        .state
        .current()
        .as_ref()
        .unwrap()
        .store
        .revision()
        .to_owned();
    let requests = r#"tollgate_http_requests_total{route="authorize",code="200"}"#;
    let before = raw::metric(&server, requests).await;

    let mut question = photo_json();
    question["explain"] = json!(true);
    let answer = post(http, "/v1/authorize", &question.to_string()).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(answer.headers.contains("content-type: application/json"));
    let json = answer.json();
    assert_eq!(json["decision"], "ALLOWED");
    assert_eq!(json["revision"], revision.as_str());
    assert_eq!(json["decisive"][0]["sid"], "A");
    assert_eq!(json["decisive"][0]["effect"], "EFFECT_ALLOW");
    assert_eq!(raw::metric(&server, requests).await, before + 1.0);

    // Proto field names are read too; every answer field is written.
    let other = json!({"principal": ALICE, "action": "s3:PutObject", "resource": PHOTO, "resource_account": ""});
    let batch = json!({"requests": [photo_json(), other]});
    let answer = post(http, "/v1/authorize:batch", &batch.to_string()).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let json = answer.json();
    assert_eq!(json["revision"], revision.as_str());
    assert_eq!(json["responses"][0]["decision"], "ALLOWED");
    assert_eq!(json["responses"][1]["decision"], "IMPLICIT_DENY");
    assert_eq!(json["responses"][1]["decisive"], json!([]));

    let scenario = json!({
        "identityPolicies": [{"Version": "2012-10-17", "Statement": [
            {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}],
        "request": {"principal": ALICE, "action": "s3:GetObject", "resource": PHOTO},
        "expect": "allowed"
    });
    let body = json!({"scenarioJson": scenario.to_string()});
    let answer = post(http, "/v1/simulate", &body.to_string()).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let json = answer.json();
    assert_eq!(json["decision"], "ALLOWED");
    assert_eq!(json["matchesExpectation"], true);
    assert_eq!(json["decisive"][0]["policy"], "identityPolicies[0]");

    let answer = get(http, "/v1/status").await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let json = answer.json();
    assert_eq!(json["ready"], true);
    assert_eq!(json["revision"], revision.as_str());
    assert_eq!(json["principals"], "1", "uint64 is a string in proto3 JSON");
    assert!(json["loadedAt"].as_str().unwrap().ends_with('Z'));

    let answer = get(http, "/v1/authorize").await;
    assert_eq!(answer.status, 405);
    assert!(answer.headers.contains("allow: post"));
    let answer = get(http, "/v1/nothing").await;
    assert_eq!(answer.status, 404);
    assert_eq!(answer.json()["error"]["status"], "NOT_FOUND");
    server.join().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_bodies_are_refused_naming_where() {
    let dir = store_dir();
    let mut config = http_config(dir.path());
    config.limits.max_message_bytes = 2048;
    config.limits.max_batch_size = 2;
    let server = Running::start(config).await;
    let http = server.http.unwrap();

    let cases = [
        (
            r#"{"requests": [{"principal": "p"}, {"principal": 5}]}"#,
            "requests[1].principal",
        ),
        (
            r#"{"requests": [{"context": {"aws:SourceIp": {"values": [{"boolValue": "yes"}]}}}]}"#,
            "requests[0].context.aws:SourceIp.values[0].boolValue",
        ),
        (r#"{"requests": [{"principle": "p"}]}"#, "requests[0]"),
        (r#"{"requests": [{"explain": tru"#, "requests[0].explain"),
    ];
    for (body, path) in cases {
        let answer = post(http, "/v1/authorize:batch", body).await;
        assert_eq!(answer.status, 400, "{body}: {}", answer.body);
        let error = &answer.json()["error"];
        assert_eq!(error["status"], "INVALID_ARGUMENT");
        assert_eq!(error["field"], path, "{body}: {error}");
        assert!(error["message"].as_str().unwrap().contains(path), "{error}");
    }

    // The gRPC call's own checks name the field and the setting.
    let batch = json!({"requests": [photo_json(), photo_json(), photo_json()]});
    let answer = post(http, "/v1/authorize:batch", &batch.to_string()).await;
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert!(answer.body.contains("max-batch-size"), "{}", answer.body);
    let mut bad = photo_json();
    bad["context"] = json!({"aws:SourceIp": {"values": [{}]}});
    let answer = post(http, "/v1/authorize", &bad.to_string()).await;
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert!(answer.body.contains("context"), "{}", answer.body);

    // Over max-message-bytes: refused from its content-length ...
    let big = format!(r#"{{"principal": "{}"}}"#, "a".repeat(4096));
    let answer = post(http, "/v1/authorize", &big).await;
    assert_eq!(answer.status, 413, "{}", answer.body);
    assert!(answer.body.contains("max-message-bytes"));
    // ... and when it comes chunked, without one.
    let head = format!(
        "POST /v1/authorize HTTP/1.1\r\nHost: {http}\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    let chunked = format!("{:x}\r\n{big}\r\n0\r\n\r\n", big.len());
    let answer = send(http, &head, chunked.as_bytes()).await;
    assert_eq!(answer.status, 413, "{}", answer.body);

    let answer = post_with(http, "/v1/authorize", "content-type: text/plain\r\n", "{}").await;
    assert_eq!(answer.status, 415, "{}", answer.body);
    server.join().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admission_is_shared_with_grpc_and_taken_from_the_headers() {
    let _serial = SERIAL.lock().await;
    let dir = store_dir();
    let mut config = http_config(dir.path());
    config.limits.max_in_flight = 1;
    let server = Running::start(config).await;
    let http = server.http.unwrap();
    let overload = r#"tollgate_rejected_total{reason="overload"}"#;
    let before = raw::metric(&server, overload).await;

    // A call whose body has not arrived holds the only permit ...
    let mut slow = TcpStream::connect(http).await.unwrap();
    let head = format!(
        "POST /v1/authorize HTTP/1.1\r\nHost: {http}\r\ncontent-type: application/json\r\ncontent-length: 200\r\n\r\n{{"
    );
    slow.write_all(head.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;

    // ... so another HTTP call and a gRPC call are refused at once.
    let answer = post(http, "/v1/authorize", &photo_json().to_string()).await;
    assert_eq!(answer.status, 429, "{}", answer.body);
    assert!(answer.headers.contains("retry-after: 1"));
    assert!(answer.body.contains("max-in-flight"));
    let mut client = server.client().await;
    let refused = client
        .authorize(crate::harness::photo_request())
        .await
        .unwrap_err();
    assert_eq!(refused.code(), tonic::Code::ResourceExhausted);
    // Status is not admitted: it answers under overload.
    assert_eq!(get(http, "/v1/status").await.status, 200);
    assert_eq!(raw::metric(&server, overload).await, before + 2.0);

    // Once the slow call is answered, its permit is free again.
    drop(slow);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let answer = post(http, "/v1/authorize", &photo_json().to_string()).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    server.join().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_never_arrives_is_answered_at_the_deadline() {
    let dir = store_dir();
    let mut config = http_config(dir.path());
    config.limits.max_call = Duration::from_secs(1);
    let server = Running::start(config).await;
    let http = server.http.unwrap();
    let mut slow = TcpStream::connect(http).await.unwrap();
    let head = format!(
        "POST /v1/authorize HTTP/1.1\r\nHost: {http}\r\ncontent-type: application/json\r\ncontent-length: 200\r\nConnection: close\r\n\r\n{{"
    );
    slow.write_all(head.as_bytes()).await.unwrap();
    let answer = read_answer(&mut slow).await;
    assert_eq!(answer.status, 504, "{}", answer.body);
    assert_eq!(answer.json()["error"]["status"], "DEADLINE_EXCEEDED");
    server.join().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decisions_are_audited_under_the_request_id() {
    let dir = store_dir();
    let logs = tempfile::tempdir().unwrap();
    let path = logs.path().join("audit.log");
    let mut config = http_config(dir.path());
    config.audit = Some(AuditSettings::new(AuditSink::File(path.clone())));
    let server = Running::start(config).await;
    let http = server.http.unwrap();
    let headers = "content-type: application/json\r\nx-request-id: http-7\r\n";
    let answer = post_with(http, "/v1/authorize", headers, &photo_json().to_string()).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let batch = json!({"requests": [photo_json()]}).to_string();
    let headers = "content-type: application/json\r\nx-request-id: http-8\r\n";
    let answer = post_with(http, "/v1/authorize:batch", headers, &batch).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    server.join().await.unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let ids: Vec<String> = text
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap()["requestId"].to_string())
        .collect();
    assert_eq!(ids, [r#""http-7""#, r#""http-8/0""#], "{text}");
}

/// The JSON type the proto3 JSON mapping gives a value of `kind`, from the
/// mapping's own table (not from the document's generator).
fn expected(kind: &Kind) -> (&'static str, Option<String>) {
    match kind {
        Kind::Double | Kind::Float => ("number", None),
        Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 | Kind::Uint32 | Kind::Fixed32 => {
            ("integer", None)
        }
        Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 | Kind::Uint64 | Kind::Fixed64 => {
            ("string", None)
        }
        Kind::Bool => ("boolean", None),
        Kind::String | Kind::Bytes | Kind::Enum(_) => ("string", None),
        Kind::Message(m) if m.full_name() == "google.protobuf.Timestamp" => ("string", None),
        Kind::Message(m) => ("ref", Some(m.full_name().to_owned())),
    }
}

/// Checks the schema of `message` in `doc`, and those of the messages it
/// holds, against the proto.
fn check_message(doc: &Value, message: &MessageDescriptor, checked: &mut Vec<String>) {
    if checked.iter().any(|name| name == message.full_name()) {
        return;
    }
    checked.push(message.full_name().to_owned());
    let schema = &doc["components"]["schemas"][message.full_name()];
    let properties = schema["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("no schema for {}", message.full_name()));
    assert_eq!(
        properties.len(),
        message.fields().len(),
        "{}: the schema's properties are the message's fields",
        message.full_name()
    );
    for field in message.fields() {
        let where_ = format!("{}.{}", message.full_name(), field.json_name());
        let mut property = properties
            .get(field.json_name())
            .unwrap_or_else(|| panic!("{where_} is missing"));
        if let Some(inner) = property.get("allOf") {
            property = &inner[0];
        }
        let (value_kind, value_schema) = if field.is_map() {
            assert_eq!(property["type"], "object", "{where_}");
            let Kind::Message(entry) = field.kind() else {
                panic!("{where_}: a map without an entry")
            };
            (
                entry.map_entry_value_field().kind(),
                &property["additionalProperties"],
            )
        } else if field.is_list() {
            assert_eq!(property["type"], "array", "{where_}");
            (field.kind(), &property["items"])
        } else {
            (field.kind(), property)
        };
        match expected(&value_kind) {
            ("ref", Some(name)) => {
                assert_eq!(
                    value_schema["$ref"],
                    format!("#/components/schemas/{name}"),
                    "{where_}"
                );
                if let Kind::Message(nested) = &value_kind {
                    check_message(doc, nested, checked);
                }
            }
            (json_type, _) => assert_eq!(value_schema["type"], json_type, "{where_}"),
        }
        if let Kind::Enum(e) = value_kind {
            let names: Vec<Value> = e.values().map(|v| json!(v.name())).collect();
            assert_eq!(value_schema["enum"], Value::Array(names), "{where_}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_agrees_with_the_proto() {
    let dir = store_dir();
    let server = Running::start(http_config(dir.path())).await;
    let answer = get(server.http.unwrap(), "/v1/openapi.json").await;
    assert_eq!(answer.status, 200);
    let doc = answer.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let pool = DescriptorPool::decode(tollgate_proto::FILE_DESCRIPTOR_SET).unwrap();
    let service = pool.get_service_by_name("tollgate.v1.Authorizer").unwrap();
    let routes = [
        ("Authorize", "/v1/authorize", "post"),
        ("AuthorizeBatch", "/v1/authorize:batch", "post"),
        ("Simulate", "/v1/simulate", "post"),
        ("GetPolicyStatus", "/v1/status", "get"),
    ];
    let mut checked = Vec::new();
    for (rpc, path, verb) in routes {
        let method = service.methods().find(|m| m.name() == rpc).unwrap();
        let operation = &doc["paths"][path][verb];
        let reference = |message: &MessageDescriptor| {
            json!(format!("#/components/schemas/{}", message.full_name()))
        };
        assert_eq!(
            operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
            reference(&method.output()),
            "{path}"
        );
        check_message(&doc, &method.output(), &mut checked);
        if verb == "post" {
            assert_eq!(
                operation["requestBody"]["content"]["application/json"]["schema"]["$ref"],
                reference(&method.input()),
                "{path}"
            );
            check_message(&doc, &method.input(), &mut checked);
        }
    }
    assert!(checked.len() >= 9, "{checked:?}");
    server.join().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_ui_is_off_unless_asked_for() {
    let dir = store_dir();
    let server = Running::start(test_config(dir.path())).await;
    assert_eq!(http_get(server.admin, "/ui/").await.0, 404);
    assert_eq!(
        post(server.admin, "/v1/simulate", r#"{"scenarioJson": "{}"}"#)
            .await
            .status,
        404
    );
    server.join().await.unwrap();

    let mut config = test_config(dir.path());
    config.admin_ui = true;
    let server = Running::start(config).await;
    let page = get(server.admin, "/ui/").await;
    assert_eq!(page.status, 200);
    assert!(
        page.headers
            .contains("content-security-policy: default-src 'none'")
    );
    assert!(page.body.contains("app.js"));
    for asset in ["/ui/app.js", "/ui/style.css", "/ui/examples.json"] {
        assert_eq!(get(server.admin, asset).await.status, 200, "{asset}");
    }
    let scenario =
        json!({"request": {"principal": ALICE, "action": "s3:GetObject", "resource": PHOTO}});
    let body = json!({"scenarioJson": scenario.to_string()});
    let answer = post(server.admin, "/v1/simulate", &body.to_string()).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.json()["decision"], "IMPLICIT_DENY");
    // Only the simulator's calls: authorize stays on http-listen.
    let answer = post(server.admin, "/v1/authorize", &photo_json().to_string()).await;
    assert_eq!(answer.status, 404);
    server.join().await.unwrap();
}
