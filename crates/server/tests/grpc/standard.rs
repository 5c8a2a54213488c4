//! The standard services beside the API: `grpc.health.v1.Health` and server
//! reflection, `v1` and `v1alpha`.

use prost::Message as _;
use tokio_stream::StreamExt as _;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_reflection::pb::{v1, v1alpha};

use crate::support::TestServer;

const EXPECTED_SERVICES: [&str; 4] = [
    "tollgate.v1.Authorizer",
    "envoy.service.auth.v3.Authorization",
    "grpc.health.v1.Health",
    "grpc.reflection.v1.ServerReflection",
];

#[tokio::test]
async fn health_reports_serving() {
    let server = TestServer::with_test_store().await;
    let mut health = HealthClient::new(server.channel().await);
    for service in ["", "tollgate.v1.Authorizer"] {
        let answer = health
            .check(HealthCheckRequest {
                service: service.to_owned(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(answer.status(), ServingStatus::Serving, "{service:?}");
    }
    let mut watch = health
        .watch(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    let first = watch.next().await.unwrap().unwrap();
    assert_eq!(first.status(), ServingStatus::Serving);
    // An open Watch stream holds graceful shutdown until it ends.
    drop(watch);
    server.stop().await;
}

#[tokio::test]
async fn reflection_v1_lists_and_describes_the_services() {
    use v1::server_reflection_client::ServerReflectionClient;
    use v1::server_reflection_request::MessageRequest;
    use v1::server_reflection_response::MessageResponse;

    let server = TestServer::with_test_store().await;
    let mut client = ServerReflectionClient::new(server.channel().await);
    let requests = [
        MessageRequest::ListServices(String::new()),
        MessageRequest::FileContainingSymbol("tollgate.v1.Authorizer".into()),
        MessageRequest::FileByFilename("google/protobuf/timestamp.proto".into()),
        MessageRequest::FileContainingSymbol("envoy.service.auth.v3.Authorization".into()),
    ]
    .map(|message| v1::ServerReflectionRequest {
        host: String::new(),
        message_request: Some(message),
    });
    let mut responses = client
        .server_reflection_info(tokio_stream::iter(requests))
        .await
        .unwrap()
        .into_inner();

    let Some(MessageResponse::ListServicesResponse(list)) =
        responses.next().await.unwrap().unwrap().message_response
    else {
        panic!("expected a service list");
    };
    let names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    for expected in EXPECTED_SERVICES {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} not in {names:?}"
        );
    }

    let Some(MessageResponse::FileDescriptorResponse(files)) =
        responses.next().await.unwrap().unwrap().message_response
    else {
        panic!("expected the file of tollgate.v1.Authorizer");
    };
    let file = prost_types::FileDescriptorProto::decode(files.file_descriptor_proto[0].as_slice())
        .unwrap();
    assert_eq!(file.name(), "tollgate/v1/authorizer.proto");
    let service = &file.service[0];
    let methods: Vec<&str> = service.method.iter().map(|m| m.name()).collect();
    assert_eq!(
        methods,
        [
            "Authorize",
            "AuthorizeBatch",
            "Simulate",
            "GetPolicyStatus",
            "AuthorizeStream",
            "PlanResources"
        ]
    );

    // The import that PolicyStatus needs is served too.
    let Some(MessageResponse::FileDescriptorResponse(files)) =
        responses.next().await.unwrap().unwrap().message_response
    else {
        panic!("expected google/protobuf/timestamp.proto");
    };
    assert_eq!(files.file_descriptor_proto.len(), 1);

    // Envoy's ext_authz service, which the listener serves too, is described
    // with its imports (what grpcurl needs to call Check).
    let Some(MessageResponse::FileDescriptorResponse(files)) =
        responses.next().await.unwrap().unwrap().message_response
    else {
        panic!("expected the file of envoy.service.auth.v3.Authorization");
    };
    let files: Vec<prost_types::FileDescriptorProto> = files
        .file_descriptor_proto
        .iter()
        .map(|bytes| prost_types::FileDescriptorProto::decode(bytes.as_slice()).unwrap())
        .collect();
    let service_file = files
        .iter()
        .find(|f| f.name() == "envoy/service/auth/v3/external_auth.proto")
        .unwrap_or_else(|| {
            panic!(
                "no external_auth.proto in {:?}",
                files.iter().map(|f| f.name()).collect::<Vec<_>>()
            )
        });
    let methods: Vec<&str> = service_file.service[0]
        .method
        .iter()
        .map(|m| m.name())
        .collect();
    assert_eq!(methods, ["Check"]);
    server.stop().await;
}

#[tokio::test]
async fn reflection_v1alpha_lists_the_services() {
    use v1alpha::server_reflection_client::ServerReflectionClient;
    use v1alpha::server_reflection_request::MessageRequest;
    use v1alpha::server_reflection_response::MessageResponse;

    let server = TestServer::with_test_store().await;
    let mut client = ServerReflectionClient::new(server.channel().await);
    let request = v1alpha::ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut responses = client
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .unwrap()
        .into_inner();
    let Some(MessageResponse::ListServicesResponse(list)) =
        responses.next().await.unwrap().unwrap().message_response
    else {
        panic!("expected a service list");
    };
    let names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    for expected in [
        "tollgate.v1.Authorizer",
        "envoy.service.auth.v3.Authorization",
        "grpc.health.v1.Health",
        "grpc.reflection.v1alpha.ServerReflection",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} not in {names:?}"
        );
    }
    server.stop().await;
}
