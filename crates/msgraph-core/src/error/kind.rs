//! [`ErrorKind`], what went wrong, and the reason phrases of HTTP statuses for messages.

use std::fmt;

/// What went wrong, to match on. Details are reachable through [`Error`](super::Error)'s accessors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The service (or a proxy in front of it) answered with an error status; see
    /// [`Error::status`](super::Error::status), [`Error::code`](super::Error::code), [`Error::graph_error`](super::Error::graph_error).
    Http,
    /// The request could not be sent or the response not received (connection refused or reset,
    /// DNS, TLS, protocol errors).
    Transport,
    /// A request took longer than the configured timeout.
    Timeout,
    /// A token could not be acquired (token endpoint error, device code declined or expired,
    /// misconfigured credential).
    Auth,
    /// A response body could not be decoded into the expected type; see [`Error::json_path`](super::Error::json_path).
    Decode,
    /// Invalid input detected before anything was sent (a bad URL, header, chunk size, a
    /// `nextLink` to a foreign host, ...).
    Validation,
    /// A redirect could not be followed (too many, `https` → `http`, missing `Location`, a body
    /// that cannot be replayed).
    Redirect,
    /// A response body was larger than the configured limit.
    ResponseTooLarge,
    /// A `$batch` response did not contain a usable answer for this query (missing, duplicated
    /// or malformed item).
    BatchItem,
    /// `424 Failed Dependency`: a query this one depends on failed, so it was not run.
    DependencyFailed,
    /// Delta state is no longer valid (`410 Gone`, `resyncRequired`): start a new delta round.
    ResyncRequired,
    /// A queued query has not been executed (yet), or its result was already taken.
    NotExecuted,
    /// `execute_query` was cancelled while this query was in flight: its outcome is unknown.
    Cancelled,
    /// `execute_query` stopped before every queued query was attempted (time limit); the queries
    /// not sent stay queued.
    Interrupted,
}

impl ErrorKind {
    /// A short lowercase name (`"http"`, `"transport"`, ...).
    pub fn as_str(&self) -> &'static str {
        match self {
            ErrorKind::Http => "http",
            ErrorKind::Transport => "transport",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Auth => "auth",
            ErrorKind::Decode => "decode",
            ErrorKind::Validation => "validation",
            ErrorKind::Redirect => "redirect",
            ErrorKind::ResponseTooLarge => "response too large",
            ErrorKind::BatchItem => "batch item",
            ErrorKind::DependencyFailed => "dependency failed",
            ErrorKind::ResyncRequired => "resync required",
            ErrorKind::NotExecuted => "not executed",
            ErrorKind::Cancelled => "cancelled",
            ErrorKind::Interrupted => "interrupted",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The reason phrase of common statuses (for messages only).
pub(super) fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        416 => "Range Not Satisfiable",
        422 => "Unprocessable Entity",
        423 => "Locked",
        424 => "Failed Dependency",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        507 => "Insufficient Storage",
        509 => "Bandwidth Limit Exceeded",
        _ => "",
    }
}
