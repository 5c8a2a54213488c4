//! `store_load`: a policy store built from files (`Store::from_files_with_limits`),
//! then asked a few questions whose fast (`decide`) and explained
//! (`evaluate`) answers must agree.
//!
//! Input: text split into files at lines `=== PATH` (the path of a file in
//! the store folder layout, `docs/policy-store.md`); what comes before the
//! first such line is the file
//! `accounts/111122223333/authorization-details.json`, so raw
//! `get-account-authorization-details` JSON needs no header. The principals
//! asked about are the users and roles the paths name, and fixed ones.

use std::collections::BTreeMap;

use tollgate_policy::Request;
use tollgate_store::{Store, StoreLimits};

use crate::policy::LIMITS;
use crate::requests::{PRINCIPALS, RESOURCES, request};
use crate::{Checked, Finding};

/// The line that starts a file, followed by its path.
pub const HEADER: &[u8] = b"=== ";

/// The file of the text before the first header.
pub const FIRST_FILE: &str = "accounts/111122223333/authorization-details.json";

/// Actions asked about.
const ACTIONS: [&str; 3] = ["s3:GetObject", "iam:PassRole", "kms:Decrypt"];

/// Most principals taken from file paths.
const MAX_PATH_PRINCIPALS: usize = 4;

/// Checks one input.
pub fn check(data: &[u8]) -> Checked {
    let files = split_files(data);
    let mut principals: Vec<String> = files
        .keys()
        .filter_map(|path| principal_of(path))
        .take(MAX_PATH_PRINCIPALS)
        .collect();
    principals.extend(PRINCIPALS.iter().map(|p| (*p).to_owned()));
    let limits = StoreLimits {
        max_files: 64,
        max_file_bytes: 64 << 10,
        max_total_bytes: 1 << 20,
        parse: LIMITS,
        ..StoreLimits::default()
    };
    let store = match Store::from_files_with_limits(files, &limits) {
        Ok(store) => store,
        Err(error) => {
            // Rendering the faults is part of the contract too.
            let _ = error.to_string();
            return Ok(0);
        }
    };
    let mut compared = 0;
    for principal in &principals {
        for action in ACTIONS {
            for resource in RESOURCES {
                if let Some(request) = request(principal, action, resource) {
                    agree(&store, &request)?;
                    compared += 1;
                }
            }
        }
    }
    Ok(compared)
}

/// The store's fast and explained answers must have the same kind.
fn agree(store: &Store, request: &Request) -> Result<(), Finding> {
    let fast = store.decide(request, None).kind;
    let (decision, _) = store.evaluate(request, None);
    if fast == decision.kind {
        Ok(())
    } else {
        Err(Finding::FastPathDisagrees {
            request: format!("{request:?}"),
            fast,
            explained: decision.kind,
        })
    }
}

/// Splits the input into store files (see the module doc). A later file of
/// the same path replaces an earlier one.
pub fn split_files(data: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut path = FIRST_FILE.to_owned();
    let mut content = Vec::new();
    for line in data.split_inclusive(|b| *b == b'\n') {
        if let Some(rest) = line.strip_prefix(HEADER) {
            files.insert(std::mem::take(&mut path), std::mem::take(&mut content));
            path = String::from_utf8_lossy(rest).trim().to_owned();
        } else {
            content.extend_from_slice(line);
        }
    }
    files.insert(path, content);
    files
        .retain(|path, content| path != FIRST_FILE || !content.iter().all(u8::is_ascii_whitespace));
    files
}

/// The ARN of the user or role a store path defines, if it defines one.
fn principal_of(path: &str) -> Option<String> {
    let rest = path.strip_prefix("accounts/")?;
    let (account, rest) = rest.split_once('/')?;
    let (kind, name) = rest.split_once('/')?;
    let name = name.strip_suffix(".json")?;
    match kind {
        "users" => Some(format!("arn:aws:iam::{account}:user/{name}")),
        "roles" => Some(format!("arn:aws:sts::{account}:assumed-role/{name}/fuzz")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_at_headers_and_names_the_leading_text() {
        let files = split_files(b"{\"UserDetailList\": []}\n=== accounts/111122223333/users/alice.json\n{}\n=== organization/organization.json\n{\"Root\": 1}\n");
        let paths: Vec<&str> = files.keys().map(String::as_str).collect();
        assert_eq!(
            paths,
            [
                FIRST_FILE,
                "accounts/111122223333/users/alice.json",
                "organization/organization.json"
            ]
        );
        assert_eq!(files[FIRST_FILE], b"{\"UserDetailList\": []}\n");
        assert_eq!(files["accounts/111122223333/users/alice.json"], b"{}\n");
    }

    #[test]
    fn blank_leading_text_is_no_file() {
        let files = split_files(b"\n=== accounts/111122223333/roles/ci.json\n{}");
        assert_eq!(files.len(), 1);
        assert_eq!(
            principal_of("accounts/111122223333/roles/ci.json").as_deref(),
            Some("arn:aws:sts::111122223333:assumed-role/ci/fuzz")
        );
    }
}
