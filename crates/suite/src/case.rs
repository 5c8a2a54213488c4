//! What a suite file holds once read: its cases, each an `Authorize`
//! request with the expected answer.

use tollgate_policy::DecisionKind;
use tollgate_proto::v1::AuthorizeRequest;

/// One suite file.
#[derive(Debug, Clone)]
pub struct Suite {
    /// The file, as given (reports name it).
    pub file: String,
    /// Its cases, in file order.
    pub cases: Vec<TestCase>,
}

/// One named case.
#[derive(Debug, Clone)]
pub struct TestCase {
    /// The case's `name`.
    pub name: String,
    /// Where it is: `FILE tests[N]`.
    pub location: String,
    /// The question, as the gRPC API takes it (session policies included).
    pub request: AuthorizeRequest,
    /// The decision the author expects.
    pub expect: DecisionKind,
    /// Statements that must be among the decisive ones.
    pub expect_decisive: Vec<ExpectedStatement>,
}

/// A statement a case expects to decide: a policy label, and optionally its
/// index in the policy's `Statement` list and its `Sid`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedStatement {
    /// The policy's label as answers give it (a store path, `#fragment`, or
    /// an AWS managed policy ARN).
    pub policy: String,
    /// The statement's index, when the case names one.
    pub index: Option<usize>,
    /// The statement's `Sid`, when the case names one.
    pub sid: Option<String>,
}

impl ExpectedStatement {
    /// True when `statement` is this one.
    pub fn matches(&self, statement: &tollgate_policy::DecisiveStatement) -> bool {
        statement.policy == self.policy
            && self.index.is_none_or(|i| i == statement.index)
            && self
                .sid
                .as_deref()
                .is_none_or(|sid| statement.sid.as_deref() == Some(sid))
    }
}

impl std::fmt::Display for ExpectedStatement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.policy)?;
        if let Some(index) = self.index {
            write!(f, " Statement[{index}]")?;
        }
        if let Some(sid) = &self.sid {
            write!(f, " {sid}")?;
        }
        Ok(())
    }
}
