//! `manifest.json`: the round trip and every validation error.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;

use serde_json::{Value, json};
use tollgate_bundle::{BundleError, FetchOptions, MANIFEST_FORMAT, Manifest};

fn files() -> BTreeMap<String, Vec<u8>> {
    [
        ("accounts/111122223333/users/alice.json", "{}"),
        ("accounts/111122223333/users/bob.json", "{}"),
        ("organization/organization.json", "{\"Root\": {}}"),
    ]
    .into_iter()
    .map(|(p, b)| (p.to_owned(), b.as_bytes().to_vec()))
    .collect()
}

fn manifest() -> Manifest {
    Manifest::of_files(
        &files(),
        "2025-01-31T12:00:00Z".into(),
        Some("alice".into()),
    )
}

fn parse(value: &Value) -> Result<Manifest, BundleError> {
    Manifest::from_json(value.to_string().as_bytes(), &FetchOptions::default())
}

fn json_of(manifest: &Manifest) -> Value {
    serde_json::from_slice(&manifest.to_json().unwrap()).unwrap()
}

#[test]
fn round_trips_in_the_documented_shape() {
    let manifest = manifest();
    assert_eq!(manifest.format, MANIFEST_FORMAT);
    assert_eq!(manifest.revision, tollgate_store::revision_of(&files()));
    let value = json_of(&manifest);
    assert_eq!(value["format"], 1);
    assert_eq!(value["publishedAt"], "2025-01-31T12:00:00Z");
    assert_eq!(value["publisher"], "alice");
    assert_eq!(
        value["objects"][0],
        json!({
            "path": "accounts/111122223333/users/alice.json",
            "sha256": "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
            "size": 2
        })
    );
    assert_eq!(parse(&value).unwrap(), manifest);
    // `publisher` is optional and left out when absent.
    let anonymous = Manifest::of_files(&files(), "2025-01-31T12:00:00+01:00".into(), None);
    let value = json_of(&anonymous);
    assert!(value.get("publisher").is_none());
    assert_eq!(parse(&value).unwrap(), anonymous);
    assert_eq!(anonymous.total_bytes(), 2 + 2 + 12);
}

fn assert_invalid(edit: impl FnOnce(&mut Value), expected: &str) {
    let mut value = json_of(&manifest());
    edit(&mut value);
    let error = parse(&value).unwrap_err();
    assert!(
        matches!(error, BundleError::Manifest(_)),
        "expected a manifest error, got {error}"
    );
    assert!(
        error.to_string().contains(expected),
        "`{error}` does not mention `{expected}`"
    );
}

#[test]
fn rejects_what_a_reader_cannot_rely_on() {
    assert_invalid(|v| v["extra"] = json!(1), "unknown field `extra`");
    assert_invalid(
        |v| v["objects"][0]["mode"] = json!(1),
        "unknown field `mode`",
    );
    assert_invalid(|v| v["format"] = json!(2), "format 2 is not supported");
    assert_invalid(|v| v["revision"] = json!("ABC"), "revision `ABC`");
    assert_invalid(|v| v["publishedAt"] = json!("yesterday"), "publishedAt");
    assert_invalid(|v| v["publisher"] = json!("a\nb"), "publisher");
    assert_invalid(
        |v| {
            v.as_object_mut().unwrap().remove("objects");
        },
        "missing field `objects`",
    );
    assert_invalid(|v| v["objects"][1]["sha256"] = json!("xyz"), "sha256 `xyz`");
    assert_invalid(|v| v["objects"][0]["size"] = json!(-1), "invalid value");
    assert_invalid(
        |v| v["objects"][0]["path"] = json!("../etc/passwd"),
        "`../etc/passwd`",
    );
    assert_invalid(|v| v["objects"][0]["path"] = json!("/abs"), "`/abs`");
    assert_invalid(|v| v["objects"][0]["path"] = json!(".git/x"), "hidden");
    assert_invalid(
        |v| {
            let objects = v["objects"].as_array_mut().unwrap();
            objects.swap(0, 1);
        },
        "not sorted",
    );
    assert_invalid(
        |v| {
            let objects = v["objects"].as_array_mut().unwrap();
            let first = objects[0].clone();
            objects.insert(0, first);
        },
        "each once",
    );
    assert_invalid(|v| *v = json!("manifest"), "invalid type");
}

#[test]
fn limits_bound_count_size_and_manifest_bytes() {
    let value = json_of(&manifest());
    let bytes = value.to_string();
    let few = FetchOptions {
        max_objects: 2,
        ..FetchOptions::default()
    };
    assert!(matches!(
        Manifest::from_json(bytes.as_bytes(), &few),
        Err(BundleError::Limit(_))
    ));
    let small = FetchOptions {
        max_bytes: 15,
        ..FetchOptions::default()
    };
    assert!(matches!(
        Manifest::from_json(bytes.as_bytes(), &small),
        Err(BundleError::Limit(_))
    ));
    let none = FetchOptions {
        max_objects: 0,
        ..FetchOptions::default()
    };
    let padded = format!("{bytes}{}", " ".repeat(70 << 10));
    assert!(matches!(
        Manifest::from_json(padded.as_bytes(), &none),
        Err(BundleError::Limit(_))
    ));
    assert!(Manifest::from_json(bytes.as_bytes(), &FetchOptions::default()).is_ok());
}
