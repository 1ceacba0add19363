//! The request pipeline: a fixed sequence of small [`Policy`] objects, each doing one thing,
//! ending in an [`HttpTransport`].
//!
//! The order is fixed and documented (outermost first):
//!
//! 1. [`ClientRequestIdPolicy`]: a `client-request-id` per logical request (kept across retries);
//! 2. [`UserAgentPolicy`]: our own product token (`msgraph-rs/x.y.z`); no `SdkVersion` header;
//! 3. [`TracingPolicy`]: one `tracing` span per request (method, redacted URL, status, time);
//! 4. custom per-call policies ([`crate::client::ClientBuilder::per_call_policy`]);
//! 5. [`RetryPolicy`]: 429/503 for every method, 504 for idempotent ones, transport errors of
//!    safe methods (a `POST`/`PATCH` whose outcome is unknown is not resent unless opted in),
//!    `Retry-After`, exponential backoff with jitter, `Retry-Attempt`;
//! 6. [`RedirectPolicy`]: 301/302/303/307/308, credentials dropped across origins;
//! 7. [`BearerTokenPolicy`](crate::auth::BearerTokenPolicy): `Authorization: Bearer` for allowed
//!    hosts only (it lives in [`crate::auth`], beside the token providers it calls);
//! 8. custom per-try policies ([`crate::client::ClientBuilder::per_try_policy`]);
//! 9. [`DecompressionPolicy`]: `Accept-Encoding: gzip` and decompression (size-limited);
//! 10. [`TimeoutPolicy`]: a timeout per try;
//!
//! then the transport.

use std::fmt;
use std::sync::Arc;

use crate::error::Result;
use crate::http::{BoxFuture, HttpRequest, HttpResponse, HttpTransport};

mod decompress;
mod redirect;
mod request_id;
mod retry;
mod timeout;
mod trace;
mod user_agent;

pub use crate::http::{RetryOptions, ABSOLUTE_MAX_RETRIES};
pub use decompress::DecompressionPolicy;
pub use redirect::{RedirectOptions, RedirectPolicy};
pub use request_id::ClientRequestIdPolicy;
pub use retry::RetryPolicy;
pub use timeout::TimeoutPolicy;
pub use trace::TracingPolicy;
pub use user_agent::{UserAgentPolicy, PRODUCT_TOKEN};

/// The per-request settings and `Retry-After` parsing live with the HTTP types (the transport
/// and the error constructors use them too).
pub use crate::http::{parse_retry_after, Context, DEFAULT_MAX_RESPONSE_BYTES};

/// One step of the pipeline. A policy may change the request, call the rest of the pipeline
/// ([`Next::send`]) zero or more times, and change or replace the response.
pub trait Policy: Send + Sync + fmt::Debug {
    /// Handles `request`.
    fn send<'a>(
        &'a self,
        ctx: &'a Context,
        request: &'a mut HttpRequest,
        next: Next<'a>,
    ) -> BoxFuture<'a, Result<HttpResponse>>;
}

/// The rest of the pipeline after the current policy.
#[derive(Clone, Copy)]
pub struct Next<'a> {
    rest: &'a [Arc<dyn Policy>],
    transport: &'a dyn HttpTransport,
}

impl fmt::Debug for Next<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Next").field("remaining", &self.rest.len()).finish()
    }
}

impl<'a> Next<'a> {
    /// Runs the rest of the pipeline.
    pub fn send<'b>(self, ctx: &'b Context, request: &'b mut HttpRequest) -> BoxFuture<'b, Result<HttpResponse>>
    where
        'a: 'b,
    {
        match self.rest.split_first() {
            Some((policy, rest)) => policy.send(ctx, request, Next { rest, transport: self.transport }),
            None => match request.headers().check() {
                // Nothing invalid reaches the transport, whichever policy set it.
                Ok(()) => self.transport.send(request, ctx),
                Err(e) => Box::pin(std::future::ready(Err(e))),
            },
        }
    }
}

/// Policies in order plus the transport.
#[derive(Debug, Clone)]
pub struct Pipeline {
    policies: Arc<[Arc<dyn Policy>]>,
    transport: Arc<dyn HttpTransport>,
}

impl Pipeline {
    /// A pipeline of `policies` (outermost first) ending in `transport`.
    pub fn new(policies: Vec<Arc<dyn Policy>>, transport: Arc<dyn HttpTransport>) -> Pipeline {
        Pipeline { policies: policies.into(), transport }
    }

    /// Sends a request through every policy.
    pub fn send<'a>(&'a self, ctx: &'a Context, request: &'a mut HttpRequest) -> BoxFuture<'a, Result<HttpResponse>> {
        Next { rest: &self.policies, transport: &*self.transport }.send(ctx, request)
    }

    /// The transport at the end.
    pub fn transport(&self) -> &Arc<dyn HttpTransport> {
        &self.transport
    }

    /// The policies, outermost first.
    pub fn policies(&self) -> &[Arc<dyn Policy>] {
        &self.policies
    }
}

/// Random fraction in `[0, 1)` (for jitter; not cryptographic).
pub(crate) fn random_fraction() -> f64 {
    let bits = uuid::Uuid::new_v4().as_u128() as u64;
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
pub(crate) mod testing {
    //! An in-memory transport for policy tests.
    use super::*;
    use crate::http::Headers;
    use std::collections::VecDeque;
    use std::sync::Mutex;

    /// What the scripted transport saw.
    #[derive(Debug, Clone)]
    pub(crate) struct Seen {
        pub(crate) method: crate::http::Method,
        pub(crate) url: String,
        pub(crate) headers: Headers,
        pub(crate) body: Vec<u8>,
        pub(crate) at: tokio::time::Instant,
    }

    type Responder = Box<dyn Fn(&Seen) -> Result<HttpResponse> + Send + Sync>;

    /// Answers from a script (one entry per request, the last one repeats) or a function.
    pub(crate) struct ScriptTransport {
        script: Mutex<VecDeque<Result<HttpResponse>>>,
        responder: Option<Responder>,
        pub(crate) seen: Mutex<Vec<Seen>>,
    }

    impl fmt::Debug for ScriptTransport {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("ScriptTransport")
        }
    }

    impl ScriptTransport {
        pub(crate) fn new(script: Vec<Result<HttpResponse>>) -> Arc<ScriptTransport> {
            Arc::new(ScriptTransport { script: Mutex::new(script.into()), responder: None, seen: Mutex::new(vec![]) })
        }
        pub(crate) fn with(f: impl Fn(&Seen) -> Result<HttpResponse> + Send + Sync + 'static) -> Arc<ScriptTransport> {
            Arc::new(ScriptTransport {
                script: Mutex::new(VecDeque::new()),
                responder: Some(Box::new(f)),
                seen: Mutex::new(vec![]),
            })
        }
        pub(crate) fn seen(&self) -> Vec<Seen> {
            self.seen.lock().unwrap().clone()
        }
    }

    impl HttpTransport for ScriptTransport {
        fn send<'a>(&'a self, request: &'a HttpRequest, _ctx: &'a Context) -> BoxFuture<'a, Result<HttpResponse>> {
            let seen = Seen {
                method: request.method(),
                url: request.url().to_string(),
                headers: request.headers().clone(),
                body: request.body().as_bytes().map(<[u8]>::to_vec).unwrap_or_else(|| {
                    let _ = request.body().take_stream();
                    b"<stream>".to_vec()
                }),
                at: tokio::time::Instant::now(),
            };
            self.seen.lock().unwrap().push(seen.clone());
            let out = match &self.responder {
                Some(f) => f(&seen),
                None => {
                    let mut s = self.script.lock().unwrap();
                    if s.len() > 1 {
                        s.pop_front().unwrap()
                    } else {
                        s.front().cloned().unwrap()
                    }
                }
            };
            Box::pin(async move { out })
        }
    }

    pub(crate) fn resp(status: u16, headers: &[(&'static str, &str)], body: &str) -> Result<HttpResponse> {
        let mut h = Headers::new();
        for (k, v) in headers {
            h.append(*k, *v).unwrap();
        }
        Ok(HttpResponse::new(status, h, body.as_bytes().to_vec()))
    }

    pub(crate) fn pipeline(policies: Vec<Arc<dyn Policy>>, t: &Arc<ScriptTransport>) -> Pipeline {
        Pipeline::new(policies, t.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_fraction_is_in_range() {
        for _ in 0..1000 {
            let f = random_fraction();
            assert!((0.0..1.0).contains(&f));
        }
    }
}
