//! One error type for everything the client does: [`Error`] with an [`ErrorKind`] to match on
//! and accessors for the details Graph sends (status, `code`, `message`, `innerError`
//! `request-id`, `client-request-id`, `date`, `Retry-After`), the JSON path of a value that could
//! not be decoded, the batch item a failure belongs to, and so on.
//!
//! `Error` is cheap to clone (the details sit behind an `Arc`): a `$batch` that fails as a whole
//! hands the same error to every query in it.
//!
//! Nothing here ever prints a token or a secret: response bodies are quoted only as a short,
//! sanitised snippet, and URLs are never part of transport error messages.

mod body;
mod kind;

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use msgraph_codec::json::DecodeError;

use body::{graph_codes, parse_error_body, ParsedError};
pub use body::{GraphError, GraphErrorDetail, InnerError, OAuthError};
use kind::reason_phrase;
pub use kind::ErrorKind;

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Details of an HTTP error answer.
#[derive(Debug, Clone, Default)]
struct HttpDetails {
    status: u16,
    graph: Option<GraphError>,
    oauth: Option<OAuthError>,
    request_id: Option<String>,
    client_request_id: Option<String>,
    date: Option<String>,
    retry_after: Option<Duration>,
    content_type: Option<String>,
    location: Option<String>,
    snippet: Option<String>,
}

/// The error type of every fallible operation of the client.
#[derive(Clone)]
pub struct Error {
    inner: Arc<Inner>,
}

#[derive(Clone)]
struct Inner {
    kind: ErrorKind,
    message: Cow<'static, str>,
    http: Option<HttpDetails>,
    json_path: Option<String>,
    batch_item_id: Option<String>,
    dependency_id: Option<String>,
    left_queued: Option<usize>,
    source: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

/// Longest body snippet kept in an error.
const SNIPPET_CHARS: usize = 300;

/// What an error keeps of an HTTP answer's headers, as plain values. The constructors that read
/// them from [`crate::http::Headers`] live in the http module.
#[derive(Debug, Clone, Default)]
pub(crate) struct ResponseHeaders {
    /// `request-id`.
    pub(crate) request_id: Option<String>,
    /// `client-request-id`.
    pub(crate) client_request_id: Option<String>,
    /// `date`.
    pub(crate) date: Option<String>,
    /// `Retry-After`, parsed.
    pub(crate) retry_after: Option<Duration>,
    /// `content-type`.
    pub(crate) content_type: Option<String>,
    /// `location`.
    pub(crate) location: Option<String>,
}

impl Error {
    /// A new error of `kind` with a message.
    pub fn new(kind: ErrorKind, message: impl Into<Cow<'static, str>>) -> Error {
        Error {
            inner: Arc::new(Inner {
                kind,
                message: message.into(),
                http: None,
                json_path: None,
                batch_item_id: None,
                dependency_id: None,
                left_queued: None,
                source: None,
            }),
        }
    }

    /// A new error of `kind` with a message and an underlying cause.
    pub fn with_source(
        kind: ErrorKind,
        message: impl Into<Cow<'static, str>>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Error {
        let mut e = Error::new(kind, message);
        e.inner_mut().source = Some(Arc::new(source));
        e
    }

    fn inner_mut(&mut self) -> &mut Inner {
        Arc::make_mut(&mut self.inner)
    }

    /// A validation error.
    pub(crate) fn validation(message: impl Into<Cow<'static, str>>) -> Error {
        Error::new(ErrorKind::Validation, message)
    }

    /// A decode error for a response body, with what the error keeps of the answer's headers.
    pub(crate) fn undecodable(
        err: DecodeError,
        what: &str,
        status: u16,
        headers: ResponseHeaders,
        body: &[u8],
    ) -> Error {
        let mut message = format!("could not decode the response body as {what}: {}", err.message());
        if let Some(ct) = &headers.content_type {
            if !is_json_content_type(ct) {
                message.push_str(&format!(" (Content-Type is {ct:?})"));
            }
        }
        let mut e = Error::with_source(ErrorKind::Decode, message, err.clone());
        let inner = e.inner_mut();
        inner.json_path = Some(err.path());
        inner.http = Some(HttpDetails {
            status,
            request_id: headers.request_id,
            client_request_id: headers.client_request_id,
            date: headers.date,
            content_type: headers.content_type,
            snippet: snippet(body),
            ..HttpDetails::default()
        });
        e
    }

    /// An error for a non-success HTTP answer, with what the error keeps of its headers: parses
    /// Graph's (or the token endpoint's) error body when there is one, keeps a snippet of
    /// anything else (an HTML page from a proxy).
    pub(crate) fn from_answer(status: u16, headers: ResponseHeaders, body: &[u8]) -> Error {
        let mut details = HttpDetails {
            status,
            request_id: headers.request_id,
            client_request_id: headers.client_request_id,
            date: headers.date,
            retry_after: headers.retry_after,
            content_type: headers.content_type,
            location: headers.location,
            ..HttpDetails::default()
        };
        match parse_error_body(body) {
            Some(ParsedError::Graph(g)) => {
                if let Some(inner) = &g.inner_error {
                    if inner.request_id.is_some() {
                        details.request_id = inner.request_id.clone();
                    }
                    if inner.client_request_id.is_some() {
                        details.client_request_id = inner.client_request_id.clone();
                    }
                    if inner.date.is_some() {
                        details.date = inner.date.clone();
                    }
                }
                details.graph = Some(g);
            }
            Some(ParsedError::OAuth(o)) => {
                if details.request_id.is_none() {
                    details.request_id = o.trace_id.clone();
                }
                if details.client_request_id.is_none() {
                    details.client_request_id = o.correlation_id.clone();
                }
                details.oauth = Some(o);
            }
            None => details.snippet = snippet(body),
        }
        let resync = status == 410
            || details.graph.as_ref().is_some_and(|g| {
                graph_codes(g).any(|c| {
                    c.eq_ignore_ascii_case("resyncRequired")
                        || c.eq_ignore_ascii_case("syncStateNotFound")
                        || c.eq_ignore_ascii_case("syncStateInvalid")
                })
            });
        let kind = if status == 424 {
            ErrorKind::DependencyFailed
        } else if resync {
            ErrorKind::ResyncRequired
        } else {
            ErrorKind::Http
        };
        let mut e = Error::new(kind, "");
        e.inner_mut().http = Some(details);
        e
    }

    /// Marks this error as belonging to a `$batch` item.
    pub(crate) fn in_batch_item(mut self, id: &str) -> Error {
        self.inner_mut().batch_item_id = Some(id.to_string());
        self
    }

    /// Names the query whose failure caused this one ([`ErrorKind::DependencyFailed`]).
    pub(crate) fn with_dependency(mut self, id: &str) -> Error {
        self.inner_mut().dependency_id = Some(id.to_string());
        self
    }

    /// Sets the number of queries left queued ([`ErrorKind::Interrupted`]).
    pub(crate) fn with_left_queued(mut self, n: usize) -> Error {
        self.inner_mut().left_queued = Some(n);
        self
    }

    /// Fills in the `client-request-id` that was sent, when the answer did not echo one.
    pub(crate) fn with_sent_client_request_id(mut self, id: Option<&str>) -> Error {
        if let Some(id) = id {
            if let Some(h) = &self.inner.http {
                if h.client_request_id.is_none() {
                    if let Some(h) = self.inner_mut().http.as_mut() {
                        h.client_request_id = Some(id.to_string());
                    }
                }
            }
        }
        self
    }

    /// Replaces the kind and message, keeping every detail (used to wrap an outer failure for
    /// the queries of a batch).
    pub(crate) fn rekind(mut self, kind: ErrorKind, message: impl Into<Cow<'static, str>>) -> Error {
        let inner = self.inner_mut();
        inner.kind = kind;
        inner.message = message.into();
        self
    }

    /// The same error — kind, status, Graph error, headers — with `prefix: ` before its message:
    /// how a caller says what it was doing ("the draft … was kept").
    pub fn context(self, prefix: &str) -> Error {
        let message = if self.inner.message.is_empty() {
            Cow::Owned(prefix.to_string())
        } else {
            Cow::Owned(format!("{prefix}: {}", self.inner.message))
        };
        let kind = self.inner.kind;
        self.rekind(kind, message)
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The HTTP status of the answer, when there was one.
    pub fn status(&self) -> Option<u16> {
        self.inner.http.as_ref().map(|h| h.status).filter(|&s| s != 0)
    }

    /// Graph's error `code` (or the token endpoint's `error`).
    pub fn code(&self) -> Option<&str> {
        let h = self.inner.http.as_ref()?;
        if let Some(g) = &h.graph {
            return Some(g.code.as_str()).filter(|c| !c.is_empty());
        }
        h.oauth.as_ref().map(|o| o.error.as_str())
    }

    /// Whether Graph's error code, or a code of a nested `innerError`, equals `code`
    /// (ASCII case-insensitive).
    pub fn has_code(&self, code: &str) -> bool {
        let Some(h) = self.inner.http.as_ref() else { return false };
        if let Some(g) = &h.graph {
            return graph_codes(g).any(|c| c.eq_ignore_ascii_case(code));
        }
        h.oauth.as_ref().is_some_and(|o| o.error.eq_ignore_ascii_case(code))
    }

    /// The most useful human-readable message: Graph's `message` (or the token endpoint's
    /// `error_description`) when there is one, else ours.
    pub fn message(&self) -> &str {
        if let Some(h) = &self.inner.http {
            if let Some(g) = &h.graph {
                if !g.message.is_empty() {
                    return &g.message;
                }
            }
            if let Some(d) = h.oauth.as_ref().and_then(|o| o.description.as_deref()) {
                return d;
            }
        }
        &self.inner.message
    }

    /// The parsed Graph error body.
    pub fn graph_error(&self) -> Option<&GraphError> {
        self.inner.http.as_ref()?.graph.as_ref()
    }

    /// The parsed token endpoint error body.
    pub fn oauth_error(&self) -> Option<&OAuthError> {
        self.inner.http.as_ref()?.oauth.as_ref()
    }

    /// `request-id` (from `innerError`, else the response header).
    pub fn request_id(&self) -> Option<&str> {
        self.inner.http.as_ref()?.request_id.as_deref()
    }

    /// `client-request-id` (from `innerError`, the response header, or the one sent).
    pub fn client_request_id(&self) -> Option<&str> {
        self.inner.http.as_ref()?.client_request_id.as_deref()
    }

    /// `date` (from `innerError`, else the response header).
    pub fn date(&self) -> Option<&str> {
        self.inner.http.as_ref()?.date.as_deref()
    }

    /// The delay the service asked for with `Retry-After`, when it sent a valid one.
    pub fn retry_after(&self) -> Option<Duration> {
        self.inner.http.as_ref()?.retry_after
    }

    /// The response's `Content-Type`.
    pub fn content_type(&self) -> Option<&str> {
        self.inner.http.as_ref()?.content_type.as_deref()
    }

    /// The response's `Location` header (e.g. a fresh URL after `410 Gone`).
    pub fn location(&self) -> Option<&str> {
        self.inner.http.as_ref()?.location.as_deref()
    }

    /// The start of a response body that was not a Graph error document (an HTML page from a
    /// proxy, a truncated document), sanitised and shortened.
    pub fn body_snippet(&self) -> Option<&str> {
        self.inner.http.as_ref()?.snippet.as_deref()
    }

    /// For [`ErrorKind::Decode`]: the JSON path of the value that failed (`$.value[3].phoneType`).
    pub fn json_path(&self) -> Option<&str> {
        self.inner.json_path.as_deref()
    }

    /// The `$batch` item id this error belongs to.
    pub fn batch_item_id(&self) -> Option<&str> {
        self.inner.batch_item_id.as_deref()
    }

    /// For [`ErrorKind::DependencyFailed`]: the id of the query whose failure caused this one,
    /// when known.
    pub fn dependency_id(&self) -> Option<&str> {
        self.inner.dependency_id.as_deref()
    }

    /// For [`ErrorKind::Interrupted`]: how many queries were left queued.
    pub fn left_queued(&self) -> Option<usize> {
        self.inner.left_queued
    }

    /// `429 Too Many Requests`.
    pub fn is_throttled(&self) -> bool {
        self.status() == Some(429)
    }

    /// Whether trying again later may succeed (429, 503, 504, transport errors, timeouts).
    pub fn is_transient(&self) -> bool {
        matches!(self.kind(), ErrorKind::Transport | ErrorKind::Timeout)
            || matches!(self.status(), Some(429 | 503 | 504))
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.inner.kind);
        if !self.inner.message.is_empty() {
            d.field("message", &self.inner.message);
        }
        if let Some(h) = &self.inner.http {
            if h.status != 0 {
                d.field("status", &h.status);
            }
            if let Some(g) = &h.graph {
                d.field("graph_error", g);
            }
            if let Some(o) = &h.oauth {
                d.field("oauth_error", o);
            }
            if let Some(v) = &h.request_id {
                d.field("request_id", v);
            }
            if let Some(v) = &h.client_request_id {
                d.field("client_request_id", v);
            }
            if let Some(v) = &h.retry_after {
                d.field("retry_after", v);
            }
            if let Some(v) = &h.snippet {
                d.field("body_snippet", v);
            }
        }
        if let Some(v) = &self.inner.json_path {
            d.field("json_path", v);
        }
        if let Some(v) = &self.inner.batch_item_id {
            d.field("batch_item_id", v);
        }
        if let Some(v) = &self.inner.dependency_id {
            d.field("dependency_id", v);
        }
        if let Some(v) = &self.inner.source {
            d.field("source", &format_args!("{}", EscapedStr(&v.to_string())));
        }
        d.finish()
    }
}

/// Shows the error on one line. Text that came from the server (Graph's `code` and `message`,
/// the token endpoint's `error_description`, header values, decode details) is shown with
/// control and bidirectional-formatting characters escaped (`\n`, `\u{1b}`, ...), so an answer
/// cannot forge log lines or rewrite a terminal; [`Error::message`] and the other accessors
/// return the text as sent.
impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_plain(&mut Escaped(f))
    }
}

impl Error {
    fn write_plain(&self, f: &mut dyn fmt::Write) -> fmt::Result {
        let i = &self.inner;
        let mut wrote = false;
        if !i.message.is_empty() {
            f.write_str(&i.message)?;
            wrote = true;
        }
        if let Some(h) = &i.http {
            if h.status != 0 && i.kind != ErrorKind::Decode {
                if wrote {
                    f.write_str(": ")?;
                }
                write!(f, "HTTP {} {}", h.status, reason_phrase(h.status))?;
                wrote = true;
                if let Some(g) = &h.graph {
                    if !g.code.is_empty() {
                        write!(f, ": {}", g.code)?;
                    }
                    if !g.message.is_empty() {
                        write!(f, ": {}", g.message)?;
                    }
                } else if let Some(o) = &h.oauth {
                    write!(f, ": {}", o.error)?;
                    if let Some(d) = &o.description {
                        write!(f, ": {d}")?;
                    }
                } else if let Some(s) = &h.snippet {
                    match &h.content_type {
                        Some(ct) => write!(f, " ({ct} body: {s:?})")?,
                        None => write!(f, " (body: {s:?})")?,
                    }
                }
            }
            let mut ids = Vec::new();
            if let Some(v) = &h.request_id {
                ids.push(format!("request-id: {v}"));
            }
            if let Some(v) = &h.client_request_id {
                ids.push(format!("client-request-id: {v}"));
            }
            if let Some(v) = &h.date {
                ids.push(format!("date: {v}"));
            }
            if let Some(v) = &h.retry_after {
                ids.push(format!("retry-after: {}s", v.as_secs()));
            }
            if !ids.is_empty() {
                write!(f, " ({})", ids.join(", "))?;
            }
        }
        if let Some(id) = &i.batch_item_id {
            write!(f, " [batch item {id}]")?;
        }
        if i.kind == ErrorKind::Decode {
            if let Some(p) = &i.json_path {
                write!(f, " at {p}")?;
            }
        }
        if let (Some(src), true) = (&i.source, i.kind != ErrorKind::Decode) {
            if wrote {
                write!(f, ": {src}")?;
            } else {
                write!(f, "{src}")?;
                wrote = true;
            }
        }
        if !wrote {
            f.write_str(i.kind.as_str())?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.inner.source {
            Some(s) => Some(&**s as &(dyn std::error::Error + 'static)),
            None => None,
        }
    }
}

impl From<DecodeError> for Error {
    fn from(err: DecodeError) -> Error {
        let path = err.path();
        let mut e = Error::with_source(ErrorKind::Decode, format!("could not decode JSON: {}", err.message()), err);
        e.inner_mut().json_path = Some(path);
        e
    }
}

/// Whether a character must not reach a log or a terminal as it is: controls (ESC, CR, LF,
/// BEL, ...) and the invisible formatting characters that reorder or hide text (bidi
/// overrides and isolates, zero-width characters, line/paragraph separators, BOM).
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}')
}

/// A writer that escapes what [`needs_escape`] (`\n`, `\r`, `\t`, else `\u{..}`).
struct Escaped<'a, 'b>(&'a mut fmt::Formatter<'b>);

impl fmt::Write for Escaped<'_, '_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let mut rest = s;
        while let Some((i, c)) = rest.char_indices().find(|&(_, c)| needs_escape(c)) {
            self.0.write_str(&rest[..i])?;
            match c {
                '\n' => self.0.write_str("\\n")?,
                '\r' => self.0.write_str("\\r")?,
                '\t' => self.0.write_str("\\t")?,
                c => write!(self.0, "\\u{{{:x}}}", u32::from(c))?,
            }
            rest = &rest[i + c.len_utf8()..];
        }
        self.0.write_str(rest)
    }
}

/// `Display` of a string through [`Escaped`].
struct EscapedStr<'a>(&'a str);

impl fmt::Display for EscapedStr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Write::write_str(&mut Escaped(f), self.0)
    }
}

/// Whether a `Content-Type` is JSON (`application/json`, `…+json`, with parameters).
pub(crate) fn is_json_content_type(ct: &str) -> bool {
    let essence = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    essence == "application/json" || essence.ends_with("+json") || essence == "text/json"
}

/// A short, printable start of a body.
fn snippet(body: &[u8]) -> Option<String> {
    if body.is_empty() {
        return None;
    }
    let text = String::from_utf8_lossy(body.get(..SNIPPET_CHARS * 4).unwrap_or(body));
    let mut out = String::new();
    let mut last_space = false;
    for c in text.chars() {
        if out.chars().count() >= SNIPPET_CHARS {
            out.push('…');
            break;
        }
        let c = if c.is_control() { ' ' } else { c };
        if c == ' ' {
            if last_space {
                continue;
            }
            last_space = true;
        } else {
            last_space = false;
        }
        out.push(c);
    }
    let out = out.trim().to_string();
    if out.is_empty() {
        None
    } else {
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Headers;

    fn headers(pairs: &[(&'static str, &str)]) -> Headers {
        let mut h = Headers::new();
        for (k, v) in pairs {
            h.append(*k, *v).unwrap();
        }
        h
    }

    #[test]
    fn graph_error_body_is_parsed() {
        let body = br#"{"error":{"code":"Request_ResourceNotFound","message":"Resource 'x' does not exist.",
            "details":[{"code":"d1","message":"m1","target":"t"}],
            "innerError":{"date":"2024-01-01T00:00:00","request-id":"rid","client-request-id":"cid",
            "innerError":{"code":"nestedCode"}}}}"#;
        let e = Error::from_response(404, &headers(&[("content-type", "application/json")]), body);
        assert_eq!(e.kind(), ErrorKind::Http);
        assert_eq!(e.status(), Some(404));
        assert_eq!(e.code(), Some("Request_ResourceNotFound"));
        assert!(e.has_code("nestedcode"));
        assert_eq!(e.message(), "Resource 'x' does not exist.");
        assert_eq!(e.request_id(), Some("rid"));
        assert_eq!(e.client_request_id(), Some("cid"));
        assert_eq!(e.date(), Some("2024-01-01T00:00:00"));
        assert_eq!(e.graph_error().unwrap().details[0].target.as_deref(), Some("t"));
        let s = e.to_string();
        assert!(s.contains("HTTP 404 Not Found: Request_ResourceNotFound"), "{s}");
        assert!(s.contains("request-id: rid"), "{s}");
    }

    #[test]
    fn html_and_truncated_bodies_keep_a_snippet() {
        let e = Error::from_response(
            502,
            &headers(&[("content-type", "text/html")]),
            b"<html>\n<body>Bad   gateway</body></html>",
        );
        assert_eq!(e.kind(), ErrorKind::Http);
        assert_eq!(e.body_snippet(), Some("<html> <body>Bad gateway</body></html>"));
        assert!(e.to_string().contains("text/html"));
        let e = Error::from_response(500, &Headers::new(), br#"{"error":{"code":"x","mess"#);
        assert!(e.graph_error().is_none());
        assert!(e.body_snippet().unwrap().starts_with("{\"error\""));
        let long = vec![b'a'; 10_000];
        let e = Error::from_response(500, &Headers::new(), &long);
        assert!(e.body_snippet().unwrap().chars().count() <= SNIPPET_CHARS + 1);
    }

    #[test]
    fn oauth_errors_and_special_statuses() {
        let body = br#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret.",
            "error_codes":[7000215],"trace_id":"tr","correlation_id":"co"}"#;
        let e = Error::from_response(401, &Headers::new(), body);
        assert_eq!(e.code(), Some("invalid_client"));
        assert_eq!(e.oauth_error().unwrap().error_codes, vec![7000215]);
        assert_eq!(e.request_id(), Some("tr"));
        assert!(e.message().starts_with("AADSTS7000215"));
        assert_eq!(Error::from_response(424, &Headers::new(), b"").kind(), ErrorKind::DependencyFailed);
        assert_eq!(Error::from_response(410, &Headers::new(), b"").kind(), ErrorKind::ResyncRequired);
        let body = br#"{"error":{"code":"resyncRequired","message":"x"}}"#;
        assert_eq!(Error::from_response(400, &Headers::new(), body).kind(), ErrorKind::ResyncRequired);
        let e = Error::from_response(429, &headers(&[("retry-after", "7")]), b"");
        assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
        assert!(e.is_throttled() && e.is_transient());
    }

    #[test]
    fn garbage_never_panics() {
        let samples: [&[u8]; 8] = [
            b"",
            b"{",
            b"{\"error\":",
            b"{\"error\":{\"innerError\":{\"innerError\":",
            b"\xff\xfe",
            b"[1,2,3]",
            b"{\"error\":{\"details\":[1,\"x\",{\"code\":5}]}}",
            b"null",
        ];
        for s in samples {
            let e = Error::from_response(500, &Headers::new(), s);
            let _ = e.to_string();
            let _ = format!("{e:?}");
        }
    }

    #[test]
    fn clones_share_and_rekind_copies() {
        let e = Error::new(ErrorKind::Transport, "connection reset");
        let a = e.clone().rekind(ErrorKind::BatchItem, "batch failed");
        assert_eq!(e.kind(), ErrorKind::Transport);
        assert_eq!(a.kind(), ErrorKind::BatchItem);
        assert_eq!(e.context("outer").to_string(), "outer: connection reset");
    }
}
