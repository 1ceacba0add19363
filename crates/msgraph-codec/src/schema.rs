//! A compact, static description of a Graph service's routing-relevant schema: entity types
//! (keys, base types, navigation properties, structural properties), entity sets, singletons and
//! bound operations. The generated crate emits one [`Schema`] value (`msgraph::schema::SCHEMA`)
//! so that tools — the local emulator's router, request builders, tests — can reason about URLs
//! without shipping or parsing the CSDL.

/// Index of an entity type in [`Schema::entity_types`].
pub type TypeIndex = u16;

/// An entity type.
#[derive(Debug, Clone, Copy)]
pub struct EntityType {
    /// Qualified name, e.g. `microsoft.graph.user`.
    pub name: &'static str,
    /// The base entity type.
    pub base: Option<TypeIndex>,
    /// `Abstract="true"`.
    pub is_abstract: bool,
    /// `HasStream="true"` (media entity), own or inherited.
    pub has_stream: bool,
    /// Key property names (inherited when not declared).
    pub key: &'static [&'static str],
    /// Structural properties declared on this type (not inherited): `(name, type)` where type is
    /// `Edm.String`, `microsoft.graph.x`, `Collection(...)`.
    pub properties: &'static [(&'static str, &'static str)],
    /// Navigation properties declared on this type (not inherited).
    pub navigations: &'static [Navigation],
}

/// A navigation property.
#[derive(Debug, Clone, Copy)]
pub struct Navigation {
    /// Property name.
    pub name: &'static str,
    /// Target entity type.
    pub target: TypeIndex,
    /// `Collection(...)`.
    pub collection: bool,
    /// `ContainsTarget="true"`.
    pub contains_target: bool,
}

/// Action or function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperationKind {
    /// Invoked with POST.
    Action,
    /// Invoked with GET; parameters in the URL.
    Function,
}

/// A bound action or function.
#[derive(Debug, Clone, Copy)]
pub struct Operation {
    /// Qualified name, e.g. `microsoft.graph.enableSmsSignIn`.
    pub name: &'static str,
    /// Action or function.
    pub kind: OperationKind,
    /// The binding entity type.
    pub binding: TypeIndex,
    /// Bound to a collection of the binding type.
    pub binding_collection: bool,
    /// `(name, type)` of the parameters after the binding parameter.
    pub parameters: &'static [(&'static str, &'static str)],
    /// Return type (`Collection(...)` spelled out), if any.
    pub returns: Option<&'static str>,
    /// `IsComposable`.
    pub composable: bool,
}

/// An entity set or singleton.
#[derive(Debug, Clone, Copy)]
pub struct EntitySet {
    /// Name as used in URLs (`users`, `me`).
    pub name: &'static str,
    /// Entity type.
    pub entity_type: TypeIndex,
}

/// The whole routing schema.
#[derive(Debug, Clone, Copy)]
pub struct Schema {
    /// Entity types sorted by qualified name.
    pub entity_types: &'static [EntityType],
    /// Entity sets sorted by name.
    pub entity_sets: &'static [EntitySet],
    /// Singletons sorted by name.
    pub singletons: &'static [EntitySet],
    /// Bound operations sorted by (binding type, collection, name).
    pub operations: &'static [Operation],
}

impl Schema {
    /// The entity type at `index`.
    pub fn entity_type_at(&self, index: TypeIndex) -> Option<&'static EntityType> {
        self.entity_types.get(usize::from(index))
    }

    /// An entity type by qualified name (`microsoft.graph.user`); a leading `#` is ignored.
    pub fn entity_type(&self, name: &str) -> Option<(TypeIndex, &'static EntityType)> {
        let name = name.strip_prefix('#').unwrap_or(name);
        let i = self.entity_types.binary_search_by(|t| t.name.cmp(name)).ok()?;
        Some((TypeIndex::try_from(i).ok()?, self.entity_types.get(i)?))
    }

    /// An entity set by name.
    pub fn entity_set(&self, name: &str) -> Option<&'static EntitySet> {
        let i = self.entity_sets.binary_search_by(|s| s.name.cmp(name)).ok()?;
        self.entity_sets.get(i)
    }

    /// A singleton by name.
    pub fn singleton(&self, name: &str) -> Option<&'static EntitySet> {
        let i = self.singletons.binary_search_by(|s| s.name.cmp(name)).ok()?;
        self.singletons.get(i)
    }

    /// The type and its ancestors, nearest first.
    pub fn ancestry(&self, index: TypeIndex) -> impl Iterator<Item = (TypeIndex, &'static EntityType)> + '_ {
        let mut next = Some(index);
        let mut steps = 0usize;
        std::iter::from_fn(move || {
            let i = next?;
            steps += 1;
            if steps > self.entity_types.len() {
                return None; // malformed table: a cycle
            }
            let t = self.entity_type_at(i)?;
            next = t.base;
            Some((i, t))
        })
    }

    /// Whether `derived` is `base` or derives from it.
    pub fn is_a(&self, derived: TypeIndex, base: TypeIndex) -> bool {
        self.ancestry(derived).any(|(i, _)| i == base)
    }

    /// A navigation property of a type, own or inherited.
    pub fn navigation(&self, index: TypeIndex, name: &str) -> Option<&'static Navigation> {
        self.ancestry(index).find_map(|(_, t)| t.navigations.iter().find(|n| n.name == name))
    }

    /// A structural property's type, own or inherited.
    pub fn property(&self, index: TypeIndex, name: &str) -> Option<&'static str> {
        self.ancestry(index).find_map(|(_, t)| t.properties.iter().find(|p| p.0 == name).map(|p| p.1))
    }

    /// The key property of a type (first key name; Graph keys are single-property).
    pub fn key_of(&self, index: TypeIndex) -> Option<&'static str> {
        self.entity_type_at(index).and_then(|t| t.key.first().copied())
    }

    /// Operations bound to a type or one of its ancestors (on a single entity or a collection)
    /// whose qualified or simple name is `name`, most specific binding first (OData overload
    /// resolution picks the first).
    pub fn bound_operations(&self, index: TypeIndex, collection: bool, name: &str) -> Vec<&'static Operation> {
        let mut out = Vec::new();
        for (t, _) in self.ancestry(index) {
            out.extend(self.operations.iter().filter(|op| {
                op.binding == t
                    && op.binding_collection == collection
                    && (op.name == name || op.name.rsplit('.').next() == Some(name))
            }));
        }
        out
    }

    /// The most specific operation named `name` bound to the type (or an ancestor).
    pub fn bound_operation(&self, index: TypeIndex, collection: bool, name: &str) -> Option<&'static Operation> {
        self.bound_operations(index, collection, name).into_iter().next()
    }

    /// Types derived (directly or not) from `index`, including itself.
    pub fn derived_types(&self, index: TypeIndex) -> impl Iterator<Item = (TypeIndex, &'static EntityType)> + '_ {
        self.entity_types.iter().enumerate().filter_map(move |(i, t)| {
            let i = TypeIndex::try_from(i).ok()?;
            self.is_a(i, index).then_some((i, t))
        })
    }
}

// The generated tables name every value: rows are struct literals that leave out the fields
// equal to these defaults, and navigations are built by constructors named after their kind.
impl EntityType {
    /// A concrete, non-media type without key, base or properties: the base of the generated
    /// rows (`S::EntityType { name: …, ..S::EntityType::DEFAULT }`).
    pub const DEFAULT: EntityType = EntityType {
        name: "",
        base: None,
        is_abstract: false,
        has_stream: false,
        key: &[],
        properties: &[],
        navigations: &[],
    };
}

impl Navigation {
    /// A single-valued, non-contained navigation property `name` to `target`.
    pub const fn single(name: &'static str, target: TypeIndex) -> Navigation {
        Navigation { name, target, collection: false, contains_target: false }
    }

    /// A collection-valued, non-contained navigation property `name` to `target`.
    pub const fn many(name: &'static str, target: TypeIndex) -> Navigation {
        Navigation { name, target, collection: true, contains_target: false }
    }

    /// A single-valued navigation property `name` to `target` with `ContainsTarget="true"`.
    pub const fn contained_single(name: &'static str, target: TypeIndex) -> Navigation {
        Navigation { name, target, collection: false, contains_target: true }
    }

    /// A collection-valued navigation property `name` to `target` with `ContainsTarget="true"`.
    pub const fn contained_many(name: &'static str, target: TypeIndex) -> Navigation {
        Navigation { name, target, collection: true, contains_target: true }
    }
}

impl Operation {
    /// An action bound to a single entity of type 0, without parameters or return type: the
    /// base of the generated rows (`S::Operation { name: …, ..S::Operation::DEFAULT }`).
    pub const DEFAULT: Operation = Operation {
        name: "",
        kind: OperationKind::Action,
        binding: 0,
        binding_collection: false,
        parameters: &[],
        returns: None,
        composable: false,
    };
}
