use super::{config, headers, http, mapped};
use crate::{MapError, Mapping, MeshConfig, PathError, Unmapped};

const PEER: &str = "spiffe://cluster.local/ns/shop/sa/checkout";
const PEER_ARN: &str = "arn:aws:sts::111122223333:assumed-role/checkout/shop";

#[test]
fn routes_match_in_order_with_captures() {
    let config = config();
    let none = headers(&[]);
    let get = mapped(
        config
            .map(&http("GET", "/photos/42?size=big", &none, Some(PEER)))
            .unwrap(),
    );
    assert_eq!(get.route, 0);
    assert_eq!(get.request.action, "photos:GetPhoto");
    assert_eq!(get.request.resource, "arn:app:photos:::photo/42");

    let delete = mapped(
        config
            .map(&http("DELETE", "/photos/42/", &none, Some(PEER)))
            .unwrap(),
    );
    assert_eq!(delete.route, 1);
    assert_eq!(delete.request.action, "photos:DeletePhoto");

    // `*` takes any method; `{key+}` the rest of the path, decoded per segment.
    let file = mapped(
        config
            .map(&http("PUT", "/files/a/b%2Bc/d.txt", &none, Some(PEER)))
            .unwrap(),
    );
    assert_eq!(file.route, 2);
    assert_eq!(file.request.resource, "arn:app:files:::file/a/b+c/d.txt");
    // A capture with whitespace would name another resource than the one
    // a policy names (` locked-1` is not `locked-1`): unmappable.
    for path in [
        "/photos/%20locked-1",
        "/files/a/b%20c/d.txt",
        "/photos/locked%E2%80%8B-1",
    ] {
        assert!(
            matches!(
                config.map(&http("GET", path, &none, Some(PEER))),
                Err(MapError::Path(_))
            ),
            "{path}"
        );
    }

    let root = mapped(config.map(&http("GET", "/", &none, Some(PEER))).unwrap());
    assert_eq!((root.route, root.request.resource.as_str()), (3, "*"));
}

#[test]
fn no_route_is_unmapped_as_configured() {
    let config = config();
    let none = headers(&[]);
    for (method, path) in [
        ("POST", "/photos/42"),
        ("GET", "/photos"),
        ("GET", "/photos/42/comments"),
        ("GET", "/Photos/42"),
        ("GET", "/files"),
    ] {
        assert_eq!(
            config.map(&http(method, path, &none, None)).unwrap(),
            Mapping::Unmapped(Unmapped::Deny),
            "{method} {path}"
        );
    }
    let allow = MeshConfig::from_toml(&format!(
        "unmapped = \"allow\"\n{}",
        super::MAPPING.replace("unmapped = \"deny\"", "")
    ))
    .unwrap();
    assert_eq!(
        allow.map(&http("POST", "/elsewhere", &none, None)).unwrap(),
        Mapping::Unmapped(Unmapped::Allow)
    );
}

#[test]
fn attacker_paths_do_not_dodge_a_route() {
    let config = config();
    let none = headers(&[]);
    for path in [
        "/photos//42",
        "/photos/../photos/42",
        "/photos/./42",
        "/photos/%2e%2e/42",
        "/photos/42%2F..%2Fsecret",
        "/files/a/../../etc/passwd",
        "photos/42",
        "/photos/42#x",
    ] {
        match config.map(&http("DELETE", path, &none, Some(PEER))) {
            Err(MapError::Path(_)) => {}
            other => panic!("{path}: expected a path error, got {other:?}"),
        }
    }
}

#[test]
fn the_header_principal_comes_first_then_spiffe() {
    let config = config();
    let jwt = headers(&[("x-jwt-sub", "alice")]);
    let by_header = mapped(
        config
            .map(&http("GET", "/photos/1", &jwt, Some(PEER)))
            .unwrap(),
    );
    assert_eq!(
        by_header.request.principal().text(),
        "arn:aws:iam::111122223333:user/alice"
    );
    assert_eq!(by_header.principal_source, "header x-jwt-sub");

    let none = headers(&[]);
    let by_peer = mapped(
        config
            .map(&http("GET", "/photos/1", &none, Some(PEER)))
            .unwrap(),
    );
    assert_eq!(by_peer.request.principal().text(), PEER_ARN);
    assert_eq!(by_peer.principal_source, "spiffe[0]");
    // The store's derived keys follow from the principal.
    assert!(
        by_peer
            .request
            .context_view()
            .get("aws:PrincipalAccount")
            .is_some()
    );
}

#[test]
fn the_order_can_put_spiffe_first() {
    let text = super::MAPPING.replace(
        "unmapped = \"deny\"",
        "[principal]\norder = [\"spiffe\", \"header\"]",
    );
    let config = MeshConfig::from_toml(&text).unwrap();
    let jwt = headers(&[("x-jwt-sub", "alice")]);
    let by_peer = mapped(
        config
            .map(&http("GET", "/photos/1", &jwt, Some(PEER)))
            .unwrap(),
    );
    assert_eq!(by_peer.request.principal().text(), PEER_ARN);
    let by_header = mapped(config.map(&http("GET", "/photos/1", &jwt, None)).unwrap());
    assert_eq!(by_header.principal_source, "header x-jwt-sub");
}

#[test]
fn principal_errors() {
    let config = config();
    let none = headers(&[]);
    assert_eq!(
        config.map(&http("GET", "/photos/1", &none, None)),
        Err(MapError::NoPrincipal)
    );
    assert_eq!(
        config.map(&http(
            "GET",
            "/photos/1",
            &none,
            Some("spiffe://other.domain/ns/a/sa/b")
        )),
        Err(MapError::UnknownPeer {
            id: "spiffe://other.domain/ns/a/sa/b".to_owned()
        })
    );
    assert_eq!(
        config.map(&http(
            "GET",
            "/photos/1",
            &none,
            Some("spiffe://cluster.local/ns/a")
        )),
        Err(MapError::UnknownPeer {
            id: "spiffe://cluster.local/ns/a".to_owned()
        })
    );
    for (value, reason) in [
        (
            "alice/admin",
            "only letters, digits and `+=,.@_-` are allowed",
        ),
        ("*", "only letters, digits and `+=,.@_-` are allowed"),
        ("a:b", "only letters, digits and `+=,.@_-` are allowed"),
        ("", "empty"),
    ] {
        let forged = headers(&[("x-jwt-sub", value)]);
        assert_eq!(
            config.map(&http("GET", "/photos/1", &forged, Some(PEER))),
            Err(MapError::PrincipalValue {
                source_name: "header x-jwt-sub".to_owned(),
                value: value.to_owned(),
                reason,
            }),
            "{value}"
        );
    }
    let long = "a".repeat(129);
    let long_headers = headers(&[("x-jwt-sub", &long)]);
    assert!(matches!(
        config.map(&http("GET", "/photos/1", &long_headers, None)),
        Err(MapError::PrincipalValue {
            reason: "longer than 128 bytes",
            ..
        })
    ));
    let odd_peer = "spiffe://cluster.local/ns/sh*p/sa/x";
    assert!(matches!(
        config.map(&http("GET", "/photos/1", &none, Some(odd_peer))),
        Err(MapError::PrincipalValue { ref source_name, .. }) if source_name == "spiffe[0]"
    ));
}

#[test]
fn a_principal_that_does_not_parse_is_an_error() {
    // `{value}` alone is a principal when it is a service name; a bare word
    // is not.
    let text = "[[principal.header]]\nname = \"x-p\"\narn = \"{value}.amazonaws.com\"\n[[route]]\nmethod = \"*\"\npath = \"/\"\naction = \"a:B\"\nresource = \"*\"\n";
    let config = MeshConfig::from_toml(text).unwrap();
    let ok = headers(&[("x-p", "lambda")]);
    assert_eq!(
        mapped(config.map(&http("GET", "/", &ok, None)).unwrap())
            .request
            .principal()
            .text(),
        "lambda.amazonaws.com"
    );
    let odd = headers(&[("x-p", "a,b")]);
    assert!(matches!(
        config.map(&http("GET", "/", &odd, None)),
        Err(MapError::Principal { .. })
    ));
}

#[test]
fn anonymous_when_configured() {
    let text = "[principal]\nanonymous = true\n[[route]]\nmethod = \"*\"\npath = \"/\"\naction = \"a:B\"\nresource = \"*\"\n";
    let config = MeshConfig::from_toml(text).unwrap();
    let none = headers(&[]);
    let m = mapped(config.map(&http("GET", "/", &none, None)).unwrap());
    assert_eq!(m.request.principal().text(), "anonymous");
    assert_eq!(m.principal_source, "anonymous");
}

#[test]
fn context_keys_are_filled() {
    let config = config();
    let given = headers(&[("x-tenant", "acme"), ("x-other", "no")]);
    let m = mapped(
        config
            .map(&http("GET", "/photos/1", &given, Some(PEER)))
            .unwrap(),
    );
    let context = &m.request.context;
    let value = |key: &str| {
        context
            .get(key)
            .map(|v| v.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    };
    assert_eq!(value("app:Tenant"), Some(vec!["acme".to_owned()]));
    assert_eq!(value("aws:SourceIp"), Some(vec!["10.1.2.3".to_owned()]));
    assert_eq!(value("aws:SecureTransport"), Some(vec!["true".to_owned()]));
    assert_eq!(
        value("aws:CurrentTime"),
        Some(vec!["2026-11-22T13:00:00Z".to_owned()])
    );
    assert_eq!(value("aws:EpochTime"), Some(vec!["1795352400".to_owned()]));
    assert_eq!(context.len(), 5);

    let mut plain = http("GET", "/photos/1", &given, Some(PEER));
    plain.tls = false;
    plain.source_address = None;
    let m = mapped(config.map(&plain).unwrap());
    assert_eq!(
        m.request
            .context
            .get("aws:SecureTransport")
            .map(|v| v[0].to_string()),
        Some("false".to_owned())
    );
    assert!(m.request.context.get("aws:SourceIp").is_none());

    let long = "x".repeat(crate::MAX_CONTEXT_VALUE + 1);
    let too_long = headers(&[("x-tenant", &long)]);
    assert_eq!(
        config.map(&http("GET", "/photos/1", &too_long, Some(PEER))),
        Err(MapError::ContextValue {
            header: "x-tenant".to_owned()
        })
    );
}

#[test]
fn explain_follows_the_configured_header() {
    let config = config();
    let asked = headers(&[("x-tollgate-explain", "1")]);
    assert!(
        mapped(
            config
                .map(&http("GET", "/photos/1", &asked, Some(PEER)))
                .unwrap()
        )
        .explain
    );
    let none = headers(&[]);
    assert!(
        !mapped(
            config
                .map(&http("GET", "/photos/1", &none, Some(PEER)))
                .unwrap()
        )
        .explain
    );

    let quiet = MeshConfig::from_toml(
        &super::MAPPING.replace("explain-header = \"x-tollgate-explain\"", ""),
    )
    .unwrap();
    assert!(
        !mapped(
            quiet
                .map(&http("GET", "/photos/1", &asked, Some(PEER)))
                .unwrap()
        )
        .explain
    );
}

#[test]
fn every_map_error_reads_well() {
    let config = config();
    let none = headers(&[]);
    assert_eq!(
        config.map(&http("", "/", &none, None)),
        Err(MapError::NoMethod)
    );
    let errors = [
        MapError::Path(PathError::Fragment),
        MapError::NoMethod,
        MapError::NoPrincipal,
        MapError::UnknownPeer {
            id: "spiffe://x/y".to_owned(),
        },
        MapError::PrincipalValue {
            source_name: "header x".to_owned(),
            value: "a/b".to_owned(),
            reason: "r",
        },
        MapError::ContextValue {
            header: "x-t".to_owned(),
        },
    ];
    let texts: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        texts,
        [
            "path: the path holds a fragment (`#`)",
            "the request has no method",
            "no principal: none of the configured principal sources is present",
            "the peer's identity `spiffe://x/y` matches no [[principal.spiffe]] template",
            "header x: `a/b` is not a valid name for a principal (r)",
            "header `x-t`: the value is longer than 4096 bytes",
        ]
    );
}
