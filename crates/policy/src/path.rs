//! JSON paths that name where in a document a fault is, such as
//! `Statement[2].Condition.StringEquals`.

use std::fmt;

/// One step of a [`JsonPath`]: an object member or an array index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSegment {
    /// An object member, by name.
    Key(String),
    /// An array element, by position.
    Index(usize),
}

/// A path from the root of a JSON document to one of its values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JsonPath {
    segments: Vec<PathSegment>,
}

impl JsonPath {
    /// The root of the document.
    pub fn root() -> Self {
        Self::default()
    }

    /// This path extended by an object member.
    pub fn key(&self, key: &str) -> Self {
        let mut next = self.clone();
        next.segments.push(PathSegment::Key(key.to_owned()));
        next
    }

    /// This path extended by an array index.
    pub fn index(&self, index: usize) -> Self {
        let mut next = self.clone();
        next.segments.push(PathSegment::Index(index));
        next
    }

    /// `prefix` followed by this path, for errors found inside an embedded document.
    pub fn within(&self, prefix: &JsonPath) -> Self {
        let mut segments = prefix.segments.clone();
        segments.extend(self.segments.iter().cloned());
        Self { segments }
    }

    /// The steps of this path, root first.
    pub fn segments(&self) -> &[PathSegment] {
        &self.segments
    }

    /// True for the document root.
    pub fn is_root(&self) -> bool {
        self.segments.is_empty()
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.segments.is_empty() {
            return f.write_str("$");
        }
        for (i, segment) in self.segments.iter().enumerate() {
            match segment {
                PathSegment::Key(key) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(key)?;
                }
                PathSegment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_keys_and_indexes() {
        let path = JsonPath::root().key("Statement").index(2).key("Condition");
        assert_eq!(path.to_string(), "Statement[2].Condition");
        assert_eq!(JsonPath::root().to_string(), "$");
        let outer = JsonPath::root().key("identityPolicies").index(0);
        assert_eq!(
            path.within(&outer).to_string(),
            "identityPolicies[0].Statement[2].Condition"
        );
    }
}
