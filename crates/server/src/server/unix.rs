//! The gRPC listener on a Unix domain socket. The socket has the configured
//! permissions (0600 by default) from the first moment it can be reached at
//! its path: it is bound inside a fresh private folder (0700) beside the
//! target, given its mode there, then renamed into place. A stale socket
//! left by a crashed run is replaced, a live one is an error, and the file
//! is removed when the server stops (unless something else replaced it
//! meanwhile).

use std::path::{Path, PathBuf};

use crate::error::ServeError;

/// A bound Unix socket and the guard that removes its file.
#[derive(Debug)]
pub(crate) struct UnixSocket {
    #[cfg(unix)]
    listener: tokio::net::UnixListener,
    guard: SocketGuard,
}

/// Removes the socket file when dropped, if it is still the one we bound.
#[derive(Debug)]
pub(crate) struct SocketGuard {
    path: PathBuf,
    /// Device and inode of the file we bound.
    id: Option<(u64, u64)>,
}

fn bind_error(path: &Path, source: std::io::Error) -> ServeError {
    ServeError::Bind {
        what: "gRPC",
        addr: format!("unix:{}", path.display()),
        source,
    }
}

#[cfg(unix)]
impl UnixSocket {
    pub(crate) fn bind(path: &Path, mode: u32) -> Result<Self, ServeError> {
        use std::os::unix::fs::{FileTypeExt, PermissionsExt};

        if let Ok(meta) = std::fs::symlink_metadata(path) {
            if !meta.file_type().is_socket() {
                return Err(bind_error(
                    path,
                    std::io::Error::new(
                        std::io::ErrorKind::AlreadyExists,
                        "the path exists and is not a socket",
                    ),
                ));
            }
            if std::os::unix::net::UnixStream::connect(path).is_ok() {
                return Err(bind_error(
                    path,
                    std::io::Error::new(
                        std::io::ErrorKind::AddrInUse,
                        "another server listens on this socket",
                    ),
                ));
            }
            std::fs::remove_file(path).map_err(|e| bind_error(path, e))?;
        }
        let private = PrivateDir::create(path).map_err(|e| bind_error(path, e))?;
        let staged = private.path.join("socket");
        let listener = tokio::net::UnixListener::bind(&staged).map_err(|e| bind_error(path, e))?;
        std::fs::set_permissions(&staged, std::fs::Permissions::from_mode(mode))
            .map_err(|e| bind_error(path, e))?;
        std::fs::rename(&staged, path).map_err(|e| bind_error(path, e))?;
        drop(private);
        let guard = SocketGuard {
            path: path.to_path_buf(),
            id: file_id(path),
        };
        Ok(Self { listener, guard })
    }

    pub(crate) fn into_listener(self) -> (tokio::net::UnixListener, SocketGuard) {
        (self.listener, self.guard)
    }
}

/// A folder only the owner can enter, beside the socket's path, removed
/// (with whatever is left in it) when dropped.
#[cfg(unix)]
struct PrivateDir {
    path: PathBuf,
}

#[cfg(unix)]
impl PrivateDir {
    fn create(target: &Path) -> std::io::Result<Self> {
        use std::os::unix::fs::DirBuilderExt;

        let parent = target
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = target
            .file_name()
            .map_or_else(|| "socket".into(), |n| n.to_string_lossy());
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = parent.join(format!(".{name}.{}-{n}.bind", std::process::id()));
        // A folder left by a crashed run of this process id: not ours to trust.
        if std::fs::symlink_metadata(&path).is_ok() {
            std::fs::remove_dir_all(&path)?;
        }
        std::fs::DirBuilder::new().mode(0o700).create(&path)?;
        Ok(Self { path })
    }
}

#[cfg(unix)]
impl Drop for PrivateDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

#[cfg(not(unix))]
impl UnixSocket {
    pub(crate) fn bind(path: &Path, _mode: u32) -> Result<Self, ServeError> {
        Err(bind_error(
            path,
            std::io::Error::new(
                std::io::ErrorKind::Unsupported,
                "Unix sockets need a Unix system",
            ),
        ))
    }

    pub(crate) fn into_listener(self) -> (NeverAccept, SocketGuard) {
        (NeverAccept, self.guard)
    }
}

/// No Unix sockets here: nothing is ever accepted.
#[cfg(not(unix))]
pub(crate) struct NeverAccept;

#[cfg(not(unix))]
impl super::listen::Accept for NeverAccept {
    type Io = tokio::net::TcpStream;

    async fn next_connection(&mut self) -> std::io::Result<tokio::net::TcpStream> {
        std::future::pending().await
    }
}

#[cfg(unix)]
fn file_id(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::symlink_metadata(path)
        .ok()
        .map(|meta| (meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn file_id(_path: &Path) -> Option<(u64, u64)> {
    None
}

impl Drop for SocketGuard {
    fn drop(&mut self) {
        if self.id.is_some() && file_id(&self.path) == self.id {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}
