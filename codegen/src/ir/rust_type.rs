//! The Rust type of a value or a field, resolved once by the IR: the emitter turns it into
//! tokens, the differ into text.

use super::{Model, Primitive, QName, TypeTarget, JSON};

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
    /// The polymorphic wrapper of a base type (key of [`Model::kinds`](super::Model::kinds)).
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

impl Model {
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
