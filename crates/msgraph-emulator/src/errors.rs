//! Graph-shaped and AAD-shaped error values, and the internal response type every handler
//! produces (top-level HTTP requests and `$batch` items alike).

use std::borrow::Cow;

use hyper::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use hyper::{HeaderMap, StatusCode};
use serde_json::{json, Value};

/// The `Content-Type` Graph sends with JSON payloads.
pub(crate) const GRAPH_JSON: &str =
    "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

/// Per-request identifiers echoed in every error body (`innerError`) and response header.
#[derive(Debug, Clone)]
pub(crate) struct RequestMeta {
    /// Server-assigned `request-id`.
    pub(crate) request_id: String,
    /// The client's `client-request-id`, or the `request-id` when the client sent none.
    pub(crate) client_request_id: String,
    /// `innerError.date`: UTC, seconds precision, no offset (`2024-05-01T10:00:00`), as Graph.
    pub(crate) date: String,
}

/// A Graph error: `{"error":{"code","message","innerError":{...}}}`.
#[derive(Debug, Clone)]
pub(crate) struct GraphError {
    pub(crate) status: StatusCode,
    pub(crate) code: Cow<'static, str>,
    pub(crate) message: String,
    /// A more specific code, written as `innerError.code` (callers match on it).
    pub(crate) inner_code: Option<&'static str>,
    pub(crate) target: Option<String>,
    /// Extra response headers (`WWW-Authenticate`, `Retry-After`, ...).
    pub(crate) headers: Vec<(HeaderName, String)>,
}

impl GraphError {
    pub(crate) fn new(status: StatusCode, code: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        GraphError {
            status,
            code: code.into(),
            message: message.into(),
            inner_code: None,
            target: None,
            headers: Vec::new(),
        }
    }

    /// 400 `BadRequest`.
    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "BadRequest", message)
    }

    /// 400 for a path segment that does not resolve, worded as Graph does.
    pub(crate) fn segment_not_found(segment: &str) -> Self {
        Self::bad_request(format!("Resource not found for the segment '{}'.", truncate(segment, 200)))
    }

    /// 404 for an entity that does not exist.
    pub(crate) fn not_found(code: &'static str, id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            code,
            format!(
                "Resource '{}' does not exist or one of its queried reference-property objects are not present.",
                truncate(id, 200)
            ),
        )
    }

    /// 405 for a method the target does not support.
    pub(crate) fn method_not_allowed(method: &str, what: &str) -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "Request_BadRequest",
            format!("The HTTP method '{method}' is not supported on {what}."),
        )
    }

    /// 501: valid for Graph, but not emulated.
    pub(crate) fn not_implemented(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_IMPLEMENTED, "NotImplemented", message)
    }

    /// 401 `InvalidAuthenticationToken` with a `WWW-Authenticate` challenge.
    pub(crate) fn unauthorized(message: impl Into<String>, authority: &str) -> Self {
        let challenge = format!(
            "Bearer realm=\"\", authorization_uri=\"{authority}/oauth2/v2.0/authorize\", \
             client_id=\"00000003-0000-0000-c000-000000000000\""
        );
        Self::new(StatusCode::UNAUTHORIZED, "InvalidAuthenticationToken", message)
            .with_header(hyper::header::WWW_AUTHENTICATE, challenge)
    }

    pub(crate) fn with_inner(mut self, code: &'static str) -> Self {
        self.inner_code = Some(code);
        self
    }

    pub(crate) fn with_header(mut self, name: HeaderName, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// The JSON body as a value (tests compare it with [`Self::body_text`]).
    #[cfg(test)]
    pub(crate) fn body(&self, meta: &RequestMeta) -> Value {
        use serde_json::Map;
        let mut inner = Map::new();
        inner.insert("date".into(), Value::String(meta.date.clone()));
        inner.insert("request-id".into(), Value::String(meta.request_id.clone()));
        inner.insert("client-request-id".into(), Value::String(meta.client_request_id.clone()));
        if let Some(code) = self.inner_code {
            inner.insert("code".into(), Value::String(code.into()));
        }
        let mut error = Map::new();
        error.insert("code".into(), Value::String(self.code.to_string()));
        error.insert("message".into(), Value::String(self.message.clone()));
        if let Some(target) = &self.target {
            error.insert("target".into(), Value::String(target.clone()));
        }
        error.insert("innerError".into(), Value::Object(inner));
        json!({ "error": Value::Object(error) })
    }

    /// The JSON body as text, in Graph's field order (code, message, target, innerError).
    pub(crate) fn body_text(&self, meta: &RequestMeta) -> String {
        let mut inner = vec![
            ("date", Value::String(meta.date.clone())),
            ("request-id", Value::String(meta.request_id.clone())),
            ("client-request-id", Value::String(meta.client_request_id.clone())),
        ];
        if let Some(code) = self.inner_code {
            inner.push(("code", Value::String(code.into())));
        }
        let mut error =
            vec![("code", Value::String(self.code.to_string())), ("message", Value::String(self.message.clone()))];
        if let Some(target) = &self.target {
            error.push(("target", Value::String(target.clone())));
        }
        format!("{{\"error\":{}}}", ordered(&error, Some(("innerError", ordered(&inner, None)))))
    }

    pub(crate) fn into_response(self, meta: &RequestMeta) -> Response {
        let body = self.body_text(meta);
        let mut resp = Response::json_text(self.status, body);
        for (name, value) in self.headers {
            if let Ok(v) = HeaderValue::from_str(&value) {
                resp.headers.append(name, v);
            }
        }
        resp
    }
}

/// Writes a JSON object with its keys in the given order (serde_json's map sorts them);
/// `last` is an already-serialized member appended at the end.
fn ordered(pairs: &[(&str, Value)], last: Option<(&str, String)>) -> String {
    let mut out = String::from("{");
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&Value::String((*k).to_string()).to_string());
        out.push(':');
        out.push_str(&v.to_string());
    }
    if let Some((k, text)) = last {
        if !pairs.is_empty() {
            out.push(',');
        }
        out.push_str(&Value::String(k.to_string()).to_string());
        out.push(':');
        out.push_str(&text);
    }
    out.push('}');
    out
}

/// Cuts `s` to at most `max` characters (error messages never echo unbounded input).
pub(crate) fn truncate(s: &str, max: usize) -> Cow<'_, str> {
    match s.char_indices().nth(max) {
        None => Cow::Borrowed(s),
        Some((i, _)) => Cow::Owned(format!("{}…", &s[..i])),
    }
}

/// An AAD (Microsoft identity platform) token-endpoint error.
#[derive(Debug, Clone)]
pub(crate) struct AadError {
    pub(crate) status: StatusCode,
    /// `invalid_client`, `invalid_request`, `authorization_pending`, ...
    pub(crate) error: &'static str,
    /// The AADSTS number.
    pub(crate) aadsts: u32,
    pub(crate) description: String,
    /// `consent_required`, `bad_token`, ... (the `suberror` field).
    pub(crate) suberror: Option<&'static str>,
}

impl AadError {
    pub(crate) fn new(status: StatusCode, error: &'static str, aadsts: u32, description: impl Into<String>) -> Self {
        AadError { status, error, aadsts, description: description.into(), suberror: None }
    }

    /// With a `suberror` (what the client should do: `consent_required`, `bad_token`, ...).
    pub(crate) fn with_suberror(mut self, suberror: &'static str) -> Self {
        self.suberror = Some(suberror);
        self
    }

    pub(crate) fn into_response(self, meta: &RequestMeta) -> Response {
        let timestamp = format!("{}Z", meta.date.replace('T', " "));
        let mut pairs = vec![
            ("error", Value::String(self.error.into())),
            (
                "error_description",
                Value::String(format!(
                    "AADSTS{}: {}\r\nTrace ID: {}\r\nCorrelation ID: {}\r\nTimestamp: {timestamp}",
                    self.aadsts, self.description, meta.request_id, meta.client_request_id
                )),
            ),
            ("error_codes", json!([self.aadsts])),
            ("timestamp", Value::String(timestamp.clone())),
            ("trace_id", Value::String(meta.request_id.clone())),
            ("correlation_id", Value::String(meta.client_request_id.clone())),
            ("error_uri", Value::String(format!("https://login.microsoftonline.com/error?code={}", self.aadsts))),
        ];
        if let Some(sub) = self.suberror {
            pairs.push(("suberror", Value::String(sub.into())));
        }
        let body = ordered(&pairs, None);
        let mut resp = Response::json_text(self.status, body);
        resp.headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
        resp
    }
}

/// A response body.
#[derive(Debug, Clone)]
pub(crate) enum Body {
    Empty,
    /// Serialized JSON.
    Json(bytes::Bytes),
    /// Anything else; the content type is in the headers.
    Raw(bytes::Bytes),
}

impl Body {
    pub(crate) fn bytes(&self) -> bytes::Bytes {
        match self {
            Body::Empty => bytes::Bytes::new(),
            Body::Json(b) | Body::Raw(b) => b.clone(),
        }
    }
}

/// The response every handler produces before it is written to the wire (or into a `$batch`).
#[derive(Debug, Clone)]
pub(crate) struct Response {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Body,
}

impl Response {
    pub(crate) fn empty(status: StatusCode) -> Self {
        Response { status, headers: HeaderMap::new(), body: Body::Empty }
    }

    pub(crate) fn json(status: StatusCode, value: &Value) -> Self {
        let bytes = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(GRAPH_JSON));
        Response { status, headers, body: Body::Json(bytes.into()) }
    }

    /// Already-serialized JSON.
    pub(crate) fn json_text(status: StatusCode, text: String) -> Self {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(GRAPH_JSON));
        Response { status, headers, body: Body::Json(text.into_bytes().into()) }
    }

    pub(crate) fn text(status: StatusCode, text: String) -> Self {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        Response { status, headers, body: Body::Raw(text.into_bytes().into()) }
    }

    pub(crate) fn header(mut self, name: HeaderName, value: &str) -> Self {
        if let Ok(v) = HeaderValue::from_str(value) {
            self.headers.insert(name, v);
        }
        self
    }
}

/// A handler's result.
pub(crate) type HandlerResult = Result<Response, GraphError>;

/// `s` with the HTML special characters escaped (the emulator's few HTML pages).
pub(crate) fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> RequestMeta {
        RequestMeta { request_id: "r".into(), client_request_id: "c".into(), date: "2024-01-01T00:00:00".into() }
    }

    #[test]
    fn graph_error_shape() {
        let e = GraphError::bad_request("nope").with_inner("specific");
        let body = e.body(&meta());
        assert_eq!(body["error"]["code"], "BadRequest");
        assert_eq!(body["error"]["message"], "nope");
        assert_eq!(body["error"]["innerError"]["request-id"], "r");
        assert_eq!(body["error"]["innerError"]["client-request-id"], "c");
        assert_eq!(body["error"]["innerError"]["date"], "2024-01-01T00:00:00");
        assert_eq!(body["error"]["innerError"]["code"], "specific");
    }

    #[test]
    fn body_text_is_ordered_and_equal_to_body() {
        let e = GraphError::bad_request("n\"o").with_inner("x");
        let text = e.body_text(&meta());
        assert!(text.starts_with(r#"{"error":{"code":"BadRequest","message":"n\"o","innerError":{"date":"#), "{text}");
        let parsed: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed, e.body(&meta()));
    }

    #[test]
    fn unauthorized_has_challenge() {
        let r = GraphError::unauthorized("x", "http://a/t").into_response(&meta());
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        let h = r.headers.get(hyper::header::WWW_AUTHENTICATE).and_then(|v| v.to_str().ok()).unwrap_or("");
        assert!(h.starts_with("Bearer "), "{h}");
    }

    #[test]
    fn aad_error_shape() {
        let r = AadError::new(StatusCode::UNAUTHORIZED, "invalid_client", 7000215, "Invalid client secret provided.")
            .into_response(&meta());
        let v: Value = serde_json::from_slice(&r.body.bytes()).unwrap();
        assert_eq!(v["error"], "invalid_client");
        assert!(v["error_description"].as_str().unwrap().starts_with("AADSTS7000215: Invalid client secret"));
        assert_eq!(v["error_codes"][0], 7000215);
        assert_eq!(v["trace_id"], "r");
        assert_eq!(v["correlation_id"], "c");
    }

    #[test]
    fn truncation() {
        assert_eq!(truncate("abc", 5), "abc");
        assert_eq!(truncate("ééééé", 2), "éé…");
    }
}
