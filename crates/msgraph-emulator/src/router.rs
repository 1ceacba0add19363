//! Schema-aware URL routing: turns the path after `/v1.0` into a typed OData path using
//! `SCHEMA` (entity sets, singletons, navigation properties, structural
//! properties, type casts, bound operations, `$count`, `$value`, `$ref`). Pure: it does not look
//! at the data; [`crate::handler`] resolves keys against the store afterwards.
//!
//! * Segments are split on `/` *before* percent-decoding, so an id containing `%2F` stays one
//!   segment; each segment is then decoded as UTF-8 (invalid UTF-8 → 400).
//! * Keys: `/users/{id}`, `/users('{id}')` (`''` escapes a quote), `/users(id='{id}')`.
//! * Names match exactly first, then ASCII-case-insensitively (Graph's URLs are
//!   case-insensitive).

use crate::errors::{truncate, GraphError};
use crate::schema::{EntitySet, Navigation, Operation, OperationKind, TypeIndex, SCHEMA};

/// One resolved path segment.
#[derive(Debug, Clone)]
pub(crate) enum Seg {
    EntitySet(&'static EntitySet),
    Singleton(&'static EntitySet),
    Key(String),
    Nav(&'static Navigation),
    Cast(TypeIndex),
    Property {
        name: &'static str,
    },
    /// A member of a complex-typed property (`mailboxSettings/automaticRepliesSetting`). The
    /// routing schema has no complex types, so the name is not checked against one.
    Member(String),
    Count,
    Value,
    Ref,
    Operation {
        op: &'static Operation,
        args: Option<String>,
    },
}

/// What the whole path addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    Collection,
    Entity,
    Property,
    Count,
    Value,
    Ref,
    Operation,
}

/// A routed path.
#[derive(Debug, Clone)]
#[cfg_attr(not(test), allow(dead_code))] // `shape` and `ty` describe the path for tests and debugging
pub(crate) struct ODataPath {
    pub(crate) segs: Vec<Seg>,
    pub(crate) shape: Shape,
    /// Entity type of the addressed collection/entity (after casts); for properties and
    /// operations, the type that owns them.
    pub(crate) ty: TypeIndex,
}

/// Splits a raw path (`/users/a%2Fb/x`) into decoded segments.
pub(crate) fn split_path(raw: &str) -> Result<Vec<String>, GraphError> {
    Ok(split_path_marked(raw)?.into_iter().map(|(s, _)| s).collect())
}

/// Splits a raw path into decoded segments, each with whether it is a *literal*: a segment
/// whose OData syntax characters were percent-encoded (`%24count`, `delta%28%29`), which Graph
/// reads as a key rather than as `$count` or a function call. Precisely: the decoded segment
/// starts with `$` the raw one does not start with, or ends with `)` the raw one does not end
/// with.
pub(crate) fn split_path_marked(raw: &str) -> Result<Vec<(String, bool)>, GraphError> {
    let trimmed = raw.strip_prefix('/').unwrap_or(raw);
    let trimmed = trimmed.strip_suffix('/').unwrap_or(trimmed);
    if trimmed.is_empty() {
        return Ok(Vec::new());
    }
    trimmed
        .split('/')
        .map(|seg| {
            if seg.is_empty() {
                return Err(GraphError::bad_request("The request URL contains an empty path segment."));
            }
            let decoded =
                percent_encoding::percent_decode_str(seg).decode_utf8().map(|s| s.into_owned()).map_err(|_| {
                    GraphError::bad_request(format!(
                        "The URL segment '{}' is not valid percent-encoded UTF-8.",
                        truncate(seg, 100)
                    ))
                })?;
            let literal =
                (decoded.starts_with('$') && !seg.starts_with('$')) || (decoded.ends_with(')') && !seg.ends_with(')'));
            Ok((decoded, literal))
        })
        .collect()
}

/// Percent-encodes only what may not appear in a URL (spaces, quotes, non-ASCII, ...), leaving
/// valid text — existing `%XX` escapes included — exactly as it was. Requests that came over
/// HTTP are unchanged by it; raw `$batch` item URLs become valid next links.
pub(crate) fn encode_loose(s: &str) -> String {
    const INVALID: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
        .add(b' ')
        .add(b'"')
        .add(b'<')
        .add(b'>')
        .add(b'`')
        .add(b'#')
        .add(b'{')
        .add(b'}')
        .add(b'|')
        .add(b'\\')
        .add(b'^');
    percent_encoding::utf8_percent_encode(s, INVALID).to_string()
}

/// Percent-encodes an id for use as one URL path segment.
pub(crate) fn encode_segment(s: &str) -> String {
    const SET: &percent_encoding::AsciiSet =
        &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~').remove(b'@');
    percent_encoding::utf8_percent_encode(s, SET).to_string()
}

/// Splits `name(args)` into `("name", Some("args"))`.
pub(crate) fn split_parens(seg: &str) -> (&str, Option<&str>) {
    if let (Some(open), true) = (seg.find('('), seg.ends_with(')')) {
        if open > 0 {
            return (&seg[..open], Some(&seg[open + 1..seg.len() - 1]));
        }
    }
    (seg, None)
}

/// Parses the inside of `(...)` after an entity set or collection: `'id'`, `id='id'`, `id`.
pub(crate) fn parse_key(args: &str) -> Result<String, GraphError> {
    let bad = || GraphError::bad_request(format!("The key '({})' is not a valid key.", truncate(args, 100)));
    let mut value = args.trim();
    if let Some((name, rest)) = value.split_once('=') {
        if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && !name.is_empty() {
            value = rest.trim();
        }
    }
    if let Some(inner) = value.strip_prefix('\'') {
        let Some(inner) = inner.strip_suffix('\'') else { return Err(bad()) };
        // Inside the quotes a single quote must be doubled.
        let mut out = String::with_capacity(inner.len());
        let mut chars = inner.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\'' {
                if chars.peek() == Some(&'\'') {
                    chars.next();
                } else {
                    return Err(bad());
                }
            }
            out.push(c);
        }
        return Ok(out);
    }
    if value.is_empty() || value.contains(['\'', ',', '(', ')']) {
        return Err(bad());
    }
    Ok(value.to_string())
}

fn find_ci<'a, T>(items: &'a [T], name: &str, key: impl Fn(&T) -> &str) -> Option<&'a T> {
    items.iter().find(|t| key(t) == name).or_else(|| items.iter().find(|t| key(t).eq_ignore_ascii_case(name)))
}

fn type_name(ty: TypeIndex) -> &'static str {
    SCHEMA.entity_type_at(ty).map_or("?", |t| t.name)
}

/// A navigation property of `ty` (own or inherited), case-insensitively as a fallback.
pub(crate) fn navigation(ty: TypeIndex, name: &str) -> Option<&'static Navigation> {
    SCHEMA.navigation(ty, name).or_else(|| {
        SCHEMA.ancestry(ty).find_map(|(_, t)| t.navigations.iter().find(|n| n.name.eq_ignore_ascii_case(name)))
    })
}

/// A structural property of `ty` (own or inherited): `(name, type)`.
pub(crate) fn property(ty: TypeIndex, name: &str) -> Option<(&'static str, &'static str)> {
    SCHEMA.ancestry(ty).find_map(|(_, t)| t.properties.iter().find(|p| p.0 == name).copied()).or_else(|| {
        SCHEMA.ancestry(ty).find_map(|(_, t)| t.properties.iter().find(|p| p.0.eq_ignore_ascii_case(name)).copied())
    })
}

/// An entity type by qualified name, case-insensitively as a fallback.
pub(crate) fn entity_type(name: &str) -> Option<TypeIndex> {
    if let Some((i, _)) = SCHEMA.entity_type(name) {
        return Some(i);
    }
    if !name.contains('.') {
        return None;
    }
    let name = name.strip_prefix('#').unwrap_or(name);
    SCHEMA.entity_types.iter().position(|t| t.name.eq_ignore_ascii_case(name)).and_then(|i| TypeIndex::try_from(i).ok())
}

/// The parameter names of `name=value,name='v,a''lue'` (function parameters in the URL).
pub(crate) fn function_parameter_names(args: &str) -> Result<Vec<String>, GraphError> {
    let mut names = Vec::new();
    let mut rest = args.trim();
    while !rest.is_empty() {
        let Some((name, after)) = rest.split_once('=') else {
            return Err(GraphError::bad_request(format!(
                "Invalid function parameters '({})': expected name=value pairs.",
                truncate(args, 100)
            )));
        };
        names.push(name.trim().to_string());
        // Skip the value: a quoted string ('' escapes a quote) or anything up to the next comma.
        let after = after.trim_start();
        let end = if let Some(quoted) = after.strip_prefix('\'') {
            let mut i = 0;
            let bytes = quoted.as_bytes();
            loop {
                match bytes.get(i) {
                    None => {
                        return Err(GraphError::bad_request(format!(
                            "Unterminated string in the function parameters '({})'.",
                            truncate(args, 100)
                        )))
                    }
                    Some(b'\'') if bytes.get(i + 1) == Some(&b'\'') => i += 2,
                    Some(b'\'') => break i + 2,
                    Some(_) => i += 1,
                }
            }
        } else {
            after.find(',').unwrap_or(after.len())
        };
        rest = after.get(end..).unwrap_or("").trim_start().trim_start_matches(',').trim_start();
    }
    Ok(names)
}

/// Picks the overload of a bound operation whose parameters match the URL's `name=value` list
/// (functions); `Ok(None)` when no operation has that name.
fn pick_operation(
    ty: TypeIndex,
    collection: bool,
    name: &str,
    args: Option<&str>,
) -> Result<Option<&'static Operation>, GraphError> {
    let Some(first) = bound_operation(ty, collection, name) else { return Ok(None) };
    let Some(args) = args.filter(|a| !a.trim().is_empty()) else { return Ok(Some(first)) };
    if first.kind == OperationKind::Action {
        return Ok(Some(first)); // reported below: actions take no URL parameters
    }
    let given = function_parameter_names(args)?;
    let candidates: Vec<&'static Operation> = SCHEMA
        .ancestry(ty)
        .flat_map(|(t, _)| {
            SCHEMA
                .operations
                .iter()
                .filter(move |op| op.binding == t && op.binding_collection == collection && op.name == first.name)
        })
        .collect();
    let fits = |op: &'static Operation| given.iter().all(|g| op.parameters.iter().any(|(p, _)| p == g));
    // Prefer an exact parameter count, then any overload that accepts every given name.
    if let Some(op) = candidates.iter().copied().find(|op| fits(op) && op.parameters.len() == given.len()) {
        return Ok(Some(op));
    }
    if let Some(op) = candidates.iter().copied().find(|op| fits(op)) {
        return Ok(Some(op));
    }
    let unknown = given.iter().find(|g| !candidates.iter().any(|op| op.parameters.iter().any(|(p, _)| p == *g)));
    Err(GraphError::bad_request(match unknown {
        Some(u) => format!("The parameter '{}' is not in scope of the function '{}'.", truncate(u, 100), first.name),
        None => format!("No overload of the function '{}' takes the parameters ({}).", first.name, given.join(", ")),
    }))
}

fn bound_operation(ty: TypeIndex, collection: bool, name: &str) -> Option<&'static Operation> {
    SCHEMA.bound_operation(ty, collection, name).or_else(|| {
        // Case-insensitive fallback over the ancestry.
        SCHEMA.ancestry(ty).find_map(|(t, _)| {
            SCHEMA.operations.iter().find(|op| {
                op.binding == t
                    && op.binding_collection == collection
                    && (op.name.eq_ignore_ascii_case(name)
                        || op.name.rsplit('.').next().is_some_and(|s| s.eq_ignore_ascii_case(name)))
            })
        })
    })
}

/// Whether an operation of that name exists for the *other* binding (collection vs entity) —
/// used to give a precise error.
fn bound_elsewhere(ty: TypeIndex, collection: bool, name: &str) -> bool {
    bound_operation(ty, !collection, name).is_some()
}

#[derive(Clone, Copy)]
enum State {
    /// A collection; `noncontained` when reached through a non-contained navigation.
    Collection {
        ty: TypeIndex,
        noncontained: bool,
    },
    /// A single entity; `noncontained` when it is a member of a non-contained navigation (or a
    /// single-valued non-contained navigation), so `$ref` applies.
    Entity {
        ty: TypeIndex,
        noncontained: bool,
    },
    Property {
        edm: &'static str,
    },
    /// Inside a complex value (after a member segment): its type is not in the routing schema.
    Member,
    Terminal,
}

/// Routes a raw path (`/users/delta%28%29`): segments whose syntax was percent-encoded are
/// keys (see [`split_path_marked`]).
pub(crate) fn route_path(raw: &str) -> Result<(Vec<String>, ODataPath), GraphError> {
    let (segments, literal): (Vec<String>, Vec<bool>) = split_path_marked(raw)?.into_iter().unzip();
    let path = route_marked(&segments, &literal)?;
    Ok((segments, path))
}

/// Routes decoded segments (the path after `/v1.0`); `literal[i]` marks segment `i` as a key whatever it looks like
/// (missing entries are not literal).
pub(crate) fn route_marked(segments: &[String], literal: &[bool]) -> Result<ODataPath, GraphError> {
    let Some(first) = segments.first() else {
        return Err(GraphError::bad_request("The request URL has no resource path: try /v1.0/me or /v1.0/users."));
    };
    let mut segs = Vec::new();
    let mut shape;
    let mut state;
    let mut owner_ty;

    // First segment: entity set (with optional inline key) or singleton.
    let (name, args) = split_parens(first);
    if first == "$metadata" {
        return Err(GraphError::not_implemented(
            "The emulator does not serve $metadata: it routes by the SDK's compiled schema and ships no CSDL.",
        ));
    }
    if first.starts_with('$') {
        return Err(GraphError::segment_not_found(first));
    }
    if let Some(set) = find_ci(SCHEMA.entity_sets, first, |s| s.name) {
        segs.push(Seg::EntitySet(set));
        state = State::Collection { ty: set.entity_type, noncontained: false };
        shape = Shape::Collection;
        owner_ty = set.entity_type;
    } else if let Some(single) = find_ci(SCHEMA.singletons, first, |s| s.name) {
        segs.push(Seg::Singleton(single));
        state = State::Entity { ty: single.entity_type, noncontained: false };
        shape = Shape::Entity;
        owner_ty = single.entity_type;
    } else if let (Some(args), Some(set)) = (args, find_ci(SCHEMA.entity_sets, name, |s| s.name)) {
        segs.push(Seg::EntitySet(set));
        segs.push(Seg::Key(parse_key(args)?));
        state = State::Entity { ty: set.entity_type, noncontained: false };
        shape = Shape::Entity;
        owner_ty = set.entity_type;
    } else {
        return Err(GraphError::segment_not_found(first));
    }

    for (index, seg) in segments.iter().enumerate().skip(1) {
        let literal = literal.get(index).copied().unwrap_or(false);
        match state {
            State::Terminal => {
                return Err(GraphError::bad_request(format!(
                    "The segment '{}' cannot follow '{}': nothing may follow $count, $value, $ref or an operation.",
                    truncate(seg, 100),
                    segments.iter().take_while(|s| *s != seg).last().map_or("", |s| s.as_str())
                )))
            }
            State::Property { .. } | State::Member if literal => {
                return Err(GraphError::segment_not_found(seg));
            }
            State::Collection { ty, noncontained } if literal => {
                // An encoded `$count` or `delta()`: a key, as Graph reads it.
                segs.push(Seg::Key(seg.clone()));
                shape = Shape::Entity;
                state = State::Entity { ty, noncontained };
            }
            State::Property { edm } => {
                if seg == "$value" {
                    segs.push(Seg::Value);
                    shape = Shape::Value;
                    state = State::Terminal;
                } else if !edm.starts_with("Edm.") && !edm.starts_with("Collection(") && !seg.starts_with('$') {
                    // A member of a complex value (enum values have none: the store's JSON
                    // has no member to answer with).
                    segs.push(Seg::Member(seg.clone()));
                    state = State::Member;
                } else {
                    return Err(GraphError::segment_not_found(seg));
                }
            }
            State::Member => {
                if seg.starts_with('$') {
                    return Err(GraphError::segment_not_found(seg));
                }
                segs.push(Seg::Member(seg.clone()));
            }
            State::Collection { ty, noncontained } => {
                if seg == "$count" {
                    segs.push(Seg::Count);
                    shape = Shape::Count;
                    state = State::Terminal;
                    continue;
                }
                if seg == "$ref" {
                    if !noncontained {
                        return Err(GraphError::bad_request(
                            "$ref is only valid on a navigation property that is not contained.",
                        ));
                    }
                    segs.push(Seg::Ref);
                    shape = Shape::Ref;
                    state = State::Terminal;
                    continue;
                }
                if seg.starts_with('$') {
                    return Err(GraphError::segment_not_found(seg));
                }
                if let Some(cast) = entity_type(seg) {
                    if !(SCHEMA.is_a(cast, ty) || SCHEMA.is_a(ty, cast)) {
                        return Err(incompatible_cast(cast, ty));
                    }
                    segs.push(Seg::Cast(cast));
                    state = State::Collection { ty: cast, noncontained };
                    owner_ty = cast;
                    continue;
                }
                let (name, args) = split_parens(seg);
                if let Some(op) = pick_operation(ty, true, name, args)? {
                    segs.push(Seg::Operation { op, args: args.map(String::from) });
                    shape = Shape::Operation;
                    owner_ty = ty;
                    state = after_operation(op);
                    continue;
                }
                // Otherwise: a key.
                segs.push(Seg::Key(seg.clone()));
                shape = Shape::Entity;
                state = State::Entity { ty, noncontained };
            }
            State::Entity { ty, noncontained } => {
                if seg == "$ref" {
                    if !noncontained {
                        return Err(GraphError::bad_request(
                            "$ref is only valid on a navigation property that is not contained.",
                        ));
                    }
                    segs.push(Seg::Ref);
                    shape = Shape::Ref;
                    state = State::Terminal;
                    continue;
                }
                if seg == "$value" {
                    // A derived type may be the media entity (an attachment's `$value` is a
                    // fileAttachment's content).
                    let has_stream = SCHEMA.entity_type_at(ty).is_some_and(|t| t.has_stream)
                        || SCHEMA.derived_types(ty).any(|(_, t)| t.has_stream);
                    if !has_stream {
                        return Err(GraphError::bad_request(format!(
                            "$value is only valid on media entities and primitive properties; '{}' is neither.",
                            type_name(ty)
                        )));
                    }
                    segs.push(Seg::Value);
                    shape = Shape::Value;
                    state = State::Terminal;
                    continue;
                }
                if seg == "$count" {
                    return Err(GraphError::bad_request("$count is only valid on collections."));
                }
                if seg.starts_with('$') {
                    return Err(GraphError::segment_not_found(seg));
                }
                let (name, args) = split_parens(seg);
                if let Some(nav) = navigation(ty, seg).or_else(|| args.and_then(|_| navigation(ty, name))) {
                    segs.push(Seg::Nav(nav));
                    owner_ty = nav.target;
                    let nc = !nav.contains_target;
                    if nav.collection {
                        if args.is_some() && navigation(ty, seg).is_none() {
                            // nav('key')
                            segs.push(Seg::Key(parse_key(args.unwrap_or_default())?));
                            state = State::Entity { ty: nav.target, noncontained: nc };
                            shape = Shape::Entity;
                        } else {
                            state = State::Collection { ty: nav.target, noncontained: nc };
                            shape = Shape::Collection;
                        }
                    } else {
                        if args.is_some() && navigation(ty, seg).is_none() {
                            return Err(GraphError::bad_request(format!(
                                "The navigation property '{}' is single-valued: it takes no key.",
                                nav.name
                            )));
                        }
                        state = State::Entity { ty: nav.target, noncontained: nc };
                        shape = Shape::Entity;
                    }
                    continue;
                }
                if let Some((pname, edm)) = property(ty, seg) {
                    segs.push(Seg::Property { name: pname });
                    owner_ty = ty;
                    shape = Shape::Property;
                    state = State::Property { edm };
                    continue;
                }
                if let Some(cast) = entity_type(seg) {
                    if !(SCHEMA.is_a(cast, ty) || SCHEMA.is_a(ty, cast)) {
                        return Err(incompatible_cast(cast, ty));
                    }
                    segs.push(Seg::Cast(cast));
                    owner_ty = cast;
                    state = State::Entity { ty: cast, noncontained };
                    continue;
                }
                if let Some(op) = pick_operation(ty, false, name, args)? {
                    segs.push(Seg::Operation { op, args: args.map(String::from) });
                    shape = Shape::Operation;
                    owner_ty = ty;
                    state = after_operation(op);
                    continue;
                }
                if bound_elsewhere(ty, false, name) {
                    return Err(GraphError::bad_request(format!(
                        "The operation '{}' is bound to a collection of '{}', not to a single entity.",
                        truncate(name, 100),
                        type_name(ty)
                    )));
                }
                return Err(GraphError::segment_not_found(seg));
            }
        }
    }
    if let Some(Seg::Operation { op, args }) = segs.last() {
        if op.kind == OperationKind::Action && args.is_some() {
            return Err(GraphError::bad_request(format!(
                "The action '{}' cannot be called with parameters in the URL: send them in the body.",
                op.name
            )));
        }
    }
    Ok(ODataPath { segs, shape, ty: owner_ty })
}

/// What may follow an operation: after a composable function returning an entity type (or a
/// collection of one), the path goes on from that type (`range(address='A1')/format/font`);
/// after anything else, nothing.
fn after_operation(op: &'static Operation) -> State {
    if !op.composable || op.kind != OperationKind::Function {
        return State::Terminal;
    }
    let Some(returns) = op.returns else { return State::Terminal };
    let (inner, collection) = match returns.strip_prefix("Collection(").and_then(|r| r.strip_suffix(')')) {
        Some(inner) => (inner, true),
        None => (returns, false),
    };
    match SCHEMA.entity_type(inner) {
        Some((ty, _)) if collection => State::Collection { ty, noncontained: false },
        Some((ty, _)) => State::Entity { ty, noncontained: false },
        None => State::Terminal,
    }
}

fn incompatible_cast(cast: TypeIndex, ty: TypeIndex) -> GraphError {
    GraphError::bad_request(format!(
        "The type '{}' specified in the URI is neither a base type nor a sub-type of the previously-specified type '{}'.",
        type_name(cast),
        type_name(ty)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(path: &str) -> Result<ODataPath, GraphError> {
        route_path(path).map(|(_, p)| p)
    }

    fn key_of(path: &str) -> String {
        match r(path).unwrap_or_else(|e| panic!("{path}: {}", e.message)).segs.last() {
            Some(Seg::Key(k)) => k.clone(),
            other => panic!("{path}: last segment {other:?}"),
        }
    }

    #[test]
    fn encoded_syntax_is_a_key() {
        // What a client encodes is data: `%24count` is the entity with id `$count`, not $count.
        assert_eq!(key_of("/users/%24count"), "$count");
        assert_eq!(key_of("/users/%24ref"), "$ref");
        assert_eq!(key_of("/users/%24value"), "$value");
        assert_eq!(key_of("/users/delta%28%29"), "delta()");
        assert_eq!(key_of("/groups/g1/members/%24ref"), "$ref");
        assert!(matches!(shape("/users/delta%28%29/manager"), Shape::Entity));
        // Unencoded, the same text is Graph's syntax.
        assert!(matches!(shape("/users/$count"), Shape::Count));
        assert!(matches!(shape("/users/delta()"), Shape::Operation));
        assert!(matches!(shape("/groups/g1/members/$ref"), Shape::Ref));
        // A function call whose arguments hold encoded characters is still a call.
        let call = r("/users/delta(token=%27a%28b%27)");
        assert!(!matches!(call.as_ref().map(|p| p.segs.last()), Ok(Some(Seg::Key(_)))), "{:?}", call.map(|p| p.segs));
        // After a property, an encoded `$value` names nothing.
        assert_eq!(err("/users/u1/displayName/%24value").status.as_u16(), 400);
        assert!(matches!(shape("/users/u1/displayName/$value"), Shape::Value));
    }

    fn shape(path: &str) -> Shape {
        r(path).unwrap_or_else(|e| panic!("{path}: {}", e.message)).shape
    }

    fn err(path: &str) -> GraphError {
        match r(path) {
            Ok(p) => panic!("{path} routed to {:?}", p.segs),
            Err(e) => e,
        }
    }

    fn ty(path: &str) -> &'static str {
        type_name(r(path).unwrap_or_else(|e| panic!("{path}: {}", e.message)).ty)
    }

    #[test]
    fn splitting_and_decoding() {
        assert_eq!(split_path("/users/a%2Fb%3F%23%25%27c/x").unwrap(), vec!["users", "a/b?#%'c", "x"]);
        assert_eq!(split_path("/users/%C3%A9t%C3%A9").unwrap(), vec!["users", "été"]);
        assert_eq!(split_path("/users/").unwrap(), vec!["users"]);
        assert_eq!(split_path("/users/a+b").unwrap(), vec!["users", "a+b"]);
        assert!(split_path("/users//x").is_err());
        assert!(split_path("/users/%FF").is_err());
        assert!(split_path("").unwrap().is_empty());
    }

    #[test]
    fn keys() {
        assert_eq!(parse_key("'abc'").unwrap(), "abc");
        assert_eq!(parse_key("'it''s'").unwrap(), "it's");
        assert_eq!(parse_key("id='x'").unwrap(), "x");
        assert_eq!(parse_key("3179e48a-750b-4051-897c-87b9720928f7").unwrap(), "3179e48a-750b-4051-897c-87b9720928f7");
        assert!(parse_key("'a'b'").is_err());
        assert!(parse_key("'abc").is_err());
        assert!(parse_key("").is_err());
        let p = r("/users('a%2Fb''c')").unwrap();
        assert!(matches!(&p.segs[1], Seg::Key(k) if k == "a/b'c"));
    }

    #[test]
    fn phone_method_paths() {
        assert_eq!(shape("/users/u1/authentication/phoneMethods"), Shape::Collection);
        assert_eq!(ty("/users/u1/authentication/phoneMethods"), "microsoft.graph.phoneAuthenticationMethod");
        assert_eq!(shape("/users/u1/authentication/phoneMethods/3179e48a-750b-4051-897c-87b9720928f7"), Shape::Entity);
        assert_eq!(shape("/users('u1')/authentication/phoneMethods('x')"), Shape::Entity);
        assert_eq!(shape("/me/authentication/methods"), Shape::Collection);
        assert_eq!(shape("/users/adele@contoso.com/authentication/phoneMethods"), Shape::Collection);
        let p = r("/users/u1/authentication/phoneMethods/x/enableSmsSignIn").unwrap();
        assert_eq!(p.shape, Shape::Operation);
        assert!(
            matches!(p.segs.last(), Some(Seg::Operation { op, .. }) if op.name == "microsoft.graph.enableSmsSignIn")
        );
        let p = r("/users/u1/authentication/phoneMethods/x/microsoft.graph.disableSmsSignIn").unwrap();
        assert!(
            matches!(p.segs.last(), Some(Seg::Operation { op, .. }) if op.name == "microsoft.graph.disableSmsSignIn")
        );
        // Not bound to the collection, so the name is taken as a key (as OData does).
        assert_eq!(shape("/users/u1/authentication/phoneMethods/enableSmsSignIn"), Shape::Entity);
        // Not bound to password methods.
        let e = err("/users/u1/authentication/passwordMethods/x/enableSmsSignIn");
        assert_eq!(e.message, "Resource not found for the segment 'enableSmsSignIn'.");
    }

    #[test]
    fn casts_count_value_ref() {
        assert_eq!(shape("/directoryObjects/x/microsoft.graph.user"), Shape::Entity);
        assert_eq!(ty("/directoryObjects/x/microsoft.graph.user"), "microsoft.graph.user");
        assert_eq!(shape("/directoryObjects/microsoft.graph.user"), Shape::Collection);
        assert_eq!(shape("/directoryObjects/microsoft.graph.user/$count"), Shape::Count);
        assert_eq!(shape("/users/$count"), Shape::Count);
        assert_eq!(shape("/users/x/memberOf/$count"), Shape::Count);
        assert_eq!(shape("/users/x/memberOf/microsoft.graph.group"), Shape::Collection);
        assert_eq!(shape("/users/x/displayName"), Shape::Property);
        assert_eq!(shape("/users/x/displayName/$value"), Shape::Value);
        assert_eq!(shape("/groups/g/members/$ref"), Shape::Ref);
        assert_eq!(shape("/groups/g/members/u/$ref"), Shape::Ref);
        assert_eq!(shape("/users/u/manager/$ref"), Shape::Ref);
        assert!(err("/users/u/authentication/phoneMethods/$ref").message.contains("not contained"));
        assert!(err("/users/$ref").message.contains("not contained"));
        assert!(err("/users/x/$count").message.contains("only valid on collections"));
        assert!(err("/users/x/$value").message.contains("$value is only valid"));
        assert!(err("/users/$count/x").message.contains("cannot follow"));
        let e = err("/users/x/microsoft.graph.group");
        assert!(e.message.contains("neither a base type nor a sub-type"), "{}", e.message);
        assert!(err("/users/x/displayName/foo").message.contains("Resource not found"));
    }

    #[test]
    fn unknown_segments() {
        let e = err("/nope");
        assert_eq!(e.status, hyper::StatusCode::BAD_REQUEST);
        assert_eq!(e.message, "Resource not found for the segment 'nope'.");
        assert_eq!(err("/users/x/nope").message, "Resource not found for the segment 'nope'.");
        assert_eq!(err("/users/x/$nope").message, "Resource not found for the segment '$nope'.");
        assert_eq!(err("/$metadata").status, hyper::StatusCode::NOT_IMPLEMENTED);
        assert!(err("").message.contains("no resource path"));
    }

    #[test]
    fn case_insensitive_names() {
        assert_eq!(shape("/Users/x/Authentication/PhoneMethods"), Shape::Collection);
        assert_eq!(shape("/ME"), Shape::Entity);
        assert_eq!(shape("/directoryObjects/x/Microsoft.Graph.User"), Shape::Entity);
    }

    #[test]
    fn function_overloads_and_parameters() {
        let pick = |p: &str| match r(p).unwrap().segs.last() {
            Some(Seg::Operation { op, .. }) => op.parameters.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
            other => panic!("{other:?}"),
        };
        assert_eq!(pick("/reports/getOffice365ActiveUserDetail(period='D7')"), vec!["period"]);
        assert_eq!(pick("/reports/getOffice365ActiveUserDetail(date=2024-01-01)"), vec!["date"]);
        assert!(err("/reports/getOffice365ActiveUserDetail(bogus='x')").message.contains("'bogus' is not in scope"));
        assert!(err("/reports/getOffice365ActiveUserDetail(period='D7)").message.contains("Unterminated"));
        assert!(err("/reports/getOffice365ActiveUserDetail(period)").message.contains("name=value"));
        assert_eq!(function_parameter_names("a='x,y''z', b=2").unwrap(), vec!["a", "b"]);
    }

    #[test]
    fn complex_members_and_composable_functions() {
        // Members of a complex property.
        let p = r("/me/mailboxSettings/automaticRepliesSetting").unwrap();
        assert_eq!(p.shape, Shape::Property);
        assert!(matches!(p.segs.last(), Some(Seg::Member(m)) if m == "automaticRepliesSetting"));
        assert!(err("/me/mailboxSettings/$count").message.contains("Resource not found"));
        assert!(err("/me/displayName/x").message.contains("Resource not found"));
        // The path goes on after a composable function returning an entity type...
        let p = r("/me/drive/items/x/workbook/worksheets/s/range(address='A1:B2')/format/font").unwrap();
        assert_eq!(p.shape, Shape::Entity);
        assert_eq!(type_name(p.ty), "microsoft.graph.workbookRangeFont");
        assert_eq!(shape("/me/drive/items/x/workbook/worksheets/s/usedRange/clear"), Shape::Operation);
        assert_eq!(shape("/me/drive/items/x/workbook/worksheets/s/cell(row=5,column=6)"), Shape::Operation);
        // ...but not after an action or a function that is not composable.
        assert!(err("/users/x/changePassword/x").message.contains("cannot follow"));
        assert!(err("/users/delta()/x").message.contains("cannot follow"));
    }

    #[test]
    fn operations() {
        // Collection-bound function with parentheses.
        let p = r("/users/delta()").unwrap();
        assert!(
            matches!(p.segs.last(), Some(Seg::Operation { op, .. }) if op.returns == Some("Collection(microsoft.graph.user)"))
        );
        let p = r("/users/delta").unwrap();
        assert_eq!(p.shape, Shape::Operation);
        // Entity-bound action.
        let p = r("/users/x/changePassword").unwrap();
        assert!(matches!(p.segs.last(), Some(Seg::Operation { op, .. }) if op.kind == OperationKind::Action));
        assert!(err("/users/x/changePassword(a=1)").message.contains("parameters in the URL"));
        assert!(err("/users/x/changePassword/x").message.contains("cannot follow"));
        // delta is bound to the collection only.
        assert!(err("/users/x/delta").message.contains("bound to a collection"));
    }
}
