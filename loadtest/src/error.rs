//! [`LoadError`]: what can stop a load test before or while it runs.

use std::path::PathBuf;

/// Why a load test could not run.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A request file could not be read.
    #[error("cannot read `{path}`: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A line of a request file is not a valid request.
    #[error("{path}:{line}: {message}")]
    Line {
        /// The file.
        path: PathBuf,
        /// The 1-based line number.
        line: usize,
        /// What is wrong with it.
        message: String,
    },
    /// A request file holds no request.
    #[error("`{0}` holds no request")]
    Empty(PathBuf),
    /// A flag's value is out of range or contradicts another flag.
    #[error("{flag}: {message}")]
    Setting {
        /// The flag, such as `--rate`.
        flag: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The target could not be reached.
    #[error("cannot connect to `{target}`: {message}")]
    Connect {
        /// The target URI.
        target: String,
        /// The transport error.
        message: String,
    },
    /// The server child process failed to start or to report its address.
    #[error("cannot start the server `{program}`: {message}")]
    Spawn {
        /// The server program.
        program: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// Writing a file (a report, a frame, a store rewrite) failed.
    #[error("cannot write `{path}`: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}
