//! Turning AWS exports into store files: the output of `aws iam
//! get-account-authorization-details` (the CLI's JSON, or a boto3 dump with
//! its `ResponseMetadata`), one page or several, one account or — as tools
//! that gather several accounts write it — entries of many accounts mixed in
//! one file. [`split_authorization_details`] sorts every entry into its
//! account by its own ARN and gives one authorization-details document per
//! account, ready to be written as `accounts/ACCOUNT/authorization-details.json`.
//!
//! Entries are checked only as far as sorting needs (an object with an
//! `Arn` in a 12-digit account, or `aws` for AWS managed policies); the
//! store loader checks everything else when the result is loaded. AWS
//! managed policies go to every account whose users, groups or roles attach
//! them (or use them as a boundary); one that nothing attaches goes to every
//! account. An entry listed twice (overlapping pages) is kept once when both
//! copies are equal and is a fault when they differ.

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use tollgate_policy::arn::{Arn, is_account_id};

/// The lists of an authorization-details document, in output order.
const LISTS: [&str; 4] = [
    "UserDetailList",
    "GroupDetailList",
    "RoleDetailList",
    "Policies",
];
/// Top-level fields that carry no IAM state: pagination and the SDK's
/// response metadata.
const IGNORED: [&str; 3] = ["IsTruncated", "Marker", "ResponseMetadata"];

/// A fault in an export: the file, the JSON path and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {path}: {message}")]
pub struct ImportFault {
    /// The input, as named by the caller.
    pub file: String,
    /// The JSON path (`RoleDetailList[3].Arn`), or `$` for the whole file.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

/// Every fault found in the exports.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} fault(s) in the exports; the first: {}", .0.len(), .0.first().map(ToString::to_string).unwrap_or_default())]
pub struct ImportError(pub Vec<ImportFault>);

/// Exports split by account.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SplitExport {
    /// Per account id, its authorization-details document.
    pub accounts: BTreeMap<String, Value>,
    /// What did not stop the split (a page that says it is truncated).
    pub warnings: Vec<ImportFault>,
}

/// One account's entries, gathered by ARN (first position kept).
#[derive(Default)]
struct AccountEntries {
    lists: [Vec<(String, Value)>; 4],
}

/// Splits the exports `files` (each a name and its parsed JSON) by account.
pub fn split_authorization_details(files: &[(String, Value)]) -> Result<SplitExport, ImportError> {
    let mut faults = Vec::new();
    let mut warnings = Vec::new();
    let mut accounts: BTreeMap<String, AccountEntries> = BTreeMap::new();
    let mut aws_policies: Vec<(String, Value)> = Vec::new();
    for (file, value) in files {
        let fault = |path: String, message: String| ImportFault {
            file: file.clone(),
            path,
            message,
        };
        let Value::Object(top) = value else {
            faults.push(fault(
                "$".into(),
                "expected an object: the output of `aws iam get-account-authorization-details`"
                    .into(),
            ));
            continue;
        };
        for key in top.keys() {
            if !LISTS.contains(&key.as_str()) && !IGNORED.contains(&key.as_str()) {
                faults.push(fault(
                    key.clone(),
                    format!(
                        "unknown field `{key}`: an authorization-details export has {}",
                        LISTS.join(", ")
                    ),
                ));
            }
        }
        if top.get("IsTruncated") == Some(&Value::Bool(true)) {
            warnings.push(fault(
                "IsTruncated".into(),
                "this page does not hold the whole account: give the other pages too".into(),
            ));
        }
        for (slot, list) in LISTS.iter().enumerate() {
            let Some(entries) = top.get(*list) else {
                continue;
            };
            let Value::Array(entries) = entries else {
                faults.push(fault((*list).into(), "expected a list".into()));
                continue;
            };
            for (index, entry) in entries.iter().enumerate() {
                let at = format!("{list}[{index}]");
                let Some(arn) = entry.get("Arn").and_then(Value::as_str) else {
                    faults.push(fault(
                        format!("{at}.Arn"),
                        "required: the entry's ARN, which says its account".into(),
                    ));
                    continue;
                };
                let owner = Arn::parse(arn).map(|a| a.account).unwrap_or_default();
                let is_policy = *list == "Policies";
                if is_policy && owner == "aws" {
                    add_unique(&mut aws_policies, arn, entry, &mut faults, || {
                        fault(format!("{at}.Arn"), String::new())
                    });
                } else if is_account_id(owner) {
                    let account = accounts.entry(owner.to_owned()).or_default();
                    if let Some(target) = account.lists.get_mut(slot) {
                        add_unique(target, arn, entry, &mut faults, || {
                            fault(format!("{at}.Arn"), String::new())
                        });
                    }
                } else {
                    faults.push(fault(
                        format!("{at}.Arn"),
                        format!("`{arn}` names no 12-digit account"),
                    ));
                }
            }
        }
    }
    if accounts.is_empty() && faults.is_empty() {
        faults.push(ImportFault {
            file: files.first().map(|(f, _)| f.clone()).unwrap_or_default(),
            path: "$".into(),
            message: "no user, group, role or customer managed policy: no account to import".into(),
        });
    }
    if !faults.is_empty() {
        return Err(ImportError(faults));
    }
    let mut attached_anywhere = vec![false; aws_policies.len()];
    let mut split = BTreeMap::new();
    for (id, mut entries) in accounts {
        let attached = attachments(&entries);
        for ((arn, policy), used) in aws_policies.iter().zip(attached_anywhere.iter_mut()) {
            if attached.iter().any(|a| a == arn) {
                *used = true;
                if let Some(policies) = entries.lists.get_mut(3) {
                    policies.push((arn.clone(), policy.clone()));
                }
            }
        }
        split.insert(id, entries);
    }
    // AWS managed policies nothing attaches stay with every account.
    for ((arn, policy), used) in aws_policies.iter().zip(&attached_anywhere) {
        if !used {
            for entries in split.values_mut() {
                if let Some(policies) = entries.lists.get_mut(3) {
                    policies.push((arn.clone(), policy.clone()));
                }
            }
        }
    }
    let accounts = split
        .into_iter()
        .map(|(id, entries)| {
            let mut document = Map::new();
            for (list, items) in LISTS.iter().zip(entries.lists) {
                document.insert(
                    (*list).to_owned(),
                    Value::Array(items.into_iter().map(|(_, v)| v).collect()),
                );
            }
            (id, Value::Object(document))
        })
        .collect();
    Ok(SplitExport { accounts, warnings })
}

/// Adds `entry` under `arn` unless it is there already; a different entry
/// under the same ARN is a fault.
fn add_unique(
    list: &mut Vec<(String, Value)>,
    arn: &str,
    entry: &Value,
    faults: &mut Vec<ImportFault>,
    at: impl Fn() -> ImportFault,
) {
    match list.iter().find(|(known, _)| known == arn) {
        None => list.push((arn.to_owned(), entry.clone())),
        Some((_, known)) if known == entry => {}
        Some(_) => {
            let mut fault = at();
            fault.message = format!(
                "`{arn}` is listed again with different content (pages of different exports?)"
            );
            faults.push(fault);
        }
    }
}

/// The managed policy ARNs an account's users, groups and roles attach or
/// use as their boundary.
fn attachments(entries: &AccountEntries) -> Vec<String> {
    let mut arns = Vec::new();
    for (_, entity) in entries.lists.iter().take(3).flatten() {
        if let Some(Value::Array(attached)) = entity.get("AttachedManagedPolicies") {
            arns.extend(
                attached
                    .iter()
                    .filter_map(|a| a.get("PolicyArn").and_then(Value::as_str))
                    .map(str::to_owned),
            );
        }
        if let Some(arn) = entity
            .get("PermissionsBoundary")
            .and_then(|b| b.get("PermissionsBoundaryArn"))
            .and_then(Value::as_str)
        {
            arns.push(arn.to_owned());
        }
    }
    arns
}

#[cfg(test)]
mod tests;
