//! [`Body`]: the body of a request, replayable bytes or a one-shot stream.

use std::fmt;
use std::pin::Pin;
use std::sync::Mutex;

use bytes::Bytes;

/// A one-shot stream of body chunks (see [`Body::from_stream`]).
pub type BodyStream = Pin<Box<dyn futures_core::Stream<Item = std::io::Result<Vec<u8>>> + Send>>;

/// A request body: nothing, bytes (replayable: can be sent again on a retry or redirect), or a
/// one-shot stream (never replayed).
pub struct Body {
    inner: BodyInner,
}

enum BodyInner {
    Empty,
    Bytes(Bytes),
    Stream { stream: Mutex<Option<BodyStream>>, len: Option<u64> },
}

impl Body {
    /// No body.
    pub fn empty() -> Body {
        Body { inner: BodyInner::Empty }
    }

    /// A replayable body.
    pub fn from_bytes(bytes: impl Into<Vec<u8>>) -> Body {
        let v: Vec<u8> = bytes.into();
        if v.is_empty() {
            Body::empty()
        } else {
            Body { inner: BodyInner::Bytes(Bytes::from(v)) }
        }
    }

    /// A replayable body borrowing static data.
    pub fn from_static(bytes: &'static [u8]) -> Body {
        Body { inner: BodyInner::Bytes(Bytes::from_static(bytes)) }
    }

    /// A one-shot streaming body. It is sent at most once: a request with such a body is never
    /// retried and never follows a 307/308 redirect. `len` is sent as `Content-Length` when
    /// known.
    pub fn from_stream(
        stream: impl futures_core::Stream<Item = std::io::Result<Vec<u8>>> + Send + 'static,
        len: Option<u64>,
    ) -> Body {
        Body { inner: BodyInner::Stream { stream: Mutex::new(Some(Box::pin(stream))), len } }
    }

    /// No body at all.
    pub fn is_empty(&self) -> bool {
        match &self.inner {
            BodyInner::Empty => true,
            BodyInner::Bytes(b) => b.is_empty(),
            BodyInner::Stream { len, .. } => *len == Some(0),
        }
    }

    /// The length, when known.
    pub fn len(&self) -> Option<u64> {
        match &self.inner {
            BodyInner::Empty => Some(0),
            BodyInner::Bytes(b) => Some(b.len() as u64),
            BodyInner::Stream { len, .. } => *len,
        }
    }

    /// Whether the body can be sent again (everything but streams).
    pub fn is_replayable(&self) -> bool {
        !matches!(self.inner, BodyInner::Stream { .. })
    }

    /// The bytes of a replayable body (`None` for a stream).
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match &self.inner {
            BodyInner::Empty => Some(&[]),
            BodyInner::Bytes(b) => Some(b),
            BodyInner::Stream { .. } => None,
        }
    }

    #[cfg_attr(not(feature = "reqwest"), allow(dead_code))]
    pub(crate) fn shared_bytes(&self) -> Option<Bytes> {
        match &self.inner {
            BodyInner::Empty => Some(Bytes::new()),
            BodyInner::Bytes(b) => Some(b.clone()),
            BodyInner::Stream { .. } => None,
        }
    }

    /// A copy of a replayable body (`None` for a stream).
    pub fn try_clone(&self) -> Option<Body> {
        match &self.inner {
            BodyInner::Empty => Some(Body::empty()),
            BodyInner::Bytes(b) => Some(Body { inner: BodyInner::Bytes(b.clone()) }),
            BodyInner::Stream { .. } => None,
        }
    }

    /// Takes the stream of a streaming body (once; later calls give `None`). Transports call
    /// this.
    pub fn take_stream(&self) -> Option<BodyStream> {
        match &self.inner {
            BodyInner::Stream { stream, .. } => match stream.lock() {
                Ok(mut g) => g.take(),
                Err(poisoned) => poisoned.into_inner().take(),
            },
            _ => None,
        }
    }
}

impl Default for Body {
    fn default() -> Body {
        Body::empty()
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner {
            BodyInner::Empty => f.write_str("Body(empty)"),
            BodyInner::Bytes(b) => write!(f, "Body({} bytes)", b.len()),
            BodyInner::Stream { len: Some(n), .. } => write!(f, "Body(stream, {n} bytes)"),
            BodyInner::Stream { len: None, .. } => f.write_str("Body(stream)"),
        }
    }
}

impl From<Vec<u8>> for Body {
    fn from(v: Vec<u8>) -> Body {
        Body::from_bytes(v)
    }
}

impl From<String> for Body {
    fn from(s: String) -> Body {
        Body::from_bytes(s.into_bytes())
    }
}
