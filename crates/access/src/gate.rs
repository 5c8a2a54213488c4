//! Which store principals can be allowed an action on a resource at all,
//! found from the compiled tables' action indexes before any decision: IAM
//! allows only when an identity policy or the resource's policy (or role
//! trust policy) has an allow statement that applies; a permissions
//! boundary, an SCP or an RCP can only take away. So a principal none of
//! whose identity groups files an allow statement under the action, and
//! whom the resource's allow statements for the action cannot name, is
//! denied whatever the context: who-can skips it without deciding. The
//! test is conservative (a statement filed under the action may still not
//! apply); everything it lets through is decided as before.

use rustc_hash::FxHashMap;
use tollgate_compiler::{GroupId, ResolvedAction};
use tollgate_policy::{Effect, Request, RequestPrincipal};
use tollgate_store::Store;

/// The prefilter of one action on one resource.
pub(crate) struct Gate<'s> {
    store: &'s Store,
    action: String,
    resolved: ResolvedAction,
    resource: String,
    /// Per group: whether it files an allow statement under the action.
    allows: FxHashMap<GroupId, bool>,
    /// Per resource group and account: whether its allow statements for
    /// the action may name a principal of the account.
    names: FxHashMap<(GroupId, String), bool>,
}

impl<'s> Gate<'s> {
    pub(crate) fn new(store: &'s Store, action: &str, resource: &str) -> Self {
        Self {
            store,
            action: action.to_owned(),
            resolved: store.tables().resolve_action(action),
            resource: resource.to_owned(),
            allows: FxHashMap::default(),
            names: FxHashMap::default(),
        }
    }

    /// False only when `principal` (a user or role of `account`) cannot be
    /// allowed the action on the resource, whatever the context.
    pub(crate) fn may_allow(&mut self, principal: &str, account: &str) -> bool {
        let Ok(parsed) = RequestPrincipal::parse(principal) else {
            return true;
        };
        let request = Request::new(parsed, self.action.as_str(), self.resource.as_str());
        let parts = self.store.group_parts(&request);
        if parts.identity.iter().any(|g| self.allows(*g)) {
            return true;
        }
        parts
            .resource
            .is_some_and(|group| self.resource_names(group, account))
    }

    fn allows(&mut self, group: GroupId) -> bool {
        if let Some(known) = self.allows.get(&group) {
            return *known;
        }
        let tables = self.store.tables();
        let action = &self.action;
        let found = tables.group(group).is_some_and(|g| {
            g.visit_action_candidates(Effect::Allow, &self.resolved, |id| {
                tables
                    .statement(id)
                    .is_some_and(|s| !s.excludes_action(action))
            })
        });
        self.allows.insert(group, found);
        found
    }

    fn resource_names(&mut self, group: GroupId, account: &str) -> bool {
        let key = (group, account.to_owned());
        if let Some(known) = self.names.get(&key) {
            return *known;
        }
        let tables = self.store.tables();
        let action = &self.action;
        let iam = format!(":{account}:");
        let found = tables.group(group).is_some_and(|g| {
            g.visit_action_candidates(Effect::Allow, &self.resolved, |id| {
                let Some(statement) = tables.statement(id) else {
                    return false;
                };
                if statement.excludes_action(action) {
                    return false;
                }
                let Some(matcher) = statement.principal() else {
                    // Nothing says whom it names: it may name anyone.
                    return true;
                };
                let named = matcher.named();
                named.everyone
                    || named.any_aws
                    || named.negated
                    || named.accounts.iter().any(|a| a == account)
                    || named.arns.iter().any(|a| a.contains(&iam))
                    || named.roles.iter().any(|(a, _)| a == account)
            })
        });
        self.names.insert(key, found);
        found
    }
}
