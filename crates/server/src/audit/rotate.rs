//! [`RotatingFile`]: an append-only log file rotated by size, keeping N
//! older files: `PATH` (current), `PATH.1` (newest rotated) ... `PATH.N`.
//!
//! Rotation happens between two records, never inside one, so every file
//! holds whole JSON lines. (`file-rotate` was considered: its byte limit
//! splits a write across files, and the rest is a few renames.)

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// A size-rotated file.
#[derive(Debug)]
pub(crate) struct RotatingFile {
    path: PathBuf,
    file: BufWriter<File>,
    written: u64,
    max_bytes: u64,
    keep: usize,
}

impl RotatingFile {
    /// Opens `path` for appending (created if needed).
    pub(crate) fn open(path: &Path, max_bytes: u64, keep: usize) -> io::Result<Self> {
        let file = open_append(path)?;
        let written = file.metadata()?.len();
        Ok(Self {
            path: path.to_owned(),
            file: BufWriter::with_capacity(super::BUFFER_BYTES, file),
            written,
            max_bytes,
            keep,
        })
    }

    /// Writes one whole record, rotating first when it would take the
    /// current file past the limit (a record larger than the limit gets a
    /// file of its own).
    pub(crate) fn write_record(&mut self, record: &[u8]) -> io::Result<()> {
        let len = u64::try_from(record.len()).unwrap_or(u64::MAX);
        if self.written > 0 && self.written.saturating_add(len) > self.max_bytes {
            self.rotate()?;
        }
        self.file.write_all(record)?;
        self.written = self.written.saturating_add(len);
        Ok(())
    }

    /// `PATH.N-1` -> `PATH.N` ... `PATH` -> `PATH.1`; the oldest beyond
    /// `keep` is removed; a new `PATH` is opened.
    fn rotate(&mut self) -> io::Result<()> {
        self.file.flush()?;
        if self.keep == 0 {
            fs::remove_file(&self.path)?;
        } else {
            let _ = fs::remove_file(numbered(&self.path, self.keep));
            for n in (1..self.keep).rev() {
                let from = numbered(&self.path, n);
                if from.exists() {
                    fs::rename(&from, numbered(&self.path, n + 1))?;
                }
            }
            fs::rename(&self.path, numbered(&self.path, 1))?;
        }
        let file = open_append(&self.path)?;
        self.file = BufWriter::with_capacity(super::BUFFER_BYTES, file);
        self.written = 0;
        Ok(())
    }

    /// Flushes to the operating system.
    pub(crate) fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// Opens `path` for appending (created if needed), refusing anything but
/// a regular file. The open does not block (`O_NONBLOCK`: a FIFO with no
/// reader fails at once instead of stalling start-up), and the type is
/// checked on the opened descriptor, so a FIFO, a device or a socket is
/// refused with an error that says what it is.
fn open_append(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    let file = match options.open(path) {
        Ok(file) => file,
        // Opening a FIFO that has no reader for writing without blocking.
        Err(e) if e.raw_os_error() == Some(libc::ENXIO) => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "it is a FIFO with no reader; the audit log is a regular file (or `-` for stdout)",
            ));
        }
        Err(e) => return Err(e),
    };
    let file_type = file.metadata()?.file_type();
    if !file_type.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "it is {}; the audit log is a regular file (or `-` for stdout)",
                tollgate_store::files::type_name(file_type)
            ),
        ));
    }
    Ok(file)
}

fn numbered(path: &Path, n: usize) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".{n}"));
    PathBuf::from(name)
}
