//! The state of open attachment upload sessions (the logic is in [`crate::mail::upload`]).

use std::collections::HashMap;
use std::sync::Mutex;

use serde_json::{Map, Value};

use crate::store::Loc;

/// One open upload session.
#[derive(Debug)]
pub(crate) struct Session {
    /// The `authtoken` of its upload URL.
    pub(crate) token: String,
    /// The item (message or event) the attachment goes to.
    pub(crate) owner: Loc,
    /// The attachment's properties (`name`, `contentType`, `isInline`, `contentId`).
    pub(crate) props: Map<String, Value>,
    /// The attachment's size, as announced.
    pub(crate) size: u64,
    /// The bytes received so far (in order).
    pub(crate) data: Vec<u8>,
    /// Expiry, emulator time.
    pub(crate) expires_ms: i64,
}

/// The open sessions, by id.
#[derive(Debug, Default)]
pub(crate) struct Sessions {
    pub(crate) map: Mutex<HashMap<String, Session>>,
}
