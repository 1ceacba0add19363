//! What a request path addresses once it is resolved against the store: a collection, an
//! entity, a property, `$count`, a `$ref`, a bound operation, ...

use crate::schema::{Operation, TypeIndex};
use crate::store::{Loc, Root, Step};

/// How a collection is stored.
#[derive(Debug, Clone)]
pub(crate) enum CollKind {
    /// A top-level entity set (reading through derived sets).
    Set(&'static str),
    /// A contained collection; `view` filters a shared storage collection by type, `filter` by
    /// the value of a property (a mail folder's `messages` are the mailbox's messages whose
    /// `parentFolderId` is the folder: see [`crate::mail`]).
    Contained { owner: Loc, nav: &'static str, view: Option<TypeIndex>, filter: Option<PropFilter> },
    /// A non-contained navigation: references.
    Refs { owner: Loc, nav: &'static str },
}

/// Members of a contained collection whose property `prop` has the string value `value`;
/// members created through it get that value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PropFilter {
    pub(crate) prop: &'static str,
    pub(crate) value: String,
}

impl PropFilter {
    /// Whether an entity's properties pass the filter.
    pub(crate) fn admits(&self, props: &serde_json::Map<String, serde_json::Value>) -> bool {
        props.get(self.prop).and_then(serde_json::Value::as_str) == Some(self.value.as_str())
    }
}

/// A resolved collection.
#[derive(Debug, Clone)]
pub(crate) struct CollNode {
    pub(crate) kind: CollKind,
    /// Declared item type (set type / navigation target).
    pub(crate) declared: TypeIndex,
    /// A type-cast segment after it.
    pub(crate) cast: Option<TypeIndex>,
    /// Addressing path for `@odata.context` (`users('id')/authentication/phoneMethods`).
    pub(crate) path: String,
}

impl CollNode {
    pub(crate) fn item_type(&self) -> TypeIndex {
        self.cast.unwrap_or(self.declared)
    }
}

/// A resolved entity.
#[derive(Debug, Clone)]
pub(crate) struct EntNode {
    pub(crate) loc: Loc,
    /// The type the path declares (for `@odata.type` decisions).
    pub(crate) declared: TypeIndex,
    /// Addressing path (`users('id')`).
    pub(crate) path: String,
    /// `@odata.context` fragment (`users/$entity`).
    pub(crate) context: String,
    /// A member of a non-contained collection navigation: `(owner, nav)`.
    pub(crate) via_ref: Option<(Loc, &'static str)>,
    /// Reached through a singleton (`/me`, `/authenticationMethodsPolicy`): not deletable.
    pub(crate) singleton: bool,
}

/// What a path addresses, resolved against the store.
#[derive(Debug, Clone)]
pub(crate) enum Target {
    Coll(CollNode),
    Ent(EntNode),
    /// A structural property, or a member path inside a complex one (`members`).
    Property {
        ent: EntNode,
        name: &'static str,
        members: Vec<String>,
    },
    Count(CollNode),
    RefColl(CollNode),
    RefEnt(EntNode),
    RefSingle {
        owner: Loc,
        nav: &'static str,
        target: TypeIndex,
        path: String,
    },
    Operation {
        binding: Binding,
        op: &'static Operation,
        args: Option<String>,
    },
    Media(EntNode),
}

/// What an operation is bound to.
#[derive(Debug, Clone)]
pub(crate) enum Binding {
    Coll(CollNode),
    Ent(EntNode),
}

impl EntNode {
    /// The last key (or navigation name) of its location, for "not found" messages.
    pub(crate) fn loc_key(&self) -> &str {
        match (self.loc.steps.last(), &self.loc.root) {
            (Some(Step { key: Some(k), .. }), _) => k,
            (Some(Step { nav, .. }), _) => nav,
            (None, Root::Set(_, id)) => id,
            (None, Root::Singleton(n)) => n,
        }
    }
}
