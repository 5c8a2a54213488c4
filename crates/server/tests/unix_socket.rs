//! The gRPC listener on a Unix socket: the file has the configured mode, a
//! stale file is replaced, and the file is gone after shutdown.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg(unix)]

mod harness;

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use harness::{store_dir, test_config};
use tollgate_server::Server;
use tollgate_server::config::ListenAddr;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn socket_mode_stale_file_and_removal() {
    let dir = store_dir();
    let sockets = tempfile::tempdir().unwrap();
    let path = sockets.path().join("tollgate.sock");
    // A stale socket file, as a crashed run leaves it.
    drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
    assert!(path.exists());

    let mut config = test_config(dir.path());
    config.listen = ListenAddr::Unix(path.clone());
    config.socket_mode = 0o660;
    let server = Server::bind(config.clone()).await.unwrap();
    assert_eq!(
        server.listening_line(),
        format!(
            "tollgate listening on grpc=unix:{} admin={}",
            path.display(),
            server.admin_addr()
        )
    );
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o660);

    // A second server on the same live socket is refused.
    config.admin_listen = "127.0.0.1:0".parse().unwrap();
    let err = Server::bind(config).await.unwrap_err();
    assert!(err.to_string().contains("another server"), "{err}");

    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server.serve(async {
        let _ = stopped.await;
    }));
    tokio::net::UnixStream::connect(&path).await.unwrap();
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(!path.exists(), "the socket file is removed at shutdown");
}

/// A watcher that looks at the socket's path without pause while the server
/// binds never sees it with any mode but the configured one: the file is
/// bound in a private folder and renamed into place with its mode set.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_socket_never_appears_with_a_wider_mode() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    let dir = store_dir();
    let sockets = tempfile::tempdir().unwrap();
    let path = sockets.path().join("tollgate.sock");
    let stop = Arc::new(AtomicBool::new(false));
    let watcher = {
        let (path, stop) = (path.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut modes = std::collections::BTreeSet::new();
            while !stop.load(Ordering::Relaxed) {
                if let Ok(meta) = std::fs::symlink_metadata(&path) {
                    modes.insert(meta.permissions().mode() & 0o777);
                }
            }
            modes
        })
    };
    let mut config = test_config(dir.path());
    config.listen = ListenAddr::Unix(path.clone());
    let server = Server::bind(config).await.unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    stop.store(true, Ordering::Relaxed);
    let modes = watcher.join().unwrap();
    assert_eq!(mode, 0o600);
    assert!(modes.iter().all(|m| *m == 0o600), "modes seen: {modes:?}");
    // Nothing is left beside the socket.
    let names: Vec<_> = std::fs::read_dir(sockets.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("tollgate.sock")]);
    drop(server);
}
