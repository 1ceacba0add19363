//! The passes that decide the Rust side of a resolved model: derived-type links, polymorphic
//! `…Kind` wrappers, which structs write `@odata.type`, field names and every field's and
//! operation value's Rust type. They run after the resolution passes and report nothing.

use std::collections::{BTreeMap, BTreeSet};

use super::ENTITY;
use super::{graph, FieldType, KindEnum, KindVariant, Model, Property, QName, StructType, TypeTarget, ValueType, Wrap};
use crate::naming::{self, Scope};

/// Each struct type's direct derived types, sorted.
pub(super) fn link_derived(model: &mut Model) {
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
}

/// Base types that are referenced (as a property, navigation, parameter or return type) and
/// have derived types: values of these are read polymorphically.
fn polymorphic_bases(model: &Model) -> BTreeSet<QName> {
    let properties = model.structs.values().flat_map(|s| s.properties.iter().map(|p| &p.r#type));
    let operations = model
        .operations
        .iter()
        .flat_map(|o| o.parameters.iter().map(|p| &p.r#type).chain(o.return_type.as_ref().map(|r| &r.r#type)));
    let mut referenced: BTreeSet<QName> = BTreeSet::new();
    for t in properties.chain(operations) {
        if let TypeTarget::Struct(q) = &t.target {
            referenced.insert(q.clone());
        }
    }
    referenced.into_iter().filter(|q| model.structs.get(q).is_some_and(|s| !s.derived.is_empty())).collect()
}

/// A `…Kind` wrapper for every polymorphic base, named in its namespace's type scope (after
/// every type, so a type never loses its name to a wrapper).
pub(super) fn build_kinds(model: &mut Model, scopes: &mut BTreeMap<String, Scope>) {
    for q in polymorphic_bases(model) {
        let Some(base) = model.structs.get(&q) else { continue };
        let scope = scopes.entry(base.namespace.clone()).or_default();
        let kind = kind_enum(model, base, scope);
        model.kinds.insert(q, kind);
    }
}

/// The wrapper of `base`: the base itself first, then every descendant sorted by qualified
/// name; a variant from another namespace is prefixed with its module path.
fn kind_enum(model: &Model, base: &StructType, scope: &mut Scope) -> KindEnum {
    let (rust_name, _) = scope.claim(&naming::kind_name(&base.rust_name), false);
    let mut vscope = Scope::new();
    let mut variants = Vec::new();
    for v in std::iter::once(base.qname.clone()).chain(model.descendants(&base.qname)) {
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
    KindEnum { base: base.qname.clone(), namespace: base.namespace.clone(), rust_name, variants }
}

/// A struct writes `@odata.type` when an ancestor other than `entity` is read polymorphically
/// (a reader of the base needs it to pick the variant).
pub(super) fn mark_odata_type_writers(model: &mut Model) {
    let writes: BTreeSet<QName> = model
        .structs
        .keys()
        .filter(|q| model.ancestors(q).iter().any(|a| a != ENTITY && model.kinds.contains_key(a)))
        .cloned()
        .collect();
    for s in model.structs.values_mut() {
        s.writes_odata_type = writes.contains(&s.qname);
    }
}

/// Field names, claimed per struct (inherited fields first) next to `additional_data`.
pub(super) fn name_fields(model: &mut Model) {
    for s in model.structs.values_mut() {
        let mut scope = Scope::with_reserved(&[naming::ADDITIONAL_DATA_FIELD, naming::BASE_FIELD]);
        for p in &mut s.properties {
            let (rust_name, renamed) = scope.claim(&naming::field_name(&p.name), true);
            p.rust_name = rust_name;
            p.renamed = renamed;
        }
    }
}

/// The Rust type of every field, parameter and return value, from the finished type names and
/// wrappers.
pub(super) fn assign_rust_types(model: &mut Model) {
    let cycles = graph::strongly_connected(&inline_edges(model));
    let fields: Vec<Vec<FieldType>> = model
        .structs
        .values()
        .map(|s| s.properties.iter().map(|p| field_type(model, &cycles, s, p)).collect())
        .collect();
    for (s, types) in model.structs.values_mut().zip(fields) {
        for (p, t) in s.properties.iter_mut().zip(types) {
            p.rust_type = t;
        }
    }
    let operations: Vec<(Vec<ValueType>, Option<ValueType>)> = model
        .operations
        .iter()
        .map(|o| {
            let params = o.parameters.iter().map(|p| model.value_type(&p.r#type.target)).collect();
            (params, o.return_type.as_ref().map(|r| model.value_type(&r.r#type.target)))
        })
        .collect();
    for (o, (params, ret)) in model.operations.iter_mut().zip(operations) {
        for (p, t) in o.parameters.iter_mut().zip(params) {
            p.rust_type = t;
        }
        if let (Some(r), Some(t)) = (o.return_type.as_mut(), ret) {
            r.rust_type = t;
        }
    }
}

/// Which struct holds which other struct inline: its base type (the `base` field), and
/// single-valued, non-navigation fields of a struct type that is not read through a `…Kind`
/// wrapper (the wrapper boxes its variants).
fn inline_edges(model: &Model) -> BTreeMap<QName, BTreeSet<QName>> {
    let mut edges: BTreeMap<QName, BTreeSet<QName>> = BTreeMap::new();
    for s in model.structs.values() {
        if let Some(b) = &s.base {
            edges.entry(s.qname.clone()).or_default().insert(b.clone());
        }
        for p in &s.properties {
            if let TypeTarget::Struct(t) = &p.r#type.target {
                if !p.navigation && !p.r#type.collection && !model.kinds.contains_key(t) {
                    edges.entry(s.qname.clone()).or_default().insert(t.clone());
                }
            }
        }
    }
    edges
}

/// A field's type: a collection is a `Vec`; a single struct is boxed when it is a navigation
/// target or on an inline cycle with its owner (`cycles`: component of each node on a cycle).
fn field_type(model: &Model, cycles: &BTreeMap<QName, usize>, owner: &StructType, p: &Property) -> FieldType {
    let value = model.value_type(&p.r#type.target);
    let wrap = if p.r#type.collection {
        Wrap::Vec
    } else if matches!(&value, ValueType::Struct(t)
        if p.navigation || cycles.get(&owner.qname).is_some_and(|c| Some(c) == cycles.get(&t.qname)))
    {
        Wrap::Boxed
    } else {
        Wrap::Plain
    };
    FieldType { value, wrap }
}
