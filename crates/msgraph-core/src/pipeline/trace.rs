//! One `tracing` span per request. Only the method, the URL without its query string (upload
//! URLs carry credentials there), the `client-request-id`, the status and the elapsed time are
//! recorded: never headers, bodies or tokens.

use tracing::Instrument;

use super::{Context, Next, Policy};
use crate::error::Result;
use crate::http::{BoxFuture, HttpRequest, HttpResponse, RedactedUrl};

/// Wraps the rest of the pipeline in a `graph.request` span.
#[derive(Debug, Default, Clone)]
pub struct TracingPolicy;

impl Policy for TracingPolicy {
    fn send<'a>(
        &'a self,
        ctx: &'a Context,
        request: &'a mut HttpRequest,
        next: Next<'a>,
    ) -> BoxFuture<'a, Result<HttpResponse>> {
        let span = tracing::debug_span!(
            "graph.request",
            method = request.method().as_str(),
            url = %RedactedUrl(request.parsed_url()),
            client_request_id = request.headers().get("client-request-id").unwrap_or(""),
            status = tracing::field::Empty,
        );
        if span.is_disabled() {
            return next.send(ctx, request);
        }
        let inner = span.clone();
        Box::pin(
            async move {
                let start = tokio::time::Instant::now();
                let result = next.send(ctx, request).await;
                let elapsed_ms = start.elapsed().as_millis() as u64;
                match &result {
                    Ok(r) => {
                        inner.record("status", r.status());
                        tracing::debug!(status = r.status(), elapsed_ms, "response");
                    }
                    Err(e) => tracing::debug!(error = %e, kind = e.kind().as_str(), elapsed_ms, "request failed"),
                }
                result
            }
            .instrument(span),
        )
    }
}
