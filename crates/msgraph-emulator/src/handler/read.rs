//! Reading: entities, properties (and their `$value`), collections with `$filter`, `$search`,
//! `$orderby`, `$select`, `$count` and server-driven paging, and `$count` itself.

use hyper::{Method, StatusCode};
use serde_json::{Map, Value};

use super::operation::operation;
use super::refs;
use super::resolve::{deref_single, entity_url, media_not_implemented, virtual_entity};
use crate::context::Ctx;
use crate::entity::{is_directory, type_name};
use crate::errors::{truncate, GraphError, HandlerResult, Response};
use crate::odata::{self, filter, QueryOptions};
use crate::paging::{self, Position};
use crate::render::{known_property, no_such_property, render, select};
use crate::router::{self, encode_loose};
use crate::schema::SCHEMA;
use crate::store::{self, Entity, Loc, Root, Step, Store};
use crate::target::{CollKind, CollNode, Target};

/// Answers a GET.
pub(super) fn read(
    ctx: &Ctx<'_>,
    store: &Store,
    target: Target,
    q: &QueryOptions,
    segments: &[String],
) -> HandlerResult {
    match target {
        Target::Coll(c) => list(ctx, store, &c, q, segments, false),
        Target::RefColl(c) => list(ctx, store, &c, q, segments, true),
        Target::Ent(e) => {
            let virt;
            let ent = match store.entity(&e.loc) {
                Some(x) => x,
                None => {
                    virt = virtual_entity(&e.loc, e.declared);
                    &virt
                }
            };
            let mut m = render(ctx.shared, store, &e.loc, ent, e.declared);
            if let Some(sel) = &q.select {
                m = select(m, sel, e.declared)?;
            }
            let mut out = Map::new();
            let ctx_frag = match &q.select {
                Some(sel) => format!("{}({})/$entity", e.context.trim_end_matches("/$entity"), sel.join(",")),
                None => e.context.clone(),
            };
            out.insert("@odata.context".into(), ctx.context(&ctx_frag));
            out.extend(m);
            Ok(Response::json(StatusCode::OK, &Value::Object(out)))
        }
        Target::Property { ent, name, members } => {
            let is_value = segments.last().is_some_and(|s| s == "$value");
            let value = store.entity(&ent.loc).and_then(|x| {
                let rendered = render(ctx.shared, store, &ent.loc, x, ent.declared);
                let mut v = rendered.get(name)?;
                for m in &members {
                    v = v.get(m.as_str())?;
                }
                Some(v.clone())
            });
            // A complex value is answered as an object with its context, as Graph does
            // (`GET /me/mailboxSettings`); primitives and collections as `{"value": ...}`.
            let complex = !members.is_empty()
                || router::property(ent.declared, name)
                    .is_some_and(|(_, t)| !t.starts_with("Edm.") && !t.starts_with("Collection("));
            let path = std::iter::once(name).chain(members.iter().map(String::as_str)).collect::<Vec<_>>().join("/");
            match value {
                Some(Value::Object(m)) if complex && !is_value => {
                    let mut out = Map::new();
                    out.insert("@odata.context".into(), ctx.context(&format!("{}/{path}", ent.path)));
                    out.extend(m);
                    Ok(Response::json(StatusCode::OK, &Value::Object(out)))
                }
                None | Some(Value::Null) => Ok(Response::empty(StatusCode::NO_CONTENT)),
                Some(v) if is_value => {
                    let text = match v {
                        Value::String(s) => s,
                        other => other.to_string(),
                    };
                    Ok(Response::text(StatusCode::OK, text))
                }
                Some(v) => {
                    let mut out = Map::new();
                    out.insert("@odata.context".into(), ctx.context(&format!("{}/{path}", ent.path)));
                    out.insert("value".into(), v);
                    Ok(Response::json(StatusCode::OK, &Value::Object(out)))
                }
            }
        }
        Target::Count(c) => {
            if is_directory(c.item_type()) && !ctx.eventual() {
                return Err(GraphError::bad_request(
                    "$count on directory objects requires the request header 'ConsistencyLevel: eventual'.",
                )
                .with_inner("Request_UnsupportedQuery"));
            }
            let rows = query_rows(ctx, store, &c, q)?;
            Ok(Response::text(StatusCode::OK, rows.len().to_string()))
        }
        Target::RefEnt(e) => Ok(refs::get(ctx, &e.loc)),
        Target::RefSingle { owner, nav, target, path } => {
            let e = deref_single(store, &owner, nav, target, &path)?;
            Ok(refs::get(ctx, &e.loc))
        }
        Target::Operation { binding, op, args } => operation(ctx, None, binding, op, args, &Method::GET, None),
        Target::Media(e) => match store.entity(&e.loc) {
            Some(x) if crate::mail::is_file_attachment(x.ty) => crate::mail::attachment_value(x),
            _ => Err(media_not_implemented(e.declared)),
        },
    }
}

/// A rendered collection member and where it lives.
type Row = (Loc, Map<String, Value>);

/// Every entity of a collection, rendered, before query options.
fn collect_rows(ctx: &Ctx<'_>, store: &Store, c: &CollNode) -> Vec<Row> {
    let item_ty = c.item_type();
    let mut out = Vec::new();
    let mut push = |loc: Loc, e: &Entity| {
        if SCHEMA.is_a(e.ty, item_ty) {
            out.push((loc.clone(), render(ctx.shared, store, &loc, e, c.declared)));
        }
    };
    match &c.kind {
        CollKind::Set(set) => {
            for s in store::member_sets(set) {
                if let Some(coll) = store.sets.get(s) {
                    for (id, e) in &coll.items {
                        push(Loc { root: Root::Set(s, id.clone()), steps: vec![] }, e);
                    }
                }
            }
        }
        CollKind::Contained { owner, nav, view, filter } => {
            if let Some(coll) = store.children(owner, nav) {
                for (id, e) in &coll.items {
                    if view.is_none_or(|v| SCHEMA.is_a(e.ty, v)) && filter.as_ref().is_none_or(|f| f.admits(&e.props)) {
                        push(owner.child(Step { nav, key: Some(id.clone()), ty: e.ty }), e);
                    }
                }
            }
        }
        CollKind::Refs { owner, nav } => {
            if let Some(refs) = store.entity(owner).and_then(|e| e.refs.get(nav)) {
                for a in refs {
                    if let Some(e) = store.resolve_addr(a) {
                        push(Loc { root: Root::Set(a.set, a.id.clone()), steps: vec![] }, e);
                    }
                }
            }
        }
    }
    out
}

/// Applies `$filter`, `$search` and `$orderby`; checks the advanced-query rules.
fn query_rows(ctx: &Ctx<'_>, store: &Store, c: &CollNode, q: &QueryOptions) -> Result<Vec<Row>, GraphError> {
    let ty = c.item_type();
    let directory = is_directory(ty);
    if let Some((raw, expr)) = &q.filter {
        for (name, pos) in expr.root_properties() {
            if !known_property(ty, &name) {
                return Err(GraphError::bad_request(format!(
                    "Invalid filter clause: Could not find a property named '{}' on type '{}' (at position {pos} in '{}').",
                    truncate(&name, 100),
                    type_name(ty),
                    truncate(raw, 300)
                )));
            }
            if router::navigation(ty, &name).is_some() {
                return Err(GraphError::not_implemented(format!(
                    "Filtering on the navigation property '{name}' is not supported by the emulator."
                )));
            }
        }
        let f = expr.features();
        if directory && (f.ne || f.not || f.endswith) && !ctx.eventual() {
            return Err(GraphError::bad_request(
                "Unsupported query: 'ne', 'not' and 'endsWith' on directory objects are advanced queries that require the request header 'ConsistencyLevel: eventual'.",
            )
            .with_inner("Request_UnsupportedQuery"));
        }
    }
    if q.search.is_some() && directory && !ctx.eventual() {
        return Err(GraphError::bad_request(
            "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
        )
        .with_inner("Request_UnsupportedQuery"));
    }
    if let Some(search) = &q.search {
        for (prop, _) in &search.clauses {
            if let Some(p) = prop {
                if !known_property(ty, p) {
                    return Err(no_such_property(p, ty));
                }
            }
        }
    }
    for ob in &q.orderby {
        if let Some(first) = ob.path.first() {
            if !known_property(ty, first) {
                return Err(no_such_property(first, ty));
            }
        }
    }
    let mut rows = collect_rows(ctx, store, c);
    if let Some((_, expr)) = &q.filter {
        let mut kept = Vec::with_capacity(rows.len());
        for (loc, m) in rows {
            let v = Value::Object(m);
            if filter::matches(expr, &v).map_err(|e| GraphError::bad_request(format!("Invalid filter clause: {e}.")))? {
                let Value::Object(m) = v else { continue };
                kept.push((loc, m));
            }
        }
        rows = kept;
    }
    if let Some(search) = &q.search {
        rows.retain(|(_, m)| search.matches(&Value::Object(m.clone())));
    }
    if !q.orderby.is_empty() {
        rows.sort_by(|(_, a), (_, b)| {
            for ob in &q.orderby {
                let (av, bv) = (Value::Object(a.clone()), Value::Object(b.clone()));
                let o = odata::compare_json(odata::value_at(&av, &ob.path), odata::value_at(&bv, &ob.path));
                let o = if ob.descending { o.reverse() } else { o };
                if o != std::cmp::Ordering::Equal {
                    return o;
                }
            }
            std::cmp::Ordering::Equal
        });
    }
    Ok(rows)
}

/// One page of a collection (or of its references, `refs`), with its next link.
fn list(
    ctx: &Ctx<'_>,
    store: &Store,
    c: &CollNode,
    q: &QueryOptions,
    segments: &[String],
    refs: bool,
) -> HandlerResult {
    if q.count && is_directory(c.item_type()) && !ctx.eventual() {
        return Err(GraphError::bad_request(
            "$count=true on directory objects requires the request header 'ConsistencyLevel: eventual'.",
        )
        .with_inner("Request_UnsupportedQuery"));
    }
    let rows = query_rows(ctx, store, c, q)?;
    let total = rows.len();
    let skip = q.skip.unwrap_or(0).min(total);
    let rows = &rows[skip..];
    let preferred = ctx.req.max_page_size();
    let page_size = q.top.or(preferred).unwrap_or(ctx.shared.config.page_size).max(1);
    let fp = paging::fingerprint(segments, &q.decoded_without_skiptoken);
    let pos = match &q.skiptoken {
        Some(t) => paging::decode(&ctx.shared.secret, t, fp)?,
        None => Position { offset: 0, empty: false },
    };
    let start = usize::try_from(pos.offset).unwrap_or(usize::MAX).min(rows.len());
    let (page, next): (&[Row], Option<Position>) = if pos.empty {
        // The deliberate empty page: continue where the previous page stopped.
        (&[], (start < rows.len()).then_some(Position { offset: start as u64, empty: false }))
    } else {
        let end = start.saturating_add(page_size).min(rows.len());
        let page = &rows[start..end];
        let next = if ctx.shared.config.empty_pages && !page.is_empty() {
            Some(Position { offset: end as u64, empty: true })
        } else {
            (end < rows.len()).then_some(Position { offset: end as u64, empty: false })
        };
        (page, next)
    };
    let mut value = Vec::with_capacity(page.len());
    for (loc, m) in page {
        if refs {
            let mut r = Map::new();
            r.insert("@odata.id".into(), Value::String(entity_url(ctx, loc)));
            value.push(Value::Object(r));
        } else {
            let m = match &q.select {
                Some(sel) => select(m.clone(), sel, c.item_type())?,
                None => m.clone(),
            };
            value.push(Value::Object(m));
        }
    }
    let mut out = Map::new();
    let frag = if refs {
        "Collection($ref)".to_string()
    } else {
        match &q.select {
            Some(sel) => format!("{}({})", c.path, sel.join(",")),
            None => c.path.clone(),
        }
    };
    out.insert("@odata.context".into(), ctx.context(&frag));
    let applied = preferred.filter(|_| q.top.is_none());
    if q.count && q.skiptoken.is_none() {
        out.insert("@odata.count".into(), Value::from(total));
    }
    out.insert("value".into(), Value::Array(value));
    if let Some(next) = next {
        let token = paging::encode(&ctx.shared.secret, next, fp);
        let mut query: Vec<String> = q.raw_without_skiptoken.iter().map(|p| encode_loose(p)).collect();
        query.push(format!("$skiptoken={token}"));
        let target = format!("/v1.0{}?{}", encode_loose(&ctx.req.path), query.join("&"));
        ctx.shared.guard.issued_link(target.clone());
        out.insert("@odata.nextLink".into(), Value::String(format!("{}{}", ctx.shared.urls.origin, target)));
    }
    let resp = Response::json(StatusCode::OK, &Value::Object(out));
    Ok(match applied {
        Some(n) => {
            resp.header(hyper::header::HeaderName::from_static("preference-applied"), &format!("odata.maxpagesize={n}"))
        }
        None => resp,
    })
}
