//! Large file upload sessions (`createUploadSession`), for drive items, mail attachments and
//! any other upload session: [`LargeFileUpload`] only needs the session's `uploadUrl`.
//!
//! * The session is Graph's `uploadSession` as the generated model
//!   (`msgraph::models::UploadSession`) has it: [`LargeFileUpload::create`] takes the generated
//!   `create_upload_session(..)` request as it is, [`LargeFileUpload::new`] a stored session
//!   (the model, or any JSON-codec value with its properties), and
//!   [`LargeFileUpload::session`] gives it back in that type to store for later.
//! * The bytes come from an [`UploadSource`]: a `Vec<u8>`, a file ([`FileSource`], seekable),
//!   or any `AsyncRead` ([`ReaderSource`], read once, front to back). Only the chunk being sent
//!   is in memory.
//! * Chunks are multiples of 320 KiB (327,680 bytes) and smaller than 60 MiB — enforced
//!   ([`ErrorKind::Validation`] otherwise); default 3.2 MiB (10 × 320 KiB). Only the last chunk
//!   may be shorter.
//! * Every chunk is a `PUT` to the pre-authenticated `uploadUrl` with
//!   `Content-Range: bytes {start}-{end}/{total}` and **no** `Authorization` header; bodies are
//!   never compressed.
//! * After a failure (connection lost, 5xx after retries, 416, or a `202` that shows no
//!   progress) the session's status is fetched (`GET uploadUrl`) and the upload resumes from
//!   `nextExpectedRanges`, at most [`LargeFileUpload::max_resumes`] times.
//! * A progress callback sees the bytes the service has confirmed.
//! * OneDrive answers a chunk that is not the last with `202`, Outlook's attachment sessions
//!   with `200` and `nextExpectedRanges: ["{next byte}"]` (no `-`): both are progress; only the
//!   answer to the last chunk ends the upload.
//! * When the source fails (a read error, a file shorter than announced) the upload stops with
//!   an error and the [`LargeFileUpload`] keeps the session: give it a working source with
//!   [`LargeFileUpload::set_source`] (or keep the stored [`LargeFileUpload::session`]) and call
//!   [`LargeFileUpload::upload`] again; it asks the session where to continue.
//! * [`LargeFileUpload::cancel`] deletes the session (`DELETE uploadUrl`).

use std::fmt;

use url::Url;

use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};
use crate::http::{is_loopback, Body, BoxFuture, HttpRequest, HttpResponse, Method};
use crate::request::{Request, ResponseBody};
use msgraph_codec::json::{DecodeError, Reader, Writer};
use msgraph_codec::model::Codec;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncSeek, AsyncSeekExt};

/// Chunk sizes must be multiples of this (320 KiB).
pub const CHUNK_UNIT: usize = 327_680;
/// Chunks must be smaller than this (60 MiB).
pub const MAX_CHUNK_EXCLUSIVE: usize = 60 * 1024 * 1024;
/// Default chunk size: 10 × 320 KiB = 3.2 MiB.
pub const DEFAULT_CHUNK: usize = 10 * CHUNK_UNIT;

/// What a [`LargeFileUpload`] keeps of an upload session: the three properties of Graph's
/// `uploadSession` it needs, read from the JSON of `createUploadSession`, of `GET uploadUrl` and
/// of every `202 Accepted` chunk answer (other properties are skipped). Private: users see the
/// session as the generated model. `Debug` prints the upload URL without its query (the
/// `tempauth` credential).
#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) struct SessionState {
    pub(crate) upload_url: Option<String>,
    pub(crate) expiration_date_time: Option<String>,
    pub(crate) next_expected_ranges: Vec<String>,
}

impl fmt::Debug for SessionState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionState")
            .field("upload_url", &self.upload_url.as_deref().map(crate::http::RedactedStr))
            .field("expiration_date_time", &self.expiration_date_time)
            .field("next_expected_ranges", &self.next_expected_ranges)
            .finish()
    }
}

impl Codec for SessionState {
    fn decode(r: &mut Reader<'_>) -> std::result::Result<Self, DecodeError> {
        let mut s = SessionState::default();
        r.begin_object()?;
        while let Some(key) = r.next_key()? {
            match &*key {
                "uploadUrl" => s.upload_url = Option::<String>::decode(r).map_err(|e| e.in_key(&key))?,
                "expirationDateTime" => {
                    s.expiration_date_time = Option::<String>::decode(r).map_err(|e| e.in_key(&key))?
                }
                "nextExpectedRanges" => {
                    s.next_expected_ranges =
                        Option::<Vec<String>>::decode(r).map_err(|e| e.in_key(&key))?.unwrap_or_default()
                }
                _ => r.skip_value()?,
            }
        }
        Ok(s)
    }

    fn encode(&self, w: &mut Writer) {
        w.begin_object();
        if let Some(u) = &self.upload_url {
            w.key("uploadUrl");
            w.string(u);
        }
        if let Some(e) = &self.expiration_date_time {
            w.key("expirationDateTime");
            w.string(e);
        }
        w.key("nextExpectedRanges");
        self.next_expected_ranges.encode(w);
        w.end_object();
    }
}

/// Parses `"start-"` or `"start-end"` (inclusive end), or `"start"` alone (how Outlook's
/// attachment sessions write `"start-"`).
pub fn parse_range(range: &str) -> Option<(u64, Option<u64>)> {
    let range = range.trim();
    let (start, end) = range.split_once('-').unwrap_or((range, ""));
    let start = start.trim().parse::<u64>().ok()?;
    let end = match end.trim() {
        "" => None,
        e => Some(e.parse::<u64>().ok()?),
    };
    if end.is_some_and(|e| e < start) {
        return None;
    }
    Some((start, end))
}

/// The first missing range of a session.
fn first_missing(ranges: &[String]) -> Result<Option<(u64, Option<u64>)>> {
    let mut best: Option<(u64, Option<u64>)> = None;
    for r in ranges {
        let parsed = parse_range(r).ok_or_else(|| {
            Error::new(ErrorKind::Decode, format!("invalid nextExpectedRanges entry {r:?} in the upload session"))
        })?;
        if best.is_none_or(|b| parsed.0 < b.0) {
            best = Some(parsed);
        }
    }
    Ok(best)
}

/// Where the bytes come from. Uploads ask for ranges in order; after a failure they ask again
/// from where the session says it needs bytes (the start of the chunk that failed, or the end
/// of one whose answer was lost).
pub trait UploadSource: Send {
    /// Total length in bytes.
    fn len(&self) -> u64;
    /// Whether there are no bytes.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// `len` bytes from `offset`; fewer bytes than asked is an error.
    fn read_range(&mut self, offset: u64, len: usize) -> BoxFuture<'_, std::io::Result<Vec<u8>>>;
}

fn outside() -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "range outside the data")
}

impl UploadSource for Vec<u8> {
    fn len(&self) -> u64 {
        self.len() as u64
    }
    fn read_range(&mut self, offset: u64, len: usize) -> BoxFuture<'_, std::io::Result<Vec<u8>>> {
        let out = usize::try_from(offset)
            .ok()
            .and_then(|start| self.get(start..start.checked_add(len)?))
            .map(<[u8]>::to_vec)
            .ok_or_else(outside);
        Box::pin(async move { out })
    }
}

impl UploadSource for Box<dyn UploadSource> {
    fn len(&self) -> u64 {
        (**self).len()
    }
    fn read_range(&mut self, offset: u64, len: usize) -> BoxFuture<'_, std::io::Result<Vec<u8>>> {
        (**self).read_range(offset, len)
    }
}

/// Reads exactly `len` bytes (an error at an early end).
async fn read_exact_vec<R: AsyncRead + Unpin + ?Sized>(reader: &mut R, len: usize) -> std::io::Result<Vec<u8>> {
    let mut buf = vec![0u8; len];
    reader.read_exact(&mut buf).await.map_err(|e| {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "the source ended before its announced length")
        } else {
            e
        }
    })?;
    Ok(buf)
}

/// An upload source from any [`AsyncRead`] of a known length (a socket, a pipe, a decoder):
/// read once, front to back. It keeps the chunk it read last, so an upload resumes after a
/// failed chunk or a lost answer without reading anything twice; it can skip forward (a stored
/// session that already has the first bytes) but never go back before that chunk: such a
/// request is an error (use a [`FileSource`] or another seekable source to resume anywhere).
pub struct ReaderSource<R> {
    reader: R,
    len: u64,
    /// Offset of `buf`'s first byte.
    buf_start: u64,
    buf: Vec<u8>,
}

impl<R> fmt::Debug for ReaderSource<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReaderSource")
            .field("len", &self.len)
            .field("position", &(self.buf_start + self.buf.len() as u64))
            .finish_non_exhaustive()
    }
}

impl<R> ReaderSource<R> {
    /// `len` bytes from `reader` (an `AsyncRead + Unpin + Send`).
    pub fn new(reader: R, len: u64) -> ReaderSource<R> {
        ReaderSource { reader, len, buf_start: 0, buf: Vec::new() }
    }
}

impl<R: AsyncRead + Unpin + Send> ReaderSource<R> {
    async fn read_at(&mut self, offset: u64, len: usize) -> std::io::Result<Vec<u8>> {
        let end = offset.checked_add(len as u64).filter(|e| *e <= self.len).ok_or_else(outside)?;
        let position = self.buf_start + self.buf.len() as u64;
        if offset < self.buf_start {
            return Err(std::io::Error::new(
                std::io::ErrorKind::Unsupported,
                format!(
                    "the source cannot go back to byte {offset}: it is read once and keeps bytes {}..{position} only",
                    self.buf_start
                ),
            ));
        }
        if end <= position {
            let from = usize::try_from(offset - self.buf_start).map_err(|_| outside())?;
            return self.buf.get(from..from + len).map(<[u8]>::to_vec).ok_or_else(outside);
        }
        if offset > position {
            // Skip forward, a bounded buffer at a time.
            let mut skip = offset - position;
            let mut scratch = vec![0u8; 64 * 1024];
            while skip > 0 {
                let n = usize::try_from(skip.min(scratch.len() as u64)).unwrap_or(scratch.len());
                self.reader.read_exact(&mut scratch[..n]).await?;
                skip -= n as u64;
            }
            self.buf.clear();
            self.buf_start = offset;
        }
        // Keep what is buffered from `offset`, read the rest after it, in place.
        let skip = usize::try_from(offset - self.buf_start).map_err(|_| outside())?;
        self.buf.drain(..skip.min(self.buf.len()));
        self.buf_start = offset;
        let kept = self.buf.len();
        self.buf.resize(usize::try_from(end - offset).map_err(|_| outside())?, 0);
        if let Err(e) = self.reader.read_exact(&mut self.buf[kept..]).await {
            self.buf.truncate(kept);
            return Err(e);
        }
        Ok(self.buf.clone())
    }
}

impl<R: AsyncRead + Unpin + Send> UploadSource for ReaderSource<R> {
    fn len(&self) -> u64 {
        self.len
    }
    fn read_range(&mut self, offset: u64, len: usize) -> BoxFuture<'_, std::io::Result<Vec<u8>>> {
        Box::pin(self.read_at(offset, len))
    }
}

/// An upload source that can read any range: a file, or any [`AsyncRead`] + [`AsyncSeek`].
pub struct FileSource<R = tokio::fs::File> {
    reader: R,
    len: u64,
}

impl<R> fmt::Debug for FileSource<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileSource").field("len", &self.len).finish_non_exhaustive()
    }
}

impl FileSource<tokio::fs::File> {
    /// The file at `path` (its length read now).
    pub async fn open(path: impl AsRef<std::path::Path>) -> Result<FileSource<tokio::fs::File>> {
        let path = path.as_ref();
        let io = |e: std::io::Error| {
            Error::with_source(ErrorKind::Validation, format!("could not open the upload source {}", path.display()), e)
        };
        let file = tokio::fs::File::open(path).await.map_err(io)?;
        let len = file.metadata().await.map_err(io)?.len();
        Ok(FileSource { reader: file, len })
    }
}

impl<R: AsyncRead + AsyncSeek + Unpin + Send> FileSource<R> {
    /// `len` bytes of a seekable reader.
    pub fn new(reader: R, len: u64) -> FileSource<R> {
        FileSource { reader, len }
    }
}

impl<R: AsyncRead + AsyncSeek + Unpin + Send> UploadSource for FileSource<R> {
    fn len(&self) -> u64 {
        self.len
    }
    fn read_range(&mut self, offset: u64, len: usize) -> BoxFuture<'_, std::io::Result<Vec<u8>>> {
        Box::pin(async move {
            if offset.checked_add(len as u64).is_none_or(|e| e > self.len) {
                return Err(outside());
            }
            self.reader.seek(std::io::SeekFrom::Start(offset)).await?;
            read_exact_vec(&mut self.reader, len).await
        })
    }
}

/// Bytes confirmed by the service so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadProgress {
    /// Bytes the service has.
    pub uploaded: u64,
    /// Total bytes.
    pub total: u64,
}

type ProgressFn = Box<dyn Fn(UploadProgress) + Send + Sync>;

/// Uploads a file through an upload session (any session URL: drive items, mail attachments).
pub struct LargeFileUpload {
    client: Client,
    session: SessionState,
    source: Box<dyn UploadSource>,
    chunk_size: usize,
    progress: Option<ProgressFn>,
    max_resumes: u32,
    timeout: Option<std::time::Duration>,
    /// A run failed: the next one asks the session where to continue.
    stale: bool,
}

impl fmt::Debug for LargeFileUpload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LargeFileUpload")
            .field("session", &self.session)
            .field("total", &self.source.len())
            .field("chunk_size", &self.chunk_size)
            .finish()
    }
}

/// One codec value as another through JSON (the generated `UploadSession` and the session's
/// own properties, either way).
fn transcode<A: Codec, B: Codec>(value: &A) -> Result<B> {
    let json = msgraph_codec::json::to_string(value);
    msgraph_codec::json::from_str::<B>(&json)
        .map_err(|e| Error::new(ErrorKind::Decode, format!("not an upload session: {e}")))
}

impl SessionState {
    /// Takes what the service last said: the missing ranges, and the expiry when it gave one.
    fn update(&mut self, from: SessionState) {
        self.next_expected_ranges = from.next_expected_ranges;
        if from.expiration_date_time.is_some() {
            self.expiration_date_time = from.expiration_date_time;
        }
    }
}

impl LargeFileUpload {
    /// An upload of `source` into an existing session: the generated
    /// `msgraph::models::UploadSession` (one stored with [`LargeFileUpload::session`] to resume
    /// later, or the answer of a `createUploadSession` sent another way), or any codec value
    /// with its properties (`serde_json::Value`).
    pub fn new<S: Codec>(client: &Client, session: &S, source: impl UploadSource + 'static) -> Result<LargeFileUpload> {
        Ok(LargeFileUpload::from_state(client, transcode(session)?, Box::new(source)))
    }

    fn from_state(client: &Client, session: SessionState, source: Box<dyn UploadSource>) -> LargeFileUpload {
        LargeFileUpload {
            client: client.clone(),
            session,
            source,
            chunk_size: DEFAULT_CHUNK,
            progress: None,
            max_resumes: 5,
            timeout: None,
            stale: false,
        }
    }

    /// Creates the session and prepares the upload. `create_session` is the request that
    /// creates it, whatever response type it was built with: the generated
    /// `….create_upload_session(…)` (a `Request<models::UploadSession>`) plugs in as it is; the
    /// session's `uploadUrl`, `expirationDateTime` and `nextExpectedRanges` are read from the
    /// JSON answer.
    pub async fn create<T>(create_session: Request<T>, source: impl UploadSource + 'static) -> Result<LargeFileUpload> {
        let client = create_session.client().clone();
        let session = create_session.cast::<SessionState>().send().await?;
        Ok(LargeFileUpload::from_state(&client, session, Box::new(source)))
    }

    /// Chunk size: a multiple of 320 KiB, smaller than 60 MiB (checked when uploading).
    pub fn chunk_size(mut self, bytes: usize) -> LargeFileUpload {
        self.chunk_size = bytes;
        self
    }

    /// Called after every chunk the service confirmed.
    pub fn on_progress(mut self, f: impl Fn(UploadProgress) + Send + Sync + 'static) -> LargeFileUpload {
        self.progress = Some(Box::new(f));
        self
    }

    /// How many times the upload resumes after failures (default 5): a lost connection, a 5xx
    /// after retries, a 416, or a `202` whose `nextExpectedRanges` shows no progress (the chunk
    /// was not taken). Each costs one `GET` of the session and one chunk again; past the limit
    /// the upload fails.
    pub fn max_resumes(mut self, n: u32) -> LargeFileUpload {
        self.max_resumes = n;
        self
    }

    /// A timeout per chunk request (default: the client's timeout per try).
    pub fn timeout(mut self, timeout: std::time::Duration) -> LargeFileUpload {
        self.timeout = Some(timeout);
        self
    }

    /// Replaces the source (after one failed: the same bytes, readable again). The next
    /// [`LargeFileUpload::upload`] continues where the session is.
    pub fn set_source(&mut self, source: impl UploadSource + 'static) {
        self.source = Box::new(source);
        self.stale = true;
    }

    /// The session as the generated model (`msgraph::models::UploadSession`; or any codec type
    /// with its properties): store it to resume later with [`LargeFileUpload::new`]. It holds
    /// the pre-authenticated upload URL, a credential: keep it like one.
    pub fn session<S: Codec>(&self) -> Result<S> {
        transcode(&self.session)
    }

    /// The ranges the service still needs, as last seen (`"12345-"`, `"0-1023"`).
    pub fn next_expected_ranges(&self) -> &[String] {
        &self.session.next_expected_ranges
    }

    /// When the session expires, as last seen.
    pub fn expiration_date_time(&self) -> Option<&str> {
        self.session.expiration_date_time.as_deref()
    }

    fn upload_url(&self) -> Result<Url> {
        let raw = self
            .session
            .upload_url
            .as_deref()
            .ok_or_else(|| Error::validation("the upload session has no uploadUrl"))?;
        let url = crate::http::parse_http_url(raw).map_err(|e| e.context("invalid uploadUrl"))?;
        if url.scheme() != "https" && !is_loopback(&url) && !self.client.is_own_origin(raw) {
            return Err(Error::validation("the uploadUrl must use https"));
        }
        Ok(url)
    }

    async fn send(&self, method: Method, url: &Url, body: Option<(Vec<u8>, String)>) -> Result<HttpResponse> {
        let mut request = HttpRequest::from_url(method, url.clone());
        if let Some((bytes, range)) = body {
            request.headers_mut().set_static("content-range", range);
            request.headers_mut().set_static("content-type", "application/octet-stream");
            request.set_body(Body::from_bytes(bytes));
        }
        // Pre-authenticated URL: never an Authorization header.
        let ctx = self.client.context().with_skip_auth(true).with_timeout(self.timeout);
        self.client.inner.pipeline.send(&ctx, &mut request).await
    }

    /// Reads the session's status (`GET uploadUrl`): afterwards
    /// [`LargeFileUpload::next_expected_ranges`] and [`LargeFileUpload::expiration_date_time`]
    /// are the service's.
    pub async fn status(&mut self) -> Result<()> {
        let url = self.upload_url()?;
        let response = self.send(Method::Get, &url, None).await?;
        if !response.is_success() {
            return Err(response.to_error().context("could not read the upload session"));
        }
        self.session.update(crate::request::decode_json(&response)?);
        Ok(())
    }

    /// Cancels the session (`DELETE uploadUrl`); a session that is gone already is fine.
    pub async fn cancel(&self) -> Result<()> {
        let url = self.upload_url()?;
        let response = self.send(Method::Delete, &url, None).await?;
        if response.is_success() || response.status() == 404 {
            Ok(())
        } else {
            Err(response.to_error().context("could not cancel the upload session"))
        }
    }

    fn report(&self, uploaded: u64, total: u64) {
        if let Some(f) = &self.progress {
            f(UploadProgress { uploaded, total });
        }
    }

    /// Uploads everything and returns the created item (decoded as `T`, e.g. a `DriveItem`, or
    /// [`HttpResponse`]/`serde_json::Value`). After an error the upload can be run again: it
    /// continues where the session is.
    pub async fn upload<T: ResponseBody>(&mut self) -> Result<T> {
        let response = self.upload_raw().await?;
        T::from_response(response)
    }

    /// [`LargeFileUpload::upload`] without decoding.
    pub async fn upload_raw(&mut self) -> Result<HttpResponse> {
        validate_chunk(self.chunk_size)?;
        let _ = self.upload_url()?;
        if self.source.is_empty() {
            return Err(Error::validation("upload sessions cannot upload an empty file: use a simple PUT"));
        }
        if std::mem::take(&mut self.stale) {
            self.status().await.map_err(|e| {
                self.stale = true;
                e.context("could not resume the upload")
            })?;
        }
        let outcome = self.run().await;
        if outcome.is_err() {
            self.stale = true;
        }
        outcome
    }

    async fn run(&mut self) -> Result<HttpResponse> {
        let url = self.upload_url()?;
        let total = self.source.len();
        let mut missing = first_missing(&self.session.next_expected_ranges)?.unwrap_or((0, None));
        let mut resumes = 0u32;
        loop {
            let (start, range_end) = missing;
            if start >= total {
                return Err(Error::new(
                    ErrorKind::Decode,
                    format!("the upload session expects byte {start} of a {total}-byte file"),
                ));
            }
            let mut end = start.saturating_add(self.chunk_size as u64).min(total); // exclusive
            if let Some(e) = range_end {
                end = end.min(e.saturating_add(1)).max(start + 1);
            }
            let len = usize::try_from(end - start).map_err(|_| Error::validation("chunk too large"))?;
            let bytes = self.source.read_range(start, len).await.map_err(|e| {
                Error::with_source(
                    ErrorKind::Validation,
                    format!(
                        "could not read the upload source at byte {start}: the session is kept, \
                         upload again (with set_source) to continue"
                    ),
                    e,
                )
            })?;
            if bytes.len() != len {
                return Err(Error::validation("the upload source returned fewer bytes than asked"));
            }
            let range = format!("bytes {start}-{}/{total}", end - 1);
            let outcome = self.send(Method::Put, &url, Some((bytes, range))).await;
            let failure = match outcome {
                // OneDrive answers every chunk but the last with 202; Outlook's attachment
                // sessions answer them with 200 and the session, so a 200 only ends the upload
                // after the last byte.
                Ok(r) if r.status() == 201 || (r.status() == 200 && end >= total) => {
                    self.session.next_expected_ranges.clear();
                    self.report(total, total);
                    return Ok(r);
                }
                Ok(r) if r.status() == 202 || r.status() == 200 => {
                    self.session.update(crate::request::decode_json(&r)?);
                    match first_missing(&self.session.next_expected_ranges)? {
                        Some(m) if m.0 > start => {
                            self.report(m.0, total);
                            missing = m;
                            continue;
                        }
                        Some(m) => {
                            // The chunk was not taken (the same or an earlier range is still
                            // expected): a failure like any other, so a session that never
                            // progresses ends after `max_resumes`.
                            Error::new(
                                ErrorKind::Decode,
                                format!(
                                    "the upload session made no progress: after the chunk at byte {start} it still \
                                     expects byte {}",
                                    m.0
                                ),
                            )
                        }
                        None => {
                            // Nothing missing yet not completed: ask the session.
                            Error::new(ErrorKind::Decode, "the service accepted a chunk but lists no missing range")
                        }
                    }
                }
                Ok(r) if r.status() == 404 => {
                    return Err(r.to_error().context("the upload session does not exist (expired or cancelled)"));
                }
                Ok(r) if r.status() == 416 || r.status() >= 500 => r.to_error(),
                Ok(r) => return Err(r.to_error().context("chunk upload failed")),
                Err(e) if matches!(e.kind(), ErrorKind::Transport | ErrorKind::Timeout) => e,
                Err(e) => return Err(e),
            };
            resumes += 1;
            if resumes > self.max_resumes {
                return Err(failure.context("upload failed; resume attempts exhausted"));
            }
            tracing::debug!(error = %failure, resumes, "chunk failed; reading the session to resume");
            self.status().await.map_err(|e| e.context("could not resume the upload"))?;
            match first_missing(&self.session.next_expected_ranges)? {
                Some(m) => {
                    self.report(m.0, total);
                    missing = m;
                }
                None => return Err(failure.context("upload failed and the session lists no missing range")),
            }
        }
    }
}

/// Checks an upload chunk size: a multiple of 320 KiB, smaller than 60 MiB.
pub fn validate_chunk(c: usize) -> Result<()> {
    if c == 0 || c % CHUNK_UNIT != 0 || c >= MAX_CHUNK_EXCLUSIVE {
        return Err(Error::validation(format!(
            "invalid chunk size {c}: it must be a multiple of 327680 bytes (320 KiB) and smaller than 60 MiB"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("12345-"), Some((12345, None)));
        assert_eq!(parse_range("0-1023"), Some((0, Some(1023))));
        assert_eq!(parse_range(" 5 - 9 "), Some((5, Some(9))));
        assert_eq!(parse_range("2097152"), Some((2097152, None)));
        for bad in ["", "-", "a-", "5-4", "-5", "1-2-3"] {
            assert_eq!(parse_range(bad), None, "{bad}");
        }
        assert_eq!(first_missing(&["900-".into(), "100-199".into()]).unwrap(), Some((100, Some(199))));
        assert!(first_missing(&["x".into()]).is_err());
        assert_eq!(first_missing(&[]).unwrap(), None);
        let s: SessionState = msgraph_codec::json::from_str(
            r#"{"uploadUrl":"https://x/up?tempauth=1","expirationDateTime":"2030-01-01T00:00:00Z","nextExpectedRanges":["0-"],"@odata.context":"c"}"#,
        )
        .unwrap();
        assert_eq!(s.next_expected_ranges, ["0-"]);
        assert_eq!(msgraph_codec::json::from_str::<SessionState>(&msgraph_codec::json::to_string(&s)).unwrap(), s);
    }

    #[test]
    fn vec_source() {
        let mut v = vec![1u8, 2, 3, 4];
        let out = futures_executor_lite(UploadSource::read_range(&mut v, 1, 2)).unwrap();
        assert_eq!(out, [2, 3]);
        assert!(futures_executor_lite(UploadSource::read_range(&mut v, 3, 2)).is_err());
        assert!(futures_executor_lite(UploadSource::read_range(&mut v, u64::MAX, 2)).is_err());
    }

    #[test]
    fn reader_source_keeps_the_last_chunk_only() {
        let data: Vec<u8> = (0..100u8).collect();
        let mut r = ReaderSource::new(&data[..], 100);
        assert_eq!(futures_executor_lite(r.read_range(0, 10)).unwrap(), data[..10]);
        // The same chunk again (a failed chunk), then the next one.
        assert_eq!(futures_executor_lite(r.read_range(0, 10)).unwrap(), data[..10]);
        assert_eq!(futures_executor_lite(r.read_range(5, 10)).unwrap(), data[5..15]);
        assert_eq!(futures_executor_lite(r.read_range(15, 10)).unwrap(), data[15..25]);
        // Skipping forward works, going back before the kept chunk does not.
        assert_eq!(futures_executor_lite(r.read_range(50, 10)).unwrap(), data[50..60]);
        let e = futures_executor_lite(r.read_range(0, 10)).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::Unsupported);
        assert!(futures_executor_lite(r.read_range(95, 10)).is_err(), "past the announced length");
        // A reader shorter than announced.
        let mut short = ReaderSource::new(&data[..20], 100);
        assert!(futures_executor_lite(short.read_range(0, 30)).is_err());
    }

    fn futures_executor_lite<T>(f: BoxFuture<'_, T>) -> T {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(f)
    }
}
