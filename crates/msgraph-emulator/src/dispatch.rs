//! The Graph pipeline every request and every `$batch` item goes through: authentication, the
//! protocol guard's `Retry-After` check, the rate limiter and fault injection ([`admit`]),
//! then whatever answers the request (the handler, or `$batch` for the server), then the
//! response's `request-id`s and `RateLimit-*` headers and the request log
//! ([`Admitted::finish`]).
//!
//! `$batch` runs each item through [`execute_graph`]; the server sends the outer `$batch`
//! request through [`admit`] and [`Admitted::finish`] itself, so this module needs neither.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use hyper::header::HeaderValue;
use hyper::{HeaderMap, StatusCode};

use crate::auth::token::authenticate;
use crate::clock::rfc3339;
use crate::context::{Caller, Ctx, GraphRequest};
use crate::errors::{Body, GraphError, RequestMeta, Response};
use crate::faults::engine::{fault_error, RateOutcome, Site};
use crate::faults::rule::FaultAction;
use crate::guard::RetryKey;
use crate::handler;
use crate::log::{logged_headers, RequestRecord};
use crate::mocks::Incoming;
use crate::state::Shared;

/// New per-request identifiers.
pub(crate) fn new_meta(shared: &Shared, headers: &HeaderMap) -> RequestMeta {
    let request_id = shared.new_uuid();
    let client_request_id = headers
        .get("client-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|s| !s.is_empty() && s.len() <= 200)
        .map_or_else(|| request_id.clone(), String::from);
    let date = rfc3339(shared.clock.now_ms()).trim_end_matches('Z').to_string();
    RequestMeta { request_id, client_request_id, date }
}

/// `odata-version` (on every answer with content: JSON, and the plain-text answers of `$count`
/// and `$value`), `request-id` and `client-request-id` on a response.
pub(crate) fn stamp(resp: &mut Response, meta: &RequestMeta) {
    if !matches!(resp.body, Body::Empty) && !resp.headers.contains_key("odata-version") {
        resp.headers.insert("odata-version", HeaderValue::from_static("4.0"));
    }
    if let Ok(v) = HeaderValue::from_str(&meta.request_id) {
        resp.headers.insert("request-id", v);
    }
    if let Ok(v) = HeaderValue::from_str(&meta.client_request_id) {
        resp.headers.insert("client-request-id", v);
    }
}

/// The outcome of running one Graph request through the pipeline.
pub(crate) struct Exec {
    pub(crate) response: Response,
    /// A transport fault for the server layer to apply (top-level requests only).
    pub(crate) transport: Option<FaultAction>,
}

/// Logs a `$batch` item or a request.
pub(crate) fn log_item(
    shared: &Shared,
    req: &GraphRequest,
    resp: &Response,
    authorized: bool,
    client: Option<&str>,
    fault: Option<String>,
) {
    shared.log.push(RequestRecord {
        method: req.method.to_string(),
        target: req.target(),
        status: resp.status.as_u16(),
        authorization: authorized,
        headers: logged_headers(&req.headers),
        batch_item: req.batch_item.clone(),
        client_id: client.map(String::from),
        fault,
        at: SystemTime::now(),
    });
}

/// How a request ended, before its response is stamped and logged.
struct Outcome {
    response: Response,
    /// The app that sent it, once authenticated.
    client: Option<String>,
    /// The injected fault, for the log.
    fault: Option<String>,
    transport: Option<FaultAction>,
}

/// Stamps the response and logs the request (top-level requests whose connection is dropped
/// are logged by the server, which knows they got no answer).
fn conclude(shared: &Shared, req: &GraphRequest, authorized: bool, site: Site, meta: &RequestMeta, o: Outcome) -> Exec {
    let Outcome { mut response, client, fault, transport } = o;
    stamp(&mut response, meta);
    if site == Site::BatchItem {
        log_item(shared, req, &response, authorized, client.as_deref(), fault);
        return Exec { response, transport: None };
    }
    if !matches!(transport, Some(FaultAction::DropConnection)) {
        log_item(shared, req, &response, authorized, client.as_deref(), fault);
    }
    Exec { response, transport }
}

fn rate_headers(rate: Option<RateOutcome>, resp: &mut Response) {
    if let Some(r) = rate {
        let reset = r.reset.as_millis().div_ceil(1000).to_string();
        for (name, value) in [
            ("ratelimit-limit", r.limit.to_string()),
            ("ratelimit-remaining", r.remaining.to_string()),
            ("ratelimit-reset", reset),
        ] {
            if let Ok(v) = HeaderValue::from_str(&value) {
                resp.headers.insert(name, v);
            }
        }
    }
}

/// A request that passed the gate: authenticated, within its budget, and not answered by an
/// injected error.
pub(crate) struct Admitted {
    caller: Caller,
    meta: RequestMeta,
    site: Site,
    authorized: bool,
    rate: Option<RateOutcome>,
    fault: Option<String>,
    transport: Option<FaultAction>,
}

/// Auth, guard, rate limit, faults (and their latency). `Err` when the request ends here: its
/// answer, already stamped and logged.
pub(crate) async fn admit(
    shared: &Arc<Shared>,
    req: &GraphRequest,
    authorization: Option<&str>,
    site: Site,
) -> Result<Admitted, Exec> {
    let meta = new_meta(shared, &req.headers);
    let target = req.target();
    let authorized = authorization.is_some();
    let stop = |o: Outcome| conclude(shared, req, authorized, site, &meta, o);
    let caller = match authenticate(shared, authorization, &target) {
        Ok(c) => c,
        Err(e) => {
            let response = e.into_response(&meta);
            return Err(stop(Outcome { response, client: None, fault: None, transport: None }));
        }
    };
    let client = Some(caller.app_id.clone());
    let method = req.method.as_str();
    // Built only when needed: without a client-request-id it digests the body.
    let retry_key = || RetryKey::new(&caller.app_id, method, &target, req.own_client_request_id(), &req.body);
    if shared.guard.has_deadlines() {
        shared.guard.check_retry(&retry_key());
    }

    let rate = shared.faults.rate(&caller.app_id);
    if let Some(r) = rate.filter(|r| r.exceeded) {
        let secs = r.reset.as_millis().div_ceil(1000).max(1);
        let wait = Duration::from_secs(u64::try_from(secs).unwrap_or(1));
        shared.guard.told_to_wait(retry_key(), wait);
        let mut response = GraphError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequests",
            "The application exceeded its request budget for the current window. Retry after the time given in the Retry-After header.",
        )
        .with_inner("rateLimitExceeded")
        .with_header(hyper::header::RETRY_AFTER, secs.to_string())
        .into_response(&meta);
        rate_headers(rate, &mut response);
        return Err(stop(Outcome { response, client, fault: Some("rate-limit".into()), transport: None }));
    }

    let path = format!("/v1.0{}", req.path);
    let decision = shared.faults.decide(site, method, &path);
    if !decision.latency.is_zero() {
        tokio::time::sleep(decision.latency).await;
    }
    let mut transport = None;
    let mut fault = None;
    if let Some(action) = decision.action {
        fault = Some(action.label());
        if let Some((err, wait)) = fault_error(&action) {
            if let Some(w) = wait {
                shared.guard.told_to_wait(retry_key(), w);
            }
            let mut response = err.into_response(&meta);
            rate_headers(rate, &mut response);
            return Err(stop(Outcome { response, client, fault, transport: None }));
        }
        if action == FaultAction::DropConnection {
            let response = Response::empty(StatusCode::OK);
            return Err(stop(Outcome { response, client, fault, transport: Some(action) }));
        }
        transport = Some(action);
    } else if !decision.latency.is_zero() {
        fault = Some("latency".into());
    }
    Ok(Admitted { caller, meta, site, authorized, rate, fault, transport })
}

impl Admitted {
    /// The request's identifiers.
    pub(crate) fn meta(&self) -> &RequestMeta {
        &self.meta
    }

    /// The answer of a registered mock, else the Graph handler's.
    pub(crate) fn handle(&self, shared: &Shared, req: &GraphRequest) -> Response {
        if let Some(response) = self.mocked(shared, req) {
            return response;
        }
        let ctx = Ctx { shared, caller: &self.caller, req };
        handler::handle(&ctx).unwrap_or_else(|e| e.into_response(&self.meta))
    }

    /// A registered mock's answer. Its `429`/`503` with a `Retry-After` in seconds is
    /// remembered by the guard, as an injected one is.
    fn mocked(&self, shared: &Shared, req: &GraphRequest) -> Option<Response> {
        let incoming = Incoming {
            method: req.method.as_str(),
            path: &req.path,
            query: &req.query,
            headers: &req.headers,
            body: &req.body,
            batch_item: req.batch_item.as_deref(),
            client_id: &self.caller.app_id,
            user_id: self.caller.user_id.as_deref(),
        };
        let response = shared.mocks.answer(&incoming, &self.meta)?;
        if matches!(response.status, StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE) {
            let wait = response.headers.get(hyper::header::RETRY_AFTER).and_then(|v| v.to_str().ok());
            if let Some(secs) = wait.and_then(|v| v.trim().parse::<f64>().ok()).filter(|s| s.is_finite() && *s > 0.0) {
                let key = RetryKey::new(
                    &self.caller.app_id,
                    req.method.as_str(),
                    &req.target(),
                    req.own_client_request_id(),
                    &req.body,
                );
                shared.guard.told_to_wait(key, Duration::from_secs_f64(secs.min(86_400.0)));
            }
        }
        Some(response)
    }

    /// Adds the `RateLimit-*` headers to `response`, stamps it and logs the request.
    pub(crate) fn finish(self, shared: &Shared, req: &GraphRequest, mut response: Response) -> Exec {
        rate_headers(self.rate, &mut response);
        let client = Some(self.caller.app_id);
        let outcome = Outcome { response, client, fault: self.fault, transport: self.transport };
        conclude(shared, req, self.authorized, self.site, &self.meta, outcome)
    }
}

/// Runs a Graph request that is not a `$batch` through the whole pipeline.
pub(crate) async fn execute_graph(
    shared: &Arc<Shared>,
    req: GraphRequest,
    authorization: Option<&str>,
    site: Site,
) -> Exec {
    match admit(shared, &req, authorization, site).await {
        Ok(admitted) => {
            let response = admitted.handle(shared, &req);
            admitted.finish(shared, &req, response)
        }
        Err(answered) => answered,
    }
}
