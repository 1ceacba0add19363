//! A timeout per try (inside the retry policy, so a slow try can be retried like any other
//! transient failure of a safe request).

use std::time::Duration;

use super::{Context, Next, Policy};
use crate::error::{Error, ErrorKind, Result};
use crate::http::{BoxFuture, HttpRequest, HttpResponse};

/// Fails a try that takes longer than the timeout with [`ErrorKind::Timeout`].
#[derive(Debug, Clone)]
pub struct TimeoutPolicy {
    default: Option<Duration>,
}

impl TimeoutPolicy {
    /// `None`: no timeout unless the request's [`Context`] sets one.
    pub fn new(default: Option<Duration>) -> TimeoutPolicy {
        TimeoutPolicy { default }
    }
}

impl Policy for TimeoutPolicy {
    fn send<'a>(
        &'a self,
        ctx: &'a Context,
        request: &'a mut HttpRequest,
        next: Next<'a>,
    ) -> BoxFuture<'a, Result<HttpResponse>> {
        let Some(limit) = ctx.timeout().or(self.default) else { return next.send(ctx, request) };
        Box::pin(async move {
            match tokio::time::timeout(limit, next.send(ctx, request)).await {
                Ok(r) => r,
                Err(_) => Err(Error::new(ErrorKind::Timeout, format!("no complete response within {limit:?}"))),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::{HttpTransport, Method};
    use crate::pipeline::Pipeline;
    use std::sync::Arc;

    #[derive(Debug)]
    struct Slow(Duration);
    impl HttpTransport for Slow {
        fn send<'a>(&'a self, _: &'a HttpRequest, _: &'a Context) -> BoxFuture<'a, Result<HttpResponse>> {
            Box::pin(async move {
                tokio::time::sleep(self.0).await;
                Ok(HttpResponse::new(200, Default::default(), Vec::new()))
            })
        }
    }

    #[tokio::test(start_paused = true)]
    async fn times_out_and_context_overrides() {
        let p = Pipeline::new(
            vec![Arc::new(TimeoutPolicy::new(Some(Duration::from_secs(5))))],
            Arc::new(Slow(Duration::from_secs(10))),
        );
        let mut r = HttpRequest::new(Method::Get, "https://graph.microsoft.com/v1.0/me").unwrap();
        let e = p.send(&Context::new(), &mut r).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Timeout);
        let ctx = Context::new().with_timeout(Some(Duration::from_secs(20)));
        assert_eq!(p.send(&ctx, &mut r).await.unwrap().status(), 200);
        let p = Pipeline::new(vec![Arc::new(TimeoutPolicy::new(None))], Arc::new(Slow(Duration::from_secs(1000))));
        assert_eq!(p.send(&Context::new(), &mut r).await.unwrap().status(), 200);
    }
}
