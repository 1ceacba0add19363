//! HTTP types of the runtime: [`Method`], [`Headers`], [`Body`], [`HttpRequest`],
//! [`HttpResponse`] and the [`HttpTransport`] trait that sends them.
//!
//! These are our own small types, so no reqwest, hyper or tokio type appears in the public API:
//! the default transport (reqwest with rustls, feature `reqwest`) is one implementation of
//! [`HttpTransport`]; tests and users can plug in others.

mod body;
mod context;
mod error_response;
mod headers;
mod retry_options;

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

/// The shared byte buffer of streamed bodies and download chunks (the `bytes` crate's).
pub use bytes::Bytes;
use url::Url;

pub use body::{Body, BodyStream};
pub use context::{Context, DEFAULT_MAX_RESPONSE_BYTES};
pub use headers::{is_sensitive_header, parse_retry_after, Headers};
pub use retry_options::{RetryOptions, ABSOLUTE_MAX_RETRIES};

use crate::error::{Error, ErrorKind, Result};

/// A boxed, `Send` future (the runtime's type-erased async return type).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

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

    /// The safe methods plus `PUT` and `DELETE`: sending one twice has the effect of sending it
    /// once (RFC 9110, 9.2.2). `POST` and `PATCH` are not idempotent.
    pub fn is_idempotent(&self) -> bool {
        self.is_safe() || matches!(self, Method::Put | Method::Delete)
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

/// Whether a URL's host is a loopback address (`127.0.0.0/8`, `::1`, `localhost`).
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
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

/// A URL held as text (a `@odata.nextLink`, an `uploadUrl`) printed like [`RedactedUrl`]:
/// through it when the text parses, else everything before the query or fragment.
pub(crate) struct RedactedStr<'a>(pub(crate) &'a str);

impl fmt::Display for RedactedStr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match Url::parse(self.0) {
            Ok(u) => RedactedUrl(&u).fmt(f),
            Err(_) => match self.0.find(['?', '#']) {
                Some(i) => write!(f, "{}?…", self.0.get(..i).unwrap_or_default()),
                None => f.write_str(self.0),
            },
        }
    }
}

impl fmt::Debug for RedactedStr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
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

/// A response body left unread by the transport (see [`Context::with_streamed_body`]): its
/// bytes as they arrive, at most [`Context::max_response_bytes`] in all.
pub type ResponseStream = Pin<Box<dyn futures_core::Stream<Item = Result<Bytes>> + Send>>;

/// An HTTP response with its body read into memory (up to the configured limit), or, when the
/// request asked for it and the transport can, a successful response whose body is still to be
/// read ([`HttpResponse::take_stream`]).
#[derive(Clone)]
pub struct HttpResponse {
    status: u16,
    headers: Headers,
    body: Bytes,
    /// Shared by clones: whichever takes it first reads it.
    stream: Option<Arc<Mutex<Option<ResponseStream>>>>,
    /// The last request of a redirect chain the pipeline followed.
    redirected: Option<Arc<HttpRequest>>,
}

impl HttpResponse {
    /// A response.
    pub fn new(status: u16, headers: Headers, body: impl Into<Vec<u8>>) -> HttpResponse {
        HttpResponse { status, headers, body: Bytes::from(body.into()), stream: None, redirected: None }
    }

    pub(crate) fn from_shared(status: u16, headers: Headers, body: Bytes) -> HttpResponse {
        HttpResponse { status, headers, body, stream: None, redirected: None }
    }

    /// A response whose body is `stream`, not read yet ([`HttpResponse::body`] is empty).
    pub fn streamed(status: u16, headers: Headers, stream: ResponseStream) -> HttpResponse {
        HttpResponse {
            status,
            headers,
            body: Bytes::new(),
            stream: Some(Arc::new(Mutex::new(Some(stream)))),
            redirected: None,
        }
    }

    /// When the pipeline followed redirects to get this response: the last request it sent (its
    /// URL is where the answer came from; across origins it carries no credentials, and the
    /// auth policy adds none to it or its clones).
    pub fn redirected(&self) -> Option<&HttpRequest> {
        self.redirected.as_deref()
    }

    pub(crate) fn set_redirected(&mut self, request: HttpRequest) {
        self.redirected = Some(Arc::new(request));
    }

    /// Whether the body is a stream still to be read (taken or not).
    pub fn is_streamed(&self) -> bool {
        self.stream.is_some()
    }

    /// The unread body of a streamed response; `None` for a buffered one, or once taken.
    pub fn take_stream(&mut self) -> Option<ResponseStream> {
        let slot = self.stream.as_ref()?;
        match slot.lock() {
            Ok(mut s) => s.take(),
            Err(p) => p.into_inner().take(),
        }
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

    pub(crate) fn into_shared_body(self) -> Bytes {
        self.body
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
            .field(
                "body",
                &match self.stream {
                    Some(_) => "<stream>".to_string(),
                    None => format!("{} bytes", self.body.len()),
                },
            )
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
///
/// When [`Context::streamed_body`] is set, a transport may answer a `2xx` response without a
/// `Content-Encoding` as [`HttpResponse::streamed`] (the body read as the caller pulls it, still
/// bounded by the limit); every other response, and every response of a transport that cannot
/// stream, is read whole as usual. Callers that ask for a stream handle both.
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
