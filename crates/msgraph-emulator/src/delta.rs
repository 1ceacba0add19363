//! `delta` on entity sets (`/users/delta()`, `/users/delta`, `/groups/delta()`, ... — any entity
//! set whose type has the collection-bound `delta` function), with Graph's semantics:
//!
//! * A round without a token returns every current entity, over as many pages as the page size
//!   asks for (`@odata.nextLink` with an opaque `$skiptoken`); its last page carries
//!   `@odata.deltaLink` with an opaque `$deltatoken`.
//! * Following the deltaLink later returns what changed since it was issued: created or updated
//!   entities with their current properties, deleted ones as
//!   `{"id": "...", "@removed": {"reason": "deleted"}}`, again paged and ending in a deltaLink.
//!   `$deltatoken=latest` returns no items, only a deltaLink for "from now on".
//! * `$select` (and `$top` / `Prefer: odata.maxpagesize` as the page size) are honoured and kept
//!   in the links; `id` is always returned. Other collection options are 400.
//! * Tokens are HMAC-protected and bound to the query (path and options): garbled, edited or
//!   cross-query tokens → 400. Tokens carry the emulator's delta epoch:
//!   [`crate::Emulator::expire_delta_tokens`] (and `reset`) bump it, and older tokens answer
//!   `410 Gone` with the code `resyncRequired` and a `Location` with a fresh delta URL.
//!
//! Changes come from the store's change log ([`crate::store::Changes`]): every create, update
//! and delete of a top-level entity gets the next number of one store-wide sequence. A round
//! lists its rows ordered by `(sequence, set, id)` and a `$skiptoken` holds the last row sent
//! (keyset paging), so an entity that changes again during a round moves behind the cursor and
//! is sent again (Graph may repeat items too) and nothing is skipped; deletions during the first
//! round are reported when the deleted entity could have been sent already.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use hyper::header::LOCATION;
use hyper::StatusCode;
use serde_json::{Map, Value};
use sha2::Sha256;

use crate::context::Ctx;
use crate::entity::type_name;
use crate::errors::{GraphError, HandlerResult, Response};
use crate::odata::QueryOptions;
use crate::paging;
use crate::render;
use crate::router;
use crate::schema::{Operation, TypeIndex, SCHEMA};
use crate::store::{self, Entity, Loc, Root, Store};
use crate::target::{Binding, CollKind, CollNode, Target};

const VERSION: u8 = 1;
const MAC_LEN: usize = 10;
const KIND_DELTA: u8 = b'D';
const KIND_PAGE: u8 = b'S';

/// The last row a page sent: rows are ordered by `(seq, set, id)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cursor {
    pub(crate) seq: u64,
    pub(crate) set: String,
    pub(crate) id: String,
}

/// What a delta token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Token {
    /// `$deltatoken`: the changes after `seq`.
    Delta { epoch: u64, seq: u64 },
    /// `$skiptoken` of a round: `since` (`None` for the first round), the store's sequence when
    /// the round started, and the last row sent.
    Page { epoch: u64, since: Option<u64>, start: u64, after: Option<Cursor> },
}

impl Token {
    fn epoch(&self) -> u64 {
        match self {
            Token::Delta { epoch, .. } | Token::Page { epoch, .. } => *epoch,
        }
    }
}

fn mac(secret: &[u8; 32], payload: &[u8]) -> Vec<u8> {
    let Ok(mut m) = Hmac::<Sha256>::new_from_slice(secret) else { return vec![0; MAC_LEN] };
    m.update(b"delta");
    m.update(payload);
    m.finalize().into_bytes()[..MAC_LEN].to_vec()
}

/// Encodes a token for the query with fingerprint `fp`.
pub(crate) fn encode(secret: &[u8; 32], token: &Token, fp: [u8; 8]) -> String {
    let mut p = vec![VERSION];
    match token {
        Token::Delta { epoch, seq } => {
            p.push(KIND_DELTA);
            p.extend_from_slice(&epoch.to_be_bytes());
            p.extend_from_slice(&fp);
            p.extend_from_slice(&seq.to_be_bytes());
        }
        Token::Page { epoch, since, start, after } => {
            p.push(KIND_PAGE);
            p.extend_from_slice(&epoch.to_be_bytes());
            p.extend_from_slice(&fp);
            p.extend_from_slice(&start.to_be_bytes());
            p.push(u8::from(since.is_some()));
            p.extend_from_slice(&since.unwrap_or(0).to_be_bytes());
            if let Some(c) = after {
                // Set names are short schema names; anything longer cannot be a cursor.
                let set_len = u8::try_from(c.set.len()).unwrap_or(u8::MAX);
                p.push(1);
                p.extend_from_slice(&c.seq.to_be_bytes());
                p.push(set_len);
                p.extend_from_slice(&c.set.as_bytes()[..usize::from(set_len).min(c.set.len())]);
                p.extend_from_slice(c.id.as_bytes());
            } else {
                p.push(0);
            }
        }
    }
    let m = mac(secret, &p);
    p.extend_from_slice(&m);
    URL_SAFE_NO_PAD.encode(p)
}

/// Reads a payload front to back.
struct Bytes<'a>(&'a [u8]);

impl<'a> Bytes<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Some(a)
    }

    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    fn u64(&mut self) -> Option<u64> {
        let mut a = [0u8; 8];
        a.copy_from_slice(self.take(8)?);
        Some(u64::from_be_bytes(a))
    }
}

/// Decodes a token of the query with fingerprint `fp`; `None` when it is garbled, edited, of
/// another kind or of another query.
pub(crate) fn decode(secret: &[u8; 32], text: &str, fp: [u8; 8], delta: bool) -> Option<Token> {
    let raw = URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')).ok()?;
    let body_len = raw.len().checked_sub(MAC_LEN)?;
    let (payload, tag) = raw.split_at(body_len);
    if mac(secret, payload) != tag {
        return None;
    }
    let mut r = Bytes(payload);
    if r.u8()? != VERSION {
        return None;
    }
    let kind = r.u8()?;
    let epoch = r.u64()?;
    if r.take(8)? != fp {
        return None;
    }
    let token = match (kind, delta) {
        (KIND_DELTA, true) => Token::Delta { epoch, seq: r.u64()? },
        (KIND_PAGE, false) => {
            let start = r.u64()?;
            let has_since = r.u8()? == 1;
            let since = r.u64()?;
            let after = match r.u8()? {
                0 => None,
                _ => {
                    let seq = r.u64()?;
                    let set_len = usize::from(r.u8()?);
                    let set = String::from_utf8(r.take(set_len)?.to_vec()).ok()?;
                    let id = String::from_utf8(r.take(r.0.len())?.to_vec()).ok()?;
                    Some(Cursor { seq, set, id })
                }
            };
            Token::Page { epoch, since: has_since.then_some(since), start, after }
        }
        _ => return None,
    };
    Some(token)
}

/// Whether `op` on `c` is a `delta` the emulator answers (collection-bound, on an entity set).
fn handles(c: &CollNode, op: &Operation) -> bool {
    op.name == "microsoft.graph.delta" && matches!(c.kind, CollKind::Set(_))
}

/// Whether a resolved target is a `delta` the emulator answers.
pub(crate) fn is_delta(target: &Target) -> bool {
    matches!(target, Target::Operation { binding: Binding::Coll(c), op, .. } if handles(c, op))
}

/// One row of a round.
struct Row<'a> {
    seq: u64,
    set: &'static str,
    id: &'a str,
    /// `None` for a deleted entity.
    entity: Option<&'a Entity>,
    /// The concrete type.
    ty: TypeIndex,
}

/// `/v1.0{path}?{options}[&{param}={token}]`, the original options kept exactly as received.
fn link_target(ctx: &Ctx<'_>, q: &QueryOptions, param: Option<(&str, &str)>) -> String {
    let mut query: Vec<String> = q.raw_without_skiptoken.iter().map(|p| router::encode_loose(p)).collect();
    if let Some((name, token)) = param {
        query.push(format!("{name}={token}"));
    }
    let path = format!("/v1.0{}", router::encode_loose(&ctx.req.path));
    if query.is_empty() {
        path
    } else {
        format!("{path}?{}", query.join("&"))
    }
}

fn gone(ctx: &Ctx<'_>, q: &QueryOptions) -> GraphError {
    let fresh = format!("{}{}", ctx.shared.urls.origin, link_target(ctx, q, None));
    GraphError::new(
        StatusCode::GONE,
        "resyncRequired",
        "The delta token is no longer valid (its sync state has expired): start a new delta round without a token \
         and replace the state you kept.",
    )
    .with_header(LOCATION, fresh)
}

/// Answers a `delta` request (`c` is an entity set; see [`is_delta`]).
pub(crate) fn respond(
    ctx: &Ctx<'_>,
    store: &Store,
    c: &CollNode,
    q: &QueryOptions,
    segments: &[String],
) -> HandlerResult {
    let CollKind::Set(set) = &c.kind else {
        return Err(GraphError::not_implemented("delta is only emulated on entity sets."));
    };
    if q.filter.is_some() || !q.orderby.is_empty() || q.search.is_some() || q.count || q.skip.is_some() {
        return Err(GraphError::bad_request(
            "delta supports only $select and $top (and the $skiptoken / $deltatoken of the links it returns).",
        )
        .with_inner("Request_UnsupportedQuery"));
    }
    if q.skiptoken.is_some() && q.deltatoken.is_some() {
        return Err(GraphError::bad_request("$skiptoken and $deltatoken cannot be used together."));
    }
    let fp = paging::fingerprint(segments, &q.decoded_without_skiptoken);
    let secret = &ctx.shared.secret;
    let epoch = ctx.shared.delta_epoch();
    let current = store.changes.current();
    let invalid = |what: &str, inner: &'static str| {
        GraphError::bad_request(format!(
            "The {what} is not valid for this request: use the @odata.nextLink / @odata.deltaLink exactly as the \
             service returned it."
        ))
        .with_inner(inner)
    };
    let (since, start, after) = match (&q.deltatoken, &q.skiptoken) {
        (Some(t), None) if t.eq_ignore_ascii_case("latest") => (Some(current), current, None),
        (Some(t), None) => match decode(secret, t, fp, true) {
            Some(tok) if tok.epoch() != epoch => return Err(gone(ctx, q)),
            Some(Token::Delta { seq, .. }) if seq <= current => (Some(seq), current, None),
            _ => return Err(invalid("$deltatoken", "invalidDeltaToken")),
        },
        (None, Some(t)) => match decode(secret, t, fp, false) {
            Some(tok) if tok.epoch() != epoch => return Err(gone(ctx, q)),
            Some(Token::Page { since, start, after, .. }) if start <= current => (since, start, after),
            _ => return Err(invalid("$skiptoken", "invalidSkipToken")),
        },
        _ => (None, current, None),
    };
    let item_ty = c.item_type();
    let mut rows: Vec<Row<'_>> = Vec::new();
    for s in store::member_sets(set) {
        if let Some(coll) = store.sets.get(s) {
            for (id, e) in &coll.items {
                let seq = store.changes.get(s, id).map_or(0, |ch| ch.seq);
                if SCHEMA.is_a(e.ty, item_ty) && since.is_none_or(|since| seq > since) {
                    rows.push(Row { seq, set: s, id, entity: Some(e), ty: e.ty });
                }
            }
        }
        // Deletions after the client's state (or, in a first round, after the round started:
        // the entity may have been sent on an earlier page).
        let floor = since.unwrap_or(start);
        for (id, ch) in store.changes.of_set(s) {
            if ch.deleted && ch.seq > floor && SCHEMA.is_a(ch.ty, item_ty) {
                rows.push(Row { seq: ch.seq, set: s, id, entity: None, ty: ch.ty });
            }
        }
    }
    rows.sort_by(|a, b| (a.seq, a.set, a.id).cmp(&(b.seq, b.set, b.id)));
    if let Some(c) = &after {
        rows.retain(|r| (r.seq, r.set, r.id) > (c.seq, c.set.as_str(), c.id.as_str()));
    }
    let latest = q.deltatoken.as_deref().is_some_and(|t| t.eq_ignore_ascii_case("latest"));
    if latest {
        rows.clear();
    }
    let preferred = ctx.req.max_page_size();
    let page_size = q.top.or(preferred).unwrap_or(ctx.shared.config.page_size).max(1);
    let more = rows.len() > page_size;
    rows.truncate(page_size);

    let mut value = Vec::with_capacity(rows.len());
    for row in &rows {
        let mut m = match row.entity {
            Some(e) => {
                let loc = Loc { root: Root::Set(row.set, row.id.to_string()), steps: vec![] };
                let m = render::render(ctx.shared, store, &loc, e, c.declared);
                match &q.select {
                    Some(sel) => render::select(m, sel, item_ty)?,
                    None => m,
                }
            }
            None => {
                let mut m = Map::new();
                if row.ty != c.declared {
                    m.insert("@odata.type".into(), Value::String(format!("#{}", type_name(row.ty))));
                }
                let mut removed = Map::new();
                removed.insert("reason".into(), Value::String("deleted".into()));
                m.insert("@removed".into(), Value::Object(removed));
                m
            }
        };
        if !m.contains_key("id") {
            m.insert("id".into(), Value::String(row.id.to_string()));
        }
        value.push(Value::Object(m));
    }

    let mut out = Map::new();
    let frag = match &q.select {
        Some(sel) => format!("{}({})", c.path, sel.join(",")),
        None => c.path.clone(),
    };
    out.insert("@odata.context".into(), ctx.context(&frag));
    out.insert("value".into(), Value::Array(value));
    let (name, key, token) = match (more, rows.last()) {
        (true, Some(last)) => {
            let cursor = Cursor { seq: last.seq, set: last.set.to_string(), id: last.id.to_string() };
            let token = Token::Page { epoch, since, start, after: Some(cursor) };
            ("$skiptoken", "@odata.nextLink", token)
        }
        _ => ("$deltatoken", "@odata.deltaLink", Token::Delta { epoch, seq: current }),
    };
    let target = link_target(ctx, q, Some((name, &encode(secret, &token, fp))));
    ctx.shared.guard.issued_link(target.clone());
    out.insert(key.into(), Value::String(format!("{}{}", ctx.shared.urls.origin, target)));
    let resp = Response::json(StatusCode::OK, &Value::Object(out));
    Ok(match preferred.filter(|_| q.top.is_none()) {
        Some(n) => {
            resp.header(hyper::header::HeaderName::from_static("preference-applied"), &format!("odata.maxpagesize={n}"))
        }
        None => resp,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_are_tamper_evident() {
        let secret = [3u8; 32];
        let fp = paging::fingerprint(&["users".into(), "delta()".into()], &[]);
        let d = Token::Delta { epoch: 2, seq: 17 };
        let t = encode(&secret, &d, fp);
        assert_eq!(decode(&secret, &t, fp, true), Some(d));
        // Not a page token, not for another query, not under another secret.
        assert_eq!(decode(&secret, &t, fp, false), None);
        let fp2 = paging::fingerprint(&["groups".into(), "delta()".into()], &[]);
        assert_eq!(decode(&secret, &t, fp2, true), None);
        assert_eq!(decode(&[4u8; 32], &t, fp, true), None);
        for bad in ["", "x", "garbage!", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"] {
            assert_eq!(decode(&secret, bad, fp, true), None, "{bad}");
        }
        let mut bytes = URL_SAFE_NO_PAD.decode(&t).unwrap();
        bytes[12] ^= 1;
        assert_eq!(decode(&secret, &URL_SAFE_NO_PAD.encode(&bytes), fp, true), None);

        for p in [
            Token::Page { epoch: 0, since: None, start: 5, after: None },
            Token::Page {
                epoch: 1,
                since: Some(3),
                start: 9,
                after: Some(Cursor { seq: 4, set: "users".into(), id: "a/b'é".into() }),
            },
        ] {
            let t = encode(&secret, &p, fp);
            assert_eq!(decode(&secret, &t, fp, false), Some(p.clone()));
            assert_eq!(decode(&secret, &t, fp, true), None);
            // Truncated.
            let bytes = URL_SAFE_NO_PAD.decode(&t).unwrap();
            assert_eq!(decode(&secret, &URL_SAFE_NO_PAD.encode(&bytes[..bytes.len() - 1]), fp, false), None);
        }
    }
}
