//! The request log: a bounded ring of what the emulator received (the oldest entries are
//! dropped, so long load runs keep memory flat).

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::SystemTime;

use hyper::HeaderMap;

use crate::sync::lock;

/// Request headers copied into [`RequestRecord::headers`] (lower-case names).
pub const LOGGED_HEADERS: &[&str] = &[
    "content-type",
    "content-range",
    "range",
    "consistencylevel",
    "client-request-id",
    "prefer",
    "retry-attempt",
    "user-agent",
    "if-match",
    "accept",
];

/// One request the emulator received (a top-level HTTP request or a `$batch` item).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RequestRecord {
    /// HTTP method.
    pub method: String,
    /// Path and query exactly as received; for `$batch` items `/v1.0` + the item's URL.
    pub target: String,
    /// The status the emulator answered (0 when the connection was dropped on purpose).
    pub status: u16,
    /// Whether an `Authorization` header was present (its value is never logged).
    pub authorization: bool,
    /// A subset of the request headers ([`LOGGED_HEADERS`]), lower-case names.
    pub headers: Vec<(String, String)>,
    /// For `$batch` items, the item's id.
    pub batch_item: Option<String>,
    /// The app (client id) of the token or of the token request, when known.
    pub client_id: Option<String>,
    /// The injected fault, if any (`"throttle"`, `"status 503"`, `"drop"`, `"rate-limit"`, ...).
    pub fault: Option<String>,
    /// When it arrived.
    pub at: SystemTime,
}

impl RequestRecord {
    /// A header value by (case-insensitive) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Builds the header subset.
pub(crate) fn logged_headers(headers: &HeaderMap) -> Vec<(String, String)> {
    LOGGED_HEADERS
        .iter()
        .filter_map(|name| {
            headers.get(*name).map(|v| ((*name).to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        })
        .collect()
}

/// The log.
#[derive(Debug)]
pub(crate) struct RequestLog {
    capacity: usize,
    entries: Mutex<VecDeque<RequestRecord>>,
}

impl RequestLog {
    pub(crate) fn new(capacity: usize) -> Self {
        RequestLog { capacity, entries: Mutex::new(VecDeque::new()) }
    }

    pub(crate) fn push(&self, r: RequestRecord) {
        if self.capacity == 0 {
            return;
        }
        let mut e = lock(&self.entries);
        while e.len() >= self.capacity {
            e.pop_front();
        }
        e.push_back(r);
    }

    pub(crate) fn all(&self) -> Vec<RequestRecord> {
        lock(&self.entries).iter().cloned().collect()
    }

    pub(crate) fn clear(&self) {
        lock(&self.entries).clear();
    }
}
