//! Condition operator names: the base operator, its `ForAllValues:` or
//! `ForAnyValue:` qualifier and its `IfExists` suffix.

use std::fmt;

/// The type of the values an operator compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperandType {
    /// Text, with variables; wildcards for the `Like` operators.
    String,
    /// Integers and decimals.
    Numeric,
    /// ISO 8601 dates or epoch seconds.
    Date,
    /// `true` or `false`.
    Bool,
    /// Base64-encoded bytes.
    Binary,
    /// IPv4 or IPv6 addresses and CIDR ranges.
    Ip,
    /// ARNs compared part by part, with wildcards and variables.
    Arn,
    /// `true` (the key is absent) or `false` (it is present).
    Null,
}

macro_rules! base_operators {
    ($($variant:ident => $name:literal, $ty:ident, $negated:literal;)*) => {
        /// A condition operator without its qualifier or `IfExists`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[allow(missing_docs)]
        pub enum BaseOperator { $($variant,)* }

        impl BaseOperator {
            /// Every base operator, in documentation order.
            pub const ALL: &'static [BaseOperator] = &[$(BaseOperator::$variant,)*];

            /// The operator's name as policies spell it.
            pub fn name(self) -> &'static str {
                match self { $(BaseOperator::$variant => $name,)* }
            }

            /// The type of the values it compares.
            pub fn operand_type(self) -> OperandType {
                match self { $(BaseOperator::$variant => OperandType::$ty,)* }
            }

            /// True for the operators that hold when no policy value matches
            /// (`StringNotEquals`, `NotIpAddress`, `ArnNotLike` ...).
            pub fn is_negated(self) -> bool {
                match self { $(BaseOperator::$variant => $negated,)* }
            }

            fn from_name(name: &str) -> Option<Self> {
                match name { $($name => Some(BaseOperator::$variant),)* _ => None }
            }
        }
    };
}

base_operators! {
    StringEquals => "StringEquals", String, false;
    StringNotEquals => "StringNotEquals", String, true;
    StringEqualsIgnoreCase => "StringEqualsIgnoreCase", String, false;
    StringNotEqualsIgnoreCase => "StringNotEqualsIgnoreCase", String, true;
    StringLike => "StringLike", String, false;
    StringNotLike => "StringNotLike", String, true;
    NumericEquals => "NumericEquals", Numeric, false;
    NumericNotEquals => "NumericNotEquals", Numeric, true;
    NumericLessThan => "NumericLessThan", Numeric, false;
    NumericLessThanEquals => "NumericLessThanEquals", Numeric, false;
    NumericGreaterThan => "NumericGreaterThan", Numeric, false;
    NumericGreaterThanEquals => "NumericGreaterThanEquals", Numeric, false;
    DateEquals => "DateEquals", Date, false;
    DateNotEquals => "DateNotEquals", Date, true;
    DateLessThan => "DateLessThan", Date, false;
    DateLessThanEquals => "DateLessThanEquals", Date, false;
    DateGreaterThan => "DateGreaterThan", Date, false;
    DateGreaterThanEquals => "DateGreaterThanEquals", Date, false;
    Bool => "Bool", Bool, false;
    BinaryEquals => "BinaryEquals", Binary, false;
    IpAddress => "IpAddress", Ip, false;
    NotIpAddress => "NotIpAddress", Ip, true;
    ArnEquals => "ArnEquals", Arn, false;
    ArnLike => "ArnLike", Arn, false;
    ArnNotEquals => "ArnNotEquals", Arn, true;
    ArnNotLike => "ArnNotLike", Arn, true;
    Null => "Null", Null, false;
}

impl BaseOperator {
    /// True when `*` and `?` in the policy values are wildcards.
    pub fn uses_wildcards(self) -> bool {
        matches!(
            self,
            BaseOperator::StringLike
                | BaseOperator::StringNotLike
                | BaseOperator::ArnEquals
                | BaseOperator::ArnLike
                | BaseOperator::ArnNotEquals
                | BaseOperator::ArnNotLike
        )
    }

    /// True when the policy values may hold policy variables.
    pub fn allows_variables(self) -> bool {
        matches!(self.operand_type(), OperandType::String | OperandType::Arn)
    }
}

/// The set operator that says how a multi-valued key is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SetQualifier {
    /// `ForAllValues:`: every request value must match (true when there are none).
    ForAllValues,
    /// `ForAnyValue:`: at least one request value must match (false when there are none).
    ForAnyValue,
}

/// A full condition operator such as `ForAnyValue:StringLikeIfExists`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ConditionOperator {
    /// The set qualifier, if any.
    pub qualifier: Option<SetQualifier>,
    /// The base comparison.
    pub base: BaseOperator,
    /// The `IfExists` suffix: true when the key is absent.
    pub if_exists: bool,
}

impl ConditionOperator {
    /// Parses an operator name; `None` when IAM has no such operator.
    pub fn parse(name: &str) -> Option<Self> {
        let (qualifier, rest) = if let Some(rest) = name.strip_prefix("ForAllValues:") {
            (Some(SetQualifier::ForAllValues), rest)
        } else if let Some(rest) = name.strip_prefix("ForAnyValue:") {
            (Some(SetQualifier::ForAnyValue), rest)
        } else {
            (None, name)
        };
        let (if_exists, base_name) = match rest.strip_suffix("IfExists") {
            Some(base) => (true, base),
            None => (false, rest),
        };
        let base = BaseOperator::from_name(base_name)?;
        if base == BaseOperator::Null && (if_exists || qualifier.is_some()) {
            // IAM documents `IfExists` for every operator except `Null`, and
            // set qualifiers have no meaning for a presence test.
            return None;
        }
        Some(Self {
            qualifier,
            base,
            if_exists,
        })
    }
}

impl fmt::Display for ConditionOperator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.qualifier {
            Some(SetQualifier::ForAllValues) => f.write_str("ForAllValues:")?,
            Some(SetQualifier::ForAnyValue) => f.write_str("ForAnyValue:")?,
            None => {}
        }
        f.write_str(self.base.name())?;
        if self.if_exists {
            f.write_str("IfExists")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_operator_with_qualifiers_and_if_exists() {
        for base in BaseOperator::ALL {
            let op = ConditionOperator::parse(base.name()).unwrap();
            assert_eq!(op.base, *base);
            assert_eq!(op.to_string(), base.name());
            if *base != BaseOperator::Null {
                let name = format!("ForAnyValue:{}IfExists", base.name());
                let op = ConditionOperator::parse(&name).unwrap();
                assert_eq!(op.to_string(), name);
                assert!(op.if_exists);
            }
        }
        assert!(ConditionOperator::parse("NullIfExists").is_none());
        assert!(ConditionOperator::parse("StringEqualsX").is_none());
        assert!(ConditionOperator::parse("stringequals").is_none());
        assert!(ConditionOperator::parse("ForSomeValues:StringEquals").is_none());
    }
}
