//! `AuthorizeRequest` → [`Request`]: the principal, action, resource,
//! resource account and context, checked as the simulate contract checks a
//! scenario's `request`.

use tollgate_policy::arn::is_account_id;
use tollgate_policy::rules::{ContextRules, check_context};
use tollgate_policy::{CallerPrincipalKeys, ParseLimits, Request, RequestPrincipal};
use tollgate_proto::v1::AuthorizeRequest;

use super::context::context;
use super::{ConvertError, quoted};

/// One authorization question as the service answers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    /// The request, context included.
    pub request: Request,
    /// The session policies, as JSON text; empty when the session has none.
    pub session_policies: Vec<String>,
    /// Whether to list the decisive statements and a reason.
    pub explain: bool,
    /// Context keys the caller gave for the principal that were dropped
    /// ([`CallerPrincipalKeys::Ignore`]); 0 otherwise.
    pub ignored_keys: usize,
}

/// The context rules of a service that answers from a policy store: a
/// caller's value for a key the store derives is refused.
pub const STORE_RULES: ContextRules = ContextRules {
    caller_principal_keys: Some(CallerPrincipalKeys::Refuse),
};

/// Reads an `AuthorizeRequest`, taking its strings without copying them.
/// The limits are those a scenario's request obeys: strings (keys and
/// values) of at most [`ParseLimits::max_string_bytes`], at most
/// [`ParseLimits::max_list_len`] values per key.
///
/// The request rules of [`tollgate_policy::rules`] apply: the action, the
/// resource and the context (with [`STORE_RULES`]).
pub fn question(message: AuthorizeRequest, limits: &ParseLimits) -> Result<Question, ConvertError> {
    question_with(message, limits, STORE_RULES)
}

/// [`question`] with the given context rules.
pub fn question_with(
    message: AuthorizeRequest,
    limits: &ParseLimits,
    rules: ContextRules,
) -> Result<Question, ConvertError> {
    let AuthorizeRequest {
        principal,
        action,
        resource,
        resource_account,
        context: given,
        session_policies,
        explain,
    } = message;
    let principal = read_principal(principal)?;
    check_action(&action)?;
    if resource.is_empty() {
        return Err(ConvertError::new(
            "resource",
            "required: a resource ARN or `*`",
        ));
    }
    for (field, text) in [("action", &action), ("resource", &resource)] {
        check_length(field, text, limits)?;
    }
    let resource_account = read_account(resource_account)?;
    let mut context = context(given, limits)?;
    let ignored_keys =
        check_context(&mut context, rules).map_err(|e| ConvertError::new(e.field, e.message))?;
    let mut request = Request::checked(principal, action, resource)
        .map_err(|e| ConvertError::new(e.field, e.message))?;
    request.resource_account = resource_account;
    request.context = context;
    Ok(Question {
        request,
        session_policies,
        explain,
        ignored_keys,
    })
}

fn read_principal(text: String) -> Result<RequestPrincipal, ConvertError> {
    if text.is_empty() {
        return Err(ConvertError::new(
            "principal",
            "required: an IAM principal ARN, a service or web identity provider name, or `anonymous`",
        ));
    }
    RequestPrincipal::parse_owned(text).map_err(|e| ConvertError::new("principal", e.to_string()))
}

fn check_action(action: &str) -> Result<(), ConvertError> {
    if action.is_empty() {
        return Err(ConvertError::new(
            "action",
            "required: an action `service:Name`",
        ));
    }
    Ok(())
}

fn check_length(field: &str, text: &str, limits: &ParseLimits) -> Result<(), ConvertError> {
    if text.len() > limits.max_string_bytes {
        return Err(ConvertError::new(
            field,
            format!(
                "{} bytes is longer than the limit of {}",
                text.len(),
                limits.max_string_bytes
            ),
        ));
    }
    Ok(())
}

fn read_account(account: String) -> Result<Option<String>, ConvertError> {
    if account.is_empty() {
        return Ok(None);
    }
    if !is_account_id(&account) {
        return Err(ConvertError::new(
            "resource_account",
            format!(
                "{} is not an account id: expected 12 digits",
                quoted(&account)
            ),
        ));
    }
    Ok(Some(account))
}
