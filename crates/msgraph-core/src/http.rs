//! HTTP types of the runtime: [`Method`], [`Headers`], [`Body`], [`HttpRequest`],
//! [`HttpResponse`] and the [`HttpTransport`] trait that sends them.
//!
//! These are our own small types, so no reqwest, hyper or tokio type appears in the public API:
//! the default transport (reqwest with rustls, feature `reqwest`) is one implementation of
//! [`HttpTransport`]; tests and users can plug in others.

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;

use bytes::Bytes;
use url::Url;

use crate::error::{Error, ErrorKind, Result};
use crate::pipeline::Context;

/// A boxed, `Send` future (the runtime's type-erased async return type).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A one-shot stream of body chunks (see [`Body::from_stream`]).
pub type BodyStream = Pin<Box<dyn futures_core::Stream<Item = std::io::Result<Vec<u8>>> + Send>>;

/// An HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `PATCH`
    Patch,
    /// `DELETE`
    Delete,
    /// `HEAD`
    Head,
    /// `OPTIONS`
    Options,
}

impl Method {
    /// The method name (`"GET"`).
    pub fn as_str(&self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
            Method::Head => "HEAD",
            Method::Options => "OPTIONS",
        }
    }

    /// `GET`, `HEAD`, `OPTIONS`: no side effects.
    pub fn is_safe(&self) -> bool {
        matches!(self, Method::Get | Method::Head | Method::Options)
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Method {
    type Err = Error;
    fn from_str(s: &str) -> Result<Method> {
        Ok(match s.to_ascii_uppercase().as_str() {
            "GET" => Method::Get,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "PATCH" => Method::Patch,
            "DELETE" => Method::Delete,
            "HEAD" => Method::Head,
            "OPTIONS" => Method::Options,
            _ => return Err(Error::validation(format!("unsupported HTTP method {s:?}"))),
        })
    }
}

/// Header names whose values are never printed.
const SENSITIVE: [&str; 5] = ["authorization", "proxy-authorization", "cookie", "set-cookie", "x-ms-upload-token"];

/// Whether a header's value must be redacted when printed.
pub fn is_sensitive_header(name: &str) -> bool {
    SENSITIVE.iter().any(|s| s.eq_ignore_ascii_case(name))
}

/// An ordered, case-insensitive list of headers. Names are stored in lowercase; names and
/// values are validated on insertion (no CR/LF injection). `Debug` redacts credentials.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Headers {
    entries: Vec<(Cow<'static, str>, String)>,
}

fn validate_name(name: &str) -> Result<()> {
    let ok = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(Error::validation(format!("invalid header name {name:?}")))
    }
}

fn validate_value(name: &str, value: &str) -> Result<()> {
    if value.bytes().all(|b| b == b'\t' || (0x20..0x7f).contains(&b)) {
        Ok(())
    } else {
        // Never echo the value: it may be a credential.
        Err(Error::validation(format!(
            "invalid value for header {name:?}: only visible ASCII, space and tab are allowed"
        )))
    }
}

fn lower(name: impl Into<Cow<'static, str>>) -> Cow<'static, str> {
    let name = name.into();
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(name.to_ascii_lowercase())
    } else {
        name
    }
}

impl Headers {
    /// No headers.
    pub fn new() -> Headers {
        Headers { entries: Vec::new() }
    }

    /// The first value of `name` (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.entries.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Every value of `name`.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.entries.iter().filter(move |(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Whether `name` is present.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Sets `name` to `value`, replacing earlier values.
    pub fn insert(&mut self, name: impl Into<Cow<'static, str>>, value: impl Into<String>) -> Result<()> {
        let name = lower(name);
        let value = value.into();
        validate_name(&name)?;
        validate_value(&name, &value)?;
        self.remove(&name);
        self.entries.push((name, value));
        Ok(())
    }

    /// Adds a value for `name`, keeping earlier ones.
    pub fn append(&mut self, name: impl Into<Cow<'static, str>>, value: impl Into<String>) -> Result<()> {
        let name = lower(name);
        let value = value.into();
        validate_name(&name)?;
        validate_value(&name, &value)?;
        self.entries.push((name, value));
        Ok(())
    }

    /// Sets a header whose name and value are known to be valid (static name, ASCII value).
    pub(crate) fn set_static(&mut self, name: &'static str, value: impl Into<String>) {
        let value = value.into();
        debug_assert!(validate_name(name).is_ok() && validate_value(name, &value).is_ok());
        self.remove(name);
        self.entries.push((Cow::Borrowed(name), value));
    }

    /// Appends a header received from the network: invalid names are skipped, values kept as
    /// received (lossy UTF-8).
    pub(crate) fn push_received(&mut self, name: &str, value: String) {
        if validate_name(name).is_ok() {
            self.entries.push((Cow::Owned(name.to_ascii_lowercase()), value));
        }
    }

    /// Removes every value of `name`; returns whether there was one.
    pub fn remove(&mut self, name: &str) -> bool {
        let before = self.entries.len();
        self.entries.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        before != self.entries.len()
    }

    /// `(name, value)` pairs in order; names in lowercase.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(k, v)| (k.as_ref(), v.as_str()))
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// No headers.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl fmt::Debug for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut m = f.debug_map();
        for (k, v) in &self.entries {
            if is_sensitive_header(k) {
                m.entry(k, &"<redacted>");
            } else {
                m.entry(k, v);
            }
        }
        m.finish()
    }
}

/// A request body: nothing, bytes (replayable: can be sent again on a retry or redirect), or a
/// one-shot stream (never replayed).
pub struct Body {
    inner: BodyInner,
}

enum BodyInner {
    Empty,
    Bytes(Bytes),
    Stream { stream: Mutex<Option<BodyStream>>, len: Option<u64> },
}

impl Body {
    /// No body.
    pub fn empty() -> Body {
        Body { inner: BodyInner::Empty }
    }

    /// A replayable body.
    pub fn from_bytes(bytes: impl Into<Vec<u8>>) -> Body {
        let v: Vec<u8> = bytes.into();
        if v.is_empty() {
            Body::empty()
        } else {
            Body { inner: BodyInner::Bytes(Bytes::from(v)) }
        }
    }

    /// A replayable body borrowing static data.
    pub fn from_static(bytes: &'static [u8]) -> Body {
        Body { inner: BodyInner::Bytes(Bytes::from_static(bytes)) }
    }

    /// A one-shot streaming body. It is sent at most once: a request with such a body is never
    /// retried and never follows a 307/308 redirect. `len` is sent as `Content-Length` when
    /// known.
    pub fn from_stream(
        stream: impl futures_core::Stream<Item = std::io::Result<Vec<u8>>> + Send + 'static,
        len: Option<u64>,
    ) -> Body {
        Body { inner: BodyInner::Stream { stream: Mutex::new(Some(Box::pin(stream))), len } }
    }

    /// No body at all.
    pub fn is_empty(&self) -> bool {
        match &self.inner {
            BodyInner::Empty => true,
            BodyInner::Bytes(b) => b.is_empty(),
            BodyInner::Stream { len, .. } => *len == Some(0),
        }
    }

    /// The length, when known.
    pub fn len(&self) -> Option<u64> {
        match &self.inner {
            BodyInner::Empty => Some(0),
            BodyInner::Bytes(b) => Some(b.len() as u64),
            BodyInner::Stream { len, .. } => *len,
        }
    }

    /// Whether the body can be sent again (everything but streams).
    pub fn is_replayable(&self) -> bool {
        !matches!(self.inner, BodyInner::Stream { .. })
    }

    /// The bytes of a replayable body (`None` for a stream).
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match &self.inner {
            BodyInner::Empty => Some(&[]),
            BodyInner::Bytes(b) => Some(b),
            BodyInner::Stream { .. } => None,
        }
    }

    #[cfg_attr(not(feature = "reqwest"), allow(dead_code))]
    pub(crate) fn shared_bytes(&self) -> Option<Bytes> {
        match &self.inner {
            BodyInner::Empty => Some(Bytes::new()),
            BodyInner::Bytes(b) => Some(b.clone()),
            BodyInner::Stream { .. } => None,
        }
    }

    /// A copy of a replayable body (`None` for a stream).
    pub fn try_clone(&self) -> Option<Body> {
        match &self.inner {
            BodyInner::Empty => Some(Body::empty()),
            BodyInner::Bytes(b) => Some(Body { inner: BodyInner::Bytes(b.clone()) }),
            BodyInner::Stream { .. } => None,
        }
    }

    /// Takes the stream of a streaming body (once; later calls give `None`). Transports call
    /// this.
    pub fn take_stream(&self) -> Option<BodyStream> {
        match &self.inner {
            BodyInner::Stream { stream, .. } => match stream.lock() {
                Ok(mut g) => g.take(),
                Err(poisoned) => poisoned.into_inner().take(),
            },
            _ => None,
        }
    }
}

impl Default for Body {
    fn default() -> Body {
        Body::empty()
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner {
            BodyInner::Empty => f.write_str("Body(empty)"),
            BodyInner::Bytes(b) => write!(f, "Body({} bytes)", b.len()),
            BodyInner::Stream { len: Some(n), .. } => write!(f, "Body(stream, {n} bytes)"),
            BodyInner::Stream { len: None, .. } => f.write_str("Body(stream)"),
        }
    }
}

impl From<Vec<u8>> for Body {
    fn from(v: Vec<u8>) -> Body {
        Body::from_bytes(v)
    }
}

impl From<String> for Body {
    fn from(s: String) -> Body {
        Body::from_bytes(s.into_bytes())
    }
}

/// Parses and checks an absolute `http`/`https` URL.
pub(crate) fn parse_http_url(url: &str) -> Result<Url> {
    let parsed = Url::parse(url).map_err(|e| Error::with_source(ErrorKind::Validation, "invalid URL", e))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(Error::validation(format!(
            "unsupported URL scheme {:?} (http or https expected)",
            parsed.scheme()
        )));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(Error::validation("URL has no host"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(Error::validation("URLs with credentials (user:password@host) are not allowed"));
    }
    Ok(parsed)
}

/// An HTTP request as it travels through the pipeline.
pub struct HttpRequest {
    method: Method,
    url: Url,
    headers: Headers,
    body: Body,
    /// Set by the redirect policy after a redirect to another origin: never attach a token.
    pub(crate) cross_origin: bool,
}

impl HttpRequest {
    /// A request to an absolute `http`/`https` URL.
    pub fn new(method: Method, url: &str) -> Result<HttpRequest> {
        Ok(HttpRequest::from_url(method, parse_http_url(url)?))
    }

    pub(crate) fn from_url(method: Method, url: Url) -> HttpRequest {
        HttpRequest { method, url, headers: Headers::new(), body: Body::empty(), cross_origin: false }
    }

    /// The method.
    pub fn method(&self) -> Method {
        self.method
    }

    /// Changes the method.
    pub fn set_method(&mut self, method: Method) {
        self.method = method;
    }

    /// The absolute URL.
    pub fn url(&self) -> &str {
        self.url.as_str()
    }

    pub(crate) fn parsed_url(&self) -> &Url {
        &self.url
    }

    pub(crate) fn set_parsed_url(&mut self, url: Url) {
        self.url = url;
    }

    /// Changes the URL (absolute `http`/`https`).
    pub fn set_url(&mut self, url: &str) -> Result<()> {
        self.url = parse_http_url(url)?;
        Ok(())
    }

    /// The host of the URL.
    pub fn host(&self) -> &str {
        self.url.host_str().unwrap_or("")
    }

    /// The headers.
    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    /// The headers, mutably.
    pub fn headers_mut(&mut self) -> &mut Headers {
        &mut self.headers
    }

    /// The body.
    pub fn body(&self) -> &Body {
        &self.body
    }

    /// Replaces the body.
    pub fn set_body(&mut self, body: Body) {
        self.body = body;
    }

    /// A copy, when the body is replayable.
    pub fn try_clone(&self) -> Option<HttpRequest> {
        Some(HttpRequest {
            method: self.method,
            url: self.url.clone(),
            headers: self.headers.clone(),
            body: self.body.try_clone()?,
            cross_origin: self.cross_origin,
        })
    }
}

/// Prints scheme, host and path only: query strings can carry pre-authenticated tokens
/// (upload URLs).
pub(crate) struct RedactedUrl<'a>(pub(crate) &'a Url);

impl fmt::Display for RedactedUrl<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let u = self.0;
        write!(f, "{}://{}", u.scheme(), u.host_str().unwrap_or(""))?;
        if let Some(p) = u.port() {
            write!(f, ":{p}")?;
        }
        f.write_str(u.path())?;
        if u.query().is_some() {
            f.write_str("?…")?;
        }
        Ok(())
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &format_args!("{}", RedactedUrl(&self.url)))
            .field("headers", &self.headers)
            .field("body", &self.body)
            .finish()
    }
}

/// An HTTP response with its body read into memory (up to the configured limit).
#[derive(Clone)]
pub struct HttpResponse {
    status: u16,
    headers: Headers,
    body: Bytes,
}

impl HttpResponse {
    /// A response.
    pub fn new(status: u16, headers: Headers, body: impl Into<Vec<u8>>) -> HttpResponse {
        HttpResponse { status, headers, body: Bytes::from(body.into()) }
    }

    pub(crate) fn from_shared(status: u16, headers: Headers, body: Bytes) -> HttpResponse {
        HttpResponse { status, headers, body }
    }

    /// The status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The headers.
    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    /// The headers, mutably.
    pub fn headers_mut(&mut self) -> &mut Headers {
        &mut self.headers
    }

    /// The body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body as text (lossy UTF-8).
    pub fn text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }

    /// The body, taken out.
    pub fn into_body(self) -> Vec<u8> {
        Vec::from(self.body)
    }

    /// Replaces the body.
    pub fn set_body(&mut self, body: impl Into<Vec<u8>>) {
        self.body = Bytes::from(body.into());
    }

    /// This response as an [`Error`] (for non-success statuses).
    pub fn to_error(&self) -> Error {
        Error::from_response(self.status, &self.headers, &self.body)
    }
}

impl fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body", &format_args!("{} bytes", self.body.len()))
            .finish()
    }
}

/// Sends one HTTP request and reads the whole response (the last step of the pipeline).
///
/// Implementations must not follow redirects, decompress, retry or add headers: the pipeline
/// does all of that. They must stop reading a body larger than
/// [`Context::max_response_bytes`] with [`ErrorKind::ResponseTooLarge`], and must report
/// failures as [`ErrorKind::Transport`] or [`ErrorKind::Timeout`] without putting the URL in the
/// message (query strings may carry credentials).
pub trait HttpTransport: Send + Sync + fmt::Debug {
    /// Sends `request`.
    fn send<'a>(&'a self, request: &'a HttpRequest, ctx: &'a Context) -> BoxFuture<'a, Result<HttpResponse>>;
}

/// The error for a body over the limit.
pub(crate) fn too_large(limit: usize) -> Error {
    Error::new(ErrorKind::ResponseTooLarge, format!("response body exceeds the limit of {limit} bytes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_case_insensitive_and_validated() {
        let mut h = Headers::new();
        h.insert("Content-Type", "application/json").unwrap();
        assert_eq!(h.get("content-type"), Some("application/json"));
        h.insert("CONTENT-TYPE", "text/plain").unwrap();
        assert_eq!(h.len(), 1);
        assert!(h.insert("X-Bad\r\nInjected", "x").is_err());
        assert!(h.insert("X-Ok", "a\r\nInjected: 1").is_err());
        assert!(h.insert("X-Ok", "caf\u{e9}").is_err());
        h.append("accept", "a").unwrap();
        h.append("Accept", "b").unwrap();
        assert_eq!(h.get_all("ACCEPT").collect::<Vec<_>>(), ["a", "b"]);
        assert!(h.remove("accept"));
        assert!(!h.contains("accept"));
    }

    #[test]
    fn debug_redacts_credentials() {
        let mut h = Headers::new();
        h.insert("Authorization", "Bearer eyJ.secret.token").unwrap();
        h.insert("Cookie", "session=abc").unwrap();
        h.insert("Prefer", "x").unwrap();
        let s = format!("{h:?}");
        assert!(!s.contains("eyJ") && !s.contains("abc"), "{s}");
        assert!(s.contains("<redacted>") && s.contains("prefer"));
        let mut r = HttpRequest::new(Method::Get, "https://x.example/upload?tempauth=SECRET").unwrap();
        *r.headers_mut() = h;
        let s = format!("{r:?}");
        assert!(!s.contains("SECRET") && !s.contains("eyJ"), "{s}");
    }

    #[test]
    fn urls_are_checked() {
        assert!(HttpRequest::new(Method::Get, "ftp://x/").is_err());
        assert!(HttpRequest::new(Method::Get, "https://user:pw@x/").is_err());
        assert!(HttpRequest::new(Method::Get, "not a url").is_err());
        assert!(HttpRequest::new(Method::Get, "https://").is_err());
        assert!(HttpRequest::new(Method::Get, "http://127.0.0.1:8080/v1.0/me").is_ok());
    }

    #[test]
    fn bodies() {
        let b = Body::from_bytes(b"abc".to_vec());
        assert!(b.is_replayable());
        assert_eq!(b.try_clone().unwrap().as_bytes(), Some(&b"abc"[..]));
        struct Empty;
        impl futures_core::Stream for Empty {
            type Item = std::io::Result<Vec<u8>>;
            fn poll_next(self: Pin<&mut Self>, _: &mut std::task::Context<'_>) -> std::task::Poll<Option<Self::Item>> {
                std::task::Poll::Ready(None)
            }
        }
        let s = Body::from_stream(Empty, Some(3));
        assert!(!s.is_replayable());
        assert!(s.try_clone().is_none());
        assert!(s.take_stream().is_some());
        assert!(s.take_stream().is_none());
        assert_eq!("GET".parse::<Method>().unwrap(), Method::Get);
        assert!("BREW".parse::<Method>().is_err());
    }
}
