//! `Accept-Encoding: gzip` and gzip response decompression, bounded by the response size limit
//! (a small compressed body cannot expand into gigabytes). Request bodies are never compressed.

use std::io::Read;

use super::{Context, Next, Policy};
use crate::error::{Error, ErrorKind, Result};
use crate::http::{too_large, BoxFuture, HttpRequest, HttpResponse};

/// Asks for gzip and decompresses gzip responses.
#[derive(Debug, Default, Clone)]
pub struct DecompressionPolicy;

/// Decompresses a gzip body (one or more members) up to `limit` bytes.
pub(crate) fn gunzip(body: &[u8], limit: usize) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(body.len().saturating_mul(4).min(limit));
    let mut decoder = flate2::read::MultiGzDecoder::new(body).take(limit as u64 + 1);
    decoder
        .read_to_end(&mut out)
        .map_err(|e| Error::with_source(ErrorKind::Decode, "invalid gzip response body", e))?;
    if out.len() > limit {
        return Err(too_large(limit));
    }
    Ok(out)
}

impl Policy for DecompressionPolicy {
    fn send<'a>(
        &'a self,
        ctx: &'a Context,
        request: &'a mut HttpRequest,
        next: Next<'a>,
    ) -> BoxFuture<'a, Result<HttpResponse>> {
        if !request.headers().contains("accept-encoding") {
            request.headers_mut().set_static("accept-encoding", "gzip");
        }
        Box::pin(async move {
            let mut response = next.send(ctx, request).await?;
            let encoding = response.headers().get("content-encoding").map(|v| v.trim().to_ascii_lowercase());
            match encoding.as_deref() {
                Some("gzip" | "x-gzip") => {
                    if !response.body().is_empty() {
                        let plain = gunzip(response.body(), ctx.max_response_bytes())?;
                        response.set_body(plain);
                    }
                    let h = response.headers_mut();
                    h.remove("content-encoding");
                    h.remove("content-length");
                }
                Some("identity") => {
                    response.headers_mut().remove("content-encoding");
                }
                _ => {}
            }
            Ok(response)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::http::{Headers, Method};
    use std::io::Write;
    use std::sync::Arc;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[tokio::test]
    async fn decompresses_and_limits() {
        let body = gz(br#"{"id":"1"}"#);
        let t = ScriptTransport::with(move |_| {
            let mut h = Headers::new();
            h.insert("content-encoding", "gzip").unwrap();
            h.insert("content-length", body.len().to_string()).unwrap();
            Ok(HttpResponse::new(200, h, body.clone()))
        });
        let p = pipeline(vec![Arc::new(DecompressionPolicy)], &t);
        let mut r = HttpRequest::new(Method::Get, "https://graph.microsoft.com/v1.0/me").unwrap();
        let resp = p.send(&Context::new(), &mut r).await.unwrap();
        assert_eq!(resp.body(), br#"{"id":"1"}"#);
        assert!(!resp.headers().contains("content-encoding"));
        assert_eq!(t.seen()[0].headers.get("accept-encoding"), Some("gzip"));

        // A bomb: 10 MB of zeros compresses to a few KB; the limit stops it.
        let bomb = gz(&vec![0u8; 10_000_000]);
        assert!(bomb.len() < 100_000);
        assert_eq!(gunzip(&bomb, 1_000_000).unwrap_err().kind(), ErrorKind::ResponseTooLarge);
        assert_eq!(gunzip(b"not gzip at all", 1000).unwrap_err().kind(), ErrorKind::Decode);
        let mut truncated = gz(b"hello world hello world");
        truncated.truncate(truncated.len() - 6);
        assert!(gunzip(&truncated, 1000).is_err());
        let mut two = gz(b"ab");
        two.extend(gz(b"cd"));
        assert_eq!(gunzip(&two, 1000).unwrap(), b"abcd");
    }
}
