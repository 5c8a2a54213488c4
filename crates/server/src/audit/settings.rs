//! [`AuditSettings`]: the `audit-*` configuration keys, checked.

use std::path::PathBuf;

use crate::config::ConfigLayer;

/// Default `audit-max-file-mb`.
pub const DEFAULT_MAX_FILE_MB: u64 = 100;
/// Default `audit-keep-files`.
pub const DEFAULT_KEEP_FILES: usize = 5;
/// Default `audit-queue`.
pub const DEFAULT_QUEUE: usize = 65_536;

/// Where records go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditSink {
    /// The process's standard output (`audit-log = "-"` or `"stdout"`).
    Stdout,
    /// A file, rotated by size.
    File(PathBuf),
}

/// Which decisions are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditDecisions {
    /// Every decision (allows sampled by `sample_allows`).
    All,
    /// Denies only (explicit and implicit).
    Deny,
}

/// The validated audit log settings.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditSettings {
    /// Where records go.
    pub sink: AuditSink,
    /// A file is rotated before it would pass this many bytes.
    pub max_file_bytes: u64,
    /// Rotated files kept (`PATH.1` newest ... `PATH.N`), besides `PATH`.
    pub keep_files: usize,
    /// Which decisions are written.
    pub decisions: AuditDecisions,
    /// The fraction of allows written, 0 to 1, decided per request id.
    pub sample_allows: f64,
    /// Records waiting for the writer, at most; more are dropped.
    pub queue: usize,
    /// Whether records carry the request's context and session policies
    /// (`audit-record-requests`), for `tollgate replay`.
    pub record_requests: bool,
}

impl AuditSettings {
    /// Settings writing every decision to `sink`, with the defaults.
    pub fn new(sink: AuditSink) -> Self {
        Self {
            sink,
            max_file_bytes: DEFAULT_MAX_FILE_MB << 20,
            keep_files: DEFAULT_KEEP_FILES,
            decisions: AuditDecisions::All,
            sample_allows: 1.0,
            queue: DEFAULT_QUEUE,
            record_requests: false,
        }
    }

    /// The settings of `layer`: `None` without `audit-log`; every fault,
    /// each naming its key.
    pub(crate) fn from_layer(layer: &ConfigLayer) -> Result<Option<Self>, Vec<String>> {
        let mut faults = Vec::new();
        let Some(log) = &layer.audit_log else {
            let given = [
                layer.audit_max_file_mb.map(|_| "audit-max-file-mb"),
                layer.audit_keep_files.map(|_| "audit-keep-files"),
                layer.audit_decisions.as_ref().map(|_| "audit-decisions"),
                layer.audit_sample_allows.map(|_| "audit-sample-allows"),
                layer.audit_queue.map(|_| "audit-queue"),
                layer
                    .audit_record_requests
                    .filter(|on| *on)
                    .map(|_| "audit-record-requests"),
            ];
            for key in given.into_iter().flatten() {
                faults.push(format!("`{key}`: only with `audit-log`"));
            }
            return if faults.is_empty() {
                Ok(None)
            } else {
                Err(faults)
            };
        };
        let sink = match log.as_str() {
            "-" | "stdout" => AuditSink::Stdout,
            "" => {
                faults.push("`audit-log`: expected `-`, `stdout` or a file path".to_owned());
                AuditSink::Stdout
            }
            path => {
                let path = PathBuf::from(path);
                let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
                if parent.is_some_and(|p| !p.is_dir()) || path.is_dir() {
                    faults.push(format!(
                        "`audit-log`: `{}` is a folder or its folder does not exist",
                        path.display()
                    ));
                }
                AuditSink::File(path)
            }
        };
        let mut settings = Self::new(sink);
        if let Some(mb) = layer.audit_max_file_mb {
            if (1..=1 << 20).contains(&mb) {
                settings.max_file_bytes = mb << 20;
            } else {
                faults.push(format!(
                    "`audit-max-file-mb`: must be between 1 and 1048576, found {mb}"
                ));
            }
        }
        if let Some(keep) = layer.audit_keep_files {
            match usize::try_from(keep) {
                Ok(keep) if keep <= 1000 => settings.keep_files = keep,
                _ => faults.push(format!(
                    "`audit-keep-files`: must be at most 1000, found {keep}"
                )),
            }
        }
        if let Some(text) = &layer.audit_decisions {
            match text.as_str() {
                "all" => settings.decisions = AuditDecisions::All,
                "deny" => settings.decisions = AuditDecisions::Deny,
                other => faults.push(format!(
                    "`audit-decisions`: expected `all` or `deny`, found `{other}`"
                )),
            }
        }
        if let Some(rate) = layer.audit_sample_allows {
            if (0.0..=1.0).contains(&rate) {
                settings.sample_allows = rate;
            } else {
                faults.push(format!(
                    "`audit-sample-allows`: must be a fraction between 0 and 1, found {rate}"
                ));
            }
        }
        if let Some(queue) = layer.audit_queue {
            match usize::try_from(queue) {
                Ok(queue) if (1..=1 << 24).contains(&queue) => settings.queue = queue,
                _ => faults.push(format!(
                    "`audit-queue`: must be between 1 and 16777216, found {queue}"
                )),
            }
        }
        settings.record_requests = layer.audit_record_requests.unwrap_or(false);
        if faults.is_empty() {
            Ok(Some(settings))
        } else {
            Err(faults)
        }
    }
}
