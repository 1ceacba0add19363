//! Resolving a routed path against the store (keys, `/me`, casts, navigation, `$ref`) into a
//! [`Target`], and back: an entity URL from a location, a location from an `@odata.id` or
//! `@odata.bind` URL. Also the errors about what a path addresses.

use hyper::StatusCode;
use serde_json::{Map, Value};

use crate::context::Ctx;
use crate::entity::{is_directory, type_name};
use crate::errors::{truncate, GraphError};
use crate::mail;
use crate::router::{self, encode_segment, ODataPath, Seg};
use crate::schema::{TypeIndex, SCHEMA};
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

/// The error code Graph answers a missing entity of `ty` with.
pub(super) fn not_found_code(ty: TypeIndex) -> &'static str {
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
pub(super) fn resolve(ctx: &Ctx<'_>, store: &Store, path: &ODataPath) -> Result<Target, GraphError> {
    if let Some(i) = path.segs.iter().position(|s| matches!(s, Seg::Operation { .. })) {
        if let (Some(Seg::Operation { op, .. }), true) = (path.segs.get(i), i + 1 < path.segs.len()) {
            return Err(GraphError::not_implemented(format!(
                "Paths after the composable function '{}' are valid in Graph v1.0, but the emulator does not \
                 evaluate functions inside a path.",
                op.name
            )));
        }
    }
    let members: Vec<String> =
        path.segs.iter().filter_map(|s| if let Seg::Member(m) = s { Some(m.clone()) } else { None }).collect();
    match resolve_segments(ctx, store, path)? {
        Target::Property { ent, name, .. } => Ok(Target::Property { ent, name, members }),
        other => Ok(other),
    }
}

fn resolve_segments(ctx: &Ctx<'_>, store: &Store, path: &ODataPath) -> Result<Target, GraphError> {
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
                let id = ctx.me()?;
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
                    // A mail folder's messages live in the mailbox, filtered by folder.
                    let (owner, filter) = match mail::folder_messages(&e.loc, entity_ty, nav.name) {
                        Some((mailbox, filter)) => (mailbox, Some(filter)),
                        None => (e.loc.clone(), None),
                    };
                    Cur::Coll(CollNode {
                        kind: CollKind::Contained { owner, nav: storage, view, filter },
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
        Seg::Property { name, .. } => Ok(Some(Target::Property { ent: e, name, members: Vec::new() })),
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
        CollKind::Contained { owner, nav, view, filter } => {
            let coll = store.children(owner, nav).ok_or_else(not_found)?;
            // Well-known mail folder names (`inbox`, `SentItems`, ...) stand for their folder.
            let (key, e) = match coll.items.get(key) {
                Some(e) => (key.to_string(), e),
                None => {
                    let folder = mail::well_known_folder(owner, nav, key).ok_or_else(not_found)?;
                    let e = coll.items.get(&folder).ok_or_else(not_found)?;
                    (folder, e)
                }
            };
            if !check_type(e)
                || view.is_some_and(|v| !SCHEMA.is_a(e.ty, v))
                || filter.as_ref().is_some_and(|f| !f.admits(&e.props))
            {
                return Err(not_found());
            }
            let path = format!("{}{}", c.path, quote_key(&key));
            Ok(EntNode {
                loc: owner.child(Step { nav, key: Some(key), ty: e.ty }),
                declared: item_ty,
                path,
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

/// The entity a single-valued non-contained navigation (`manager`) points to.
pub(super) fn deref_single(
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

/// Resolves an entity URL (absolute, or relative to `/v1.0`) to a top-level entity of `target`
/// type (`@odata.id`, `@odata.bind`).
pub(super) fn resolve_url(ctx: &Ctx<'_>, store: &Store, url: &str, target: TypeIndex) -> Result<Addr, GraphError> {
    let bad = |why: &str| GraphError::bad_request(format!("Invalid object reference '{}': {why}.", truncate(url, 200)));
    let rel = match url.find("/v1.0/") {
        Some(i) if url.contains("://") || url.starts_with("/v1.0/") => &url[i + 5..],
        _ if url.contains("://") => return Err(bad("expected a URL under /v1.0/")),
        _ => url,
    };
    let rel = rel.split(['?', '#']).next().unwrap_or(rel);
    let (segments, literal): (Vec<String>, Vec<bool>) = router::split_path_marked(rel)?.into_iter().unzip();
    let routed = router::route_marked(&segments, &literal).map_err(|_| bad("not an entity URL"))?;
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

/// The canonical URL of a top-level entity (for `@odata.id`).
pub(super) fn entity_url(ctx: &Ctx<'_>, loc: &Loc) -> String {
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

/// An empty single-valued contained entity that has not been written yet.
pub(super) fn virtual_entity(loc: &Loc, declared: TypeIndex) -> Entity {
    let mut props = Map::new();
    if let Some(Step { nav, .. }) = loc.steps.last() {
        props.insert("id".into(), Value::String((*nav).to_string()));
    }
    Entity::new(declared, props)
}

/// The answer to `$value` of an entity (a media stream).
pub(super) fn media_not_implemented(ty: TypeIndex) -> GraphError {
    GraphError::not_implemented(format!("Media streams ($value of '{}') are not emulated.", type_name(ty)))
}
