//! The output lines of `tollgate simulate`: one JSON object per scenario, then
//! with `--check` a plain-text line per mismatch and a summary.
//!
//! JSON lines are written with `": "` after keys and `", "` between entries, as the
//! contract shows them. Absent values (`name`, `sid`) are `null`, never omitted,
//! so every line of a kind has the same keys. The one exception is a decisive
//! statement's `level`, which only SCP and RCP statements have: it is written
//! for them alone, so answers that involve no organization policy keep the
//! shape they always had.

use std::io;

use serde::Serialize;
use serde_json::ser::{Formatter, Serializer};
use tollgate_policy::{Decision, DecisionKind, DecisiveStatement};

use crate::source::Source;

/// `{"name": ..., "decision": "...", "decisive": [{"policy": "...", "index": 0, "sid": "...", "effect": "Allow"}]}`:
/// the answer to one scenario. `name` and `sid` are `null` when absent; `index`
/// is the statement's position in its policy's `Statement` list. SCP and RCP
/// statements also have `"level"`: the index `i` of
/// `serviceControlPolicies[i]` / `resourceControlPolicies[i]` (a number), or
/// the level's name when the evaluator knows it (a string).
pub fn answer_line(name: Option<&str>, decision: &Decision) -> String {
    to_line(&Answer::new(name, decision, &[]))
}

/// [`answer_line`] with the scenario's policy warnings (`POLICY.PATH:
/// MESSAGE`, e.g. from the service-catalog validation) in a `warnings` list
/// after `decisive`; without warnings the line is exactly [`answer_line`]'s.
/// Warnings never change the decision.
pub fn answer_line_with_warnings(
    name: Option<&str>,
    decision: &Decision,
    warnings: &[String],
) -> String {
    to_line(&Answer::new(name, decision, warnings))
}

/// [`answer_line_with_warnings`] with, for an implicit deny, the
/// `explanation` ([`tollgate_policy::Explanation::to_json`]) after
/// `decisive`: `simulate --explain`.
pub fn answer_line_explained(
    name: Option<&str>,
    decision: &Decision,
    warnings: &[String],
) -> String {
    let mut answer = Answer::new(name, decision, warnings);
    answer.explanation = decision.explanation.as_ref().map(|e| e.to_json());
    to_line(&answer)
}

/// `{"name": ..., "error": "..."}`: a scenario that cannot be evaluated.
pub fn error_line(name: Option<&str>, message: &str) -> String {
    #[derive(Serialize)]
    struct ErrorLine<'a> {
        name: Option<&'a str>,
        error: &'a str,
    }
    to_line(&ErrorLine {
        name,
        error: message,
    })
}

/// The line `--check` prints after the answer line of a scenario whose
/// decision is not the one it expects: plain text (not JSON, so a reader of
/// answers can skip it by its first character), naming the source, the
/// scenario's name as a JSON string, the expected and actual decisions and the
/// decisive statements:
///
/// `FAIL tests/x.json[3] "scp deny": expected allowed, got explicitDeny: denied by serviceControlPolicies[0][0] Statement[0] (Sid DenyS3)`
pub fn mismatch_line(
    source: &Source,
    name: Option<&str>,
    expected: DecisionKind,
    decision: &Decision,
) -> String {
    let explanation = explain(expected, decision);
    match name {
        Some(name) => {
            let quoted = serde_json::to_string(name).unwrap_or_else(|_| name.to_owned());
            format!("{MISMATCH_PREFIX}{source} {quoted}: {explanation}")
        }
        None => format!("{MISMATCH_PREFIX}{source}: {explanation}"),
    }
}

/// How a [`mismatch_line`] starts.
pub const MISMATCH_PREFIX: &str = "FAIL ";

/// `N passed, M failed`: the last line of `--check`.
pub fn summary_line(passed: usize, failed: usize) -> String {
    format!("{passed} passed, {failed} failed")
}

/// Why `decision` is not `expected`, in words.
pub fn explain(expected: DecisionKind, decision: &Decision) -> String {
    let head = format!("expected {expected}, got {}", decision.kind);
    if decision.decisive.is_empty() {
        return match decision.kind {
            DecisionKind::ImplicitDeny => match &decision.explanation {
                Some(explanation) if !explanation.unmet.is_empty() => {
                    format!("{head}: {}", explanation.lines().join("; "))
                }
                _ => format!(
                    "{head}: nothing denies it, but no applicable statement allows it where an allow is needed"
                ),
            },
            DecisionKind::Allowed | DecisionKind::ExplicitDeny => {
                format!("{head}, with no decisive statement")
            }
        };
    }
    let verb = match decision.kind {
        DecisionKind::ExplicitDeny => "denied by",
        DecisionKind::Allowed | DecisionKind::ImplicitDeny => "allowed by",
    };
    let statements: Vec<String> = decision.decisive.iter().map(describe).collect();
    format!("{head}: {verb} {}", statements.join(", "))
}

fn describe(statement: &DecisiveStatement) -> String {
    let mut place = format!("{} Statement[{}]", statement.policy, statement.index);
    // A scenario's labels already say the level (`serviceControlPolicies[1][0]`);
    // a level is added only when it has a name of its own.
    if let Some(name) = statement.level.as_ref().and_then(|l| l.name.as_deref()) {
        place.push_str(&format!(" at level {name}"));
    }
    match &statement.sid {
        Some(sid) => format!("{place} (Sid {sid})"),
        None => place,
    }
}

#[derive(Serialize)]
struct Answer<'a> {
    name: Option<&'a str>,
    decision: &'static str,
    decisive: Vec<Decisive<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    explanation: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    warnings: &'a [String],
}

impl<'a> Answer<'a> {
    fn new(name: Option<&'a str>, decision: &'a Decision, warnings: &'a [String]) -> Self {
        Self {
            warnings,
            explanation: None,
            name,
            decision: decision.kind.as_str(),
            decisive: decision
                .decisive
                .iter()
                .map(|d| Decisive {
                    policy: &d.policy,
                    index: d.index,
                    sid: d.sid.as_deref(),
                    effect: d.effect.as_str(),
                    level: d.level.as_ref().map(|l| match &l.name {
                        Some(name) => Level::Name(name),
                        None => Level::Index(l.index),
                    }),
                })
                .collect(),
        }
    }
}

#[derive(Serialize)]
struct Decisive<'a> {
    policy: &'a str,
    index: usize,
    sid: Option<&'a str>,
    effect: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    level: Option<Level<'a>>,
}

/// An SCP or RCP statement's level: its index on the path, or its name.
#[derive(Serialize)]
#[serde(untagged)]
enum Level<'a> {
    Index(usize),
    Name(&'a str),
}

/// Writes `": "` after keys and `", "` between entries; otherwise compact.
struct ContractFormatter;

impl Formatter for ContractFormatter {
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }
}

fn to_line(value: &impl Serialize) -> String {
    let mut serializer = Serializer::with_formatter(Vec::new(), ContractFormatter);
    match value.serialize(&mut serializer) {
        // serde_json writes UTF-8 only; the lossy path is never taken.
        Ok(()) => String::from_utf8_lossy(&serializer.into_inner()).into_owned(),
        Err(e) => {
            format!("{{\"name\": null, \"error\": \"internal error writing the answer: {e}\"}}")
        }
    }
}

#[cfg(test)]
mod tests {
    use tollgate_policy::Effect;

    use super::*;

    fn decision(
        kind: DecisionKind,
        decisive: Vec<(&str, usize, Option<&str>, Effect)>,
    ) -> Decision {
        Decision {
            kind,
            decisive: decisive
                .into_iter()
                .map(|(policy, index, sid, effect)| DecisiveStatement {
                    policy: policy.into(),
                    index,
                    sid: sid.map(str::to_owned),
                    effect,
                    level: None,
                })
                .collect(),
            explanation: None,
        }
    }

    #[test]
    fn answer_line_has_the_contract_shape() {
        let d = decision(
            DecisionKind::Allowed,
            vec![
                ("identityPolicies[0]", 1, Some("AllowRead"), Effect::Allow),
                ("resourcePolicy", 0, None, Effect::Allow),
            ],
        );
        assert_eq!(
            answer_line(Some("n"), &d),
            r#"{"name": "n", "decision": "allowed", "decisive": [{"policy": "identityPolicies[0]", "index": 1, "sid": "AllowRead", "effect": "Allow"}, {"policy": "resourcePolicy", "index": 0, "sid": null, "effect": "Allow"}]}"#
        );
        let d = decision(DecisionKind::ImplicitDeny, vec![]);
        assert_eq!(
            answer_line(None, &d),
            r#"{"name": null, "decision": "implicitDeny", "decisive": []}"#
        );
    }

    #[test]
    fn control_policy_statements_carry_their_level() {
        let mut d = decision(
            DecisionKind::Allowed,
            vec![
                ("serviceControlPolicies[0][0]", 0, None, Effect::Allow),
                ("organization/scps/full.json", 0, None, Effect::Allow),
            ],
        );
        d.decisive[0].level = Some(tollgate_policy::OrgLevel {
            index: 0,
            name: None,
        });
        d.decisive[1].level = Some(tollgate_policy::OrgLevel {
            index: 1,
            name: Some("r-ab12/ou-ab12-apps".into()),
        });
        assert_eq!(
            answer_line(None, &d),
            r#"{"name": null, "decision": "allowed", "decisive": [{"policy": "serviceControlPolicies[0][0]", "index": 0, "sid": null, "effect": "Allow", "level": 0}, {"policy": "organization/scps/full.json", "index": 0, "sid": null, "effect": "Allow", "level": "r-ab12/ou-ab12-apps"}]}"#
        );
        assert_eq!(
            explain(DecisionKind::ImplicitDeny, &d),
            "expected implicitDeny, got allowed: allowed by serviceControlPolicies[0][0] Statement[0], organization/scps/full.json Statement[0] at level r-ab12/ou-ab12-apps"
        );
    }

    #[test]
    fn lines_escape_and_parse_as_json() {
        let line = error_line(Some("a \"q\"\n"), "x.json: bad `Statement`");
        assert_eq!(
            line,
            r#"{"name": "a \"q\"\n", "error": "x.json: bad `Statement`"}"#
        );
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["name"], "a \"q\"\n");
        assert_eq!(error_line(None, "e"), r#"{"name": null, "error": "e"}"#);
    }

    #[test]
    fn mismatch_line_explains() {
        let d = decision(
            DecisionKind::ExplicitDeny,
            vec![
                (
                    "serviceControlPolicies[0][0]",
                    0,
                    Some("DenyS3"),
                    Effect::Deny,
                ),
                ("resourcePolicy", 2, None, Effect::Deny),
            ],
        );
        let source = Source::file("x.json").with_index(3);
        assert_eq!(
            mismatch_line(&source, Some("scp \"deny\""), DecisionKind::Allowed, &d),
            r#"FAIL x.json[3] "scp \"deny\"": expected allowed, got explicitDeny: denied by serviceControlPolicies[0][0] Statement[0] (Sid DenyS3), resourcePolicy Statement[2]"#
        );
        let d = decision(
            DecisionKind::Allowed,
            vec![("identityPolicies[1]", 0, None, Effect::Allow)],
        );
        assert_eq!(
            mismatch_line(
                &Source::stdin().with_line(2),
                None,
                DecisionKind::ImplicitDeny,
                &d
            ),
            "FAIL <stdin>:2: expected implicitDeny, got allowed: allowed by identityPolicies[1] Statement[0]"
        );
        let d = decision(DecisionKind::ImplicitDeny, vec![]);
        assert_eq!(
            explain(DecisionKind::Allowed, &d),
            "expected allowed, got implicitDeny: nothing denies it, but no applicable statement allows it where an allow is needed"
        );
        assert_eq!(summary_line(3, 1), "3 passed, 1 failed");
    }
}
