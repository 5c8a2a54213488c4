//! Why a request was implicitly denied, in the same words everywhere (CLI
//! `check --explain`, `simulate`, gRPC `explain`, Envoy `Check`, the audit
//! log): which policy kinds that had to allow did not, the statements that
//! matched action and resource but failed a condition, and the context keys
//! the decision read that the request did not give (AWS's simulator calls
//! them `MissingContextValues`).
//!
//! The engine and the reference interpreter each find the facts
//! ([`AllowFacts`], near misses, keys read) on their own; [`unmet`] turns the
//! facts into requirements with the rules of `docs/evaluation.md`, steps 2
//! to 6, so the two cannot word them differently.

use std::fmt;

use crate::question::{DecisiveStatement, OrgLevel};

/// The resource-based policy a request needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResourceNeed {
    /// A role trust action: only the role's trust policy can allow it.
    TrustPolicy,
    /// An action on a KMS key: only the key policy can allow it.
    KeyPolicy,
    /// The principal and the resource are in different accounts: the
    /// resource's account must grant access in its resource-based policy.
    CrossAccount,
    /// The principal is not an IAM identity (a service, a provider, a web
    /// identity, an anonymous caller): only a resource-based policy grants it.
    NotIamIdentity,
}

/// A policy kind that had to allow the request and did not.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Requirement {
    /// No identity-based policy of the principal allows.
    Identity,
    /// The permissions boundary does not allow.
    Boundary,
    /// The session policies do not allow (or a federated user's session was
    /// given none).
    Session,
    /// No SCP attached at this level of the principal's organization path
    /// allows.
    ServiceControl(OrgLevel),
    /// The resource-based policy does not allow this principal.
    Resource(ResourceNeed),
    /// An account root asked a role trust action: STS refuses it whatever
    /// the trust policy says.
    RootCannotAssumeRole,
    /// The principal's partition is not the resource's: partitions are
    /// separate IAMs, and no policy reaches across them.
    OtherPartition,
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Requirement::Identity => f.write_str("identity: no identity-based policy allows"),
            Requirement::Boundary => f.write_str("boundary: the permissions boundary does not allow"),
            Requirement::Session => f.write_str("session: no session policy allows"),
            Requirement::ServiceControl(level) => {
                write!(f, "scp: no SCP at level {} allows", level.label())
            }
            Requirement::Resource(ResourceNeed::TrustPolicy) => {
                f.write_str("trust policy: the role's trust policy does not allow this principal")
            }
            Requirement::Resource(ResourceNeed::KeyPolicy) => {
                f.write_str("key policy: the key policy does not allow this principal")
            }
            Requirement::Resource(ResourceNeed::CrossAccount) => f.write_str(
                "cross-account: the resource's account does not allow this principal in a resource-based policy",
            ),
            Requirement::Resource(ResourceNeed::NotIamIdentity) => f.write_str(
                "resource: no resource-based policy allows this principal (not an IAM identity)",
            ),
            Requirement::RootCannotAssumeRole => {
                f.write_str("trust policy: an account root cannot assume a role")
            }
            Requirement::OtherPartition => f.write_str(
                "partition: the resource is in another AWS partition than the principal; no policy reaches across partitions",
            ),
        }
    }
}

impl Requirement {
    /// The kind alone, for machines: `identity`, `boundary`, `session`,
    /// `scp`, `trustPolicy`, `keyPolicy`, `crossAccount`, `resource`,
    /// `rootCannotAssumeRole`, `otherPartition`.
    pub fn kind(&self) -> &'static str {
        match self {
            Requirement::Identity => "identity",
            Requirement::Boundary => "boundary",
            Requirement::Session => "session",
            Requirement::ServiceControl(_) => "scp",
            Requirement::Resource(ResourceNeed::TrustPolicy) => "trustPolicy",
            Requirement::Resource(ResourceNeed::KeyPolicy) => "keyPolicy",
            Requirement::Resource(ResourceNeed::CrossAccount) => "crossAccount",
            Requirement::Resource(ResourceNeed::NotIamIdentity) => "resource",
            Requirement::RootCannotAssumeRole => "rootCannotAssumeRole",
            Requirement::OtherPartition => "otherPartition",
        }
    }
}

/// A condition entry that did not hold.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FailedCondition {
    /// The operator as written in policies (`StringEqualsIfExists`,
    /// `ForAnyValue:StringLike`).
    pub operator: String,
    /// The condition key, as the policy writes it.
    pub key: String,
}

impl fmt::Display for FailedCondition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.operator, self.key)
    }
}

/// An `Allow` statement that matched the action, the resource and the
/// principal but not its conditions.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NearMiss {
    /// The statement.
    pub statement: DecisiveStatement,
    /// Its condition entries that failed, in the order the policy gives.
    pub failed: Vec<FailedCondition>,
}

impl fmt::Display for NearMiss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} Statement[{}]",
            self.statement.policy, self.statement.index
        )?;
        if let Some(level) = &self.statement.level {
            write!(f, " at level {}", level.label())?;
        }
        if let Some(sid) = &self.statement.sid {
            write!(f, " ({sid})")?;
        }
        f.write_str(" matched the action and resource; failed condition ")?;
        for (i, failed) in self.failed.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{failed}")?;
        }
        Ok(())
    }
}

/// Why an implicit deny.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Explanation {
    /// The policy kinds that had to allow and did not, in the order of
    /// `docs/evaluation.md` (identity, boundary, session, SCP levels root
    /// first, resource-based policy).
    pub unmet: Vec<Requirement>,
    /// `Allow` statements of the policies that take part that matched the
    /// action, the resource and the principal but failed a condition, in
    /// canonical order.
    pub near_misses: Vec<NearMiss>,
    /// Condition keys of the statements that matched action, resource and
    /// principal (either effect) that the request's context (given and
    /// derived keys) does not hold, sorted, each once.
    pub missing_context_keys: Vec<String>,
}

impl Explanation {
    /// The explanation as lines of text, the words every output uses: the
    /// unmet requirements, then one line per near miss, then one line with
    /// the missing keys.
    pub fn lines(&self) -> Vec<String> {
        let mut lines: Vec<String> = self.unmet.iter().map(ToString::to_string).collect();
        lines.extend(self.near_misses.iter().map(ToString::to_string));
        if !self.missing_context_keys.is_empty() {
            lines.push(format!(
                "missing context keys: {}",
                self.missing_context_keys.join(", ")
            ));
        }
        lines
    }

    /// The explanation as JSON, the one shape every JSON output uses
    /// (`check --json`, `simulate --explain`, the Envoy denial body, the
    /// audit log): `unmet` (`kind`, `level` for SCPs, `text`), `nearMisses`
    /// (`policy`, `index`, `sid`, `level` for SCPs and RCPs, `failed`:
    /// `operator`, `key`), `missingContextKeys`, and `lines`, the text.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::{Map, Value, json};
        let unmet: Vec<Value> = self
            .unmet
            .iter()
            .map(|requirement| {
                let mut entry = Map::new();
                entry.insert("kind".into(), requirement.kind().into());
                if let Requirement::ServiceControl(level) = requirement {
                    entry.insert("level".into(), level.label().into());
                }
                entry.insert("text".into(), requirement.to_string().into());
                Value::Object(entry)
            })
            .collect();
        let near: Vec<Value> = self
            .near_misses
            .iter()
            .map(|near| {
                let statement = &near.statement;
                let mut entry = Map::new();
                entry.insert("policy".into(), statement.policy.clone().into());
                entry.insert("index".into(), statement.index.into());
                entry.insert("sid".into(), statement.sid.clone().into());
                if let Some(level) = &statement.level {
                    entry.insert("level".into(), level.label().into());
                }
                let failed: Vec<Value> = near
                    .failed
                    .iter()
                    .map(|f| json!({"operator": f.operator, "key": f.key}))
                    .collect();
                entry.insert("failed".into(), failed.into());
                Value::Object(entry)
            })
            .collect();
        json!({
            "unmet": unmet,
            "nearMisses": near,
            "missingContextKeys": self.missing_context_keys,
            "lines": self.lines(),
        })
    }

    /// Sorts and deduplicates the missing keys (callers push them as found).
    pub fn finish_keys(&mut self) {
        self.missing_context_keys.sort_unstable();
        self.missing_context_keys.dedup();
    }
}

/// The resource-based policy's grant, by the strength of the principal match
/// (`docs/evaluation.md`, "Principal matching").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Grant {
    /// The account is named.
    Account,
    /// The role is named.
    Role,
    /// The principal itself is named.
    Specific,
}

/// The facts of step 2 that an implicit deny is explained from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowFacts {
    /// The principal is an IAM identity (user, role session, federated user, root).
    pub iam_identity: bool,
    /// The principal is an account root.
    pub root: bool,
    /// Some identity policy allows (false for a root with none: a root needs none).
    pub identity: bool,
    /// No boundary, or the boundary allows.
    pub boundary: bool,
    /// No session policies (and not a federated user), or one allows.
    pub session: bool,
    /// The SCP levels (subject to SCPs only) with no applicable allow.
    pub scp_failing: Vec<OrgLevel>,
    /// The resource policy's grant.
    pub grant: Option<Grant>,
    /// A role trust action on an IAM role.
    pub trust: bool,
    /// An action on a KMS key.
    pub key: bool,
    /// The principal and the resource are in the same account.
    pub same_account: bool,
    /// An IAM principal asks about a resource of another AWS partition
    /// (`Request::crosses_partition`).
    pub other_partition: bool,
}

/// The requirements the facts leave unmet, by the steps of
/// `docs/evaluation.md`. Empty when the facts allow.
pub fn unmet(facts: &AllowFacts) -> Vec<Requirement> {
    let mut out = Vec::new();
    if facts.other_partition {
        out.push(Requirement::OtherPartition);
        return out;
    }
    if facts.trust && facts.root {
        out.push(Requirement::RootCannotAssumeRole);
        return out;
    }
    if !facts.iam_identity {
        if facts.grant.is_none() {
            out.push(Requirement::Resource(ResourceNeed::NotIamIdentity));
        }
        return out;
    }
    let identity_path = |out: &mut Vec<Requirement>| {
        if !facts.root && !facts.identity {
            out.push(Requirement::Identity);
        }
        if !facts.boundary {
            out.push(Requirement::Boundary);
        }
        if !facts.session {
            out.push(Requirement::Session);
        }
    };
    let mut resource = None;
    if !facts.same_account {
        identity_path(&mut out);
        if facts.grant.is_none() {
            resource = Some(ResourceNeed::CrossAccount);
        }
    } else {
        match facts.grant {
            Some(Grant::Specific) => {
                if facts.trust && !facts.boundary {
                    out.push(Requirement::Boundary);
                }
            }
            Some(Grant::Role) => {
                if !facts.boundary {
                    out.push(Requirement::Boundary);
                }
                if !facts.session {
                    out.push(Requirement::Session);
                }
            }
            Some(Grant::Account) => identity_path(&mut out),
            None if facts.trust => resource = Some(ResourceNeed::TrustPolicy),
            None if facts.key => resource = Some(ResourceNeed::KeyPolicy),
            None => identity_path(&mut out),
        }
    }
    out.extend(
        facts
            .scp_failing
            .iter()
            .cloned()
            .map(Requirement::ServiceControl),
    );
    out.extend(resource.map(Requirement::Resource));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> AllowFacts {
        AllowFacts {
            iam_identity: true,
            root: false,
            identity: true,
            boundary: true,
            session: true,
            scp_failing: Vec::new(),
            grant: None,
            trust: false,
            key: false,
            same_account: true,
            other_partition: false,
        }
    }

    #[test]
    fn json_has_every_part() {
        let explanation = Explanation {
            unmet: vec![Requirement::Identity],
            near_misses: vec![NearMiss {
                statement: DecisiveStatement {
                    policy: "p".into(),
                    index: 2,
                    sid: None,
                    effect: crate::Effect::Allow,
                    level: None,
                },
                failed: vec![FailedCondition {
                    operator: "StringEquals".into(),
                    key: "aws:PrincipalTag/team".into(),
                }],
            }],
            missing_context_keys: vec!["aws:PrincipalTag/team".into()],
        };
        assert_eq!(
            explanation.to_json().to_string(),
            r#"{"unmet":[{"kind":"identity","text":"identity: no identity-based policy allows"}],"nearMisses":[{"policy":"p","index":2,"sid":null,"failed":[{"operator":"StringEquals","key":"aws:PrincipalTag/team"}]}],"missingContextKeys":["aws:PrincipalTag/team"],"lines":["identity: no identity-based policy allows","p Statement[2] matched the action and resource; failed condition StringEquals aws:PrincipalTag/team","missing context keys: aws:PrincipalTag/team"]}"#
        );
    }

    #[test]
    fn allowed_facts_leave_nothing_unmet() {
        assert!(unmet(&facts()).is_empty());
    }

    #[test]
    fn each_failing_kind_is_named_in_order() {
        let f = AllowFacts {
            identity: false,
            boundary: false,
            session: false,
            scp_failing: vec![OrgLevel {
                index: 1,
                name: Some("r-ab12/ou-ab12-x".into()),
            }],
            ..facts()
        };
        let words: Vec<String> = unmet(&f).iter().map(ToString::to_string).collect();
        assert_eq!(
            words,
            [
                "identity: no identity-based policy allows",
                "boundary: the permissions boundary does not allow",
                "session: no session policy allows",
                "scp: no SCP at level r-ab12/ou-ab12-x allows",
            ]
        );
    }

    #[test]
    fn cross_account_names_both_sides() {
        let f = AllowFacts {
            identity: false,
            same_account: false,
            other_partition: false,
            ..facts()
        };
        assert_eq!(
            unmet(&f),
            [
                Requirement::Identity,
                Requirement::Resource(ResourceNeed::CrossAccount)
            ]
        );
    }

    #[test]
    fn trust_key_root_and_services() {
        let trust = AllowFacts {
            trust: true,
            ..facts()
        };
        assert_eq!(
            unmet(&trust),
            [Requirement::Resource(ResourceNeed::TrustPolicy)]
        );
        let key = AllowFacts {
            key: true,
            ..facts()
        };
        assert_eq!(
            unmet(&key),
            [Requirement::Resource(ResourceNeed::KeyPolicy)]
        );
        let root = AllowFacts {
            root: true,
            trust: true,
            grant: Some(Grant::Specific),
            ..facts()
        };
        assert_eq!(unmet(&root), [Requirement::RootCannotAssumeRole]);
        let partition = AllowFacts {
            other_partition: true,
            identity: false,
            ..facts()
        };
        assert_eq!(unmet(&partition), [Requirement::OtherPartition]);
        let service = AllowFacts {
            iam_identity: false,
            ..facts()
        };
        assert_eq!(
            unmet(&service),
            [Requirement::Resource(ResourceNeed::NotIamIdentity)]
        );
    }
}
