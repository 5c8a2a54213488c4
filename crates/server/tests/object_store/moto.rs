//! A real S3-compatible server for the object-storage tests: `moto_server`
//! (Python moto in server mode) on a free 127.0.0.1 port, started from
//! `TOLLGATE_MOTO_SERVER` (tests/run sets it to the venv's `moto_server`;
//! `tests/python/venv.sh` makes the venv). Each [`Moto`] is its own process
//! with its own in-memory state, killed when dropped.

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// How long moto may take to accept requests.
const START_LIMIT: Duration = Duration::from_secs(30);

/// The access key the tests sign with (moto accepts any until
/// [`Moto::require_auth`]).
pub const ACCESS_KEY: &str = "tollgate-test";
/// Its secret.
pub const SECRET_KEY: &str = "tollgate-test-secret";

/// The `moto_server` executable, or a panic saying how to get one.
pub fn moto_server() -> PathBuf {
    match std::env::var_os("TOLLGATE_MOTO_SERVER") {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => panic!(
            "TOLLGATE_MOTO_SERVER is not set: these tests need moto's S3 server. \
             Run `tests/python/venv.sh` (it installs moto[server] into target/python-venv), then \
             `TOLLGATE_MOTO_SERVER=$PWD/target/python-venv/bin/moto_server cargo test -p tollgate-server --test object_store` \
             (tests/run does both)"
        ),
    }
}

/// A running moto server.
pub struct Moto {
    child: Option<Child>,
    /// Its address.
    pub addr: SocketAddr,
    log: tempfile::NamedTempFile,
}

impl Moto {
    /// Starts moto on a free loopback port and waits until it answers.
    pub async fn start() -> Moto {
        let port = {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        Moto::start_on(port).await
    }

    /// Starts moto on `port` (a restart on the port of one stopped before:
    /// an empty server, as moto keeps its state in memory). A server that
    /// exits at once (the port not free yet) is started again.
    pub async fn start_on(port: u16) -> Moto {
        let executable = moto_server();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let deadline = Instant::now() + START_LIMIT;
        let log = tempfile::NamedTempFile::new().unwrap();
        let log_path = log.path().to_path_buf();
        let output = || {
            std::fs::OpenOptions::new()
                .append(true)
                .open(&log_path)
                .unwrap()
        };
        let spawn = || {
            Command::new(&executable)
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .stdin(Stdio::null())
                .stdout(output())
                .stderr(output())
                .spawn()
                .unwrap_or_else(|e| {
                    panic!(
                        "cannot start {} (TOLLGATE_MOTO_SERVER): {e}",
                        executable.display()
                    )
                })
        };
        let mut moto = Moto {
            child: Some(spawn()),
            addr,
            log,
        };
        loop {
            if let Some(child) = &mut moto.child
                && let Ok(Some(status)) = child.try_wait()
            {
                if Instant::now() >= deadline {
                    panic!(
                        "moto_server exited ({status}) before answering:\n{}",
                        moto.log_text()
                    );
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
                moto.child = Some(spawn());
                continue;
            }
            let answer = moto.request("GET", "/", &[], b"").await;
            if answer.is_some_and(|(code, _)| code < 500) {
                return moto;
            }
            if Instant::now() >= deadline {
                panic!(
                    "moto_server did not answer on {addr} within {START_LIMIT:?}:\n{}",
                    moto.log_text()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Kills the server (its state is lost) and waits for it to exit.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// What the server logged.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }

    /// Creates a bucket (an unsigned request: moto accepts any until
    /// [`Moto::require_auth`]).
    pub async fn create_bucket(&self, bucket: &str) {
        let answer = self.request("PUT", &format!("/{bucket}"), &[], b"").await;
        assert!(
            answer.as_ref().is_some_and(|(code, _)| *code == 200),
            "cannot create bucket {bucket}: {answer:?}"
        );
    }

    /// From now on, every request must be signed with an access key moto
    /// knows (it knows none: every S3 request fails with
    /// `InvalidAccessKeyId`).
    pub async fn require_auth(&self) {
        let answer = self
            .request(
                "POST",
                "/moto-api/reset-auth",
                &[("Content-Type", "text/plain")],
                b"0",
            )
            .await;
        assert!(
            answer.as_ref().is_some_and(|(code, _)| *code == 200),
            "cannot turn moto's authentication on: {answer:?}"
        );
    }

    /// One HTTP/1.1 request, bounded to 5 s: the status code and the body;
    /// `None` when the server cannot be reached.
    pub async fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Option<(u16, String)> {
        let exchange = async {
            let mut stream = tokio::net::TcpStream::connect(self.addr).await.ok()?;
            let mut head = format!(
                "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Length: {}\r\nConnection: close\r\n",
                self.addr,
                body.len()
            );
            for (name, value) in headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            head.push_str("\r\n");
            stream.write_all(head.as_bytes()).await.ok()?;
            stream.write_all(body).await.ok()?;
            let mut response = Vec::new();
            stream.read_to_end(&mut response).await.ok()?;
            let response = String::from_utf8_lossy(&response).into_owned();
            let code = response.split(' ').nth(1)?.parse().ok()?;
            let body = response
                .split_once("\r\n\r\n")
                .map(|(_, body)| body.to_owned())
                .unwrap_or_default();
            Some((code, body))
        };
        tokio::time::timeout(Duration::from_secs(5), exchange)
            .await
            .ok()
            .flatten()
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        self.stop();
    }
}
