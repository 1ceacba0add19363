//! What a test registers: a [`Mock`] (the route and conditions it answers), the
//! [`MockResponse`] it answers with (or a handler that builds one), and the [`MockRequest`] a
//! handler sees and a [`MockHandle`](super::registry::MockHandle) records.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use hyper::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use hyper::StatusCode;
use serde_json::Value;

use super::template::{QueryRule, ValueMatch};
use crate::errors::{Body, GraphError, RequestMeta, Response};

/// A mock that cannot be registered: its URL template or its fixed response is invalid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MockError {
    /// `METHOD url` of the mock.
    pub mock: String,
    /// What is wrong, in words.
    pub message: String,
}

impl fmt::Display for MockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot register the mock {}: {}", self.mock, self.message)
    }
}

impl std::error::Error for MockError {}

/// A handler closure: builds the answer from the request.
pub(crate) type HandlerFn = Arc<dyn Fn(&MockRequest) -> MockResponse + Send + Sync>;

/// How a registered mock answers.
#[derive(Clone)]
pub(crate) enum Responder {
    Fixed(MockResponse),
    Handler(HandlerFn),
}

/// Most mocks registered at once (and in one mock file).
pub(crate) const MAX_MOCKS: usize = 10_000;

/// How often a registered mock answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Limit {
    /// Every matching request, until removed.
    Always,
    /// The first `n` matching requests; later ones fall through.
    Times(u64),
    /// Only the `n`th matching request (1-based), as Dev Proxy's `nth`.
    Nth(u64),
}

impl Limit {
    /// Whether the `seen`th matching request (1-based) is answered, `calls` answered before it.
    pub(crate) fn answers(self, seen: u64, calls: u64) -> bool {
        match self {
            Limit::Always => true,
            Limit::Times(n) => calls < n,
            Limit::Nth(n) => seen == n,
        }
    }
}

/// A registered answer for a route: the method, a URL template, optional conditions on the
/// query, headers and body, how often it answers and what.
///
/// The template (see the [module docs](crate::mocks)) is a path after `/v1.0` — or a full
/// `https://graph.microsoft.com/v1.0/...` URL — with `{name}` for one segment or part of one
/// (captured, see [`MockRequest::var`]) and `*` for any characters, across segments too. A
/// query written in the template (`/me?$select=id`) is a condition like [`Mock::query`]
/// (values may hold `*`).
///
/// ```
/// use msgraph_emulator::{Mock, MockResponse};
/// use serde_json::json;
///
/// let mock = Mock::post("/users/{id}/microsoft.graph.assignLicense")
///     .body_json(json!({ "removeLicenses": [] }))
///     .once()
///     .respond(MockResponse::json(200, json!({ "id": "u1" })));
/// # let _ = mock;
/// ```
#[derive(Clone)]
pub struct Mock {
    pub(crate) method: Option<String>,
    pub(crate) url: String,
    pub(crate) query: Vec<QueryRule>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body_json: Option<Value>,
    pub(crate) body_contains: Option<String>,
    pub(crate) limit: Limit,
    pub(crate) responder: Responder,
    /// Where it came from (a mock file entry), for error messages.
    pub(crate) origin: Option<String>,
}

impl fmt::Debug for Mock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mock")
            .field("method", &self.method.as_deref().unwrap_or("*"))
            .field("url", &self.url)
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}

impl Mock {
    /// A mock for `method` (`"*"`: any method) and a URL template. It answers `200` with no
    /// body until [`respond`](Self::respond) or [`respond_with`](Self::respond_with) says
    /// otherwise.
    pub fn new(method: &str, url: impl Into<String>) -> Mock {
        let method = method.trim();
        Mock {
            method: if method == "*" { None } else { Some(method.to_ascii_uppercase()) },
            url: url.into(),
            query: Vec::new(),
            headers: Vec::new(),
            body_json: None,
            body_contains: None,
            limit: Limit::Always,
            responder: Responder::Fixed(MockResponse::new(200)),
            origin: None,
        }
    }

    /// `GET` on a URL template.
    pub fn get(url: impl Into<String>) -> Mock {
        Mock::new("GET", url)
    }

    /// `POST` on a URL template.
    pub fn post(url: impl Into<String>) -> Mock {
        Mock::new("POST", url)
    }

    /// `PATCH` on a URL template.
    pub fn patch(url: impl Into<String>) -> Mock {
        Mock::new("PATCH", url)
    }

    /// `PUT` on a URL template.
    pub fn put(url: impl Into<String>) -> Mock {
        Mock::new("PUT", url)
    }

    /// `DELETE` on a URL template.
    pub fn delete(url: impl Into<String>) -> Mock {
        Mock::new("DELETE", url)
    }

    /// Only requests whose query has `name` with exactly `value` (both compared decoded; the
    /// name case-insensitively, with or without the `$` of a system query option).
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Mock {
        self.query.push(QueryRule { name: name.into(), value: ValueMatch::Exact(value.into()) });
        self
    }

    /// Only requests whose query has `name`, with any value.
    pub fn query_present(mut self, name: impl Into<String>) -> Mock {
        self.query.push(QueryRule { name: name.into(), value: ValueMatch::Present });
        self
    }

    /// Only requests with the header `name` (case-insensitive) equal to `value`.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Mock {
        self.headers.push((name.into().to_ascii_lowercase(), value.into()));
        self
    }

    /// Only requests whose JSON body contains `subset`: every member of an object in `subset`
    /// is in the body with a matching value (objects recursively, arrays element by element
    /// with the same length, numbers by value, everything else equal). A body that is not
    /// JSON never matches.
    pub fn body_json(mut self, subset: Value) -> Mock {
        self.body_json = Some(subset);
        self
    }

    /// Only requests whose body contains `text` (Dev Proxy's `bodyFragment`).
    pub fn body_contains(mut self, text: impl Into<String>) -> Mock {
        self.body_contains = Some(text.into());
        self
    }

    /// Answers the first matching request only, then falls through to what comes after it.
    pub fn once(self) -> Mock {
        self.times(1)
    }

    /// Answers the first `n` matching requests (`n` ≥ 1), then falls through.
    pub fn times(mut self, n: u64) -> Mock {
        self.limit = Limit::Times(n);
        self
    }

    /// Answers only the `n`th matching request (1-based), as Dev Proxy's `nth`: earlier and
    /// later ones fall through (to a later mock or the built-in answer). A request counts when
    /// it meets this mock's conditions and no mock registered before it answered it.
    pub fn nth(mut self, n: u64) -> Mock {
        self.limit = Limit::Nth(n);
        self
    }

    /// Answers every matching request until removed (the default).
    pub fn always(mut self) -> Mock {
        self.limit = Limit::Always;
        self
    }

    /// Answers with `response`.
    pub fn respond(mut self, response: MockResponse) -> Mock {
        self.responder = Responder::Fixed(response);
        self
    }

    /// Answers with what `handler` builds from the request (method, path, captured variables,
    /// query, headers, body). It runs on the emulator's server threads, outside its locks; a
    /// panic in it answers `500` (`MockHandlerPanicked`) instead of taking the emulator down.
    pub fn respond_with<F>(mut self, handler: F) -> Mock
    where
        F: Fn(&MockRequest) -> MockResponse + Send + Sync + 'static,
    {
        self.responder = Responder::Handler(Arc::new(handler));
        self
    }

    /// `METHOD url`, for messages.
    pub(crate) fn label(&self) -> String {
        format!("{} {}", self.method.as_deref().unwrap_or("*"), self.url)
    }
}

/// A response body.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum MockBody {
    Empty,
    Json(Value),
    Bytes(Bytes),
    /// Graph's error shape, with this request's `request-id`s filled in.
    GraphError {
        code: String,
        message: String,
    },
}

/// What a mock answers: a status, headers and a body (JSON, raw bytes, Graph's error shape or
/// none). Graph's `request-id`, `client-request-id` and `OData-Version` headers are added as
/// for every emulator answer; JSON bodies get Graph's JSON `Content-Type` unless the headers
/// name one.
#[derive(Debug, Clone, PartialEq)]
pub struct MockResponse {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: MockBody,
}

impl MockResponse {
    /// A response without a body.
    pub fn new(status: u16) -> MockResponse {
        MockResponse { status, headers: Vec::new(), body: MockBody::Empty }
    }

    /// A JSON body.
    pub fn json(status: u16, body: Value) -> MockResponse {
        MockResponse { status, headers: Vec::new(), body: MockBody::Json(body) }
    }

    /// Raw bytes with a content type (a photo's `$value`, a report's CSV).
    pub fn bytes(status: u16, content_type: &str, body: impl Into<Bytes>) -> MockResponse {
        MockResponse {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: MockBody::Bytes(body.into()),
        }
    }

    /// Plain text (`text/plain; charset=utf-8`).
    pub fn text(status: u16, body: impl Into<String>) -> MockResponse {
        MockResponse::bytes(status, "text/plain; charset=utf-8", body.into())
    }

    /// Graph's error shape: `{"error":{"code","message","innerError":{date, request-id, client-request-id}}}`.
    pub fn graph_error(status: u16, code: impl Into<String>, message: impl Into<String>) -> MockResponse {
        MockResponse {
            status,
            headers: Vec::new(),
            body: MockBody::GraphError { code: code.into(), message: message.into() },
        }
    }

    /// Adds a header (several with one name are all sent).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> MockResponse {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// Checks the status and headers (a fixed response is checked when it is registered).
    pub(crate) fn check(&self) -> Result<(StatusCode, Vec<(HeaderName, HeaderValue)>), String> {
        let status = StatusCode::from_u16(self.status)
            .ok()
            .filter(|s| (100..=599).contains(&s.as_u16()))
            .ok_or_else(|| format!("the status {} is not an HTTP status (100..=599)", self.status))?;
        let mut headers = Vec::with_capacity(self.headers.len());
        for (name, value) in &self.headers {
            let n = HeaderName::from_bytes(name.trim().as_bytes())
                .map_err(|_| format!("'{name}' is not a valid header name"))?;
            let v =
                HeaderValue::from_str(value).map_err(|_| format!("the value of the header '{name}' is not valid"))?;
            headers.push((n, v));
        }
        Ok((status, headers))
    }

    /// The emulator's response (`Err`: an invalid status or header, in words).
    pub(crate) fn to_response(&self, meta: &RequestMeta) -> Result<Response, String> {
        let (status, headers) = self.check()?;
        let mut resp = match &self.body {
            MockBody::Empty => Response::empty(status),
            MockBody::Json(v) => Response::json(status, v),
            MockBody::Bytes(b) => {
                let mut r = Response::empty(status);
                r.headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
                r.body = Body::Raw(b.clone());
                r
            }
            MockBody::GraphError { code, message } => {
                GraphError::new(status, code.clone(), message.clone()).into_response(meta)
            }
        };
        // The mock's own headers replace the defaults (content type included); several values
        // of one name are all sent.
        resp.headers.extend(headers.into_iter().collect::<hyper::HeaderMap>());
        Ok(resp)
    }
}

/// A request a mock answered, as its handler sees it and its handle records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MockRequest {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) query: String,
    pub(crate) vars: Vec<(String, String)>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Bytes,
    pub(crate) batch_item: Option<String>,
    pub(crate) client_id: String,
    pub(crate) user_id: Option<String>,
}

impl MockRequest {
    /// The HTTP method (upper case).
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The path after `/v1.0` as received (not decoded), e.g. `/users/a%40b/assignLicense`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The raw query, without `?` (empty without one).
    pub fn query(&self) -> &str {
        &self.query
    }

    /// A query parameter, decoded (name case-insensitive, the `$` optional).
    pub fn query_param(&self, name: &str) -> Option<String> {
        let want = name.trim_start_matches('$');
        form_urlencoded::parse(self.query.as_bytes())
            .find(|(k, _)| k.trim_start_matches('$').eq_ignore_ascii_case(want))
            .map(|(_, v)| v.into_owned())
    }

    /// A variable the template captured (`{id}`), decoded.
    pub fn var(&self, name: &str) -> Option<&str> {
        self.vars.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// Every captured variable, in template order.
    pub fn vars(&self) -> &[(String, String)] {
        &self.vars
    }

    /// A request header (case-insensitive name). The `Authorization` value is never kept: it
    /// reads `<redacted>`.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Every request header (lower-case names, `Authorization` redacted).
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The body as received.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body as JSON (`None`: empty or not JSON).
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The `$batch` item id, when the request was an item of a batch.
    pub fn batch_item(&self) -> Option<&str> {
        self.batch_item.as_deref()
    }

    /// The app (client id) of the access token.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The signed-in user's id, for delegated tokens.
    pub fn user_id(&self) -> Option<&str> {
        self.user_id.as_deref()
    }
}

/// Whether `body` contains `subset` (see [`Mock::body_json`]).
pub(crate) fn json_subset(subset: &Value, body: &Value) -> bool {
    match (subset, body) {
        (Value::Object(want), Value::Object(have)) => {
            want.iter().all(|(k, w)| have.get(k).is_some_and(|h| json_subset(w, h)))
        }
        (Value::Array(want), Value::Array(have)) => {
            want.len() == have.len() && want.iter().zip(have).all(|(w, h)| json_subset(w, h))
        }
        (Value::Number(a), Value::Number(b)) => a == b || a.as_f64().zip(b.as_f64()).is_some_and(|(x, y)| x == y),
        (a, b) => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn subset_matching() {
        let body = json!({"a": 1, "b": {"c": [1, {"d": "x", "e": true}], "f": null}, "g": "h"});
        assert!(json_subset(&json!({}), &body));
        assert!(json_subset(&json!({"a": 1.0}), &body));
        assert!(json_subset(&json!({"b": {"c": [1, {"d": "x"}]}}), &body));
        assert!(json_subset(&json!({"b": {"f": null}}), &body));
        assert!(!json_subset(&json!({"b": {"c": [1]}}), &body));
        assert!(!json_subset(&json!({"a": "1"}), &body));
        assert!(!json_subset(&json!({"z": null}), &body));
        assert!(!json_subset(&json!({"b": {"c": [1, {"d": "y"}]}}), &body));
    }

    #[test]
    fn responses_check_status_and_headers() {
        let meta = RequestMeta { request_id: "r".into(), client_request_id: "c".into(), date: "d".into() };
        assert!(MockResponse::new(99).to_response(&meta).unwrap_err().contains("not an HTTP status"));
        assert!(MockResponse::new(600).check().is_err());
        assert!(MockResponse::new(200).header("bad name", "x").check().unwrap_err().contains("header name"));
        let r = MockResponse::json(201, json!({"id": 1}))
            .header("Content-Type", "application/json")
            .to_response(&meta)
            .unwrap();
        assert_eq!(r.status.as_u16(), 201);
        assert_eq!(r.headers.get_all(CONTENT_TYPE).iter().count(), 1);
        assert_eq!(r.headers.get(CONTENT_TYPE).unwrap(), "application/json");
        let e = MockResponse::graph_error(403, "Forbidden", "no").to_response(&meta).unwrap();
        let v: Value = serde_json::from_slice(&e.body.bytes()).unwrap();
        assert_eq!(v["error"]["code"], "Forbidden");
        assert_eq!(v["error"]["innerError"]["request-id"], "r");
    }
}
