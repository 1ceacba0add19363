//! Writing: creating entities (server-assigned or client keys, `createdDateTime`,
//! `nav@odata.bind`), updating (merge, `null` clears), deleting, with the type-specific rules of
//! [`crate::rules`].

use hyper::header::LOCATION;
use hyper::{Method, StatusCode};
use serde_json::{Map, Value};

use super::operation::operation;
use super::refs;
use super::resolve::{media_not_implemented, not_found_code, resolve_url, virtual_entity};
use crate::context::Ctx;
use crate::entity::{self, is_directory, type_name};
use crate::errors::{truncate, GraphError, HandlerResult, Response};
use crate::render::render;
use crate::router::{self, encode_segment};
use crate::rules;
use crate::schema::SCHEMA;
use crate::store::{self, Entity, Loc, Root, Step, Store};
use crate::target::{CollKind, CollNode, EntNode, Target};

/// Answers a POST, PATCH, PUT or DELETE.
pub(super) fn write(
    ctx: &Ctx<'_>,
    store: &mut Store,
    target: Target,
    method: &Method,
    body: Option<Map<String, Value>>,
    id: Option<&str>,
) -> HandlerResult {
    match (target, method) {
        (Target::Coll(c), &Method::POST) => create(ctx, store, &c, body),
        (Target::Coll(_), m) => Err(GraphError::method_not_allowed(m.as_str(), "a collection")),
        (Target::Ent(e), &Method::PATCH) => update(ctx, store, &e, body),
        (Target::Ent(e), &Method::PUT) => replace(ctx, store, &e, body),
        (Target::Ent(e), &Method::DELETE) => delete(ctx, store, &e),
        (Target::Ent(_), m) => Err(GraphError::method_not_allowed(m.as_str(), "an entity: use PATCH to update")),
        (Target::RefColl(c), &Method::POST) => refs::add(ctx, store, &c, body),
        (Target::RefColl(c), &Method::DELETE) => refs::remove_by_url(ctx, store, &c, id),
        (Target::RefEnt(e), &Method::DELETE) => refs::remove(store, &e),
        (Target::RefSingle { owner, nav, target, .. }, &Method::PUT) => {
            refs::set(ctx, store, &owner, nav, target, body)
        }
        (Target::RefSingle { owner, nav, target, .. }, &Method::DELETE) => refs::unset(store, &owner, nav, target),
        (Target::RefColl(_) | Target::RefEnt(_) | Target::RefSingle { .. }, m) => Err(GraphError::method_not_allowed(
            m.as_str(),
            "a $ref (use POST on a collection's $ref, PUT on a single-valued $ref, DELETE on a member's $ref)",
        )),
        (Target::Operation { binding, op, args }, m) => operation(ctx, Some(store), binding, op, args, m, body),
        (Target::Property { ent, name, members }, m @ (&Method::PATCH | &Method::PUT)) => {
            write_property(ctx, store, &ent, name, &members, m == Method::PUT, body)
        }
        (Target::Property { .. } | Target::Count(_), m) => {
            Err(GraphError::method_not_allowed(m.as_str(), "a property or $count: PATCH the entity instead"))
        }
        (Target::Media(e), _) => Err(media_not_implemented(e.declared)),
    }
}

fn require_body(body: Option<Map<String, Value>>) -> Result<Map<String, Value>, GraphError> {
    body.ok_or_else(|| GraphError::bad_request("The request body is empty: send a JSON object."))
}

fn create(ctx: &Ctx<'_>, store: &mut Store, c: &CollNode, body: Option<Map<String, Value>>) -> HandlerResult {
    let body = require_body(body)?;
    let expected = match &c.kind {
        CollKind::Refs { .. } => {
            return Err(GraphError::bad_request(
                "Write requests are only supported on contained entities: add a reference with POST .../$ref.",
            ))
        }
        CollKind::Contained { view: Some(v), .. } => *v,
        _ => c.item_type(),
    };
    let ty = entity::concrete_type(&body, expected)?;
    let mut checked = entity::check_body(ty, &body)?;
    // A message may be created with its attachments (Graph's one deep insert that Outlook takes).
    let attachments = crate::mail::inline_attachments(ctx.shared, ty, &mut checked.nested)?;
    if let Some((nav, _)) = checked.nested.first() {
        return Err(GraphError::not_implemented(format!(
            "Deep insert (the navigation property '{}' in a create body) is not supported by the emulator.",
            nav.name
        )));
    }
    let mut props = checked.props;
    if let CollKind::Contained { filter: Some(f), .. } = &c.kind {
        props.insert(f.prop.to_string(), Value::String(f.value.clone()));
    }
    let forced_id = rules::before_create(ctx.shared, store, c, ty, &mut props)?;
    let key_name = SCHEMA.key_of(ty).unwrap_or("id");
    // Client-supplied keys are kept for types whose key is meaningful to the client (policy
    // targets, extensions, ...); directory objects and authentication methods always get a
    // server-assigned (or fixed) id, as in Graph.
    let client_key = props.get(key_name).and_then(Value::as_str).filter(|s| !s.is_empty()).map(String::from);
    let server_assigned = is_directory(ty) || rules::is_auth_method(ty);
    let id = match forced_id {
        Some(id) => id,
        None if key_name == "id" && (server_assigned || client_key.is_none()) => ctx.shared.new_uuid(),
        None => match props.get(key_name) {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            _ => {
                return Err(GraphError::bad_request(format!(
                    "The key property '{key_name}' of '{}' is required.",
                    type_name(ty)
                )))
            }
        },
    };
    props.insert(key_name.to_string(), Value::String(id.clone()));
    if router::property(ty, "createdDateTime").is_some_and(|(_, t)| t == "Edm.DateTimeOffset")
        && !props.contains_key("createdDateTime")
    {
        props.insert("createdDateTime".into(), Value::String(ctx.shared.clock.now_rfc3339()));
    }
    let mut entity = Entity::new(ty, props);
    if let Some(a) = attachments {
        entity.children.insert(a.0, store::Child::Many(a.1));
    }
    let (loc, context) = match &c.kind {
        CollKind::Set(set) => {
            let storage = store::storage_set_for(set, ty);
            if store.find_in_set(set, &id).is_some() {
                return Err(conflict_key(&id));
            }
            store.sets.entry(storage).or_default().items.insert(id.clone(), entity);
            store.changes.record(storage, &id, ty, false);
            rules::after_create(ctx.shared, store, &Loc { root: Root::Set(storage, id.clone()), steps: vec![] }, ty);
            (Loc { root: Root::Set(storage, id.clone()), steps: vec![] }, format!("{}/$entity", c.path))
        }
        CollKind::Contained { owner, nav, .. } => {
            let coll = store.children_mut(owner, nav).ok_or_else(|| GraphError::not_found("itemNotFound", nav))?;
            if coll.items.contains_key(&id) {
                return Err(conflict_key(&id));
            }
            coll.items.insert(id.clone(), entity);
            (owner.child(Step { nav, key: Some(id.clone()), ty }), format!("{}/$entity", c.path))
        }
        CollKind::Refs { .. } => {
            return Err(GraphError::bad_request("Write requests are only supported on contained entities."))
        }
    };
    for (nav, urls) in checked.binds {
        for url in urls {
            let addr = resolve_url(ctx, store, &url, nav.target)?;
            store.add_ref(&loc, nav.name, addr, true)?;
        }
    }
    let e = store.entity(&loc).ok_or_else(|| {
        GraphError::new(StatusCode::INTERNAL_SERVER_ERROR, "generalException", "The entity vanished.")
    })?;
    let mut out = Map::new();
    out.insert("@odata.context".into(), ctx.context(&context));
    out.extend(render(ctx.shared, store, &loc, e, c.declared));
    let location = format!("{}{}/{}", ctx.shared.urls.base, ctx.req.path.trim_end_matches('/'), encode_segment(&id));
    Ok(Response::json(StatusCode::CREATED, &Value::Object(out)).header(LOCATION, &location))
}

/// `PATCH` (merge) or `PUT` (replace) of a complex-typed property or of a member inside one
/// (`…/mailboxSettings/automaticRepliesSetting`): the entity is updated with the new value of
/// the whole property, so the entity's rules and change tracking apply.
fn write_property(
    ctx: &Ctx<'_>,
    store: &mut Store,
    e: &EntNode,
    name: &'static str,
    members: &[String],
    replace: bool,
    body: Option<Map<String, Value>>,
) -> HandlerResult {
    let ty = router::property(e.declared, name).map_or("", |(_, t)| t);
    if members.is_empty() && (ty.starts_with("Edm.") || ty.starts_with("Collection(")) {
        return Err(GraphError::method_not_allowed(
            if replace { "PUT" } else { "PATCH" },
            "a primitive or collection-valued property: PATCH the entity instead",
        ));
    }
    let body = require_body(body)?;
    let mut whole = store
        .entity(&e.loc)
        .and_then(|x| x.props.get(name))
        .cloned()
        .filter(Value::is_object)
        .unwrap_or_else(|| Value::Object(Map::new()));
    let mut at = &mut whole;
    for m in members {
        let Value::Object(obj) = at else {
            return Err(GraphError::bad_request(format!("'{}' is not a member of a complex value.", truncate(m, 100))));
        };
        let slot = obj.entry(m.clone()).or_insert_with(|| Value::Object(Map::new()));
        if !slot.is_object() {
            *slot = Value::Object(Map::new());
        }
        at = slot;
    }
    let fields = body.into_iter().filter(|(k, _)| !k.starts_with('@'));
    match at {
        Value::Object(obj) if !replace => obj.extend(fields),
        other => *other = Value::Object(fields.collect()),
    }
    let mut patch = Map::new();
    patch.insert(name.to_string(), whole);
    update(ctx, store, e, Some(patch))
}

/// `PUT` of an entity: replaces every structural property (the key stays); creates a
/// single-valued contained entity that was not written yet (`PUT /groups/{id}/team`, 201).
fn replace(ctx: &Ctx<'_>, store: &mut Store, e: &EntNode, body: Option<Map<String, Value>>) -> HandlerResult {
    if e.via_ref.is_some() {
        return Err(GraphError::bad_request(
            "Write requests are only supported on contained entities: replace the entity at its own URL.",
        ));
    }
    let body = require_body(body)?;
    let existed = store.entity(&e.loc).is_some();
    let current_ty = store.entity(&e.loc).map_or(e.declared, |x| x.ty);
    let checked = entity::check_body(current_ty, &body)?;
    if let Some((nav, _)) = checked.nested.first() {
        return Err(GraphError::not_implemented(format!(
            "Replacing the navigation property '{}' inline is not supported by the emulator.",
            nav.name
        )));
    }
    let mut props = checked.props;
    let key_name = SCHEMA.key_of(current_ty).unwrap_or("id");
    let snapshot = store.entity(&e.loc).cloned().unwrap_or_else(|| virtual_entity(&e.loc, e.declared));
    let key = snapshot.props.get(key_name).cloned();
    if let (Some(given), Some(current)) = (props.remove(key_name), &key) {
        if !given.is_null() && given != *current {
            return Err(GraphError::bad_request(format!("The key property '{key_name}' cannot be changed.")));
        }
    }
    rules::before_update(ctx.shared, store, &e.loc, &snapshot, &mut props)?;
    let ent = store.entity_mut(&e.loc).ok_or_else(|| GraphError::not_found(not_found_code(e.declared), e.loc_key()))?;
    ent.props.retain(|k, _| k == key_name);
    if let Some(k) = key {
        ent.props.insert(key_name.to_string(), k);
    }
    ent.props.extend(props);
    for (nav, urls) in checked.binds {
        for url in urls {
            let addr = resolve_url(ctx, store, &url, nav.target)?;
            store.add_ref(&e.loc, nav.name, addr, true)?;
        }
    }
    if let Some(addr) = e.loc.as_addr() {
        store.changes.record(addr.set, &addr.id, current_ty, false);
    }
    if existed {
        return Ok(Response::empty(StatusCode::NO_CONTENT));
    }
    let ent = store.entity(&e.loc).ok_or_else(|| {
        GraphError::new(StatusCode::INTERNAL_SERVER_ERROR, "generalException", "The entity vanished.")
    })?;
    let mut out = Map::new();
    out.insert("@odata.context".into(), ctx.context(&e.context));
    out.extend(render(ctx.shared, store, &e.loc, ent, e.declared));
    Ok(Response::json(StatusCode::CREATED, &Value::Object(out)))
}

fn conflict_key(id: &str) -> GraphError {
    GraphError::new(
        StatusCode::CONFLICT,
        "Request_BadRequest",
        format!("Another object with the same key '{}' already exists.", truncate(id, 100)),
    )
}

fn update(ctx: &Ctx<'_>, store: &mut Store, e: &EntNode, body: Option<Map<String, Value>>) -> HandlerResult {
    let body = require_body(body)?;
    let current_ty = store.entity(&e.loc).map_or(e.declared, |x| x.ty);
    if let Some(t) = body.get("@odata.type").and_then(Value::as_str) {
        let named = router::entity_type(t.strip_prefix('#').unwrap_or(t));
        if named.is_none_or(|n| !SCHEMA.is_a(current_ty, n)) {
            return Err(GraphError::bad_request(format!(
                "The '@odata.type' '{}' does not match the entity's type '{}'.",
                truncate(t, 100),
                type_name(current_ty)
            )));
        }
    }
    let checked = entity::check_body(current_ty, &body)?;
    if let Some((nav, _)) = checked.nested.first() {
        return Err(GraphError::not_implemented(format!(
            "Updating the navigation property '{}' inline is not supported by the emulator.",
            nav.name
        )));
    }
    let mut patch = checked.props;
    let key_name = SCHEMA.key_of(current_ty).unwrap_or("id");
    if let Some(k) = patch.remove(key_name) {
        let current_key = store.entity(&e.loc).and_then(|x| x.key().map(String::from));
        if k.as_str() != current_key.as_deref() && !k.is_null() {
            return Err(GraphError::bad_request(format!("The key property '{key_name}' cannot be changed.")));
        }
    }
    let snapshot = store.entity(&e.loc).cloned().unwrap_or_else(|| virtual_entity(&e.loc, e.declared));
    rules::before_update(ctx.shared, store, &e.loc, &snapshot, &mut patch)?;
    let ent = store.entity_mut(&e.loc).ok_or_else(|| GraphError::not_found(not_found_code(e.declared), e.loc_key()))?;
    for (k, v) in patch {
        ent.props.insert(k, v);
    }
    for (nav, urls) in checked.binds {
        for url in urls {
            let addr = resolve_url(ctx, store, &url, nav.target)?;
            store.add_ref(&e.loc, nav.name, addr, true)?;
        }
    }
    if let Some(addr) = e.loc.as_addr() {
        store.changes.record(addr.set, &addr.id, current_ty, false);
    }
    Ok(Response::empty(StatusCode::NO_CONTENT))
}

fn delete(ctx: &Ctx<'_>, store: &mut Store, e: &EntNode) -> HandlerResult {
    if e.via_ref.is_some() {
        return Err(GraphError::bad_request(
            "To remove a member of a navigation property, DELETE its $ref (…/{id}/$ref).",
        ));
    }
    if e.singleton {
        return Err(GraphError::method_not_allowed("DELETE", "a singleton or single-valued navigation"));
    }
    let snapshot =
        store.entity(&e.loc).cloned().ok_or_else(|| GraphError::not_found(not_found_code(e.declared), e.loc_key()))?;
    rules::before_delete(ctx.shared, store, &e.loc, &snapshot)?;
    store.remove(&e.loc);
    if let Some(addr) = e.loc.as_addr() {
        store.changes.record(addr.set, &addr.id, snapshot.ty, true);
    }
    Ok(Response::empty(StatusCode::NO_CONTENT))
}
