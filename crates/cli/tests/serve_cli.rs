//! Runs `tollgate serve` as a process: bad configuration exits 64 before
//! binding; a good one prints the listening line, answers on the admin port,
//! reloads on SIGHUP and exits 0 on SIGTERM.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg(unix)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

fn serve(args: &[&str], envs: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tollgate"));
    command.arg("serve").args(args);
    for (key, _) in std::env::vars() {
        if key.starts_with("TOLLGATE_") {
            command.env_remove(key);
        }
    }
    command.envs(envs.iter().copied());
    command
}

/// Kills the server if the test fails before stopping it.
struct Guard(Option<Child>);

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn kill(child: &Child, signal: &str) {
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

fn get(addr: &str, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let code = response.split(' ').nth(1).unwrap().parse().unwrap();
    (code, response)
}

#[test]
fn bad_configuration_exits_64_listing_every_fault() {
    let config = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(config.path(), "listen = \"127.0.0.1:0\"\nlisten_addr = 1\n").unwrap();
    let output = serve(
        &[
            "--config",
            config.path().to_str().unwrap(),
            "--reload-debounce-ms",
            "soon",
            "--max-batch-size",
            "0",
            "--tls-cert",
            "/nonexistent/cert.pem",
            "--audit-record-requests",
        ],
        &[
            ("TOLLGATE_LOG_FORMAT", "xml"),
            ("TOLLGATE_MAX_IN_FLIGHT", "many"),
        ],
    )
    .output()
    .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(64), "{stderr}");
    for fault in [
        "listen_addr",
        "reload-debounce-ms",
        "log-format",
        "`max-batch-size`: must be between 1",
        "`max-in-flight`: expected a whole number",
        "`tls-cert`: `/nonexistent/cert.pem` is not a readable file",
        "`audit-record-requests`: only with `audit-log`",
    ] {
        assert!(stderr.contains(fault), "{fault} missing from: {stderr}");
    }
    assert!(!stderr.contains("listening"), "{stderr}");
}

#[test]
fn a_broken_store_exits_64() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("stray.json"), "{}").unwrap();
    let output = serve(
        &[
            "--store",
            dir.path().to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ],
        &[("TOLLGATE_ADMIN_LISTEN", "127.0.0.1:0")],
    )
    .output()
    .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(64), "{stderr}");
    assert!(stderr.contains("stray.json"), "{stderr}");
    // The listeners were bound before the store was read.
    let listening = stderr.find("tollgate listening on grpc=");
    let failed = stderr.find("the store did not load at start-up");
    assert!(
        matches!((listening, failed), (Some(l), Some(f)) if l < f),
        "{stderr}"
    );
}

#[test]
fn serves_the_example_reloads_on_sighup_and_stops_on_sigterm() {
    let config = tempfile::NamedTempFile::new().unwrap();
    // The file says port 1 for admin; the environment overrides it, the flag
    // overrides the environment's gRPC address.
    std::fs::write(
        config.path(),
        "admin-listen = \"127.0.0.1:1\"\nlog-format = \"json\"\nlog-level = \"info\"\n",
    )
    .unwrap();
    let mut child = serve(
        &[
            "--config",
            config.path().to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ],
        &[
            ("TOLLGATE_LISTEN", "127.0.0.1:1"),
            ("TOLLGATE_ADMIN_LISTEN", "127.0.0.1:0"),
        ],
    )
    .stdout(Stdio::null())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let mut guard = Guard(Some(child));
    let (lines_tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in stderr.lines() {
            let Ok(line) = line else { break };
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let wait_for = |what: &dyn Fn(&str) -> bool| -> String {
        loop {
            let line = lines
                .recv_timeout(Duration::from_secs(10))
                .expect("the expected stderr line within 10 s");
            if what(&line) {
                return line;
            }
        }
    };

    let listening = wait_for(&|l| l.starts_with("tollgate listening on "));
    let rest = listening
        .strip_prefix("tollgate listening on grpc=")
        .unwrap();
    let (grpc, admin) = rest.split_once(" admin=").unwrap();
    assert!(grpc.starts_with("127.0.0.1:") && !grpc.ends_with(":0") && grpc != "127.0.0.1:1");
    assert!(admin.starts_with("127.0.0.1:") && admin != "127.0.0.1:1");
    assert_eq!(get(admin, "/healthz").0, 200);
    // Bound first, then the store loads: ready within a few seconds.
    let started = std::time::Instant::now();
    while get(admin, "/readyz").0 != 200 {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "not ready within 10 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    TcpStream::connect(grpc).unwrap();

    kill(guard.0.as_ref().unwrap(), "-HUP");
    let reloaded = wait_for(&|l| l.contains("store unchanged"));
    assert!(
        reloaded.starts_with('{') && reloaded.contains("signal"),
        "{reloaded}"
    );

    let child = guard.0.as_mut().unwrap();
    kill(child, "-TERM");
    let mut status = None;
    for _ in 0..500 {
        status = child.try_wait().unwrap();
        if status.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = status.expect("exits within 10 s of SIGTERM");
    guard.0 = None;
    assert_eq!(status.code(), Some(0));
}

/// `serve` on ephemeral ports; returns once it listens, with the process.
fn started(envs: &[(&str, &str)], remove: &[&str]) -> Guard {
    let mut command = serve(
        &["--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"],
        envs,
    );
    for key in remove {
        command.env_remove(key);
    }
    let mut child = command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let guard = Guard(Some(child));
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in stderr.lines() {
            let Ok(line) = line else { break };
            if line.starts_with("tollgate listening on ") {
                let _ = tx.send(());
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(10))
        .expect("the server listens within 10 s");
    guard
}

/// The value of `key` in the environment the process `pid` runs with.
fn environment_value(pid: u32, key: &str) -> Option<String> {
    let environ = std::fs::read(format!("/proc/{pid}/environ")).ok()?;
    environ.split(|b| *b == 0).find_map(|entry| {
        let entry = String::from_utf8_lossy(entry);
        entry
            .strip_prefix(key)
            .and_then(|rest| rest.strip_prefix('='))
            .map(str::to_owned)
    })
}

#[cfg(target_os = "linux")]
#[test]
fn serve_keeps_freed_pages_unless_told_otherwise() {
    const PURGE: &str = "MIMALLOC_PURGE_DELAY";
    // Unset: the same process (same pid) now runs with purging off.
    let guard = started(&[], &[PURGE]);
    let pid = guard.0.as_ref().unwrap().id();
    assert_eq!(environment_value(pid, PURGE).as_deref(), Some("-1"));
    drop(guard);
    // Set: left as given.
    let guard = started(&[(PURGE, "250")], &[]);
    let pid = guard.0.as_ref().unwrap().id();
    assert_eq!(environment_value(pid, PURGE).as_deref(), Some("250"));
}
