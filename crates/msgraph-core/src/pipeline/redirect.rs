//! Redirects, handled here rather than by the transport so the rules are ours:
//!
//! * 301, 302, 303, 307, 308 with a `Location` (relative ones resolve against the request URL);
//! * default at most 5 hops, then [`ErrorKind::Redirect`];
//! * 303 turns the request into a `GET` without a body; the others keep method and body (a body
//!   that cannot be replayed cannot be redirected: [`ErrorKind::Redirect`]);
//! * `Authorization` and `Cookie` are dropped when scheme, host or port change, and the auth
//!   policy will not add a token to that request;
//! * `https` → `http` is refused;
//! * the response of a followed chain carries its last request
//!   ([`HttpResponse::redirected`]), so a caller can go on at the URL that answered.

use super::{Context, Next, Policy};
use crate::error::{Error, ErrorKind, Result};
use crate::http::{BoxFuture, HttpRequest, HttpResponse, Method};

/// Redirect settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedirectOptions {
    max_redirects: usize,
}

impl Default for RedirectOptions {
    fn default() -> RedirectOptions {
        RedirectOptions { max_redirects: 5 }
    }
}

impl RedirectOptions {
    /// Default: at most 5 redirects.
    pub fn new() -> RedirectOptions {
        RedirectOptions::default()
    }

    /// Maximum number of redirects followed; 0 returns 3xx answers unfollowed.
    pub fn max_redirects(mut self, n: usize) -> RedirectOptions {
        self.max_redirects = n;
        self
    }

    /// The configured maximum.
    pub fn get_max_redirects(&self) -> usize {
        self.max_redirects
    }
}

/// Follows redirects.
#[derive(Debug, Clone)]
pub struct RedirectPolicy {
    options: RedirectOptions,
}

impl RedirectPolicy {
    /// A redirect policy.
    pub fn new(options: RedirectOptions) -> RedirectPolicy {
        RedirectPolicy { options }
    }
}

fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

/// The next request of a redirect chain, or an error.
fn follow(from: &HttpRequest, status: u16, location: &str) -> Result<HttpRequest> {
    let target = from
        .parsed_url()
        .join(location.trim())
        .map_err(|e| Error::with_source(ErrorKind::Redirect, "invalid Location header in redirect", e))?;
    if !matches!(target.scheme(), "http" | "https") || target.host_str().is_none_or(str::is_empty) {
        return Err(Error::new(ErrorKind::Redirect, format!("refusing redirect to a {:?} URL", target.scheme())));
    }
    if !target.username().is_empty() || target.password().is_some() {
        return Err(Error::new(ErrorKind::Redirect, "refusing redirect to a URL with credentials"));
    }
    if from.parsed_url().scheme() == "https" && target.scheme() == "http" {
        return Err(Error::new(ErrorKind::Redirect, "refusing redirect from https to http"));
    }
    let mut next = if status == 303 && from.method() != Method::Head {
        let mut r = HttpRequest::from_url(Method::Get, target.clone());
        *r.headers_mut() = from.headers().clone();
        let h = r.headers_mut();
        h.remove("content-type");
        h.remove("content-length");
        h.remove("content-range");
        r.cross_origin = from.cross_origin;
        r
    } else {
        let mut r = from.try_clone().ok_or_else(|| {
            Error::new(
                ErrorKind::Redirect,
                format!("cannot follow a {status} redirect: the request body cannot be replayed"),
            )
        })?;
        r.set_parsed_url(target.clone());
        r
    };
    if from.parsed_url().origin() != target.origin() {
        let h = next.headers_mut();
        h.remove("authorization");
        h.remove("cookie");
        next.cross_origin = true;
    }
    Ok(next)
}

impl Policy for RedirectPolicy {
    fn send<'a>(
        &'a self,
        ctx: &'a Context,
        request: &'a mut HttpRequest,
        next: Next<'a>,
    ) -> BoxFuture<'a, Result<HttpResponse>> {
        Box::pin(async move {
            let max = self.options.max_redirects;
            let mut response = next.send(ctx, request).await?;
            if max == 0 {
                return Ok(response);
            }
            let mut current: Option<HttpRequest> = None;
            let mut hops = 0usize;
            loop {
                let status = response.status();
                if !is_redirect(status) {
                    if let Some(last) = current {
                        response.set_redirected(last);
                    }
                    return Ok(response);
                }
                let Some(location) = response.headers().get("location") else { return Ok(response) };
                hops += 1;
                if hops > max {
                    return Err(Error::new(ErrorKind::Redirect, format!("too many redirects (more than {max})")));
                }
                let from = current.as_ref().unwrap_or(request);
                let mut redirected = follow(from, status, location)?;
                tracing::debug!(status, hop = hops, "following redirect");
                response = next.send(ctx, &mut redirected).await?;
                current = Some(redirected);
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::http::Body;
    use std::sync::Arc;

    fn policy() -> Vec<Arc<dyn Policy>> {
        vec![Arc::new(RedirectPolicy::new(RedirectOptions::new()))]
    }

    fn authed(method: Method, url: &str) -> HttpRequest {
        let mut r = HttpRequest::new(method, url).unwrap();
        r.headers_mut().insert("authorization", "Bearer T").unwrap();
        r.headers_mut().insert("cookie", "c=1").unwrap();
        r.headers_mut().insert("content-type", "application/json").unwrap();
        r.set_body(Body::from_bytes(b"{}".to_vec()));
        r
    }

    #[tokio::test]
    async fn every_redirect_status_is_followed_relative_locations_resolve() {
        for status in [301, 302, 307, 308] {
            let t =
                ScriptTransport::new(vec![resp(status, &[("location", "../other?x=1")], ""), resp(200, &[], "done")]);
            let p = pipeline(policy(), &t);
            let mut r = authed(Method::Post, "https://graph.microsoft.com/v1.0/me/a");
            let out = p.send(&Context::new(), &mut r).await.unwrap();
            assert_eq!(out.body(), b"done");
            assert_eq!(out.redirected().unwrap().parsed_url().as_str(), "https://graph.microsoft.com/v1.0/other?x=1");
            let seen = t.seen();
            assert_eq!(seen[1].url, "https://graph.microsoft.com/v1.0/other?x=1");
            // Same origin: method, body and credentials kept.
            assert_eq!(seen[1].method, Method::Post);
            assert_eq!(seen[1].body, b"{}");
            assert_eq!(seen[1].headers.get("authorization"), Some("Bearer T"));
        }
    }

    #[tokio::test]
    async fn see_other_becomes_get_without_body() {
        let t = ScriptTransport::new(vec![resp(303, &[("location", "/status/1")], ""), resp(200, &[], "")]);
        let p = pipeline(policy(), &t);
        let mut r = authed(Method::Post, "https://graph.microsoft.com/v1.0/jobs");
        p.send(&Context::new(), &mut r).await.unwrap();
        let s = &t.seen()[1];
        assert_eq!((s.method, s.body.is_empty()), (Method::Get, true));
        assert!(!s.headers.contains("content-type"));
        assert_eq!(s.url, "https://graph.microsoft.com/status/1");
    }

    #[tokio::test]
    async fn credentials_are_dropped_across_origins() {
        for target in [
            "https://evil.example/steal",          // host
            "http://graph.microsoft.com:8443/x",   // port
            "https://graph.microsoft.com/v1.0/me", // scheme (an upgrade is allowed)
        ] {
            let t = ScriptTransport::new(vec![resp(302, &[("location", target)], ""), resp(200, &[], "")]);
            let p = pipeline(policy(), &t);
            let mut r = authed(Method::Get, "http://graph.microsoft.com/v1.0/me");
            let out = p.send(&Context::new(), &mut r).await.unwrap();
            let s = &t.seen()[1];
            assert!(!s.headers.contains("authorization"), "{target}");
            assert!(!s.headers.contains("cookie"), "{target}");
            // The response names the request that answered, marked cross-origin (no token is
            // added to it or to its repeats).
            let last = out.redirected().unwrap();
            assert_eq!(last.parsed_url().as_str(), target);
            assert!(last.cross_origin && !last.headers().contains("authorization"));
        }
    }

    #[tokio::test]
    async fn downgrade_and_limits_are_refused() {
        let t = ScriptTransport::new(vec![resp(301, &[("location", "http://graph.microsoft.com/v1.0/me")], "")]);
        let p = pipeline(policy(), &t);
        let e = p.send(&Context::new(), &mut authed(Method::Get, "https://graph.microsoft.com/v1.0/me")).await;
        assert_eq!(e.unwrap_err().kind(), ErrorKind::Redirect);
        assert_eq!(t.seen().len(), 1);

        let t = ScriptTransport::new(vec![resp(302, &[("location", "/loop")], "")]);
        let p = pipeline(policy(), &t);
        let e = p.send(&Context::new(), &mut authed(Method::Get, "https://graph.microsoft.com/v1.0/me")).await;
        assert!(e.unwrap_err().to_string().contains("too many redirects"));
        assert_eq!(t.seen().len(), 6); // the original + 5 hops

        let t = ScriptTransport::new(vec![resp(302, &[("location", "javascript:alert(1)")], "")]);
        let p = pipeline(policy(), &t);
        let e = p.send(&Context::new(), &mut authed(Method::Get, "https://graph.microsoft.com/v1.0/me")).await;
        assert_eq!(e.unwrap_err().kind(), ErrorKind::Redirect);

        // No Location, or redirects disabled: the 3xx is returned.
        let t = ScriptTransport::new(vec![resp(302, &[], "")]);
        let p = pipeline(policy(), &t);
        assert_eq!(
            p.send(&Context::new(), &mut authed(Method::Get, "https://g.example/")).await.unwrap().status(),
            302
        );
        let t = ScriptTransport::new(vec![resp(302, &[("location", "/x")], "")]);
        let p = pipeline(vec![Arc::new(RedirectPolicy::new(RedirectOptions::new().max_redirects(0)))], &t);
        assert_eq!(
            p.send(&Context::new(), &mut authed(Method::Get, "https://g.example/")).await.unwrap().status(),
            302
        );
    }

    #[tokio::test]
    async fn a_stream_body_cannot_be_redirected_with_307() {
        struct Never;
        impl futures_core::Stream for Never {
            type Item = std::io::Result<Vec<u8>>;
            fn poll_next(
                self: std::pin::Pin<&mut Self>,
                _: &mut std::task::Context<'_>,
            ) -> std::task::Poll<Option<Self::Item>> {
                std::task::Poll::Ready(None)
            }
        }
        let t = ScriptTransport::new(vec![resp(307, &[("location", "/x")], "")]);
        let p = pipeline(policy(), &t);
        let mut r = HttpRequest::new(Method::Put, "https://g.example/a").unwrap();
        r.set_body(Body::from_stream(Never, None));
        let e = p.send(&Context::new(), &mut r).await.unwrap_err();
        assert!(e.to_string().contains("cannot be replayed"));
    }
}
