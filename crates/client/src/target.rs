//! [`Target`]: where the sidecar listens.

use std::path::PathBuf;

use crate::error::ClientError;

/// The sidecar's address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `http://HOST:PORT` (plaintext HTTP/2 over TCP).
    Tcp(String),
    /// `unix:/path/to/socket`.
    Unix(PathBuf),
}

impl Target {
    /// Reads `http://HOST:PORT`, `HOST:PORT` or `unix:/PATH`.
    pub fn parse(text: &str) -> Result<Self, ClientError> {
        let fail = |reason: &str| ClientError::Target {
            target: text.to_owned(),
            reason: reason.to_owned(),
        };
        if let Some(path) = text.strip_prefix("unix:") {
            let path = path.strip_prefix("//").unwrap_or(path);
            if !path.starts_with('/') {
                return Err(fail("a Unix socket path must be absolute"));
            }
            return Ok(Target::Unix(PathBuf::from(path)));
        }
        if text.starts_with("https://") {
            return Err(fail(
                "TLS is not supported by this client; use a pod-local socket or loopback",
            ));
        }
        let url = if text.starts_with("http://") {
            text.to_owned()
        } else {
            format!("http://{text}")
        };
        match url.parse::<tonic::transport::Uri>() {
            Ok(uri) if uri.port_u16().is_some() && uri.host().is_some() => Ok(Target::Tcp(url)),
            Ok(_) => Err(fail("expected HOST:PORT")),
            Err(e) => Err(fail(&e.to_string())),
        }
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Tcp(url) => f.write_str(url),
            Target::Unix(path) => write!(f, "unix:{}", path.display()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_or_name_their_fault() {
        assert_eq!(
            Target::parse("unix:/run/tollgate/grpc.sock").ok(),
            Some(Target::Unix("/run/tollgate/grpc.sock".into()))
        );
        assert_eq!(
            Target::parse("unix:///run/t.sock").ok(),
            Some(Target::Unix("/run/t.sock".into()))
        );
        assert_eq!(
            Target::parse("127.0.0.1:50051").ok(),
            Some(Target::Tcp("http://127.0.0.1:50051".into()))
        );
        for bad in ["unix:relative.sock", "https://x:1", "127.0.0.1", "http://"] {
            let error = Target::parse(bad).err().map(|e| e.to_string());
            assert!(
                error.as_deref().is_some_and(|e| e.contains(bad)),
                "{bad}: {error:?}"
            );
        }
    }
}
