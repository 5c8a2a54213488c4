//! Shared set-up for the criterion benchmarks in `benches/`: the workloads
//! (generated sets at three sizes, AWS managed policies), compiling them, and
//! the requests with the answer each must get. See `README.md` for the
//! figures.

pub mod cedar;
pub mod latency;

use std::fmt::Display;

use tollgate_compiler::TableSet;
use tollgate_policy::{DecisionKind, PolicySet, Request, RequestPrincipal};
use tollgate_workload::generator::{self, GeneratorConfig, PRINCIPAL};
use tollgate_workload::managed;

/// Statement counts of the generated sets.
pub const SIZES: [usize; 3] = [10, 1_000, 100_000];

/// The generator seed every bench uses.
pub const SEED: u64 = 20_250_601;

/// The value, or a message on stderr and exit status 1: benches have no
/// caller to return an error to.
pub fn or_exit<T, E: Display>(result: Result<T, E>, what: &str) -> T {
    match result {
        Ok(value) => value,
        Err(error) => {
            eprintln!("{what}: {error}");
            std::process::exit(1)
        }
    }
}

/// The generated identity policy set of `statements` statements.
pub fn generated_set(statements: usize) -> PolicySet {
    or_exit(
        generator::try_policy_set(&GeneratorConfig::new(statements), SEED),
        "generating a policy set",
    )
}

/// The generated set of `statements` statements without any
/// `"Resource": "*"` statement (the scoped wildcard share is unchanged): no
/// statement but the planted ones can match a probe, at any size, so the
/// decision cost shows the indexes alone.
pub fn scoped_set(statements: usize) -> PolicySet {
    let config = GeneratorConfig {
        star_resource_share: 0.0,
        ..GeneratorConfig::new(statements)
    };
    or_exit(
        generator::try_policy_set(&config, SEED),
        "generating a policy set",
    )
}

/// Compiles a set, exiting on failure.
pub fn compile(set: &PolicySet) -> TableSet {
    or_exit(tollgate_compiler::compile(set), "compiling").tables
}

/// The three probe requests as `(name, expected answer, request)`.
pub fn probe_cases() -> Vec<(&'static str, DecisionKind, Request)> {
    let probes = or_exit(generator::Probes::new(), "building the probe requests");
    probes
        .cases()
        .into_iter()
        .map(|(name, kind, request)| (name, kind, request.clone()))
        .collect()
}

/// The probe principal's request for `action` on `resource`, with the probe
/// context.
pub fn request(action: &str, resource: &str) -> Request {
    let principal = or_exit(RequestPrincipal::parse(PRINCIPAL), "parsing the principal");
    let mut request = Request::new(principal, action, resource);
    request.context = generator::probe_context();
    request
}

/// A policy set of AWS managed policies and the requests asked of it.
pub struct ManagedWorkload {
    /// `read_only`, `power_user`, `administrator`, `all_managed`,
    /// `all_managed_allow_only`.
    pub name: &'static str,
    /// The set.
    pub set: PolicySet,
    /// `(request name, expected answer, request)`.
    pub requests: Vec<(&'static str, DecisionKind, Request)>,
}

/// The managed-policy workloads:
///
/// - `read_only`: `ReadOnlyAccess` (3 statements, ~2,900 action patterns):
///   `s3:GetObject` allowed, `s3:PutObject` implicitly denied;
/// - `power_user`: `PowerUserAccess` (`NotAction` on `*`): `ec2:RunInstances`
///   allowed, `iam:CreateUser` implicitly denied;
/// - `administrator`: `AdministratorAccess`: `iam:CreateUser` allowed;
/// - `all_managed`: all 1,594 managed policies, whose denies include
///   `AWSDenyAll`: `s3:GetObject` explicitly denied;
/// - `all_managed_allow_only`: the managed policies that have no `Deny`
///   statement: `s3:GetObject` allowed.
pub fn managed_workloads() -> Vec<ManagedWorkload> {
    use DecisionKind::{Allowed, ExplicitDeny, ImplicitDeny};
    let get = request("s3:GetObject", "arn:aws:s3:::example-reports/2025/q2.csv");
    let put = request("s3:PutObject", "arn:aws:s3:::example-reports/2025/q2.csv");
    let run = request(
        "ec2:RunInstances",
        "arn:aws:ec2:us-east-1:111122223333:instance/i-0123456789abcdef0",
    );
    let create_user = request("iam:CreateUser", "arn:aws:iam::111122223333:user/alice");
    let named = |names: &[&str]| {
        or_exit(
            managed::managed_policy_set(names),
            "loading managed policies",
        )
    };
    let all = or_exit(
        managed::all_managed_policy_set(),
        "loading managed policies",
    );
    let mut allow_only = all.clone();
    allow_only.identity.retain(|p| {
        p.document
            .statements
            .iter()
            .all(|s| s.effect == tollgate_policy::Effect::Allow)
    });
    vec![
        ManagedWorkload {
            name: "read_only",
            set: named(&["ReadOnlyAccess"]),
            requests: vec![
                ("allowed", Allowed, get.clone()),
                ("implicit_deny", ImplicitDeny, put),
            ],
        },
        ManagedWorkload {
            name: "power_user",
            set: named(&["PowerUserAccess"]),
            requests: vec![
                ("allowed", Allowed, run),
                ("implicit_deny", ImplicitDeny, create_user.clone()),
            ],
        },
        ManagedWorkload {
            name: "administrator",
            set: named(&["AdministratorAccess"]),
            requests: vec![("allowed", Allowed, create_user)],
        },
        ManagedWorkload {
            name: "all_managed",
            set: all,
            requests: vec![("explicit_deny", ExplicitDeny, get.clone())],
        },
        ManagedWorkload {
            name: "all_managed_allow_only",
            set: allow_only,
            requests: vec![("allowed", Allowed, get)],
        },
    ]
}

/// Checks, outside any timing loop, that both the fast path and the
/// explaining path give `expected`; exits with a message otherwise, so a
/// bench never measures the wrong answer.
pub fn check(tables: &TableSet, request: &Request, expected: DecisionKind, what: &str) {
    let fast = tollgate_engine::decide(tables, request);
    let explained = tollgate_engine::evaluate(tables, request);
    if fast != expected || explained.kind != expected {
        eprintln!(
            "{what}: expected {expected}, decide gave {fast}, evaluate gave {} ({} decisive statements)",
            explained.kind,
            explained.decisive.len()
        );
        std::process::exit(1);
    }
    let decisive_needed = expected != DecisionKind::ImplicitDeny;
    if decisive_needed == explained.decisive.is_empty() {
        eprintln!(
            "{what}: {expected} with {} decisive statements",
            explained.decisive.len()
        );
        std::process::exit(1);
    }
}
