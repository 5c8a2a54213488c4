//! A request's action against the catalog: `tollgate check` and `tollgate
//! simulate` warn (refuse with `--strict`) when the action they are asked
//! about is not one AWS defines, with a "did you mean" when one is close.
//! A request's action is a literal `service:Action` (the request rules of
//! `tollgate_policy::rules` have already been applied).

use crate::data::Catalog;
use crate::suggest::nearest;

/// Why `action` is not an AWS action of the catalog, or `None` when it is
/// one (or belongs to a service whose actions the catalog does not list).
pub fn unknown_action(catalog: &Catalog, action: &str) -> Option<String> {
    let (prefix, name) = action.split_once(':')?;
    let Some(service) = catalog.service(prefix) else {
        let hint = nearest(prefix, catalog.services().iter().map(|s| &*s.prefix))
            .map(|s| format!("; did you mean `{s}:{name}`?"))
            .unwrap_or_default();
        return Some(format!(
            "`{action}`: no AWS service has the prefix `{prefix}`{hint}"
        ));
    };
    if service.action(name).is_some() || !service.is_documented() || service.uses_undocumented(name)
    {
        return None;
    }
    let hint = nearest(name, service.actions().iter().map(|a| &*a.name))
        .map(|n| format!("; did you mean `{}:{n}`?", service.prefix))
        .unwrap_or_default();
    Some(format!(
        "`{action}` is not an action of {} (`{}`){hint}",
        service.name, service.prefix
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_actions_pass_and_typos_are_named() {
        let catalog = Catalog::get().unwrap();
        assert_eq!(unknown_action(catalog, "s3:GetObject"), None);
        assert_eq!(unknown_action(catalog, "S3:getobject"), None);
        let typo = unknown_action(catalog, "s3:GetObjectt").unwrap();
        assert!(typo.contains("did you mean `s3:GetObject`?"), "{typo}");
        let service = unknown_action(catalog, "s4:GetObject").unwrap();
        assert!(
            service.contains("no AWS service has the prefix `s4`"),
            "{service}"
        );
    }
}
