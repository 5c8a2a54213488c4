//! What went wrong with one scenario, and where.

use std::fmt;

use tollgate_policy::JsonPath;

use crate::source::Source;

/// The most faults one [`ScenarioError`] keeps; the rest are counted.
pub const MAX_FAULTS: usize = 50;

/// The longest fault message, and the longest path shown, in bytes; longer
/// ones are cut (user input such as an unknown field name can be long).
pub const MAX_MESSAGE_BYTES: usize = 1024;

/// One fault in a scenario: the JSON path where it is and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    path: JsonPath,
    message: String,
}

impl Fault {
    /// A fault at `path` (within the scenario object).
    pub fn new(path: JsonPath, message: impl Into<String>) -> Self {
        Self {
            path,
            message: truncate(message.into(), MAX_MESSAGE_BYTES),
        }
    }

    /// A fault of the whole input or scenario, with no path inside it.
    pub fn whole(message: impl Into<String>) -> Self {
        Self::new(JsonPath::root(), message)
    }

    /// Where the fault is; the root (`$`) for faults of the whole scenario.
    pub fn path(&self) -> &JsonPath {
        &self.path
    }

    /// What is wrong.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_root() {
            f.write_str(&self.message)
        } else {
            let path = truncate(self.path.to_string(), MAX_MESSAGE_BYTES);
            write!(f, "{path}: {}", self.message)
        }
    }
}

/// A scenario that cannot be evaluated: its source, its name when it could be
/// read, and every fault found (at most [`MAX_FAULTS`], the rest counted).
///
/// Displays as `tests/x.json[3]: identityPolicies[0].Statement[2].Condition: ...`,
/// several faults separated by `; `.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    source: Source,
    name: Option<String>,
    faults: Vec<Fault>,
    omitted: usize,
}

impl ScenarioError {
    /// An error with these faults; an empty list gets a generic fault.
    pub fn new(source: Source, name: Option<String>, mut faults: Vec<Fault>) -> Self {
        if faults.is_empty() {
            faults.push(Fault::whole("the scenario could not be read"));
        }
        let omitted = faults.len().saturating_sub(MAX_FAULTS);
        faults.truncate(MAX_FAULTS);
        Self {
            source,
            name,
            faults,
            omitted,
        }
    }

    /// An error of the whole input, such as unreadable or invalid JSON.
    pub fn whole(source: Source, message: impl Into<String>) -> Self {
        Self::new(source, None, vec![Fault::whole(message)])
    }

    /// Where the scenario came from.
    pub fn source(&self) -> &Source {
        &self.source
    }

    /// The scenario's `name`, when it could be read.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The faults kept, in document order; never empty.
    pub fn faults(&self) -> &[Fault] {
        &self.faults
    }

    /// How many faults were found beyond those kept.
    pub fn omitted(&self) -> usize {
        self.omitted
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.source)?;
        for (i, fault) in self.faults.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{fault}")?;
        }
        if self.omitted > 0 {
            write!(f, "; and {} more", self.omitted)?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioError {}

/// Cuts `text` to at most `max` bytes on a character boundary, marking the cut.
pub(crate) fn truncate(mut text: String, max: usize) -> String {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text.push_str("...");
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_source_paths_and_messages() {
        let path = JsonPath::root().key("identityPolicies").index(0);
        let err = ScenarioError::new(
            Source::file("x.json").with_index(3),
            Some("n".into()),
            vec![Fault::new(path, "bad"), Fault::whole("worse")],
        );
        assert_eq!(
            err.to_string(),
            "x.json[3]: identityPolicies[0]: bad; worse"
        );
        assert_eq!(err.name(), Some("n"));
    }

    #[test]
    fn caps_faults_and_message_length() {
        let faults = (0..MAX_FAULTS + 7)
            .map(|i| Fault::whole(i.to_string()))
            .collect();
        let err = ScenarioError::new(Source::stdin(), None, faults);
        assert_eq!(err.faults().len(), MAX_FAULTS);
        assert_eq!(err.omitted(), 7);
        assert!(err.to_string().ends_with("; and 7 more"));
        let long = Fault::whole("é".repeat(MAX_MESSAGE_BYTES));
        assert!(long.message().len() <= MAX_MESSAGE_BYTES + 3);
        assert!(long.message().ends_with("..."));
        assert!(
            ScenarioError::new(Source::stdin(), None, vec![])
                .faults()
                .len()
                == 1
        );
    }
}
