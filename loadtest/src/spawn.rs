//! Starting the server for a run: `tollgate serve` on 127.0.0.1 ephemeral
//! ports, its gRPC address read from the line it prints once listening
//! (`tollgate listening on grpc=ADDR admin=ADDR`). The child is stopped
//! when the [`ServerProcess`] is dropped.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::error::LoadError;

/// How long the server may take to load its store and bind.
pub const START_TIMEOUT: Duration = Duration::from_secs(120);

/// A running `tollgate serve` child.
#[derive(Debug)]
pub struct ServerProcess {
    child: Child,
    /// The gRPC URI, such as `http://127.0.0.1:40123`.
    pub target: String,
}

impl ServerProcess {
    /// Starts `program serve` with `store` (none: the embedded example) and
    /// `extra` arguments; waits until it listens.
    pub fn start(
        program: &Path,
        store: Option<&Path>,
        extra: &[String],
    ) -> Result<Self, LoadError> {
        let fail = |message: String| LoadError::Spawn {
            program: program.to_path_buf(),
            message,
        };
        let mut command = Command::new(program);
        command
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--admin-listen",
                "127.0.0.1:0",
            ])
            .args(
                store
                    .map(|s| vec!["--store".into(), s.as_os_str().to_owned()])
                    .unwrap_or_default(),
            )
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = command.spawn().map_err(|e| fail(e.to_string()))?;
        let Some(stderr) = child.stderr.take() else {
            let _ = child.kill();
            return Err(fail("no stderr pipe".to_owned()));
        };
        // A thread reads stderr to the end (so the pipe never fills) and
        // reports the listening line.
        let (found, listening) = mpsc::channel();
        std::thread::spawn(move || {
            let mut tail = Vec::new();
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Some(addr) = grpc_addr(&line) {
                    let _ = found.send(Ok(addr));
                } else if tail.len() < 20 {
                    tail.push(line);
                }
            }
            let _ = found.send(Err(tail.join("\n")));
        });
        match listening.recv_timeout(START_TIMEOUT) {
            Ok(Ok(addr)) => Ok(Self {
                child,
                target: format!("http://{addr}"),
            }),
            Ok(Err(output)) => {
                let _ = child.kill();
                let _ = child.wait();
                Err(fail(format!("it exited before listening:\n{output}")))
            }
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                Err(fail(format!("not listening after {START_TIMEOUT:?}")))
            }
        }
    }

    /// The child's process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The gRPC address of a `tollgate listening on grpc=ADDR admin=ADDR` line.
pub fn grpc_addr(line: &str) -> Option<String> {
    let rest = line.split("tollgate listening on grpc=").nth(1)?;
    let addr = rest.split_whitespace().next()?;
    Some(addr.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_listening_line_gives_the_grpc_address() {
        assert_eq!(
            grpc_addr("tollgate listening on grpc=127.0.0.1:4000 admin=127.0.0.1:4001").as_deref(),
            Some("127.0.0.1:4000")
        );
        assert_eq!(grpc_addr("loading store"), None);
    }

    #[test]
    fn a_missing_program_is_a_clear_error() {
        let error =
            ServerProcess::start(Path::new("/nonexistent/tollgate"), None, &[]).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("cannot start the server `/nonexistent/tollgate`"),
            "{error}"
        );
    }
}
