//! Files that are not regular files, in a store folder, a bucket folder and
//! the audit log's place: a FIFO, a link to `/dev/zero`, links that make a
//! cycle. Each is refused with an error naming it, within seconds, and
//! reloads go on; a poll that hangs is reported by the reload watchdog.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tollgate_bundle::{PublishOptions, publish};
use tollgate_proto::v1::Decision;
use tollgate_server::audit::{AuditSettings, AuditSink};
use tollgate_server::config::{BucketSource, ListenAddr, PollSettings, ServeConfig, StoreSource};
use tollgate_server::reload::{Cause, ReloadOutcome, WatchdogSettings};

use crate::harness::{
    ALICE_FILE, Running, alice, ask, http_get, poll, status, store_dir, test_config, write_atomic,
};

/// Every attack must be refused well within this.
const LIMIT: Duration = Duration::from_secs(10);

fn mkfifo(path: &Path) {
    let made = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(made.success(), "mkfifo {}", path.display());
}

/// Opens the FIFO at `path` for writing and closes it, on a thread, so
/// that readers blocked in `open` (as a hanging poll is) get end of file.
fn release_fifo(path: PathBuf) {
    std::thread::spawn(move || drop(std::fs::OpenOptions::new().write(true).open(path)));
}

async fn reload_within_limit(server: &Running) -> ReloadOutcome {
    tokio::time::timeout(LIMIT, server.reloader.reload(Cause::Trigger))
        .await
        .unwrap_or_else(|_| panic!("a reload did not end within {LIMIT:?}"))
}

/// Each hostile entry fails the reload with an error naming it, the
/// serving revision keeps answering, and once it is gone the next reload
/// installs the new revision.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_regular_files_in_the_store_folder_are_refused_and_reloads_go_on() {
    let dir = store_dir();
    let server = Running::start(test_config(dir.path())).await;
    let mut client = server.client().await;
    let (decision, serving) = ask(&mut client).await;
    assert_eq!(decision, Decision::Allowed);

    let users = dir.path().join("accounts/111122223333/users");
    let fifo = users.join("bob.json");
    let zero = users.join("carol.json");
    type Plant = Box<dyn Fn()>;
    let cases: Vec<(&str, Plant, &str)> = vec![
        (
            "a FIFO",
            Box::new({
                let fifo = fifo.clone();
                move || mkfifo(&fifo)
            }),
            "bob.json",
        ),
        (
            "a link to /dev/zero",
            Box::new({
                let zero = zero.clone();
                move || std::os::unix::fs::symlink("/dev/zero", &zero).unwrap()
            }),
            "carol.json",
        ),
        (
            "two links to the folder itself",
            Box::new({
                let users = users.clone();
                move || {
                    std::os::unix::fs::symlink(".", users.join("l1")).unwrap();
                    std::os::unix::fs::symlink(".", users.join("l2")).unwrap();
                }
            }),
            "cycle",
        ),
    ];
    for (what, plant, named) in cases {
        plant();
        let ReloadOutcome::Failed { error } = reload_within_limit(&server).await else {
            panic!("{what}: the reload did not fail");
        };
        assert!(error.contains(named), "{what}: {error}");
        assert!(error.len() < 4200, "{what}: {} bytes", error.len());
        assert_eq!(ask(&mut client).await, (Decision::Allowed, serving.clone()));
        for entry in std::fs::read_dir(&users).unwrap() {
            let path = entry.unwrap().path();
            if path.file_name().unwrap() != "alice.json" {
                std::fs::remove_file(path).unwrap();
            }
        }
    }

    // Nothing stuck: a revocation still takes effect.
    write_atomic(dir.path(), ALICE_FILE, &alice("Deny", "Revoked"));
    let outcome = reload_within_limit(&server).await;
    assert!(
        matches!(outcome, ReloadOutcome::Installed { .. }),
        "{outcome:?}"
    );
    assert_eq!(ask(&mut client).await.0, Decision::ExplicitDeny);
    server.join().await.unwrap();
}

/// A huge sparse file is refused by its size before anything is read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_sparse_file_is_refused_quickly() {
    let dir = store_dir();
    let server = Running::start(test_config(dir.path())).await;
    let sparse =
        std::fs::File::create(dir.path().join("accounts/111122223333/users/big.json")).unwrap();
    sparse.set_len(64 << 30).unwrap();
    let ReloadOutcome::Failed { error } = reload_within_limit(&server).await else {
        panic!("a 64 GiB file loaded");
    };
    assert!(
        error.contains("big.json") && error.contains("limit"),
        "{error}"
    );
    server.join().await.unwrap();
}

/// A reload that hangs (here: a poll reading a bucket whose manifest is a
/// FIFO nobody writes) is reported while it hangs: in the status, and by
/// `/readyz` with `ready-requires-live-reload`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_poll_is_reported_by_the_watchdog() {
    let store = store_dir();
    let bucket = tempfile::tempdir().unwrap();
    let source = BucketSource {
        url: format!("file://{}/prod", bucket.path().display()),
        endpoint: None,
        options: BTreeMap::new(),
    };
    let location = source.location().unwrap();
    publish(store.path(), &location, &PublishOptions::default())
        .await
        .unwrap();
    let config = ServeConfig {
        listen: ListenAddr::Tcp(SocketAddr::from(([127, 0, 0, 1], 0))),
        admin_listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        store: StoreSource::Bucket(source),
        poll: PollSettings {
            interval: Duration::from_secs(1),
            jitter: 0.0,
            ..PollSettings::default()
        },
        drain_timeout: Duration::from_secs(5),
        watchdog: WatchdogSettings {
            stall_after: Duration::from_secs(1),
            ready_requires_live_reload: true,
            ..WatchdogSettings::default()
        },
        ..ServeConfig::default()
    };
    let server = Running::start(config).await;
    let (code, _) = http_get(server.admin, "/readyz").await;
    assert_eq!(code, 200);

    let manifest = bucket.path().join("prod/manifest.json");
    std::fs::remove_file(&manifest).unwrap();
    mkfifo(&manifest);
    let client = server.client().await;
    let stalled = poll(LIMIT, || {
        let mut client = client.clone();
        let admin = server.admin;
        async move {
            let status = status(&mut client).await;
            if !status.reload_stalled {
                return None;
            }
            let (code, body) = http_get(admin, "/readyz").await;
            Some((status, code, body))
        }
    })
    .await;
    release_fifo(manifest.clone());
    let Some(((status, code, body), _)) = stalled else {
        panic!("the hanging poll was never reported");
    };
    assert!(status.reload_in_progress_seconds >= 1.0, "{status:#?}");
    assert_eq!(code, 503, "{body}");
    assert!(body.contains("reload-stall-secs"), "{body}");
    server.join().await.unwrap();
    // Readers that were still blocked get end of file too.
    release_fifo(manifest);
}

/// An audit log path that is a FIFO with no reader fails start-up at once
/// with an error that names it, instead of blocking before anything binds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_audit_log_fifo_fails_start_up_at_once() {
    let store = store_dir();
    let logs = tempfile::tempdir().unwrap();
    let fifo = logs.path().join("audit.log");
    mkfifo(&fifo);
    let mut config = test_config(store.path());
    config.audit = Some(AuditSettings::new(AuditSink::File(fifo.clone())));
    let bound = tokio::time::timeout(LIMIT, tollgate_server::Server::bind(config)).await;
    let Ok(Err(error)) = bound else {
        release_fifo(fifo);
        panic!("start-up did not fail within {LIMIT:?}");
    };
    let text = error.to_string();
    assert!(
        text.contains("audit.log") && text.contains("FIFO"),
        "{text}"
    );
}
