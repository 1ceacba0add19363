//! The generic in-memory store: a tree of JSON entities that mirrors Graph's containment.
//!
//! * Entity sets hold top-level entities (insertion order kept).
//! * Every entity keeps its contained navigation properties as children: a collection
//!   (`phoneMethods`, ...) or a single entity (`authentication`). Deleting an entity deletes
//!   everything it contains, as in Graph.
//! * Non-contained navigation properties (`members`, `memberOf`, `manager`, ...) are lists of
//!   references to top-level entities ([`Addr`]); references to deleted entities are skipped when
//!   read. members/memberOf, owners/ownedObjects and manager/directReports are kept consistent
//!   in both directions ([`Store::add_ref`], [`Store::remove_ref`]).
//! * Singletons exist from the start (empty unless seeded); single-valued contained children are
//!   created on first write and read as an empty entity before that.
//!
//! Two generic "views" keep polymorphic containment consistent:
//! * an entity set whose type has derived entity sets reads through them (`/directoryObjects/{id}`
//!   finds users, groups, ...);
//! * on `microsoft.graph.authentication`, the typed collections (`phoneMethods`, `fido2Methods`,
//!   ...) are filtered views of the one `methods` collection, so `/methods` lists everything
//!   polymorphically.

use std::collections::{BTreeMap, HashMap};

use indexmap::IndexMap;
use serde_json::{Map, Value};

use crate::errors::GraphError;
use crate::router;
use crate::schema::{TypeIndex, SCHEMA};

/// A reference to a top-level entity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Addr {
    /// Storage entity set.
    pub(crate) set: &'static str,
    pub(crate) id: String,
}

/// An entity.
#[derive(Debug, Clone)]
pub(crate) struct Entity {
    /// Concrete type.
    pub(crate) ty: TypeIndex,
    /// Structural properties (the key included).
    pub(crate) props: Map<String, Value>,
    /// Contained navigation properties, by storage name.
    pub(crate) children: BTreeMap<&'static str, Child>,
    /// Non-contained navigation properties.
    pub(crate) refs: BTreeMap<&'static str, Vec<Addr>>,
}

impl Entity {
    pub(crate) fn new(ty: TypeIndex, props: Map<String, Value>) -> Self {
        Entity { ty, props, children: BTreeMap::new(), refs: BTreeMap::new() }
    }

    /// The key value (`id` for nearly every type).
    pub(crate) fn key(&self) -> Option<&str> {
        let key = SCHEMA.key_of(self.ty).unwrap_or("id");
        self.props.get(key).and_then(Value::as_str)
    }
}

/// A contained navigation property's content.
#[derive(Debug, Clone)]
pub(crate) enum Child {
    One(Box<Entity>),
    Many(Collection),
}

/// An ordered collection keyed by id.
#[derive(Debug, Clone, Default)]
pub(crate) struct Collection {
    pub(crate) items: IndexMap<String, Entity>,
}

/// Where a location starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Root {
    /// A top-level entity in a (storage) entity set.
    Set(&'static str, String),
    Singleton(&'static str),
}

/// One containment step below the root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Step {
    /// Storage navigation name.
    pub(crate) nav: &'static str,
    /// The key, for collection-valued navigations.
    pub(crate) key: Option<String>,
    /// Type to create when a single-valued child does not exist yet.
    pub(crate) ty: TypeIndex,
}

/// The canonical location of an entity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Loc {
    pub(crate) root: Root,
    pub(crate) steps: Vec<Step>,
}

impl Loc {
    pub(crate) fn child(&self, step: Step) -> Loc {
        let mut l = self.clone();
        l.steps.push(step);
        l
    }

    /// The top-level address, when this is a top-level entity.
    pub(crate) fn as_addr(&self) -> Option<Addr> {
        match (&self.root, self.steps.is_empty()) {
            (Root::Set(set, id), true) => Some(Addr { set, id: id.clone() }),
            _ => None,
        }
    }
}

/// The whole tenant's data.
#[derive(Debug, Clone, Default)]
pub(crate) struct Store {
    pub(crate) sets: BTreeMap<&'static str, Collection>,
    pub(crate) singletons: BTreeMap<&'static str, Entity>,
    /// Change tracking of top-level entities, for `delta`.
    pub(crate) changes: Changes,
}

/// The last change of one top-level entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Change {
    /// Position in the store's change sequence.
    pub(crate) seq: u64,
    /// The entity's concrete type (kept for deleted entities).
    pub(crate) ty: TypeIndex,
    /// Deleted (a tombstone).
    pub(crate) deleted: bool,
}

/// Per entity set, the last change of every top-level entity that was created, updated or
/// deleted after the seed was loaded (seeded entities that never changed have no entry: they
/// are at sequence 0). Sequence numbers increase monotonically over the whole store, so one
/// number orders changes across the sets a `delta` reads (`directoryObjects` → users, groups,
/// ...).
#[derive(Debug, Clone, Default)]
pub(crate) struct Changes {
    seq: u64,
    sets: BTreeMap<&'static str, HashMap<String, Change>>,
}

impl Changes {
    /// The sequence number of the latest change (0: none since the seed).
    pub(crate) fn current(&self) -> u64 {
        self.seq
    }

    /// Records that the entity `id` of the storage set `set` was created or updated (`deleted`
    /// false) or deleted.
    pub(crate) fn record(&mut self, set: &'static str, id: &str, ty: TypeIndex, deleted: bool) {
        self.seq += 1;
        let change = Change { seq: self.seq, ty, deleted };
        self.sets.entry(set).or_default().insert(id.to_string(), change);
    }

    /// The last change of an entity, if it changed since the seed.
    pub(crate) fn get(&self, set: &str, id: &str) -> Option<Change> {
        self.sets.get(set).and_then(|m| m.get(id)).copied()
    }

    /// Every recorded change of a storage set: `(id, change)`.
    pub(crate) fn of_set(&self, set: &str) -> impl Iterator<Item = (&str, Change)> {
        self.sets.get(set).into_iter().flat_map(|m| m.iter().map(|(id, c)| (id.as_str(), *c)))
    }
}

/// Storage for a contained navigation: `(storage nav, view filter type)`. On
/// `microsoft.graph.authentication`, typed method collections are views of `methods`.
pub(crate) fn storage_nav(
    owner_ty: TypeIndex,
    nav: &'static str,
    target: TypeIndex,
) -> (&'static str, Option<TypeIndex>) {
    const VIEW_OWNERS: &[(&str, &str)] = &[("microsoft.graph.authentication", "methods")];
    for (owner, base_nav) in VIEW_OWNERS {
        let Some((owner_idx, _)) = SCHEMA.entity_type(owner) else { continue };
        if !SCHEMA.is_a(owner_ty, owner_idx) || nav == *base_nav {
            continue;
        }
        if let Some(base) = SCHEMA.navigation(owner_idx, base_nav) {
            if SCHEMA.is_a(target, base.target) && target != base.target {
                return (base.name, Some(target));
            }
        }
    }
    (nav, None)
}

/// Entity sets that read through to `set`: itself, then sets of strictly derived types.
pub(crate) fn member_sets(set: &'static str) -> Vec<&'static str> {
    let Some(es) = SCHEMA.entity_set(set) else { return vec![set] };
    let mut out = vec![es.name];
    out.extend(
        SCHEMA
            .entity_sets
            .iter()
            .filter(|o| o.entity_type != es.entity_type && SCHEMA.is_a(o.entity_type, es.entity_type))
            .map(|o| o.name),
    );
    out
}

/// The entity set that stores new entities of type `ty` created through `set`: the set of the
/// most specific type that `ty` is (so POST /directoryObjects with a user lands in `users`).
pub(crate) fn storage_set_for(set: &'static str, ty: TypeIndex) -> &'static str {
    member_sets(set)
        .into_iter()
        .filter_map(|s| SCHEMA.entity_set(s))
        .filter(|s| SCHEMA.is_a(ty, s.entity_type))
        .max_by_key(|s| SCHEMA.ancestry(s.entity_type).count())
        .map_or(set, |s| s.name)
}

/// A user's userPrincipalName (empty when it has none).
pub(crate) fn upn(user: &Entity) -> &str {
    user.props.get("userPrincipalName").and_then(Value::as_str).unwrap_or("")
}

impl Store {
    /// A store with every singleton present (empty).
    pub(crate) fn new() -> Self {
        let mut store = Store::default();
        for s in SCHEMA.singletons {
            if s.name == "me" {
                continue; // an alias of the signed-in user
            }
            let mut props = Map::new();
            props.insert("id".into(), Value::String(s.name.to_string()));
            store.singletons.insert(s.name, Entity::new(s.entity_type, props));
        }
        store
    }

    /// A top-level entity.
    pub(crate) fn top(&self, set: &str, id: &str) -> Option<&Entity> {
        self.sets.get(set).and_then(|c| c.items.get(id))
    }

    /// Looks up a top-level entity through `set`'s view (the set and its derived sets).
    pub(crate) fn find_in_set(&self, set: &'static str, id: &str) -> Option<(&'static str, &Entity)> {
        member_sets(set).into_iter().find_map(|s| self.top(s, id).map(|e| (s, e)))
    }

    /// A user by id or (case-insensitively) userPrincipalName: its id and entity.
    pub(crate) fn find_user(&self, who: &str) -> Option<(&str, &Entity)> {
        let users = self.sets.get("users")?;
        users
            .items
            .iter()
            .find(|(id, e)| id.as_str() == who || upn(e).eq_ignore_ascii_case(who))
            .map(|(id, e)| (id.as_str(), e))
    }

    /// Resolves a reference.
    pub(crate) fn resolve_addr(&self, addr: &Addr) -> Option<&Entity> {
        self.top(addr.set, &addr.id)
    }

    fn root(&self, root: &Root) -> Option<&Entity> {
        match root {
            Root::Set(set, id) => self.top(set, id),
            Root::Singleton(name) => self.singletons.get(name),
        }
    }

    fn root_mut(&mut self, root: &Root) -> Option<&mut Entity> {
        match root {
            Root::Set(set, id) => self.sets.get_mut(set).and_then(|c| c.items.get_mut(id)),
            Root::Singleton(name) => self.singletons.get_mut(name),
        }
    }

    /// The entity at `loc`, or `None` if it (or a single-valued container on the way) does not
    /// exist.
    pub(crate) fn entity(&self, loc: &Loc) -> Option<&Entity> {
        let mut cur = self.root(&loc.root)?;
        for step in &loc.steps {
            cur = match (cur.children.get(step.nav)?, &step.key) {
                (Child::One(e), None) => e,
                (Child::Many(c), Some(k)) => c.items.get(k)?,
                _ => return None,
            };
        }
        Some(cur)
    }

    /// The entity at `loc`, creating single-valued containers on the way (never collection
    /// members).
    pub(crate) fn entity_mut(&mut self, loc: &Loc) -> Option<&mut Entity> {
        let mut cur = self.root_mut(&loc.root)?;
        for step in &loc.steps {
            let child = cur.children.entry(step.nav).or_insert_with(|| match step.key {
                None => {
                    let mut props = Map::new();
                    props.insert("id".into(), Value::String(step.nav.to_string()));
                    Child::One(Box::new(Entity::new(step.ty, props)))
                }
                Some(_) => Child::Many(Collection::default()),
            });
            cur = match (child, &step.key) {
                (Child::One(e), None) => e,
                (Child::Many(c), Some(k)) => c.items.get_mut(k)?,
                _ => return None,
            };
        }
        Some(cur)
    }

    /// A contained collection under an entity (`None` if the owner or the collection does not
    /// exist yet: read it as empty).
    pub(crate) fn children(&self, owner: &Loc, nav: &str) -> Option<&Collection> {
        match self.entity(owner)?.children.get(nav)? {
            Child::Many(c) => Some(c),
            Child::One(_) => None,
        }
    }

    /// A contained collection under an entity, created if missing.
    pub(crate) fn children_mut(&mut self, owner: &Loc, nav: &'static str) -> Option<&mut Collection> {
        let e = self.entity_mut(owner)?;
        match e.children.entry(nav).or_insert_with(|| Child::Many(Collection::default())) {
            Child::Many(c) => Some(c),
            Child::One(_) => None,
        }
    }

    /// Removes the entity at `loc` (with everything it contains).
    pub(crate) fn remove(&mut self, loc: &Loc) -> Option<Entity> {
        let Some((last, parent_steps)) = loc.steps.split_last() else {
            return match &loc.root {
                Root::Set(set, id) => self.sets.get_mut(set).and_then(|c| c.items.shift_remove(id)),
                Root::Singleton(_) => None,
            };
        };
        let parent = Loc { root: loc.root.clone(), steps: parent_steps.to_vec() };
        let owner = self.entity_mut(&parent)?;
        match (owner.children.get_mut(last.nav)?, &last.key) {
            (Child::Many(c), Some(k)) => c.items.shift_remove(k),
            (Child::One(_), None) => match owner.children.remove(last.nav) {
                Some(Child::One(e)) => Some(*e),
                _ => None,
            },
            _ => None,
        }
    }
}

/// Navigation pairs kept consistent in both directions.
const INVERSES: &[(&str, &str)] = &[
    ("members", "memberOf"),
    ("memberOf", "members"),
    ("owners", "ownedObjects"),
    ("ownedObjects", "owners"),
    ("manager", "directReports"),
    ("directReports", "manager"),
];

// References between top-level entities, kept consistent in both directions.
impl Store {
    /// The inverse of `owner`'s navigation `nav` on `target`, if it has one.
    fn inverse_nav(&self, owner: &Loc, nav: &str, target: &Addr) -> Option<&'static str> {
        let inv = INVERSES.iter().find(|(a, _)| *a == nav).map(|(_, b)| *b)?;
        owner.as_addr()?;
        let t = self.resolve_addr(target)?;
        let n = router::navigation(t.ty, inv)?;
        (!n.contains_target).then_some(n.name)
    }

    fn single_valued(&self, owner: &Loc, nav: &str) -> bool {
        self.entity(owner).and_then(|e| router::navigation(e.ty, nav)).is_some_and(|n| !n.collection)
    }

    /// Adds a reference (replacing it for single-valued navigations), and, when `inverse`, its
    /// inverse.
    pub(crate) fn add_ref(
        &mut self,
        owner: &Loc,
        nav: &'static str,
        target: Addr,
        inverse: bool,
    ) -> Result<(), GraphError> {
        if self.single_valued(owner, nav) {
            let old: Vec<Addr> = self.entity(owner).and_then(|e| e.refs.get(nav)).cloned().unwrap_or_default();
            for a in old {
                self.remove_ref(owner, nav, &a);
            }
        }
        let inv = if inverse { self.inverse_nav(owner, nav, &target) } else { None };
        let e = self.entity_mut(owner).ok_or_else(|| GraphError::not_found("Request_ResourceNotFound", nav))?;
        let list = e.refs.entry(nav).or_default();
        if !list.contains(&target) {
            list.push(target.clone());
        }
        if let (Some(inv), Some(owner_addr)) = (inv, owner.as_addr()) {
            let tloc = Loc { root: Root::Set(target.set, target.id.clone()), steps: vec![] };
            self.add_ref(&tloc, inv, owner_addr, false)?;
        }
        Ok(())
    }

    /// Removes a reference and its inverse.
    pub(crate) fn remove_ref(&mut self, owner: &Loc, nav: &str, target: &Addr) {
        let inv = self.inverse_nav(owner, nav, target);
        if let Some(e) = self.entity_mut(owner) {
            if let Some(list) = e.refs.get_mut(nav) {
                list.retain(|a| a != target);
            }
        }
        if let (Some(inv), Some(owner_addr)) = (inv, owner.as_addr()) {
            let tloc = Loc { root: Root::Set(target.set, target.id.clone()), steps: vec![] };
            if let Some(t) = self.entity_mut(&tloc) {
                if let Some(list) = t.refs.get_mut(inv) {
                    list.retain(|a| *a != owner_addr);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(name: &str) -> TypeIndex {
        SCHEMA.entity_type(name).map(|(i, _)| i).unwrap()
    }

    #[test]
    fn views() {
        let auth = ty("microsoft.graph.authentication");
        let phone = ty("microsoft.graph.phoneAuthenticationMethod");
        assert_eq!(storage_nav(auth, "phoneMethods", phone), ("methods", Some(phone)));
        let base = ty("microsoft.graph.authenticationMethod");
        assert_eq!(storage_nav(auth, "methods", base), ("methods", None));
        let op = ty("microsoft.graph.longRunningOperation");
        assert_eq!(storage_nav(auth, "operations", op), ("operations", None));
        // Nowhere else.
        let group = ty("microsoft.graph.group");
        let ara = ty("microsoft.graph.appRoleAssignment");
        assert_eq!(storage_nav(group, "appRoleAssignments", ara), ("appRoleAssignments", None));

        let m = member_sets("directoryObjects");
        assert_eq!(m[0], "directoryObjects");
        assert!(m.contains(&"users") && m.contains(&"groups"));
        assert_eq!(member_sets("users"), vec!["users"]);
        assert_eq!(storage_set_for("directoryObjects", ty("microsoft.graph.user")), "users");
        assert_eq!(storage_set_for("users", ty("microsoft.graph.user")), "users");
    }

    #[test]
    fn tree_operations() {
        let mut s = Store::new();
        assert!(s.singletons.contains_key("authenticationMethodsPolicy"));
        assert!(!s.singletons.contains_key("me"));
        let user = ty("microsoft.graph.user");
        let mut props = Map::new();
        props.insert("id".into(), Value::String("u1".into()));
        s.sets.entry("users").or_default().items.insert("u1".into(), Entity::new(user, props));
        let u = Loc { root: Root::Set("users", "u1".into()), steps: vec![] };
        let auth = u.child(Step { nav: "authentication", key: None, ty: ty("microsoft.graph.authentication") });
        assert!(s.entity(&auth).is_none());
        assert!(s.children(&auth, "methods").is_none());
        let phone = ty("microsoft.graph.phoneAuthenticationMethod");
        let mut p = Map::new();
        p.insert("id".into(), Value::String("m1".into()));
        s.children_mut(&auth, "methods").unwrap().items.insert("m1".into(), Entity::new(phone, p));
        let m1 = auth.child(Step { nav: "methods", key: Some("m1".into()), ty: phone });
        assert_eq!(s.entity(&m1).unwrap().key(), Some("m1"));
        assert!(s.remove(&m1).is_some());
        assert!(s.entity(&m1).is_none());
        // Deleting the user deletes what it contains.
        assert!(s.remove(&u).is_some());
        assert!(s.entity(&auth).is_none());
    }

    #[test]
    fn change_tracking() {
        let user = ty("microsoft.graph.user");
        let mut c = Changes::default();
        assert_eq!(c.current(), 0);
        assert!(c.get("users", "u1").is_none());
        c.record("users", "u1", user, false);
        c.record("groups", "g1", ty("microsoft.graph.group"), false);
        c.record("users", "u1", user, true);
        assert_eq!(c.current(), 3);
        assert_eq!(c.get("users", "u1"), Some(Change { seq: 3, ty: user, deleted: true }));
        assert_eq!(c.of_set("users").count(), 1);
        assert_eq!(c.of_set("groups").next().map(|(id, ch)| (id, ch.seq)), Some(("g1", 2)));
        assert_eq!(c.of_set("applications").count(), 0);
    }
}
