//! Resolving the organization tree: one level per root, OU and account,
//! each with its SCPs and RCPs resolved by name, and for every account its
//! membership (the levels of its path, its organization id and path).

use std::collections::BTreeMap;

use tollgate_policy::{JsonPath, PolicyDocument, PolicyKind};

use super::{LevelPlan, Membership, Resolver};
use crate::builtin::{
    FULL_AWS_ACCESS, FULL_AWS_ACCESS_DOCUMENT, FULL_AWS_ACCESS_LABEL, RCP_FULL_AWS_ACCESS,
};
use crate::error::FaultKind;
use crate::model::{
    LoadedPolicy, NameRef, OrgLevel, OrgUnit, Origin, PolicyBody, PolicyId, PolicyRole, broken_key,
};

/// Walks the organization tree, creating levels and memberships.
pub(super) struct Tree<'r, 'd> {
    pub(super) resolver: &'r mut Resolver<'d>,
    pub(super) scps: &'r BTreeMap<String, PolicyId>,
    pub(super) rcps: &'r BTreeMap<String, PolicyId>,
    pub(super) levels: Vec<LevelPlan>,
    pub(super) members: BTreeMap<String, Membership>,
    pub(super) org_id: Option<String>,
    pub(super) management: Option<String>,
    /// The built-in `FullAWSAccess`, once added.
    pub(super) builtin: Option<PolicyId>,
}

impl Tree<'_, '_> {
    /// Adds `unit`'s level and those below it. `parent`: the name of the
    /// unit above (`None` for the root).
    pub(super) fn unit(
        &mut self,
        unit: &OrgUnit,
        above: &[usize],
        org_path: Option<String>,
        parent: Option<&str>,
    ) {
        let own = unit
            .level
            .id
            .as_deref()
            .or(unit.name.as_deref())
            .unwrap_or("Root");
        let name = match parent {
            Some(parent) => format!("{parent}/{own}"),
            None => own.to_owned(),
        };
        let mut path = above.to_vec();
        path.push(self.level(&unit.level, name.clone()));
        let org_path = org_path.and_then(|p| Some(format!("{p}{}/", unit.level.id.as_ref()?)));
        for child in &unit.units {
            self.unit(child, &path, org_path.clone(), Some(&name));
        }
        for account in &unit.accounts {
            let Some(id) = account.id.clone() else {
                continue;
            };
            let mut levels = path.clone();
            levels.push(self.level(account, id.clone()));
            if self.management.as_deref() == Some(id.as_str()) {
                levels.clear();
            }
            self.members.insert(
                id,
                Membership {
                    org_id: self.org_id.clone(),
                    org_path: org_path.clone(),
                    levels,
                },
            );
        }
    }

    /// Adds one level named `name` and returns its index.
    fn level(&mut self, level: &OrgLevel, name: String) -> usize {
        let scps = level
            .scps
            .iter()
            .filter_map(|name| self.control(name, true))
            .collect();
        let rcps = level
            .rcps
            .iter()
            .filter_map(|name| self.control(name, false))
            .collect();
        self.levels.push(LevelPlan { name, scps, rcps });
        self.levels.len() - 1
    }

    /// The SCP or RCP a name refers to; `None` for the implicit
    /// `RCPFullAWSAccess` and for unknown names (a fault).
    fn control(&mut self, name: &NameRef, scp: bool) -> Option<PolicyId> {
        let map = if scp { self.scps } else { self.rcps };
        if let Some(&id) = map.get(&name.name) {
            self.resolver.mark_used(id);
            return Some(id);
        }
        match (scp, name.name.as_str()) {
            (true, FULL_AWS_ACCESS) => self.full_aws_access(),
            (false, RCP_FULL_AWS_ACCESS) => None,
            _ if self.resolver.broken.contains(&broken_key(
                if scp { "scp" } else { "rcp" },
                "",
                &name.name,
            )) =>
            {
                None
            }
            _ => {
                let kind = if scp { "SCP" } else { "RCP" };
                self.resolver.diag.fault(
                    &name.origin.file,
                    &name.origin.path,
                    FaultKind::UnknownControlPolicy {
                        kind,
                        name: name.name.clone(),
                    },
                );
                None
            }
        }
    }

    fn full_aws_access(&mut self) -> Option<PolicyId> {
        if self.builtin.is_none() {
            let document =
                PolicyDocument::parse(FULL_AWS_ACCESS_DOCUMENT, PolicyKind::ServiceControl).ok()?;
            self.builtin = Some(self.resolver.add(LoadedPolicy {
                label: FULL_AWS_ACCESS_LABEL.to_owned(),
                origin: Origin::new(FULL_AWS_ACCESS_LABEL, JsonPath::root()),
                role: PolicyRole::Control,
                body: PolicyBody::Parsed(document),
            }));
        }
        self.builtin
    }
}
