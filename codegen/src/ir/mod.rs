//! The resolved, named, sorted model between the parsed CSDL and the emitter.
//!
//! [`Model::build`] resolves aliases and cross-namespace references, orders inheritance (base
//! before derived), computes every Rust name through [`crate::naming`], decides boxing and
//! polymorphic wrappers, resolves the Rust type of every field, and validates. All problems are
//! collected and returned together. Every map is a `BTreeMap`, so iteration order never depends
//! on hashing.
//!
//! The code is split by role:
//! * `types`: the model's elements (structs, enums, operations, the container);
//! * `rust_type`: the Rust type of a value or a field ([`ValueType`], [`FieldType`]);
//! * `build`: the builder's state and the lookups every pass shares (qualifying names,
//!   resolving type references, documentation from annotations);
//! * `passes`: the pass list and the resolution passes, one small function per step, each
//!   checking its rules and collecting every problem;
//! * `lower`: the passes that decide the Rust side (wrappers, field names, Rust types);
//! * `graph`: inheritance order and cycles, and the strongly connected components for boxing.

use std::collections::{BTreeMap, BTreeSet};

use crate::csdl::{self, Annotation};
use crate::Diagnostic;

mod build;
mod graph;
mod lower;
mod passes;
mod rust_type;
mod types;

use build::Builder;
pub use rust_type::{FieldType, ModelPath, Scalar, ValueType, Wrap};
pub use types::{
    Container, Deprecation, Docs, EntitySet, EnumMember, EnumType, KindEnum, KindVariant, Namespace, Operation,
    OperationKind, Parameter, Primitive, Property, ReturnType, StructKind, StructType, TypeRef, TypeTarget,
};

/// A qualified name: `namespace.Name` with the namespace spelled out (never an alias).
pub type QName = String;

/// The qualified name of the root entity type.
pub const ENTITY: &str = "microsoft.graph.entity";
/// The qualified name of Graph's untyped JSON complex type.
pub const JSON: &str = "microsoft.graph.Json";

/// The whole resolved model.
#[derive(Debug, Clone, Default)]
pub struct Model {
    /// Namespaces by name.
    pub namespaces: BTreeMap<String, Namespace>,
    /// Entity and complex types by qualified name.
    pub structs: BTreeMap<QName, StructType>,
    /// Enum types by qualified name.
    pub enums: BTreeMap<QName, EnumType>,
    /// Polymorphic wrappers, keyed by the qualified name of their base type.
    pub kinds: BTreeMap<QName, KindEnum>,
    /// Struct types ordered base before derived (then by name).
    pub inheritance_order: Vec<QName>,
    /// Bound and unbound actions and functions, sorted by (namespace, name, binding, parameters).
    pub operations: Vec<Operation>,
    /// The entity container, if the document has one.
    pub container: Option<Container>,
    /// Every annotation, keyed by its normalised target (`microsoft.graph.user/mail`), in
    /// document order within a target. Kept for later stages (capabilities, permissions, ...).
    pub annotations: BTreeMap<String, Vec<Annotation>>,
}

impl Model {
    /// Resolves and validates a parsed document: runs every pass in order. Every problem is
    /// reported (sorted by location); no model is returned when there is one.
    pub fn build(doc: &csdl::Document) -> Result<Model, Vec<Diagnostic>> {
        let mut b = Builder::new(doc);
        let model = b.run();
        b.finish(model)
    }

    /// The struct type with this qualified name.
    pub fn struct_type(&self, qname: &str) -> Option<&StructType> {
        self.structs.get(qname)
    }

    /// Descendants of a struct type (transitively), sorted by qualified name.
    pub fn descendants(&self, qname: &str) -> Vec<QName> {
        let mut out = BTreeSet::new();
        let mut stack = vec![qname.to_string()];
        while let Some(q) = stack.pop() {
            if let Some(s) = self.structs.get(&q) {
                for d in &s.derived {
                    if out.insert(d.clone()) {
                        stack.push(d.clone());
                    }
                }
            }
        }
        out.into_iter().collect()
    }

    /// Ancestors of a struct type, nearest first.
    pub fn ancestors(&self, qname: &str) -> Vec<QName> {
        let mut out = Vec::new();
        let mut cur = self.structs.get(qname).and_then(|s| s.base.clone());
        while let Some(q) = cur {
            if out.contains(&q) {
                break;
            }
            cur = self.structs.get(&q).and_then(|s| s.base.clone());
            out.push(q);
        }
        out
    }

    /// The Rust module path (under `models`) of a namespace.
    pub fn module_path(&self, namespace: &str) -> Vec<String> {
        self.namespaces.get(namespace).map(|n| n.module_path.clone()).unwrap_or_default()
    }
}
