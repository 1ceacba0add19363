//! The resolved, named, sorted model between the parsed CSDL and the emitter.
//!
//! [`Model::build`] resolves aliases and cross-namespace references, orders inheritance (base
//! before derived), computes every Rust name through [`crate::naming`], decides boxing and
//! polymorphic wrappers, and validates. All problems are collected and returned together.
//! Every map is a `BTreeMap`, so iteration order never depends on hashing.

use std::collections::{BTreeMap, BTreeSet};

use crate::csdl::{self, Annotation, AnnotationValue, Location};
use crate::naming::{self, Scope};
use crate::Diagnostic;

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

/// One CSDL namespace.
#[derive(Debug, Clone, Default)]
pub struct Namespace {
    pub name: String,
    pub alias: Option<String>,
    /// Module path under `models` (empty for `microsoft.graph`).
    pub module_path: Vec<String>,
}

/// Documentation and lifecycle annotations of an element.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Docs {
    pub description: Option<String>,
    pub long_description: Option<String>,
    /// `Org.OData.Core.V1.Revisions` with `Kind = Deprecated`.
    pub deprecation: Option<Deprecation>,
}

/// A deprecation notice.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Deprecation {
    pub date: Option<String>,
    pub removal_date: Option<String>,
    pub description: Option<String>,
    pub version: Option<String>,
}

impl Deprecation {
    /// A one-line note for `#[deprecated(note = ...)]`.
    pub fn note(&self) -> String {
        let mut parts = Vec::new();
        if let Some(d) = &self.description {
            parts.push(d.trim().to_string());
        }
        if let Some(d) = &self.date {
            parts.push(format!("Deprecated on {d}."));
        }
        if let Some(d) = &self.removal_date {
            parts.push(format!("Planned removal: {d}."));
        }
        if parts.is_empty() {
            "Deprecated in the Microsoft Graph metadata.".to_string()
        } else {
            parts.join(" ")
        }
    }
}

/// Primitive (Edm) types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Primitive {
    String,
    Boolean,
    Byte,
    SByte,
    Int16,
    Int32,
    Int64,
    Single,
    Double,
    Decimal,
    DateTimeOffset,
    Date,
    TimeOfDay,
    Duration,
    Guid,
    Binary,
    /// `Edm.Stream`: carried inline as base64 when present in JSON.
    Stream,
    /// `Edm.Untyped` and abstract Edm types: any JSON value.
    Untyped,
}

impl Primitive {
    /// Maps an `Edm.*` name.
    pub fn from_edm(name: &str) -> Option<Primitive> {
        Some(match name {
            "Edm.String" => Primitive::String,
            "Edm.Boolean" => Primitive::Boolean,
            "Edm.Byte" => Primitive::Byte,
            "Edm.SByte" => Primitive::SByte,
            "Edm.Int16" => Primitive::Int16,
            "Edm.Int32" => Primitive::Int32,
            "Edm.Int64" => Primitive::Int64,
            "Edm.Single" => Primitive::Single,
            "Edm.Double" => Primitive::Double,
            "Edm.Decimal" => Primitive::Decimal,
            "Edm.DateTimeOffset" => Primitive::DateTimeOffset,
            "Edm.Date" => Primitive::Date,
            "Edm.TimeOfDay" => Primitive::TimeOfDay,
            "Edm.Duration" => Primitive::Duration,
            "Edm.Guid" => Primitive::Guid,
            "Edm.Binary" => Primitive::Binary,
            "Edm.Stream" => Primitive::Stream,
            "Edm.Untyped" | "Edm.PrimitiveType" | "Edm.ComplexType" | "Edm.EntityType" => Primitive::Untyped,
            _ => return None,
        })
    }

    /// The `Edm.*` name.
    pub fn edm_name(self) -> &'static str {
        match self {
            Primitive::String => "Edm.String",
            Primitive::Boolean => "Edm.Boolean",
            Primitive::Byte => "Edm.Byte",
            Primitive::SByte => "Edm.SByte",
            Primitive::Int16 => "Edm.Int16",
            Primitive::Int32 => "Edm.Int32",
            Primitive::Int64 => "Edm.Int64",
            Primitive::Single => "Edm.Single",
            Primitive::Double => "Edm.Double",
            Primitive::Decimal => "Edm.Decimal",
            Primitive::DateTimeOffset => "Edm.DateTimeOffset",
            Primitive::Date => "Edm.Date",
            Primitive::TimeOfDay => "Edm.TimeOfDay",
            Primitive::Duration => "Edm.Duration",
            Primitive::Guid => "Edm.Guid",
            Primitive::Binary => "Edm.Binary",
            Primitive::Stream => "Edm.Stream",
            Primitive::Untyped => "Edm.Untyped",
        }
    }
}

/// What a type reference resolved to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum TypeTarget {
    Primitive(Primitive),
    Enum(QName),
    /// An entity or complex type.
    Struct(QName),
    /// `microsoft.graph.Json`: any JSON value.
    Json,
}

/// A resolved type reference.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct TypeRef {
    pub target: TypeTarget,
    pub collection: bool,
}

impl TypeRef {
    /// `Edm.String`, `Collection(microsoft.graph.user)`, ... (normalised: no aliases).
    pub fn display(&self) -> String {
        let inner = match &self.target {
            TypeTarget::Primitive(p) => p.edm_name().to_string(),
            TypeTarget::Enum(q) | TypeTarget::Struct(q) => q.clone(),
            TypeTarget::Json => JSON.to_string(),
        };
        if self.collection {
            format!("Collection({inner})")
        } else {
            inner
        }
    }
}

/// A Rust scalar: what a primitive (Edm) type is stored as. `Edm.Binary` and `Edm.Stream` are
/// both [`Scalar::Binary`]; `Edm.Untyped` and the abstract Edm types are [`ValueType::Json`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scalar {
    String,
    Bool,
    U8,
    I8,
    I16,
    I32,
    I64,
    F32,
    F64,
    /// The runtime's `edm::Decimal`; likewise the other `edm` types below.
    Decimal,
    DateTimeOffset,
    Date,
    TimeOfDay,
    Duration,
    Guid,
    Binary,
}

impl Primitive {
    /// The Rust scalar a value of this type is stored as (`None`: any JSON value).
    pub fn scalar(self) -> Option<Scalar> {
        Some(match self {
            Primitive::String => Scalar::String,
            Primitive::Boolean => Scalar::Bool,
            Primitive::Byte => Scalar::U8,
            Primitive::SByte => Scalar::I8,
            Primitive::Int16 => Scalar::I16,
            Primitive::Int32 => Scalar::I32,
            Primitive::Int64 => Scalar::I64,
            Primitive::Single => Scalar::F32,
            Primitive::Double => Scalar::F64,
            Primitive::Decimal => Scalar::Decimal,
            Primitive::DateTimeOffset => Scalar::DateTimeOffset,
            Primitive::Date => Scalar::Date,
            Primitive::TimeOfDay => Scalar::TimeOfDay,
            Primitive::Duration => Scalar::Duration,
            Primitive::Guid => Scalar::Guid,
            Primitive::Binary | Primitive::Stream => Scalar::Binary,
            Primitive::Untyped => return None,
        })
    }
}

/// A generated model type, named by its Rust path `models::<module_path>::<rust_name>`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ModelPath {
    /// The OData type it was generated from (for a `…Kind` wrapper: its base type).
    pub qname: QName,
    /// The module path under `models` (empty for `microsoft.graph`).
    pub module_path: Vec<String>,
    pub rust_name: String,
}

/// The Rust type of one value (a field's element, a parameter, a return value), resolved by the
/// IR once; the emitter turns it into tokens and the differ into text.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ValueType {
    Scalar(Scalar),
    /// `serde_json::Value`: `microsoft.graph.Json`, `Edm.Untyped` and the abstract Edm types.
    Json,
    Enum(ModelPath),
    /// `Flags<E>`: a set of members of a flags enum.
    Flags(ModelPath),
    /// An entity or complex type that is not read polymorphically.
    Struct(ModelPath),
    /// The polymorphic wrapper of a base type (key of [`Model::kinds`]).
    Kind(ModelPath),
}

impl ValueType {
    /// The generated type it names, if any.
    pub fn model_path(&self) -> Option<&ModelPath> {
        match self {
            ValueType::Enum(p) | ValueType::Flags(p) | ValueType::Struct(p) | ValueType::Kind(p) => Some(p),
            ValueType::Scalar(_) | ValueType::Json => None,
        }
    }

    /// Equal up to the Rust names of the types named (a renamed type is one change, reported at
    /// the type, not at every field that refers to it).
    pub fn same_up_to_renames(&self, other: &ValueType) -> bool {
        match (self, other) {
            (ValueType::Scalar(a), ValueType::Scalar(b)) => a == b,
            (ValueType::Json, ValueType::Json) => true,
            (ValueType::Enum(a), ValueType::Enum(b))
            | (ValueType::Flags(a), ValueType::Flags(b))
            | (ValueType::Struct(a), ValueType::Struct(b))
            | (ValueType::Kind(a), ValueType::Kind(b)) => a.qname == b.qname,
            _ => false,
        }
    }
}

/// How a field holds its value inside the `Option` every field has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Wrap {
    /// `Option<T>`.
    Plain,
    /// `Option<Box<T>>`: a single-valued navigation target, or a complex type on an inline cycle.
    Boxed,
    /// `Option<Vec<T>>`: a collection.
    Vec,
}

/// The Rust type of a struct field: `Option<value>`, boxed or a `Vec` per [`Wrap`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FieldType {
    pub value: ValueType,
    pub wrap: Wrap,
}

impl FieldType {
    /// Equal up to the Rust names of the types named (see [`ValueType::same_up_to_renames`]).
    pub fn same_up_to_renames(&self, other: &FieldType) -> bool {
        self.wrap == other.wrap && self.value.same_up_to_renames(&other.value)
    }
}

/// Entity or complex.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StructKind {
    Entity,
    Complex,
}

/// An entity or complex type with everything resolved.
#[derive(Debug, Clone)]
pub struct StructType {
    pub qname: QName,
    pub namespace: String,
    /// CSDL name.
    pub name: String,
    pub rust_name: String,
    /// Whether `rust_name` differs from the plain conversion because of a collision.
    pub renamed: bool,
    pub kind: StructKind,
    pub base: Option<QName>,
    pub is_abstract: bool,
    pub open_type: bool,
    pub has_stream: bool,
    /// Key property names (inherited when not declared).
    pub key: Vec<String>,
    /// All properties: inherited first (root first), then own, in declaration order.
    pub properties: Vec<Property>,
    /// Direct derived types, sorted.
    pub derived: Vec<QName>,
    /// Whether encoding writes `@odata.type` (an ancestor other than `entity` is read
    /// polymorphically).
    pub writes_odata_type: bool,
    pub docs: Docs,
    pub location: Location,
}

/// A structural or navigation property.
#[derive(Debug, Clone)]
pub struct Property {
    /// Wire (CSDL) name.
    pub name: String,
    pub rust_name: String,
    pub renamed: bool,
    pub r#type: TypeRef,
    /// The Rust type of the field.
    pub rust_type: FieldType,
    pub nullable: bool,
    pub navigation: bool,
    pub contains_target: bool,
    /// `Org.OData.Core.V1.Computed`: read-only.
    pub computed: bool,
    /// The type that declares it.
    pub declared_in: QName,
    pub docs: Docs,
    pub location: Location,
}

/// An enum type.
#[derive(Debug, Clone)]
pub struct EnumType {
    pub qname: QName,
    pub namespace: String,
    pub name: String,
    pub rust_name: String,
    pub renamed: bool,
    pub is_flags: bool,
    pub members: Vec<EnumMember>,
    pub docs: Docs,
    pub location: Location,
}

/// An enum member.
#[derive(Debug, Clone)]
pub struct EnumMember {
    pub name: String,
    pub rust_name: String,
    pub renamed: bool,
    pub value: i64,
    pub docs: Docs,
}

/// The polymorphic wrapper of a base type that is referenced somewhere and has derived types.
#[derive(Debug, Clone)]
pub struct KindEnum {
    /// The base type.
    pub base: QName,
    pub namespace: String,
    pub rust_name: String,
    /// Variants: the base itself first, then every descendant sorted by qualified name.
    pub variants: Vec<KindVariant>,
}

/// One variant of a [`KindEnum`].
#[derive(Debug, Clone)]
pub struct KindVariant {
    pub qname: QName,
    pub rust_name: String,
}

/// Action or function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum OperationKind {
    Action,
    Function,
}

/// A resolved action or function.
#[derive(Debug, Clone)]
pub struct Operation {
    pub kind: OperationKind,
    pub namespace: String,
    pub name: String,
    /// The binding parameter's type, when bound.
    pub binding: Option<TypeRef>,
    /// Parameters after the binding parameter.
    pub parameters: Vec<Parameter>,
    pub return_type: Option<ReturnType>,
    pub is_composable: bool,
    pub entity_set_path: Option<String>,
    pub docs: Docs,
    pub location: Location,
}

/// An operation parameter.
#[derive(Debug, Clone)]
pub struct Parameter {
    pub name: String,
    pub rust_name: String,
    pub r#type: TypeRef,
    /// The Rust type of the value (of each element, for a collection).
    pub rust_type: ValueType,
    pub nullable: bool,
    /// `Org.OData.Core.V1.OptionalParameter`.
    pub optional: bool,
}

/// An operation's return type.
#[derive(Debug, Clone)]
pub struct ReturnType {
    pub r#type: TypeRef,
    /// The Rust type of the value (of each element, for a collection).
    pub rust_type: ValueType,
    pub nullable: bool,
}

/// The entity container.
#[derive(Debug, Clone, Default)]
pub struct Container {
    pub name: String,
    pub namespace: String,
    pub entity_sets: Vec<EntitySet>,
    pub singletons: Vec<EntitySet>,
}

/// An entity set or singleton.
#[derive(Debug, Clone)]
pub struct EntitySet {
    pub name: String,
    pub rust_name: String,
    pub entity_type: QName,
    /// `(path, target)` navigation property bindings.
    pub bindings: Vec<(String, String)>,
}

// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Declared {
    Entity(usize, usize),
    Complex(usize, usize),
    Enum(usize, usize),
    TypeDef(usize, usize),
}

struct Builder<'d> {
    doc: &'d csdl::Document,
    errors: Vec<Diagnostic>,
    /// alias or namespace → namespace
    namespaces: BTreeMap<String, String>,
    declared: BTreeMap<QName, Declared>,
    annotations: BTreeMap<String, Vec<Annotation>>,
}

impl Model {
    /// Resolves and validates a parsed document.
    pub fn build(doc: &csdl::Document) -> Result<Model, Vec<Diagnostic>> {
        let mut b = Builder {
            doc,
            errors: Vec::new(),
            namespaces: BTreeMap::new(),
            declared: BTreeMap::new(),
            annotations: BTreeMap::new(),
        };
        let model = b.run();
        if b.errors.is_empty() {
            Ok(model)
        } else {
            let mut errors = b.errors;
            errors.sort_by(|a, b| {
                (a.location.line, a.location.column, &a.message).cmp(&(b.location.line, b.location.column, &b.message))
            });
            errors.dedup();
            Err(errors)
        }
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

    /// The Rust type of a value of `target`: flags enums hold a `Flags` set, base types read
    /// polymorphically their `…Kind` wrapper. A name the model does not hold (never the case in
    /// a model [`Model::build`] returned) falls back to a string (enums) or any JSON value.
    pub fn value_type(&self, target: &TypeTarget) -> ValueType {
        match target {
            TypeTarget::Primitive(p) => p.scalar().map_or(ValueType::Json, ValueType::Scalar),
            TypeTarget::Json => ValueType::Json,
            TypeTarget::Enum(q) => match self.enums.get(q) {
                Some(e) if e.is_flags => ValueType::Flags(self.model_path_of(q, &e.namespace, &e.rust_name)),
                Some(e) => ValueType::Enum(self.model_path_of(q, &e.namespace, &e.rust_name)),
                None => ValueType::Scalar(Scalar::String),
            },
            TypeTarget::Struct(q) if q == JSON => ValueType::Json,
            TypeTarget::Struct(q) => match (self.kinds.get(q), self.structs.get(q)) {
                (Some(k), _) => ValueType::Kind(self.model_path_of(q, &k.namespace, &k.rust_name)),
                (None, Some(s)) => ValueType::Struct(self.model_path_of(q, &s.namespace, &s.rust_name)),
                (None, None) => ValueType::Json,
            },
        }
    }

    fn model_path_of(&self, qname: &str, namespace: &str, rust_name: &str) -> ModelPath {
        ModelPath {
            qname: qname.to_string(),
            module_path: self.module_path(namespace),
            rust_name: rust_name.to_string(),
        }
    }
}

fn diag(errors: &mut Vec<Diagnostic>, location: &Location, message: String) {
    errors.push(Diagnostic { message, location: location.clone() });
}

impl<'d> Builder<'d> {
    fn error(&mut self, location: &Location, message: String) {
        diag(&mut self.errors, location, message);
    }

    fn run(&mut self) -> Model {
        let doc = self.doc;
        let mut model = Model::default();

        // 1. Namespaces and aliases.
        for schema in &doc.schemas {
            if schema.namespace.is_empty() || !schema.namespace.split('.').all(naming::is_valid_csdl_identifier) {
                self.error(&schema.location, format!("invalid namespace name {:?}", schema.namespace));
            }
            if model.namespaces.contains_key(&schema.namespace) {
                self.error(&schema.location, format!("namespace {} is declared twice", schema.namespace));
                continue;
            }
            self.namespaces.insert(schema.namespace.clone(), schema.namespace.clone());
            if let Some(alias) = &schema.alias {
                if let Some(other) = self.namespaces.get(alias).filter(|n| *n != &schema.namespace) {
                    let msg = format!("alias {alias} of {} is already used by {other}", schema.namespace);
                    self.error(&schema.location, msg);
                } else {
                    self.namespaces.insert(alias.clone(), schema.namespace.clone());
                }
            }
            model.namespaces.insert(
                schema.namespace.clone(),
                Namespace {
                    name: schema.namespace.clone(),
                    alias: schema.alias.clone(),
                    module_path: naming::module_path(&schema.namespace),
                },
            );
        }

        // 2. Declared types (duplicates are errors).
        for (si, schema) in doc.schemas.iter().enumerate() {
            let mut decls: Vec<(&str, &Location, Declared)> = Vec::new();
            decls.extend(
                schema
                    .entity_types
                    .iter()
                    .enumerate()
                    .map(|(i, t)| (t.name.as_str(), &t.location, Declared::Entity(si, i))),
            );
            decls.extend(
                schema
                    .complex_types
                    .iter()
                    .enumerate()
                    .map(|(i, t)| (t.name.as_str(), &t.location, Declared::Complex(si, i))),
            );
            decls.extend(
                schema
                    .enum_types
                    .iter()
                    .enumerate()
                    .map(|(i, t)| (t.name.as_str(), &t.location, Declared::Enum(si, i))),
            );
            decls.extend(
                schema
                    .type_definitions
                    .iter()
                    .enumerate()
                    .map(|(i, t)| (t.name.as_str(), &t.location, Declared::TypeDef(si, i))),
            );
            for (name, loc, d) in decls {
                if !naming::is_valid_csdl_identifier(name) {
                    self.error(loc, format!("invalid type name {name:?}: not a valid identifier"));
                    continue;
                }
                let q = format!("{}.{}", schema.namespace, name);
                if self.declared.contains_key(&q) {
                    self.error(loc, format!("duplicate type name {q}"));
                    continue;
                }
                self.declared.insert(q, d);
            }
        }

        // 3. Annotations by normalised target (blocks first, then inline ones).
        for schema in &doc.schemas {
            for block in &schema.annotations {
                let target = self.normalise_target(&block.target);
                self.annotations.entry(target).or_default().extend(block.annotations.iter().cloned());
            }
        }
        self.collect_inline_annotations();

        // 4. Structs: resolve bases, detect cycles, order base before derived.
        let mut bases: BTreeMap<QName, Option<QName>> = BTreeMap::new();
        for (q, d) in self.declared.clone() {
            let (base, loc, is_entity) = match d {
                Declared::Entity(s, i) => {
                    let t = &doc.schemas[s].entity_types[i];
                    (t.base_type.as_deref(), &t.location, true)
                }
                Declared::Complex(s, i) => {
                    let t = &doc.schemas[s].complex_types[i];
                    (t.base_type.as_deref(), &t.location, false)
                }
                _ => continue,
            };
            let resolved = match base {
                None => None,
                Some(b) => match self.qualify(b).and_then(|bq| self.declared.get(&bq).map(|d| (bq, *d))) {
                    Some((bq, Declared::Entity(..))) if is_entity => Some(bq),
                    Some((bq, Declared::Complex(..))) if !is_entity => Some(bq),
                    Some((bq, _)) => {
                        let what = if is_entity { "an entity type" } else { "a complex type" };
                        self.error(loc, format!("base type {bq} of {q} is not {what}"));
                        None
                    }
                    None => {
                        self.error(loc, format!("unknown base type {b} of {q}"));
                        None
                    }
                },
            };
            bases.insert(q, resolved);
        }
        let mut in_cycle: BTreeSet<QName> = BTreeSet::new();
        for start in bases.keys() {
            let mut seen = vec![start.clone()];
            let mut cur = bases.get(start).cloned().flatten();
            while let Some(c) = cur {
                if c == *start {
                    if seen.iter().all(|s| !in_cycle.contains(s)) {
                        let loc = self.location_of(start);
                        let mut chain = seen.clone();
                        chain.push(start.clone());
                        self.error(&loc, format!("inheritance cycle: {}", chain.join(" -> ")));
                    }
                    in_cycle.extend(seen.iter().cloned());
                    break;
                }
                if seen.contains(&c) {
                    break; // a cycle further up; reported from its own members
                }
                seen.push(c.clone());
                cur = bases.get(&c).cloned().flatten();
            }
        }
        for q in &in_cycle {
            bases.insert(q.clone(), None);
        }
        model.inheritance_order = inheritance_order(&bases);

        // 5. Type names per module (document order within each namespace).
        let mut type_names: BTreeMap<QName, (String, bool)> = BTreeMap::new();
        let mut scopes: BTreeMap<String, Scope> = BTreeMap::new();
        {
            let mut by_ns: BTreeMap<&str, Vec<(&Location, QName, &str)>> = BTreeMap::new();
            for (q, d) in &self.declared {
                let (s, name, loc) = match *d {
                    Declared::Entity(s, i) => {
                        (s, &doc.schemas[s].entity_types[i].name, &doc.schemas[s].entity_types[i].location)
                    }
                    Declared::Complex(s, i) => {
                        (s, &doc.schemas[s].complex_types[i].name, &doc.schemas[s].complex_types[i].location)
                    }
                    Declared::Enum(s, i) => {
                        (s, &doc.schemas[s].enum_types[i].name, &doc.schemas[s].enum_types[i].location)
                    }
                    Declared::TypeDef(..) => continue,
                };
                by_ns.entry(doc.schemas[s].namespace.as_str()).or_default().push((loc, q.clone(), name.as_str()));
            }
            for (ns, mut items) in by_ns {
                items.sort_by(|a, b| (a.0.line, a.0.column, &a.1).cmp(&(b.0.line, b.0.column, &b.1)));
                let scope = scopes.entry(ns.to_string()).or_default();
                for (_, q, name) in items {
                    let named = scope.claim(&naming::type_name(name), false);
                    type_names.insert(q, named);
                }
            }
        }

        // 6. Enums.
        for (q, d) in self.declared.clone() {
            let q = &q;
            let Declared::Enum(s, i) = d else { continue };
            let schema = &doc.schemas[s];
            let t = &schema.enum_types[i];
            let mut scope = Scope::with_reserved(&[naming::UNKNOWN_VARIANT]);
            let mut members = Vec::new();
            let mut seen = BTreeSet::new();
            for (mi, m) in t.members.iter().enumerate() {
                if !naming::is_valid_csdl_identifier(&m.name) {
                    self.error(&m.location, format!("invalid enum member name {:?} in {q}", m.name));
                    continue;
                }
                if !seen.insert(m.name.clone()) {
                    self.error(&m.location, format!("duplicate enum member {} in {q}", m.name));
                    continue;
                }
                let (rust_name, renamed) = scope.claim(&naming::variant_name(&m.name), false);
                let value = m.value.unwrap_or(if t.is_flags { 1i64 << mi.min(62) } else { mi as i64 });
                let docs = self.docs(&format!("{q}/{}", m.name));
                members.push(EnumMember { name: m.name.clone(), rust_name, renamed, value, docs });
            }
            let (rust_name, renamed) = type_names.get(q).cloned().unwrap_or_default();
            let docs = self.docs(q);
            model.enums.insert(
                q.clone(),
                EnumType {
                    qname: q.clone(),
                    namespace: schema.namespace.clone(),
                    name: t.name.clone(),
                    rust_name,
                    renamed,
                    is_flags: t.is_flags,
                    members,
                    docs,
                    location: t.location.clone(),
                },
            );
        }

        // 7. Structs, in inheritance order so a base's properties are ready for its derived types.
        let order = model.inheritance_order.clone();
        for q in &order {
            let Some(d) = self.declared.get(q).copied() else { continue };
            let schema_index = match d {
                Declared::Entity(s, _) | Declared::Complex(s, _) => s,
                _ => continue,
            };
            let schema = &doc.schemas[schema_index];
            let (kind, name, is_abstract, open_type, has_stream, key, props, navs, location) = match d {
                Declared::Entity(_, i) => {
                    let t = &schema.entity_types[i];
                    (
                        StructKind::Entity,
                        &t.name,
                        t.is_abstract,
                        t.open_type,
                        t.has_stream,
                        t.key.clone(),
                        &t.properties,
                        &t.navigation_properties,
                        &t.location,
                    )
                }
                Declared::Complex(_, i) => {
                    let t = &schema.complex_types[i];
                    (
                        StructKind::Complex,
                        &t.name,
                        t.is_abstract,
                        t.open_type,
                        false,
                        Vec::new(),
                        &t.properties,
                        &t.navigation_properties,
                        &t.location,
                    )
                }
                _ => continue,
            };
            let base = bases.get(q).cloned().flatten();
            let base_type = base.as_ref().and_then(|b| model.structs.get(b));
            let mut properties: Vec<Property> = base_type.map(|b| b.properties.clone()).unwrap_or_default();
            let key = if key.is_empty() { base_type.map(|b| b.key.clone()).unwrap_or_default() } else { key };
            let has_stream = has_stream || base_type.is_some_and(|b| b.has_stream);
            let mut wire_names: BTreeSet<String> = properties.iter().map(|p| p.name.clone()).collect();
            let own = props.iter().map(|p| (p.name.as_str(), &p.r#type, p.nullable, false, false, &p.location)).chain(
                navs.iter().map(|n| (n.name.as_str(), &n.r#type, n.nullable, true, n.contains_target, &n.location)),
            );
            for (pname, ptype, nullable, navigation, contains_target, ploc) in own {
                if !naming::is_valid_csdl_identifier(pname) {
                    self.error(ploc, format!("invalid property name {pname:?} in {q}: not a valid identifier"));
                    continue;
                }
                if !wire_names.insert(pname.to_string()) {
                    self.error(
                        ploc,
                        format!("duplicate property {pname} in {q} (declared here and in {q} or a base type)"),
                    );
                    continue;
                }
                let Some(r#type) = self.resolve(ptype, ploc, &format!("property {pname} of {q}")) else { continue };
                if navigation && !matches!(r#type.target, TypeTarget::Struct(_)) {
                    self.error(
                        ploc,
                        format!(
                            "navigation property {pname} of {q} must target an entity type, not {}",
                            r#type.display()
                        ),
                    );
                    continue;
                }
                let target = format!("{q}/{pname}");
                let docs = self.docs(&target);
                let computed = self.bool_annotation(&target, "Org.OData.Core.V1.Computed");
                properties.push(Property {
                    name: pname.to_string(),
                    rust_name: String::new(),
                    renamed: false,
                    rust_type: FieldType { value: ValueType::Json, wrap: Wrap::Plain },
                    r#type,
                    nullable,
                    navigation,
                    contains_target,
                    computed,
                    declared_in: q.clone(),
                    docs,
                    location: ploc.clone(),
                });
            }
            for k in &key {
                if !properties.iter().any(|p| &p.name == k) {
                    self.error(location, format!("key property {k} of {q} is not a property of the type"));
                }
            }
            let (rust_name, renamed) = type_names.get(q).cloned().unwrap_or_default();
            let docs = self.docs(q);
            model.structs.insert(
                q.clone(),
                StructType {
                    qname: q.clone(),
                    namespace: schema.namespace.clone(),
                    name: name.clone(),
                    rust_name,
                    renamed,
                    kind,
                    base,
                    is_abstract,
                    open_type,
                    has_stream,
                    key,
                    properties,
                    derived: Vec::new(),
                    writes_odata_type: false,
                    docs,
                    location: location.clone(),
                },
            );
        }
        let children: Vec<(QName, QName)> =
            model.structs.values().filter_map(|s| s.base.clone().map(|b| (b, s.qname.clone()))).collect();
        for (b, c) in children {
            if let Some(s) = model.structs.get_mut(&b) {
                s.derived.push(c);
            }
        }
        for s in model.structs.values_mut() {
            s.derived.sort();
        }

        // 8. Operations.
        for schema in &doc.schemas {
            for (kind, ops) in [(OperationKind::Action, &schema.actions), (OperationKind::Function, &schema.functions)]
            {
                for op in ops {
                    if let Some(o) = self.operation(kind, &schema.namespace, op) {
                        model.operations.push(o);
                    }
                }
            }
        }
        model.operations.sort_by_cached_key(|o| {
            (
                o.namespace.clone(),
                o.name.clone(),
                o.binding.as_ref().map(TypeRef::display),
                o.kind,
                o.parameters.iter().map(|p| format!("{}:{}", p.name, p.r#type.display())).collect::<Vec<_>>(),
            )
        });

        // 9. Container.
        model.container = self.container(&doc.schemas);

        // 10. Polymorphism, representation, boxing, field names.
        self.finish_structs(&mut model, &mut scopes);
        model.annotations = std::mem::take(&mut self.annotations);
        model
    }

    fn collect_inline_annotations(&mut self) {
        let doc = self.doc;
        let add = |target: String, anns: &[Annotation], map: &mut BTreeMap<String, Vec<Annotation>>| {
            if !anns.is_empty() {
                map.entry(target).or_default().extend(anns.iter().cloned());
            }
        };
        let mut map = std::mem::take(&mut self.annotations);
        for s in &doc.schemas {
            let ns = &s.namespace;
            for t in &s.entity_types {
                add(format!("{ns}.{}", t.name), &t.annotations, &mut map);
                for p in &t.properties {
                    add(format!("{ns}.{}/{}", t.name, p.name), &p.annotations, &mut map);
                }
                for p in &t.navigation_properties {
                    add(format!("{ns}.{}/{}", t.name, p.name), &p.annotations, &mut map);
                }
            }
            for t in &s.complex_types {
                add(format!("{ns}.{}", t.name), &t.annotations, &mut map);
                for p in &t.properties {
                    add(format!("{ns}.{}/{}", t.name, p.name), &p.annotations, &mut map);
                }
                for p in &t.navigation_properties {
                    add(format!("{ns}.{}/{}", t.name, p.name), &p.annotations, &mut map);
                }
            }
            for t in &s.enum_types {
                add(format!("{ns}.{}", t.name), &t.annotations, &mut map);
                for m in &t.members {
                    add(format!("{ns}.{}/{}", t.name, m.name), &m.annotations, &mut map);
                }
            }
            for op in s.actions.iter().chain(&s.functions) {
                add(self.operation_target(ns, op, op.parameters.len()), &op.annotations, &mut map);
            }
            for c in &s.entity_containers {
                add(format!("{ns}.{}", c.name), &c.annotations, &mut map);
                for e in &c.entity_sets {
                    add(format!("{ns}.{}/{}", c.name, e.name), &e.annotations, &mut map);
                }
                for e in &c.singletons {
                    add(format!("{ns}.{}/{}", c.name, e.name), &e.annotations, &mut map);
                }
            }
        }
        self.annotations = map;
    }

    /// Replaces an alias prefix in an annotation target with its namespace. An operation
    /// overload's parameter list (`graph.op(graph.user, Collection(Edm.String))`) is normalised
    /// too: aliases replaced, types separated by `", "`.
    fn normalise_target(&self, target: &str) -> String {
        let (head, rest) = match target.find(['/', '(']) {
            Some(i) => target.split_at(i),
            None => (target, ""),
        };
        let head = self.qualify(head).unwrap_or_else(|| head.to_string());
        let Some(after_open) = rest.strip_prefix('(') else {
            return format!("{head}{rest}");
        };
        // Find the `)` closing the parameter list (types may be `Collection(..)`).
        let mut depth = 0usize;
        let mut close = None;
        for (i, c) in after_open.char_indices() {
            match c {
                '(' => depth += 1,
                ')' if depth == 0 => {
                    close = Some(i);
                    break;
                }
                ')' => depth -= 1,
                _ => {}
            }
        }
        let Some(close) = close else {
            return format!("{head}{rest}");
        };
        let params = after_open[..close]
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| match p.strip_prefix("Collection(").and_then(|t| t.strip_suffix(')')) {
                Some(inner) => {
                    let inner = inner.trim();
                    format!("Collection({})", self.qualify(inner).unwrap_or_else(|| inner.to_string()))
                }
                None => self.qualify(p).unwrap_or_else(|| p.to_string()),
            })
            .collect::<Vec<_>>()
            .join(", ");
        format!("{head}({params}){}", &after_open[close + 1..])
    }

    /// `graph.user` → `microsoft.graph.user` (None when the namespace or alias is unknown).
    fn qualify(&self, name: &str) -> Option<QName> {
        let (ns, simple) = name.rsplit_once('.')?;
        let ns = self.namespaces.get(ns)?;
        Some(format!("{ns}.{simple}"))
    }

    fn location_of(&self, q: &str) -> Location {
        match self.declared.get(q) {
            Some(Declared::Entity(s, i)) => self.doc.schemas[*s].entity_types[*i].location.clone(),
            Some(Declared::Complex(s, i)) => self.doc.schemas[*s].complex_types[*i].location.clone(),
            Some(Declared::Enum(s, i)) => self.doc.schemas[*s].enum_types[*i].location.clone(),
            Some(Declared::TypeDef(s, i)) => self.doc.schemas[*s].type_definitions[*i].location.clone(),
            None => Location::default(),
        }
    }

    fn resolve(&mut self, r: &csdl::TypeRef, loc: &Location, what: &str) -> Option<TypeRef> {
        let target = self.resolve_name(&r.name, loc, what, 0)?;
        Some(TypeRef { target, collection: r.collection })
    }

    fn resolve_name(&mut self, name: &str, loc: &Location, what: &str, depth: u32) -> Option<TypeTarget> {
        if let Some(p) = Primitive::from_edm(name) {
            return Some(TypeTarget::Primitive(p));
        }
        let found = self.qualify(name).and_then(|q| self.declared.get(&q).map(|d| (q, *d)));
        match found {
            Some((q, _)) if q == JSON => Some(TypeTarget::Json),
            Some((q, Declared::Entity(..) | Declared::Complex(..))) => Some(TypeTarget::Struct(q)),
            Some((q, Declared::Enum(..))) => Some(TypeTarget::Enum(q)),
            Some((_, Declared::TypeDef(s, i))) if depth < 8 => {
                let underlying = self.doc.schemas[s].type_definitions[i].underlying_type.clone();
                self.resolve_name(&underlying, loc, what, depth + 1)
            }
            _ => {
                self.error(loc, format!("unknown type {name} in {what}"));
                None
            }
        }
    }

    /// Annotations of a normalised target. Inline annotations were merged into the same map, so
    /// it is the single source.
    fn annotations_for<'a>(&'a self, target: &str) -> impl Iterator<Item = &'a Annotation> {
        self.annotations.get(target).into_iter().flatten()
    }

    fn docs(&self, target: &str) -> Docs {
        let mut docs = Docs::default();
        for a in self.annotations_for(target) {
            match (a.term.as_str(), &a.value) {
                ("Org.OData.Core.V1.Description", AnnotationValue::String(s)) if docs.description.is_none() => {
                    docs.description = Some(s.clone());
                }
                ("Org.OData.Core.V1.LongDescription", AnnotationValue::String(s))
                    if docs.long_description.is_none() =>
                {
                    docs.long_description = Some(s.clone());
                }
                ("Org.OData.Core.V1.Revisions", AnnotationValue::Collection(items)) => {
                    for item in items {
                        let AnnotationValue::Record(rec) = item else { continue };
                        let kind = match rec.properties.get("Kind") {
                            Some(AnnotationValue::EnumMember(k)) => k.as_str(),
                            _ => "",
                        };
                        if !kind.ends_with("/Deprecated") {
                            continue;
                        }
                        let text = |k: &str| match rec.properties.get(k) {
                            Some(AnnotationValue::String(s) | AnnotationValue::Date(s)) => Some(s.clone()),
                            _ => None,
                        };
                        docs.deprecation = Some(Deprecation {
                            date: text("Date"),
                            removal_date: text("RemovalDate"),
                            description: text("Description"),
                            version: text("Version"),
                        });
                    }
                }
                _ => {}
            }
        }
        docs
    }

    fn bool_annotation(&self, target: &str, term: &str) -> bool {
        self.annotations_for(target)
            .any(|a| a.term == term && matches!(a.value, AnnotationValue::Bool(true) | AnnotationValue::Empty))
    }

    fn operation(&mut self, kind: OperationKind, namespace: &str, op: &csdl::Operation) -> Option<Operation> {
        let what =
            format!("{} {namespace}.{}", if kind == OperationKind::Action { "action" } else { "function" }, op.name);
        if !naming::is_valid_csdl_identifier(&op.name) {
            self.error(&op.location, format!("invalid operation name {:?}", op.name));
            return None;
        }
        let mut params = op.parameters.iter();
        let binding = if op.is_bound {
            match params.next() {
                Some(p) => Some(self.resolve(&p.r#type, &p.location, &format!("binding parameter of {what}"))?),
                None => {
                    self.error(&op.location, format!("bound {what} has no binding parameter"));
                    return None;
                }
            }
        } else {
            None
        };
        let mut parameters = Vec::new();
        let mut scope = Scope::new();
        let mut ok = true;
        for p in params {
            if !naming::is_valid_csdl_identifier(&p.name) {
                self.error(&p.location, format!("invalid parameter name {:?} in {what}", p.name));
                ok = false;
                continue;
            }
            let Some(r#type) = self.resolve(&p.r#type, &p.location, &format!("parameter {} of {what}", p.name)) else {
                ok = false;
                continue;
            };
            let optional = p.annotations.iter().any(|a| a.term == "Org.OData.Core.V1.OptionalParameter");
            let (rust_name, _) = scope.claim(&naming::field_name(&p.name), true);
            parameters.push(Parameter {
                name: p.name.clone(),
                rust_name,
                r#type,
                rust_type: ValueType::Json,
                nullable: p.nullable,
                optional,
            });
        }
        let return_type = match &op.return_type {
            Some(rt) => match self.resolve(&rt.r#type, &op.location, &format!("return type of {what}")) {
                Some(t) => Some(ReturnType { r#type: t, rust_type: ValueType::Json, nullable: rt.nullable }),
                None => {
                    ok = false;
                    None
                }
            },
            None => None,
        };
        if !ok {
            return None;
        }
        // Graph targets an overload with all its parameter types
        // (`microsoft.graph.resetPassword(microsoft.graph.authenticationMethod, Edm.String)`);
        // OData also allows the binding parameter type alone, or the bare name for all overloads.
        // The most specific target wins, field by field.
        let plain = format!("{namespace}.{}", op.name);
        let mut targets = vec![self.operation_target(namespace, op, op.parameters.len())];
        if op.is_bound && op.parameters.len() > 1 {
            targets.push(self.operation_target(namespace, op, 1));
        }
        targets.push(plain);
        let mut docs = Docs::default();
        for target in &targets {
            let d = self.docs(target);
            docs.description = docs.description.or(d.description);
            docs.long_description = docs.long_description.or(d.long_description);
            docs.deprecation = docs.deprecation.or(d.deprecation);
        }
        Some(Operation {
            kind,
            namespace: namespace.to_string(),
            name: op.name.clone(),
            binding,
            parameters,
            return_type,
            is_composable: op.is_composable,
            entity_set_path: op.entity_set_path.clone(),
            docs,
            location: op.location.clone(),
        })
    }

    /// The normalised annotation target of an operation overload naming its first `n`
    /// parameter types: `microsoft.graph.op(microsoft.graph.user, Edm.String)`.
    fn operation_target(&self, namespace: &str, op: &csdl::Operation, n: usize) -> String {
        let types: Vec<String> = op
            .parameters
            .iter()
            .take(n)
            .map(|p| if p.r#type.collection { format!("Collection({})", p.r#type.name) } else { p.r#type.name.clone() })
            .collect();
        self.normalise_target(&format!("{namespace}.{}({})", op.name, types.join(", ")))
    }

    fn container(&mut self, schemas: &[csdl::Schema]) -> Option<Container> {
        let mut found: Option<Container> = None;
        for s in schemas {
            for c in &s.entity_containers {
                if found.is_some() {
                    self.error(&c.location, format!("more than one EntityContainer ({})", c.name));
                    continue;
                }
                let mut out =
                    Container { name: c.name.clone(), namespace: s.namespace.clone(), ..Container::default() };
                let mut scope = Scope::new();
                for (set, is_set) in c
                    .entity_sets
                    .iter()
                    .map(|e| (&e.name, &e.entity_type, &e.navigation_property_bindings, &e.location, true))
                    .chain(
                        c.singletons
                            .iter()
                            .map(|e| (&e.name, &e.r#type, &e.navigation_property_bindings, &e.location, false)),
                    )
                    .map(|t| ((t.0, t.1, t.2, t.3), t.4))
                {
                    let (name, ty, bindings, loc) = set;
                    if !naming::is_valid_csdl_identifier(name) {
                        self.error(loc, format!("invalid entity set or singleton name {name:?}"));
                        continue;
                    }
                    let entity_type = match self.qualify(ty).and_then(|q| self.declared.get(&q).map(|d| (q, *d))) {
                        Some((q, Declared::Entity(..))) => q,
                        _ => {
                            self.error(loc, format!("unknown entity type {ty} of {name}"));
                            continue;
                        }
                    };
                    let (rust_name, _) = scope.claim(&naming::field_name(name), true);
                    let set = EntitySet {
                        name: name.clone(),
                        rust_name,
                        entity_type,
                        bindings: bindings.iter().map(|b| (b.path.clone(), b.target.clone())).collect(),
                    };
                    if is_set {
                        out.entity_sets.push(set);
                    } else {
                        out.singletons.push(set);
                    }
                }
                out.entity_sets.sort_by(|a, b| a.name.cmp(&b.name));
                out.singletons.sort_by(|a, b| a.name.cmp(&b.name));
                found = Some(out);
            }
        }
        found
    }

    fn finish_structs(&mut self, model: &mut Model, scopes: &mut BTreeMap<String, Scope>) {
        // Which base types are referenced polymorphically (as a property, navigation, parameter
        // or return type) and have derived types?
        let mut referenced: BTreeSet<QName> = BTreeSet::new();
        for s in model.structs.values() {
            for p in &s.properties {
                if let TypeTarget::Struct(q) = &p.r#type.target {
                    referenced.insert(q.clone());
                }
            }
        }
        for o in &model.operations {
            for t in o.parameters.iter().map(|p| &p.r#type).chain(o.return_type.as_ref().map(|r| &r.r#type)) {
                if let TypeTarget::Struct(q) = &t.target {
                    referenced.insert(q.clone());
                }
            }
        }
        let polymorphic: BTreeSet<QName> =
            referenced.into_iter().filter(|q| model.structs.get(q).is_some_and(|s| !s.derived.is_empty())).collect();
        for q in &polymorphic {
            let Some(base) = model.structs.get(q) else { continue };
            let scope = scopes.entry(base.namespace.clone()).or_default();
            let (rust_name, _) = scope.claim(&naming::kind_name(&base.rust_name), false);
            let mut vscope = Scope::new();
            let mut variants = Vec::new();
            for v in std::iter::once(q.clone()).chain(model.descendants(q)) {
                let Some(t) = model.structs.get(&v) else { continue };
                let wanted = if t.namespace == base.namespace {
                    t.rust_name.clone()
                } else {
                    let prefix: String = model.module_path(&t.namespace).iter().map(|m| naming::type_name(m)).collect();
                    format!("{prefix}{}", t.rust_name)
                };
                let (rust_name, _) = vscope.claim(&wanted, false);
                variants.push(KindVariant { qname: v, rust_name });
            }
            model.kinds.insert(
                q.clone(),
                KindEnum { base: q.clone(), namespace: base.namespace.clone(), rust_name, variants },
            );
        }
        let writes: BTreeSet<QName> = model
            .structs
            .keys()
            .filter(|q| model.ancestors(q).iter().any(|a| a != ENTITY && polymorphic.contains(a)))
            .cloned()
            .collect();

        // Inline containment graph for boxing: single-valued, non-navigation struct fields.
        let mut edges: BTreeMap<QName, BTreeSet<QName>> = BTreeMap::new();
        for s in model.structs.values() {
            for p in &s.properties {
                if let TypeTarget::Struct(t) = &p.r#type.target {
                    if !p.navigation && !p.r#type.collection && !polymorphic.contains(t) {
                        edges.entry(s.qname.clone()).or_default().insert(t.clone());
                    }
                }
            }
        }
        let scc = strongly_connected(&edges);

        // Rust types, computed from the finished names and wrappers.
        let mut field_types: BTreeMap<QName, Vec<FieldType>> = BTreeMap::new();
        for s in model.structs.values() {
            let types = s
                .properties
                .iter()
                .map(|p| {
                    let value = model.value_type(&p.r#type.target);
                    let wrap = if p.r#type.collection {
                        Wrap::Vec
                    } else if matches!(&value, ValueType::Struct(t)
                        if p.navigation || scc.get(&s.qname).is_some_and(|c| Some(c) == scc.get(&t.qname)))
                    {
                        Wrap::Boxed
                    } else {
                        Wrap::Plain
                    };
                    FieldType { value, wrap }
                })
                .collect();
            field_types.insert(s.qname.clone(), types);
        }
        let mut operation_types = Vec::with_capacity(model.operations.len());
        for o in &model.operations {
            let params: Vec<ValueType> = o.parameters.iter().map(|p| model.value_type(&p.r#type.target)).collect();
            operation_types.push((params, o.return_type.as_ref().map(|r| model.value_type(&r.r#type.target))));
        }
        for (o, (params, ret)) in model.operations.iter_mut().zip(operation_types) {
            for (p, t) in o.parameters.iter_mut().zip(params) {
                p.rust_type = t;
            }
            if let (Some(r), Some(t)) = (o.return_type.as_mut(), ret) {
                r.rust_type = t;
            }
        }

        for s in model.structs.values_mut() {
            s.writes_odata_type = writes.contains(&s.qname);
            let mut scope = Scope::with_reserved(&[naming::ADDITIONAL_DATA_FIELD]);
            let types = field_types.remove(&s.qname).unwrap_or_default();
            for (p, t) in s.properties.iter_mut().zip(types) {
                let (rust_name, renamed) = scope.claim(&naming::field_name(&p.name), true);
                p.rust_name = rust_name;
                p.renamed = renamed;
                p.rust_type = t;
            }
        }
    }
}

/// Base before derived; siblings by qualified name.
fn inheritance_order(bases: &BTreeMap<QName, Option<QName>>) -> Vec<QName> {
    let mut children: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut roots = Vec::new();
    for (q, b) in bases {
        match b {
            Some(b) if bases.contains_key(b) => children.entry(b.as_str()).or_default().push(q),
            _ => roots.push(q.as_str()),
        }
    }
    let mut out = Vec::with_capacity(bases.len());
    let mut stack: Vec<&str> = roots.into_iter().rev().collect();
    while let Some(q) = stack.pop() {
        out.push(q.to_string());
        if let Some(c) = children.get(q) {
            stack.extend(c.iter().rev());
        }
    }
    out
}

/// Tarjan's algorithm (iterative); maps each node on a cycle to a component id. Nodes not on
/// any cycle (singleton components without a self-loop) are left out.
fn strongly_connected(edges: &BTreeMap<QName, BTreeSet<QName>>) -> BTreeMap<QName, usize> {
    let nodes: Vec<&str> = {
        let mut set: BTreeSet<&str> = edges.keys().map(String::as_str).collect();
        for targets in edges.values() {
            set.extend(targets.iter().map(String::as_str));
        }
        set.into_iter().collect()
    };
    let index_of: BTreeMap<&str, usize> = nodes.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let adj: Vec<Vec<usize>> = nodes
        .iter()
        .map(|n| {
            edges
                .get(*n)
                .map(|t| t.iter().filter_map(|x| index_of.get(x.as_str()).copied()).collect())
                .unwrap_or_default()
        })
        .collect();
    let n = nodes.len();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0usize; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut next = 0usize;
    let mut comp_id = 0usize;
    let mut out = BTreeMap::new();
    for start in 0..n {
        if index[start] != usize::MAX {
            continue;
        }
        let mut work: Vec<(usize, usize)> = vec![(start, 0)];
        index[start] = next;
        low[start] = next;
        next += 1;
        stack.push(start);
        on_stack[start] = true;
        while let Some(&mut (v, ref mut ei)) = work.last_mut() {
            if let Some(&w) = adj[v].get(*ei) {
                *ei += 1;
                if index[w] == usize::MAX {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
            } else {
                work.pop();
                if let Some(&(parent, _)) = work.last() {
                    low[parent] = low[parent].min(low[v]);
                }
                if low[v] == index[v] {
                    let mut members = Vec::new();
                    while let Some(w) = stack.pop() {
                        on_stack[w] = false;
                        members.push(w);
                        if w == v {
                            break;
                        }
                    }
                    let cyclic = members.len() > 1 || adj[v].contains(&v);
                    if cyclic {
                        for m in members {
                            out.insert(nodes[m].to_string(), comp_id);
                        }
                    }
                    comp_id += 1;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scc_finds_cycles_only() {
        let mut e: BTreeMap<QName, BTreeSet<QName>> = BTreeMap::new();
        e.entry("a".into()).or_default().insert("b".into());
        e.entry("b".into()).or_default().insert("a".into());
        e.entry("b".into()).or_default().insert("c".into());
        e.entry("d".into()).or_default().insert("d".into());
        let s = strongly_connected(&e);
        assert_eq!(s.get("a"), s.get("b"));
        assert!(s.contains_key("a"));
        assert!(!s.contains_key("c"));
        assert!(s.contains_key("d"));
        assert_ne!(s.get("a"), s.get("d"));
    }

    #[test]
    fn inheritance_is_base_first() {
        let mut b: BTreeMap<QName, Option<QName>> = BTreeMap::new();
        b.insert("z".into(), None);
        b.insert("a".into(), Some("z".into()));
        b.insert("m".into(), Some("a".into()));
        b.insert("b".into(), None);
        assert_eq!(inheritance_order(&b), ["b", "z", "a", "m"]);
    }
}
