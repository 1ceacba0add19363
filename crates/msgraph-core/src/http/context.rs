//! [`Context`]: the per-request settings every policy and the transport see.

use std::time::Duration;

use super::RetryOptions;

/// Default limit of a response body (64 MiB).
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;

/// Per-request settings seen by every policy and the transport.
#[derive(Debug, Clone)]
pub struct Context {
    max_response_bytes: usize,
    timeout: Option<Duration>,
    skip_auth: bool,
    max_retries: Option<u32>,
    retry_unknown_outcomes: Option<bool>,
    retry: Option<RetryOptions>,
    streamed_body: bool,
}

impl Default for Context {
    fn default() -> Context {
        Context {
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            timeout: None,
            skip_auth: false,
            max_retries: None,
            retry_unknown_outcomes: None,
            retry: None,
            streamed_body: false,
        }
    }
}

impl Context {
    /// Defaults: 64 MiB body limit, the pipeline's timeout and retry settings, auth on.
    pub fn new() -> Context {
        Context::default()
    }

    /// Whether a successful response's body may be left unread and handed over as a stream
    /// ([`crate::http::HttpResponse::take_stream`]; default `false`). Downloads ask for it so a
    /// chunk is never held whole; the transport decides (see [`crate::http::HttpTransport`]).
    pub fn streamed_body(&self) -> bool {
        self.streamed_body
    }

    /// Sets [`Context::streamed_body`].
    pub fn with_streamed_body(mut self, stream: bool) -> Context {
        self.streamed_body = stream;
        self
    }

    /// Largest response body accepted (after decompression).
    pub fn max_response_bytes(&self) -> usize {
        self.max_response_bytes
    }

    /// Sets the largest response body accepted.
    pub fn with_max_response_bytes(mut self, limit: usize) -> Context {
        self.max_response_bytes = limit;
        self
    }

    /// A timeout per try overriding the client's.
    pub fn timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// Sets a timeout per try overriding the client's.
    pub fn with_timeout(mut self, timeout: Option<Duration>) -> Context {
        self.timeout = timeout;
        self
    }

    /// Whether the auth policy must not attach a token (pre-authenticated upload URLs).
    pub fn skip_auth(&self) -> bool {
        self.skip_auth
    }

    /// Sends the request without `Authorization`.
    pub fn with_skip_auth(mut self, skip: bool) -> Context {
        self.skip_auth = skip;
        self
    }

    /// A retry budget overriding the client's `max_retries`.
    pub fn max_retries(&self) -> Option<u32> {
        self.max_retries
    }

    /// Overrides the client's `max_retries` for this request.
    pub fn with_max_retries(mut self, n: Option<u32>) -> Context {
        self.max_retries = n;
        self
    }

    /// Whether this request is retried when its outcome is unknown (a 504, a connection lost
    /// after sending) whatever its method, overriding the client's
    /// [`RetryOptions::retry_unknown_outcomes`](crate::pipeline::RetryOptions::retry_unknown_outcomes).
    pub fn retry_unknown_outcomes(&self) -> Option<bool> {
        self.retry_unknown_outcomes
    }

    /// Opts this request in (`Some(true)`) or out (`Some(false)`) of retries when its outcome
    /// is unknown; `None` follows the client's setting.
    pub fn with_retry_unknown_outcomes(mut self, retry: Option<bool>) -> Context {
        self.retry_unknown_outcomes = retry;
        self
    }

    /// The retry settings of this request, replacing the client's (`None`: the client's).
    pub fn retry(&self) -> Option<&RetryOptions> {
        self.retry.as_ref()
    }

    /// Retries this request by `retry` instead of the client's settings (what
    /// [`Request::retry`](crate::request::Request::retry) sets). [`Context::with_max_retries`]
    /// and [`Context::with_retry_unknown_outcomes`] still override its count and opt-in.
    pub fn with_retry(mut self, retry: Option<RetryOptions>) -> Context {
        self.retry = retry;
        self
    }
}
