//! One Graph request as the handlers see it: the request itself (independent of hyper, for
//! top-level requests and `$batch` items alike), who sends it, and the shared state.

use bytes::Bytes;
use hyper::{HeaderMap, Method, StatusCode};
use serde_json::{Map, Value};

use crate::errors::{truncate, GraphError};
use crate::odata;
use crate::state::Shared;

/// Who is calling, from a validated access token.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub(crate) app_id: String,
    /// The user for delegated tokens.
    pub(crate) user_id: Option<String>,
}

/// A Graph request (top-level or a `$batch` item), independent of hyper.
#[derive(Debug, Clone)]
pub(crate) struct GraphRequest {
    pub(crate) method: Method,
    /// Raw path after `/v1.0`, e.g. `/users/a%2Fb` (not decoded).
    pub(crate) path: String,
    /// Raw query without `?`.
    pub(crate) query: String,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    /// The `$batch` item id, for items.
    pub(crate) batch_item: Option<String>,
    /// The `client-request-id` header was copied from the outer `$batch` (the item sent none).
    pub(crate) client_request_id_inherited: bool,
}

impl GraphRequest {
    /// `/v1.0/path?query` exactly as received.
    pub(crate) fn target(&self) -> String {
        if self.query.is_empty() {
            format!("/v1.0{}", self.path)
        } else {
            format!("/v1.0{}?{}", self.path, self.query)
        }
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `client-request-id` the client sent for this very request (not one a `$batch` item
    /// inherited from its batch), when it is usable (non-empty, at most 200 characters).
    pub(crate) fn own_client_request_id(&self) -> Option<&str> {
        if self.client_request_id_inherited {
            return None;
        }
        self.header("client-request-id").filter(|s| !s.is_empty() && s.len() <= 200)
    }

    /// The JSON object body; `None` when there is no body.
    pub(crate) fn json_body(&self) -> Result<Option<Map<String, Value>>, GraphError> {
        if self.body.is_empty() {
            return Ok(None);
        }
        let Some(ct) = self.header("content-type") else {
            return Err(GraphError::bad_request(
                "Write requests (excluding DELETE) must contain the Content-Type header declaration.",
            ));
        };
        let mime = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        if mime != "application/json" {
            return Err(GraphError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "UnsupportedMediaType",
                format!("The content type '{}' is not supported: send application/json.", truncate(ct, 100)),
            ));
        }
        let value: Value = serde_json::from_slice(&self.body).map_err(|e| {
            GraphError::bad_request(format!(
                "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format. ({e})"
            ))
        })?;
        match value {
            Value::Object(m) => Ok(Some(m)),
            _ => Err(GraphError::bad_request("The request body must be a JSON object.")),
        }
    }

    /// `Prefer: odata.maxpagesize=N` (1..=999), as Graph honours it for paged collections.
    pub(crate) fn max_page_size(&self) -> Option<usize> {
        self.headers.get_all("prefer").iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).find_map(|p| {
            let (k, v) = p.split_once('=')?;
            if !k.trim().eq_ignore_ascii_case("odata.maxpagesize") {
                return None;
            }
            v.trim().trim_matches('"').parse::<usize>().ok().filter(|n| (1..=odata::MAX_TOP).contains(n))
        })
    }
}

/// What a handler needs to know about the request.
pub(crate) struct Ctx<'a> {
    pub(crate) shared: &'a Shared,
    pub(crate) caller: &'a Caller,
    pub(crate) req: &'a GraphRequest,
}

impl Ctx<'_> {
    /// Whether the request asks for `ConsistencyLevel: eventual` (advanced queries).
    pub(crate) fn eventual(&self) -> bool {
        self.req.header("consistencylevel").is_some_and(|v| v.trim().eq_ignore_ascii_case("eventual"))
    }

    /// An `@odata.context` value for `fragment`.
    pub(crate) fn context(&self, fragment: &str) -> Value {
        Value::String(format!("{}/$metadata#{fragment}", self.shared.urls.base))
    }

    /// The user `/me` maps to: the signed-in user of a delegated token. An app-only token gets
    /// Graph's `400 BadRequest` (there is no "me" without a user).
    pub(crate) fn me(&self) -> Result<String, GraphError> {
        self.caller
            .user_id
            .clone()
            .ok_or_else(|| GraphError::bad_request("/me request is only valid with delegated authentication flow."))
    }
}
