//! Writing what a run found: one line per case and a closing
//! `N passed, M failed` (text), or JUnit XML for CI systems.

use std::fmt::Write as _;

use tollgate_policy::Effect;

use crate::case::TestCase;
use crate::run::Outcome;

/// How a report is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `PASS`/`FAIL`/`ERROR` lines and a summary line.
    Text,
    /// JUnit XML: one `testsuite` per file, one `testcase` per case.
    Junit,
}

/// One case's result.
#[derive(Debug, Clone)]
struct Entry {
    file: String,
    name: String,
    location: String,
    outcome: Outcome,
}

/// The results of a run, in the order cases ran.
#[derive(Debug, Clone, Default)]
pub struct Report {
    entries: Vec<Entry>,
    /// Files that could not be read, with why.
    unreadable: Vec<(String, String)>,
}

impl Report {
    /// An empty report.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a case of `file` and what running it found.
    pub fn add(&mut self, file: &str, case: &TestCase, outcome: Outcome) {
        self.entries.push(Entry {
            file: file.to_owned(),
            name: case.name.clone(),
            location: case.location.clone(),
            outcome,
        });
    }

    /// Records a file that could not be read.
    pub fn add_unreadable(&mut self, file: &str, message: String) {
        self.unreadable.push((file.to_owned(), message));
    }

    /// Cases that passed.
    pub fn passed(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| e.outcome == Outcome::Pass)
            .count()
    }

    /// Cases that failed (a different answer).
    pub fn failed(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| matches!(e.outcome, Outcome::Fail { .. }))
            .count()
    }

    /// Cases that could not be asked, plus files that could not be read.
    pub fn errors(&self) -> usize {
        self.unreadable.len()
            + self
                .entries
                .iter()
                .filter(|e| matches!(e.outcome, Outcome::Error(_)))
                .count()
    }

    /// The report in `format`.
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Text => self.text(),
            Format::Junit => self.junit(),
        }
    }

    fn text(&self) -> String {
        let mut out = String::new();
        for (file, message) in &self.unreadable {
            let _ = writeln!(out, "ERROR {file}: {message}");
        }
        for entry in &self.entries {
            let head = format!("{} {:?}", entry.location, entry.name);
            let _ = match &entry.outcome {
                Outcome::Pass => writeln!(out, "PASS {head}"),
                Outcome::Error(message) => writeln!(out, "ERROR {head}: {message}"),
                outcome => writeln!(out, "FAIL {head}: {}", failure(outcome)),
            };
        }
        let errors = self.errors();
        let _ = write!(out, "{} passed, {} failed", self.passed(), self.failed());
        if errors > 0 {
            let _ = write!(out, ", {errors} errors");
        }
        out.push('\n');
        out
    }

    fn junit(&self) -> String {
        let mut files: Vec<&str> = Vec::new();
        for name in self
            .unreadable
            .iter()
            .map(|(f, _)| f.as_str())
            .chain(self.entries.iter().map(|e| e.file.as_str()))
        {
            if !files.contains(&name) {
                files.push(name);
            }
        }
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            out,
            "<testsuites name=\"tollgate test\" tests=\"{}\" failures=\"{}\" errors=\"{}\">",
            self.entries.len(),
            self.failed(),
            self.errors()
        );
        for file in files {
            let entries: Vec<&Entry> = self.entries.iter().filter(|e| e.file == file).collect();
            let unreadable: Vec<&String> = self
                .unreadable
                .iter()
                .filter(|(f, _)| f == file)
                .map(|(_, m)| m)
                .collect();
            let failures = entries
                .iter()
                .filter(|e| matches!(e.outcome, Outcome::Fail { .. }))
                .count();
            let errors = unreadable.len()
                + entries
                    .iter()
                    .filter(|e| matches!(e.outcome, Outcome::Error(_)))
                    .count();
            let _ = writeln!(
                out,
                "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\">",
                escape(file),
                entries.len()
            );
            for message in unreadable {
                let _ = writeln!(out, "    <error message=\"{}\"/>", escape(message));
            }
            for entry in entries {
                let _ = write!(
                    out,
                    "    <testcase classname=\"{}\" name=\"{}\"",
                    escape(file),
                    escape(&entry.name)
                );
                let _ = match &entry.outcome {
                    Outcome::Pass => writeln!(out, "/>"),
                    Outcome::Error(message) => writeln!(
                        out,
                        ">\n      <error message=\"{}\"/>\n    </testcase>",
                        escape(message)
                    ),
                    outcome => writeln!(
                        out,
                        ">\n      <failure message=\"{}\"/>\n    </testcase>",
                        escape(&failure(outcome))
                    ),
                };
            }
            out.push_str("  </testsuite>\n");
        }
        out.push_str("</testsuites>\n");
        out
    }
}

/// Why a failed case failed: the expected and given answers and the
/// statements behind the given one.
fn failure(outcome: &Outcome) -> String {
    let Outcome::Fail {
        got,
        decisive,
        missing,
        reason,
    } = outcome
    else {
        return String::new();
    };
    let mut text = format!("got {got}");
    if decisive.is_empty() {
        text.push_str(" (no decisive statement)");
    } else {
        let list: Vec<String> = decisive
            .iter()
            .map(|d| {
                let effect = match d.effect {
                    Effect::Allow => "Allow",
                    Effect::Deny => "Deny",
                };
                match &d.sid {
                    Some(sid) => format!("{effect} {} Statement[{}] {sid}", d.policy, d.index),
                    None => format!("{effect} {} Statement[{}]", d.policy, d.index),
                }
            })
            .collect();
        let _ = write!(text, " (decisive: {})", list.join("; "));
    }
    if !missing.is_empty() {
        let list: Vec<String> = missing.iter().map(ToString::to_string).collect();
        let _ = write!(text, "; expected decisive but not: {}", list.join("; "));
    }
    if let Some(reason) = reason {
        let _ = write!(text, "; reason: {reason}");
    }
    text
}

/// Text as an XML attribute value.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 cannot carry other control characters at all.
            c if c.is_control() && !matches!(c, '\t' | '\n' | '\r') => {
                let _ = write!(out, "\\u{{{:04x}}}", u32::from(c));
            }
            '\n' => out.push_str("&#10;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escape_leaves_no_markup_and_no_control_characters() {
        assert_eq!(
            escape("a<b>&\"'\u{1}\n"),
            "a&lt;b&gt;&amp;&quot;&apos;\\u{0001}&#10;"
        );
    }
}
