//! Where a scenario came from: a file or standard input, and within it an
//! array index or a line number.

use std::fmt;
use std::path::{Path, PathBuf};

/// The input a scenario was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A file, by the path it was found under.
    File(PathBuf),
    /// Standard input (or bytes read like it).
    Stdin,
}

/// Names one scenario's place in the input, for error messages:
/// `tests/x.json`, `tests/x.json[3]`, `<stdin>:4` (JSON Lines) or `<stdin>[3]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    origin: Origin,
    line: Option<usize>,
    index: Option<usize>,
}

impl Source {
    /// A whole file.
    pub fn file(path: impl AsRef<Path>) -> Self {
        Self::new(Origin::File(path.as_ref().to_path_buf()))
    }

    /// All of standard input.
    pub fn stdin() -> Self {
        Self::new(Origin::Stdin)
    }

    fn new(origin: Origin) -> Self {
        Self {
            origin,
            line: None,
            index: None,
        }
    }

    /// The same input, narrowed to one line (1-based) of JSON Lines.
    pub fn with_line(self, line: usize) -> Self {
        Self {
            line: Some(line),
            ..self
        }
    }

    /// The same input, narrowed to one element (0-based) of a top-level array.
    pub fn with_index(self, index: usize) -> Self {
        Self {
            index: Some(index),
            ..self
        }
    }

    /// The file or stdin.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// The line of JSON Lines input, 1-based.
    pub fn line(&self) -> Option<usize> {
        self.line
    }

    /// The index in a top-level array, 0-based.
    pub fn index(&self) -> Option<usize> {
        self.index
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.origin {
            Origin::File(path) => write!(f, "{}", path.display())?,
            Origin::Stdin => f.write_str("<stdin>")?,
        }
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(index) = self.index {
            write!(f, "[{index}]")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_every_form() {
        assert_eq!(Source::file("tests/x.json").to_string(), "tests/x.json");
        assert_eq!(
            Source::file("tests/x.json").with_index(3).to_string(),
            "tests/x.json[3]"
        );
        assert_eq!(Source::stdin().to_string(), "<stdin>");
        assert_eq!(Source::stdin().with_line(4).to_string(), "<stdin>:4");
        assert_eq!(
            Source::stdin().with_line(4).with_index(0).to_string(),
            "<stdin>:4[0]"
        );
    }
}
