//! `tollgate who-can --action A --resource R [--context k=v]...
//! [--via-assume-role] [--format text|json]`: every principal of the store
//! allowed the action on the resource, those allowed only for some values
//! of the context keys not given (with those values), and the principals
//! outside the store that the resource's policies let in
//! (`docs/access-queries.md`).
//!
//! Exit status: 0 answered; 2 when the query or the store cannot be read.

use std::path::PathBuf;
use std::process::ExitCode;

use tollgate_access::{Access, Limits, WhoCan, WhoCanQuery, who_can};

use std::fmt::Write as _;

use crate::access_args::{
    Format, INPUT_ERROR, case_text, condition_text, context, load_store, write_stdout,
};

/// Who can do an action on a resource, per the store.
#[derive(Debug, clap::Args)]
pub struct WhoCanArgs {
    /// The store folder [default: the built-in example store]
    #[arg(long, value_name = "DIR", env = "TOLLGATE_STORE")]
    store: Option<PathBuf>,

    /// The action, `service:Name`.
    #[arg(long, value_name = "ACTION")]
    action: String,

    /// The resource ARN.
    #[arg(long, value_name = "ARN")]
    resource: String,

    /// A condition key and value, `KEY=VALUE` (repeat a key for several
    /// values); keys not given are left open and reported as conditions.
    #[arg(long, value_name = "KEY=VALUE")]
    context: Vec<String>,

    /// Also list the principals that can assume an allowed role (one hop).
    #[arg(long)]
    via_assume_role: bool,

    /// Most combinations of missing context values per principal.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_cases)]
    max_cases: usize,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

fn print_access(out: &mut String, title: &str, list: &[Access]) {
    let _ = writeln!(out, "{title}:");
    if list.is_empty() {
        let _ = writeln!(out, "  (none)");
    }
    for access in list {
        let _ = writeln!(
            out,
            "  {} [{}] via {}",
            access.principal,
            access.kind,
            access.via.join(", ")
        );
        if let Some(per_key) = &access.when {
            for key in per_key {
                let classes: Vec<String> = key
                    .allowed
                    .iter()
                    .map(|value| condition_text(&key.key, value))
                    .collect();
                let _ = writeln!(out, "    when {}", classes.join(" or "));
            }
        } else if access.conditional {
            for case in &access.allowed_cases {
                let _ = writeln!(out, "    when {}", case_text(case));
            }
        }
    }
}

fn print_text(out: &mut String, answer: &WhoCan, via_assume_role: bool) {
    let _ = writeln!(out, "who can {} on {}", answer.action, answer.resource);
    print_access(out, "allowed", &answer.allowed);
    print_access(out, "allowed under conditions", &answer.conditional);
    print_access(out, "outside the store", &answer.external);
    if via_assume_role {
        let _ = writeln!(out, "via sts:AssumeRole:");
        if answer.via_assume_role.is_empty() {
            let _ = writeln!(out, "  (none)");
        }
        for chain in &answer.via_assume_role {
            let note = if chain.conditional {
                " (conditional)"
            } else {
                ""
            };
            let _ = writeln!(out, "  {} -> {}{note}", chain.principal, chain.role);
        }
    }
}

/// Runs the subcommand.
pub fn main(args: &WhoCanArgs) -> ExitCode {
    let run = || -> Result<WhoCan, String> {
        let store = load_store(args.store.as_ref())?;
        let query = WhoCanQuery {
            action: args.action.clone(),
            resource: args.resource.clone(),
            context: context(&args.context)?,
            via_assume_role: args.via_assume_role,
            limits: Limits {
                max_cases: args.max_cases,
                ..Limits::default()
            },
        };
        who_can(&store, &query).map_err(|e| e.to_string())
    };
    match run() {
        Ok(answer) => {
            let mut out = String::new();
            match args.format {
                Format::Text => print_text(&mut out, &answer, args.via_assume_role),
                Format::Json => match serde_json::to_string_pretty(&answer) {
                    Ok(text) => out.push_str(&text),
                    Err(e) => {
                        eprintln!("tollgate who-can: {e}");
                        return ExitCode::from(INPUT_ERROR);
                    }
                },
            }
            write_stdout(&out)
        }
        Err(message) => {
            eprintln!("tollgate who-can: {message}");
            ExitCode::from(INPUT_ERROR)
        }
    }
}
