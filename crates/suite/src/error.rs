//! Why a suite file could not be read.

use std::path::PathBuf;

/// A suite file that cannot be read: the file, and where in it the fault is.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SuiteError {
    /// The file cannot be opened or read, or is not a regular file.
    #[error("{path}: {message}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The file is larger than the limit.
    #[error("{path}: the file has more than {limit} bytes (the suite file limit)")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The limit in bytes.
        limit: u64,
    },
    /// The file is not JSON, or not a suite.
    #[error("{file}: {path}: {message}")]
    Invalid {
        /// The file.
        file: String,
        /// The JSON path of the fault (`tests[3].expect`), or `$` for the whole.
        path: String,
        /// What is wrong.
        message: String,
    },
}
