use super::{MAPPING, config};
use crate::config::MethodMatch;
use crate::template::{SegmentTemplate, TextTemplate};
use crate::{MeshConfig, SourceKind, Unmapped};

/// The faults of `text` as `key: message` lines.
fn faults(text: &str) -> Vec<String> {
    match MeshConfig::from_toml(text) {
        Ok(_) => panic!("expected faults in:\n{text}"),
        Err(e) => e.faults.iter().map(ToString::to_string).collect(),
    }
}

const SOURCE: &str = r#"
[[principal.header]]
name = "x-user"
arn = "arn:aws:iam::111122223333:user/{value}"
"#;

fn with_source(rest: &str) -> String {
    format!("{SOURCE}\n{rest}")
}

#[test]
fn the_shared_mapping_loads() {
    let config = config();
    assert_eq!(config.routes().len(), 4);
    assert_eq!(config.unmapped(), Unmapped::Deny);
    assert_eq!(config.order, [SourceKind::Header, SourceKind::Spiffe]);
    assert_eq!(config.explain_header(), Some("x-tollgate-explain"));
    assert_eq!(config.routes()[2].method, MethodMatch::Any);
    assert_eq!(
        config.allow_headers(["rev", "arn:p", "a:B", "arn:r"]),
        [
            ("x-tollgate-principal".to_owned(), "arn:p".to_owned()),
            ("x-tollgate-revision".to_owned(), "rev".to_owned()),
        ]
    );
}

#[test]
fn unmapped_defaults_to_deny_and_can_allow() {
    let route = r#"
[[route]]
method = "GET"
path = "/a"
action = "app:A"
resource = "*"
"#;
    let deny = MeshConfig::from_toml(&with_source(route)).unwrap();
    assert_eq!(deny.unmapped(), Unmapped::Deny);
    let allow =
        MeshConfig::from_toml(&format!("unmapped = \"allow\"\n{}", with_source(route))).unwrap();
    assert_eq!(allow.unmapped(), Unmapped::Allow);
    let bad = faults(&format!("unmapped = \"maybe\"\n{}", with_source(route)));
    assert!(bad[0].contains("unknown variant `maybe`"), "{bad:?}");
    assert!(bad[0].contains("line 1"), "{bad:?}");
}

#[test]
fn unknown_keys_are_refused_with_their_line() {
    let text = with_source(
        "[[route]]\nmethod = \"GET\"\npath = \"/a\"\naction = \"app:A\"\nresource = \"*\"\nresorce = \"x\"\n",
    );
    let found = faults(&text);
    assert_eq!(found.len(), 1);
    assert!(found[0].contains("unknown field `resorce`"), "{found:?}");
    assert!(found[0].contains("line 11, column 1"), "{found:?}");
}

#[test]
fn every_route_fault_is_reported_with_its_key_path() {
    let text = with_source(
        r#"
[[route]]
method = "GET"
path = "/photos/{id}"
action = "photos:GetPhoto"
resource = "arn:app:photos:::photo/{id}"

[[route]]
method = "get"
path = "photos"
action = "GetPhoto"
resource = "photo"

[[route]]
method = "GET"
path = "/photos/{id}"
action = "photos:GetPhoto"
resource = "arn:app:photos:::photo/{idd}"

[[route]]
method = "GET"
path = "/files/{key+}/x"
action = "files:Get"
resource = "*"

[[route]]
method = "GET"
path = "/a/{id}/{id}"
action = "a:B"
resource = "*"

[[route]]
method = "GET"
path = "/a/b{id}/../"
action = "a:B"
resource = "*"

[[route]]
method = "GET"
path = "/a"
action = "a:B"
resource = "arn:app:{oops"
"#,
    );
    assert_eq!(
        faults(&text),
        [
            "route[1].method: expected an upper-case HTTP method such as `GET`, or `*`, found `get`",
            "route[1].path: must start with `/`, found `photos`",
            "route[1].action: expected `service:Name` (such as `photos:GetPhoto`), found `GetPhoto`",
            "route[1].resource: expected `*` or an ARN `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`, found `photo`",
            "route[2].resource: unknown capture `{idd}` (known: {id})",
            "route[3].path: `{key+}` must be the last segment",
            "route[4].path: capture `{id}` appears twice",
            "route[5].path: `b{id}`: `{` is not allowed in a literal segment (a capture is a whole segment, `{name}`)",
            "route[6].resource: `{oops`: `{` without `}`",
        ]
    );
}

#[test]
fn an_empty_file_needs_a_source_and_a_route() {
    assert_eq!(
        faults(""),
        [
            "principal: no source: add a [[principal.header]] or [[principal.spiffe]], or set `anonymous = true`",
            "route: no route: add at least one [[route]]",
        ]
    );
}

#[test]
fn principal_source_faults() {
    let text = r#"
[principal]
order = ["spiffe", "spiffe"]

[[principal.header]]
name = "X-User"
arn = "arn:aws:iam::111122223333:user/{user}"

[[principal.header]]
name = "x-user"
arn = "arn:aws:iam::111122223333:user/fixed"

[[principal.header]]
name = "x-user"
arn = "not-an-arn/{value}"

[[principal.spiffe]]
id = "https://cluster.local/ns/{ns}"
arn = "arn:aws:iam::111122223333:user/{ns}"

[[principal.spiffe]]
id = "spiffe://Cluster/ns/{ns}"
arn = "arn:aws:iam::111122223333:user/{ns}"

[[principal.spiffe]]
id = "spiffe://cluster.local/ns/{ns+}"
arn = "arn:aws:iam::111122223333:user/{ns}"

[[principal.spiffe]]
id = "spiffe://cluster.local/ns/{ns}"
arn = "arn:aws:iam::111122223333:user/{sa}"

[[route]]
method = "GET"
path = "/a"
action = "a:B"
resource = "*"
"#;
    let found = faults(text);
    let expected = [
        "principal.order[1]: listed twice",
        "principal.header[0].name: `X-User` is not a lower-case HTTP header name (Envoy gives header names in lower case)",
        "principal.header[0].arn: unknown capture `{user}` (known: {value})",
        "principal.header[1].arn: must use `{value}` (else any value of the header gives the same principal)",
        "principal.spiffe[0].id: must start with `spiffe://`, found `https://cluster.local/ns/{ns}`",
        "principal.spiffe[1].id: the trust domain must be literal lower-case letters, digits, `-`, `.`, `_`, found `Cluster`",
        "principal.spiffe[2].id: `{name+}` is not allowed in a SPIFFE ID template",
        "principal.spiffe[3].arn: unknown capture `{sa}` (known: {ns})",
    ];
    for line in expected {
        assert!(
            found.iter().any(|f| f == line),
            "missing {line:?} in {found:#?}"
        );
    }
    assert!(
        found
            .iter()
            .any(|f| f.starts_with("principal.header[2].arn: does not make a principal: ")),
        "{found:#?}"
    );
    assert_eq!(found.len(), expected.len() + 1, "{found:#?}");
}

#[test]
fn context_and_response_faults() {
    let text = with_source(
        r#"
[[route]]
method = "GET"
path = "/a"
action = "a:B"
resource = "*"

[context.headers]
"x-ip" = "aws:SourceIp"
"x-tenant" = "app:Tenant"
"x-tenant-2" = "APP:tenant"
"x-bad" = "nocolon"
"Bad Header" = "app:X"

[response]
allow-headers = { "x-who" = "{principal} {secret}", "x-ok" = "{revision}" }
explain-header = "X-Explain"
"#,
    );
    assert_eq!(
        faults(&text),
        [
            "context.headers.\"Bad Header\": `Bad Header` is not a lower-case HTTP header name (Envoy gives header names in lower case)",
            "context.headers.\"x-bad\": `nocolon` is not a condition key `prefix:Name`",
            "context.headers.\"x-ip\": `aws:SourceIp`: a header may not fill an `aws:` key (a client could forge it)",
            "context.headers.\"x-tenant-2\": `APP:tenant` is filled by another header (condition keys ignore case)",
            "response.allow-headers.\"x-who\": unknown capture `{secret}` (known: {revision}, {principal}, {action}, {resource})",
            "response.explain-header: `X-Explain` is not a lower-case HTTP header name (Envoy gives header names in lower case)",
        ]
    );
}

#[test]
fn anonymous_alone_is_a_source() {
    let text = "[principal]\nanonymous = true\n[[route]]\nmethod = \"*\"\npath = \"/\"\naction = \"a:B\"\nresource = \"*\"\n";
    assert!(MeshConfig::from_toml(text).unwrap().anonymous);
}

#[test]
fn a_missing_file_is_one_fault() {
    let e = MeshConfig::load(std::path::Path::new("/nonexistent/mapping.toml")).unwrap_err();
    assert_eq!(e.faults.len(), 1);
    assert!(e.faults[0].key.is_empty());
    assert!(
        e.to_string()
            .starts_with("invalid mesh mapping: cannot read `/nonexistent/mapping.toml`")
    );
}

#[test]
fn the_example_mapping_loads() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/mesh/mapping.toml"
    );
    let config = MeshConfig::load(std::path::Path::new(path)).unwrap();
    assert!(!config.routes().is_empty());
    assert!(MAPPING.contains("x-jwt-sub"));
}

#[test]
fn segment_templates() {
    let t = SegmentTemplate::parse("photos/{id}").unwrap();
    assert_eq!(
        t.matches(&["photos", "1"]),
        Some(vec![("id".to_owned(), "1".to_owned())])
    );
    assert_eq!(t.matches(&["photos"]), None);
    assert_eq!(t.matches(&["photos", "1", "x"]), None);
    assert_eq!(
        t.matches(&["Photos", "1"]),
        None,
        "literals are case-sensitive"
    );
    let rest = SegmentTemplate::parse("files/{key+}").unwrap();
    assert_eq!(
        rest.matches(&["files", "a", "b"]),
        Some(vec![("key".to_owned(), "a/b".to_owned())])
    );
    assert_eq!(rest.matches(&["files"]), None, "{{key+}} takes one or more");
    let root = SegmentTemplate::parse("").unwrap();
    assert_eq!(root.matches::<&str>(&[]), Some(vec![]));
    assert_eq!(root.matches(&["a"]), None);
    assert!(SegmentTemplate::parse("a//b").is_err());
    assert!(SegmentTemplate::parse("{1x}").is_err());
    assert!(SegmentTemplate::parse("a/..").is_err());
}

#[test]
fn text_templates() {
    let t = TextTemplate::parse("arn:x:y:::{a}/{b}", &["a", "b"]).unwrap();
    assert_eq!(t.names().collect::<Vec<_>>(), ["a", "b"]);
    assert_eq!(
        t.render_captures(&[
            ("a".to_owned(), "1".to_owned()),
            ("b".to_owned(), "2".to_owned())
        ]),
        "arn:x:y:::1/2"
    );
    assert_eq!(
        TextTemplate::parse("a}b{", &[]).unwrap_err(),
        ["`}` without `{`", "`{`: `{` without `}`"]
    );
    assert_eq!(
        TextTemplate::parse("{x}", &[]).unwrap_err(),
        ["unknown placeholder `{x}` (this template takes none)"]
    );
    assert_eq!(
        TextTemplate::parse("{x-y}", &["x"]).unwrap_err(),
        ["`{x-y}` is not a placeholder name"]
    );
}
