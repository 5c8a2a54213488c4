//! Runs the built `tollgate` binary: `keygen` makes a key pair that
//! `publish --sign-key` signs with; a bad key and an existing key file are
//! errors; `serve --verify-key` with a folder store is a configuration
//! error.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output};

fn tollgate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .args(args)
        .env_remove("TOLLGATE_STORE_ENDPOINT")
        .env_remove("TOLLGATE_PUBLISHER")
        .env_remove("TOLLGATE_SIGN_KEY")
        .env_remove("TOLLGATE_VERIFY_KEYS")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn example() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/store/example")
        .display()
        .to_string()
}

#[test]
fn keygen_then_publish_signed() {
    let keys = tempfile::tempdir().unwrap();
    let prefix = keys.path().join("ci");
    let made = tollgate(&["keygen", "--out", prefix.to_str().unwrap()]);
    assert_eq!(made.status.code(), Some(0), "{}", text(&made.stderr));
    let stdout = text(&made.stdout);
    let key_id = stdout.trim().strip_prefix("key id: ").unwrap().to_owned();
    assert_eq!(key_id.len(), 16, "{stdout}");
    let private = keys.path().join("ci.key");
    let public = keys.path().join("ci.pub");
    assert!(
        std::fs::read_to_string(&private)
            .unwrap()
            .starts_with("-----BEGIN PRIVATE KEY-----")
    );
    assert!(
        std::fs::read_to_string(&public)
            .unwrap()
            .starts_with("-----BEGIN PUBLIC KEY-----")
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&private).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // Never overwrites.
    let again = tollgate(&["keygen", "--out", prefix.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        text(&again.stderr).contains("exists"),
        "{}",
        text(&again.stderr)
    );

    let bucket = tempfile::tempdir().unwrap();
    let url = format!("file://{}/prod", bucket.path().display());
    let published = tollgate(&[
        "publish",
        &example(),
        &url,
        "--sign-key",
        private.to_str().unwrap(),
    ]);
    assert_eq!(
        published.status.code(),
        Some(0),
        "{}",
        text(&published.stderr)
    );
    let stdout = text(&published.stdout);
    assert!(
        stdout.contains(&format!("signed: key {key_id}\n")),
        "{stdout}"
    );
    let signatures = std::fs::read_dir(bucket.path().join("prod/signatures/sha256"))
        .unwrap()
        .count();
    assert_eq!(signatures, 1);

    // A public key is not a signing key.
    let wrong = tollgate(&[
        "publish",
        &example(),
        &url,
        "--sign-key",
        public.to_str().unwrap(),
    ]);
    assert_eq!(wrong.status.code(), Some(2));
    let stderr = text(&wrong.stderr);
    assert!(
        stderr.contains("invalid key") && stderr.contains("ci.pub"),
        "{stderr}"
    );
}

#[test]
fn verify_keys_need_a_store_in_object_storage() {
    let keys = tempfile::tempdir().unwrap();
    let prefix = keys.path().join("k");
    tollgate(&["keygen", "--out", prefix.to_str().unwrap()]);
    let public = keys.path().join("k.pub");
    let run = tollgate(&[
        "serve",
        "--store",
        &example(),
        "--verify-key",
        public.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(64));
    let stderr = text(&run.stderr);
    assert!(
        stderr.contains("`verify-keys`: only for a `store` in object storage"),
        "{stderr}"
    );

    let run = tollgate(&[
        "serve",
        "--store",
        "file:///nowhere/prod",
        "--verify-key",
        keys.path().join("missing.pub").to_str().unwrap(),
        "--audit-decisions",
        "some",
    ]);
    assert_eq!(run.status.code(), Some(64));
    let stderr = text(&run.stderr);
    assert!(
        stderr.contains("`verify-keys`") && stderr.contains("missing.pub"),
        "{stderr}"
    );
    assert!(
        stderr.contains("`audit-decisions`: only with `audit-log`"),
        "{stderr}"
    );
}
