//! Bounds on what a store may hold, so a hostile or mistaken folder fails
//! with a clear error instead of using unbounded memory.

use tollgate_compiler::CompilerConfig;
use tollgate_policy::ParseLimits;

use crate::files::WalkLimits;

/// Limits applied while loading a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreLimits {
    /// Most files in the store (ignored files included).
    pub max_files: usize,
    /// Largest single file, in bytes, counted on the bytes read (a file
    /// whose metadata says 0 bytes, such as a link to `/dev/zero`, is
    /// refused all the same). Authorization-details documents of big
    /// accounts run to tens of megabytes.
    pub max_file_bytes: usize,
    /// Largest sum of all file sizes, in bytes.
    pub max_total_bytes: usize,
    /// Limits for each policy document.
    pub parse: ParseLimits,
    /// Limits for the compiled tables.
    pub compiler: CompilerConfig,
    /// Bounds on walking a store folder (depth, entries examined, time);
    /// a folder cycle is refused whatever they are.
    pub walk: WalkLimits,
}

impl Default for StoreLimits {
    fn default() -> Self {
        Self {
            max_files: 100_000,
            max_file_bytes: 256 << 20,
            max_total_bytes: 2 << 30,
            parse: ParseLimits::default(),
            compiler: CompilerConfig::default(),
            walk: WalkLimits::default(),
        }
    }
}
