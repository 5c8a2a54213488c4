use std::collections::BTreeMap;

use super::*;

fn manifest(content: &str) -> Manifest {
    let files = BTreeMap::from([("notes.md".to_owned(), content.as_bytes().to_vec())]);
    Manifest::of_files(&files, "2025-01-31T12:00:00Z".to_owned(), None)
}

#[test]
fn a_signature_verifies_with_its_key_only() {
    let key = SignKey::generate();
    let other = SignKey::generate();
    let manifest = manifest("a");
    let signature = key.sign(&manifest).unwrap();
    assert_eq!(signature.key_id, key.verify_key().key_id());
    assert_eq!(signature.key_id.len(), 16);

    let trusted = TrustedKeys::new(vec![other.verify_key(), key.verify_key()]);
    assert_eq!(
        trusted.verify(&manifest, Some(&signature)).unwrap(),
        signature.key_id
    );

    let untrusted = TrustedKeys::new(vec![other.verify_key()]);
    let error = untrusted.verify(&manifest, Some(&signature)).unwrap_err();
    assert!(error.is_signature_failure());
    assert!(error.to_string().contains("not trusted"), "{error}");
}

#[test]
fn unsigned_tampered_and_replayed_manifests_are_refused() {
    let key = SignKey::generate();
    let trusted = TrustedKeys::new(vec![key.verify_key()]);
    let old = manifest("old");
    let old_signature = key.sign(&old).unwrap();

    let error = trusted.verify(&old, None).unwrap_err();
    assert!(error.to_string().contains("is not signed"), "{error}");

    // The same signature object presented for another manifest.
    let new = manifest("new");
    let error = trusted.verify(&new, Some(&old_signature)).unwrap_err();
    assert!(error.to_string().contains("not of this one"), "{error}");

    // A replayed signature relabelled with the new manifest's digest.
    let mut relabelled = old_signature.clone();
    relabelled.manifest_sha256 = manifest_digest(&new).unwrap().1;
    let error = trusted.verify(&new, Some(&relabelled)).unwrap_err();
    assert!(error.to_string().contains("does not verify"), "{error}");

    // A manifest edited after signing (the publisher changed).
    let mut edited = old.clone();
    edited.publisher = Some("mallory".to_owned());
    let mut forged = old_signature.clone();
    forged.manifest_sha256 = manifest_digest(&edited).unwrap().1;
    assert!(trusted.verify(&edited, Some(&forged)).is_err());

    let mut garbled = old_signature;
    garbled.signature = "AAAA".to_owned();
    let error = trusted.verify(&old, Some(&garbled)).unwrap_err();
    assert!(error.to_string().contains("64 bytes"), "{error}");
}

#[test]
fn keys_round_trip_through_pem() {
    let key = SignKey::generate();
    let pem = key.to_pem().unwrap();
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"), "{pem}");
    assert_eq!(SignKey::from_pem(&pem).unwrap(), key);
    let public = key.verify_key().to_pem().unwrap();
    assert!(public.starts_with("-----BEGIN PUBLIC KEY-----"), "{public}");
    assert_eq!(VerifyKey::from_pem(&public).unwrap(), key.verify_key());
    assert!(VerifyKey::from_pem(&pem).is_err());
    assert!(SignKey::from_pem(&public).is_err());
    assert!(format!("{key:?}").contains(&key.verify_key().key_id()));
}

#[test]
fn an_openssl_key_is_read() {
    // `openssl genpkey -algorithm ed25519` and `openssl pkey -pubout` (RFC 8410 example key).
    let private = "-----BEGIN PRIVATE KEY-----\n\
                   MC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n\
                   -----END PRIVATE KEY-----\n";
    let public = "-----BEGIN PUBLIC KEY-----\n\
                  MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n\
                  -----END PUBLIC KEY-----\n";
    let key = SignKey::from_pem(private).unwrap();
    assert_eq!(key.verify_key(), VerifyKey::from_pem(public).unwrap());
}

#[test]
fn signature_objects_round_trip() {
    let signature = SignKey::generate().sign(&manifest("a")).unwrap();
    let json = signature.to_json().unwrap();
    assert_eq!(ManifestSignature::from_json(&json).unwrap(), signature);
    assert!(ManifestSignature::from_json(b"{\"format\":1}").is_err());
}
