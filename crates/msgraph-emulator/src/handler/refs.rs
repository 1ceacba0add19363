//! `$ref`: reading a reference (`GET …/manager/$ref`, `GET …/members/{id}/$ref`), adding one
//! (`POST …/members/$ref`, `PUT …/manager/$ref`) and removing one (`DELETE …/members/{id}/$ref`,
//! `DELETE …/manager/$ref`). The store keeps the inverse navigation in step.

use hyper::StatusCode;
use serde_json::{Map, Value};

use super::resolve::{entity_url, not_found_code, resolve_url};
use crate::context::Ctx;
use crate::errors::{GraphError, HandlerResult, Response};
use crate::schema::TypeIndex;
use crate::store::{Addr, Loc, Store};
use crate::target::{CollKind, CollNode, EntNode};

/// The `$ref` body of the entity at `loc`.
pub(super) fn get(ctx: &Ctx<'_>, loc: &Loc) -> Response {
    let mut out = Map::new();
    out.insert("@odata.context".into(), ctx.context("$ref"));
    out.insert("@odata.id".into(), Value::String(entity_url(ctx, loc)));
    Response::json(StatusCode::OK, &Value::Object(out))
}

fn ref_body(
    ctx: &Ctx<'_>,
    store: &Store,
    body: Option<Map<String, Value>>,
    target: TypeIndex,
) -> Result<Addr, GraphError> {
    let url = body.as_ref().and_then(|b| b.get("@odata.id")).and_then(Value::as_str).ok_or_else(|| {
        GraphError::bad_request("The body of a $ref request must be {\"@odata.id\": \"<entity URL>\"}.")
    })?;
    resolve_url(ctx, store, url, target)
}

/// `POST …/{collection}/$ref`: adds a member.
pub(super) fn add(ctx: &Ctx<'_>, store: &mut Store, c: &CollNode, body: Option<Map<String, Value>>) -> HandlerResult {
    let CollKind::Refs { owner, nav } = &c.kind else {
        return Err(GraphError::bad_request("$ref is only valid on a navigation property that is not contained."));
    };
    let addr = ref_body(ctx, store, body, c.declared)?;
    if store.entity(owner).and_then(|e| e.refs.get(nav)).is_some_and(|r| r.contains(&addr)) {
        return Err(GraphError::bad_request(format!(
            "One or more added object references already exist for the following modified properties: '{nav}'."
        ))
        .with_inner("Request_BadRequest"));
    }
    store.add_ref(owner, nav, addr, true)?;
    Ok(Response::empty(StatusCode::NO_CONTENT))
}

/// `DELETE …/{collection}/{id}/$ref`: removes a member.
pub(super) fn remove(store: &mut Store, e: &EntNode) -> HandlerResult {
    let Some((owner, nav)) = &e.via_ref else {
        return Err(GraphError::bad_request("$ref is only valid on a navigation property that is not contained."));
    };
    let Some(addr) = e.loc.as_addr() else { return Err(GraphError::bad_request("Invalid reference.")) };
    store.remove_ref(owner, nav, &addr);
    Ok(Response::empty(StatusCode::NO_CONTENT))
}

/// `DELETE …/{collection}/$ref?$id={url}`: removes the member with that `@odata.id` URL.
pub(super) fn remove_by_url(ctx: &Ctx<'_>, store: &mut Store, c: &CollNode, id: Option<&str>) -> HandlerResult {
    let CollKind::Refs { owner, nav } = &c.kind else {
        return Err(GraphError::bad_request("$ref is only valid on a navigation property that is not contained."));
    };
    let url = id.ok_or_else(|| {
        GraphError::bad_request(
            "DELETE on a collection's $ref needs the member: …/$ref?$id={entity URL} (or DELETE …/{id}/$ref).",
        )
    })?;
    let addr = resolve_url(ctx, store, url, c.declared)?;
    if !store.entity(owner).and_then(|e| e.refs.get(nav)).is_some_and(|r| r.contains(&addr)) {
        return Err(GraphError::not_found(not_found_code(c.declared), &addr.id));
    }
    store.remove_ref(owner, nav, &addr);
    Ok(Response::empty(StatusCode::NO_CONTENT))
}

/// `PUT …/{single-valued}/$ref`: sets (replaces) the reference.
pub(super) fn set(
    ctx: &Ctx<'_>,
    store: &mut Store,
    owner: &Loc,
    nav: &'static str,
    target: TypeIndex,
    body: Option<Map<String, Value>>,
) -> HandlerResult {
    let addr = ref_body(ctx, store, body, target)?;
    store.add_ref(owner, nav, addr, true)?;
    Ok(Response::empty(StatusCode::NO_CONTENT))
}

/// `DELETE …/{single-valued}/$ref`: clears the reference (404 when there is none).
pub(super) fn unset(store: &mut Store, owner: &Loc, nav: &'static str, target: TypeIndex) -> HandlerResult {
    let current: Vec<Addr> = store.entity(owner).and_then(|e| e.refs.get(nav)).cloned().unwrap_or_default();
    if current.iter().all(|a| store.resolve_addr(a).is_none()) {
        return Err(GraphError::not_found(not_found_code(target), nav));
    }
    for a in current {
        store.remove_ref(owner, nav, &a);
    }
    Ok(Response::empty(StatusCode::NO_CONTENT))
}
