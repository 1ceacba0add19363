//! How entities leave the emulator: rendered as Graph returns them (`@odata.type` for derived
//! types, the type-specific adjustments of [`crate::rules::decorate`]) and narrowed by `$select`.

use serde_json::{Map, Value};

use crate::entity::type_name;
use crate::errors::{truncate, GraphError};
use crate::router;
use crate::rules;
use crate::schema::{TypeIndex, SCHEMA};
use crate::state::Shared;
use crate::store::{Entity, Loc, Store};

/// Renders an entity as Graph returns it.
pub(crate) fn render(shared: &Shared, store: &Store, loc: &Loc, e: &Entity, declared: TypeIndex) -> Map<String, Value> {
    let mut m = Map::new();
    if e.ty != declared {
        m.insert("@odata.type".into(), Value::String(format!("#{}", type_name(e.ty))));
    }
    for (k, v) in &e.props {
        m.insert(k.clone(), v.clone());
    }
    rules::decorate(shared, store, loc, e, &mut m);
    m
}

/// Keeps the `$select`ed properties (and annotations) of a rendered entity.
pub(crate) fn select(m: Map<String, Value>, sel: &[String], ty: TypeIndex) -> Result<Map<String, Value>, GraphError> {
    if sel.iter().any(|s| s == "*") {
        return Ok(m);
    }
    for s in sel {
        if !known_property(ty, s) {
            return Err(no_such_property(s, ty));
        }
    }
    Ok(m.into_iter().filter(|(k, _)| k.starts_with('@') || sel.iter().any(|s| s.eq_ignore_ascii_case(k))).collect())
}

/// Whether `name` is a property of `ty` or of a type derived from it (collections are
/// polymorphic, and Graph accepts derived properties in `$select`/`$filter`).
pub(crate) fn known_property(ty: TypeIndex, name: &str) -> bool {
    router::property(ty, name).is_some()
        || router::navigation(ty, name).is_some()
        || SCHEMA.derived_types(ty).any(|(t, _)| router::property(t, name).is_some())
}

pub(crate) fn no_such_property(name: &str, ty: TypeIndex) -> GraphError {
    GraphError::bad_request(format!(
        "Could not find a property named '{}' on type '{}'.",
        truncate(name, 100),
        type_name(ty)
    ))
}
