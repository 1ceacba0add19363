//! The parsed CSDL document: a faithful, typed view of the OData v4 XML, before any resolution.
//!
//! Names here are exactly as written in the document (aliases not yet resolved: `graph.user`
//! stays `graph.user`). The [`crate::ir`] module resolves and validates.

use std::collections::BTreeMap;
use std::fmt;

/// Where an element starts in the source document, plus its element path
/// (`Schema[microsoft.graph]/EntityType[user]/Property[mail]`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Location {
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// Element path from the schema down.
    pub path: String,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{} ({})", self.line, self.column, self.path)
    }
}

/// A whole `edmx:Edmx` document.
#[derive(Debug, Clone, Default)]
pub struct Document {
    /// `<Schema>` elements in document order.
    pub schemas: Vec<Schema>,
}

/// One `<Schema Namespace=".." Alias="..">`.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    pub namespace: String,
    pub alias: Option<String>,
    pub entity_types: Vec<EntityType>,
    pub complex_types: Vec<ComplexType>,
    pub enum_types: Vec<EnumType>,
    /// `<TypeDefinition>` elements (name, underlying type).
    pub type_definitions: Vec<TypeDefinition>,
    pub actions: Vec<Operation>,
    pub functions: Vec<Operation>,
    pub entity_containers: Vec<EntityContainer>,
    /// `<Term>` declarations.
    pub terms: Vec<Term>,
    /// `<Annotations Target="...">` blocks, in document order.
    pub annotations: Vec<AnnotationsBlock>,
    pub location: Location,
}

#[derive(Debug, Clone, Default)]
pub struct TypeDefinition {
    pub name: String,
    pub underlying_type: String,
    pub location: Location,
}

#[derive(Debug, Clone, Default)]
pub struct Term {
    pub name: String,
    pub r#type: String,
    pub applies_to: Option<String>,
    pub location: Location,
}

/// A type reference as written: `Edm.String`, `graph.user`, `Collection(graph.user)`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TypeRef {
    /// The element type name, without `Collection(...)`.
    pub name: String,
    pub collection: bool,
}

impl TypeRef {
    /// Parses `Collection(X)` or `X`.
    pub fn parse(text: &str) -> TypeRef {
        let text = text.trim();
        match text.strip_prefix("Collection(").and_then(|t| t.strip_suffix(')')) {
            Some(inner) => TypeRef { name: inner.trim().to_string(), collection: true },
            None => TypeRef { name: text.to_string(), collection: false },
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct EntityType {
    pub name: String,
    pub base_type: Option<String>,
    pub is_abstract: bool,
    pub open_type: bool,
    pub has_stream: bool,
    /// Names of the `<PropertyRef>`s inside `<Key>` (empty when the key is inherited).
    pub key: Vec<String>,
    pub properties: Vec<Property>,
    pub navigation_properties: Vec<NavigationProperty>,
    /// `<Annotation>` children written inline.
    pub annotations: Vec<Annotation>,
    pub location: Location,
}

#[derive(Debug, Clone, Default)]
pub struct ComplexType {
    pub name: String,
    pub base_type: Option<String>,
    pub is_abstract: bool,
    pub open_type: bool,
    pub properties: Vec<Property>,
    pub navigation_properties: Vec<NavigationProperty>,
    pub annotations: Vec<Annotation>,
    pub location: Location,
}

#[derive(Debug, Clone, Default)]
pub struct EnumType {
    pub name: String,
    pub is_flags: bool,
    /// `UnderlyingType`, when present.
    pub underlying_type: Option<String>,
    pub members: Vec<EnumMember>,
    pub annotations: Vec<Annotation>,
    pub location: Location,
}

#[derive(Debug, Clone, Default)]
pub struct EnumMember {
    pub name: String,
    /// `Value`, when present (OData allows it to be omitted).
    pub value: Option<i64>,
    pub annotations: Vec<Annotation>,
    pub location: Location,
}

#[derive(Debug, Clone, Default)]
pub struct Property {
    pub name: String,
    pub r#type: TypeRef,
    /// `Nullable` (default true when absent).
    pub nullable: bool,
    pub default_value: Option<String>,
    pub annotations: Vec<Annotation>,
    pub location: Location,
}

#[derive(Debug, Clone, Default)]
pub struct NavigationProperty {
    pub name: String,
    pub r#type: TypeRef,
    pub nullable: bool,
    pub contains_target: bool,
    pub partner: Option<String>,
    pub annotations: Vec<Annotation>,
    pub location: Location,
}

/// An `<Action>` or `<Function>`.
#[derive(Debug, Clone, Default)]
pub struct Operation {
    pub name: String,
    pub is_bound: bool,
    /// `IsComposable` (functions only; false for actions).
    pub is_composable: bool,
    pub entity_set_path: Option<String>,
    /// All parameters in order. When bound, the first is the binding parameter.
    pub parameters: Vec<Parameter>,
    pub return_type: Option<ReturnType>,
    pub annotations: Vec<Annotation>,
    pub location: Location,
}

#[derive(Debug, Clone, Default)]
pub struct Parameter {
    pub name: String,
    pub r#type: TypeRef,
    pub nullable: bool,
    pub annotations: Vec<Annotation>,
    pub location: Location,
}

#[derive(Debug, Clone, Default)]
pub struct ReturnType {
    pub r#type: TypeRef,
    pub nullable: bool,
    /// `<Annotation>` children (Graph uses `Org.OData.Core.V1.IsDelta` here).
    pub annotations: Vec<Annotation>,
}

#[derive(Debug, Clone, Default)]
pub struct EntityContainer {
    pub name: String,
    pub entity_sets: Vec<EntitySet>,
    pub singletons: Vec<Singleton>,
    pub annotations: Vec<Annotation>,
    pub location: Location,
}

#[derive(Debug, Clone, Default)]
pub struct EntitySet {
    pub name: String,
    pub entity_type: String,
    pub navigation_property_bindings: Vec<NavigationPropertyBinding>,
    pub annotations: Vec<Annotation>,
    pub location: Location,
}

#[derive(Debug, Clone, Default)]
pub struct Singleton {
    pub name: String,
    pub r#type: String,
    pub navigation_property_bindings: Vec<NavigationPropertyBinding>,
    pub annotations: Vec<Annotation>,
    pub location: Location,
}

#[derive(Debug, Clone, Default)]
pub struct NavigationPropertyBinding {
    pub path: String,
    pub target: String,
}

/// `<Annotations Target="...">`.
#[derive(Debug, Clone, Default)]
pub struct AnnotationsBlock {
    pub target: String,
    pub annotations: Vec<Annotation>,
    pub location: Location,
}

/// One `<Annotation Term=".." Qualifier="..">` with its value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Annotation {
    pub term: String,
    pub qualifier: Option<String>,
    pub value: AnnotationValue,
    pub location: Location,
}

/// The value of an annotation or of a record's property value.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum AnnotationValue {
    /// No value given.
    #[default]
    Empty,
    String(String),
    Bool(bool),
    Int(i64),
    Float(f64),
    Decimal(String),
    Date(String),
    DateTimeOffset(String),
    Path(String),
    NavigationPropertyPath(String),
    PropertyPath(String),
    /// `EnumMember="..."` attribute or `<EnumMember>` element.
    EnumMember(String),
    Record(Record),
    Collection(Vec<AnnotationValue>),
}

/// A `<Record>`: ordered property values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Record {
    pub r#type: Option<String>,
    pub properties: BTreeMap<String, AnnotationValue>,
}

/// A parse failure with its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub message: String,
    pub location: Location,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

impl std::error::Error for ParseError {}

/// Parses a CSDL document. Malformed XML or a document that is not `edmx:Edmx` gives errors with
/// positions; structural problems (missing `Name`, bad `Value`) are all collected.
pub fn parse(text: &str) -> Result<Document, Vec<ParseError>> {
    parse_impl::parse(text)
}

mod parse_impl;
