//! Comparing two Graph CSDL documents at the IR level, and the semver verdict for the generated
//! crate (`cargo xtask metadata diff|update`).
//!
//! [`Diff::between`] walks two resolved [`Model`]s and lists every [`Change`]: namespaces, types,
//! properties and navigation properties, enum members, polymorphic `…Kind` wrappers, actions and
//! functions (parameters, return types), entity sets and singletons, Rust renames caused by name
//! collisions, documentation and deprecations. Each change carries the [`Level`] it forces on the
//! generated crate's version, following this SDK's design (see README, "Metadata updates and
//! semver"):
//!
//! * every property is an `Option<_>` field of a struct that derives `Default`, so a new field is
//!   **minor**; a removed field or a field whose Rust type changes is **major**;
//! * enums are `#[non_exhaustive]` with an `Unrecognized(UnrecognizedValue)` catch-all, so a new
//!   member is **minor**; a removed member is **major**;
//! * polymorphic `…Kind` enums are `#[non_exhaustive]`: a new derived type is **minor**;
//! * new types, entity sets, singletons, actions and functions are **minor**; removed ones, a
//!   changed base type, changed operation parameters or return types, and any Rust name that
//!   changes because of a new collision are **major**;
//! * documentation, deprecations, nullability (invisible: everything is `Option`) and other
//!   metadata-only facts are **patch**.
//!
//! Rules for where a property change is reported: at the type that declares the property (in the
//! old or the new document). A property whose declaration moves within the hierarchy while the
//! field stays in the struct is reported as moved (patch). A base type change is reported once, at
//! the derived type, with the fields it gains or loses through inheritance in its note.
//!
//! Rendering (text, JSON, the changelog entry) lives in [`render`].

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::csdl::{self, Location};
use crate::ir::{self, Docs, FieldType, Model, ModelPath, Scalar, StructKind, StructType, ValueType, Wrap};
use crate::{Diagnostic, Diagnostics, Input};

pub mod render;

pub use render::{changelog_entry, to_json, to_text, ChangelogInfo, Side};

/// The namespace every Microsoft Graph document declares.
pub const GRAPH_NAMESPACE: &str = "microsoft.graph";

/// How much a change matters for the version of the generated crate. Ordered: the verdict is the
/// largest level of any change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Nothing changed at all (only used for the verdict of an empty diff).
    None,
    /// Documentation, deprecations and metadata not visible in the Rust types.
    Patch,
    /// Only additions.
    Minor,
    /// Something users could rely on was removed, retyped or renamed.
    Major,
}

impl Level {
    /// `none`, `patch`, `minor` or `major`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::None => "none",
            Level::Patch => "patch",
            Level::Minor => "minor",
            Level::Major => "major",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Declares [`ChangeKind`] with its stable snake_case name and what it is about.
macro_rules! change_kinds {
    ($($(#[$doc:meta])* $variant:ident => $name:literal, $section:ident;)*) => {
        /// What changed. The snake_case name ([`ChangeKind::as_str`]) is stable: it is used in the
        /// JSON output.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum ChangeKind {
            $($(#[$doc])* $variant,)*
        }

        impl ChangeKind {
            /// Every kind, in declaration order.
            pub const ALL: &'static [ChangeKind] = &[$(ChangeKind::$variant,)*];

            /// The stable snake_case name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ChangeKind::$variant => $name,)*
                }
            }

            /// The part of a namespace's listing the change belongs to.
            pub fn section(self) -> Section {
                match self {
                    $(ChangeKind::$variant => Section::$section,)*
                }
            }
        }
    };
}

change_kinds! {
    /// A namespace (Rust module) appeared.
    NamespaceAdded => "namespace_added", Namespace;
    /// A namespace disappeared.
    NamespaceRemoved => "namespace_removed", Namespace;

    /// An entity, complex or enum type appeared.
    TypeAdded => "type_added", Type;
    /// A type disappeared.
    TypeRemoved => "type_removed", Type;
    /// A type changed between entity, complex and enum type.
    TypeKindChanged => "type_kind_changed", Type;
    /// A type's Rust name changed (a new colliding name took the old one).
    TypeRenamed => "type_renamed", Type;
    /// A struct type's base type changed.
    BaseTypeChanged => "base_type_changed", Type;
    /// `Abstract`, `OpenType`, `HasStream` or the key changed.
    TypeAttributesChanged => "type_attributes_changed", Type;
    /// An enum type became a flags enum or stopped being one.
    EnumFlagsChanged => "enum_flags_changed", Type;

    /// A structural property was added.
    PropertyAdded => "property_added", Type;
    /// A structural property was removed.
    PropertyRemoved => "property_removed", Type;
    /// A structural property's type changed (target type, collection or Rust representation).
    PropertyRetyped => "property_retyped", Type;
    /// A structural property's `Nullable` changed.
    PropertyNullabilityChanged => "property_nullability_changed", Type;
    /// A structural property became read-only (`Core.Computed`) or stopped being read-only.
    PropertyReadOnlyChanged => "property_read_only_changed", Type;
    /// A structural property's Rust field name changed.
    PropertyRenamed => "property_renamed", Type;
    /// A structural property is now declared in another type of the hierarchy; the field stays.
    PropertyMoved => "property_moved", Type;
    /// A structural property became a navigation property or the other way round.
    PropertyKindChanged => "property_kind_changed", Type;
    /// A navigation property was added.
    NavigationAdded => "navigation_added", Type;
    /// A navigation property was removed.
    NavigationRemoved => "navigation_removed", Type;
    /// A navigation property's target type or collection changed.
    NavigationRetyped => "navigation_retyped", Type;
    /// A navigation property's `Nullable` changed.
    NavigationNullabilityChanged => "navigation_nullability_changed", Type;
    /// A navigation property's `ContainsTarget` changed.
    NavigationContainmentChanged => "navigation_containment_changed", Type;
    /// A navigation property became read-only or stopped being read-only.
    NavigationReadOnlyChanged => "navigation_read_only_changed", Type;
    /// A navigation property's Rust field name changed.
    NavigationRenamed => "navigation_renamed", Type;
    /// A navigation property is now declared in another type of the hierarchy; the field stays.
    NavigationMoved => "navigation_moved", Type;

    /// An enum member was added.
    EnumMemberAdded => "enum_member_added", Type;
    /// An enum member was removed.
    EnumMemberRemoved => "enum_member_removed", Type;
    /// An enum member's Rust variant name changed.
    EnumMemberRenamed => "enum_member_renamed", Type;
    /// An enum member's numeric value changed (only shown in docs: the wire uses names).
    EnumMemberValueChanged => "enum_member_value_changed", Type;

    /// A polymorphic `…Kind` wrapper appeared (a base type with derived types is now referenced).
    KindAdded => "kind_added", Kind;
    /// A polymorphic wrapper disappeared.
    KindRemoved => "kind_removed", Kind;
    /// A polymorphic wrapper's Rust name changed.
    KindRenamed => "kind_renamed", Kind;
    /// A polymorphic wrapper gained a variant (a new derived type).
    KindVariantAdded => "kind_variant_added", Kind;
    /// A polymorphic wrapper lost a variant.
    KindVariantRemoved => "kind_variant_removed", Kind;
    /// A polymorphic wrapper's variant changed its Rust name.
    KindVariantRenamed => "kind_variant_renamed", Kind;

    /// An action or function (or an overload of one) appeared.
    OperationAdded => "operation_added", Operation;
    /// An action or function (or an overload of one) disappeared.
    OperationRemoved => "operation_removed", Operation;
    /// A parameter was added (minor when optional, major when required).
    ParameterAdded => "parameter_added", Operation;
    /// A parameter was removed.
    ParameterRemoved => "parameter_removed", Operation;
    /// A parameter's type changed.
    ParameterRetyped => "parameter_retyped", Operation;
    /// A parameter became optional (minor) or required (major).
    ParameterOptionalityChanged => "parameter_optionality_changed", Operation;
    /// A parameter's `Nullable` changed.
    ParameterNullabilityChanged => "parameter_nullability_changed", Operation;
    /// A parameter's Rust name changed.
    ParameterRenamed => "parameter_renamed", Operation;
    /// The parameters are in another order (they are passed by name on the wire).
    ParametersReordered => "parameters_reordered", Operation;
    /// The return type changed, appeared or disappeared.
    ReturnTypeChanged => "return_type_changed", Operation;
    /// The return type's `Nullable` changed.
    ReturnNullabilityChanged => "return_nullability_changed", Operation;
    /// `IsComposable` or `EntitySetPath` changed.
    OperationAttributesChanged => "operation_attributes_changed", Operation;

    /// The entity container was renamed.
    ContainerRenamed => "container_renamed", Container;
    /// An entity set appeared.
    EntitySetAdded => "entity_set_added", Container;
    /// An entity set disappeared.
    EntitySetRemoved => "entity_set_removed", Container;
    /// An entity set's entity type changed.
    EntitySetRetyped => "entity_set_retyped", Container;
    /// An entity set's Rust name changed.
    EntitySetRenamed => "entity_set_renamed", Container;
    /// A singleton appeared.
    SingletonAdded => "singleton_added", Container;
    /// A singleton disappeared.
    SingletonRemoved => "singleton_removed", Container;
    /// A singleton's type changed.
    SingletonRetyped => "singleton_retyped", Container;
    /// A singleton's Rust name changed.
    SingletonRenamed => "singleton_renamed", Container;
    /// Navigation property bindings of an entity set or singleton changed.
    BindingsChanged => "bindings_changed", Container;

    /// `Core.Description` or `Core.LongDescription` changed.
    DocsChanged => "docs_changed", Docs;
    /// The element is now deprecated (`Core.Revisions`).
    Deprecated => "deprecated", Docs;
    /// The element is no longer deprecated.
    DeprecationRemoved => "deprecation_removed", Docs;
    /// The deprecation notice changed.
    DeprecationChanged => "deprecation_changed", Docs;
}

impl fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The parts of a namespace's listing, in output order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Section {
    Namespace,
    Type,
    Kind,
    Operation,
    Container,
    /// Documentation changes are listed with their element's section; see [`Change::section`].
    Docs,
}

/// What a change is about: a type (or its members), a polymorphic wrapper, an operation or the
/// entity container. Decides where documentation changes are listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Subject {
    Namespace,
    Type,
    Kind,
    Operation,
    Container,
}

/// One difference between the two documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub kind: ChangeKind,
    pub level: Level,
    /// What the owner is.
    pub subject: Subject,
    /// The namespace of the element (for operations: the declaring schema; for entity sets and
    /// singletons: the container's).
    pub namespace: String,
    /// The element within the namespace: a type's CSDL name, an operation
    /// (`action assignLicense on microsoft.graph.user`), `entity set users`, or empty for a
    /// namespace itself.
    pub owner: String,
    /// The member of the owner the change is about: a property, enum member, variant or
    /// parameter (CSDL names).
    pub member: Option<String>,
    /// The old value (a type, a Rust name, ...), when there is one.
    pub old: Option<String>,
    /// The new value, when there is one.
    pub new: Option<String>,
    /// Why the change has its level, or what else it implies.
    pub note: Option<String>,
}

impl Change {
    /// The section the change is listed in: its kind's, except documentation changes, which are
    /// listed with their element.
    pub fn section(&self) -> Section {
        match (self.kind.section(), self.subject) {
            (Section::Docs, Subject::Namespace) => Section::Namespace,
            (Section::Docs, Subject::Type) => Section::Type,
            (Section::Docs, Subject::Kind) => Section::Kind,
            (Section::Docs, Subject::Operation) => Section::Operation,
            (Section::Docs, Subject::Container) => Section::Container,
            (s, _) => s,
        }
    }

    /// `namespace.owner/member` (or the parts that exist): the element the change is about.
    pub fn path(&self) -> String {
        let mut out = String::new();
        let qualified = matches!(self.subject, Subject::Type | Subject::Kind);
        if qualified || self.owner.is_empty() {
            out.push_str(&self.namespace);
            if !self.owner.is_empty() {
                out.push('.');
            }
        }
        out.push_str(&self.owner);
        if let Some(m) = &self.member {
            out.push('/');
            out.push_str(m);
        }
        out
    }

    fn sort_key(&self) -> (&str, Section, &str, Option<&str>, ChangeKind, Option<&str>, Option<&str>) {
        (
            &self.namespace,
            self.section(),
            &self.owner,
            self.member.as_deref(),
            self.kind,
            self.old.as_deref(),
            self.new.as_deref(),
        )
    }
}

/// The semver verdict: the largest level of any change, and the changes at that level.
#[derive(Debug, Clone)]
pub struct Verdict<'a> {
    pub level: Level,
    pub reasons: Vec<&'a Change>,
}

/// Every difference between two documents, sorted by namespace, section, owner, member, kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diff {
    pub changes: Vec<Change>,
}

impl Diff {
    /// Compares two resolved models.
    pub fn between(old: &Model, new: &Model) -> Diff {
        let mut cx = Cx { old, new, out: Vec::new() };
        cx.namespaces();
        cx.types();
        cx.kinds();
        cx.operations();
        cx.container();
        let mut changes = cx.out;
        changes.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        changes.dedup();
        Diff { changes }
    }

    /// True when the two documents are the same at the IR level.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// The semver verdict for the generated crate.
    pub fn verdict(&self) -> Verdict<'_> {
        let level = self.changes.iter().map(|c| c.level).max().unwrap_or(Level::None);
        let reasons =
            if level == Level::None { Vec::new() } else { self.changes.iter().filter(|c| c.level == level).collect() };
        Verdict { level, reasons }
    }

    /// How many changes of `kind` there are.
    pub fn count(&self, kind: ChangeKind) -> usize {
        self.changes.iter().filter(|c| c.kind == kind).count()
    }

    /// How many changes of `kind` there are in `namespace`.
    pub fn count_in(&self, namespace: &str, kind: ChangeKind) -> usize {
        self.changes.iter().filter(|c| c.kind == kind && c.namespace == namespace).count()
    }

    /// Counts per namespace and kind.
    pub fn summary(&self) -> BTreeMap<&str, BTreeMap<ChangeKind, usize>> {
        let mut out: BTreeMap<&str, BTreeMap<ChangeKind, usize>> = BTreeMap::new();
        for c in &self.changes {
            *out.entry(c.namespace.as_str()).or_default().entry(c.kind).or_default() += 1;
        }
        out
    }

    /// Counts per level.
    pub fn level_counts(&self) -> BTreeMap<Level, usize> {
        let mut out = BTreeMap::new();
        for c in &self.changes {
            *out.entry(c.level).or_default() += 1;
        }
        out
    }

    /// The changes in one namespace, in order.
    pub fn in_namespace<'a>(&'a self, namespace: &'a str) -> impl Iterator<Item = &'a Change> + 'a {
        self.changes.iter().filter(move |c| c.namespace == namespace)
    }

    /// The namespaces that have changes, sorted.
    pub fn namespaces(&self) -> Vec<&str> {
        let set: BTreeSet<&str> = self.changes.iter().map(|c| c.namespace.as_str()).collect();
        set.into_iter().collect()
    }
}

/// Parses a document, checks that it is a Microsoft Graph document (a `microsoft.graph` schema
/// and an entity container) and resolves it. Errors name the document and a position.
pub fn load_graph_model(input: &Input<'_>) -> Result<Model, Diagnostics> {
    let fail = |errors: Vec<Diagnostic>| Diagnostics { source_name: input.source_name.to_string(), errors };
    let doc = csdl::parse(input.csdl).map_err(|errs| {
        fail(errs.into_iter().map(|e| Diagnostic { message: e.message, location: e.location }).collect())
    })?;
    check_graph_document(&doc).map_err(|d| fail(vec![d]))?;
    ir::Model::build(&doc).map_err(fail)
}

/// Whether a parsed document is a Microsoft Graph document: it must declare the
/// `microsoft.graph` namespace and an entity container.
pub fn check_graph_document(doc: &csdl::Document) -> Result<(), Diagnostic> {
    let first = doc.schemas.first().map(|s| s.location.clone()).unwrap_or_else(|| Location {
        line: 1,
        column: 1,
        path: String::new(),
    });
    if !doc.schemas.iter().any(|s| s.namespace == GRAPH_NAMESPACE) {
        let found: Vec<&str> = doc.schemas.iter().map(|s| s.namespace.as_str()).collect();
        return Err(Diagnostic {
            message: format!(
                "not a Microsoft Graph CSDL document: no <Schema Namespace=\"{GRAPH_NAMESPACE}\"> \
                 (this document declares {}); is it the metadata of another service?",
                if found.is_empty() { "no namespace".to_string() } else { found.join(", ") }
            ),
            location: first,
        });
    }
    if !doc.schemas.iter().any(|s| !s.entity_containers.is_empty()) {
        return Err(Diagnostic {
            message: "not a complete Microsoft Graph CSDL document: it has no <EntityContainer>".to_string(),
            location: first,
        });
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Rust-visible shapes
// ---------------------------------------------------------------------------------------------

// Field types are compared with [`FieldType::same_up_to_renames`]: renames are reported once, at
// the renamed type. Here they are only rendered as text.

fn scalar_text(s: Scalar) -> &'static str {
    match s {
        Scalar::String => "String",
        Scalar::Bool => "bool",
        Scalar::U8 => "u8",
        Scalar::I8 => "i8",
        Scalar::I16 => "i16",
        Scalar::I32 => "i32",
        Scalar::I64 => "i64",
        Scalar::F32 => "f32",
        Scalar::F64 => "f64",
        Scalar::Decimal => "edm::Decimal",
        Scalar::DateTimeOffset => "edm::DateTimeOffset",
        Scalar::Date => "edm::Date",
        Scalar::TimeOfDay => "edm::TimeOfDay",
        Scalar::Duration => "edm::Duration",
        Scalar::Guid => "edm::Guid",
        Scalar::Binary => "edm::Binary",
    }
}

/// `models::security::Alert`
fn path_text(module_path: &[String], rust_name: &str) -> String {
    let mut out = String::from("models::");
    for m in module_path {
        out.push_str(m);
        out.push_str("::");
    }
    out.push_str(rust_name);
    out
}

fn rust_path(model: &Model, namespace: &str, rust_name: &str) -> String {
    path_text(&model.module_path(namespace), rust_name)
}

fn model_path_text(p: &ModelPath) -> String {
    path_text(&p.module_path, &p.rust_name)
}

fn value_text(v: &ValueType) -> String {
    match v {
        ValueType::Scalar(s) => scalar_text(*s).to_string(),
        ValueType::Json => "serde_json::Value".to_string(),
        ValueType::Enum(p) | ValueType::Struct(p) | ValueType::Kind(p) => model_path_text(p),
        ValueType::Flags(p) => format!("Flags<{}>", model_path_text(p)),
    }
}

/// The field's Rust type as the emitter writes it, with short runtime paths:
/// `Option<Vec<models::security::Alert>>`.
fn field_type_text(t: &FieldType) -> String {
    let inner = value_text(&t.value);
    match t.wrap {
        Wrap::Plain => format!("Option<{inner}>"),
        Wrap::Boxed => format!("Option<Box<{inner}>>"),
        Wrap::Vec => format!("Option<Vec<{inner}>>"),
    }
}

/// Why two field types differ, when the CSDL type alone does not say it.
fn field_type_note(a: &FieldType, b: &FieldType) -> Option<String> {
    match (&a.value, &b.value) {
        (ValueType::Struct(x), ValueType::Kind(y)) if x.qname == y.qname => Some(format!(
            "{} now has derived types and is read polymorphically: the field holds its `…Kind` wrapper",
            x.qname
        )),
        (ValueType::Kind(x), ValueType::Struct(y)) if x.qname == y.qname => {
            Some(format!("{} is no longer polymorphic: the field holds the struct itself", x.qname))
        }
        (ValueType::Enum(x), ValueType::Flags(y)) if x.qname == y.qname => {
            Some(format!("{} became a flags enum: the field holds a `Flags` set", x.qname))
        }
        (ValueType::Flags(x), ValueType::Enum(y)) if x.qname == y.qname => {
            Some(format!("{} is no longer a flags enum: the field holds one member", x.qname))
        }
        _ if a.value.same_up_to_renames(&b.value) => match (a.wrap, b.wrap) {
            (Wrap::Plain, Wrap::Boxed) => {
                Some("the field is now boxed (a navigation property, or its type is on an inline cycle)".to_string())
            }
            (Wrap::Boxed, Wrap::Plain) => Some("the field is no longer boxed".to_string()),
            _ => None,
        },
        _ => None,
    }
}

/// `Collection(microsoft.graph.alert) (Rust `alerts: Option<Vec<models::Alert>>`)`
fn property_label(p: &ir::Property) -> String {
    format!("{} (Rust `{}: {}`)", p.r#type.display(), p.rust_name, field_type_text(&p.rust_type))
}

// ---------------------------------------------------------------------------------------------
// The comparison
// ---------------------------------------------------------------------------------------------

struct Cx<'m> {
    old: &'m Model,
    new: &'m Model,
    out: Vec<Change>,
}

/// Builds a [`Change`].
struct At<'a> {
    subject: Subject,
    namespace: &'a str,
    owner: &'a str,
    member: Option<&'a str>,
}

impl At<'_> {
    fn change(&self, kind: ChangeKind, level: Level) -> Change {
        Change {
            kind,
            level,
            subject: self.subject,
            namespace: self.namespace.to_string(),
            owner: self.owner.to_string(),
            member: self.member.map(str::to_string),
            old: None,
            new: None,
            note: None,
        }
    }

    fn member<'b>(&'b self, member: &'b str) -> At<'b> {
        At { subject: self.subject, namespace: self.namespace, owner: self.owner, member: Some(member) }
    }
}

trait ChangeExt {
    fn with_old(self, v: impl Into<String>) -> Self;
    fn with_new(self, v: impl Into<String>) -> Self;
    fn with_note(self, v: impl Into<String>) -> Self;
}

impl ChangeExt for Change {
    fn with_old(mut self, v: impl Into<String>) -> Self {
        self.old = Some(v.into());
        self
    }
    fn with_new(mut self, v: impl Into<String>) -> Self {
        self.new = Some(v.into());
        self
    }
    fn with_note(mut self, v: impl Into<String>) -> Self {
        self.note = Some(v.into());
        self
    }
}

/// What a type is, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TypeKind {
    Entity,
    Complex,
    Enum,
}

impl TypeKind {
    fn label(self) -> &'static str {
        match self {
            TypeKind::Entity => "entity type",
            TypeKind::Complex => "complex type",
            TypeKind::Enum => "enum type",
        }
    }
}

/// (namespace, CSDL name, kind, Rust name) of a type.
fn type_info<'m>(model: &'m Model, q: &str) -> Option<(&'m str, &'m str, TypeKind, &'m str)> {
    if let Some(s) = model.structs.get(q) {
        let kind = match s.kind {
            StructKind::Entity => TypeKind::Entity,
            StructKind::Complex => TypeKind::Complex,
        };
        return Some((&s.namespace, &s.name, kind, &s.rust_name));
    }
    model.enums.get(q).map(|e| (e.namespace.as_str(), e.name.as_str(), TypeKind::Enum, e.rust_name.as_str()))
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}

fn opt_or_none(v: Option<&str>) -> String {
    v.unwrap_or("(none)").to_string()
}

impl<'m> Cx<'m> {
    fn push(&mut self, c: Change) {
        self.out.push(c);
    }

    fn namespaces(&mut self) {
        for name in union(self.old.namespaces.keys(), self.new.namespaces.keys()) {
            let at = At { subject: Subject::Namespace, namespace: name, owner: "", member: None };
            match (self.old.namespaces.get(name), self.new.namespaces.get(name)) {
                (None, Some(n)) => {
                    let module = module_label(&n.module_path);
                    self.push(at.change(ChangeKind::NamespaceAdded, Level::Minor).with_new(module));
                }
                (Some(o), None) => {
                    let module = module_label(&o.module_path);
                    self.push(at.change(ChangeKind::NamespaceRemoved, Level::Major).with_old(module));
                }
                _ => {}
            }
        }
    }

    fn types(&mut self) {
        let old_names = self.old.structs.keys().chain(self.old.enums.keys());
        let new_names = self.new.structs.keys().chain(self.new.enums.keys());
        for q in union(old_names, new_names) {
            let (o, n) = (type_info(self.old, q), type_info(self.new, q));
            match (o, n) {
                (None, Some((ns, name, kind, rust))) => {
                    let at = At { subject: Subject::Type, namespace: ns, owner: name, member: None };
                    let path = rust_path(self.new, ns, rust);
                    self.push(
                        at.change(ChangeKind::TypeAdded, Level::Minor).with_new(format!("{} {path}", kind.label())),
                    );
                }
                (Some((ns, name, kind, rust)), None) => {
                    let at = At { subject: Subject::Type, namespace: ns, owner: name, member: None };
                    let path = rust_path(self.old, ns, rust);
                    self.push(
                        at.change(ChangeKind::TypeRemoved, Level::Major).with_old(format!("{} {path}", kind.label())),
                    );
                }
                (Some((_, _, ok, orust)), Some((ns, name, nk, nrust))) => {
                    let at = At { subject: Subject::Type, namespace: ns, owner: name, member: None };
                    if ok != nk {
                        self.push(
                            at.change(ChangeKind::TypeKindChanged, Level::Major)
                                .with_old(ok.label())
                                .with_new(nk.label()),
                        );
                    }
                    if orust != nrust {
                        self.push(
                            at.change(ChangeKind::TypeRenamed, Level::Major)
                                .with_old(rust_path(self.old, ns, orust))
                                .with_new(rust_path(self.new, ns, nrust))
                                .with_note("the Rust name changed because of a name collision"),
                        );
                    }
                    match (self.old.structs.get(q), self.new.structs.get(q)) {
                        (Some(a), Some(b)) => self.struct_type(&at, a, b),
                        _ => {
                            if let (Some(a), Some(b)) = (self.old.enums.get(q), self.new.enums.get(q)) {
                                self.enum_type(&at, a, b);
                            }
                        }
                    }
                }
                (None, None) => {}
            }
        }
    }

    fn struct_type(&mut self, at: &At<'_>, o: &StructType, n: &StructType) {
        self.docs(at, &o.docs, &n.docs);
        let base_changed = o.base != n.base;
        if base_changed {
            let old_fields: BTreeSet<&str> = o.properties.iter().map(|p| p.name.as_str()).collect();
            let new_fields: BTreeSet<&str> = n.properties.iter().map(|p| p.name.as_str()).collect();
            let gained: Vec<&str> = new_fields.difference(&old_fields).copied().collect();
            let lost: Vec<&str> = old_fields.difference(&new_fields).copied().collect();
            let mut note = String::from("the struct's inherited fields change");
            if !gained.is_empty() {
                note.push_str(&format!("; gains {}", gained.join(", ")));
            }
            if !lost.is_empty() {
                note.push_str(&format!("; loses {}", lost.join(", ")));
            }
            self.push(
                at.change(ChangeKind::BaseTypeChanged, Level::Major)
                    .with_old(opt_or_none(o.base.as_deref()))
                    .with_new(opt_or_none(n.base.as_deref()))
                    .with_note(note),
            );
        }
        let attrs = [
            ("abstract", yes_no(o.is_abstract).to_string(), yes_no(n.is_abstract).to_string()),
            ("open type", yes_no(o.open_type).to_string(), yes_no(n.open_type).to_string()),
            ("media entity (HasStream)", yes_no(o.has_stream).to_string(), yes_no(n.has_stream).to_string()),
            ("key", key_label(&o.key), key_label(&n.key)),
        ];
        for (what, a, b) in attrs {
            if a != b {
                self.push(
                    at.change(ChangeKind::TypeAttributesChanged, Level::Patch)
                        .with_old(format!("{what}: {a}"))
                        .with_new(format!("{what}: {b}")),
                );
            }
        }

        let old_props: BTreeMap<&str, &ir::Property> = o.properties.iter().map(|p| (p.name.as_str(), p)).collect();
        let new_props: BTreeMap<&str, &ir::Property> = n.properties.iter().map(|p| (p.name.as_str(), p)).collect();
        for name in union(old_props.keys().copied(), new_props.keys().copied()) {
            let pat = at.member(name);
            let here_old = |p: &ir::Property| p.declared_in == o.qname;
            let here_new = |p: &ir::Property| p.declared_in == n.qname;
            match (old_props.get(name).copied(), new_props.get(name).copied()) {
                (None, Some(p)) if here_new(p) => {
                    let kind = if p.navigation { ChangeKind::NavigationAdded } else { ChangeKind::PropertyAdded };
                    let mut c = pat.change(kind, Level::Minor).with_new(property_label(p));
                    if p.renamed {
                        c = c.with_note(format!("Rust field `{}` (suffixed: the plain name was taken)", p.rust_name));
                    }
                    self.push(c);
                }
                (Some(p), None) if here_old(p) => {
                    let kind = if p.navigation { ChangeKind::NavigationRemoved } else { ChangeKind::PropertyRemoved };
                    self.push(pat.change(kind, Level::Major).with_old(property_label(p)));
                }
                (Some(a), Some(b)) => {
                    if here_old(a) || here_new(b) {
                        self.property(&pat, a, b);
                        if a.declared_in != b.declared_in {
                            let kind =
                                if b.navigation { ChangeKind::NavigationMoved } else { ChangeKind::PropertyMoved };
                            self.push(
                                pat.change(kind, Level::Patch)
                                    .with_old(format!("declared in {}", a.declared_in))
                                    .with_new(format!("declared in {}", b.declared_in))
                                    .with_note("the field stays in the struct"),
                            );
                        }
                    }
                    if a.rust_name != b.rust_name && (here_new(b) || !self.renamed_at_declaring_type(name, a, b)) {
                        let kind =
                            if b.navigation { ChangeKind::NavigationRenamed } else { ChangeKind::PropertyRenamed };
                        let mut note = String::from("the Rust field name changed because of a name collision");
                        if !here_new(b) {
                            note.push_str(&format!(" (the field is inherited from {})", b.declared_in));
                        }
                        self.push(
                            pat.change(kind, Level::Major)
                                .with_old(a.rust_name.clone())
                                .with_new(b.rust_name.clone())
                                .with_note(note),
                        );
                    }
                }
                _ => {}
            }
        }
    }

    /// Whether the declaring type of `name` (in the new model) shows the same rename, so the
    /// rename is reported there and not again at every derived type.
    fn renamed_at_declaring_type(&self, name: &str, a: &ir::Property, b: &ir::Property) -> bool {
        let find = |m: &Model| {
            m.structs.get(&b.declared_in).and_then(|d| d.properties.iter().find(|p| p.name == name).cloned())
        };
        match (find(self.old), find(self.new)) {
            (Some(x), Some(y)) => x.rust_name == a.rust_name && y.rust_name == b.rust_name,
            _ => false,
        }
    }

    fn property(&mut self, at: &At<'_>, a: &ir::Property, b: &ir::Property) {
        let nav = b.navigation;
        if a.navigation != b.navigation {
            let what = |n: bool| if n { "navigation property" } else { "structural property" };
            self.push(
                at.change(ChangeKind::PropertyKindChanged, Level::Major)
                    .with_old(what(a.navigation))
                    .with_new(what(b.navigation))
                    .with_note("navigation properties are only present with $expand and never sent in request bodies"),
            );
        }
        let same_rust_type = a.rust_type.same_up_to_renames(&b.rust_type);
        let (ta, tb) = (a.r#type.display(), b.r#type.display());
        if !same_rust_type || ta != tb {
            let kind = if nav { ChangeKind::NavigationRetyped } else { ChangeKind::PropertyRetyped };
            let (level, note) = if same_rust_type {
                (Level::Patch, "the Rust type is the same".to_string())
            } else {
                let note = field_type_note(&a.rust_type, &b.rust_type);
                (Level::Major, note.unwrap_or_else(|| "the Rust type changes".into()))
            };
            let label = |p: &ir::Property| format!("{} as {}", p.r#type.display(), field_type_text(&p.rust_type));
            self.push(at.change(kind, level).with_old(label(a)).with_new(label(b)).with_note(note));
        }
        if a.nullable != b.nullable {
            let kind =
                if nav { ChangeKind::NavigationNullabilityChanged } else { ChangeKind::PropertyNullabilityChanged };
            self.push(
                at.change(kind, Level::Patch)
                    .with_old(format!("Nullable={}", yes_no(a.nullable)))
                    .with_new(format!("Nullable={}", yes_no(b.nullable)))
                    .with_note("not visible in Rust: every field is an Option"),
            );
        }
        if a.computed != b.computed {
            let kind = if nav { ChangeKind::NavigationReadOnlyChanged } else { ChangeKind::PropertyReadOnlyChanged };
            let note = if b.computed {
                "now read-only (Core.Computed): left out of request bodies"
            } else {
                "no longer read-only: sent in request bodies"
            };
            self.push(
                at.change(kind, Level::Patch)
                    .with_old(format!("read-only={}", yes_no(a.computed)))
                    .with_new(format!("read-only={}", yes_no(b.computed)))
                    .with_note(note),
            );
        }
        if nav && a.navigation && a.contains_target != b.contains_target {
            self.push(
                at.change(ChangeKind::NavigationContainmentChanged, Level::Patch)
                    .with_old(format!("ContainsTarget={}", yes_no(a.contains_target)))
                    .with_new(format!("ContainsTarget={}", yes_no(b.contains_target))),
            );
        }
        self.docs(at, &a.docs, &b.docs);
    }

    fn enum_type(&mut self, at: &At<'_>, o: &ir::EnumType, n: &ir::EnumType) {
        self.docs(at, &o.docs, &n.docs);
        if o.is_flags != n.is_flags {
            self.push(
                at.change(ChangeKind::EnumFlagsChanged, Level::Major)
                    .with_old(format!("IsFlags={}", yes_no(o.is_flags)))
                    .with_new(format!("IsFlags={}", yes_no(n.is_flags)))
                    .with_note("fields of this type change between one member and a `Flags` set"),
            );
        }
        let old_members: BTreeMap<&str, &ir::EnumMember> = o.members.iter().map(|m| (m.name.as_str(), m)).collect();
        let new_members: BTreeMap<&str, &ir::EnumMember> = n.members.iter().map(|m| (m.name.as_str(), m)).collect();
        for name in union(old_members.keys().copied(), new_members.keys().copied()) {
            let mat = at.member(name);
            match (old_members.get(name), new_members.get(name)) {
                (None, Some(m)) => {
                    let mut c = mat
                        .change(ChangeKind::EnumMemberAdded, Level::Minor)
                        .with_new(format!("{}::{} = {}", n.rust_name, m.rust_name, m.value));
                    if m.renamed {
                        c = c.with_note("suffixed Rust variant: the plain name was taken");
                    }
                    self.push(c);
                }
                (Some(m), None) => {
                    self.push(
                        mat.change(ChangeKind::EnumMemberRemoved, Level::Major)
                            .with_old(format!("{}::{} = {}", o.rust_name, m.rust_name, m.value))
                            .with_note("values of it now decode to the `Unrecognized` variant"),
                    );
                }
                (Some(a), Some(b)) => {
                    if a.rust_name != b.rust_name {
                        self.push(
                            mat.change(ChangeKind::EnumMemberRenamed, Level::Major)
                                .with_old(a.rust_name.clone())
                                .with_new(b.rust_name.clone())
                                .with_note("the Rust variant name changed because of a name collision"),
                        );
                    }
                    if a.value != b.value {
                        self.push(
                            mat.change(ChangeKind::EnumMemberValueChanged, Level::Patch)
                                .with_old(a.value.to_string())
                                .with_new(b.value.to_string())
                                .with_note("the wire uses member names; the value is only documented"),
                        );
                    }
                    self.docs(&mat, &a.docs, &b.docs);
                }
                (None, None) => {}
            }
        }
    }

    fn kinds(&mut self) {
        for q in union(self.old.kinds.keys(), self.new.kinds.keys()) {
            let (o, n) = (self.old.kinds.get(q), self.new.kinds.get(q));
            let Some(any) = n.or(o) else { continue };
            let owner = q.strip_prefix(&format!("{}.", any.namespace)).unwrap_or(q);
            let at = At { subject: Subject::Kind, namespace: &any.namespace, owner, member: None };
            match (o, n) {
                (None, Some(k)) => {
                    let path = rust_path(self.new, &k.namespace, &k.rust_name);
                    self.push(
                        at.change(ChangeKind::KindAdded, Level::Minor)
                            .with_new(path)
                            .with_note(format!("{} variant(s); fields typed {q} now hold it", k.variants.len())),
                    );
                }
                (Some(k), None) => {
                    let path = rust_path(self.old, &k.namespace, &k.rust_name);
                    self.push(at.change(ChangeKind::KindRemoved, Level::Major).with_old(path));
                }
                (Some(a), Some(b)) => {
                    if a.rust_name != b.rust_name {
                        self.push(
                            at.change(ChangeKind::KindRenamed, Level::Major)
                                .with_old(rust_path(self.old, &a.namespace, &a.rust_name))
                                .with_new(rust_path(self.new, &b.namespace, &b.rust_name))
                                .with_note("the Rust name changed because of a name collision"),
                        );
                    }
                    let va: BTreeMap<&str, &str> =
                        a.variants.iter().map(|v| (v.qname.as_str(), v.rust_name.as_str())).collect();
                    let vb: BTreeMap<&str, &str> =
                        b.variants.iter().map(|v| (v.qname.as_str(), v.rust_name.as_str())).collect();
                    for v in union(va.keys().copied(), vb.keys().copied()) {
                        let vat = at.member(v);
                        match (va.get(v), vb.get(v)) {
                            (None, Some(r)) => self.push(
                                vat.change(ChangeKind::KindVariantAdded, Level::Minor)
                                    .with_new(format!("{}::{r}", b.rust_name))
                                    .with_note("the wrapper is #[non_exhaustive]"),
                            ),
                            (Some(r), None) => self.push(
                                vat.change(ChangeKind::KindVariantRemoved, Level::Major)
                                    .with_old(format!("{}::{r}", a.rust_name)),
                            ),
                            (Some(x), Some(y)) if x != y => self.push(
                                vat.change(ChangeKind::KindVariantRenamed, Level::Major)
                                    .with_old(format!("{}::{x}", a.rust_name))
                                    .with_new(format!("{}::{y}", b.rust_name))
                                    .with_note("the Rust variant name changed because of a name collision"),
                            ),
                            _ => {}
                        }
                    }
                }
                (None, None) => {}
            }
        }
    }

    fn operations(&mut self) {
        type Key = (String, String, Option<String>);
        let group = |m: &'m Model| {
            let mut out: BTreeMap<Key, Vec<&'m ir::Operation>> = BTreeMap::new();
            for o in &m.operations {
                let key = (o.namespace.clone(), o.name.clone(), o.binding.as_ref().map(ir::TypeRef::display));
                out.entry(key).or_default().push(o);
            }
            out
        };
        let (old_ops, new_ops) = (group(self.old), group(self.new));
        for key in union(old_ops.keys(), new_ops.keys()) {
            let empty = Vec::new();
            let a = old_ops.get(key).unwrap_or(&empty);
            let b = new_ops.get(key).unwrap_or(&empty);
            let overloaded = a.len() > 1 || b.len() > 1;
            // Pair overloads with the same parameter names; a single leftover on each side is
            // the same overload with changed parameters.
            let names = |o: &ir::Operation| o.parameters.iter().map(|p| p.name.clone()).collect::<BTreeSet<_>>();
            let mut left: Vec<&ir::Operation> = a.clone();
            let mut right: Vec<&ir::Operation> = Vec::new();
            let mut pairs: Vec<(&ir::Operation, &ir::Operation)> = Vec::new();
            for nb in b {
                match left.iter().position(|oa| names(oa) == names(nb)) {
                    Some(i) => pairs.push((left.remove(i), nb)),
                    None => right.push(nb),
                }
            }
            if left.len() == 1 && right.len() == 1 {
                pairs.push((left.remove(0), right.remove(0)));
            }
            for o in left {
                let owner = operation_owner(o, overloaded);
                let at = At { subject: Subject::Operation, namespace: &o.namespace, owner: &owner, member: None };
                self.push(at.change(ChangeKind::OperationRemoved, Level::Major).with_old(operation_signature(o)));
            }
            for o in right {
                let owner = operation_owner(o, overloaded);
                let at = At { subject: Subject::Operation, namespace: &o.namespace, owner: &owner, member: None };
                self.push(at.change(ChangeKind::OperationAdded, Level::Minor).with_new(operation_signature(o)));
            }
            for (oa, ob) in pairs {
                let owner = operation_owner(ob, overloaded);
                let at = At { subject: Subject::Operation, namespace: &ob.namespace, owner: &owner, member: None };
                self.operation(&at, oa, ob);
            }
        }
    }

    fn operation(&mut self, at: &At<'_>, a: &ir::Operation, b: &ir::Operation) {
        self.docs(at, &a.docs, &b.docs);
        let pa: BTreeMap<&str, &ir::Parameter> = a.parameters.iter().map(|p| (p.name.as_str(), p)).collect();
        let pb: BTreeMap<&str, &ir::Parameter> = b.parameters.iter().map(|p| (p.name.as_str(), p)).collect();
        let optional = |p: &ir::Parameter| if p.optional { "optional" } else { "required" };
        for name in union(pa.keys().copied(), pb.keys().copied()) {
            let mat = at.member(name);
            match (pa.get(name), pb.get(name)) {
                (None, Some(p)) => {
                    let (level, note) = if p.optional {
                        (Level::Minor, "optional (Core.OptionalParameter): existing calls stay valid")
                    } else {
                        (Level::Major, "required: existing calls lack it")
                    };
                    self.push(
                        mat.change(ChangeKind::ParameterAdded, level)
                            .with_new(format!("{} ({})", p.r#type.display(), optional(p)))
                            .with_note(note),
                    );
                }
                (Some(p), None) => self.push(mat.change(ChangeKind::ParameterRemoved, Level::Major).with_old(format!(
                    "{} ({})",
                    p.r#type.display(),
                    optional(p)
                ))),
                (Some(x), Some(y)) => {
                    if x.r#type != y.r#type {
                        self.push(
                            mat.change(ChangeKind::ParameterRetyped, Level::Major)
                                .with_old(x.r#type.display())
                                .with_new(y.r#type.display()),
                        );
                    }
                    if x.optional != y.optional {
                        let level = if y.optional { Level::Minor } else { Level::Major };
                        self.push(
                            mat.change(ChangeKind::ParameterOptionalityChanged, level)
                                .with_old(optional(x))
                                .with_new(optional(y)),
                        );
                    }
                    if x.nullable != y.nullable {
                        self.push(
                            mat.change(ChangeKind::ParameterNullabilityChanged, Level::Patch)
                                .with_old(format!("Nullable={}", yes_no(x.nullable)))
                                .with_new(format!("Nullable={}", yes_no(y.nullable))),
                        );
                    }
                    if x.rust_name != y.rust_name {
                        self.push(
                            mat.change(ChangeKind::ParameterRenamed, Level::Major)
                                .with_old(x.rust_name.clone())
                                .with_new(y.rust_name.clone())
                                .with_note("the Rust name changed because of a name collision"),
                        );
                    }
                }
                (None, None) => {}
            }
        }
        let common = |from: &[ir::Parameter], other: &BTreeMap<&str, &ir::Parameter>| {
            from.iter().filter(|p| other.contains_key(p.name.as_str())).map(|p| p.name.clone()).collect::<Vec<_>>()
        };
        let (order_a, order_b) = (common(&a.parameters, &pb), common(&b.parameters, &pa));
        if order_a != order_b {
            self.push(
                at.change(ChangeKind::ParametersReordered, Level::Patch)
                    .with_old(order_a.join(", "))
                    .with_new(order_b.join(", "))
                    .with_note("parameters are passed by name"),
            );
        }
        let ret = |o: &ir::Operation| o.return_type.as_ref().map(|r| r.r#type.display());
        if ret(a) != ret(b) {
            self.push(
                at.change(ChangeKind::ReturnTypeChanged, Level::Major)
                    .with_old(opt_or_none(ret(a).as_deref()))
                    .with_new(opt_or_none(ret(b).as_deref())),
            );
        } else if let (Some(x), Some(y)) = (&a.return_type, &b.return_type) {
            if x.nullable != y.nullable {
                self.push(
                    at.change(ChangeKind::ReturnNullabilityChanged, Level::Patch)
                        .with_old(format!("Nullable={}", yes_no(x.nullable)))
                        .with_new(format!("Nullable={}", yes_no(y.nullable))),
                );
            }
        }
        if a.is_composable != b.is_composable {
            self.push(
                at.change(ChangeKind::OperationAttributesChanged, Level::Patch)
                    .with_old(format!("IsComposable={}", yes_no(a.is_composable)))
                    .with_new(format!("IsComposable={}", yes_no(b.is_composable))),
            );
        }
        if a.entity_set_path != b.entity_set_path {
            self.push(
                at.change(ChangeKind::OperationAttributesChanged, Level::Patch)
                    .with_old(format!("EntitySetPath={}", opt_or_none(a.entity_set_path.as_deref())))
                    .with_new(format!("EntitySetPath={}", opt_or_none(b.entity_set_path.as_deref()))),
            );
        }
    }

    fn container(&mut self) {
        let (o, n) = (self.old.container.as_ref(), self.new.container.as_ref());
        let empty = ir::Container::default();
        let Some(any) = n.or(o) else { return };
        let namespace = any.namespace.as_str();
        let (o, n) = (o.unwrap_or(&empty), n.unwrap_or(&empty));
        if !o.name.is_empty() && !n.name.is_empty() && (o.name != n.name || o.namespace != n.namespace) {
            let at = At { subject: Subject::Container, namespace, owner: "entity container", member: None };
            self.push(
                at.change(ChangeKind::ContainerRenamed, Level::Patch)
                    .with_old(format!("{}.{}", o.namespace, o.name))
                    .with_new(format!("{}.{}", n.namespace, n.name)),
            );
        }
        let sets = [
            (
                "entity set",
                &o.entity_sets,
                &n.entity_sets,
                [
                    ChangeKind::EntitySetAdded,
                    ChangeKind::EntitySetRemoved,
                    ChangeKind::EntitySetRetyped,
                    ChangeKind::EntitySetRenamed,
                ],
            ),
            (
                "singleton",
                &o.singletons,
                &n.singletons,
                [
                    ChangeKind::SingletonAdded,
                    ChangeKind::SingletonRemoved,
                    ChangeKind::SingletonRetyped,
                    ChangeKind::SingletonRenamed,
                ],
            ),
        ];
        for (what, a, b, [added, removed, retyped, renamed]) in sets {
            let ma: BTreeMap<&str, &ir::EntitySet> = a.iter().map(|e| (e.name.as_str(), e)).collect();
            let mb: BTreeMap<&str, &ir::EntitySet> = b.iter().map(|e| (e.name.as_str(), e)).collect();
            for name in union(ma.keys().copied(), mb.keys().copied()) {
                let owner = format!("{what} {name}");
                let at = At { subject: Subject::Container, namespace, owner: &owner, member: None };
                match (ma.get(name), mb.get(name)) {
                    (None, Some(e)) => self.push(at.change(added, Level::Minor).with_new(e.entity_type.clone())),
                    (Some(e), None) => self.push(at.change(removed, Level::Major).with_old(e.entity_type.clone())),
                    (Some(x), Some(y)) => {
                        if x.entity_type != y.entity_type {
                            self.push(
                                at.change(retyped, Level::Major)
                                    .with_old(x.entity_type.clone())
                                    .with_new(y.entity_type.clone()),
                            );
                        }
                        if x.rust_name != y.rust_name {
                            self.push(
                                at.change(renamed, Level::Major)
                                    .with_old(x.rust_name.clone())
                                    .with_new(y.rust_name.clone())
                                    .with_note("the Rust name changed because of a name collision"),
                            );
                        }
                        let ba: BTreeSet<&(String, String)> = x.bindings.iter().collect();
                        let bb: BTreeSet<&(String, String)> = y.bindings.iter().collect();
                        if ba != bb {
                            let fmt = |s: Vec<&&(String, String)>| {
                                s.iter().map(|(p, t)| format!("{p} -> {t}")).collect::<Vec<_>>().join("; ")
                            };
                            let gone = fmt(ba.difference(&bb).collect());
                            let added = fmt(bb.difference(&ba).collect());
                            let mut note = Vec::new();
                            if !added.is_empty() {
                                note.push(format!("added {added}"));
                            }
                            if !gone.is_empty() {
                                note.push(format!("removed {gone}"));
                            }
                            self.push(at.change(ChangeKind::BindingsChanged, Level::Patch).with_note(note.join("; ")));
                        }
                    }
                    (None, None) => {}
                }
            }
        }
    }

    fn docs(&mut self, at: &At<'_>, a: &Docs, b: &Docs) {
        let mut what = Vec::new();
        if a.description != b.description {
            what.push("description");
        }
        if a.long_description != b.long_description {
            what.push("long description");
        }
        if !what.is_empty() {
            self.push(at.change(ChangeKind::DocsChanged, Level::Patch).with_note(what.join(" and ")));
        }
        match (&a.deprecation, &b.deprecation) {
            (None, Some(d)) => self.push(
                at.change(ChangeKind::Deprecated, Level::Patch)
                    .with_new(d.note())
                    .with_note("#[deprecated] only warns; nothing is removed yet"),
            ),
            (Some(d), None) => self.push(at.change(ChangeKind::DeprecationRemoved, Level::Patch).with_old(d.note())),
            (Some(x), Some(y)) if x != y => {
                self.push(
                    at.change(ChangeKind::DeprecationChanged, Level::Patch).with_old(x.note()).with_new(y.note()),
                );
            }
            _ => {}
        }
    }
}

/// `action assignLicense on microsoft.graph.user`; overloads get their parameter names:
/// `function range(address) on microsoft.graph.workbookWorksheet`.
fn operation_owner(o: &ir::Operation, overloaded: bool) -> String {
    let kind = match o.kind {
        ir::OperationKind::Action => "action",
        ir::OperationKind::Function => "function",
    };
    let mut out = format!("{kind} {}", o.name);
    if overloaded {
        out.push('(');
        out.push_str(&o.parameters.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", "));
        out.push(')');
    }
    if let Some(b) = &o.binding {
        out.push_str(" on ");
        out.push_str(&b.display());
    }
    out
}

/// `(message: Edm.String, saveToSentItems: Edm.Boolean?) -> microsoft.graph.message`; `?` marks
/// optional parameters.
fn operation_signature(o: &ir::Operation) -> String {
    let params: Vec<String> = o
        .parameters
        .iter()
        .map(|p| format!("{}: {}{}", p.name, p.r#type.display(), if p.optional { "?" } else { "" }))
        .collect();
    let mut out = format!("({})", params.join(", "));
    if let Some(r) = &o.return_type {
        out.push_str(" -> ");
        out.push_str(&r.r#type.display());
    }
    out
}

fn key_label(key: &[String]) -> String {
    if key.is_empty() {
        "(none)".to_string()
    } else {
        key.join(", ")
    }
}

fn module_label(path: &[String]) -> String {
    if path.is_empty() {
        "models".to_string()
    } else {
        format!("models::{}", path.join("::"))
    }
}

/// The sorted union of two sorted key sequences.
fn union<'a, T: Ord + ?Sized + 'a>(
    a: impl IntoIterator<Item = &'a T>,
    b: impl IntoIterator<Item = &'a T>,
) -> BTreeSet<&'a T> {
    a.into_iter().chain(b).collect()
}
