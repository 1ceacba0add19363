//! Downloads of any size: a [`Download`] reads a file's content (`GET …/content`, or any
//! request answering bytes) as a stream of pieces through ranged `GET`s, each body read as it
//! arrives: a download holds one piece of a response at a time, never a whole range, and has no
//! size cap but the one the caller sets ([`Download::max_bytes`]).
//!
//! * The first range is [`DEFAULT_CHUNK`] (8 MiB); each range whose body streamed in full
//!   doubles the next, up to [`MAX_STREAMED_CHUNK`] (64 MiB): fewer requests for large files at
//!   no cost in memory. [`Download::chunk_size`] fixes the size instead.
//! * Graph answers `…/content` with `302 Found` to a pre-authenticated URL on another origin
//!   (SharePoint). The pipeline's redirect policy follows it without `Authorization` (it drops
//!   credentials across origins), and later ranges go to the URL that answered
//!   ([`HttpResponse::redirected`]), without the token either.
//! * Every range is `Range: bytes={start}-{end}`; a `206` must start where asked and carry the
//!   bytes its `Content-Range` announces, the total must not change. A server that ignores the
//!   range (`200`) is accepted for the first range only, within the range's size limit.
//! * A body cut off (the connection closed early, or no byte within the client's timeout) is
//!   resumed with a new range from the first missing byte, up to the client's retry count
//!   ([`crate::http::RetryOptions`]) per range; past that it is an error of kind `Transport` or
//!   `Timeout`, never a short download: the stream ends with `None` only once every byte of the
//!   total has been yielded.
//! * Transports that cannot stream (see [`crate::http::HttpTransport`]) answer each range
//!   whole; the download then yields one piece per range.
//! * [`Download::to_file`] writes to a temporary file next to the target and renames it when
//!   complete: the target is either the whole content or untouched.

use std::fmt;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};
use crate::http::{BoxFuture, Bytes, Context, HttpRequest, HttpResponse, RedactedUrl, ResponseStream};
use crate::request::{Request, RequestParts};

/// Size of the first ranged request of a download: 8 MiB.
pub const DEFAULT_CHUNK: usize = 8 * 1024 * 1024;

/// The largest range a download grows to while its bodies stream: 64 MiB.
pub const MAX_STREAMED_CHUNK: usize = 64 * 1024 * 1024;

/// Where the next range comes from.
enum Source {
    /// The first request, not sent yet.
    First(Box<RequestParts>),
    /// The request that served the content (after redirects) to repeat with another range,
    /// and its context before sizing ([`Download::limited`]).
    Serving(Box<HttpRequest>, Context),
    /// Everything was read (or the download failed).
    Done,
}

/// The body of the current range, being read.
struct Reading {
    stream: ResponseStream,
    /// One past the last byte the range carries; `None` for a `200` without a length (the
    /// content ends with the body).
    end: Option<u64>,
}

/// A download in progress: call [`Download::next_chunk`] until `None`, or use it as a
/// `Stream` ([`Download::into_stream`]), or write it to a file ([`Download::to_file`]).
pub struct Download {
    client: Client,
    source: Source,
    reading: Option<Reading>,
    offset: u64,
    total: Option<u64>,
    chunk: usize,
    /// Whether ranges grow (no [`Download::chunk_size`] was set).
    grow: bool,
    limit: Option<u64>,
    /// Resumes of the current range so far, and the most allowed.
    resumes: u32,
    max_resumes: u32,
    /// The longest wait for the next bytes of a body.
    idle: Option<Duration>,
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
            .field("resumes", &self.resumes)
            .finish()
    }
}

/// Parses `bytes a-b/total`.
fn content_range(value: &str) -> Option<(u64, u64, u64)> {
    let rest = value.trim().strip_prefix("bytes ")?;
    let (range, total) = rest.split_once('/')?;
    let (a, Some(b)) = crate::upload::parse_range(range)? else { return None };
    let total = total.trim().parse().ok()?;
    (b < total).then_some((a, b, total))
}

fn cut_off(what: impl fmt::Display) -> Error {
    Error::new(ErrorKind::Transport, format!("the download was cut off: {what}"))
}

/// The next piece of a body (`None` at its end).
async fn next_piece(stream: &mut ResponseStream) -> Option<Result<Bytes>> {
    std::future::poll_fn(|cx| stream.as_mut().poll_next(cx)).await
}

/// What a checked answer to a range request gives.
enum Answer {
    /// Bytes read whole (a transport that does not stream, or an empty file).
    Whole(Bytes),
    /// A body to read.
    Stream(Reading),
}

impl Download {
    /// A download of what `request` answers (typically `…/content`; its response type does
    /// not matter).
    pub fn new<T>(request: Request<T>) -> Download {
        let client = request.client().clone();
        let max_resumes = client.retry_options().get_max_retries();
        let idle = client.inner.timeout;
        Download {
            client,
            source: Source::First(Box::new(request.into_parts())),
            reading: None,
            offset: 0,
            total: None,
            chunk: DEFAULT_CHUNK,
            grow: true,
            limit: None,
            resumes: 0,
            max_resumes,
            idle,
        }
    }

    /// Bytes per ranged request, fixed (at least 64 KiB; by default ranges start at 8 MiB and
    /// grow to 64 MiB while they stream). Pieces are yielded as they arrive, so this is also the
    /// most a transport that cannot stream holds at once.
    pub fn chunk_size(mut self, bytes: usize) -> Download {
        self.chunk = bytes.max(64 * 1024);
        self.grow = false;
        self
    }

    /// Refuse content larger than `bytes` ([`ErrorKind::ResponseTooLarge`], before it is
    /// read). There is no limit by default.
    pub fn max_bytes(mut self, bytes: u64) -> Download {
        self.limit = Some(bytes);
        self
    }

    /// The content's length, once the first range has answered.
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

    /// The next piece of the content, in order, as it arrives (never empty, at most one
    /// range); `None` once every byte was yielded. After an error the download is over (`None`
    /// follows).
    pub async fn next_chunk(&mut self) -> Option<Result<Bytes>> {
        let out = self.advance().await;
        match out {
            Ok(Some(bytes)) => Some(Ok(bytes)),
            Ok(None) => {
                self.source = Source::Done;
                None
            }
            Err(e) => {
                self.source = Source::Done;
                self.reading = None;
                Some(Err(e))
            }
        }
    }

    /// The next non-empty piece, `None` at the end.
    async fn advance(&mut self) -> Result<Option<Bytes>> {
        loop {
            if let Some(reading) = self.reading.as_mut() {
                let piece = match self.idle {
                    Some(idle) => match tokio::time::timeout(idle, next_piece(&mut reading.stream)).await {
                        Ok(piece) => piece,
                        Err(_) => Some(Err(Error::new(
                            ErrorKind::Timeout,
                            format!("no byte of the download arrived within {idle:?}"),
                        ))),
                    },
                    None => next_piece(&mut reading.stream).await,
                };
                let end = reading.end;
                match piece {
                    Some(Ok(bytes)) => {
                        let len = bytes.len() as u64;
                        if end.is_some_and(|e| self.offset + len > e) {
                            return Err(Error::new(
                                ErrorKind::Decode,
                                "a download range carried more bytes than announced",
                            ));
                        }
                        self.offset += len;
                        return Ok(Some(bytes));
                    }
                    None => {
                        self.reading = None;
                        match end {
                            None => self.total = Some(self.offset),
                            Some(e) if self.offset < e => {
                                let e = cut_off(format_args!("the body ended at byte {} of {e}", self.offset));
                                self.resume(e)?;
                            }
                            Some(_) => {
                                self.resumes = 0;
                                if self.grow {
                                    self.chunk = self.chunk.saturating_mul(2).min(MAX_STREAMED_CHUNK);
                                }
                            }
                        }
                    }
                    Some(Err(e)) => {
                        self.reading = None;
                        self.resume(e)?;
                    }
                }
                continue;
            }
            if matches!(self.source, Source::Done) || self.total.is_some_and(|t| self.offset >= t) {
                return Ok(None);
            }
            match self.fetch().await? {
                Answer::Whole(bytes) if bytes.is_empty() => continue,
                Answer::Whole(bytes) => return Ok(Some(bytes)),
                Answer::Stream(reading) => self.reading = Some(reading),
            }
        }
    }

    /// After a body failed: go on from the first missing byte, or give up with `error`.
    fn resume(&mut self, error: Error) -> Result<()> {
        let retryable = matches!(error.kind(), ErrorKind::Transport | ErrorKind::Timeout);
        if !retryable || self.resumes >= self.max_resumes || !matches!(self.source, Source::Serving(..)) {
            return Err(error);
        }
        self.resumes += 1;
        tracing::debug!(offset = self.offset, resumes = self.resumes, "resuming a cut-off download");
        Ok(())
    }

    fn range(&self) -> String {
        let end = self.offset.saturating_add(self.chunk as u64) - 1;
        let end = self.total.map_or(end, |t| end.min(t.saturating_sub(1)));
        format!("bytes={}-{end}", self.offset)
    }

    /// The context of a range request: streamed bodies, and the range's size limit for a
    /// transport that reads them whole (a server that ignores the range is bounded by it too).
    fn limited(&self, ctx: Context) -> Context {
        let cap = self.limit.map_or(self.chunk, |l| usize::try_from(l).unwrap_or(usize::MAX).min(self.chunk));
        ctx.with_max_response_bytes(cap.max(1)).with_streamed_body(true)
    }

    /// A range request: `Range`, and no compression (a range of the stored bytes is wanted).
    fn ranged(request: &mut HttpRequest, range: String) {
        request.headers_mut().set_static("range", range);
        request.headers_mut().set_static("accept-encoding", "identity");
    }

    async fn fetch(&mut self) -> Result<Answer> {
        let range = self.range();
        match std::mem::replace(&mut self.source, Source::Done) {
            // `advance` returns before fetching once the source is done.
            Source::Done => Err(Error::validation("the download is over")),
            Source::First(parts) => {
                let (mut request, ctx) = self.client.build_http(*parts)?;
                // The request's own settings, where it has them, bound the resumes and waits.
                self.max_resumes =
                    ctx.max_retries().or_else(|| ctx.retry().map(|r| r.get_max_retries())).unwrap_or(self.max_resumes);
                self.idle = ctx.timeout().or(self.idle);
                Self::ranged(&mut request, range);
                // The redirect policy follows Graph's `302` to the pre-authenticated URL (on
                // another origin, so without the token); later ranges go straight there.
                let response = self.client.inner.pipeline.send(&self.limited(ctx.clone()), &mut request).await?;
                let template = match response.redirected() {
                    Some(last) => last.try_clone(),
                    None => request.try_clone(),
                };
                // Requests without a body can always be repeated; without one, no later range
                // could be asked for.
                let template = template.ok_or_else(|| Error::validation("the download request cannot be repeated"))?;
                self.source = Source::Serving(Box::new(template), ctx);
                self.accept(response)
            }
            Source::Serving(template, ctx) => {
                let mut request =
                    template.try_clone().ok_or_else(|| Error::validation("the download request cannot be repeated"))?;
                Self::ranged(&mut request, range);
                // Sized now: the range may have grown since the last request.
                let response = self.client.inner.pipeline.send(&self.limited(ctx.clone()), &mut request).await;
                self.source = Source::Serving(template, ctx);
                self.accept(response?)
            }
        }
    }

    /// Checks one answer's status and headers (and a whole body's length) and advances.
    fn accept(&mut self, mut response: HttpResponse) -> Result<Answer> {
        let status = response.status();
        if status == 416 && self.total.is_none() && self.offset == 0 {
            // An empty file has no byte 0.
            self.total = Some(0);
            return Ok(Answer::Whole(Bytes::new()));
        }
        if !response.is_success() {
            return Err(response.to_error().context("the download failed"));
        }
        let stream = response.take_stream();
        let declared = response.headers().get("content-length").and_then(|v| v.trim().parse::<u64>().ok());
        let whole = response.body().len() as u64;
        if stream.is_none() {
            if let Some(declared) = declared.filter(|d| *d != whole) {
                return Err(cut_off(format_args!("{whole} of {declared} bytes of a range arrived")));
            }
        }
        let (start, len, total) = match status {
            206 => {
                let cr = response.headers().get("content-range").and_then(content_range).ok_or_else(|| {
                    Error::new(ErrorKind::Decode, "a 206 download range without a valid Content-Range")
                })?;
                (cr.0, Some(cr.1 - cr.0 + 1), Some(cr.2))
            }
            200 if self.offset == 0 => {
                let len = if stream.is_some() { declared } else { Some(whole) };
                (0, len, len)
            }
            200 => {
                return Err(Error::new(
                    ErrorKind::Decode,
                    "the server ignored the Range of a download request after the first one",
                ))
            }
            s => return Err(Error::new(ErrorKind::Decode, format!("unexpected status {s} for a download range"))),
        };
        if let (Some(limit), Some(total)) = (self.limit, total) {
            if total > limit {
                return Err(Error::new(
                    ErrorKind::ResponseTooLarge,
                    format!("the content has {total} bytes, more than the download's limit of {limit}"),
                ));
            }
        }
        if start != self.offset {
            return Err(Error::new(
                ErrorKind::Decode,
                format!("the download asked for byte {} and got a range from byte {start}", self.offset),
            ));
        }
        if let (Some(known), Some(total)) = (self.total, total) {
            if known != total {
                return Err(Error::new(ErrorKind::Decode, "the content's length changed during the download"));
            }
        }
        if let (true, Some(len), Some(declared)) = (stream.is_some(), len, declared) {
            if declared != len {
                return Err(Error::new(
                    ErrorKind::Decode,
                    format!("a download range announced {len} bytes and a Content-Length of {declared}"),
                ));
            }
        }
        if len == Some(0) && total.is_some_and(|t| start < t) {
            return Err(cut_off("an empty range before the end"));
        }
        if total.is_some() {
            self.total = total;
        }
        match stream {
            Some(stream) => Ok(Answer::Stream(Reading { stream, end: len.map(|l| start + l) })),
            None => {
                if let Some(len) = len.filter(|l| *l != whole) {
                    return Err(cut_off(format_args!("{whole} of {len} bytes of a range arrived")));
                }
                self.offset += whole;
                self.resumes = 0;
                Ok(Answer::Whole(response.into_shared_body()))
            }
        }
    }

    /// This download as a `Stream` of pieces (`futures::StreamExt::next`, `try_next`, …).
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
            let file = tokio::fs::File::create(&temp).await.map_err(|e| io("create", e))?;
            // Pieces arrive as the network delivers them (often a few KiB): write in 1 MiB
            // blocks.
            let mut file = tokio::io::BufWriter::with_capacity(1024 * 1024, file);
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
            let file = file.into_inner();
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
type NextChunk = BoxFuture<'static, (Box<Download>, Option<Result<Bytes>>)>;

enum StreamState {
    Idle(Box<Download>),
    Busy(NextChunk),
    Done,
}

/// A [`Download`] as a `futures_core::Stream` of `Result<Bytes>` pieces.
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
    type Item = Result<Bytes>;

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
    use crate::http::Headers;
    use crate::pipeline::testing::ScriptTransport;
    use std::sync::Arc;

    /// A transport that reads every body whole (as custom transports may): each range is one
    /// piece, checked like a streamed one.
    #[tokio::test]
    async fn a_transport_that_cannot_stream_gives_one_piece_per_range() {
        let content: Vec<u8> = (0..150 * 1024).map(|i| (i % 251) as u8).collect();
        let served = content.clone();
        let t = ScriptTransport::with(move |seen| {
            let range = seen.headers.get("range").unwrap_or_default();
            let (a, b) = range.trim_start_matches("bytes=").split_once('-').unwrap();
            let (a, b): (usize, usize) = (a.parse().unwrap(), b.parse().unwrap());
            let b = b.min(served.len() - 1);
            let mut h = Headers::new();
            h.insert("content-range", format!("bytes {a}-{b}/{}", served.len())).unwrap();
            h.insert("content-length", (b + 1 - a).to_string()).unwrap();
            Ok(HttpResponse::new(206, h, served[a..=b].to_vec()))
        });
        let client = Client::builder()
            .base_url("https://graph.microsoft.com/v1.0")
            .transport(t.clone() as Arc<dyn crate::http::HttpTransport>)
            .build()
            .unwrap();
        let mut d = Download::new(client.get::<()>(&["drives", "d", "items", "i", "content"])).chunk_size(64 * 1024);
        let mut pieces = Vec::new();
        while let Some(p) = d.next_chunk().await {
            pieces.push(p.unwrap());
        }
        assert_eq!(pieces.iter().map(|p| p.len()).collect::<Vec<_>>(), [65536, 65536, 22528]);
        assert_eq!(pieces.concat(), content);
        let seen = t.seen();
        assert_eq!(seen.len(), 3);
        assert_eq!(seen[1].headers.get("range"), Some("bytes=65536-131071"));
        assert_eq!(seen[1].headers.get("accept-encoding"), Some("identity"));
        assert_eq!(d.len(), Some(content.len() as u64));
    }

    /// Ranges grow only while they stream: a transport that reads bodies whole keeps 8 MiB.
    #[tokio::test]
    async fn ranges_read_whole_do_not_grow() {
        let len = 2 * DEFAULT_CHUNK + 5;
        let t = ScriptTransport::with(move |seen| {
            let range = seen.headers.get("range").unwrap_or_default();
            let (a, b) = range.trim_start_matches("bytes=").split_once('-').unwrap();
            let (a, b): (usize, usize) = (a.parse().unwrap(), b.parse().unwrap());
            let b = b.min(len - 1);
            let mut h = Headers::new();
            h.insert("content-range", format!("bytes {a}-{b}/{len}")).unwrap();
            Ok(HttpResponse::new(206, h, vec![7u8; b + 1 - a]))
        });
        let client = Client::builder()
            .base_url("https://graph.microsoft.com/v1.0")
            .transport(t.clone() as Arc<dyn crate::http::HttpTransport>)
            .build()
            .unwrap();
        let mut d = Download::new(client.get::<()>(&["drives", "d", "items", "i", "content"]));
        let mut n = 0;
        while let Some(p) = d.next_chunk().await {
            n += p.unwrap().len();
        }
        assert_eq!(n, len);
        let ranges: Vec<_> = t.seen().iter().map(|s| s.headers.get("range").unwrap_or_default().to_string()).collect();
        assert_eq!(ranges, ["bytes=0-8388607", "bytes=8388608-16777215", "bytes=16777216-16777220"]);
    }

    #[test]
    fn content_ranges() {
        assert_eq!(content_range("bytes 0-9/100"), Some((0, 9, 100)));
        assert_eq!(content_range("bytes 9-0/100"), None);
        assert_eq!(content_range("bytes 0-100/100"), None);
        assert_eq!(content_range("bytes */100"), None);
    }
}
