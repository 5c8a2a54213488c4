//! [`Answer`]: a decision as the application sees it. Only
//! [`Decision::Allowed`] allows; a value this client does not know (from a
//! newer server) is [`Decision::Unknown`] and denies, as the API requires.

use tollgate_proto::v1::{self, AuthorizeResponse};

/// The outcome of IAM evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Some policy allows and nothing denies.
    Allowed,
    /// An applicable statement denies.
    ExplicitDeny,
    /// Nothing allows (the default).
    ImplicitDeny,
    /// A value this client does not know, or none: a deny.
    Unknown(i32),
}

impl Decision {
    /// The decision of a wire value.
    pub fn from_wire(value: i32) -> Self {
        match v1::Decision::try_from(value) {
            Ok(v1::Decision::Allowed) => Decision::Allowed,
            Ok(v1::Decision::ExplicitDeny) => Decision::ExplicitDeny,
            Ok(v1::Decision::ImplicitDeny) => Decision::ImplicitDeny,
            Ok(v1::Decision::Unspecified) | Err(_) => Decision::Unknown(value),
        }
    }
}

/// One decision and the store revision that made it.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// The decision.
    pub decision: Decision,
    /// The store revision that decided.
    pub revision: String,
    /// The whole wire answer (decisive statements and reason with
    /// `explain`).
    pub response: AuthorizeResponse,
}

impl Answer {
    /// The answer of a wire response.
    pub fn from_response(response: AuthorizeResponse) -> Self {
        Self {
            decision: Decision::from_wire(response.decision),
            revision: response.revision.clone(),
            response,
        }
    }

    /// True only for [`Decision::Allowed`].
    pub fn is_allowed(&self) -> bool {
        self.decision == Decision::Allowed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_allowed_allows() {
        let answer = |decision: i32| {
            Answer::from_response(AuthorizeResponse {
                decision,
                ..AuthorizeResponse::default()
            })
        };
        assert!(answer(v1::Decision::Allowed as i32).is_allowed());
        for denied in [0, 2, 3, 4, 99, -1] {
            assert!(!answer(denied).is_allowed(), "{denied}");
        }
        assert_eq!(Decision::from_wire(99), Decision::Unknown(99));
        assert_eq!(Decision::from_wire(0), Decision::Unknown(0));
    }
}
