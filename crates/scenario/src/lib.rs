//! The `tollgate simulate` contract (`docs/scenario-format.md`) as a library:
//! reading scenarios and writing answers.
//!
//! A [`Scenario`] is one authorization question: a [`PolicySet`], one
//! [`Request`], and optionally the [`DecisionKind`] its author expects.
//! [`read_path`] reads a file or a folder of `*.json` files ([`scenario_files`]
//! does the same one file at a time), [`read_stdin`] and
//! [`read_bytes`] read JSON Lines (or one array or object). Each scenario
//! becomes a [`ScenarioInput`]: the scenario, or a [`ScenarioError`] that names
//! its [`Source`] and the JSON path of every fault. One bad scenario never
//! stops the others.
//!
//! [`answer_line`], [`error_line`], [`mismatch_line`] and [`summary_line`]
//! write the output lines (the first three are JSON; a mismatch line is plain
//! text starting with [`MISMATCH_PREFIX`]). In answers, `name` and a decisive statement's `sid`
//! are written as `null` when absent, never omitted; each decisive statement
//! carries its `policy` label, its `index` in that policy's `Statement` list,
//! its `sid` and its `effect`.
//!
//! ```
//! use tollgate_policy::{Decision, DecisionKind, DecisiveStatement, Effect};
//! use tollgate_scenario::{ReadOptions, answer_line, read_bytes};
//!
//! let input = br#"{"name": "read", "identityPolicies": [{"Version": "2012-10-17", "Statement": {"Sid": "AllowRead", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}], "request": {"principal": "arn:aws:iam::111122223333:user/sam", "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k"}, "expect": "allowed"}
//! {"name": "bad", "request": {"principal": "bob", "action": "s3:GetObject", "resource": "*"}}
//! "#;
//! let inputs = read_bytes(input, &ReadOptions::default());
//! let scenario = inputs[0].scenario.as_ref().unwrap();
//! assert_eq!(scenario.policies.identity[0].label, "identityPolicies[0]");
//! assert_eq!(scenario.expect, Some(DecisionKind::Allowed));
//! let error = inputs[1].scenario.as_ref().unwrap_err();
//! assert!(error.to_string().starts_with("<stdin>:2: request.principal: `bob` is not a principal"));
//!
//! // The engine's answer, written as the contract says:
//! let decision = Decision {
//!     kind: DecisionKind::Allowed,
//!     decisive: vec![DecisiveStatement {
//!         policy: "identityPolicies[0]".into(),
//!         index: 0,
//!         sid: Some("AllowRead".into()),
//!         effect: Effect::Allow,
//!         level: None,
//!     }],
//!     explanation: None,
//! };
//! assert_eq!(
//!     answer_line(inputs[0].name(), &decision),
//!     r#"{"name": "read", "decision": "allowed", "decisive": [{"policy": "identityPolicies[0]", "index": 0, "sid": "AllowRead", "effect": "Allow"}]}"#
//! );
//! ```
//!
//! Hostile input is bounded: each file (or standard input) may hold at most
//! [`ReadOptions::max_input_bytes`] (16 MiB by default), checked before it is
//! read; JSON may nest at most [`MAX_JSON_DEPTH`] levels; text must be UTF-8
//! (the error gives the byte offset, line and column); each policy document
//! obeys the policy crate's [`ParseLimits`](tollgate_policy::ParseLimits),
//! including its document size, measured as compact JSON. One input holds at
//! most [`ReadOptions::max_scenarios`] scenarios and each scenario at most
//! [`ReadOptions::max_json_values`] JSON values, so memory stays within a
//! small multiple of the input limit whatever the input's shape. An error
//! keeps at most [`MAX_FAULTS`] faults.
//!
//! [`PolicySet`]: tollgate_policy::PolicySet
//! [`Request`]: tollgate_policy::Request
//! [`DecisionKind`]: tollgate_policy::DecisionKind

mod error;
mod output;
mod read;
mod scenario;
mod source;

pub use error::{Fault, MAX_FAULTS, MAX_MESSAGE_BYTES, ScenarioError};
pub use output::{
    MISMATCH_PREFIX, answer_line, answer_line_explained, answer_line_with_warnings, error_line,
    explain, mismatch_line, summary_line,
};
pub use read::{
    DEFAULT_MAX_INPUT_BYTES, DEFAULT_MAX_JSON_VALUES, DEFAULT_MAX_SCENARIOS, MAX_JSON_DEPTH,
    ReadOptions, ScenarioFiles, ScenarioInput, read_bytes, read_path, read_path_with, read_reader,
    read_stdin, read_stdin_with, scenario_files,
};
pub use scenario::{REQUEST_FIELDS, SCENARIO_FIELDS, Scenario};
pub use source::{Origin, Source};
