//! The default [`HttpTransport`]: reqwest 0.12 with rustls (feature `reqwest`).
//!
//! reqwest is configured to do nothing on its own: no redirects, no decompression, no cookies
//! (the pipeline does those), HTTP/1.1 (HTTP/2 with feature `http2`), one connection pool per
//! client, response bodies read up to the request's size limit.

use std::sync::Arc;

use crate::error::Result;
use crate::http::HttpTransport;

/// A transport with default settings (used by credentials that were not given one).
pub fn default_transport() -> Result<Arc<dyn HttpTransport>> {
    #[cfg(feature = "reqwest")]
    {
        Ok(Arc::new(ReqwestTransport::new(&TransportOptions::default())?))
    }
    #[cfg(not(feature = "reqwest"))]
    {
        Err(crate::error::Error::validation(
            "no HTTP transport: enable the `reqwest` feature or pass one with ClientBuilder::transport",
        ))
    }
}

/// Settings of the default transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportOptions {
    connect_timeout: Option<std::time::Duration>,
    pool_idle_timeout: Option<std::time::Duration>,
    pool_max_idle_per_host: usize,
}

impl Default for TransportOptions {
    fn default() -> TransportOptions {
        TransportOptions {
            connect_timeout: Some(std::time::Duration::from_secs(30)),
            pool_idle_timeout: Some(std::time::Duration::from_secs(90)),
            pool_max_idle_per_host: 32,
        }
    }
}

impl TransportOptions {
    /// Defaults: 30 s connect timeout, 90 s idle connections, 32 idle connections per host.
    pub fn new() -> TransportOptions {
        TransportOptions::default()
    }

    /// Connect timeout.
    pub fn connect_timeout(mut self, d: Option<std::time::Duration>) -> TransportOptions {
        self.connect_timeout = d;
        self
    }

    /// How long idle connections are kept.
    pub fn pool_idle_timeout(mut self, d: Option<std::time::Duration>) -> TransportOptions {
        self.pool_idle_timeout = d;
        self
    }

    /// Idle connections kept per host.
    pub fn pool_max_idle_per_host(mut self, n: usize) -> TransportOptions {
        self.pool_max_idle_per_host = n;
        self
    }
}

#[cfg(feature = "reqwest")]
pub use reqwest_impl::ReqwestTransport;

#[cfg(feature = "reqwest")]
mod reqwest_impl {
    use std::pin::Pin;
    use std::sync::Mutex;
    use std::task::{Context as TaskContext, Poll};

    use bytes::Bytes;

    use super::*;
    use crate::error::{Error, ErrorKind};
    use crate::http::{too_large, BodyStream, BoxFuture, Context, Headers, HttpRequest, HttpResponse, Method};
    use http_body::Body as _;

    /// reqwest (rustls) as an [`HttpTransport`].
    #[derive(Debug, Clone)]
    pub struct ReqwestTransport {
        client: reqwest::Client,
    }

    impl ReqwestTransport {
        /// A transport with its own connection pool.
        pub fn new(options: &TransportOptions) -> Result<ReqwestTransport> {
            let mut b = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .pool_max_idle_per_host(options.pool_max_idle_per_host)
                .pool_idle_timeout(options.pool_idle_timeout)
                .tcp_nodelay(true);
            if let Some(d) = options.connect_timeout {
                b = b.connect_timeout(d);
            }
            #[cfg(not(feature = "http2"))]
            {
                b = b.http1_only();
            }
            let client = b.build().map_err(|e| {
                Error::with_source(ErrorKind::Transport, "could not create the HTTP client", e.without_url())
            })?;
            Ok(ReqwestTransport { client })
        }
    }

    fn method(m: Method) -> reqwest::Method {
        match m {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Patch => reqwest::Method::PATCH,
            Method::Delete => reqwest::Method::DELETE,
            Method::Head => reqwest::Method::HEAD,
            Method::Options => reqwest::Method::OPTIONS,
        }
    }

    fn map_error(e: reqwest::Error) -> Error {
        // Never keep the URL: upload URLs carry credentials in their query.
        let e = e.without_url();
        if e.is_timeout() {
            Error::with_source(ErrorKind::Timeout, "the request timed out", e)
        } else if e.is_connect() {
            Error::with_source(ErrorKind::Transport, "could not connect", e)
        } else if e.is_builder() {
            Error::with_source(ErrorKind::Validation, "invalid request", e)
        } else {
            Error::with_source(ErrorKind::Transport, "the connection failed", e)
        }
    }

    /// A one-shot [`BodyStream`] as an `http_body::Body`.
    struct StreamBody {
        stream: Mutex<BodyStream>,
    }

    impl http_body::Body for StreamBody {
        type Data = Bytes;
        type Error = std::io::Error;

        fn poll_frame(
            self: Pin<&mut Self>,
            cx: &mut TaskContext<'_>,
        ) -> Poll<Option<std::result::Result<http_body::Frame<Bytes>, std::io::Error>>> {
            let this = self.get_mut();
            let stream = match this.stream.get_mut() {
                Ok(s) => s,
                Err(p) => p.into_inner(),
            };
            match stream.as_mut().poll_next(cx) {
                Poll::Ready(Some(Ok(chunk))) => Poll::Ready(Some(Ok(http_body::Frame::data(Bytes::from(chunk))))),
                Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e))),
                Poll::Ready(None) => Poll::Ready(None),
                Poll::Pending => Poll::Pending,
            }
        }
    }

    /// A response body read as the caller pulls it (frames as hyper delivers them, no copy),
    /// bounded by the request's limit.
    struct ResponseBodyStream {
        body: reqwest::Body,
        read: usize,
        limit: usize,
        done: bool,
    }

    impl futures_core::Stream for ResponseBodyStream {
        type Item = Result<Bytes>;

        fn poll_next(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Option<Result<Bytes>>> {
            let this = self.get_mut();
            loop {
                if this.done {
                    return Poll::Ready(None);
                }
                match Pin::new(&mut this.body).poll_frame(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(None) => {
                        this.done = true;
                        return Poll::Ready(None);
                    }
                    Poll::Ready(Some(Err(e))) => {
                        this.done = true;
                        return Poll::Ready(Some(Err(map_error(e))));
                    }
                    Poll::Ready(Some(Ok(frame))) => {
                        // Trailers carry no content.
                        let Ok(data) = frame.into_data() else { continue };
                        if data.is_empty() {
                            continue;
                        }
                        this.read = this.read.saturating_add(data.len());
                        if this.read > this.limit {
                            this.done = true;
                            return Poll::Ready(Some(Err(too_large(this.limit))));
                        }
                        return Poll::Ready(Some(Ok(data)));
                    }
                }
            }
        }
    }

    impl HttpTransport for ReqwestTransport {
        fn send<'a>(&'a self, request: &'a HttpRequest, ctx: &'a Context) -> BoxFuture<'a, Result<HttpResponse>> {
            Box::pin(async move {
                let mut builder = self.client.request(method(request.method()), request.parsed_url().clone());
                for (k, v) in request.headers().iter() {
                    builder = builder.header(k, v);
                }
                let body = request.body();
                if let Some(bytes) = body.shared_bytes() {
                    if !bytes.is_empty() {
                        builder = builder.body(reqwest::Body::from(bytes));
                    }
                } else if let Some(stream) = body.take_stream() {
                    if let Some(len) = body.len() {
                        builder = builder.header("content-length", len.to_string());
                    }
                    builder = builder.body(reqwest::Body::wrap(StreamBody { stream: Mutex::new(stream) }));
                } else {
                    return Err(Error::new(
                        ErrorKind::Validation,
                        "the request body was already sent and cannot be replayed",
                    ));
                }
                let mut response = builder.send().await.map_err(map_error)?;
                let limit = ctx.max_response_bytes();
                let status = response.status().as_u16();
                let mut headers = Headers::new();
                for (k, v) in response.headers() {
                    headers.push_received(k.as_str(), String::from_utf8_lossy(v.as_bytes()).into_owned());
                }
                if let Some(len) = response.content_length() {
                    if len > limit as u64 {
                        return Err(too_large(limit));
                    }
                }
                if ctx.streamed_body() && response.status().is_success() && !headers.contains("content-encoding") {
                    let body = reqwest::Body::from(response);
                    let stream = ResponseBodyStream { body, read: 0, limit, done: false };
                    return Ok(HttpResponse::streamed(status, headers, Box::pin(stream)));
                }
                // A declared length within the limit (checked above) is allocated at once: large
                // bodies (download chunks) are then copied once, not on every growth.
                let mut buf: Vec<u8> = Vec::with_capacity(response.content_length().map_or(0, |l| l as usize));
                while let Some(chunk) = response.chunk().await.map_err(map_error)? {
                    if buf.len() + chunk.len() > limit {
                        return Err(too_large(limit));
                    }
                    buf.extend_from_slice(&chunk);
                }
                Ok(HttpResponse::from_shared(status, headers, Bytes::from(buf)))
            })
        }
    }
}
