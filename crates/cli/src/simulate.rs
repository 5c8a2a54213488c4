//! `tollgate simulate [--check] PATH... | -`: answers the scenarios of the
//! simulate contract (`docs/scenario-format.md`) with the real compiler and engine.
//!
//! Output (stdout): one JSON line per scenario, in input order (paths in the
//! order given; a folder's `*.json` files in path order). A scenario that
//! cannot be read or compiled gets an error line `{"name": ..., "error": "..."}`
//! naming its source and the JSON path of each fault; the others are still
//! answered. Compiler warnings go to stderr, prefixed with the scenario's name
//! (or its source when it has none). What the service-catalog validation
//! (`tollgate_catalog::validate`) finds in the scenario's policies goes in the
//! answer line's `warnings` list (`POLICY.PATH: MESSAGE`), present only when
//! non-empty; it never changes the decision.
//!
//! With `--check`, every answer line is printed as without it; a scenario
//! whose decision differs from its `expect` also gets, right after its answer
//! line, a plain-text line `FAIL SOURCE "NAME": expected X, got Y: ...` that
//! names the decisive statements (see [`mismatch_line`]). Only JSON lines start
//! with `{`, so `grep -v '^{'` shows just the mismatches and the summary. The
//! run ends with `N passed, M failed`, counting the scenarios that carry
//! `expect` (scenarios with errors are counted in neither: they show as error
//! lines and set exit status 2).
//!
//! Exit status: 2 when any input could not be read, parsed or compiled; else
//! 1 when `--check` found a mismatch; else 0.

use std::io::{self, BufWriter, Write};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use tollgate_policy::{Decision, NamedPolicy, PolicyKind, PolicySet};
use tollgate_scenario::{
    DEFAULT_MAX_INPUT_BYTES, ReadOptions, Scenario, ScenarioError, ScenarioInput, Source,
    answer_line_explained, answer_line_with_warnings, error_line, mismatch_line, read_stdin_with,
    scenario_files, summary_line,
};

/// Answer authorization scenarios: the policies, a request, and optionally
/// the expected decision (`docs/scenario-format.md`).
///
/// Prints one JSON line per scenario: {"name": ..., "decision": ..., "decisive": [...]}.
#[derive(Debug, clap::Args)]
pub struct SimulateArgs {
    /// Compare each decision with the scenario's `expect`: after the answer
    /// line of a mismatch, print a `FAIL ...` line that explains it; end with
    /// `N passed, M failed`; exit 1 on a mismatch.
    #[arg(long)]
    check: bool,

    /// For an implicit deny, add `explanation` to the answer line: the
    /// policy kinds that did not allow, the statements that matched but
    /// failed a condition, and the context keys the request did not give.
    #[arg(long)]
    explain: bool,

    /// Refuse (an error line) a scenario whose request action is not in the
    /// AWS service catalog, instead of warning about it in `warnings`.
    #[arg(long)]
    strict: bool,

    /// The largest input file (or standard input) to read, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_INPUT_BYTES, env = "TOLLGATE_MAX_INPUT_BYTES")]
    max_input_bytes: u64,

    /// Scenario files (one scenario object or an array), folders (every
    /// `*.json` file under them, recursively), or `-` for standard input
    /// (JSON Lines, an array, or one object).
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
}

/// Runs the subcommand on the process's stdout and stderr.
pub fn main(args: &SimulateArgs) -> ExitCode {
    let stdout = io::stdout().lock();
    let mut out = BufWriter::new(stdout);
    let mut err = io::stderr().lock();
    let result = run(args, &mut out, &mut err).and_then(|status| out.flush().map(|()| status));
    match result {
        Ok(status) => ExitCode::from(status.code()),
        Err(e) => {
            if e.kind() != io::ErrorKind::BrokenPipe {
                let _ = writeln!(err, "tollgate: cannot write the answers: {e}");
            }
            ExitCode::from(Status::InputError.code())
        }
    }
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Every scenario was answered (and, with `--check`, as expected).
    Ok,
    /// `--check` found a decision that is not the expected one.
    Mismatch,
    /// Some input could not be read, parsed or compiled.
    InputError,
}

impl Status {
    /// The exit status: 0, 1 or 2.
    pub fn code(self) -> u8 {
        match self {
            Status::Ok => 0,
            Status::Mismatch => 1,
            Status::InputError => 2,
        }
    }
}

#[derive(Debug, Default)]
struct Tally {
    passed: usize,
    failed: usize,
    errors: usize,
}

/// Reads every path in order and writes one line per scenario to `out`.
/// The error is a failure to write.
pub fn run(args: &SimulateArgs, out: &mut impl Write, err: &mut impl Write) -> io::Result<Status> {
    let options = ReadOptions {
        max_input_bytes: args.max_input_bytes,
        ..ReadOptions::default()
    };
    let mut tally = Tally::default();
    for path in &args.paths {
        // One file at a time: memory holds one input file's scenarios.
        let files: Box<dyn Iterator<Item = Vec<ScenarioInput>>> = if path == Path::new("-") {
            match read_stdin_with(&options) {
                Ok(inputs) => Box::new(std::iter::once(inputs)),
                Err(error) => {
                    report(&error, &mut tally, out)?;
                    continue;
                }
            }
        } else {
            match scenario_files(path, &options) {
                Ok(files) => Box::new(files),
                Err(error) => {
                    report(&error, &mut tally, out)?;
                    continue;
                }
            }
        };
        for inputs in files {
            for input in &inputs {
                answer(
                    input,
                    args.check,
                    args.explain,
                    args.strict,
                    &mut tally,
                    out,
                    err,
                )?;
            }
        }
    }
    if args.check {
        writeln!(out, "{}", summary_line(tally.passed, tally.failed))?;
    }
    if tally.errors > 0 {
        writeln!(
            err,
            "tollgate: {} scenario input(s) could not be evaluated",
            tally.errors
        )?;
        Ok(Status::InputError)
    } else if tally.failed > 0 {
        Ok(Status::Mismatch)
    } else {
        Ok(Status::Ok)
    }
}

fn report(error: &ScenarioError, tally: &mut Tally, out: &mut impl Write) -> io::Result<()> {
    tally.errors += 1;
    writeln!(out, "{}", error_line(error.name(), &error.to_string()))
}

fn answer(
    input: &ScenarioInput,
    check: bool,
    explain: bool,
    strict: bool,
    tally: &mut Tally,
    out: &mut impl Write,
    err: &mut impl Write,
) -> io::Result<()> {
    let scenario = match &input.scenario {
        Ok(scenario) => scenario,
        Err(error) => return report(error, tally, out),
    };
    let name = scenario.name.as_deref();
    let label = name.map_or_else(|| input.source.to_string(), str::to_owned);
    let unknown = tollgate_catalog::Catalog::get()
        .ok()
        .and_then(|catalog| tollgate_catalog::unknown_action(catalog, &scenario.request.action))
        .map(|message| format!("request.action: {message}"));
    if strict && let Some(message) = &unknown {
        tally.errors += 1;
        return writeln!(
            out,
            "{}",
            error_line(name, &format!("{message} (--strict)"))
        );
    }
    let decision = match evaluate(scenario, &input.source) {
        Ok((decision, warnings)) => {
            for warning in warnings {
                writeln!(err, "{label}: warning: {warning}")?;
            }
            decision
        }
        Err(message) => {
            tally.errors += 1;
            return writeln!(out, "{}", error_line(name, &message));
        }
    };
    let mut warnings = catalog_warnings(&scenario.policies);
    warnings.extend(unknown);
    let line = if explain {
        answer_line_explained(name, &decision, &warnings)
    } else {
        answer_line_with_warnings(name, &decision, &warnings)
    };
    writeln!(out, "{line}")?;
    match scenario.expect.filter(|_| check) {
        Some(expected) if expected != decision.kind => {
            tally.failed += 1;
            let line = mismatch_line(&input.source, name, expected, &decision);
            writeln!(out, "{line}")
        }
        Some(_) => {
            tally.passed += 1;
            Ok(())
        }
        None => Ok(()),
    }
}

/// What the service-catalog validation finds in each policy of the
/// scenario, as `LABEL.PATH: MESSAGE` (`identityPolicies[0].Statement[0].Action[1]: ...`).
fn catalog_warnings(policies: &PolicySet) -> Vec<String> {
    let mut warnings = Vec::new();
    let mut check = |policy: &NamedPolicy, kind: PolicyKind| {
        for finding in tollgate_catalog::validate(&policy.document, kind) {
            warnings.push(format!("{}.{finding}", policy.label));
        }
    };
    for policy in &policies.identity {
        check(policy, PolicyKind::Identity);
    }
    if let Some(policy) = &policies.permissions_boundary {
        check(policy, PolicyKind::PermissionsBoundary);
    }
    for policy in policies.session.iter().flatten() {
        check(policy, PolicyKind::Session);
    }
    for policy in policies.service_control.iter().flatten() {
        check(policy, PolicyKind::ServiceControl);
    }
    for policy in policies.resource_control.iter().flatten() {
        check(policy, PolicyKind::ResourceControl);
    }
    if let Some(policy) = &policies.resource {
        check(policy, PolicyKind::Resource);
    }
    warnings
}

/// Compiles the scenario's policies and evaluates its request with the real
/// compiler and engine. Returns the decision and the compiler's warnings, or
/// a message naming the source. A panic in either is caught and reported as
/// this scenario's error, so the others are still answered.
fn evaluate(scenario: &Scenario, source: &Source) -> Result<(Decision, Vec<String>), String> {
    let run = AssertUnwindSafe(|| {
        let compiled = tollgate_compiler::compile(&scenario.policies)
            .map_err(|e| format!("{source}: cannot compile the policies: {e}"))?;
        let warnings = compiled.warnings.iter().map(ToString::to_string).collect();
        let decision = tollgate_engine::evaluate(&compiled.tables, &scenario.request);
        Ok((decision, warnings))
    });
    panic::catch_unwind(run).unwrap_or_else(|_| {
        Err(format!(
            "{source}: internal error: evaluation panicked (a tollgate bug; the message is on stderr)"
        ))
    })
}
