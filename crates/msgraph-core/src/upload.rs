//! Large file upload sessions (`createUploadSession`).
//!
//! * Chunks are multiples of 320 KiB (327,680 bytes) and smaller than 60 MiB — enforced
//!   ([`ErrorKind::Validation`] otherwise); default 5 MiB (16 × 320 KiB). Only the last chunk
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

use std::fmt;

use url::Url;

use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};
use crate::http::{is_loopback, Body, BoxFuture, HttpRequest, HttpResponse, Method};
use crate::request::{Request, ResponseBody};
use msgraph_codec::json::{DecodeError, Reader, Writer};
use msgraph_codec::model::Codec;

/// Chunk sizes must be multiples of this (320 KiB).
pub const CHUNK_UNIT: usize = 327_680;
/// Chunks must be smaller than this (60 MiB).
pub const MAX_CHUNK_EXCLUSIVE: usize = 60 * 1024 * 1024;
/// Default chunk size: 16 × 320 KiB = 5 MiB.
pub const DEFAULT_CHUNK: usize = 16 * CHUNK_UNIT;

/// What a [`LargeFileUpload`] keeps of an upload session: the three properties of Graph's
/// `uploadSession` it needs, read from the JSON of `createUploadSession`, of `GET uploadUrl` and
/// of every `202 Accepted` chunk answer (other properties are skipped). The generated model of
/// the session is `msgraph::models::UploadSession`; this is not a second one, only the state of
/// one upload (build it from a stored session to resume with [`LargeFileUpload::new`]).
/// `Debug` prints the upload URL without its query (the `tempauth` credential).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SessionState {
    /// The pre-authenticated URL to `PUT` chunks to.
    pub upload_url: Option<String>,
    /// When the session expires.
    pub expiration_date_time: Option<String>,
    /// Ranges the service still needs (`"12345-"`, `"0-1023"`).
    pub next_expected_ranges: Vec<String>,
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

/// Where the bytes come from: random access, so an upload can resume anywhere.
pub trait UploadSource: Send + Sync {
    /// Total length in bytes.
    fn len(&self) -> u64;
    /// Whether there are no bytes.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// `len` bytes from `offset`.
    fn read_range(&self, offset: u64, len: usize) -> BoxFuture<'_, std::io::Result<Vec<u8>>>;
}

impl UploadSource for Vec<u8> {
    fn len(&self) -> u64 {
        self.len() as u64
    }
    fn read_range(&self, offset: u64, len: usize) -> BoxFuture<'_, std::io::Result<Vec<u8>>> {
        let out = usize::try_from(offset)
            .ok()
            .and_then(|start| self.get(start..start.checked_add(len)?))
            .map(<[u8]>::to_vec)
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "range outside the data"));
        Box::pin(async move { out })
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

/// Uploads a file through an upload session.
pub struct LargeFileUpload {
    client: Client,
    session: SessionState,
    source: Box<dyn UploadSource>,
    chunk_size: usize,
    progress: Option<ProgressFn>,
    max_resumes: u32,
    timeout: Option<std::time::Duration>,
}

impl fmt::Debug for LargeFileUpload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LargeFileUpload")
            .field("upload_url", &self.session.upload_url.as_deref().map(crate::http::RedactedStr))
            .field("total", &self.source.len())
            .field("chunk_size", &self.chunk_size)
            .finish()
    }
}

impl LargeFileUpload {
    /// An upload of `source` into an existing session (e.g. one stored to resume later).
    pub fn new(client: &Client, session: SessionState, source: impl UploadSource + 'static) -> LargeFileUpload {
        LargeFileUpload {
            client: client.clone(),
            session,
            source: Box::new(source),
            chunk_size: DEFAULT_CHUNK,
            progress: None,
            max_resumes: 5,
            timeout: None,
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
        Ok(LargeFileUpload::new(&client, session, source))
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

    /// The session's state (its URL, expiry and the ranges the service still needs).
    pub fn session(&self) -> &SessionState {
        &self.session
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

    fn validate_chunk(&self) -> Result<()> {
        let c = self.chunk_size;
        if c == 0 || c % CHUNK_UNIT != 0 || c >= MAX_CHUNK_EXCLUSIVE {
            return Err(Error::validation(format!(
                "invalid chunk size {c}: it must be a multiple of 327680 bytes (320 KiB) and smaller than 60 MiB"
            )));
        }
        Ok(())
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

    /// The session's status (`GET uploadUrl`).
    pub async fn status(&self) -> Result<SessionState> {
        let url = self.upload_url()?;
        let response = self.send(Method::Get, &url, None).await?;
        if !response.is_success() {
            return Err(response.to_error().context("could not read the upload session"));
        }
        crate::request::decode_json(&response)
    }

    /// Cancels the session (`DELETE uploadUrl`).
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
    /// [`HttpResponse`]/`serde_json::Value`).
    pub async fn upload<T: ResponseBody>(&mut self) -> Result<T> {
        let response = self.upload_raw().await?;
        T::from_response(response)
    }

    /// [`LargeFileUpload::upload`] without decoding.
    pub async fn upload_raw(&mut self) -> Result<HttpResponse> {
        self.validate_chunk()?;
        let url = self.upload_url()?;
        let total = self.source.len();
        if total == 0 {
            return Err(Error::validation("upload sessions cannot upload an empty file: use a simple PUT"));
        }
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
            let bytes = self
                .source
                .read_range(start, len)
                .await
                .map_err(|e| Error::with_source(ErrorKind::Validation, "could not read the upload source", e))?;
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
                    self.report(total, total);
                    return Ok(r);
                }
                Ok(r) if r.status() == 202 || r.status() == 200 => {
                    let session: SessionState = crate::request::decode_json(&r)?;
                    self.session.next_expected_ranges = session.next_expected_ranges;
                    if session.expiration_date_time.is_some() {
                        self.session.expiration_date_time = session.expiration_date_time;
                    }
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
            let session = self.status().await.map_err(|e| e.context("could not resume the upload"))?;
            self.session.next_expected_ranges = session.next_expected_ranges;
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
        let v = vec![1u8, 2, 3, 4];
        let f = UploadSource::read_range(&v, 1, 2);
        let out = futures_executor_lite(f).unwrap();
        assert_eq!(out, [2, 3]);
        assert!(futures_executor_lite(UploadSource::read_range(&v, 3, 2)).is_err());
        assert!(futures_executor_lite(UploadSource::read_range(&v, u64::MAX, 2)).is_err());
    }

    fn futures_executor_lite<T>(f: BoxFuture<'_, T>) -> T {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(f)
    }
}
