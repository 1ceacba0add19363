//! Graph request handling: resolves a routed path against the store and performs the operation
//! (collections with query options and paging, entities, properties, `$count`, `$value`, `$ref`,
//! bound operations). Synchronous: it runs under the store lock.
//!
//! [`resolve`] finds what a path addresses; [`read`] answers GET (with `delta` in
//! [`crate::delta`]), [`write`] POST, PATCH, PUT and DELETE; [`refs`] is `$ref` and
//! [`operation`] the bound actions and functions.

mod operation;
mod read;
mod refs;
mod resolve;
mod write;

use hyper::Method;

use crate::context::Ctx;
use crate::delta;
use crate::errors::{GraphError, HandlerResult};
use crate::odata::{self, QueryOptions};
use crate::router;
use crate::target::{Binding, Target};

/// Handles one Graph request (the caller is authenticated; faults already applied).
pub(crate) fn handle(ctx: &Ctx<'_>) -> HandlerResult {
    if let Some(answer) = files(ctx) {
        return answer;
    }
    let (segments, path) = router::route_path(&ctx.req.path)?;
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
        let target = resolve::resolve(ctx, &store, &path)?;
        check_options(&target, &q)?;
        if let (Target::Operation { binding: Binding::Coll(c), .. }, true) = (&target, delta::is_delta(&target)) {
            return delta::respond(ctx, &store, c, &q, &segments);
        }
        read::read(ctx, &store, target, &q, &segments)
    } else if matches!(method, Method::POST | Method::PATCH | Method::PUT | Method::DELETE) {
        let body = if matches!(method, Method::DELETE) { None } else { ctx.req.json_body()? };
        let mut store = ctx.shared.write();
        let target = resolve::resolve(ctx, &store, &path)?;
        check_options(&target, &q)?;
        write::write(ctx, &mut store, target, &method, body, q.id.as_deref())
    } else {
        Err(GraphError::method_not_allowed(method.as_str(), "this resource"))
    }
}

/// Drive items (their content, children, paths and upload sessions) are kept by
/// [`crate::files`], not the entity store.
fn files(ctx: &Ctx<'_>) -> Option<HandlerResult> {
    let lower = ctx.req.path.to_ascii_lowercase();
    let media = lower.starts_with("/me/drive/") || lower.starts_with("/me/photo/") || lower.starts_with("/drives/");
    if !(media || lower.starts_with("/users/")) {
        return None;
    }
    let find_user = |who: &str| ctx.shared.read().find_user(who).map(|(id, _)| id.to_string());
    // `/me/…` needs a delegated token (app-only: Graph's 400).
    let me = if lower.starts_with("/me/") {
        match ctx.me() {
            Ok(me) => Some(me),
            Err(e) => return Some(Err(e)),
        }
    } else {
        None
    };
    let call = crate::files::GraphCall {
        method: &ctx.req.method,
        path: &ctx.req.path,
        query: &ctx.req.query,
        content_type: ctx.req.header("content-type"),
        body: &ctx.req.body,
        me: me.as_deref(),
        find_user: &find_user,
        origin: &ctx.shared.urls.origin,
        content_origin: &ctx.shared.urls.content_origin,
        now_ms: ctx.shared.clock.now_ms(),
    };
    ctx.shared.files.graph(&call)
}

fn check_options(target: &Target, q: &QueryOptions) -> Result<(), GraphError> {
    if q.id.is_some() && !matches!(target, Target::RefColl(_)) {
        return Err(GraphError::bad_request("The query option $id is only valid on DELETE …/{collection}/$ref."));
    }
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
