//! JSON batching (`POST /v1.0/$batch`) as Graph documents it.
//!
//! * `id`, `method`, `url`, `headers`, `body` and `dependsOn` per request; other keys are
//!   ignored, as Graph ignores them. A misspelt `dependsOn` (`depends_on`, which Microsoft's
//!   Python SDK writes) is ignored too, so the request runs unsequenced, and is recorded as a
//!   [`Violation::MisspeltDependsOn`].
//! * At most 20 requests; ids unique (case-insensitive); `method` and a `url` relative to the
//!   version root; `headers.Content-Type` required with a body (JSON bodies inline, others
//!   base64); `dependsOn` may only name earlier requests.
//! * A batch is fully parallel (no `dependsOn`) or fully sequential (every request after the
//!   first depends on its predecessor); mixing → 400. Sequential items run in order; an item
//!   whose dependency failed (status ≥ 400, including 424) is not run and gets 424.
//! * Every item goes through the same pipeline as a top-level request (auth with the batch's
//!   token, guard, rate limit, faults scoped to batch items, router), gets its own `request-id`
//!   and is logged. Item header names are spelt as Graph spells them (`OData-Version`,
//!   `request-id`, `client-request-id`, `Content-Type`, `Retry-After`, `RateLimit-Limit`).
//! * Every item answer has `id`, `status`, `headers` and `body` (`null` without content, as in
//!   Graph's batching docs).
//! * Responses come back in any order (shuffled with the seeded RNG unless disabled); the outer
//!   status is 200 even when items fail. Rule violations answer 400 and are recorded by the
//!   protocol guard.

use std::sync::Arc;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hyper::header::{HeaderName, HeaderValue};
use hyper::{HeaderMap, Method, StatusCode};
use rand::seq::SliceRandom;
use serde_json::{json, Map, Value};

use crate::context::GraphRequest;
use crate::dispatch::{execute_graph, log_item, new_meta};
use crate::errors::{Body, GraphError, RequestMeta, Response};
use crate::faults::engine::Site;
use crate::guard::Violation;
use crate::state::Shared;
use crate::sync::lock;

/// Graph's limit.
pub(crate) const MAX_REQUESTS: usize = 20;

struct Item {
    id: String,
    method: Method,
    url: String,
    headers: HeaderMap,
    body: bytes::Bytes,
    depends_on: Vec<String>,
}

fn rule(shared: &Shared, reason: String) -> GraphError {
    shared.guard.record(Violation::BatchRuleBroken { reason: reason.clone() });
    GraphError::bad_request(reason)
}

fn parse(shared: &Shared, body: Option<Map<String, Value>>) -> Result<Vec<Item>, GraphError> {
    let Some(body) = body else { return Err(rule(shared, "The $batch body is empty.".into())) };
    let Some(Value::Array(requests)) = body.get("requests") else {
        return Err(rule(shared, "The $batch body must have a 'requests' array.".into()));
    };
    if let Some(k) = body.keys().find(|k| *k != "requests" && !k.starts_with('@')) {
        return Err(rule(shared, format!("Unknown property '{k}' in the $batch body: only 'requests' is allowed.")));
    }
    if requests.is_empty() {
        return Err(rule(shared, "A $batch must contain at least one request.".into()));
    }
    if requests.len() > MAX_REQUESTS {
        return Err(rule(
            shared,
            format!(
                "The $batch has {} requests; the maximum number of requests in a batch is {MAX_REQUESTS}.",
                requests.len()
            ),
        ));
    }
    let mut items: Vec<Item> = Vec::with_capacity(requests.len());
    for (i, r) in requests.iter().enumerate() {
        let Some(r) = r.as_object() else { return Err(rule(shared, format!("Request #{i} is not a JSON object."))) };
        let id = match r.get("id") {
            Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
            _ => return Err(rule(shared, format!("Request #{i} has no 'id' (a non-empty string)."))),
        };
        // Graph ignores keys it does not know; a misspelt `dependsOn` is reported, since the
        // dependency it meant is lost.
        for k in r.keys().filter(|k| !matches!(k.as_str(), "id" | "method" | "url" | "headers" | "body" | "dependsOn"))
        {
            if k.to_ascii_lowercase().replace(['_', '-'], "") == "dependson" {
                shared.guard.record(Violation::MisspeltDependsOn { request: id.clone(), key: k.clone() });
            }
        }
        if items.iter().any(|it| it.id.eq_ignore_ascii_case(&id)) {
            return Err(rule(
                shared,
                format!("The request id '{id}' is not unique in the batch (ids are compared case-insensitively)."),
            ));
        }
        let method = match r.get("method").and_then(Value::as_str).map(str::to_ascii_uppercase).as_deref() {
            Some("GET") => Method::GET,
            Some("POST") => Method::POST,
            Some("PATCH") => Method::PATCH,
            Some("PUT") => Method::PUT,
            Some("DELETE") => Method::DELETE,
            Some(other) => return Err(rule(shared, format!("Request '{id}' has an unsupported method '{other}'."))),
            None => return Err(rule(shared, format!("Request '{id}' has no 'method'."))),
        };
        let Some(url) = r.get("url").and_then(Value::as_str) else {
            return Err(rule(shared, format!("Request '{id}' has no 'url'.")));
        };
        if url.contains("://") || url.starts_with("//") {
            return Err(rule(
                shared,
                format!("Request '{id}' has an absolute url: batch urls are relative to the version root, e.g. /me."),
            ));
        }
        let url = if url.starts_with('/') { url.to_string() } else { format!("/{url}") };
        let lower = url.to_ascii_lowercase();
        if lower.starts_with("/v1.0/") || lower.starts_with("/beta/") {
            return Err(rule(
                shared,
                format!("Request '{id}' includes the version in its url: use /me, not /v1.0/me."),
            ));
        }
        if lower.split(['?', '#']).next().is_some_and(|p| p.trim_end_matches('/') == "/$batch") {
            return Err(rule(shared, format!("Request '{id}' is a nested $batch, which is not allowed.")));
        }
        let mut headers = HeaderMap::new();
        match r.get("headers") {
            None | Some(Value::Null) => {}
            Some(Value::Object(h)) => {
                for (k, v) in h {
                    let Some(v) = v.as_str() else {
                        return Err(rule(shared, format!("Request '{id}': header '{k}' must be a string.")));
                    };
                    let (Ok(name), Ok(value)) = (HeaderName::from_bytes(k.as_bytes()), HeaderValue::from_str(v)) else {
                        return Err(rule(shared, format!("Request '{id}': invalid header '{k}'.")));
                    };
                    headers.append(name, value);
                }
            }
            Some(_) => return Err(rule(shared, format!("Request '{id}': 'headers' must be an object."))),
        }
        let body = match r.get("body") {
            None | Some(Value::Null) => bytes::Bytes::new(),
            Some(b) => {
                let Some(ct) = headers.get(hyper::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
                    return Err(rule(
                        shared,
                        format!("Write request id : {id} does not contain Content-Type header or body."),
                    ));
                };
                if ct.to_ascii_lowercase().contains("json") {
                    serde_json::to_vec(b).unwrap_or_default().into()
                } else {
                    let Some(text) = b.as_str() else {
                        return Err(rule(shared, format!("Request '{id}': a non-JSON body must be a base64 string.")));
                    };
                    match STANDARD.decode(text) {
                        Ok(bytes) => bytes.into(),
                        Err(_) => return Err(rule(shared, format!("Request '{id}': the body is not valid base64."))),
                    }
                }
            }
        };
        let depends_on = match r.get("dependsOn") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(d)) => {
                let mut out = Vec::new();
                for x in d {
                    let Some(dep) = x.as_str() else {
                        return Err(rule(shared, format!("Request '{id}': 'dependsOn' must be an array of ids.")));
                    };
                    let Some(earlier) = items.iter().find(|it| it.id.eq_ignore_ascii_case(dep)) else {
                        return Err(rule(
                            shared,
                            format!("Request '{id}' depends on '{dep}', which is not an earlier request in the batch."),
                        ));
                    };
                    out.push(earlier.id.clone());
                }
                out
            }
            Some(_) => return Err(rule(shared, format!("Request '{id}': 'dependsOn' must be an array of ids."))),
        };
        items.push(Item { id, method, url, headers, body, depends_on });
    }
    // Fully parallel or fully sequential.
    if items.iter().any(|it| !it.depends_on.is_empty()) {
        for (i, it) in items.iter().enumerate().skip(1) {
            let prev = &items[i - 1].id;
            if !it.depends_on.iter().any(|d| d == prev) {
                return Err(rule(
                    shared,
                    format!(
                        "The batch mixes sequential and parallel requests: request '{}' must depend on the request before it ('{prev}'). A batch is either fully sequential or fully parallel.",
                        it.id
                    ),
                ));
            }
        }
        if !items[0].depends_on.is_empty() {
            return Err(rule(shared, "The first request of a batch cannot depend on another.".into()));
        }
    }
    Ok(items)
}

/// Response headers copied into an item's `headers`, with the names as Graph writes them (JSON
/// keys are case-sensitive, so clients may look them up exactly: `OData-Version`, `request-id`).
fn item_headers(resp: &Response) -> Map<String, Value> {
    let mut out = Map::new();
    for (name, value) in &resp.headers {
        let Some(graph_name) = graph_header_name(name.as_str()) else { continue };
        if let Ok(v) = value.to_str() {
            out.insert(graph_name.to_string(), Value::String(v.to_string()));
        }
    }
    out
}

/// Graph's spelling of the response headers an item carries (`None`: not copied).
fn graph_header_name(lowercase: &str) -> Option<&'static str> {
    Some(match lowercase {
        "content-type" => "Content-Type",
        "location" => "Location",
        "retry-after" => "Retry-After",
        "request-id" => "request-id",
        "client-request-id" => "client-request-id",
        "odata-version" => "OData-Version",
        "etag" => "ETag",
        "www-authenticate" => "WWW-Authenticate",
        "ratelimit-limit" => "RateLimit-Limit",
        "ratelimit-remaining" => "RateLimit-Remaining",
        "ratelimit-reset" => "RateLimit-Reset",
        _ => return None,
    })
}

fn item_response(id: &str, resp: &Response) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), Value::String(id.to_string()));
    m.insert("status".into(), Value::from(resp.status.as_u16()));
    m.insert("headers".into(), Value::Object(item_headers(resp)));
    // Graph writes the key for items without content too (`"body": null`), and clients read it
    // unconditionally.
    let body = match &resp.body {
        Body::Empty => Value::Null,
        Body::Json(b) => serde_json::from_slice(b).unwrap_or(Value::Null),
        Body::Raw(b) => Value::String(STANDARD.encode(b)),
    };
    m.insert("body".into(), body);
    Value::Object(m)
}

fn failed_dependency(id: &str, dep: &str, meta: &RequestMeta) -> Response {
    let e = GraphError::new(
        StatusCode::FAILED_DEPENDENCY,
        "FailedDependency",
        format!("The request '{id}' was not executed because the request it depends on ('{dep}') failed."),
    );
    e.into_response(meta)
}

/// Runs a `$batch` (the outer request is authenticated by the caller).
pub(crate) async fn run(
    shared: &Arc<Shared>,
    outer: &GraphRequest,
    authorization: Option<&str>,
    meta: &RequestMeta,
) -> Response {
    if outer.method != Method::POST {
        return GraphError::method_not_allowed(outer.method.as_str(), "$batch (use POST)").into_response(meta);
    }
    let body = match outer.json_body() {
        Ok(b) => b,
        Err(e) => return e.into_response(meta),
    };
    let items = match parse(shared, body) {
        Ok(items) => items,
        Err(e) => return e.into_response(meta),
    };
    let sequential = items.iter().any(|it| !it.depends_on.is_empty());
    let make_req = |it: &Item| {
        let (path, query) = it.url.split_once('?').unwrap_or((&it.url, ""));
        let mut headers = it.headers.clone();
        let mut inherited = false;
        if !headers.contains_key("client-request-id") {
            if let Ok(v) = HeaderValue::from_str(&meta.client_request_id) {
                headers.insert("client-request-id", v);
                inherited = true;
            }
        }
        GraphRequest {
            method: it.method.clone(),
            path: path.to_string(),
            query: query.to_string(),
            headers,
            body: it.body.clone(),
            batch_item: Some(it.id.clone()),
            client_request_id_inherited: inherited,
        }
    };
    let mut results: Vec<(String, Response)> = Vec::with_capacity(items.len());
    if sequential {
        let mut failed: Vec<String> = Vec::new();
        for it in &items {
            if let Some(dep) = it.depends_on.iter().find(|d| failed.contains(d)) {
                let req = make_req(it);
                let item_meta = new_meta(shared, &req.headers);
                let resp = failed_dependency(&it.id, dep, &item_meta);
                log_item(shared, &req, &resp, authorization.is_some(), None, None);
                failed.push(it.id.clone());
                results.push((it.id.clone(), resp));
                continue;
            }
            let req = make_req(it);
            let exec = execute_graph(shared, req, authorization, Site::BatchItem).await;
            if exec.response.status.as_u16() >= 400 {
                failed.push(it.id.clone());
            }
            results.push((it.id.clone(), exec.response));
        }
    } else {
        let futures = items.iter().map(|it| {
            let req = make_req(it);
            let id = it.id.clone();
            async move {
                let exec = execute_graph(shared, req, authorization, Site::BatchItem).await;
                (id, exec.response)
            }
        });
        results = futures_util::future::join_all(futures).await;
    }
    if shared.config.shuffle_batch && results.len() > 1 {
        let original: Vec<String> = results.iter().map(|(id, _)| id.clone()).collect();
        results.shuffle(&mut *lock(&shared.rng));
        if results.iter().map(|(id, _)| id).eq(original.iter()) {
            results.rotate_left(1);
        }
    }
    let responses: Vec<Value> = results.iter().map(|(id, r)| item_response(id, r)).collect();
    Response::json(StatusCode::OK, &json!({ "responses": responses }))
}
