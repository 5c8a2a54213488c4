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
