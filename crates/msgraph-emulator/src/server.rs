//! The HTTP server (hyper 1 on tokio, HTTP/1.1, loopback only): reading bodies with limits,
//! dispatching to the Graph pipeline, the OAuth endpoints and a small device-login page, and
//! applying transport faults to the response.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use futures_util::StreamExt;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, Limited, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::header::{HeaderValue, CONTENT_LENGTH, CONTENT_TYPE};
use hyper::{HeaderMap, Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::auth::endpoint::{self, Endpoint};
use crate::batch;
use crate::context::GraphRequest;
use crate::dispatch::{self, log_item, new_meta, stamp};
use crate::errors::{html_escape, AadError, Body, GraphError, RequestMeta, Response};
use crate::faults::engine::{fault_error, Site};
use crate::faults::rule::FaultAction;
use crate::log::{logged_headers, RequestRecord};
use crate::state::Shared;

type RespBody = BoxBody<Bytes, std::io::Error>;

/// The error that makes hyper drop the connection (the "dropped connection" fault).
#[derive(Debug)]
pub(crate) struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for Dropped {}

/// Reads a request body with the size limit and timeout.
async fn read_body(shared: &Shared, body: Incoming, headers: &HeaderMap) -> Result<Bytes, GraphError> {
    let max = shared.config.max_body_bytes;
    let too_large = || {
        GraphError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestEntityTooLarge",
            format!("The request body is larger than the emulator's limit of {max} bytes."),
        )
    };
    if let Some(len) = headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok()) {
        if len > max as u64 {
            return Err(too_large());
        }
    }
    let collect = Limited::new(body, max).collect();
    match tokio::time::timeout(shared.config.body_timeout, collect).await {
        Err(_) => Err(GraphError::new(
            StatusCode::REQUEST_TIMEOUT,
            "RequestTimeout",
            "The request body did not arrive in time.",
        )),
        Ok(Err(e)) => {
            if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() {
                Err(too_large())
            } else {
                Err(GraphError::bad_request("The request body could not be read."))
            }
        }
        Ok(Ok(c)) => Ok(c.to_bytes()),
    }
}

fn full(b: Bytes) -> RespBody {
    Full::new(b).map_err(|never: Infallible| match never {}).boxed()
}

/// A body of `pieces` (shared slices, never copied) under a transport fault: a truncated body
/// sends its first half, pauses (so hyper flushes it) and fails, and hyper closes the
/// connection; a slow body sends pieces of the fault's size with its delay before each but the
/// first; others go as they are.
fn faulted_body(pieces: Vec<Bytes>, transport: Option<&FaultAction>) -> RespBody {
    let (pieces, truncate, delay) = match transport {
        Some(FaultAction::TruncateBody) => {
            let mut keep = pieces.iter().map(Bytes::len).sum::<usize>() / 2;
            let mut half = Vec::new();
            for p in pieces {
                if keep == 0 {
                    break;
                }
                let n = keep.min(p.len());
                half.push(p.slice(..n));
                keep -= n;
            }
            (half, true, None)
        }
        Some(FaultAction::SlowBody { chunk, delay }) => {
            let step = (*chunk).max(1);
            let split = pieces
                .into_iter()
                .flat_map(|p| (0..p.len()).step_by(step).map(move |i| p.slice(i..(i + step).min(p.len()))))
                .collect();
            (split, false, Some(*delay))
        }
        _ => (pieces, false, None),
    };
    let parts = pieces.into_iter().map(Some).chain(truncate.then_some(None)).enumerate();
    let frames = futures_util::stream::iter(parts).then(move |(i, part)| async move {
        if let (Some(d), true) = (delay, i > 0) {
            tokio::time::sleep(d).await;
        }
        match part {
            Some(data) => Ok(Frame::data(data)),
            None => {
                tokio::time::sleep(Duration::from_millis(20)).await;
                Err(std::io::Error::new(std::io::ErrorKind::ConnectionAborted, "truncated by fault injection"))
            }
        }
    });
    BodyExt::boxed(StreamBody::new(frames))
}

/// Turns a response into hyper's, applying a transport fault.
fn to_hyper(resp: Response, transport: Option<FaultAction>) -> hyper::Response<RespBody> {
    let bytes = resp.body.bytes();
    let mut headers = resp.headers;
    let body: RespBody = match transport {
        Some(action @ (FaultAction::TruncateBody | FaultAction::SlowBody { .. })) if !bytes.is_empty() => {
            // Promise the full length: a truncated body is then seen as short.
            if let Ok(v) = HeaderValue::from_str(&bytes.len().to_string()) {
                headers.insert(CONTENT_LENGTH, v);
            }
            faulted_body(vec![bytes], Some(&action))
        }
        Some(FaultAction::MalformedJson) if !bytes.is_empty() => {
            let half = bytes.slice(..bytes.len() / 2);
            full(half)
        }
        _ => full(bytes),
    };
    let mut out = hyper::Response::new(body);
    *out.status_mut() = resp.status;
    *out.headers_mut() = headers;
    out
}

/// Handles one HTTP request.
pub(crate) async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Result<hyper::Response<RespBody>, Dropped> {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().unwrap_or("").to_string();
    let lower = path.to_ascii_lowercase();

    if lower == "/v1.0" || lower.starts_with("/v1.0/") {
        let graph_path = path[5..].to_string();
        let body = match read_body(&shared, body, &parts.headers).await {
            Ok(b) => b,
            Err(e) => {
                let meta = new_meta(&shared, &parts.headers);
                let mut r = e.into_response(&meta);
                stamp(&mut r, &meta);
                let req = GraphRequest {
                    method: parts.method.clone(),
                    path: graph_path,
                    query,
                    headers: parts.headers.clone(),
                    body: Bytes::new(),
                    batch_item: None,
                    client_request_id_inherited: false,
                };
                let authorized = req.headers.contains_key(hyper::header::AUTHORIZATION);
                log_item(&shared, &req, &r, authorized, None, None);
                let mut h = to_hyper(r, None);
                h.headers_mut().insert(hyper::header::CONNECTION, HeaderValue::from_static("close"));
                return Ok(h);
            }
        };
        let authorization =
            parts.headers.get(hyper::header::AUTHORIZATION).and_then(|v| v.to_str().ok()).map(String::from);
        let req = GraphRequest {
            method: parts.method.clone(),
            path: graph_path,
            query,
            headers: parts.headers.clone(),
            body,
            batch_item: None,
            client_request_id_inherited: false,
        };
        let exec = match dispatch::admit(&shared, &req, authorization.as_deref(), Site::Request).await {
            Ok(admitted) => {
                let response = if req.path.trim_end_matches('/') == "/$batch" {
                    batch::run(&shared, &req, authorization.as_deref(), admitted.meta()).await
                } else {
                    admitted.handle(&shared, &req)
                };
                admitted.finish(&shared, &req, response)
            }
            Err(answered) => answered,
        };
        if matches!(exec.transport, Some(FaultAction::DropConnection)) {
            shared.log.push(RequestRecord {
                method: req.method.to_string(),
                target: req.target(),
                status: 0,
                authorization: authorization.is_some(),
                headers: logged_headers(&req.headers),
                batch_item: None,
                client_id: None,
                fault: Some("drop".into()),
                at: SystemTime::now(),
            });
            return Err(Dropped);
        }
        return Ok(to_hyper(exec.response, exec.transport));
    }

    if let Some(rest) = lower.strip_prefix("/_emulator/") {
        if rest.starts_with("upload/") || rest.starts_with("download/") {
            return files_url(&shared, parts, body, &path, &query).await;
        }
    }

    let meta = new_meta(&shared, &parts.headers);
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let resp = match (segments.as_slice(), &parts.method) {
        ([tenant, "oauth2", "v2.0", ep @ ("token" | "devicecode")], method) => {
            let endpoint = if *ep == "token" { Endpoint::Token } else { Endpoint::DeviceCode };
            oauth(&shared, endpoint, tenant, method, &parts.headers, body, &meta, &path).await
        }
        ([tenant, "oauth2", "v2.0", "authorize"], &Method::GET) => {
            let r = crate::auth::authorize::authorize(&shared, tenant, &query);
            shared.log.push(RequestRecord {
                method: "GET".into(),
                target: path.clone(),
                status: r.status.as_u16(),
                authorization: false,
                headers: logged_headers(&parts.headers),
                batch_item: None,
                client_id: None,
                fault: None,
                at: SystemTime::now(),
            });
            r
        }
        (["attachmentSessions", id], _) => match read_body(&shared, body, &parts.headers).await {
            Ok(bytes) => crate::mail::upload::serve(&shared, id, &parts, bytes, &meta),
            Err(e) => e.into_response(&meta),
        },
        ([tenant, "v2.0", ".well-known", "openid-configuration"], &Method::GET) => {
            openid_configuration(&shared, tenant)
        }
        (["devicelogin"], _) => {
            let body = read_body(&shared, body, &parts.headers).await.unwrap_or_default();
            device_login(&shared, &parts.method, &body)
        }
        ([""], &Method::GET) => index(&shared),
        (["beta", ..], _) => {
            GraphError::bad_request("The emulator serves Microsoft Graph v1.0 only (/v1.0/...).").into_response(&meta)
        }
        _ => GraphError::new(
            StatusCode::NOT_FOUND,
            "NotFound",
            "The emulator has no resource at this path: Graph is under /v1.0.",
        )
        .into_response(&meta),
    };
    let mut resp = resp;
    stamp(&mut resp, &meta);
    Ok(to_hyper(resp, None))
}

/// The pre-authenticated URLs of upload sessions and downloads ([`crate::files`]): authorized
/// by their `tempauth` alone, logged, and subject to faults like Graph requests.
async fn files_url(
    shared: &Arc<Shared>,
    parts: hyper::http::request::Parts,
    body: Incoming,
    path: &str,
    query: &str,
) -> Result<hyper::Response<RespBody>, Dropped> {
    let record = |status: u16, fault: Option<String>| {
        shared.log.push(RequestRecord {
            method: parts.method.to_string(),
            // The tempauth query is a credential: it is not logged.
            target: path.to_string(),
            status,
            authorization: parts.headers.contains_key(hyper::header::AUTHORIZATION),
            headers: logged_headers(&parts.headers),
            batch_item: None,
            client_id: None,
            fault,
            at: SystemTime::now(),
        });
    };
    let decision = shared.faults.decide(Site::Request, parts.method.as_str(), path);
    if !decision.latency.is_zero() {
        tokio::time::sleep(decision.latency).await;
    }
    let mut transport = None;
    if let Some(action) = decision.action {
        if let Some((err, _)) = fault_error(&action) {
            let meta = new_meta(shared, &parts.headers);
            let r = err.into_response(&meta);
            record(r.status.as_u16(), Some(action.label()));
            return Ok(to_hyper(r, None));
        }
        if action == FaultAction::DropConnection {
            record(0, Some(action.label()));
            return Err(Dropped);
        }
        transport = Some(action);
    }
    let fault = transport.as_ref().map(FaultAction::label);
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let (kind, id) = match segments.as_slice() {
        [_, kind, id] => (kind.to_ascii_lowercase(), (*id).to_string()),
        _ => (String::new(), String::new()),
    };
    if kind == "upload" {
        let bytes = if parts.method == Method::PUT {
            let limit = Limited::new(body, crate::files::MAX_CHUNK as usize).collect();
            match tokio::time::timeout(shared.config.body_timeout, limit).await {
                Ok(Ok(c)) => c.to_bytes(),
                _ => {
                    let r = Response::json(
                        StatusCode::BAD_REQUEST,
                        &serde_json::json!({"error": {"code": "invalidRequest", "message": "The fragment could not be read (at most 60 MiB, in time)."}}),
                    );
                    record(400, fault);
                    let mut h = to_hyper(r, None);
                    h.headers_mut().insert(hyper::header::CONNECTION, HeaderValue::from_static("close"));
                    return Ok(h);
                }
            }
        } else {
            Bytes::new()
        };
        let r = shared
            .files
            .upload(&parts.method, &id, query, &parts.headers, bytes, shared.clock.now_ms())
            .unwrap_or_else(crate::files::plain_error);
        record(r.status.as_u16(), fault);
        return Ok(to_hyper(r, transport));
    }
    let content =
        if matches!(parts.method, Method::GET | Method::HEAD) { shared.files.download(&id, query) } else { None };
    let Some(content) = content else {
        let r = Response::json(
            StatusCode::NOT_FOUND,
            &serde_json::json!({"error": {"code": "itemNotFound", "message": "The download URL is unknown or expired."}}),
        );
        record(404, fault);
        return Ok(to_hyper(r, None));
    };
    let len = content.len();
    let (status, start, end) = match crate::files::range(&parts.headers, len) {
        Ok(None) => (StatusCode::OK, 0, len),
        Ok(Some((a, b))) => (StatusCode::PARTIAL_CONTENT, a, b),
        Err(()) => {
            let mut r = Response::empty(StatusCode::RANGE_NOT_SATISFIABLE);
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{len}")) {
                r.headers.insert(hyper::header::CONTENT_RANGE, v);
            }
            record(416, fault);
            return Ok(to_hyper(r, None));
        }
    };
    record(status.as_u16(), fault);
    let mut out = hyper::Response::new(full(Bytes::new()));
    *out.status_mut() = status;
    let h = out.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
    h.insert(hyper::header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if let Ok(v) = HeaderValue::from_str(&(end - start).to_string()) {
        h.insert(CONTENT_LENGTH, v);
    }
    if status == StatusCode::PARTIAL_CONTENT {
        if let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{}/{len}", end - 1)) {
            h.insert(hyper::header::CONTENT_RANGE, v);
        }
    }
    if parts.method == Method::HEAD {
        return Ok(out);
    }
    // The stored chunks, sliced (no copy).
    *out.body_mut() = faulted_body(content.slices(start, end), transport.as_ref());
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
async fn oauth(
    shared: &Arc<Shared>,
    endpoint: Endpoint,
    tenant: &str,
    method: &Method,
    headers: &HeaderMap,
    body: Incoming,
    meta: &RequestMeta,
    path: &str,
) -> Response {
    let record = |resp: &Response, client: Option<&str>, fault: Option<String>| {
        shared.log.push(RequestRecord {
            method: method.to_string(),
            target: path.to_string(),
            status: resp.status.as_u16(),
            authorization: headers.contains_key(hyper::header::AUTHORIZATION),
            headers: logged_headers(headers),
            batch_item: None,
            client_id: client.map(String::from),
            fault,
            at: SystemTime::now(),
        });
    };
    if method != Method::POST {
        let r = AadError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "invalid_request",
            900561,
            "The endpoint only accepts POST requests.",
        )
        .into_response(meta);
        record(&r, None, None);
        return r;
    }
    let bytes = match read_body(shared, body, headers).await {
        Ok(b) => b,
        Err(e) => return e.into_response(meta),
    };
    let decision = shared.faults.decide(Site::Token, "POST", path);
    if !decision.latency.is_zero() {
        tokio::time::sleep(decision.latency).await;
    }
    if let Some(action) = &decision.action {
        if let Some((err, _)) = fault_error(action) {
            // The identity platform's own error shape.
            let (error, code) = if err.status == StatusCode::TOO_MANY_REQUESTS {
                ("temporarily_unavailable", 50196)
            } else {
                ("server_error", 50000)
            };
            let mut r =
                AadError::new(err.status, error, code, format!("Injected fault: {}", err.message)).into_response(meta);
            for (name, value) in err.headers {
                if let Ok(v) = HeaderValue::from_str(&value) {
                    r.headers.insert(name, v);
                }
            }
            record(&r, None, Some(action.label()));
            return r;
        }
    }
    let ct = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let (resp, client) = endpoint::oauth(shared, endpoint, tenant, ct, &bytes, meta);
    record(&resp, client.as_deref(), None);
    resp
}

fn openid_configuration(shared: &Shared, tenant: &str) -> Response {
    let base = format!("{}/{tenant}", shared.urls.origin);
    Response::json(
        StatusCode::OK,
        &serde_json::json!({
            "issuer": format!("https://login.microsoftonline.com/{}/v2.0", shared.tenant_id),
            "token_endpoint": format!("{base}/oauth2/v2.0/token"),
            "device_authorization_endpoint": format!("{base}/oauth2/v2.0/devicecode"),
            "authorization_endpoint": format!("{base}/oauth2/v2.0/authorize"),
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt"],
            "grant_types_supported": ["client_credentials", "urn:ietf:params:oauth:grant-type:device_code", "refresh_token"],
            "tenant_region_scope": "NA",
            "msgraph_host": shared.urls.origin,
        }),
    )
}

fn index(shared: &Shared) -> Response {
    Response::json(
        StatusCode::OK,
        &serde_json::json!({
            "service": "msgraph-emulator",
            "baseUrl": shared.urls.base,
            "tokenUrl": format!("{}/oauth2/v2.0/token", shared.authority()),
            "deviceCodeUrl": format!("{}/oauth2/v2.0/devicecode", shared.authority()),
            "tenantId": shared.tenant_id,
        }),
    )
}

/// A minimal device-login page: lists pending codes; a form approves or declines one as a user.
fn device_login(shared: &Shared, method: &Method, body: &[u8]) -> Response {
    let mut note = String::new();
    if method == Method::POST {
        let form: std::collections::HashMap<String, String> = form_urlencoded::parse(body).into_owned().collect();
        let code = form.get("user_code").map(String::as_str).unwrap_or("");
        let decision = if form.get("action").map(String::as_str) == Some("decline") {
            shared.auth.decide_device_code(code, None)
        } else {
            let who = form.get("user").cloned().unwrap_or_else(|| shared.seed.signed_in_upn.clone());
            let user = shared.read().find_user(&who).map(|(id, _)| id.to_string());
            match user {
                Some(id) => shared.auth.decide_device_code(code, Some(id)),
                None => Err(format!("no user '{who}'")),
            }
        };
        note = match decision {
            Ok(()) => "<p>Done. You can close this page.</p>".into(),
            Err(e) => format!("<p>Error: {}</p>", html_escape(&e)),
        };
    }
    let pending = shared.auth.pending_user_codes(shared.clock.now_ms());
    let list: String = pending.iter().map(|c| format!("<li><code>{}</code></li>", html_escape(c))).collect();
    let html = format!(
        "<!doctype html><html><head><title>msgraph-emulator device login</title></head><body>\
         <h1>Device login (emulated)</h1>{note}<p>Pending codes:</p><ul>{list}</ul>\
         <form method=\"post\"><label>Code <input name=\"user_code\"></label> \
         <label>User <input name=\"user\" value=\"{}\"></label> \
         <button name=\"action\" value=\"approve\">Approve</button> \
         <button name=\"action\" value=\"decline\">Decline</button></form></body></html>",
        html_escape(&shared.seed.signed_in_upn)
    );
    let mut r =
        Response { status: StatusCode::OK, headers: HeaderMap::new(), body: Body::Raw(html.into_bytes().into()) };
    r.headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    r
}

/// Accepts connections on both listeners (Graph's origin and the content origin, which serve
/// the same routes) until `shutdown` flips, then closes them gracefully (bounded wait).
pub(crate) async fn serve(listeners: [TcpListener; 2], shared: Arc<Shared>, mut shutdown: watch::Receiver<bool>) {
    let mut conns = JoinSet::new();
    let [main, content] = listeners;
    loop {
        tokio::select! {
            accepted = async {
                tokio::select! {
                    a = main.accept() => a,
                    a = content.accept() => a,
                }
            } => {
                let Ok((stream, _peer)) = accepted else {
                    // Transient accept errors (e.g. too many open files): back off briefly.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let shared = shared.clone();
                let mut shutdown = shutdown.clone();
                conns.spawn(async move {
                    let service = hyper::service::service_fn(move |req| handle(shared.clone(), req));
                    let conn = hyper::server::conn::http1::Builder::new()
                        .keep_alive(true)
                        .timer(hyper_util::rt::TokioTimer::new())
                        .header_read_timeout(Duration::from_secs(30))
                        .serve_connection(TokioIo::new(stream), service);
                    tokio::pin!(conn);
                    tokio::select! {
                        _ = conn.as_mut() => {}
                        _ = shutdown.changed() => {
                            conn.as_mut().graceful_shutdown();
                            let _ = tokio::time::timeout(Duration::from_secs(2), conn).await;
                        }
                    }
                });
                // Reap finished connections so the set does not grow.
                while conns.try_join_next().is_some() {}
            }
            _ = shutdown.changed() => break,
        }
    }
    drop(main);
    drop(content);
    let _ = tokio::time::timeout(Duration::from_secs(3), async { while conns.join_next().await.is_some() {} }).await;
    conns.abort_all();
}

/// Binds a loopback listener.
pub(crate) async fn bind(port: u16) -> std::io::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await?;
    let addr = listener.local_addr()?;
    Ok((listener, addr))
}
