//! Envoy's `envoy.service.auth.v3.Authorization/Check` against a real
//! server: the photos example (`examples/mesh/`: mapping and store), real
//! `CheckRequest`s from the `envoy-types` client. Allowed requests get the
//! configured headers; denials are 403 with a JSON body; anything that
//! cannot be decided is denied too (fail closed).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod harness;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use envoy_types::pb::envoy::config::core::v3::address::Address;
use envoy_types::pb::envoy::config::core::v3::{self as core, SocketAddress};
use envoy_types::pb::envoy::service::auth::v3::attribute_context::{HttpRequest, Peer, Request};
use envoy_types::pb::envoy::service::auth::v3::authorization_client::AuthorizationClient;
use envoy_types::pb::envoy::service::auth::v3::check_response::HttpResponse;
use envoy_types::pb::envoy::service::auth::v3::{AttributeContext, CheckRequest, CheckResponse};
use harness::{Running, channel, http_get, test_config};
use tokio_stream::wrappers::TcpListenerStream;
use tollgate_mesh::MeshConfig;
use tollgate_server::config::{ConfigLayer, MeshMapping, ServeConfig};
use tollgate_server::grpc::{ServiceOptions, services_with};
use tollgate_server::state::PolicyState;
use tonic::transport::Channel;

const ALICE: &str = "arn:aws:iam::111122223333:user/alice";
const FRONTEND: &str = "spiffe://cluster.local/ns/photos/sa/frontend";

fn example(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/mesh")
        .join(relative)
}

fn mapping(text: Option<&str>) -> MeshMapping {
    let path = example("mapping.toml");
    let config = match text {
        Some(text) => MeshConfig::from_toml(text).unwrap(),
        None => MeshConfig::load(&path).unwrap(),
    };
    MeshMapping {
        path,
        config: Arc::new(config),
    }
}

fn config_with(mesh: Option<MeshMapping>) -> ServeConfig {
    ServeConfig {
        mesh,
        ..test_config(&example("store"))
    }
}

async fn check_client(addr: SocketAddr) -> AuthorizationClient<Channel> {
    AuthorizationClient::new(channel(addr).await)
}

/// A `CheckRequest` as Envoy sends it.
fn check(method: &str, path: &str, headers: &[(&str, &str)], peer: Option<&str>) -> CheckRequest {
    CheckRequest {
        attributes: Some(AttributeContext {
            source: Some(Peer {
                address: Some(core::Address {
                    address: Some(Address::SocketAddress(SocketAddress {
                        address: "10.1.2.3".to_owned(),
                        ..SocketAddress::default()
                    })),
                }),
                principal: peer.unwrap_or_default().to_owned(),
                ..Peer::default()
            }),
            request: Some(Request {
                time: None,
                http: Some(HttpRequest {
                    id: "envoy-id-1".to_owned(),
                    method: method.to_owned(),
                    path: path.to_owned(),
                    scheme: "https".to_owned(),
                    host: "photos.example".to_owned(),
                    headers: headers
                        .iter()
                        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                        .collect(),
                    ..HttpRequest::default()
                }),
            }),
            ..AttributeContext::default()
        }),
    }
}

async fn ask(client: &mut AuthorizationClient<Channel>, request: CheckRequest) -> CheckResponse {
    client.check(request).await.unwrap().into_inner()
}

/// The headers an allowed response adds; panics on a denial.
fn allowed(response: &CheckResponse) -> HashMap<String, String> {
    assert_eq!(
        response.status.as_ref().map(|s| s.code),
        Some(0),
        "{response:?}"
    );
    let Some(HttpResponse::OkResponse(ok)) = &response.http_response else {
        panic!("expected an OK response: {response:?}");
    };
    ok.headers
        .iter()
        .map(|h| {
            let header = h.header.as_ref().unwrap();
            (header.key.clone(), header.value.clone())
        })
        .collect()
}

/// The HTTP status and JSON body of a denial; panics when allowed.
fn denied(response: &CheckResponse) -> (i32, serde_json::Value) {
    let Some(HttpResponse::DeniedResponse(denied)) = &response.http_response else {
        panic!("expected a denial: {response:?}");
    };
    let status = response.status.as_ref().unwrap().code;
    assert_ne!(status, 0, "a denial has a non-OK status");
    let content_type = denied
        .headers
        .iter()
        .find_map(|h| h.header.as_ref().filter(|h| h.key == "content-type"))
        .map(|h| h.value.clone());
    assert_eq!(content_type.as_deref(), Some("application/json"));
    let code = denied.status.as_ref().unwrap().code;
    (code, serde_json::from_str(&denied.body).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allowed_explicitly_and_implicitly_denied() {
    let server = Running::start(config_with(Some(mapping(None)))).await;
    let mut client = check_client(server.grpc).await;
    let revision = server
        .state
        .current()
        .as_ref()
        .unwrap()
        .store
        .revision()
        .to_owned();

    // Allowed: the configured headers are added.
    let response = ask(
        &mut client,
        check("GET", "/photos/42?size=s", &[("x-jwt-sub", "alice")], None),
    )
    .await;
    let headers = allowed(&response);
    assert_eq!(headers["x-tollgate-revision"], revision);
    assert_eq!(headers["x-tollgate-principal"], ALICE);
    assert_eq!(headers["x-tollgate-action"], "photos:GetPhoto");
    assert!(
        !headers.contains_key("x-tollgate-decisive"),
        "not asked to explain"
    );

    // The workload identity when no JWT subject is forwarded.
    let response = ask(
        &mut client,
        check("GET", "/originals/2024/06/a.jpg", &[], Some(FRONTEND)),
    )
    .await;
    assert_eq!(
        allowed(&response)["x-tollgate-principal"],
        "arn:aws:sts::111122223333:assumed-role/frontend/photos"
    );

    // Explicit deny, with the request id Envoy forwarded.
    let response = ask(
        &mut client,
        check(
            "DELETE",
            "/photos/locked-7",
            &[("x-jwt-sub", "alice"), ("x-request-id", "req-123")],
            None,
        ),
    )
    .await;
    let (code, body) = denied(&response);
    assert_eq!(code, 403);
    assert_eq!(
        response.status.as_ref().unwrap().code,
        tonic::Code::PermissionDenied as i32
    );
    assert_eq!(body["decision"], "EXPLICIT_DENY");
    assert_eq!(body["request_id"], "req-123");
    assert!(body.get("decisive").is_none(), "not asked to explain");
    let response = ask(
        &mut client,
        check("DELETE", "/photos/1", &[], Some(FRONTEND)),
    )
    .await;
    assert_eq!(denied(&response).1["decision"], "EXPLICIT_DENY");

    // Implicit deny; the id falls back to Envoy's `http.id`.
    let response = ask(
        &mut client,
        check("GET", "/photos/42", &[("x-jwt-sub", "bob")], None),
    )
    .await;
    let (code, body) = denied(&response);
    assert_eq!(
        (code, &body["decision"]),
        (403, &serde_json::json!("IMPLICIT_DENY"))
    );
    assert_eq!(body["request_id"], "envoy-id-1");
    // An unknown user is no one: implicit deny.
    let response = ask(
        &mut client,
        check("GET", "/photos/42", &[("x-jwt-sub", "mallory")], None),
    )
    .await;
    assert_eq!(denied(&response).1["decision"], "IMPLICIT_DENY");

    // Context keys from headers: uploads only for tenant acme.
    let acme = ask(
        &mut client,
        check(
            "POST",
            "/photos",
            &[("x-jwt-sub", "alice"), ("x-tenant", "acme")],
            None,
        ),
    )
    .await;
    allowed(&acme);
    let other = ask(
        &mut client,
        check(
            "POST",
            "/photos",
            &[("x-jwt-sub", "alice"), ("x-tenant", "evil")],
            None,
        ),
    )
    .await;
    assert_eq!(denied(&other).1["decision"], "IMPLICIT_DENY");

    // Counted by outcome.
    let (_, metrics) = http_get(server.admin, "/metrics").await;
    for outcome in ["allowed", "explicit_deny", "implicit_deny"] {
        assert!(
            metrics.contains(&format!(
                "tollgate_ext_authz_checks_total{{outcome=\"{outcome}\"}}"
            )),
            "{outcome} missing in\n{metrics}"
        );
    }
    assert!(metrics.contains("tollgate_ext_authz_check_duration_seconds"));
    server.join().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unmapped_routes_deny_by_default_and_allow_when_configured() {
    let server = Running::start(config_with(Some(mapping(None)))).await;
    let mut client = check_client(server.grpc).await;
    for (method, path) in [
        ("PUT", "/photos/1"),
        ("GET", "/admin"),
        ("GET", "/photos/1/comments"),
    ] {
        let response = ask(
            &mut client,
            check(method, path, &[("x-jwt-sub", "alice")], None),
        )
        .await;
        let (code, body) = denied(&response);
        assert_eq!(
            (code, &body["decision"]),
            (403, &serde_json::json!("UNMAPPED")),
            "{method} {path}"
        );
    }
    server.join().await.unwrap();

    let text = std::fs::read_to_string(example("mapping.toml")).unwrap();
    let open = text.replace("unmapped = \"deny\"", "unmapped = \"allow\"");
    let server = Running::start(config_with(Some(mapping(Some(&open))))).await;
    let mut client = check_client(server.grpc).await;
    let response = ask(&mut client, check("GET", "/admin", &[], None)).await;
    assert!(
        allowed(&response).is_empty(),
        "nothing is added to an unmapped request"
    );
    // A mapped route is still decided.
    let response = ask(
        &mut client,
        check("GET", "/photos/1", &[("x-jwt-sub", "bob")], None),
    )
    .await;
    assert_eq!(denied(&response).1["decision"], "IMPLICIT_DENY");
    // A path that is refused is denied even so: `..` cannot reach the
    // unmapped allowance.
    let response = ask(
        &mut client,
        check("DELETE", "/photos/%2e%2e/photos/1", &[], Some(FRONTEND)),
    )
    .await;
    assert_eq!(denied(&response).1["decision"], "UNMAPPABLE");
    server.join().await.unwrap();
}

/// Method, path, headers, peer, and a part of the expected reason.
type UnmappableCase = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
    Option<&'static str>,
    &'static str,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_and_unmappable_requests_are_denied() {
    let server = Running::start(config_with(Some(mapping(None)))).await;
    let mut client = check_client(server.grpc).await;

    let response = ask(&mut client, CheckRequest::default()).await;
    let (code, body) = denied(&response);
    assert_eq!(
        (code, &body["decision"]),
        (403, &serde_json::json!("MALFORMED"))
    );
    assert!(
        body["reason"]
            .as_str()
            .unwrap()
            .contains("attributes.request.http")
    );
    assert!(
        body["request_id"]
            .as_str()
            .unwrap()
            .starts_with("tollgate-"),
        "{body}"
    );

    let cases: &[UnmappableCase] = &[
        (
            "GET",
            "/photos/1",
            &[("x-jwt-sub", "alice/../admin")],
            None,
            "not a valid name for a principal",
        ),
        ("GET", "/photos/1", &[], None, "no principal"),
        (
            "GET",
            "/photos/1",
            &[],
            Some("spiffe://evil.example/ns/photos/sa/frontend"),
            "matches no [[principal.spiffe]]",
        ),
        (
            "GET",
            "/photos//1",
            &[("x-jwt-sub", "alice")],
            None,
            "empty segment",
        ),
        (
            "GET",
            "/photos/a%2Fb",
            &[("x-jwt-sub", "alice")],
            None,
            "encoded `/`",
        ),
        (
            "",
            "/photos/1",
            &[("x-jwt-sub", "alice")],
            None,
            "no method",
        ),
    ];
    for (method, path, headers, peer, reason) in cases {
        let response = ask(&mut client, check(method, path, headers, *peer)).await;
        let (code, body) = denied(&response);
        assert_eq!(code, 403, "{path}");
        assert_eq!(body["decision"], "UNMAPPABLE", "{path}");
        assert!(
            body["reason"].as_str().unwrap().contains(reason),
            "{path}: {body}"
        );
    }
    let (_, metrics) = http_get(server.admin, "/metrics").await;
    for outcome in ["malformed", "unmappable"] {
        assert!(metrics.contains(&format!(
            "tollgate_ext_authz_checks_total{{outcome=\"{outcome}\"}}"
        )));
    }
    server.join().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explain_only_when_configured_and_asked() {
    let server = Running::start(config_with(Some(mapping(None)))).await;
    let mut client = check_client(server.grpc).await;
    let explain = ("x-tollgate-explain", "1");
    let response = ask(
        &mut client,
        check(
            "DELETE",
            "/photos/locked-7",
            &[("x-jwt-sub", "alice"), explain],
            None,
        ),
    )
    .await;
    let (_, body) = denied(&response);
    assert_eq!(body["decision"], "EXPLICIT_DENY");
    assert_eq!(body["principal"], ALICE);
    assert_eq!(body["action"], "photos:DeletePhoto");
    assert_eq!(body["resource"], "arn:app:photos:::photo/locked-7");
    assert_eq!(body["decisive"][0]["sid"], "KeepLocked");
    assert_eq!(body["decisive"][0]["effect"], "Deny");

    let response = ask(
        &mut client,
        check("GET", "/photos/1", &[("x-jwt-sub", "alice"), explain], None),
    )
    .await;
    let decisive = &allowed(&response)["x-tollgate-decisive"];
    assert!(decisive.contains("(ManagePhotos)"), "{decisive}");

    // An implicit deny says why, in the words of `tollgate check --explain`.
    let response = ask(
        &mut client,
        check("GET", "/photos/42", &[("x-jwt-sub", "bob"), explain], None),
    )
    .await;
    let (_, body) = denied(&response);
    assert_eq!(body["decision"], "IMPLICIT_DENY");
    let explanation = &body["explanation"];
    let first = explanation["unmet"][0]["text"].as_str().unwrap_or_default();
    assert!(!first.is_empty(), "{body}");
    assert_eq!(explanation["lines"][0].as_str(), Some(first), "{body}");
    server.join().await.unwrap();

    // Without `explain-header`, the header asks for nothing.
    let text = std::fs::read_to_string(example("mapping.toml")).unwrap();
    let quiet = text.replace("explain-header = \"x-tollgate-explain\"", "");
    let server = Running::start(config_with(Some(mapping(Some(&quiet))))).await;
    let mut client = check_client(server.grpc).await;
    let response = ask(
        &mut client,
        check(
            "DELETE",
            "/photos/locked-7",
            &[("x-jwt-sub", "alice"), explain],
            None,
        ),
    )
    .await;
    let (_, body) = denied(&response);
    assert_eq!(body["decision"], "EXPLICIT_DENY");
    assert!(
        body.get("decisive").is_none() && body.get("principal").is_none(),
        "{body}"
    );
    let response = ask(
        &mut client,
        check("GET", "/photos/1", &[("x-jwt-sub", "alice"), explain], None),
    )
    .await;
    assert!(!allowed(&response).contains_key("x-tollgate-decisive"));
    server.join().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_separate_listener_serves_check_and_health_only() {
    let config = ServeConfig {
        ext_authz_listen: Some(SocketAddr::from(([127, 0, 0, 1], 0))),
        ..config_with(Some(mapping(None)))
    };
    let server = Running::start(config).await;
    let addr = server.ext_authz.expect("the ext_authz listener is bound");
    assert_ne!(addr, server.grpc);
    let mut client = check_client(addr).await;
    let response = ask(
        &mut client,
        check("GET", "/photos/1", &[("x-jwt-sub", "alice")], None),
    )
    .await;
    allowed(&response);

    let mut health = tonic_health::pb::health_client::HealthClient::new(channel(addr).await);
    let status = health
        .check(tonic_health::pb::HealthCheckRequest {
            service: "envoy.service.auth.v3.Authorization".to_owned(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        status.status(),
        tonic_health::pb::health_check_response::ServingStatus::Serving
    );

    // The Authorizer is not served there.
    let mut authorizer = harness::connect(addr).await;
    let error = authorizer
        .authorize(harness::photo_request())
        .await
        .unwrap_err();
    assert_eq!(error.code(), tonic::Code::Unimplemented);
    server.join().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_mapping_every_check_is_denied() {
    let server = Running::start(config_with(None)).await;
    let mut client = check_client(server.grpc).await;
    let response = ask(
        &mut client,
        check("GET", "/photos/1", &[("x-jwt-sub", "alice")], None),
    )
    .await;
    let (code, body) = denied(&response);
    assert_eq!(
        (code, &body["decision"]),
        (403, &serde_json::json!("NOT_CONFIGURED"))
    );
    server.join().await.unwrap();
}

#[tokio::test]
async fn not_ready_is_503() {
    let state = Arc::new(PolicyState::empty());
    let services = services_with(
        state,
        ServiceOptions {
            mesh: Some(mapping(None).config),
            ..ServiceOptions::default()
        },
    )
    .await
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(
        tonic::transport::Server::builder()
            .add_routes(services.routes)
            .serve_with_incoming_shutdown(TcpListenerStream::new(listener), async {
                let _ = stopped.await;
            }),
    );
    let mut client = check_client(addr).await;
    let response = ask(
        &mut client,
        check("GET", "/photos/1", &[("x-jwt-sub", "alice")], None),
    )
    .await;
    let (code, body) = denied(&response);
    assert_eq!(
        (code, &body["decision"]),
        (503, &serde_json::json!("NOT_READY"))
    );
    assert_eq!(
        response.status.unwrap().code,
        tonic::Code::Unavailable as i32
    );
    stop.send(()).unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(5), task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
}

#[test]
fn a_bad_mapping_file_is_a_config_error_listing_every_fault() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mapping.toml");
    std::fs::write(
        &file,
        "[[route]]\nmethod = \"get\"\npath = \"/a/{id}\"\naction = \"x\"\nresource = \"arn:a:b:::{idd}\"\n",
    )
    .unwrap();
    let layer = ConfigLayer {
        mesh_config: Some(file.clone()),
        ext_authz_listen: Some("127.0.0.1:9090".to_owned()),
        ..ConfigLayer::default()
    };
    let faults = ServeConfig::from_layer(layer).unwrap_err().faults;
    let prefix = format!("`mesh-config` `{}`: ", file.display());
    assert_eq!(
        faults,
        [
            format!(
                "{prefix}principal: no source: add a [[principal.header]] or [[principal.spiffe]], or set `anonymous = true`"
            ),
            format!(
                "{prefix}route[0].method: expected an upper-case HTTP method such as `GET`, or `*`, found `get`"
            ),
            format!(
                "{prefix}route[0].action: expected `service:Name` (such as `photos:GetPhoto`), found `x`"
            ),
            format!("{prefix}route[0].resource: unknown capture `{{idd}}` (known: {{id}})"),
            "`ext-authz-listen` and `admin-listen` are the same address `127.0.0.1:9090`"
                .to_owned(),
        ]
    );
    let good = ConfigLayer::from_toml(&format!(
        "mesh-config = {:?}\next-authz-listen = \"127.0.0.1:50052\"\n",
        example("mapping.toml")
    ))
    .unwrap();
    let config = ServeConfig::from_layer(good).unwrap();
    assert_eq!(config.mesh.unwrap().config.routes().len(), 5);
    assert_eq!(
        config.ext_authz_listen,
        Some(SocketAddr::from(([127, 0, 0, 1], 50052)))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checks_are_written_to_the_audit_log_under_envoys_request_id() {
    use tollgate_server::audit::{AuditSettings, AuditSink};

    let logs = tempfile::tempdir().unwrap();
    let path = logs.path().join("audit.log");
    let mut config = config_with(Some(mapping(None)));
    config.audit = Some(AuditSettings::new(AuditSink::File(path.clone())));
    let server = Running::start(config).await;
    let mut client = check_client(server.grpc).await;
    let allowed = check(
        "GET",
        "/photos/42",
        &[("x-jwt-sub", "alice"), ("x-request-id", "envoy-1")],
        None,
    );
    ask(&mut client, allowed).await;
    // Unmapped: no decision was made, so nothing is recorded.
    ask(
        &mut client,
        check("GET", "/nowhere", &[("x-request-id", "envoy-2")], None),
    )
    .await;
    server.join().await.unwrap();

    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 1, "{text}");
    assert_eq!(lines[0]["requestId"], "envoy-1");
    assert_eq!(lines[0]["principal"], ALICE);
    assert_eq!(lines[0]["action"], "photos:GetPhoto");
    assert_eq!(lines[0]["decision"], "allowed");
}
