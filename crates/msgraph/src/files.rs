//! Files of any size on drive items: path addressing, uploads from any source, downloads as a
//! stream (hand-written additions to the generated [`DriveItemBuilder`]).
//!
//! ```no_run
//! # async fn demo(client: msgraph::GraphClient) -> msgraph::Result<()> {
//! use msgraph::files::ConflictBehavior;
//!
//! let root = client.me().drive().root();
//! // PUT …/root:/docs/report.pdf:/content (≤ 4 MiB), or an upload session in 320 KiB-multiple
//! // chunks, read from the file chunk by chunk.
//! let item = root
//!     .item_by_path("docs/report.pdf")
//!     .upload_file("report.pdf")
//!     .conflict_behavior(ConflictBehavior::Replace)
//!     .on_progress(|p| println!("{}/{}", p.uploaded, p.total))
//!     .send()
//!     .await?;
//! // GET …/root:/docs/report.pdf:/content → 302 → the bytes, in ranged GETs of 8 MiB and more.
//! let bytes = root.item_by_path("docs/report.pdf").download_to_file("copy.pdf").await?;
//! # let _ = (item, bytes); Ok(()) }
//! ```

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use msgraph_core::builder::Builder;
use msgraph_core::download::Download;
use msgraph_core::error::{Error, ErrorKind, Result};
use msgraph_core::http::Method;
use msgraph_core::request::Request;
use msgraph_core::upload::{FileSource, LargeFileUpload, ReaderSource, UploadProgress, UploadSource, DEFAULT_CHUNK};

use crate::builders::{DriveItemBuilder, DriveItemCollectionBuilder};
use crate::models::{DriveItem, UploadSession};

/// Files up to this size (4 MiB) are uploaded with one `PUT …/content`; larger ones through an
/// upload session.
pub const SIMPLE_UPLOAD_MAX: u64 = 4 * 1024 * 1024;

/// What happens when an item with the name exists (`@microsoft.graph.conflictBehavior`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ConflictBehavior {
    /// Fail with `409 Conflict` (`nameAlreadyExists`).
    Fail,
    /// Replace the existing file's content (Graph's default for `PUT …/content`).
    #[default]
    Replace,
    /// Keep both: the new file gets a free name (`report 1.pdf`).
    Rename,
}

impl ConflictBehavior {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            ConflictBehavior::Fail => "fail",
            ConflictBehavior::Replace => "replace",
            ConflictBehavior::Rename => "rename",
        }
    }
}

impl DriveItemBuilder {
    /// The item at `path` below this one: `…/root:/docs/report.pdf:` from `root()`,
    /// `…/items/{id}:/sub/file.txt:` from `items().by_id(id)`. `/` separates names; each name
    /// is percent-encoded (spaces, `#`, `%`, `?`, `:`, non-ASCII); an empty, `.` or `..` name
    /// is an [`ErrorKind::Validation`](crate::ErrorKind::Validation) error when the request is
    /// sent. Every request of the item builder works from here (`get`, `children`,
    /// `create_upload_session`, [`DriveItemBuilder::upload`], [`DriveItemBuilder::download`]).
    pub fn item_by_path(&self, path: &str) -> DriveItemBuilder {
        DriveItemBuilder::from_node(self.node().path(path))
    }

    /// The children of the folder at `path` below this item (`…/root:/docs:/children`).
    pub fn children_by_path(&self, path: &str) -> DriveItemCollectionBuilder {
        self.item_by_path(path).children()
    }

    /// Uploads `source` as this item's content ([`DriveUpload`]): address the item by path
    /// (`root().item_by_path("docs/a.bin")`) to create it.
    pub fn upload(&self, source: impl UploadSource + 'static) -> DriveUpload {
        DriveUpload::new(self.clone(), Pending::Ready(Box::new(source)))
    }

    /// Uploads `len` bytes read from an `AsyncRead` (a socket, a pipe, a decoder), front to
    /// back; only the chunk being sent is in memory. After a failed chunk the upload continues
    /// from the kept chunk; it cannot go further back (see [`ReaderSource`]).
    pub fn upload_reader<R>(&self, reader: R, len: u64) -> DriveUpload
    where
        ReaderSource<R>: UploadSource + 'static,
        R: Send,
    {
        self.upload(ReaderSource::new(reader, len))
    }

    /// Uploads the file at `path` (opened when the upload is sent; read chunk by chunk).
    pub fn upload_file(&self, path: impl Into<PathBuf>) -> DriveUpload {
        DriveUpload::new(self.clone(), Pending::File(path.into()))
    }

    /// Downloads this item's content (`GET …/content`, following the `302` to the
    /// pre-authenticated URL without `Authorization`) as chunks: see [`Download`]. The
    /// generated `content_stream()` request, read as a stream instead of buffered.
    pub fn download(&self) -> Download {
        Download::new(self.content_stream())
    }

    /// Downloads this item's content to `path` (through a temporary file, renamed when
    /// complete): see [`Download::to_file`]. Returns the number of bytes.
    pub async fn download_to_file(&self, path: impl AsRef<std::path::Path>) -> Result<u64> {
        self.download().to_file(path).await
    }
}

enum Pending {
    Ready(Box<dyn UploadSource>),
    File(PathBuf),
}

type Progress = Arc<dyn Fn(UploadProgress) + Send + Sync>;

/// An upload of a drive item's content, sent with [`DriveUpload::send`]: files up to
/// [`SIMPLE_UPLOAD_MAX`] (4 MiB) with one `PUT …/content`, larger ones through an upload
/// session (`createUploadSession`, chunks of [`DriveUpload::chunk_size`]). For control over a
/// large upload (resume after a failed source, cancel, store the session), use
/// [`DriveUpload::start`] and drive the [`LargeFileUpload`] yourself.
pub struct DriveUpload {
    item: DriveItemBuilder,
    source: Pending,
    conflict: ConflictBehavior,
    chunk: usize,
    progress: Option<Progress>,
}

impl fmt::Debug for DriveUpload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source = match &self.source {
            Pending::Ready(s) => format!("{} bytes", s.len()),
            Pending::File(p) => p.display().to_string(),
        };
        f.debug_struct("DriveUpload")
            .field("item", &self.item)
            .field("source", &source)
            .field("conflict", &self.conflict)
            .field("chunk", &self.chunk)
            .finish()
    }
}

impl DriveUpload {
    fn new(item: DriveItemBuilder, source: Pending) -> DriveUpload {
        DriveUpload { item, source, conflict: ConflictBehavior::default(), chunk: DEFAULT_CHUNK, progress: None }
    }

    /// What to do when the name exists (default [`ConflictBehavior::Replace`]).
    pub fn conflict_behavior(mut self, conflict: ConflictBehavior) -> DriveUpload {
        self.conflict = conflict;
        self
    }

    /// Chunk size of an upload session: a multiple of 320 KiB smaller than 60 MiB (default
    /// 10 × 320 KiB); another value is an error when sent.
    pub fn chunk_size(mut self, bytes: usize) -> DriveUpload {
        self.chunk = bytes;
        self
    }

    /// Called with the bytes the service has confirmed (after the `PUT`, or after each chunk).
    pub fn on_progress(mut self, f: impl Fn(UploadProgress) + Send + Sync + 'static) -> DriveUpload {
        self.progress = Some(Arc::new(f));
        self
    }

    async fn open(source: Pending) -> Result<Box<dyn UploadSource>> {
        Ok(match source {
            Pending::Ready(s) => s,
            Pending::File(path) => Box::new(FileSource::open(path).await?),
        })
    }

    /// Uploads and returns the item. A large upload that fails here leaves its session to
    /// expire on the service (nothing is committed); to resume instead, use
    /// [`DriveUpload::start`].
    pub async fn send(self) -> Result<DriveItem> {
        msgraph_core::upload::validate_chunk(self.chunk)?;
        let mut source = Self::open(self.source).await?;
        let total = source.len();
        if total > SIMPLE_UPLOAD_MAX {
            let mut upload = Self::session(self.item, self.conflict, self.chunk, self.progress, source).await?;
            return upload.upload::<DriveItem>().await;
        }
        let len =
            usize::try_from(total).map_err(|_| Error::new(ErrorKind::Validation, "the upload source is too large"))?;
        let bytes = source
            .read_range(0, len)
            .await
            .map_err(|e| Error::with_source(ErrorKind::Validation, "could not read the upload source", e))?;
        let request: Request<DriveItem> = self
            .item
            .node()
            .child("content")
            .request::<DriveItem>(Method::Put)
            .query_param("@microsoft.graph.conflictBehavior", self.conflict.as_str())
            .body_bytes(bytes, "application/octet-stream");
        let item = request.send().await?;
        if let Some(f) = &self.progress {
            f(UploadProgress { uploaded: total, total });
        }
        Ok(item)
    }

    /// Creates the upload session (whatever the size) and returns the upload, not started:
    /// call [`LargeFileUpload::upload`]`::<DriveItem>()`. After an error (a source that failed,
    /// resumes exhausted) the same value continues the upload: [`LargeFileUpload::set_source`]
    /// gives it the bytes again, [`LargeFileUpload::session`]`::<UploadSession>()` stores the
    /// session for another process, [`LargeFileUpload::cancel`] ends it.
    pub async fn start(self) -> Result<LargeFileUpload> {
        msgraph_core::upload::validate_chunk(self.chunk)?;
        let source = Self::open(self.source).await?;
        Self::session(self.item, self.conflict, self.chunk, self.progress, source).await
    }

    async fn session(
        item: DriveItemBuilder,
        conflict: ConflictBehavior,
        chunk: usize,
        progress: Option<Progress>,
        source: Box<dyn UploadSource>,
    ) -> Result<LargeFileUpload> {
        let body = format!(r#"{{"item":{{"@microsoft.graph.conflictBehavior":"{}"}}}}"#, conflict.as_str());
        let create: Request<UploadSession> =
            item.node().child("createUploadSession").request(Method::Post).body_json_text(body);
        let mut upload = LargeFileUpload::create(create, source).await?.chunk_size(chunk);
        if let Some(f) = progress {
            upload = upload.on_progress(move |p| f(p));
        }
        Ok(upload)
    }
}
