//! `tollgate what-can --principal P [--service s3] [--resource-prefix
//! arn:...] [--context k=v]... [--format text|json]`: per action of the
//! service (the AWS service catalog's list), the resources below the prefix
//! the principal may act on, as a filter (allowed patterns minus denied
//! ones, conditions on the context keys not given); actions it may not do
//! at all are left out (`docs/access-queries.md`).
//!
//! The prefix must name the ARN through its account field
//! (`arn:aws:dynamodb:us-east-1:111122223333:`); with `--service s3` alone
//! it is `arn:aws:s3:::`.
//!
//! Exit status: 0 answered; 2 when the query or the store cannot be read.

use std::path::PathBuf;
use std::process::ExitCode;

use tollgate_access::{ActionPlan, Filter, Limits, PlanKind, what_can};

use std::fmt::Write as _;

use crate::access_args::{Format, INPUT_ERROR, context, load_store, write_stdout};

/// What a principal may do, per action, per the store.
#[derive(Debug, clap::Args)]
pub struct WhatCanArgs {
    /// The store folder [default: the built-in example store]
    #[arg(long, value_name = "DIR", env = "TOLLGATE_STORE")]
    store: Option<PathBuf>,

    /// The principal: an IAM principal ARN, a service name, or `anonymous`.
    #[arg(long, value_name = "ARN")]
    principal: String,

    /// The service prefix (`s3`); taken from --resource-prefix when absent.
    #[arg(long, value_name = "PREFIX")]
    service: Option<String>,

    /// The resources to cover: ARNs starting with this, which must name the
    /// ARN through its account field.
    #[arg(long, value_name = "ARN")]
    resource_prefix: Option<String>,

    /// A condition key and value, `KEY=VALUE`; keys not given are left open.
    #[arg(long, value_name = "KEY=VALUE")]
    context: Vec<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

/// The filter in a readable line.
fn filter_text(filter: &Filter) -> String {
    match filter {
        Filter::True => "any resource".to_owned(),
        Filter::False => "none".to_owned(),
        Filter::Like(glob) => glob.clone(),
        Filter::Not(inner) => format!("not {}", filter_text(inner)),
        Filter::And(parts) => format!(
            "({})",
            parts
                .iter()
                .map(filter_text)
                .collect::<Vec<_>>()
                .join(" and ")
        ),
        Filter::Or(parts) => format!(
            "({})",
            parts
                .iter()
                .map(filter_text)
                .collect::<Vec<_>>()
                .join(" or ")
        ),
        Filter::Context { key, value } => crate::access_args::condition_text(key, value),
    }
}

fn run(args: &WhatCanArgs) -> Result<(String, Vec<ActionPlan>), String> {
    let prefix = match (&args.resource_prefix, &args.service) {
        (Some(prefix), _) => prefix.clone(),
        (None, Some(service)) if service == "s3" => "arn:aws:s3:::".to_owned(),
        (None, _) => {
            return Err(
                "--resource-prefix is required (it names the ARN through its account field, \
                 e.g. arn:aws:dynamodb:us-east-1:111122223333:); --service s3 alone means arn:aws:s3:::"
                    .to_owned(),
            );
        }
    };
    let prefix_service = prefix.split(':').nth(2).unwrap_or_default().to_owned();
    let service = args
        .service
        .clone()
        .unwrap_or_else(|| prefix_service.clone());
    if service != prefix_service {
        return Err(format!(
            "--service {service} does not match the resource prefix's service `{prefix_service}`"
        ));
    }
    let catalog = tollgate_catalog::Catalog::get().map_err(|e| e.to_string())?;
    let Some(entry) = catalog.service(&service) else {
        return Err(format!(
            "--service {service}: not a service of the AWS service catalog"
        ));
    };
    let actions: Vec<String> = entry
        .actions()
        .iter()
        .map(|a| format!("{service}:{}", a.name))
        .collect();
    let store = load_store(args.store.as_ref())?;
    let plans = what_can(
        &store,
        &args.principal,
        &actions,
        &prefix,
        &context(&args.context)?,
        &Limits::default(),
    )
    .map_err(|e| e.to_string())?;
    Ok((prefix, plans))
}

/// Runs the subcommand.
pub fn main(args: &WhatCanArgs) -> ExitCode {
    match run(args) {
        Ok((prefix, plans)) => {
            let mut out = String::new();
            match args.format {
                Format::Text => {
                    let _ = writeln!(out, "what {} can do below {prefix}", args.principal);
                    if plans.is_empty() {
                        let _ = writeln!(out, "  (nothing)");
                    }
                    let mut service = "";
                    for plan in &plans {
                        if plan.service != service {
                            service = &plan.service;
                            let _ = writeln!(out, "{service}:");
                        }
                        let kind = match plan.plan.kind {
                            PlanKind::AlwaysAllowed => "on",
                            PlanKind::AlwaysDenied => "never",
                            PlanKind::Conditional => "on",
                        };
                        let _ = writeln!(
                            out,
                            "  {} {kind} {}",
                            plan.action,
                            filter_text(&plan.plan.filter)
                        );
                    }
                }
                Format::Json => {
                    let value = serde_json::json!({
                        "principal": args.principal,
                        "resourcePrefix": prefix,
                        "actions": plans,
                    });
                    match serde_json::to_string_pretty(&value) {
                        Ok(text) => out.push_str(&text),
                        Err(e) => {
                            eprintln!("tollgate what-can: {e}");
                            return ExitCode::from(INPUT_ERROR);
                        }
                    }
                }
            }
            write_stdout(&out)
        }
        Err(message) => {
            eprintln!("tollgate what-can: {message}");
            ExitCode::from(INPUT_ERROR)
        }
    }
}
