//! Reloads that the watcher does not start: `SIGHUP` (sent to this test
//! process, which runs no other server), `Reloader::trigger` and a direct
//! `Reloader::reload`. The watcher's debounce is set to a minute so it
//! cannot be the one reloading.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod harness;

use std::time::Duration;

use harness::{
    ALICE_FILE, Running, alice, poll, revision_of, store_dir, test_config, write_atomic,
};
use tollgate_server::reload::{Cause, ReloadOutcome};

async fn serving(server: &Running, revision: &str) -> bool {
    poll(Duration::from_secs(1), || {
        let now = server
            .state
            .current()
            .as_ref()
            .is_some_and(|s| s.store.revision() == revision);
        async move { now.then_some(()) }
    })
    .await
    .is_some()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_trigger_and_direct_reload() {
    let dir = store_dir();
    let mut config = test_config(dir.path());
    config.reload_debounce = Duration::from_secs(60);
    let server = Running::start(config).await;

    // SIGHUP.
    write_atomic(dir.path(), ALICE_FILE, &alice("Deny", "hup"));
    let status = std::process::Command::new("kill")
        .args(["-HUP", &std::process::id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert!(
        serving(&server, &revision_of(&alice("Deny", "hup"))).await,
        "SIGHUP reloads within 1 s"
    );

    // Reloader::trigger.
    write_atomic(dir.path(), ALICE_FILE, &alice("Allow", "trigger"));
    server.reloader.trigger();
    assert!(
        serving(&server, &revision_of(&alice("Allow", "trigger"))).await,
        "trigger reloads within 1 s"
    );

    // A direct reload: unchanged, then installed.
    let revision = revision_of(&alice("Allow", "trigger"));
    assert_eq!(
        server.reloader.reload(Cause::Trigger).await,
        ReloadOutcome::Unchanged { revision }
    );
    write_atomic(dir.path(), ALICE_FILE, &alice("Deny", "direct"));
    let revision = revision_of(&alice("Deny", "direct"));
    assert_eq!(
        server.reloader.reload(Cause::Trigger).await,
        ReloadOutcome::Installed { revision }
    );
    server.join().await.unwrap();
}
