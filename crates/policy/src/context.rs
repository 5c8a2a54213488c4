//! The request context: condition keys and their values, as text.
//!
//! Keys compare without regard to case, as IAM's condition keys do. A key may
//! carry several values (a multi-valued key such as `aws:TagKeys`).

use std::sync::OnceLock;

use crate::identity::RequestPrincipal;

/// One key and its values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextEntry {
    key: Box<str>,
    values: Vec<Box<str>>,
}

impl ContextEntry {
    /// The key, as given.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The values, as text (numbers and booleans in their JSON spelling).
    pub fn values(&self) -> &[Box<str>] {
        &self.values
    }
}

/// Condition keys with their values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestContext {
    entries: Vec<ContextEntry>,
}

impl RequestContext {
    /// An empty context.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `key` to `values`, replacing any earlier value of the same key.
    pub fn insert(&mut self, key: &str, values: Vec<String>) {
        let values = values.into_iter().map(String::into_boxed_str).collect();
        match self
            .entries
            .iter_mut()
            .find(|e| e.key.eq_ignore_ascii_case(key))
        {
            Some(entry) => entry.values = values,
            None => self.entries.push(ContextEntry {
                key: key.into(),
                values,
            }),
        }
    }

    /// The values of `key`, if the context has it.
    pub fn get(&self, key: &str) -> Option<&[Box<str>]> {
        self.entries
            .iter()
            .find(|e| e.key.eq_ignore_ascii_case(key))
            .map(|e| e.values.as_slice())
    }

    /// Keeps the keys `keep` says yes to; returns how many it removed.
    pub fn retain(&mut self, mut keep: impl FnMut(&str) -> bool) -> usize {
        let before = self.entries.len();
        self.entries.retain(|e| keep(&e.key));
        before - self.entries.len()
    }

    /// True when the context has `key`.
    pub fn contains(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// The entries, in insertion order.
    pub fn entries(&self) -> &[ContextEntry] {
        &self.entries
    }

    /// The number of keys.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are no keys.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Most extra context layers a view holds (see [`ContextView::layered`]).
pub const EXTRA_LAYERS: usize = 3;

/// The context a request is evaluated in: the keys the caller gave, then any
/// extra layers (keys a policy store knows: principal tags, organization
/// ids), then the keys derived from the principal. An earlier layer wins.
#[derive(Debug, Clone, Copy)]
pub struct ContextView<'a> {
    given: &'a RequestContext,
    extra: [Option<&'a RequestContext>; EXTRA_LAYERS],
    derived: &'a RequestContext,
    principal: Option<&'a PrincipalKeys>,
}

impl<'a> ContextView<'a> {
    /// A view over the caller's keys and the principal's derived keys.
    pub fn new(given: &'a RequestContext, derived: &'a RequestContext) -> Self {
        Self::layered(given, [None; EXTRA_LAYERS], derived)
    }

    /// A view with extra layers between the caller's keys and the derived ones.
    pub fn layered(
        given: &'a RequestContext,
        extra: [Option<&'a RequestContext>; EXTRA_LAYERS],
        derived: &'a RequestContext,
    ) -> Self {
        Self {
            given,
            extra,
            derived,
            principal: None,
        }
    }

    /// This view with the keys that follow from the principal's ARN as its
    /// last layer, computed the first time a key of theirs is asked for.
    pub fn with_principal_keys(self, principal: &'a PrincipalKeys) -> Self {
        Self {
            principal: Some(principal),
            ..self
        }
    }

    /// The values of `key`, from the first layer that has it.
    pub fn get(&self, key: &str) -> Option<&'a [Box<str>]> {
        self.given
            .get(key)
            .or_else(|| self.extra.iter().flatten().find_map(|layer| layer.get(key)))
            .or_else(|| self.derived.get(key))
            .or_else(|| self.principal.and_then(|p| p.get(key)))
    }
}

/// The condition keys that follow from a principal's ARN
/// ([`RequestPrincipal::derived_context`]), computed on first use: most
/// decisions never ask for one, so most requests never build them.
#[derive(Debug, Clone)]
pub struct PrincipalKeys {
    principal: RequestPrincipal,
    keys: OnceLock<RequestContext>,
}

impl PrincipalKeys {
    /// The keys of `principal`, not computed yet.
    pub fn new(principal: RequestPrincipal) -> Self {
        Self {
            principal,
            keys: OnceLock::new(),
        }
    }

    /// The principal.
    pub fn principal(&self) -> &RequestPrincipal {
        &self.principal
    }

    /// All the keys (computed now if they were not yet).
    pub fn context(&self) -> &RequestContext {
        self.keys.get_or_init(|| self.principal.derived_context())
    }

    /// The values of `key`: keys other than the derived ones are answered
    /// without computing anything.
    pub fn get(&self, key: &str) -> Option<&[Box<str>]> {
        if DERIVED_KEYS
            .iter()
            .any(|name| name.eq_ignore_ascii_case(key))
        {
            self.context().get(key)
        } else {
            None
        }
    }
}

/// The keys [`RequestPrincipal::derived_context`] can give.
const DERIVED_KEYS: [&str; 6] = [
    "aws:PrincipalArn",
    "aws:PrincipalAccount",
    "aws:PrincipalType",
    "aws:username",
    "aws:PrincipalServiceName",
    "aws:PrincipalIsAWSService",
];

impl PartialEq for PrincipalKeys {
    /// The keys follow from the principal: whether they were computed yet
    /// does not matter.
    fn eq(&self, other: &Self) -> bool {
        self.principal == other.principal
    }
}

impl Eq for PrincipalKeys {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earlier_layers_win() {
        let mut given = RequestContext::new();
        given.insert("a", vec!["given".into()]);
        let mut extra = RequestContext::new();
        extra.insert("A", vec!["extra".into()]);
        extra.insert("b", vec!["extra".into()]);
        let mut derived = RequestContext::new();
        derived.insert("b", vec!["derived".into()]);
        derived.insert("c", vec!["derived".into()]);
        let view = ContextView::layered(&given, [None, Some(&extra), None], &derived);
        assert_eq!(view.get("a").unwrap()[0].as_ref(), "given");
        assert_eq!(view.get("B").unwrap()[0].as_ref(), "extra");
        assert_eq!(view.get("c").unwrap()[0].as_ref(), "derived");
        assert!(view.get("d").is_none());
    }

    #[test]
    fn principal_keys_are_computed_only_for_aws_keys() {
        let principal =
            RequestPrincipal::parse("arn:aws:sts::111122223333:assumed-role/deploy/s1").unwrap();
        let keys = PrincipalKeys::new(principal);
        let given = RequestContext::new();
        let mut derived = RequestContext::new();
        derived.insert("aws:PrincipalTag/team", vec!["platform".into()]);
        let view = ContextView::new(&given, &derived).with_principal_keys(&keys);
        assert!(view.get("s3:prefix").is_none());
        assert!(view.get("aws:SecureTransport").is_none());
        assert!(
            keys.keys.get().is_none(),
            "a key not derived computed nothing"
        );
        assert_eq!(
            view.get("aws:principaltag/TEAM").unwrap()[0].as_ref(),
            "platform"
        );
        assert!(keys.keys.get().is_none(), "an added key is found first");
        assert_eq!(
            view.get("AWS:PrincipalArn").unwrap()[0].as_ref(),
            "arn:aws:iam::111122223333:role/deploy"
        );
        assert!(keys.keys.get().is_some());
        assert_eq!(
            view.get("aws:PrincipalType").unwrap()[0].as_ref(),
            "AssumedRole"
        );
        let fresh = PrincipalKeys::new(keys.principal().clone());
        assert_eq!(fresh, keys, "equality ignores whether keys were computed");
    }

    #[test]
    fn every_key_a_principal_derives_is_listed() {
        for text in [
            "arn:aws:iam::111122223333:user/alice",
            "arn:aws:sts::111122223333:assumed-role/deploy/s1",
            "arn:aws:iam::111122223333:root",
            "arn:aws:sts::111122223333:federated-user/bob",
            "lambda.amazonaws.com",
            "anonymous",
        ] {
            let principal = RequestPrincipal::parse(text).unwrap();
            for entry in principal.derived_context().entries() {
                assert!(
                    DERIVED_KEYS.contains(&entry.key()),
                    "{text}: {} is not in DERIVED_KEYS",
                    entry.key()
                );
            }
        }
    }
}
