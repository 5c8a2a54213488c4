//! Store rewrites during a run, to measure what a hot swap costs the calls
//! in flight: a user file in the store folder the server watches is
//! rewritten `swaps` times, evenly spread over the sending window, each time
//! with a different statement id so every rewrite is a new revision. Each
//! write is atomic (a hidden temporary file renamed over the target, which
//! the store ignores until renamed). Point it at a copy of a store: the
//! file is left behind.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tokio::task::JoinHandle;

use crate::error::LoadError;

/// The file rewritten by default, relative to the store folder.
pub const DEFAULT_SWAP_FILE: &str = "accounts/111122223333/users/loadtest-swap.json";

/// What to rewrite and how often.
#[derive(Debug, Clone)]
pub struct SwapPlan {
    /// The store folder.
    pub store: PathBuf,
    /// The file rewritten, relative to `store`.
    pub file: String,
    /// Rewrites during the window.
    pub swaps: usize,
}

/// The user file of rewrite number `n`: one inline statement whose Sid
/// names the rewrite.
pub fn swap_file_text(n: usize) -> String {
    format!(
        r#"{{"InlinePolicies": {{"loadtest-swap": {{"Version": "2012-10-17", "Statement": [
  {{"Sid": "Swap{n}", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::loadtest-swap/{n}/*"}}
]}}}}}}
"#
    )
}

/// Writes `text` to `target` atomically.
pub fn write_atomic(target: &Path, text: &str) -> Result<(), LoadError> {
    let error = |source| LoadError::Write {
        path: target.to_path_buf(),
        source,
    };
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent).map_err(error)?;
    }
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = target.with_file_name(format!(".{name}.tmp"));
    std::fs::write(&temporary, text).map_err(error)?;
    std::fs::rename(&temporary, target).map_err(error)
}

/// Rewrites running in the background.
#[derive(Debug)]
pub struct Swapper {
    task: JoinHandle<Result<usize, LoadError>>,
}

impl Swapper {
    /// Starts rewriting: rewrite `k` (1-based) at `k * duration / (swaps + 1)`.
    pub fn start(plan: SwapPlan, duration: Duration) -> Result<Self, LoadError> {
        if !plan.store.is_dir() {
            return Err(LoadError::Setting {
                flag: "--swap-store",
                message: format!("`{}` is not a folder", plan.store.display()),
            });
        }
        let target = plan.store.join(&plan.file);
        let start = Instant::now();
        let step = duration.div_f64(plan.swaps as f64 + 1.0);
        let task = tokio::spawn(async move {
            for k in 1..=plan.swaps {
                let at = start + step.mul_f64(k as f64);
                tokio::time::sleep_until(tokio::time::Instant::from_std(at)).await;
                let target = target.clone();
                tokio::task::spawn_blocking(move || write_atomic(&target, &swap_file_text(k)))
                    .await
                    .map_err(|e| LoadError::Write {
                        path: plan.store.join(&plan.file),
                        source: std::io::Error::other(e.to_string()),
                    })??;
            }
            Ok(plan.swaps)
        });
        Ok(Self { task })
    }

    /// Waits for the last rewrite; returns how many were made.
    pub async fn finish(self) -> Result<usize, LoadError> {
        self.task.await.map_err(|e| LoadError::Write {
            path: PathBuf::from("<swap task>"),
            source: std::io::Error::other(e.to_string()),
        })?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_differ_and_are_json() {
        let a: serde_json::Value = serde_json::from_str(&swap_file_text(1)).unwrap();
        let b: serde_json::Value = serde_json::from_str(&swap_file_text(2)).unwrap();
        assert_ne!(a, b);
        assert_eq!(
            a["InlinePolicies"]["loadtest-swap"]["Statement"][0]["Sid"],
            "Swap1"
        );
    }

    #[tokio::test]
    async fn the_swapper_writes_every_rewrite() {
        let dir = tempfile::tempdir().unwrap();
        let plan = SwapPlan {
            store: dir.path().to_path_buf(),
            file: DEFAULT_SWAP_FILE.to_owned(),
            swaps: 3,
        };
        let swapper = Swapper::start(plan, Duration::from_millis(40)).unwrap();
        assert_eq!(swapper.finish().await.unwrap(), 3);
        let text = std::fs::read_to_string(dir.path().join(DEFAULT_SWAP_FILE)).unwrap();
        assert!(text.contains("Swap3"), "{text}");
    }
}
