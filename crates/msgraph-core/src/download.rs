//! Downloads of any size: a [`Download`] reads a file's content (`GET …/content`, or any
//! request answering bytes) as a stream of chunks, one ranged `GET` per chunk, so no more than
//! one chunk ([`DEFAULT_CHUNK`], 8 MiB) is in memory and there is no size cap but the one the
//! caller sets ([`Download::max_bytes`]).
//!
//! * Graph answers `…/content` with `302 Found` to a pre-authenticated URL. The download
//!   answers that redirect itself: the URL is fetched **without** `Authorization`, whatever its
//!   origin (the pipeline's redirect policy drops the token only across origins). Redirects
//!   from there on go through the redirect policy (with no token either).
//! * Every chunk is `Range: bytes={start}-{end}`; a `206` must start where asked and carry the
//!   bytes its `Content-Range` announces, the total must not change. A server that ignores the
//!   range (`200`) is accepted for the first chunk only, within the chunk's size limit.
//! * A response cut off (the connection closed before `Content-Length`) is an error of kind
//!   `Transport` (retried by the pipeline like any failed `GET`), never a short chunk: the stream
//!   ends with `None` only once every byte of the total has been yielded.
//! * [`Download::to_file`] writes to a temporary file next to the target and renames it when
//!   complete: the target is either the whole content or untouched.

use std::fmt;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use url::Url;

use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};
use crate::http::{is_loopback, BoxFuture, Context, HttpRequest, HttpResponse, Method, RedactedUrl};
use crate::request::{Request, RequestParts};

/// Default chunk size of a download: 8 MiB.
pub const DEFAULT_CHUNK: usize = 8 * 1024 * 1024;

/// Where the next chunk comes from.
enum Source {
    /// The first request, not sent yet.
    First(Box<RequestParts>),
    /// A URL that served the content: the request to repeat with another range, and its
    /// context (no token for a pre-authenticated URL).
    Serving(Box<HttpRequest>, Context),
    /// Everything was read (or the download failed).
    Done,
}

/// A download in progress: call [`Download::next_chunk`] until `None`, or use it as a
/// `Stream` ([`Download::into_stream`]), or write it to a file ([`Download::to_file`]).
pub struct Download {
    client: Client,
    source: Source,
    offset: u64,
    total: Option<u64>,
    chunk: usize,
    limit: Option<u64>,
}

impl fmt::Debug for Download {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = match &self.source {
            Source::Serving(r, _) => Some(RedactedUrl(r.parsed_url()).to_string()),
            _ => None,
        };
        f.debug_struct("Download")
            .field("url", &url)
            .field("offset", &self.offset)
            .field("total", &self.total)
            .field("chunk", &self.chunk)
            .field("limit", &self.limit)
            .finish()
    }
}

/// Parses `bytes a-b/total`.
fn content_range(value: &str) -> Option<(u64, u64, u64)> {
    let rest = value.trim().strip_prefix("bytes ")?;
    let (range, total) = rest.split_once('/')?;
    let (a, b) = range.split_once('-')?;
    let (a, b, total) = (a.trim().parse().ok()?, b.trim().parse().ok()?, total.trim().parse().ok()?);
    (a <= b && b < total).then_some((a, b, total))
}

fn cut_off(what: impl fmt::Display) -> Error {
    Error::new(ErrorKind::Transport, format!("the download was cut off: {what}"))
}

impl Download {
    /// A download of what `request` answers (typically `…/content`; its response type does
    /// not matter).
    pub fn new<T>(request: Request<T>) -> Download {
        let client = request.client().clone();
        Download {
            client,
            source: Source::First(Box::new(request.into_parts())),
            offset: 0,
            total: None,
            chunk: DEFAULT_CHUNK,
            limit: None,
        }
    }

    /// Bytes per ranged request (default 8 MiB, at least 64 KiB): the memory a download holds.
    pub fn chunk_size(mut self, bytes: usize) -> Download {
        self.chunk = bytes.max(64 * 1024);
        self
    }

    /// Refuse content larger than `bytes` ([`ErrorKind::ResponseTooLarge`], before it is
    /// read). There is no limit by default.
    pub fn max_bytes(mut self, bytes: u64) -> Download {
        self.limit = Some(bytes);
        self
    }

    /// The content's length, once the first chunk has arrived.
    pub fn len(&self) -> Option<u64> {
        self.total
    }

    /// Whether the content is known to be empty.
    pub fn is_empty(&self) -> bool {
        self.total == Some(0)
    }

    /// Bytes yielded so far.
    pub fn position(&self) -> u64 {
        self.offset
    }

    /// The next chunk; `None` once every byte was yielded. After an error the download is over
    /// (`None` follows).
    pub async fn next_chunk(&mut self) -> Option<Result<Vec<u8>>> {
        if matches!(self.source, Source::Done) || self.total.is_some_and(|t| self.offset >= t) {
            self.source = Source::Done;
            return None;
        }
        let out = self.fetch().await;
        if out.is_err() {
            self.source = Source::Done;
        }
        match out {
            Ok(bytes) if bytes.is_empty() && self.total.is_some_and(|t| self.offset >= t) => {
                self.source = Source::Done;
                None
            }
            other => Some(other),
        }
    }

    fn range(&self) -> String {
        let end = self.offset.saturating_add(self.chunk as u64) - 1;
        let end = self.total.map_or(end, |t| end.min(t.saturating_sub(1)));
        format!("bytes={}-{end}", self.offset)
    }

    /// The chunk's size limit for the transport (a server that ignores the range is bounded by
    /// it too).
    fn limited(&self, ctx: Context) -> Context {
        let cap = self.limit.map_or(self.chunk, |l| usize::try_from(l).unwrap_or(usize::MAX).min(self.chunk));
        ctx.with_max_response_bytes(cap.max(1))
    }

    async fn fetch(&mut self) -> Result<Vec<u8>> {
        let range = self.range();
        match std::mem::replace(&mut self.source, Source::Done) {
            Source::Done => Ok(Vec::new()),
            Source::First(parts) => {
                let (mut request, ctx) = self.client.build_http(*parts)?;
                request.headers_mut().set_static("range", range.clone());
                let template = request.try_clone();
                let ctx = self.limited(ctx).with_follow_redirects(false);
                let response = self.client.inner.pipeline.send(&ctx, &mut request).await?;
                if matches!(response.status(), 301 | 302 | 303 | 307 | 308) {
                    let location = response.headers().get("location").ok_or_else(|| {
                        Error::new(ErrorKind::Redirect, "the download answered a redirect without a Location")
                    })?;
                    let target = self.redirect_target(request.parsed_url(), location)?;
                    let mut next = HttpRequest::from_url(Method::Get, target);
                    next.headers_mut().set_static("range", range);
                    // A pre-authenticated URL: never a token, whatever its origin.
                    let ctx = self.limited(self.client.context().with_skip_auth(true).with_timeout(ctx.timeout()));
                    let template = next.try_clone();
                    let response = self.client.inner.pipeline.send(&ctx, &mut next).await?;
                    let bytes = self.accept(response)?;
                    if let Some(t) = template {
                        self.source = Source::Serving(Box::new(t), ctx);
                    }
                    return Ok(bytes);
                }
                let bytes = self.accept(response)?;
                if let Some(t) = template {
                    self.source = Source::Serving(Box::new(t), ctx.with_follow_redirects(true));
                }
                Ok(bytes)
            }
            Source::Serving(template, ctx) => {
                let mut request =
                    template.try_clone().ok_or_else(|| Error::validation("the download request cannot be repeated"))?;
                request.headers_mut().set_static("range", range);
                let response = self.client.inner.pipeline.send(&ctx, &mut request).await?;
                let bytes = self.accept(response)?;
                self.source = Source::Serving(template, ctx);
                Ok(bytes)
            }
        }
    }

    fn redirect_target(&self, from: &Url, location: &str) -> Result<Url> {
        let target = from.join(location.trim()).map_err(|e| {
            Error::with_source(ErrorKind::Redirect, "invalid Location header in the download redirect", e)
        })?;
        let raw = target.as_str();
        let checked = crate::http::parse_http_url(raw).map_err(|e| Error::new(ErrorKind::Redirect, e.to_string()))?;
        if checked.scheme() != "https" && !is_loopback(&checked) && !self.client.is_own_origin(raw) {
            return Err(Error::new(ErrorKind::Redirect, "refusing a download redirect to a non-https URL"));
        }
        Ok(checked)
    }

    /// Checks one answer and advances.
    fn accept(&mut self, response: HttpResponse) -> Result<Vec<u8>> {
        let status = response.status();
        if status == 416 && self.total.is_none() && self.offset == 0 {
            // An empty file has no byte 0.
            self.total = Some(0);
            return Ok(Vec::new());
        }
        if !response.is_success() {
            return Err(response.to_error().context("the download failed"));
        }
        if let Some(declared) = response.headers().get("content-length").and_then(|v| v.trim().parse::<u64>().ok()) {
            if declared != response.body().len() as u64 {
                return Err(cut_off(format_args!("{} of {declared} bytes of a chunk arrived", response.body().len())));
            }
        }
        let (start, len, total) = match status {
            206 => {
                let cr = response.headers().get("content-range").and_then(content_range).ok_or_else(|| {
                    Error::new(ErrorKind::Decode, "a 206 download chunk without a valid Content-Range")
                })?;
                (cr.0, cr.1 - cr.0 + 1, cr.2)
            }
            200 if self.offset == 0 => (0, response.body().len() as u64, response.body().len() as u64),
            200 => {
                return Err(Error::new(
                    ErrorKind::Decode,
                    "the server ignored the Range of a download chunk after the first one",
                ))
            }
            s => return Err(Error::new(ErrorKind::Decode, format!("unexpected status {s} for a download chunk"))),
        };
        if let Some(limit) = self.limit.filter(|l| total > *l) {
            return Err(Error::new(
                ErrorKind::ResponseTooLarge,
                format!("the content has {total} bytes, more than the download's limit of {limit}"),
            ));
        }
        if start != self.offset {
            return Err(Error::new(
                ErrorKind::Decode,
                format!("the download asked for byte {} and got a chunk from byte {start}", self.offset),
            ));
        }
        if self.total.is_some_and(|t| t != total) {
            return Err(Error::new(ErrorKind::Decode, "the content's length changed during the download"));
        }
        if response.body().len() as u64 != len {
            return Err(cut_off(format_args!("{} of {len} bytes of a chunk arrived", response.body().len())));
        }
        if len == 0 && start < total {
            return Err(cut_off("an empty chunk before the end"));
        }
        self.total = Some(total);
        self.offset += len;
        Ok(response.into_body())
    }

    /// This download as a `Stream` of chunks (`futures::StreamExt::next`, `try_next`, …).
    pub fn into_stream(self) -> DownloadStream {
        DownloadStream { state: StreamState::Idle(Box::new(self)) }
    }

    /// Writes the whole content to `path` and returns its length. The bytes go to a temporary
    /// file in the same directory (`.{name}.{random}.part`), flushed to disk and renamed to
    /// `path` once complete; on any error the temporary file is removed and `path` is left as
    /// it was.
    pub async fn to_file(mut self, path: impl AsRef<Path>) -> Result<u64> {
        use tokio::io::AsyncWriteExt;
        let path = path.as_ref();
        let name = path
            .file_name()
            .ok_or_else(|| Error::validation(format!("{} is not a file path", path.display())))?
            .to_string_lossy()
            .into_owned();
        let temp = path.with_file_name(format!(".{name}.{}.part", uuid::Uuid::new_v4().simple()));
        let io = |what: &str, e: std::io::Error| {
            Error::with_source(ErrorKind::Validation, format!("could not {what} {}", temp.display()), e)
        };
        let result: Result<u64> = async {
            let mut file = tokio::fs::File::create(&temp).await.map_err(|e| io("create", e))?;
            let mut written = 0u64;
            while let Some(chunk) = self.next_chunk().await {
                let chunk = chunk?;
                file.write_all(&chunk).await.map_err(|e| io("write", e))?;
                written += chunk.len() as u64;
            }
            if self.total.is_some_and(|t| t != written) {
                return Err(cut_off(format_args!("{written} bytes written")));
            }
            file.flush().await.map_err(|e| io("flush", e))?;
            file.sync_all().await.map_err(|e| io("sync", e))?;
            drop(file);
            tokio::fs::rename(&temp, path).await.map_err(|e| io("rename", e))?;
            Ok(written)
        }
        .await;
        if result.is_err() {
            let _ = tokio::fs::remove_file(&temp).await;
        }
        result
    }
}

/// A chunk being read, and the download to continue with.
type NextChunk = BoxFuture<'static, (Box<Download>, Option<Result<Vec<u8>>>)>;

enum StreamState {
    Idle(Box<Download>),
    Busy(NextChunk),
    Done,
}

/// A [`Download`] as a `futures_core::Stream` of `Result<Vec<u8>>` chunks.
pub struct DownloadStream {
    state: StreamState,
}

impl fmt::Debug for DownloadStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.state {
            StreamState::Idle(d) => f.debug_tuple("DownloadStream").field(d).finish(),
            StreamState::Busy(_) => f.write_str("DownloadStream(<reading>)"),
            StreamState::Done => f.write_str("DownloadStream(<done>)"),
        }
    }
}

impl futures_core::Stream for DownloadStream {
    type Item = Result<Vec<u8>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Option<Self::Item>> {
        loop {
            match std::mem::replace(&mut self.state, StreamState::Done) {
                StreamState::Done => return Poll::Ready(None),
                StreamState::Idle(mut d) => {
                    self.state = StreamState::Busy(Box::pin(async move {
                        let next = d.next_chunk().await;
                        (d, next)
                    }));
                }
                StreamState::Busy(mut fut) => match fut.as_mut().poll(cx) {
                    Poll::Pending => {
                        self.state = StreamState::Busy(fut);
                        return Poll::Pending;
                    }
                    Poll::Ready((d, next)) => {
                        if next.is_some() {
                            self.state = StreamState::Idle(d);
                        }
                        return Poll::Ready(next);
                    }
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_ranges() {
        assert_eq!(content_range("bytes 0-9/100"), Some((0, 9, 100)));
        assert_eq!(content_range("bytes 9-0/100"), None);
        assert_eq!(content_range("bytes 0-100/100"), None);
        assert_eq!(content_range("bytes */100"), None);
    }
}
