//! Typed requests.
//!
//! A [`Request<T>`] is a type-erased [`RequestParts`] (method, path with percent-encoded
//! segments or an absolute URL, query options, headers, body) plus the client and a
//! `PhantomData<fn() -> T>` naming the response type. Everything but decoding is non-generic:
//! [`Request::send`] hands the parts to one runtime function and only
//! [`ResponseBody::from_response`] is compiled per `T`.
//!
//! ```no_run
//! # async fn demo(client: msgraph_core::client::Client) -> msgraph_core::error::Result<()> {
//! use msgraph_core::http::Method;
//! use msgraph_codec::odata::literal;
//! use msgraph_core::request::Request;
//!
//! let page: msgraph_core::paging::Page<serde_json::Value> = Request::new(&client, Method::Get, &["users"])
//!     .filter(format!("surname eq {}", literal::string("O'Neil")))
//!     .select(&["id", "displayName"])
//!     .count(true) // adds ConsistencyLevel: eventual
//!     .send()
//!     .await?;
//! # Ok(()) }
//! ```

use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

use crate::client::{check_status, Client};
use crate::error::{Error, Result};
use crate::http::{Body, Context, Headers, HttpRequest, HttpResponse, Method};
use crate::pipeline::RetryOptions;
use msgraph_codec::json::{DecodeWarning, Reader};
use msgraph_codec::model::{Codec, Model};
use msgraph_codec::odata::{push_key_segment, push_segment};

use crate::query::{join_url, QueryOptions};

/// Where a request goes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    /// A path under the API root, segments percent-encoded, starting with `/`.
    Path(String),
    /// An absolute URL used verbatim (`@odata.nextLink`, upload URLs).
    Url(String),
}

/// Empty, `.` and `..` segments cannot be sent: URL parsers remove dot segments (even
/// percent-encoded ones), which would silently target another resource.
fn check_segment(segment: &str) -> Result<()> {
    if segment.is_empty() {
        return Err(Error::validation("empty path segment (an empty id?)"));
    }
    if segment == "." || segment == ".." {
        return Err(Error::validation(format!(
            "the path segment {segment:?} cannot be sent (dot segments are removed by URL parsers)"
        )));
    }
    Ok(())
}

/// The settings of one call that are not on the wire: they go to the pipeline through its
/// [`Context`], and page requests inherit them from the first request.
#[derive(Debug, Clone, Default)]
pub(crate) struct CallOptions {
    timeout: Option<Duration>,
    max_response_bytes: Option<usize>,
    retry: Option<RetryOptions>,
}

/// The type-erased core of a request.
pub struct RequestParts {
    method: Method,
    target: Target,
    query: QueryOptions,
    headers: Headers,
    body: Body,
    options: CallOptions,
    skip_auth: bool,
    error: Option<Error>,
}

impl fmt::Debug for RequestParts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RequestParts");
        d.field("method", &self.method);
        match &self.target {
            Target::Path(p) => d.field("path", p),
            Target::Url(u) => d.field("url", &crate::http::RedactedStr(u)),
        };
        d.field("query", &self.query).field("headers", &self.headers).field("body", &self.body);
        if let Some(e) = &self.error {
            d.field("error", e);
        }
        d.finish()
    }
}

impl RequestParts {
    fn with_target(method: Method, target: Target) -> RequestParts {
        RequestParts {
            method,
            target,
            query: QueryOptions::new(),
            headers: Headers::new(),
            body: Body::empty(),
            options: CallOptions::default(),
            skip_auth: false,
            error: None,
        }
    }

    /// A request to `segments` under the API root; each segment is percent-encoded
    /// ([`msgraph_codec::odata::percent_encode_segment`]) as Graph's URL syntax: `$count`,
    /// `$value` and `delta()` keep their meaning. Append a key that comes from elsewhere (user
    /// input) with [`RequestParts::push_key`], which encodes it as data.
    pub fn new(method: Method, segments: &[&str]) -> RequestParts {
        let mut path = String::with_capacity(segments.iter().map(|s| s.len() + 1).sum());
        let mut parts = RequestParts::with_target(method, Target::Path(String::new()));
        for s in segments {
            if let Err(e) = check_segment(s) {
                parts.record(e);
            }
            push_segment(&mut path, s);
        }
        parts.target = Target::Path(path);
        parts
    }

    /// A request to an already encoded path under the API root (`/me/messages/AAMk%2F...`).
    /// It must start with `/` and contain only URL-safe characters, no `?` or `#`.
    pub fn from_path(method: Method, encoded_path: &str) -> RequestParts {
        let mut parts = RequestParts::with_target(method, Target::Path(encoded_path.to_string()));
        let valid = encoded_path.starts_with('/')
            && encoded_path
                .bytes()
                .all(|b| b.is_ascii_graphic() && !matches!(b, b'?' | b'#' | b'"' | b'<' | b'>' | b'\\'));
        if !valid {
            parts.record(Error::validation(format!("invalid encoded path {encoded_path:?}")));
        }
        parts
    }

    /// A request to an absolute URL, used verbatim (a `@odata.nextLink`, an upload URL).
    pub fn from_url(method: Method, url: &str) -> RequestParts {
        let mut parts = RequestParts::with_target(method, Target::Url(url.to_string()));
        if let Err(e) = crate::http::parse_http_url(url) {
            parts.record(e);
        }
        parts
    }

    fn record(&mut self, e: Error) {
        if self.error.is_none() {
            self.error = Some(e);
        }
    }

    /// Appends a percent-encoded segment to the path.
    pub fn push_segment(&mut self, segment: &str) {
        if let Err(e) = check_segment(segment) {
            self.record(e);
        }
        match &mut self.target {
            Target::Path(p) => push_segment(p, segment),
            Target::Url(_) => self.record(Error::validation("cannot append a segment to an absolute URL")),
        }
    }

    /// Appends a key given by the caller as one segment: everything but RFC 3986 unreserved
    /// characters is percent-encoded ([`msgraph_codec::odata::percent_encode_key`]), so the key
    /// cannot read as `$count`, `$value`, `$ref` or a function call.
    pub fn push_key(&mut self, key: &str) {
        if let Err(e) = check_segment(key) {
            self.record(e);
        }
        match &mut self.target {
            Target::Path(p) => push_key_segment(p, key),
            Target::Url(_) => self.record(Error::validation("cannot append a segment to an absolute URL")),
        }
    }

    /// Appends OneDrive path addressing to the last segment: `:/{name}/{name}:`, each name
    /// percent-encoded as data. An empty, `.` or `..` name is an error.
    pub fn push_drive_path(&mut self, names: &[String]) {
        if names.is_empty() {
            self.record(Error::validation("empty item path"));
        }
        for name in names {
            if name.is_empty() || name == "." || name == ".." {
                self.record(Error::validation(format!(
                    "invalid item path: the name {name:?} is empty, '.' or '..' (names are separated by '/')"
                )));
                return;
            }
        }
        match &mut self.target {
            Target::Path(p) => {
                p.push(':');
                for name in names {
                    msgraph_codec::odata::push_key_segment(p, name);
                }
                p.push(':');
            }
            Target::Url(_) => self.record(Error::validation("cannot append a path to an absolute URL")),
        }
    }

    /// The method.
    pub fn method(&self) -> Method {
        self.method
    }

    /// The query options.
    pub fn query(&self) -> &QueryOptions {
        &self.query
    }

    /// The query options, mutably.
    pub fn query_mut(&mut self) -> &mut QueryOptions {
        &mut self.query
    }

    /// The headers set on this request (the pipeline adds more).
    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    /// Sets a header; an invalid name or value is reported when the request is sent.
    pub fn set_header(&mut self, name: &str, value: &str) {
        if let Err(e) = self.headers.insert(name.to_string(), value) {
            self.record(e);
        }
    }

    /// The body.
    pub fn body(&self) -> &Body {
        &self.body
    }

    /// Sets the body and its `Content-Type`.
    pub fn set_body(&mut self, body: Body, content_type: &str) {
        self.body = body;
        self.set_header("content-type", content_type);
    }

    /// Sets a JSON body (validated now, so a batch never carries broken JSON).
    pub fn set_json_body(&mut self, json: String) {
        let mut r = Reader::new(json.as_bytes());
        if let Err(e) = r.skip_value().and_then(|_| r.finish()) {
            self.record(Error::from(e).context("invalid JSON request body"));
        }
        self.set_body(Body::from_bytes(json.into_bytes()), "application/json");
    }

    /// A timeout per try for this request.
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.options.timeout = Some(timeout);
    }

    /// A response size limit for this request.
    pub fn set_max_response_bytes(&mut self, limit: usize) {
        self.options.max_response_bytes = Some(limit);
    }

    /// Retry settings for this request, replacing the client's (`None`: the client's).
    pub fn set_retry(&mut self, retry: Option<RetryOptions>) {
        self.options.retry = retry;
    }

    /// The retry settings of this request, if it has its own.
    pub fn retry_options(&self) -> Option<&RetryOptions> {
        self.options.retry.as_ref()
    }

    /// Adds a `Prefer` value: every value goes into one `Prefer` header, comma-separated, after
    /// any set with [`RequestParts::set_header`]; a value given again for the same preference
    /// replaces the earlier one. An invalid value is reported when the request is sent.
    pub fn add_prefer(&mut self, prefer: Prefer) {
        let value = match prefer.render() {
            Ok(v) => v,
            Err(e) => return self.record(e),
        };
        let key = preference_name(&value).to_string();
        let mut values: Vec<String> = self
            .headers
            .get_all("prefer")
            .flat_map(split_preferences)
            .filter(|v| !v.is_empty() && !preference_name(v).eq_ignore_ascii_case(&key))
            .map(str::to_string)
            .collect();
        values.push(value);
        self.set_header("prefer", &values.join(", "));
    }

    pub(crate) fn call_options(&self) -> &CallOptions {
        &self.options
    }

    pub(crate) fn set_call_options(&mut self, options: CallOptions) {
        self.options = options;
    }

    /// Sends without `Authorization` (pre-authenticated URLs).
    pub fn set_skip_auth(&mut self, skip: bool) {
        self.skip_auth = skip;
    }

    /// The error recorded while building, if any.
    pub fn error(&self) -> Option<&Error> {
        self.error.as_ref()
    }

    /// Whether `ConsistencyLevel: eventual` is needed (`$count=true`, `$search`, or a `/$count`
    /// segment).
    pub fn needs_eventual_consistency(&self) -> bool {
        self.query.needs_eventual_consistency()
            || matches!(&self.target, Target::Path(p) if p.ends_with("/$count") || p.contains("/$count/"))
    }

    /// The headers as they will be sent (with `ConsistencyLevel` when needed).
    pub(crate) fn effective_headers(&self) -> Headers {
        let mut h = self.headers.clone();
        if self.needs_eventual_consistency() && !h.contains("consistencylevel") {
            h.set_static("consistencylevel", "eventual");
        }
        h
    }

    /// The full URL under `api_root`.
    pub fn url(&self, api_root: &str) -> String {
        match &self.target {
            Target::Path(p) => join_url(api_root, p, &self.query),
            Target::Url(u) => join_url("", u, &self.query),
        }
    }

    /// The URL relative to the API root (`/me/messages?$top=5`) for a `$batch` item, or `None`
    /// for an absolute URL outside it.
    pub fn relative_url(&self, api_root: &str) -> Option<String> {
        match &self.target {
            Target::Path(p) => Some(join_url("", p, &self.query)),
            Target::Url(u) => {
                let rest = u.strip_prefix(api_root)?;
                if !(rest.starts_with('/') || rest.starts_with('?')) {
                    return None;
                }
                let rest = if rest.starts_with('?') { format!("/{rest}") } else { rest.to_string() };
                Some(join_url("", &rest, &self.query))
            }
        }
    }

    /// A copy (`None` when the body is a stream).
    pub fn try_clone(&self) -> Option<RequestParts> {
        Some(RequestParts {
            method: self.method,
            target: self.target.clone(),
            query: self.query.clone(),
            headers: self.headers.clone(),
            body: self.body.try_clone()?,
            options: self.options.clone(),
            skip_auth: self.skip_auth,
            error: self.error.clone(),
        })
    }

    pub(crate) fn take_error(&mut self) -> Option<Error> {
        self.error.take()
    }

    pub(crate) fn context(&self, client: &Client) -> Context {
        let mut ctx = client
            .context()
            .with_timeout(self.options.timeout)
            .with_skip_auth(self.skip_auth)
            .with_retry(self.options.retry.clone());
        if let Some(limit) = self.options.max_response_bytes {
            ctx = ctx.with_max_response_bytes(limit);
        }
        ctx
    }

    /// The HTTP request and context.
    pub(crate) fn into_http(mut self, client: &Client) -> Result<(HttpRequest, Context)> {
        if let Some(e) = self.take_error() {
            return Err(e);
        }
        let url = self.url(client.api_root());
        let parsed = crate::http::parse_http_url(&url).map_err(|e| e.context("invalid request URL"))?;
        let ctx = self.context(client);
        if self.needs_eventual_consistency() && !self.headers.contains("consistencylevel") {
            self.headers.set_static("consistencylevel", "eventual");
        }
        let mut request = HttpRequest::from_url(self.method, parsed);
        *request.headers_mut() = self.headers;
        request.set_body(self.body);
        Ok((request, ctx))
    }
}

/// A `Prefer` value Graph understands, added with [`Request::prefer`]. Several go into one
/// `Prefer` header, comma-separated, as Graph expects
/// (`Prefer: return=minimal, odata.maxpagesize=50`); in a `$batch` they travel as the item's
/// header.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Prefer {
    /// `return=minimal`: a `PATCH` or `POST` answers `204 No Content` instead of the entity
    /// (send it with a `()` response type).
    ReturnMinimal,
    /// `return=representation`: the entity in the answer (where the default is minimal).
    ReturnRepresentation,
    /// `include-unknown-enum-members`: members of evolvable enums added after
    /// `unknownFutureValue` are sent as themselves instead of `unknownFutureValue`.
    IncludeUnknownEnumMembers,
    /// `outlook.timezone="…"`: dates of events and messages in this time zone (a Windows or
    /// IANA name, `Pacific Standard Time`). Build it with [`Prefer::outlook_timezone`]; the name
    /// must be visible ASCII and spaces, without `"` or `\`.
    OutlookTimezone(String),
    /// `odata.maxpagesize=N`: at most N items a page (N ≥ 1); Graph may send fewer.
    MaxPageSize(u32),
}

impl Prefer {
    /// `outlook.timezone="name"` (quoted for you).
    pub fn outlook_timezone(name: impl Into<String>) -> Prefer {
        Prefer::OutlookTimezone(name.into())
    }

    /// The value as sent, or why it cannot be.
    fn render(&self) -> Result<String> {
        Ok(match self {
            Prefer::ReturnMinimal => "return=minimal".to_string(),
            Prefer::ReturnRepresentation => "return=representation".to_string(),
            Prefer::IncludeUnknownEnumMembers => "include-unknown-enum-members".to_string(),
            Prefer::OutlookTimezone(name) => {
                let valid = !name.trim().is_empty()
                    && name.bytes().all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\');
                if !valid {
                    // The name is not a secret: it helps to see what was refused.
                    return Err(Error::validation(format!(
                        "invalid Prefer header value outlook.timezone={name:?}: a time zone name is visible ASCII and spaces, without '\"' or '\\'"
                    )));
                }
                format!("outlook.timezone=\"{name}\"")
            }
            Prefer::MaxPageSize(0) => {
                return Err(Error::validation("invalid Prefer header value odata.maxpagesize=0: at least 1"))
            }
            Prefer::MaxPageSize(n) => format!("odata.maxpagesize={n}"),
        })
    }
}

/// The preferences of one `Prefer` header value, split at commas outside quoted strings.
fn split_preferences(header: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, b) in header.bytes().enumerate() {
        match b {
            _ if escaped => escaped = false,
            b'\\' if quoted => escaped = true,
            b'"' => quoted = !quoted,
            b',' if !quoted => {
                out.push(header[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(header[start..].trim());
    out
}

/// The name of a preference (`return` of `return=minimal`).
fn preference_name(value: &str) -> &str {
    value.split(['=', ';']).next().unwrap_or("").trim()
}

impl Client {
    /// A typed request to `segments` under the API root (each segment percent-encoded).
    pub fn request<T>(&self, method: Method, segments: &[&str]) -> Request<T> {
        Request::new(self, method, segments)
    }

    /// A typed `GET` request.
    pub fn get<T>(&self, segments: &[&str]) -> Request<T> {
        Request::new(self, Method::Get, segments)
    }

    /// Builds the HTTP request of `parts`.
    pub(crate) fn build_http(&self, parts: RequestParts) -> Result<(HttpRequest, Context)> {
        parts.into_http(self)
    }

    /// Sends `parts`; non-success statuses become errors. The one non-generic path every typed
    /// request goes through.
    pub(crate) fn execute(&self, parts: RequestParts) -> crate::http::BoxFuture<'static, Result<HttpResponse>> {
        let client = self.clone();
        Box::pin(async move {
            let (mut request, ctx) = client.build_http(parts)?;
            let response = client.inner.pipeline.send(&ctx, &mut request).await?;
            check_status(response, &request)
        })
    }
}

/// A response body type: how a successful (2xx) answer becomes `Self`.
///
/// Implemented for every [`Codec`] type (models, `serde_json::Value`, `String`, collections,
/// [`crate::paging::Page`]), for `()` (any 2xx, body ignored: `204 No Content`), for
/// [`Json<T>`] (any serde type of your own) and for [`HttpResponse`] (the raw answer: status,
/// headers, bytes).
pub trait ResponseBody: Sized + Send + 'static {
    /// Converts a successful response.
    fn from_response(response: HttpResponse) -> Result<Self>;

    /// Converts a successful response, with the warnings of lenient decoding (values that did
    /// not match their declared type, kept in `additional_data`: see [`DecodeWarning`]). Types
    /// not decoded by the model codec have none.
    fn from_response_with_warnings(response: HttpResponse) -> Result<(Self, Vec<DecodeWarning>)> {
        Self::from_response(response).map(|v| (v, Vec::new()))
    }
}

impl<T: Codec + Send + 'static> ResponseBody for T {
    #[inline]
    fn from_response(response: HttpResponse) -> Result<T> {
        Self::from_response_with_warnings(response).map(|(v, _)| v)
    }

    fn from_response_with_warnings(response: HttpResponse) -> Result<(T, Vec<DecodeWarning>)> {
        if std::any::TypeId::of::<T>() == std::any::TypeId::of::<()>() {
            // `()`: any 2xx, whatever the body (JSON or not) is ignored.
            return msgraph_codec::json::from_slice::<T>(b"null")
                .map(|v| (v, Vec::new()))
                .map_err(|e| decode_error(e, std::any::type_name::<T>(), &response));
        }
        decode_json_with_warnings(&response)
    }
}

impl ResponseBody for HttpResponse {
    fn from_response(response: HttpResponse) -> Result<HttpResponse> {
        Ok(response)
    }
}

/// A response decoded with `serde` into a type of your own: for `$select` projections,
/// `$apply` aggregations and endpoints the generated models do not describe.
///
/// Any `T: serde::de::DeserializeOwned` works. Get one from any request with
/// [`Request::json`] (or name `Json<T>` as the response type of a raw request); it is sent,
/// queued, batched and retried like every other request, and only the decoding differs (serde
/// instead of the model codec; a decode error carries the byte offset, not a JSON path).
///
/// ```no_run
/// # async fn demo(client: msgraph_core::client::Client) -> msgraph_core::error::Result<()> {
/// use msgraph_core::http::Method;
/// use msgraph_core::request::{Json, Request};
///
/// #[derive(serde_derive::Deserialize)]
/// struct Name {
///     #[serde(rename = "displayName")]
///     display_name: String,
/// }
/// #[derive(serde_derive::Deserialize)]
/// struct Names {
///     value: Vec<Name>,
/// }
///
/// let request: Request<()> = Request::new(&client, Method::Get, &["users"]);
/// let Json(page) = request.select(&["displayName"]).json::<Names>().send().await?;
/// for user in &page.value {
///     println!("{}", user.display_name);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Json<T>(pub T);

impl<T> Json<T> {
    /// The decoded value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> std::ops::DerefMut for Json<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T: serde::de::DeserializeOwned + Send + 'static> ResponseBody for Json<T> {
    fn from_response(response: HttpResponse) -> Result<Json<T>> {
        let body = response.body();
        // An empty body (`204 No Content`) reads as `null`: fine for `Json<Option<_>>`.
        let bytes: &[u8] = if body.iter().all(u8::is_ascii_whitespace) { b"null" } else { body };
        msgraph_codec::json::from_slice_serde::<T>(bytes)
            .map(Json)
            .map_err(|e| decode_error(e, std::any::type_name::<T>(), &response))
    }
}

/// Decodes a JSON response body as `T`; errors carry the JSON path, status, ids and content
/// type.
///
/// Decoding is lenient ([`msgraph_codec::json::from_slice`]): a model property whose value does
/// not match its declared type (a `Date` sent as a timestamp, a `Boolean` as `"true"`) is kept
/// in the model's `additional_data` as received and does not fail the response; each such value
/// is logged through `tracing` (see [`decode_json_with_warnings`], which also returns them).
/// Malformed JSON is an error.
pub fn decode_json<T: Codec>(response: &HttpResponse) -> Result<T> {
    decode_json_with_warnings(response).map(|(v, _)| v)
}

/// [`decode_json`], and the warnings of lenient decoding, in document order.
///
/// Each warning is also logged at `WARN` level (target `msgraph_core::decode`) with its JSON
/// path, the declared type and the kind of value found (never the value itself, which may be
/// personal data; [`DecodeWarning::found_text`] has it): the first 10 of a response one by one,
/// then one line with how many more.
pub fn decode_json_with_warnings<T: Codec>(response: &HttpResponse) -> Result<(T, Vec<DecodeWarning>)> {
    let body = response.body();
    if body.iter().all(u8::is_ascii_whitespace) {
        return msgraph_codec::json::from_slice::<T>(b"null")
            .map(|v| (v, Vec::new()))
            .map_err(|_| empty_body_error(std::any::type_name::<T>(), response));
    }
    let (value, warnings) = msgraph_codec::json::from_slice_with_warnings::<T>(body)
        .map_err(|e| decode_error(e, std::any::type_name::<T>(), response))?;
    if !warnings.is_empty() {
        log_warnings(&warnings, short_type_name(std::any::type_name::<T>()), response);
    }
    Ok((value, warnings))
}

/// How many warnings of one response are logged one by one.
const LOGGED_WARNINGS: usize = 10;

fn log_warnings(warnings: &[DecodeWarning], type_name: &str, response: &HttpResponse) {
    let request_id = response.headers().get("request-id").unwrap_or("");
    for w in warnings.iter().take(LOGGED_WARNINGS) {
        tracing::warn!(
            target: "msgraph_core::decode",
            path = %w.path(),
            declared = w.declared_type(),
            found = w.found(),
            response_type = type_name,
            request_id,
            "a value does not match its declared type: kept in additional_data"
        );
    }
    if let Some(more) = warnings.len().checked_sub(LOGGED_WARNINGS).filter(|n| *n > 0) {
        tracing::warn!(
            target: "msgraph_core::decode",
            more,
            response_type = type_name,
            request_id,
            "more values do not match their declared types: kept in additional_data"
        );
    }
}

fn short_type_name(name: &str) -> &str {
    let base = name.split('<').next().unwrap_or(name);
    let start = base.rfind("::").map_or(0, |i| i + 2);
    name.get(start..).unwrap_or(name)
}

fn empty_body_error(type_name: &str, response: &HttpResponse) -> Error {
    let mut e = Error::decode(
        msgraph_codec::json::DecodeError::new(0, "the response body is empty"),
        short_type_name(type_name),
        response.status(),
        response.headers(),
        response.body(),
    );
    if response.status() == 204 {
        e = e.context("204 No Content: use `()` as the response type");
    }
    e
}

fn decode_error(err: msgraph_codec::json::DecodeError, type_name: &str, response: &HttpResponse) -> Error {
    Error::decode(err, short_type_name(type_name), response.status(), response.headers(), response.body())
}

/// A request whose successful response decodes as `T`.
pub struct Request<T> {
    client: Client,
    parts: RequestParts,
    _response: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for Request<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The URL the way `HttpRequest` prints it: no query values (pre-authenticated URLs
        // carry credentials there).
        f.debug_struct("Request")
            .field("url", &crate::http::RedactedStr(&self.url()))
            .field("parts", &self.parts)
            .field("response", &short_type_name(std::any::type_name::<T>()))
            .finish()
    }
}

impl<T> Request<T> {
    /// A request to `segments` under the client's API root (each segment percent-encoded as
    /// Graph's URL syntax, see [`RequestParts::new`]; the generated `by_id` encodes keys as
    /// data).
    pub fn new(client: &Client, method: Method, segments: &[&str]) -> Request<T> {
        Request::from_parts(client, RequestParts::new(method, segments))
    }

    /// A request to an absolute URL used verbatim.
    pub fn from_url(client: &Client, method: Method, url: &str) -> Request<T> {
        Request::from_parts(client, RequestParts::from_url(method, url))
    }

    /// A request from parts.
    pub fn from_parts(client: &Client, parts: RequestParts) -> Request<T> {
        Request { client: client.clone(), parts, _response: PhantomData }
    }

    /// The parts.
    pub fn parts(&self) -> &RequestParts {
        &self.parts
    }

    /// The parts, mutably.
    pub fn parts_mut(&mut self) -> &mut RequestParts {
        &mut self.parts
    }

    /// The parts, taken out.
    pub fn into_parts(self) -> RequestParts {
        self.parts
    }

    /// The client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The same request expecting another response type.
    pub fn cast<U>(self) -> Request<U> {
        Request { client: self.client, parts: self.parts, _response: PhantomData }
    }

    /// The same request, its response decoded with `serde` into your own type `U`
    /// (see [`Json`]): `users().list().select(&["displayName"]).json::<MyPage>()`.
    pub fn json<U: serde::de::DeserializeOwned>(self) -> Request<Json<U>> {
        self.cast()
    }

    /// The method.
    pub fn method(&self) -> Method {
        self.parts.method
    }

    /// The URL that would be sent.
    pub fn url(&self) -> String {
        self.parts.url(self.client.api_root())
    }

    /// The headers that would be sent by this request itself (the pipeline adds
    /// `client-request-id`, `User-Agent`, `Authorization`, `Accept-Encoding`).
    pub fn headers(&self) -> Headers {
        self.parts.effective_headers()
    }

    /// Adds `$select` properties.
    pub fn select(mut self, properties: &[&str]) -> Self {
        self.parts.query.add_select(properties);
        self
    }

    /// Adds `$expand` items.
    pub fn expand(mut self, properties: &[&str]) -> Self {
        self.parts.query.add_expand(properties);
        self
    }

    /// Sets `$filter` (build literals with [`msgraph_codec::odata::literal`]).
    pub fn filter(mut self, filter: impl Into<String>) -> Self {
        self.parts.query.set_filter(filter);
        self
    }

    /// Adds `$orderby` clauses.
    pub fn order_by(mut self, clauses: &[&str]) -> Self {
        self.parts.query.add_order_by(clauses);
        self
    }

    /// Sets `$top`.
    pub fn top(mut self, n: u32) -> Self {
        self.parts.query.set_top(n);
        self
    }

    /// Sets `$skip`.
    pub fn skip(mut self, n: u32) -> Self {
        self.parts.query.set_skip(n);
        self
    }

    /// Sets `$count` (with `true`, `ConsistencyLevel: eventual` is added).
    pub fn count(mut self, count: bool) -> Self {
        self.parts.query.set_count(count);
        self
    }

    /// Sets `$search` (quoted for you when it has no `"`; adds `ConsistencyLevel: eventual`).
    pub fn search(mut self, search: impl Into<String>) -> Self {
        self.parts.query.set_search(search);
        self
    }

    /// Sets `$format`.
    pub fn format(mut self, format: impl Into<String>) -> Self {
        self.parts.query.set_format(format);
        self
    }

    /// Adds a custom query parameter.
    pub fn query_param(mut self, name: &str, value: &str) -> Self {
        if let Err(e) = self.parts.query.add_custom(name, value) {
            self.parts.record(e);
        }
        self
    }

    /// Sets a header on this request (replacing a value set before). The name and value are
    /// checked here: an invalid one (a line break, non-ASCII) is an
    /// [`ErrorKind::Validation`](crate::error::ErrorKind::Validation) error naming the header
    /// (never echoing its value), returned by `send` before anything is sent. Pages and `$batch`
    /// items carry it.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.parts.set_header(name, value);
        self
    }

    /// A JSON body from a model: read-only (computed) properties are left out.
    pub fn body_json(mut self, model: &dyn Model) -> Self {
        self.parts.set_json_body(msgraph_codec::model::to_request_body(model));
        self
    }

    /// A JSON body from any codec type (everything it holds is sent).
    pub fn body_value<B: Codec>(mut self, value: &B) -> Self {
        self.parts.set_json_body(msgraph_codec::json::to_string(value));
        self
    }

    /// A JSON body from text (validated).
    pub fn body_json_text(mut self, json: impl Into<String>) -> Self {
        self.parts.set_json_body(json.into());
        self
    }

    /// A non-JSON body.
    pub fn body_bytes(mut self, bytes: Vec<u8>, content_type: &str) -> Self {
        self.parts.set_body(Body::from_bytes(bytes), content_type);
        self
    }

    /// A timeout per try for this request, instead of the client's
    /// ([`ClientBuilder::timeout`](crate::client::ClientBuilder::timeout)); a try that takes
    /// longer fails with [`ErrorKind::Timeout`](crate::error::ErrorKind::Timeout) (and is retried
    /// like any transient failure of a safe request: add [`Request::no_retry`] for one bound on
    /// the whole call, or a [`RetryOptions::total_time_limit`]). Pages inherit it.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.parts.set_timeout(timeout);
        self
    }

    /// Retries this request by `retry` instead of the client's settings: count, delays, total
    /// time, what is retried. The rules are the same ([`RetryPolicy`](crate::pipeline::RetryPolicy)).
    ///
    /// It follows the request everywhere: [`Request::send`], every page of
    /// [`Request::pages`] / [`Request::items`] (the first request's settings apply to each
    /// page), and the query queue — a query sent directly is retried by its own settings, and
    /// a query sent inside a `$batch` has its own item retries (after an item's 429/503/504,
    /// or when the whole batch's outcome is unknown) counted and delayed by its settings, while
    /// the outer `$batch` request itself (throttled as a whole) follows the client's.
    ///
    /// ```no_run
    /// # async fn demo(client: msgraph_core::client::Client) -> msgraph_core::error::Result<()> {
    /// use std::time::Duration;
    /// use msgraph_core::pipeline::RetryOptions;
    ///
    /// let patient = RetryOptions::new().max_retries(6).max_delay(Duration::from_secs(60));
    /// let me: serde_json::Value = client.get(&["me"]).retry(patient).send().await?;
    /// # let _ = me; Ok(()) }
    /// ```
    pub fn retry(mut self, retry: RetryOptions) -> Self {
        self.parts.set_retry(Some(retry));
        self
    }

    /// Never retries this request ([`RetryOptions::none`]): the first answer, throttled or
    /// not, is returned (a 429 error carries its [`Error::retry_after`]).
    pub fn no_retry(self) -> Self {
        self.retry(RetryOptions::none())
    }

    /// Adds a `Prefer` value ([`Prefer`]); several are sent in one `Prefer` header,
    /// comma-separated. An invalid value (an `outlook.timezone` with a quote, a page size of
    /// 0) is an [`ErrorKind::Validation`](crate::error::ErrorKind::Validation) error naming it,
    /// returned by `send` before anything is sent.
    ///
    /// ```no_run
    /// # async fn demo(client: msgraph_core::client::Client) -> msgraph_core::error::Result<()> {
    /// use msgraph_core::paging::Page;
    /// use msgraph_core::request::Prefer;
    ///
    /// let events = client
    ///     .get::<Page<serde_json::Value>>(&["me", "events"])
    ///     .prefer(Prefer::outlook_timezone("Pacific Standard Time"))
    ///     .prefer(Prefer::MaxPageSize(50)) // Prefer: outlook.timezone="…", odata.maxpagesize=50
    ///     .items()
    ///     .collect_all()
    ///     .await?;
    /// # let _ = events; Ok(()) }
    /// ```
    pub fn prefer(mut self, prefer: Prefer) -> Self {
        self.parts.add_prefer(prefer);
        self
    }

    /// A response size limit for this request.
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.parts.set_max_response_bytes(limit);
        self
    }
}

impl<T: ResponseBody> Request<T> {
    /// Sends the request and converts the answer: 2xx → `T`, anything else → [`Error`].
    pub async fn send(self) -> Result<T> {
        let response = self.client.execute(self.parts).await?;
        T::from_response(response)
    }

    /// [`Request::send`], and the warnings of lenient decoding: values of the answer that did
    /// not match their declared type and were kept in `additional_data` (see
    /// [`DecodeWarning`]; they are logged through `tracing` either way).
    ///
    /// ```no_run
    /// # async fn demo(client: msgraph_core::client::Client) -> msgraph_core::error::Result<()> {
    /// use msgraph_core::paging::Page;
    ///
    /// let request = client.get::<Page<serde_json::Value>>(&["users"]);
    /// let (page, warnings) = request.send_with_warnings().await?;
    /// for w in &warnings {
    ///     eprintln!("{}: expected {}, found {}", w.path(), w.declared_type(), w.found());
    /// }
    /// # let _ = page;
    /// # Ok(()) }
    /// ```
    pub async fn send_with_warnings(self) -> Result<(T, Vec<DecodeWarning>)> {
        let response = self.client.execute(self.parts).await?;
        T::from_response_with_warnings(response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn client() -> Client {
        Client::builder().build().unwrap()
    }

    #[test]
    fn urls_and_encoding() {
        let c = client();
        let r: Request<()> =
            Request::new(&c, Method::Get, &["users", "O'Neil/x?y#z%é", "authentication", "phoneMethods"]);
        assert_eq!(
            r.url(),
            "https://graph.microsoft.com/v1.0/users/O%27Neil%2Fx%3Fy%23z%25%C3%A9/authentication/phoneMethods"
        );
        let r = r.select(&["id"]).top(3);
        assert_eq!(
            r.parts().relative_url(c.api_root()).unwrap(),
            "/users/O%27Neil%2Fx%3Fy%23z%25%C3%A9/authentication/phoneMethods?$select=id&$top=3"
        );
        assert_eq!(r.method(), Method::Get);
        let r: Request<()> = Request::new(&c, Method::Get, &["users"]).count(true);
        assert_eq!(r.headers().get("consistencylevel"), Some("eventual"));
        let r: Request<()> = Request::new(&c, Method::Get, &["users", "$count"]);
        assert_eq!(r.headers().get("consistencylevel"), Some("eventual"));
        let r: Request<()> =
            Request::new(&c, Method::Get, &["users"]).search("displayName:kim").header("ConsistencyLevel", "session");
        assert_eq!(r.headers().get("consistencylevel"), Some("session"));
        assert_eq!(r.url(), "https://graph.microsoft.com/v1.0/users?$search=%22displayName:kim%22");
        let r: Request<()> =
            Request::from_url(&c, Method::Get, "https://graph.microsoft.com/v1.0/users?$skiptoken=a%2Bb");
        assert_eq!(r.parts().relative_url(c.api_root()).unwrap(), "/users?$skiptoken=a%2Bb");
        let r: Request<()> = Request::from_url(&c, Method::Get, "https://other.example/v1.0/users");
        assert!(r.parts().relative_url(c.api_root()).is_none());
        let r: Request<()> = Request::from_url(&c, Method::Get, "https://graph.microsoft.com/v1.0x/users");
        assert!(r.parts().relative_url(c.api_root()).is_none());
    }

    #[test]
    fn bad_input_is_recorded_not_panicked() {
        let c = client();
        let r: Request<()> = Request::new(&c, Method::Get, &["users", ""]);
        assert!(r.parts().error().is_some());
        for dots in [".", ".."] {
            let r: Request<()> = Request::new(&c, Method::Get, &["drives", dots, "root"]);
            assert_eq!(r.parts().error().unwrap().kind(), ErrorKind::Validation);
        }
        let r: Request<()> = Request::new(&c, Method::Get, &["me"]).header("X-Bad", "a\nb");
        assert_eq!(r.parts().error().unwrap().kind(), ErrorKind::Validation);
        let r: Request<()> = Request::new(&c, Method::Post, &["me"]).body_json_text("{\"a\":");
        assert_eq!(r.parts().error().unwrap().kind(), ErrorKind::Decode);
        assert!(RequestParts::from_path(Method::Get, "me").error().is_some());
        assert!(RequestParts::from_path(Method::Get, "/me?x").error().is_some());
        assert!(RequestParts::from_path(Method::Get, "/me/x%2Fy").error().is_none());
        assert!(RequestParts::from_url(Method::Get, "javascript:x").error().is_some());
    }

    #[test]
    fn decoding() {
        let ok = HttpResponse::new(200, Headers::new(), br#"[1,2,"x"]"#.to_vec());
        let e = decode_json::<Vec<i64>>(&ok).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode);
        assert_eq!(e.json_path(), Some("$[2]"));
        let empty = HttpResponse::new(204, Headers::new(), Vec::new());
        assert_eq!(decode_json::<Option<String>>(&empty).unwrap(), None);
        let e = decode_json::<String>(&empty).unwrap_err();
        assert!(e.to_string().contains("empty"), "{e}");
        let mut h = Headers::new();
        h.insert("content-type", "text/html").unwrap();
        let html = HttpResponse::new(200, h, b"<html>proxy login</html>".to_vec());
        let e = decode_json::<serde_json::Value>(&html).unwrap_err();
        assert!(e.to_string().contains("text/html"), "{e}");
        assert_eq!(e.body_snippet(), Some("<html>proxy login</html>"));
        assert_eq!(short_type_name("a::b::Page<c::d::User>"), "Page<c::d::User>");
    }

    #[test]
    fn prefer_values_join_in_one_header() {
        assert_eq!(split_preferences(r#"a=1, b="x, \"y\", z" ,c"#), ["a=1", r#"b="x, \"y\", z""#, "c"]);
        let c = client();
        let r: Request<()> = Request::new(&c, Method::Get, &["me"])
            .header("Prefer", r#"odata.track-changes, x="a,b""#)
            .prefer(Prefer::MaxPageSize(3))
            .prefer(Prefer::ReturnMinimal)
            .prefer(Prefer::MaxPageSize(4));
        assert_eq!(
            r.headers().get("prefer"),
            Some(r#"odata.track-changes, x="a,b", return=minimal, odata.maxpagesize=4"#)
        );
        assert!(r.parts().error().is_none());
    }

    #[derive(serde_derive::Deserialize, Debug, PartialEq)]
    struct Name {
        #[serde(rename = "displayName")]
        display_name: String,
    }

    #[test]
    fn json_responses_decode_with_serde() {
        let ok = HttpResponse::new(200, Headers::new(), br#"{"value":[{"displayName":"Adele","id":"1"}]}"#.to_vec());
        #[derive(serde_derive::Deserialize)]
        struct Names {
            value: Vec<Name>,
        }
        let Json(names) = <Json<Names>>::from_response(ok).unwrap();
        assert_eq!(names.value, [Name { display_name: "Adele".into() }]);

        let empty = HttpResponse::new(204, Headers::new(), Vec::new());
        assert_eq!(<Json<Option<Name>>>::from_response(empty).unwrap(), Json(None));

        let wrong = HttpResponse::new(200, Headers::new(), br#"{"displayName":7}"#.to_vec());
        let e = <Json<Name>>::from_response(wrong).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode);
        assert!(e.to_string().contains("invalid type: integer `7`"), "{e}");
        assert_eq!(e.body_snippet(), Some(r#"{"displayName":7}"#));

        // `json` only changes how the answer is decoded.
        let c = client();
        let r: Request<Json<Name>> = Request::<()>::new(&c, Method::Get, &["me"]).select(&["displayName"]).json();
        assert_eq!(r.url(), "https://graph.microsoft.com/v1.0/me?$select=displayName");
    }
}
