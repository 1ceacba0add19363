//! The elements of the resolved model.

use super::{FieldType, QName, ValueType, JSON};
use crate::csdl::Location;

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
    /// Read-only for clients: computed, or `Org.OData.Core.V1.Permissions` is `Read` alone.
    /// Documentation only (a `Permissions`-only property is still sent when set).
    pub read_only: bool,
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
