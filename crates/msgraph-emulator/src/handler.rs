//! Graph request handling: resolves a routed path against the store and performs the operation
//! (collections with query options and paging, entities, properties, `$count`, `$value`, `$ref`,
//! bound operations). Synchronous: it runs under the store lock.

use hyper::header::LOCATION;
use hyper::{Method, StatusCode};
use serde_json::{Map, Value};

use crate::context::Ctx;
use crate::delta;
use crate::entity::{self, is_directory, type_name};
use crate::errors::{truncate, GraphError, HandlerResult, Response};
use crate::odata::{self, filter, QueryOptions};
use crate::paging::{self, Position};
use crate::render::{known_property, no_such_property, render, select};
use crate::router::{self, encode_loose, encode_segment, ODataPath, Seg};
use crate::rules;
use crate::schema::{Operation, OperationKind, TypeIndex, SCHEMA};
use crate::store::{self, Addr, Entity, Loc, Root, Step, Store};
use crate::target::{Binding, CollKind, CollNode, EntNode, Target};

/// Intermediate state of resolution.
enum Cur {
    Coll(CollNode),
    Ent(EntNode),
    /// A single-valued non-contained navigation, not dereferenced yet.
    SingleRef {
        owner: Loc,
        nav: &'static str,
        target: TypeIndex,
        path: String,
    },
}

fn quote_key(id: &str) -> String {
    format!("('{}')", id.replace('\'', "''"))
}

fn not_found_code(ty: TypeIndex) -> &'static str {
    if is_directory(ty) {
        "Request_ResourceNotFound"
    } else {
        "itemNotFound"
    }
}

fn users_set_type() -> Option<TypeIndex> {
    SCHEMA.entity_set("users").map(|s| s.entity_type)
}

/// Finds a top-level entity by key (or, for users, by userPrincipalName).
fn find_top(store: &Store, set: &'static str, key: &str) -> Option<(&'static str, String)> {
    if let Some((s, e)) = store.find_in_set(set, key) {
        return e.key().map(|k| (s, k.to_string()));
    }
    let user_ty = users_set_type()?;
    if !store::member_sets(set).contains(&"users") {
        return None;
    }
    let users = store.sets.get("users")?;
    users.items.iter().find_map(|(id, e)| {
        let upn = e.props.get("userPrincipalName").and_then(Value::as_str)?;
        (e.ty == user_ty || SCHEMA.is_a(e.ty, user_ty)).then_some(())?;
        upn.eq_ignore_ascii_case(key).then(|| ("users", id.clone()))
    })
}

/// Resolves a routed path against the store (404 for missing keys).
pub(crate) fn resolve(ctx: &Ctx<'_>, store: &Store, path: &ODataPath) -> Result<Target, GraphError> {
    let mut cur: Option<Cur> = None;
    let segs = path.segs.iter();
    for seg in segs {
        let next = match (cur.take(), seg) {
            (None, Seg::EntitySet(set)) => Cur::Coll(CollNode {
                kind: CollKind::Set(set.name),
                declared: set.entity_type,
                cast: None,
                path: set.name.to_string(),
            }),
            (None, Seg::Singleton(s)) if s.name == "me" => {
                let id = ctx.me();
                if store.top("users", &id).is_none() {
                    return Err(GraphError::not_found("Request_ResourceNotFound", &id));
                }
                Cur::Ent(EntNode {
                    loc: Loc { root: Root::Set("users", id.clone()), steps: vec![] },
                    declared: s.entity_type,
                    path: format!("users{}", quote_key(&id)),
                    context: "users/$entity".into(),
                    via_ref: None,
                    singleton: true,
                })
            }
            (None, Seg::Singleton(s)) => Cur::Ent(EntNode {
                loc: Loc { root: Root::Singleton(s.name), steps: vec![] },
                declared: s.entity_type,
                path: s.name.to_string(),
                context: format!("{}/$entity", s.name),
                via_ref: None,
                singleton: true,
            }),
            (Some(Cur::Coll(c)), Seg::Key(key)) => Cur::Ent(resolve_key(store, &c, key)?),
            (Some(Cur::Coll(mut c)), Seg::Cast(t)) => {
                c.cast = Some(*t);
                c.path = format!("{}/{}", c.path, type_name(*t));
                Cur::Coll(c)
            }
            (Some(Cur::SingleRef { owner, nav, target, path }), Seg::Ref) => {
                return Ok(Target::RefSingle { owner, nav, target, path })
            }
            (Some(Cur::SingleRef { owner, nav, target, path }), seg) => {
                // Dereference, then apply this segment.
                let ent = deref_single(store, &owner, nav, target, &path)?;
                let mut tmp = Some(Cur::Ent(ent));
                if let Some(t) = apply_entity_seg(store, &mut tmp, seg)? {
                    return Ok(t);
                }
                tmp.ok_or_else(|| GraphError::bad_request("Invalid path."))?
            }
            (Some(Cur::Ent(e)), seg) => {
                let mut tmp = Some(Cur::Ent(e));
                if let Some(t) = apply_entity_seg(store, &mut tmp, seg)? {
                    return Ok(t);
                }
                tmp.ok_or_else(|| GraphError::bad_request("Invalid path."))?
            }
            (Some(Cur::Coll(c)), Seg::Count) => return Ok(Target::Count(c)),
            (Some(Cur::Coll(c)), Seg::Ref) => return Ok(Target::RefColl(c)),
            (Some(Cur::Coll(c)), Seg::Operation { op, args }) => {
                return Ok(Target::Operation { binding: Binding::Coll(c), op, args: args.clone() })
            }
            (_, seg) => return Err(GraphError::bad_request(format!("Unexpected path segment {seg:?}."))),
        };
        cur = Some(next);
    }
    match cur {
        Some(Cur::Coll(c)) => Ok(Target::Coll(c)),
        Some(Cur::Ent(e)) => Ok(Target::Ent(e)),
        Some(Cur::SingleRef { owner, nav, target, path }) => {
            Ok(Target::Ent(deref_single(store, &owner, nav, target, &path)?))
        }
        None => Err(GraphError::bad_request("Empty path.")),
    }
}

/// Applies a segment that follows an entity. Returns a terminal target, or leaves the new
/// current node in `cur`.
fn apply_entity_seg(store: &Store, cur: &mut Option<Cur>, seg: &Seg) -> Result<Option<Target>, GraphError> {
    let Some(Cur::Ent(e)) = cur.take() else { return Err(GraphError::bad_request("Invalid path.")) };
    let entity_ty = store.entity(&e.loc).map_or(e.declared, |x| x.ty);
    match seg {
        Seg::Nav(nav) => {
            let path = format!("{}/{}", e.path, nav.name);
            *cur = Some(match (nav.contains_target, nav.collection) {
                (true, true) => {
                    let (storage, view) = store::storage_nav(e.declared, nav.name, nav.target);
                    Cur::Coll(CollNode {
                        kind: CollKind::Contained { owner: e.loc.clone(), nav: storage, view },
                        declared: nav.target,
                        cast: None,
                        path,
                    })
                }
                (true, false) => Cur::Ent(EntNode {
                    loc: e.loc.child(Step { nav: nav.name, key: None, ty: nav.target }),
                    declared: nav.target,
                    context: format!("{path}/$entity"),
                    path,
                    via_ref: None,
                    singleton: true,
                }),
                (false, true) => Cur::Coll(CollNode {
                    kind: CollKind::Refs { owner: e.loc.clone(), nav: nav.name },
                    declared: nav.target,
                    cast: None,
                    path,
                }),
                (false, false) => Cur::SingleRef { owner: e.loc.clone(), nav: nav.name, target: nav.target, path },
            });
            Ok(None)
        }
        Seg::Cast(t) => {
            if !SCHEMA.is_a(entity_ty, *t) {
                return Err(GraphError::not_found(not_found_code(*t), e.loc_key()));
            }
            let mut e = e;
            e.declared = *t;
            e.path = format!("{}/{}", e.path, type_name(*t));
            *cur = Some(Cur::Ent(e));
            Ok(None)
        }
        Seg::Property { name, .. } => Ok(Some(Target::Property { ent: e, name })),
        Seg::Value => Ok(Some(Target::Media(e))),
        Seg::Ref => {
            if e.via_ref.is_some() {
                Ok(Some(Target::RefEnt(e)))
            } else {
                Err(GraphError::bad_request("$ref is only valid on a navigation property that is not contained."))
            }
        }
        Seg::Operation { op, args } => Ok(Some(Target::Operation { binding: Binding::Ent(e), op, args: args.clone() })),
        other => Err(GraphError::bad_request(format!("Unexpected path segment {other:?}."))),
    }
}

fn resolve_key(store: &Store, c: &CollNode, key: &str) -> Result<EntNode, GraphError> {
    let item_ty = c.item_type();
    let not_found = || GraphError::not_found(not_found_code(item_ty), key);
    let check_type = |e: &Entity| SCHEMA.is_a(e.ty, item_ty);
    match &c.kind {
        CollKind::Set(set) => {
            let (storage, id) = find_top(store, set, key).ok_or_else(not_found)?;
            let e = store.top(storage, &id).ok_or_else(not_found)?;
            if !check_type(e) {
                return Err(not_found());
            }
            let base = c.path.split('/').next().unwrap_or(set);
            Ok(EntNode {
                loc: Loc { root: Root::Set(storage, id.clone()), steps: vec![] },
                declared: item_ty,
                path: format!("{base}{}", quote_key(&id)),
                context: format!("{}/$entity", c.path),
                via_ref: None,
                singleton: false,
            })
        }
        CollKind::Contained { owner, nav, view } => {
            let coll = store.children(owner, nav).ok_or_else(not_found)?;
            let e = coll.items.get(key).ok_or_else(not_found)?;
            if !check_type(e) || view.is_some_and(|v| !SCHEMA.is_a(e.ty, v)) {
                return Err(not_found());
            }
            Ok(EntNode {
                loc: owner.child(Step { nav, key: Some(key.to_string()), ty: e.ty }),
                declared: item_ty,
                path: format!("{}{}", c.path, quote_key(key)),
                context: format!("{}/$entity", c.path),
                via_ref: None,
                singleton: false,
            })
        }
        CollKind::Refs { owner, nav } => {
            let owner_e = store.entity(owner).ok_or_else(not_found)?;
            let addr = owner_e
                .refs
                .get(nav)
                .and_then(|refs| refs.iter().find(|a| a.id == key && store.resolve_addr(a).is_some()))
                .ok_or_else(not_found)?;
            let e = store.resolve_addr(addr).ok_or_else(not_found)?;
            if !check_type(e) {
                return Err(not_found());
            }
            Ok(EntNode {
                loc: Loc { root: Root::Set(addr.set, addr.id.clone()), steps: vec![] },
                declared: item_ty,
                path: format!("{}{}", c.path, quote_key(key)),
                context: format!("{}/$entity", c.path),
                via_ref: Some((owner.clone(), nav)),
                singleton: false,
            })
        }
    }
}

fn deref_single(
    store: &Store,
    owner: &Loc,
    nav: &'static str,
    target: TypeIndex,
    path: &str,
) -> Result<EntNode, GraphError> {
    let addr = store
        .entity(owner)
        .and_then(|e| e.refs.get(nav))
        .and_then(|refs| refs.iter().find(|a| store.resolve_addr(a).is_some()))
        .ok_or_else(|| GraphError::not_found(not_found_code(target), nav))?;
    Ok(EntNode {
        loc: Loc { root: Root::Set(addr.set, addr.id.clone()), steps: vec![] },
        declared: target,
        path: path.to_string(),
        context: format!("{}/$entity", type_set_name(target)),
        via_ref: None,
        singleton: true,
    })
}

fn type_set_name(ty: TypeIndex) -> &'static str {
    SCHEMA
        .entity_sets
        .iter()
        .find(|s| s.entity_type == ty)
        .or_else(|| SCHEMA.entity_sets.iter().find(|s| SCHEMA.is_a(ty, s.entity_type)))
        .map_or("entities", |s| s.name)
}

// ---------------------------------------------------------------------------------------------
// Entry point

/// Handles one Graph request (the caller is authenticated; faults already applied).
pub(crate) fn handle(ctx: &Ctx<'_>) -> HandlerResult {
    let segments = router::split_path(&ctx.req.path)?;
    let path = router::route(&segments)?;
    let q = odata::parse_query(&ctx.req.query)?;
    if q.expand.is_some() {
        return Err(GraphError::not_implemented(
            "$expand is not supported by the emulator: request the navigation property's own URL instead.",
        ));
    }
    if q.skiptoken.is_some() {
        ctx.shared.guard.check_link(&ctx.req.target());
    }
    if q.deltatoken.as_deref().is_some_and(|t| !t.eq_ignore_ascii_case("latest")) {
        ctx.shared.guard.check_delta_link(&ctx.req.target());
    }
    let method = ctx.req.method.clone();
    if method == Method::GET {
        let store = ctx.shared.read();
        let target = resolve(ctx, &store, &path)?;
        check_options(&target, &q)?;
        if let (Target::Operation { binding: Binding::Coll(c), .. }, true) = (&target, delta::is_delta(&target)) {
            return delta::respond(ctx, &store, c, &q, &segments);
        }
        read(ctx, &store, target, &q, &segments)
    } else if matches!(method, Method::POST | Method::PATCH | Method::PUT | Method::DELETE) {
        let body = if matches!(method, Method::DELETE) { None } else { ctx.req.json_body()? };
        let mut store = ctx.shared.write();
        let target = resolve(ctx, &store, &path)?;
        check_options(&target, &q)?;
        write(ctx, &mut store, target, &method, body)
    } else {
        Err(GraphError::method_not_allowed(method.as_str(), "this resource"))
    }
}

fn check_options(target: &Target, q: &QueryOptions) -> Result<(), GraphError> {
    if q.deltatoken.is_some() && !delta::is_delta(target) {
        return Err(GraphError::bad_request("The query option $deltatoken is only valid on delta functions."));
    }
    let collection =
        matches!(target, Target::Coll(_) | Target::Count(_) | Target::RefColl(_) | Target::Operation { .. });
    if q.has_collection_options && !collection {
        return Err(GraphError::bad_request(
            "The query options $filter, $orderby, $top, $skip, $count and $search are only valid on collections.",
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Reading

/// An empty single-valued contained entity that has not been written yet.
fn virtual_entity(loc: &Loc, declared: TypeIndex) -> Entity {
    let mut props = Map::new();
    if let Some(Step { nav, .. }) = loc.steps.last() {
        props.insert("id".into(), Value::String((*nav).to_string()));
    }
    Entity::new(declared, props)
}

fn read(ctx: &Ctx<'_>, store: &Store, target: Target, q: &QueryOptions, segments: &[String]) -> HandlerResult {
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
        Target::Property { ent, name } => {
            let is_value = segments.last().is_some_and(|s| s == "$value");
            let value = store.entity(&ent.loc).and_then(|x| {
                let rendered = render(ctx.shared, store, &ent.loc, x, ent.declared);
                rendered.get(name).cloned()
            });
            match value {
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
                    out.insert("@odata.context".into(), ctx.context(&format!("{}/{name}", ent.path)));
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
        Target::RefEnt(e) => {
            let mut out = Map::new();
            out.insert("@odata.context".into(), ctx.context("$ref"));
            out.insert("@odata.id".into(), Value::String(entity_url(ctx, &e.loc)));
            Ok(Response::json(StatusCode::OK, &Value::Object(out)))
        }
        Target::RefSingle { owner, nav, target, path } => {
            let e = deref_single(store, &owner, nav, target, &path)?;
            let mut out = Map::new();
            out.insert("@odata.context".into(), ctx.context("$ref"));
            out.insert("@odata.id".into(), Value::String(entity_url(ctx, &e.loc)));
            Ok(Response::json(StatusCode::OK, &Value::Object(out)))
        }
        Target::Operation { binding, op, args } => operation(ctx, None, binding, op, args, &Method::GET, None),
        Target::Media(e) => Err(media_not_implemented(e.declared)),
    }
}

fn media_not_implemented(ty: TypeIndex) -> GraphError {
    GraphError::not_implemented(format!("Media streams ($value of '{}') are not emulated.", type_name(ty)))
}

/// The canonical URL of a top-level entity (for `@odata.id`).
fn entity_url(ctx: &Ctx<'_>, loc: &Loc) -> String {
    match &loc.root {
        Root::Set(set, id) => {
            let set = if SCHEMA.entity_set(set).is_some_and(|s| is_directory(s.entity_type)) {
                "directoryObjects"
            } else {
                set
            };
            format!("{}/{set}/{}", ctx.shared.urls.base, encode_segment(id))
        }
        Root::Singleton(name) => format!("{}/{name}", ctx.shared.urls.base),
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
        CollKind::Contained { owner, nav, view } => {
            if let Some(coll) = store.children(owner, nav) {
                for (id, e) in &coll.items {
                    if view.is_none_or(|v| SCHEMA.is_a(e.ty, v)) {
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

// ---------------------------------------------------------------------------------------------
// Writing

fn write(
    ctx: &Ctx<'_>,
    store: &mut Store,
    target: Target,
    method: &Method,
    body: Option<Map<String, Value>>,
) -> HandlerResult {
    match (target, method) {
        (Target::Coll(c), &Method::POST) => create(ctx, store, &c, body),
        (Target::Coll(_), m) => Err(GraphError::method_not_allowed(m.as_str(), "a collection")),
        (Target::Ent(e), &Method::PATCH) => update(ctx, store, &e, body),
        (Target::Ent(e), &Method::DELETE) => delete(ctx, store, &e),
        (Target::Ent(_), m) => Err(GraphError::method_not_allowed(m.as_str(), "an entity: use PATCH to update")),
        (Target::RefColl(c), &Method::POST) => {
            let CollKind::Refs { owner, nav } = &c.kind else {
                return Err(GraphError::bad_request(
                    "$ref is only valid on a navigation property that is not contained.",
                ));
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
        (Target::RefEnt(e), &Method::DELETE) => {
            let Some((owner, nav)) = &e.via_ref else {
                return Err(GraphError::bad_request(
                    "$ref is only valid on a navigation property that is not contained.",
                ));
            };
            let Some(addr) = e.loc.as_addr() else { return Err(GraphError::bad_request("Invalid reference.")) };
            store.remove_ref(owner, nav, &addr);
            Ok(Response::empty(StatusCode::NO_CONTENT))
        }
        (Target::RefSingle { owner, nav, target, .. }, &Method::PUT) => {
            let addr = ref_body(ctx, store, body, target)?;
            store.add_ref(&owner, nav, addr, true)?;
            Ok(Response::empty(StatusCode::NO_CONTENT))
        }
        (Target::RefSingle { owner, nav, target, .. }, &Method::DELETE) => {
            let current: Vec<Addr> = store.entity(&owner).and_then(|e| e.refs.get(nav)).cloned().unwrap_or_default();
            if current.iter().all(|a| store.resolve_addr(a).is_none()) {
                return Err(GraphError::not_found(not_found_code(target), nav));
            }
            for a in current {
                store.remove_ref(&owner, nav, &a);
            }
            Ok(Response::empty(StatusCode::NO_CONTENT))
        }
        (Target::RefColl(_) | Target::RefEnt(_) | Target::RefSingle { .. }, m) => Err(GraphError::method_not_allowed(
            m.as_str(),
            "a $ref (use POST on a collection's $ref, PUT on a single-valued $ref, DELETE on a member's $ref)",
        )),
        (Target::Operation { binding, op, args }, m) => operation(ctx, Some(store), binding, op, args, m, body),
        (Target::Property { .. } | Target::Count(_), m) => {
            Err(GraphError::method_not_allowed(m.as_str(), "a property or $count: PATCH the entity instead"))
        }
        (Target::Media(e), _) => Err(media_not_implemented(e.declared)),
    }
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

/// Resolves an entity URL (absolute, or relative to `/v1.0`) to a top-level entity of `target`
/// type (`@odata.id`, `@odata.bind`).
pub(crate) fn resolve_url(ctx: &Ctx<'_>, store: &Store, url: &str, target: TypeIndex) -> Result<Addr, GraphError> {
    let bad = |why: &str| GraphError::bad_request(format!("Invalid object reference '{}': {why}.", truncate(url, 200)));
    let rel = match url.find("/v1.0/") {
        Some(i) if url.contains("://") || url.starts_with("/v1.0/") => &url[i + 5..],
        _ if url.contains("://") => return Err(bad("expected a URL under /v1.0/")),
        _ => url,
    };
    let rel = rel.split(['?', '#']).next().unwrap_or(rel);
    let segments = router::split_path(rel)?;
    let routed = router::route(&segments).map_err(|_| bad("not an entity URL"))?;
    let resolved = resolve(ctx, store, &routed).map_err(|e| {
        if e.status == StatusCode::NOT_FOUND {
            GraphError::not_found(not_found_code(target), segments.last().map_or("", |s| s.as_str()))
        } else {
            bad("not an entity URL")
        }
    })?;
    let Target::Ent(e) = resolved else { return Err(bad("not an entity URL")) };
    let addr = e.loc.as_addr().ok_or_else(|| bad("references must point to entities of an entity set"))?;
    let ent = store.resolve_addr(&addr).ok_or_else(|| bad("no such entity"))?;
    if !SCHEMA.is_a(ent.ty, target) {
        return Err(bad(&format!("the entity is a '{}', expected '{}'", type_name(ent.ty), type_name(target))));
    }
    Ok(addr)
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
    let checked = entity::check_body(ty, &body)?;
    if let Some((nav, _)) = checked.nested.first() {
        return Err(GraphError::not_implemented(format!(
            "Deep insert (the navigation property '{}' in a create body) is not supported by the emulator.",
            nav.name
        )));
    }
    let mut props = checked.props;
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
    let entity = Entity::new(ty, props);
    let (loc, context) = match &c.kind {
        CollKind::Set(set) => {
            let storage = store::storage_set_for(set, ty);
            if store.find_in_set(set, &id).is_some() {
                return Err(conflict_key(&id));
            }
            store.sets.entry(storage).or_default().items.insert(id.clone(), entity);
            store.changes.record(storage, &id, ty, false);
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

// ---------------------------------------------------------------------------------------------
// Operations

fn operation(
    ctx: &Ctx<'_>,
    store: Option<&mut Store>,
    binding: Binding,
    op: &'static Operation,
    args: Option<String>,
    method: &Method,
    body: Option<Map<String, Value>>,
) -> HandlerResult {
    let expected = match op.kind {
        OperationKind::Action => Method::POST,
        OperationKind::Function => Method::GET,
    };
    if *method != expected {
        return Err(GraphError::method_not_allowed(
            method.as_str(),
            &format!(
                "the {} '{}' (call it with {expected})",
                if op.kind == OperationKind::Action { "action" } else { "function" },
                op.name
            ),
        ));
    }
    if let (OperationKind::Action, Some(body)) = (op.kind, &body) {
        for key in body.keys().filter(|k| !k.starts_with('@')) {
            if !op.parameters.iter().any(|(p, _)| p == key) {
                return Err(GraphError::bad_request(format!(
                    "The parameter '{}' is not in scope of the action '{}'.",
                    truncate(key, 100),
                    op.name
                )));
            }
        }
    }
    if let Some(store) = store {
        if let Some(result) = rules::operation(ctx.shared, store, &binding, op, body.as_ref()) {
            return result;
        }
    }
    let _ = args; // checked by the router (overload resolution)
    let bound_to = match &binding {
        Binding::Coll(c) => format!("a collection of '{}'", type_name(c.item_type())),
        Binding::Ent(e) => format!("'{}'", type_name(e.declared)),
    };
    Err(GraphError::not_implemented(format!(
        "The {} '{}' bound to {bound_to} exists in Graph v1.0, but the emulator has no handler for it.",
        if op.kind == OperationKind::Action { "action" } else { "function" },
        op.name
    )))
}
