//! Reading scenarios from files, folders and standard input, with bounds on
//! what hostile input can cost.

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use tollgate_policy::ParseLimits;

use crate::error::ScenarioError;
use crate::scenario::Scenario;
use crate::source::Source;

mod document;
#[cfg(test)]
mod tests;

use document::{Base, read_document};

/// The default limit on one input file or standard input: 16 MiB.
pub const DEFAULT_MAX_INPUT_BYTES: u64 = 16 << 20;

/// The default limit on scenarios in one input: 100,000.
pub const DEFAULT_MAX_SCENARIOS: usize = 100_000;

/// The default limit on JSON values in one scenario: 1,000,000. Real IAM
/// policies are at most tens of kilobytes; this leaves room for many.
pub const DEFAULT_MAX_JSON_VALUES: usize = 1_000_000;

/// How deep JSON may nest (serde_json's recursion limit); deeper input is an error.
pub const MAX_JSON_DEPTH: usize = 128;

/// Bounds on what reading may cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadOptions {
    /// Largest input file, or standard input, in bytes. Checked before the
    /// input is read into memory.
    pub max_input_bytes: u64,
    /// Most scenarios in one input (a file, or standard input); more is an
    /// error of the whole input. This bounds the answers kept in memory.
    pub max_scenarios: usize,
    /// Most JSON values (objects, arrays, strings, numbers ...) in one
    /// scenario; more is an error of the input. This bounds the memory a
    /// scenario's JSON tree takes, whatever the shape of its text.
    pub max_json_values: usize,
    /// Limits for each policy document and for request strings and lists.
    pub parse_limits: ParseLimits,
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self {
            max_input_bytes: DEFAULT_MAX_INPUT_BYTES,
            max_scenarios: DEFAULT_MAX_SCENARIOS,
            max_json_values: DEFAULT_MAX_JSON_VALUES,
            parse_limits: ParseLimits::default(),
        }
    }
}

/// One scenario as read: where it came from, and either the scenario or why
/// it cannot be evaluated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioInput {
    /// Where the scenario came from.
    pub source: Source,
    /// The scenario, or its faults.
    pub scenario: Result<Scenario, ScenarioError>,
}

impl ScenarioInput {
    /// The scenario's `name`, when it could be read (also for a bad scenario).
    pub fn name(&self) -> Option<&str> {
        match &self.scenario {
            Ok(scenario) => scenario.name.as_deref(),
            Err(error) => error.name(),
        }
    }

    fn failed(error: ScenarioError) -> Self {
        Self {
            source: error.source().clone(),
            scenario: Err(error),
        }
    }
}

/// Reads the scenarios of a file or folder with the default options. See
/// [`read_path_with`].
pub fn read_path(path: impl AsRef<Path>) -> Result<Vec<ScenarioInput>, ScenarioError> {
    read_path_with(path, &ReadOptions::default())
}

/// Reads the scenarios of a file, or of every `*.json` file under a folder
/// (recursively, in path order), all at once. [`scenario_files`] reads the
/// same one file at a time, so that memory holds one file, not the folder.
///
/// A file holds one scenario object or an array of them. Each scenario yields
/// its own [`ScenarioInput`], so one bad scenario does not stop the others; a
/// file under the folder that cannot be read at all (too large, not UTF-8,
/// not JSON) yields one failed input naming the file.
///
/// The error is for `path` itself: it does not exist, cannot be opened or
/// read, or (when a file) is larger than [`ReadOptions::max_input_bytes`].
///
/// Symbolic links are followed; a folder reached twice is read once.
pub fn read_path_with(
    path: impl AsRef<Path>,
    options: &ReadOptions,
) -> Result<Vec<ScenarioInput>, ScenarioError> {
    Ok(scenario_files(path, options)?.flatten().collect())
}

/// The scenarios of a file or folder, as [`read_path_with`] finds them, read
/// one file at a time: each item holds the inputs of one file. The folder is
/// listed (and a single file read) when this is called; the error is for
/// `path` itself.
pub fn scenario_files(
    path: impl AsRef<Path>,
    options: &ReadOptions,
) -> Result<ScenarioFiles, ScenarioError> {
    let path = path.as_ref();
    let metadata = fs::metadata(path).map_err(|e| io_error(Source::file(path), &e))?;
    if metadata.is_dir() {
        return Ok(ScenarioFiles {
            options: *options,
            first: None,
            files: list_json_files(path)?.into_iter(),
        });
    }
    let bytes = read_file(path, options)?;
    let inputs = read_document(
        &bytes,
        Source::file(path),
        Base::START,
        options.max_scenarios,
        options,
    );
    Ok(ScenarioFiles {
        options: *options,
        first: Some(inputs),
        files: Vec::new().into_iter(),
    })
}

/// The scenarios of a file or folder, one file at a time; see [`scenario_files`].
#[derive(Debug)]
pub struct ScenarioFiles {
    options: ReadOptions,
    first: Option<Vec<ScenarioInput>>,
    files: std::vec::IntoIter<(PathBuf, Result<(), ScenarioError>)>,
}

impl Iterator for ScenarioFiles {
    type Item = Vec<ScenarioInput>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(first) = self.first.take() {
            return Some(first);
        }
        let (file, listed) = self.files.next()?;
        let inputs = match listed.and_then(|()| read_file(&file, &self.options)) {
            Ok(bytes) => read_document(
                &bytes,
                Source::file(&file),
                Base::START,
                self.options.max_scenarios,
                &self.options,
            ),
            Err(error) => vec![ScenarioInput::failed(error)],
        };
        Some(inputs)
    }
}

/// Reads scenarios from standard input with the default options. See [`read_bytes`].
pub fn read_stdin() -> Result<Vec<ScenarioInput>, ScenarioError> {
    read_stdin_with(&ReadOptions::default())
}

/// Reads scenarios from standard input. See [`read_bytes`].
pub fn read_stdin_with(options: &ReadOptions) -> Result<Vec<ScenarioInput>, ScenarioError> {
    read_reader(io::stdin().lock(), options)
}

/// Reads at most [`ReadOptions::max_input_bytes`] from `reader` and reads
/// the scenarios in it as [`read_bytes`] does. The error is for a failed read
/// or input beyond the limit.
pub fn read_reader(
    reader: impl Read,
    options: &ReadOptions,
) -> Result<Vec<ScenarioInput>, ScenarioError> {
    let bytes = read_limited(reader, Source::stdin(), options.max_input_bytes, None)?;
    Ok(read_bytes(&bytes, options))
}

/// Reads the scenarios of standard-input text: JSON Lines (one scenario
/// object per line, blank lines skipped, sources `<stdin>:LINE`), or a single
/// JSON array of scenarios (`<stdin>[INDEX]`), or a single scenario object
/// spread over several lines (`<stdin>`).
///
/// The input is JSON Lines when its first non-blank line is a JSON value on
/// its own, or is malformed in a way other than ending early; it is one
/// document when it starts with `[` or its first line is an unfinished value.
/// In JSON Lines, a bad line fails alone.
pub fn read_bytes(bytes: &[u8], options: &ReadOptions) -> Vec<ScenarioInput> {
    let source = Source::stdin();
    if bytes.len() as u64 > options.max_input_bytes {
        return vec![ScenarioInput::failed(too_large(
            source,
            bytes.len() as u64,
            options.max_input_bytes,
        ))];
    }
    let bytes = strip_bom(bytes);
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        None => Vec::new(),
        Some(b'[') => read_document(bytes, source, Base::START, options.max_scenarios, options),
        Some(_) if is_json_lines(bytes) => read_json_lines(bytes, options),
        Some(_) => read_document(bytes, source, Base::START, options.max_scenarios, options),
    }
}

fn read_json_lines(bytes: &[u8], options: &ReadOptions) -> Vec<ScenarioInput> {
    let mut inputs = Vec::new();
    let mut offset = 0;
    for (i, line) in bytes.split(|b| *b == b'\n').enumerate() {
        if !is_blank(line) {
            let source = Source::stdin().with_line(i + 1);
            let left = options.max_scenarios.saturating_sub(inputs.len());
            if left == 0 {
                let message = format!(
                    "more than {} scenarios in one input; the rest is not read",
                    options.max_scenarios
                );
                inputs.push(ScenarioInput::failed(ScenarioError::whole(source, message)));
                break;
            }
            let base = Base {
                line: i + 1,
                offset,
            };
            inputs.extend(read_document(line, source, base, left, options));
        }
        offset += line.len() + 1;
    }
    inputs
}

fn is_json_lines(bytes: &[u8]) -> bool {
    let Some(first) = bytes.split(|b| *b == b'\n').find(|line| !is_blank(line)) else {
        return false;
    };
    match std::str::from_utf8(first) {
        Err(_) => true,
        Ok(text) => match serde_json::from_str::<serde::de::IgnoredAny>(text) {
            Ok(_) => true,
            Err(e) => !e.is_eof(),
        },
    }
}

fn is_blank(line: &[u8]) -> bool {
    line.iter().all(u8::is_ascii_whitespace)
}

fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// Reads a file of at most `max_input_bytes`, checking its size first.
fn read_file(path: &Path, options: &ReadOptions) -> Result<Vec<u8>, ScenarioError> {
    let source = Source::file(path);
    let file = File::open(path).map_err(|e| io_error(source.clone(), &e))?;
    let limit = options.max_input_bytes;
    let size = file
        .metadata()
        .ok()
        .filter(|m| m.is_file())
        .map(|m| m.len());
    if let Some(size) = size.filter(|size| *size > limit) {
        return Err(too_large(source, size, limit));
    }
    read_limited(file, source, limit, size)
}

/// Reads at most `limit` bytes; more is an error.
fn read_limited(
    reader: impl Read,
    source: Source,
    limit: u64,
    size_hint: Option<u64>,
) -> Result<Vec<u8>, ScenarioError> {
    let capacity = usize::try_from(size_hint.unwrap_or(0).min(limit)).unwrap_or(0);
    let mut bytes = Vec::with_capacity(capacity);
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| io_error(source.clone(), &e))?;
    if bytes.len() as u64 > limit {
        return Err(ScenarioError::whole(
            source,
            format!("input is larger than the limit of {limit} bytes"),
        ));
    }
    Ok(bytes)
}

fn too_large(source: Source, size: u64, limit: u64) -> ScenarioError {
    ScenarioError::whole(
        source,
        format!("input is {size} bytes, more than the limit of {limit}"),
    )
}

fn io_error(source: Source, error: &io::Error) -> ScenarioError {
    ScenarioError::whole(source, format!("cannot read: {error}"))
}

/// Files found under a folder, each with the error that keeps it from being read.
type Listing = Vec<(PathBuf, Result<(), ScenarioError>)>;

/// Every `*.json` file under `root`, sorted by path, each with the error of
/// the folder listing that found it (a folder that cannot be listed appears
/// as one entry carrying its error). The error is for `root` itself.
fn list_json_files(root: &Path) -> Result<Listing, ScenarioError> {
    let mut found = Vec::new();
    let mut visited = HashSet::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let is_root = dir == root;
        if let Ok(canonical) = fs::canonicalize(&dir)
            && !visited.insert(canonical)
        {
            continue;
        }
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if is_root => return Err(io_error(Source::file(&dir), &e)),
            Err(e) => {
                found.push((dir.clone(), Err(io_error(Source::file(&dir), &e))));
                continue;
            }
        };
        for entry in entries {
            let path = match entry {
                Ok(entry) => entry.path(),
                Err(e) => {
                    found.push((dir.clone(), Err(io_error(Source::file(&dir), &e))));
                    continue;
                }
            };
            let is_json = path
                .extension()
                .is_some_and(|ext| ext.eq_ignore_ascii_case("json"));
            match fs::metadata(&path) {
                Ok(metadata) if metadata.is_dir() => pending.push(path),
                Ok(_) if is_json => found.push((path, Ok(()))),
                Ok(_) => {}
                Err(e) if is_json => {
                    let error = io_error(Source::file(&path), &e);
                    found.push((path, Err(error)));
                }
                Err(_) => {}
            }
        }
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(found)
}
