//! msgraph-codegen: Microsoft Graph CSDL (OData v4 XML) → IR → Rust source for the `msgraph` crate.
//!
//! The pipeline has three stages, each in its own module:
//! 1. [`csdl`]: parse the XML with roxmltree into a typed, unresolved document;
//! 2. [`ir`]: resolve aliases, cross-namespace references and inheritance, compute every Rust
//!    name (in [`naming`]) and validate, collecting all errors with their locations;
//! 3. [`emit`]: turn the IR into token streams with `quote!` and format them with prettyplease.

pub mod csdl;
pub mod csdl_file;
pub mod diff;
pub mod emit;
pub mod features;
pub mod ir;
pub mod naming;
pub mod pin;
pub mod tree;

#[cfg(test)]
mod test_dir;

use std::collections::BTreeMap;
use std::fmt;

/// What to generate from.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// The CSDL text.
    pub csdl: &'a str,
    /// A name for the document used in error messages (a file name).
    pub source_name: &'a str,
    /// The sha256 (hex) of the CSDL bytes; written into the one generated file that names the
    /// input ([`emit::METADATA_PATH`]), not into every file's header.
    pub sha256: &'a str,
}

/// The generated tree: paths relative to the generated root (`crates/msgraph/src/generated`),
/// with `/` separators, mapped to file contents. Ordered, so iteration is deterministic.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Generated {
    pub files: BTreeMap<String, String>,
}

/// One problem found in the input, with its location in the CSDL document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub message: String,
    pub location: csdl::Location,
}

/// Every problem found, reported together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostics {
    pub source_name: String,
    pub errors: Vec<Diagnostic>,
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}: {} error(s)", self.source_name, self.errors.len())?;
        for e in &self.errors {
            writeln!(f, "{}:{}: {}", self.source_name, e.location, e.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// Parses and resolves a CSDL document into the IR.
pub fn build_ir(input: &Input<'_>) -> Result<ir::Model, Diagnostics> {
    let doc = csdl::parse(input.csdl).map_err(|errs| Diagnostics {
        source_name: input.source_name.to_string(),
        errors: errs.into_iter().map(|e| Diagnostic { message: e.message, location: e.location }).collect(),
    })?;
    ir::Model::build(&doc).map_err(|errors| Diagnostics { source_name: input.source_name.to_string(), errors })
}

/// Runs the whole pipeline.
pub fn generate(input: &Input<'_>) -> Result<Generated, Diagnostics> {
    let model = build_ir(input)?;
    Ok(emit::emit(&model, input.sha256))
}
