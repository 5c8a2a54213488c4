//! The `Condition` element: operators, keys and the values they compare.

mod operator;
pub mod value;

pub use operator::{BaseOperator, ConditionOperator, OperandType, SetQualifier};

use crate::template::Template;

/// One operator applied to one key, with the values it accepts (ORed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// The operator.
    pub operator: ConditionOperator,
    /// The condition key, as written (keys compare without case).
    pub key: String,
    /// The policy values; string and ARN values may hold variables.
    pub values: Vec<Template>,
}
