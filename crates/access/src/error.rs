//! Why an access query could not be answered.

/// A query the store cannot answer within its limits, or that is malformed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AccessError {
    /// The principal is not an ARN or principal name tollgate reads.
    #[error("principal {principal:?}: {message}")]
    Principal {
        /// As given.
        principal: String,
        /// Why.
        message: String,
    },
    /// The action or resource breaks the request rules.
    #[error("{field}: {message}")]
    Request {
        /// `action` or `resource`.
        field: String,
        /// Why.
        message: String,
    },
    /// A resource prefix must fix an ARN's partition, service, region and
    /// account fields.
    #[error(
        "resource_prefix {prefix:?}: must name the ARN through its account field (arn:PARTITION:SERVICE:REGION:ACCOUNT:)"
    )]
    Prefix {
        /// As given.
        prefix: String,
    },
    /// Too many combinations of missing context values.
    #[error(
        "the statements that apply compare {keys} context keys the query does not give ({cases} combinations of their values, limit {limit}): give some of them ({names})"
    )]
    TooManyCases {
        /// Keys missing.
        keys: usize,
        /// Combinations.
        cases: u128,
        /// The limit.
        limit: usize,
        /// Their names.
        names: String,
    },
    /// The resource patterns split the ARNs below the prefix into too many
    /// classes to explore.
    #[error(
        "the resource patterns that apply are too many or too intricate to plan ({states} states explored, limit {limit}): give a longer resource prefix"
    )]
    TooManyStates {
        /// Explored.
        states: usize,
        /// The limit.
        limit: usize,
    },
    /// The query's deadline ([`crate::Limits::deadline`]) passed before it
    /// was answered.
    #[error("the query's deadline passed before it was answered")]
    Deadline,
}
