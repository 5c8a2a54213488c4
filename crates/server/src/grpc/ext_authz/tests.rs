use std::collections::HashMap;
use std::sync::Arc;

use envoy_types::pb::envoy::config::core::v3::address::Address;
use envoy_types::pb::envoy::config::core::v3::{
    self as core, HeaderMap, HeaderValue, SocketAddress,
};
use envoy_types::pb::envoy::service::auth::v3::attribute_context::{HttpRequest, Peer, Request};
use envoy_types::pb::envoy::service::auth::v3::{AttributeContext, CheckRequest};
use envoy_types::pb::google::protobuf::Timestamp;

use super::read::{ReadError, incoming, new_request_id};
use super::{ExtAuthzService, NOT_CONFIGURED, Outcome};
use crate::state::PolicyState;

fn check(http: HttpRequest, peer: Option<Peer>) -> CheckRequest {
    CheckRequest {
        attributes: Some(AttributeContext {
            source: peer,
            request: Some(Request {
                time: Some(Timestamp {
                    seconds: 1_795_352_400,
                    nanos: 0,
                }),
                http: Some(http),
            }),
            ..AttributeContext::default()
        }),
    }
}

#[test]
fn reads_raw_headers_peer_and_time() {
    let raw = |key: &str, value: &str| HeaderValue {
        key: key.to_owned(),
        raw_value: value.as_bytes().to_vec(),
        ..HeaderValue::default()
    };
    let message = check(
        HttpRequest {
            method: "GET".to_owned(),
            path: "/a?b".to_owned(),
            scheme: "http".to_owned(),
            header_map: Some(HeaderMap {
                headers: vec![raw("x-a", "1"), raw("X-A", "2"), raw("x-request-id", "r-1")],
            }),
            ..HttpRequest::default()
        },
        Some(Peer {
            address: Some(core::Address {
                address: Some(Address::SocketAddress(SocketAddress {
                    address: "10.0.0.9".to_owned(),
                    ..SocketAddress::default()
                })),
            }),
            principal: "spiffe://td/x".to_owned(),
            ..Peer::default()
        }),
    );
    let incoming = incoming(&message).unwrap();
    let http = incoming.http();
    assert_eq!(http.headers.get("x-a").map(String::as_str), Some("1,2"));
    assert_eq!(incoming.request_id(), Some("r-1"));
    assert_eq!(http.source_principal, Some("spiffe://td/x"));
    assert_eq!(http.source_address, Some("10.0.0.9".parse().unwrap()));
    // A client certificate means TLS, whatever the scheme says.
    assert!(http.tls);
    assert_eq!(
        http.time,
        std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_795_352_400)
    );
}

#[test]
fn plain_http_without_a_peer() {
    let message = check(
        HttpRequest {
            method: "GET".to_owned(),
            path: "/".to_owned(),
            scheme: "http".to_owned(),
            id: "envoy-id".to_owned(),
            headers: HashMap::from([("x".to_owned(), "y".to_owned())]),
            ..HttpRequest::default()
        },
        None,
    );
    let incoming = incoming(&message).unwrap();
    assert!(!incoming.http().tls);
    assert_eq!(incoming.http().source_principal, None);
    assert_eq!(incoming.request_id(), Some("envoy-id"));
}

#[test]
fn a_check_without_http_is_malformed() {
    assert_eq!(
        incoming(&CheckRequest::default()).unwrap_err(),
        ReadError::NoHttp
    );
    let service = ExtAuthzService::new(
        Arc::new(PolicyState::empty()),
        Some(Arc::new(
            tollgate_mesh::MeshConfig::from_toml(
                "[principal]\nanonymous = true\n[[route]]\nmethod = \"*\"\npath = \"/\"\naction = \"a:B\"\nresource = \"*\"\n",
            )
            .unwrap(),
        )),
    );
    assert_eq!(
        service.answer(&CheckRequest::default()).1,
        Outcome::Malformed
    );
    // Well formed, but nothing is loaded yet.
    let ready_check = check(
        HttpRequest {
            method: "GET".to_owned(),
            path: "/".to_owned(),
            ..HttpRequest::default()
        },
        None,
    );
    assert_eq!(service.answer(&ready_check).1, Outcome::NotReady);
}

#[test]
fn without_a_mapping_everything_is_denied() {
    let service = ExtAuthzService::new(Arc::new(PolicyState::empty()), None);
    let (response, outcome) = service.answer(&CheckRequest::default());
    assert_eq!(outcome, Outcome::NotConfigured);
    let Some(
        envoy_types::pb::envoy::service::auth::v3::check_response::HttpResponse::DeniedResponse(
            denied,
        ),
    ) = response.http_response
    else {
        panic!("a denial");
    };
    assert_eq!(denied.status.map(|s| s.code), Some(403));
    let body: serde_json::Value = serde_json::from_str(&denied.body).unwrap();
    assert_eq!(body["decision"], "NOT_CONFIGURED");
    assert_eq!(body["reason"], NOT_CONFIGURED);
    assert!(
        body["request_id"]
            .as_str()
            .unwrap()
            .starts_with("tollgate-")
    );
}

#[test]
fn request_ids_differ() {
    assert_ne!(new_request_id(), new_request_id());
}

#[test]
fn every_outcome_has_a_label_and_decision() {
    let all = [
        Outcome::Allowed,
        Outcome::ExplicitDeny,
        Outcome::ImplicitDeny,
        Outcome::Unmapped,
        Outcome::UnmappedAllowed,
        Outcome::Unmappable,
        Outcome::Malformed,
        Outcome::NotReady,
        Outcome::NotConfigured,
    ];
    let labels: std::collections::HashSet<_> = all.iter().map(|o| o.label()).collect();
    assert_eq!(labels.len(), all.len());
    for outcome in all {
        assert!(!outcome.decision().is_empty());
        outcome.record(std::time::Duration::from_micros(1));
    }
}
