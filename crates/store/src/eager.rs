//! Compiling as the store is read: each policy document that forms a group
//! of its own (an identity or boundary policy, shared by the principals that
//! have it; a trust policy; a resource policy) is compiled into its group the
//! moment it is parsed, and its parsed form is dropped at once. Parsed
//! documents take several times the memory of their compiled statements, so
//! holding them all until every file is read used to set the load's peak.
//!
//! The catalog validation of a document (`tollgate_catalog::validate`) needs
//! the parsed form too, so it runs here, before the document goes.

use tollgate_compiler::{CompileError, CompilerConfig, TablesBuilder};
use tollgate_policy::{NamedPolicy, PolicyDocument};

use crate::error::StoreWarning;
use crate::model::{Origin, PolicyBody, PolicyRole};
use crate::validation::document_warnings;

/// The tables being built while the files are read.
#[derive(Debug)]
pub(crate) struct CompileSink {
    pub(crate) builder: TablesBuilder,
    /// The first compiler limit hit; documents after it are dropped
    /// uncompiled and the load fails with it (unless the files have faults,
    /// which are reported first).
    pub(crate) error: Option<CompileError>,
    /// Catalog findings of the documents compiled here.
    pub(crate) catalog_warnings: Vec<StoreWarning>,
}

impl CompileSink {
    pub(crate) fn new(config: CompilerConfig) -> Self {
        Self {
            builder: TablesBuilder::new(config),
            error: None,
            catalog_warnings: Vec::new(),
        }
    }

    /// Validates and compiles one document into a group of its own.
    pub(crate) fn compile(
        &mut self,
        label: &str,
        origin: &Origin,
        role: PolicyRole,
        document: PolicyDocument,
    ) -> PolicyBody {
        self.catalog_warnings
            .extend(document_warnings(origin, role, &document));
        if self.error.is_some() {
            return PolicyBody::Dropped;
        }
        let policy = NamedPolicy::new(label, document);
        let statements = policy.document.statements.len();
        match self.builder.add_group([&policy]) {
            Ok(group) => {
                crate::progress::statements_compiled(statements);
                PolicyBody::Compiled(group)
            }
            Err(error) => {
                self.error = Some(error);
                PolicyBody::Dropped
            }
        }
    }
}

#[cfg(test)]
mod tests;
