//! Retries for throttling and transient failures: [`RetryPolicy`] (the rules) and
//! [`RetryOptions`].

use std::time::{Duration, SystemTime};

use super::{parse_retry_after, random_fraction, Context, Next, Policy};
use crate::error::{ErrorKind, Result};
use crate::http::{BoxFuture, HttpRequest, HttpResponse, RetryOptions, ABSOLUTE_MAX_RETRIES};

impl RetryOptions {
    /// Backoff before retry number `retry` (1-based), jitter included, capped.
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let exp = retry.saturating_sub(1).min(20);
        let d = self.base_delay.saturating_mul(1u32 << exp);
        let jitter = d.mul_f64(0.25 * random_fraction());
        d.saturating_add(jitter).min(self.max_delay)
    }

    /// The delay before retry number `retry` given the answer's `Retry-After` (if any), or
    /// `None` when the service asks for longer than `max_delay`.
    pub(crate) fn delay_for(&self, retry: u32, retry_after: Option<&str>) -> Option<Duration> {
        match retry_after.and_then(|v| parse_retry_after(v, SystemTime::now())) {
            Some(d) if d > self.max_delay => None,
            Some(d) => Some(d),
            None => Some(self.backoff(retry)),
        }
    }
}

/// Whether a status is retried.
pub(crate) fn is_retryable_status(status: u16) -> bool {
    matches!(status, 429 | 503 | 504)
}

/// Retries throttled and transiently failed requests.
///
/// What is retried depends on whether the service may have run the request:
///
/// | answer                                     | `GET` `HEAD` `OPTIONS` | `PUT` `DELETE` | `POST` `PATCH`  |
/// |--------------------------------------------|------------------------|----------------|-----------------|
/// | 429, 503 (refused, not run)                | retried                | retried        | retried         |
/// | 504 (the gateway gave up: outcome unknown) | retried                | retried        | **not retried** |
/// | transport error (connection reset, ...)    | retried                | not retried    | not retried     |
///
/// * 429 and 503 are Graph's throttling and "unavailable" answers: the request was not run, so
///   every method is sent again.
/// * A 504 or a connection lost after sending leaves the outcome unknown: the request may have
///   run. Only requests that cannot duplicate an effect are sent again — idempotent methods
///   (RFC 9110, 9.2.2) on a 504, safe methods on a transport error. A `POST` (a create, an
///   action, a `$batch` with writes) or `PATCH` answered 504 is returned as it is; its error
///   says that its outcome is unknown. [`RetryOptions::retry_unknown_outcomes`] (or
///   [`Context::with_retry_unknown_outcomes`] for one request) opts in to retrying these
///   whatever the method.
/// * One request can have settings of its own ([`Request::retry`](crate::request::Request::retry),
///   [`Request::no_retry`](crate::request::Request::no_retry), carried by
///   [`Context::with_retry`]): they replace the client's for that request.
/// * The query queue applies the same rule to `$batch`: an outer `$batch` whose outcome is
///   unknown is never resent whole; its reads (idempotent items on a 504, safe ones on a
///   transport error) go out again in a new batch, its writes fail with that error, marked
///   "outcome unknown". An item answered 504 inside a batch is resent only if it is idempotent.
///   With the opt-in, everything is resent.
/// * `Retry-After` is honoured, in seconds (a fraction, `0.249`, is rounded up to the
///   millisecond) or as an HTTP-date (the whole time until that date).
///   Without it: exponential backoff from `base_delay` (3 s), doubled per try, plus up to 25 %
///   random jitter, capped at `max_delay`.
/// * A `Retry-After` longer than `max_delay` (180 s) is not shortened: the request is not
///   retried and the error carries [`crate::error::Error::retry_after`], so the caller can decide.
/// * Default 3 retries, at most [`ABSOLUTE_MAX_RETRIES`] (10); an optional limit on the total
///   time spent; a `Retry-Attempt: n` header on every retry.
/// * A request whose body cannot be replayed (a stream) is never retried.
/// * When retries are exhausted the last response (or error) is returned as is.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    options: RetryOptions,
}

impl RetryPolicy {
    /// A retry policy.
    pub fn new(options: RetryOptions) -> RetryPolicy {
        RetryPolicy { options }
    }

    /// The settings.
    pub fn options(&self) -> &RetryOptions {
        &self.options
    }
}

impl Policy for RetryPolicy {
    fn send<'a>(
        &'a self,
        ctx: &'a Context,
        request: &'a mut HttpRequest,
        next: Next<'a>,
    ) -> BoxFuture<'a, Result<HttpResponse>> {
        Box::pin(async move {
            // The request's own settings, if it has any, replace the client's.
            let options = ctx.retry().unwrap_or(&self.options);
            let max = ctx.max_retries().unwrap_or(options.max_retries).min(ABSOLUTE_MAX_RETRIES);
            let start = tokio::time::Instant::now();
            let mut retry = 0u32;
            loop {
                if retry > 0 {
                    request.headers_mut().set_static("retry-attempt", retry.to_string());
                }
                let result = next.send(ctx, request).await;
                let unknown_ok = ctx.retry_unknown_outcomes().unwrap_or(options.retry_unknown_outcomes);
                let method = request.method();
                let retry_after = match &result {
                    Ok(r) if is_retryable_status(r.status()) => {
                        if r.status() == 504 && !(unknown_ok || method.is_idempotent()) {
                            tracing::debug!(%method, "504 for a non-idempotent request: outcome unknown, not retrying");
                            return result;
                        }
                        r.headers().get("retry-after").map(str::to_string)
                    }
                    Err(e)
                        if e.kind() == ErrorKind::Transport
                            && options.retry_transport_errors
                            && (unknown_ok || method.is_safe()) =>
                    {
                        None
                    }
                    _ => return result,
                };
                if retry >= max || !request.body().is_replayable() {
                    return result;
                }
                let Some(delay) = options.delay_for(retry + 1, retry_after.as_deref()) else {
                    tracing::debug!(retry_after = ?retry_after, "Retry-After exceeds the maximum delay: not retrying");
                    return result;
                };
                if let Some(limit) = options.total_time_limit {
                    if start.elapsed().saturating_add(delay) > limit {
                        tracing::debug!(?delay, "total retry time limit reached: not retrying");
                        return result;
                    }
                }
                match &result {
                    Ok(r) => tracing::debug!(status = r.status(), retry = retry + 1, ?delay, "retrying"),
                    Err(e) => tracing::debug!(error = %e, retry = retry + 1, ?delay, "retrying"),
                }
                tokio::time::sleep(delay).await;
                retry += 1;
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::error::Error;
    use crate::http::{Body, Method};
    use std::sync::Arc;

    fn req() -> HttpRequest {
        HttpRequest::new(Method::Get, "https://graph.microsoft.com/v1.0/me").unwrap()
    }

    fn gaps(seen: &[Seen]) -> Vec<Duration> {
        seen.windows(2).map(|w| w[1].at - w[0].at).collect()
    }

    #[tokio::test(start_paused = true)]
    async fn honours_retry_after_seconds_then_succeeds() {
        let t = ScriptTransport::new(vec![
            resp(429, &[("retry-after", "41")], ""),
            resp(503, &[("retry-after", "2")], ""),
            resp(200, &[], "ok"),
        ]);
        let p = pipeline(vec![Arc::new(RetryPolicy::new(RetryOptions::new()))], &t);
        let r = p.send(&Context::new(), &mut req()).await.unwrap();
        assert_eq!(r.status(), 200);
        let seen = t.seen();
        assert_eq!(gaps(&seen), [Duration::from_secs(41), Duration::from_secs(2)]);
        assert!(!seen[0].headers.contains("retry-attempt"));
        assert_eq!(seen[1].headers.get("retry-attempt"), Some("1"));
        assert_eq!(seen[2].headers.get("retry-attempt"), Some("2"));
    }

    #[tokio::test(start_paused = true)]
    async fn honours_an_http_date_as_total_seconds() {
        let at = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(125));
        let t = ScriptTransport::new(vec![resp(429, &[("retry-after", &at)], ""), resp(200, &[], "")]);
        let p = pipeline(vec![Arc::new(RetryPolicy::new(RetryOptions::new()))], &t);
        p.send(&Context::new(), &mut req()).await.unwrap();
        let g = gaps(&t.seen())[0];
        // Whole seconds of a date: between 123 and 125 s (not the 0–59 "seconds" field).
        assert!(g >= Duration::from_secs(123) && g <= Duration::from_secs(125), "{g:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn exponential_backoff_with_jitter_for_invalid_retry_after() {
        let t = ScriptTransport::new(vec![
            resp(504, &[("retry-after", "soon")], ""),
            resp(504, &[("retry-after", "-1")], ""),
            resp(504, &[], ""),
            resp(504, &[], "last"),
        ]);
        let p = pipeline(vec![Arc::new(RetryPolicy::new(RetryOptions::new()))], &t);
        let r = p.send(&Context::new(), &mut req()).await.unwrap();
        // Exhausted: the last response is returned.
        assert_eq!((r.status(), r.body()), (504, &b"last"[..]));
        let g = gaps(&t.seen());
        assert_eq!(g.len(), 3);
        for (i, base) in [3u64, 6, 12].into_iter().enumerate() {
            let lo = Duration::from_secs(base);
            let hi = lo.mul_f64(1.25);
            assert!(g[i] >= lo && g[i] <= hi, "retry {i}: {:?}", g[i]);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn caps_limits_and_non_retryable_cases() {
        // Retry-After above the cap: not retried, returned at once.
        let t = ScriptTransport::new(vec![resp(429, &[("retry-after", "315")], "")]);
        let p = pipeline(vec![Arc::new(RetryPolicy::new(RetryOptions::new()))], &t);
        assert_eq!(p.send(&Context::new(), &mut req()).await.unwrap().status(), 429);
        assert_eq!(t.seen().len(), 1);
        // Backoff capped at max_delay.
        let opts = RetryOptions::new().max_retries(6).base_delay(Duration::from_secs(100));
        let t = ScriptTransport::new(vec![resp(503, &[], "")]);
        let p = pipeline(vec![Arc::new(RetryPolicy::new(opts))], &t);
        p.send(&Context::new(), &mut req()).await.unwrap();
        assert_eq!(t.seen().len(), 7);
        assert!(gaps(&t.seen()).iter().skip(1).all(|g| *g == Duration::from_secs(180)));
        // Absolute max of 10.
        assert_eq!(RetryOptions::new().max_retries(50).get_max_retries(), 10);
        let t = ScriptTransport::new(vec![resp(503, &[("retry-after", "0")], "")]);
        let p = pipeline(vec![Arc::new(RetryPolicy::new(RetryOptions::new().max_retries(50)))], &t);
        p.send(&Context::new(), &mut req()).await.unwrap();
        assert_eq!(t.seen().len(), 11);
        // The context can lower the budget (used by the query queue).
        let t = ScriptTransport::new(vec![resp(503, &[("retry-after", "0")], "")]);
        let p = pipeline(vec![Arc::new(RetryPolicy::new(RetryOptions::new()))], &t);
        p.send(&Context::new().with_max_retries(Some(1)), &mut req()).await.unwrap();
        assert_eq!(t.seen().len(), 2);
        // Total time limit.
        let opts = RetryOptions::new().max_retries(10).total_time_limit(Some(Duration::from_secs(10)));
        let t = ScriptTransport::new(vec![resp(429, &[("retry-after", "4")], "")]);
        let p = pipeline(vec![Arc::new(RetryPolicy::new(opts))], &t);
        p.send(&Context::new(), &mut req()).await.unwrap();
        assert_eq!(t.seen().len(), 3); // 0 s, 4 s, 8 s; the next would end at 12 s
                                       // Other statuses are not retried.
        for status in [400, 401, 404, 500, 502] {
            let t = ScriptTransport::new(vec![resp(status, &[], "")]);
            let p = pipeline(vec![Arc::new(RetryPolicy::new(RetryOptions::new()))], &t);
            assert_eq!(p.send(&Context::new(), &mut req()).await.unwrap().status(), status);
            assert_eq!(t.seen().len(), 1);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn bodies_that_cannot_be_replayed_are_not_retried() {
        let t = ScriptTransport::new(vec![resp(503, &[("retry-after", "1")], "")]);
        let p = pipeline(vec![Arc::new(RetryPolicy::new(RetryOptions::new()))], &t);
        let mut r = HttpRequest::new(Method::Put, "https://graph.microsoft.com/v1.0/x").unwrap();
        struct One(bool);
        impl futures_core::Stream for One {
            type Item = std::io::Result<Vec<u8>>;
            fn poll_next(
                mut self: std::pin::Pin<&mut Self>,
                _: &mut std::task::Context<'_>,
            ) -> std::task::Poll<Option<Self::Item>> {
                let done = std::mem::replace(&mut self.0, true);
                std::task::Poll::Ready(if done { None } else { Some(Ok(b"data".to_vec())) })
            }
        }
        r.set_body(Body::from_stream(One(false), Some(4)));
        assert_eq!(p.send(&Context::new(), &mut r).await.unwrap().status(), 503);
        assert_eq!(t.seen().len(), 1);
        // A replayable body is resent intact.
        let t = ScriptTransport::new(vec![resp(503, &[("retry-after", "1")], ""), resp(201, &[], "")]);
        let p = pipeline(vec![Arc::new(RetryPolicy::new(RetryOptions::new()))], &t);
        let mut r = HttpRequest::new(Method::Post, "https://graph.microsoft.com/v1.0/x").unwrap();
        r.set_body(Body::from_bytes(b"{\"a\":1}".to_vec()));
        assert_eq!(p.send(&Context::new(), &mut r).await.unwrap().status(), 201);
        assert!(t.seen().iter().all(|s| s.body == b"{\"a\":1}"));
    }

    #[tokio::test(start_paused = true)]
    async fn a_504_is_retried_only_for_idempotent_methods_unless_opted_in() {
        let sent = |method: Method, opts: RetryOptions, ctx: Context, answer: Result<HttpResponse>| async move {
            let t = ScriptTransport::new(vec![answer]);
            let p = pipeline(vec![Arc::new(RetryPolicy::new(opts))], &t);
            let mut r = HttpRequest::new(method, "https://graph.microsoft.com/v1.0/x").unwrap();
            r.set_body(Body::from_bytes(b"{}".to_vec()));
            let _ = p.send(&ctx, &mut r).await;
            t.seen().len()
        };
        let gateway = || resp(504, &[("retry-after", "0")], "");
        let reset = || Err(Error::new(ErrorKind::Transport, "connection reset"));
        let (def, on) = (RetryOptions::new(), RetryOptions::new().retry_unknown_outcomes(true));
        let c = Context::new;
        for m in [Method::Get, Method::Head, Method::Options, Method::Put, Method::Delete] {
            assert_eq!(sent(m, def.clone(), c(), gateway()).await, 4, "{m}: 504 retried");
        }
        for m in [Method::Post, Method::Patch] {
            assert_eq!(sent(m, def.clone(), c(), gateway()).await, 1, "{m}: 504 not retried");
            assert_eq!(sent(m, def.clone(), c(), reset()).await, 1, "{m}: lost connection not retried");
            assert_eq!(sent(m, on.clone(), c(), gateway()).await, 4, "{m}: opted in");
            assert_eq!(sent(m, on.clone(), c(), reset()).await, 4, "{m}: opted in");
            let one = c().with_retry_unknown_outcomes(Some(true));
            assert_eq!(sent(m, def.clone(), one, gateway()).await, 4, "{m}: opted in for one request");
            let out = c().with_retry_unknown_outcomes(Some(false));
            assert_eq!(sent(m, on.clone(), out, gateway()).await, 1, "{m}: opted out for one request");
            for status in [429, 503] {
                let refused = resp(status, &[("retry-after", "0")], "");
                assert_eq!(sent(m, def.clone(), c(), refused).await, 4, "{m}: {status} was not run, retried");
            }
        }
        assert_eq!(sent(Method::Put, def.clone(), c(), reset()).await, 1, "PUT: lost connection not retried");
        assert!(!def.get_retry_unknown_outcomes() && on.get_retry_unknown_outcomes());
    }

    #[tokio::test(start_paused = true)]
    async fn transport_errors_retried_for_safe_methods_only() {
        let t =
            ScriptTransport::new(vec![Err(Error::new(ErrorKind::Transport, "connection reset")), resp(200, &[], "")]);
        let p = pipeline(vec![Arc::new(RetryPolicy::new(RetryOptions::new()))], &t);
        assert_eq!(p.send(&Context::new(), &mut req()).await.unwrap().status(), 200);
        let t = ScriptTransport::new(vec![Err(Error::new(ErrorKind::Transport, "connection reset"))]);
        let p = pipeline(vec![Arc::new(RetryPolicy::new(RetryOptions::new()))], &t);
        let mut post = HttpRequest::new(Method::Post, "https://graph.microsoft.com/v1.0/x").unwrap();
        let e = p.send(&Context::new(), &mut post).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Transport);
        assert_eq!(t.seen().len(), 1);
        // Exhausted: the last error.
        let t = ScriptTransport::new(vec![Err(Error::new(ErrorKind::Transport, "reset"))]);
        let p = pipeline(vec![Arc::new(RetryPolicy::new(RetryOptions::new()))], &t);
        assert_eq!(p.send(&Context::new(), &mut req()).await.unwrap_err().kind(), ErrorKind::Transport);
        assert_eq!(t.seen().len(), 4);
    }
}
