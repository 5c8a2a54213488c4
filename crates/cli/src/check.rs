//! `tollgate check`: asks one question of a store, as the server's
//! `Authorize` would answer it (the request is read by the same code).
//!
//! Output (stdout): the decision (`allowed`, `explicitDeny`, `implicitDeny`);
//! with `--explain`, then `revision: REV`, one `decisive: EFFECT POLICY
//! Statement[INDEX] [SID] [@ LEVEL]` line per decisive statement (`@ LEVEL`
//! for SCP and RCP statements: the root id, OU path or account id they are
//! attached at), and `reason: ...` when there is one. With `--json`, one JSON
//! object instead: `decision`, `revision`, `decisive` (`policy`, `index`,
//! `sid`, `effect`, and `level` for SCP and RCP statements) and `reason`
//! (`null` when there is none).
//!
//! `--session-policy FILE` (repeatable) gives the session policies the
//! principal's session was created with, as `Authorize`'s
//! `session_policies` does.
//!
//! Exit status: 0 allowed; 3 denied (explicitly or implicitly); 2 when the
//! question or the store cannot be read.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use tollgate_policy::{DecisionKind, Effect, Explanation, ParseLimits};
use tollgate_proto::v1::{AuthorizeRequest, ContextValue, ContextValues, context_value};
use tollgate_server::config::StoreSource;
use tollgate_store::files::read_regular;
use tollgate_store::{SessionTables, compile_session_policies};
use tollgate_wire as convert;

/// Exit status when the request is allowed.
const ALLOWED: u8 = 0;
/// Exit status when the request is denied.
const DENIED: u8 = 3;
/// Exit status when the question or the store cannot be read.
const INPUT_ERROR: u8 = 2;

/// Ask one authorization question of a policy store.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Prints the decision: allowed, explicitDeny or implicitDeny. With --explain,
also the revision, the decisive statements and the reason; for an implicit
deny, `why:` lines: the policy kinds that did not allow, the statements that
matched but failed a condition (operator and key), and the context keys the
policies read that the request did not give.

Exit status: 0 allowed; 3 denied (explicitly or implicitly); 2 when the
question or the store cannot be read, or with --strict the action is not in
the AWS service catalog.")]
pub struct CheckArgs {
    /// The store folder [default: the built-in example store]
    #[arg(long, value_name = "DIR", env = "TOLLGATE_STORE")]
    store: Option<PathBuf>,

    /// Who asks: an IAM principal ARN, a service name, or `anonymous`.
    #[arg(long, value_name = "ARN")]
    principal: String,

    /// The action, `service:Name`.
    #[arg(long, value_name = "ACTION")]
    action: String,

    /// The resource ARN, or `*`.
    #[arg(long, value_name = "ARN")]
    resource: String,

    /// The account that owns the resource, when its ARN does not say.
    #[arg(long, value_name = "ID")]
    resource_account: Option<String>,

    /// A condition key and value, `KEY=VALUE`; repeat a key for a
    /// multi-valued key (`--context aws:TagKeys=a --context aws:TagKeys=b`).
    #[arg(long, value_name = "KEY=VALUE")]
    context: Vec<String>,

    /// A session policy document (JSON file) the principal's session was
    /// created with; repeat for several.
    #[arg(long, value_name = "FILE")]
    session_policy: Vec<PathBuf>,

    /// Also print the revision, the decisive statements and the reason.
    #[arg(long)]
    explain: bool,

    /// Refuse an action that is not in the AWS service catalog (exit 2)
    /// instead of warning about it on standard error.
    #[arg(long)]
    strict: bool,

    /// Print one JSON object: decision, revision, decisive statements,
    /// reason, explanation (for an implicit deny).
    #[arg(long)]
    json: bool,
}

/// The largest session policy file read: AWS caps a session policy far
/// below this; the request reader applies the policy limits after.
const MAX_SESSION_POLICY_BYTES: u64 = 1 << 20;

/// Runs the subcommand.
pub fn main(args: &CheckArgs) -> ExitCode {
    match run(args) {
        Ok(kind) => ExitCode::from(match kind {
            DecisionKind::Allowed => ALLOWED,
            DecisionKind::ExplicitDeny | DecisionKind::ImplicitDeny => DENIED,
        }),
        Err(message) => {
            eprintln!("tollgate check: {message}");
            ExitCode::from(INPUT_ERROR)
        }
    }
}

fn run(args: &CheckArgs) -> Result<DecisionKind, String> {
    let message = AuthorizeRequest {
        principal: args.principal.clone(),
        action: args.action.clone(),
        resource: args.resource.clone(),
        resource_account: args.resource_account.clone().unwrap_or_default(),
        context: context(&args.context)?,
        session_policies: args
            .session_policy
            .iter()
            .map(|path| read_policy_file(path))
            .collect::<Result<_, _>>()?,
        explain: args.explain || args.json,
    };
    let question = convert::question(message, &ParseLimits::default()).map_err(|e| {
        let field = e.path();
        let flag = match field.strip_prefix("context") {
            Some(rest) => format!("--context {rest}"),
            None => format!("--{}", field.replace('_', "-")),
        };
        format!("{flag}: {}", e.message())
    })?;
    let unknown = tollgate_catalog::Catalog::get()
        .ok()
        .and_then(|catalog| tollgate_catalog::unknown_action(catalog, &question.request.action));
    if let Some(message) = unknown {
        if args.strict {
            return Err(format!("--action: {message} (--strict)"));
        }
        eprintln!("tollgate check: warning: --action: {message}");
    }
    let source = match &args.store {
        Some(dir) => StoreSource::Dir(dir.clone()),
        None => StoreSource::Embedded,
    };
    let store = tollgate_server::reload::load(&source)
        .map_err(|e| format!("cannot load the store `{source}`: {e}"))?;
    let documents: Vec<&str> = question
        .session_policies
        .iter()
        .map(String::as_str)
        .collect();
    let compiled = if documents.is_empty() {
        None
    } else {
        Some(compile_session_policies(&documents).map_err(|e| format!("--session-policy: {e}"))?)
    };
    let session = compiled.as_ref().map(|(tables, group)| SessionTables {
        tables,
        group: *group,
    });
    if !args.explain && !args.json {
        let kind = store.decide(&question.request, session).kind;
        println!("{kind}");
        return Ok(kind);
    }
    let (decision, reason) = store.evaluate(&question.request, session);
    if args.json {
        let decisive: Vec<serde_json::Value> = decision
            .decisive
            .iter()
            .map(|d| {
                let mut entry = serde_json::json!({
                    "policy": d.policy,
                    "index": d.index,
                    "sid": d.sid,
                    "effect": match d.effect { Effect::Allow => "Allow", Effect::Deny => "Deny" },
                });
                if let (Some(level), Some(object)) = (&d.level, entry.as_object_mut()) {
                    object.insert("level".into(), level.label().into());
                }
                entry
            })
            .collect();
        let answer = serde_json::json!({
            "decision": decision.kind.as_str(),
            "revision": store.revision(),
            "decisive": decisive,
            "reason": reason.map(|r| r.to_string()),
            "explanation": decision.explanation.as_ref().map(Explanation::to_json),
        });
        println!("{answer}");
        return Ok(decision.kind);
    }
    println!("{}", decision.kind);
    println!("revision: {}", store.revision());
    for statement in &decision.decisive {
        let effect = match statement.effect {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        };
        let sid = statement
            .sid
            .as_deref()
            .map(|sid| format!(" {sid}"))
            .unwrap_or_default();
        let level = statement
            .level
            .as_ref()
            .map(|level| format!(" @ {}", level.label()))
            .unwrap_or_default();
        println!(
            "decisive: {effect} {} Statement[{}]{sid}{level}",
            statement.policy, statement.index
        );
    }
    if let Some(reason) = reason {
        println!("reason: {reason}");
    }
    for line in decision.explanation.iter().flat_map(Explanation::lines) {
        println!("why: {line}");
    }
    Ok(decision.kind)
}

/// A session policy file's text, read with the store's hostile-file reader
/// (a regular file of at most [`MAX_SESSION_POLICY_BYTES`]).
fn read_policy_file(path: &Path) -> Result<String, String> {
    let bytes = read_regular(path, MAX_SESSION_POLICY_BYTES)
        .map_err(|e| format!("--session-policy: {e}"))?;
    String::from_utf8(bytes)
        .map_err(|e| format!("--session-policy `{}`: not UTF-8: {e}", path.display()))
}

/// `KEY=VALUE` pairs as the request's context; a key given several times
/// (in any case: keys ignore case) has all its values, in order.
fn context(pairs: &[String]) -> Result<HashMap<String, ContextValues>, String> {
    let mut order: Vec<(String, Vec<ContextValue>)> = Vec::new();
    for pair in pairs {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(format!("--context `{pair}`: expected KEY=VALUE"));
        };
        if key.is_empty() {
            return Err(format!("--context `{pair}`: the key is empty"));
        }
        let value = ContextValue {
            value: Some(context_value::Value::StringValue(value.to_owned())),
        };
        match order.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case(key)) {
            Some((_, values)) => values.push(value),
            None => order.push((key.to_owned(), vec![value])),
        }
    }
    Ok(order
        .into_iter()
        .map(|(key, values)| (key, ContextValues { values }))
        .collect())
}
