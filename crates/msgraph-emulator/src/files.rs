//! OneDrive files: one drive per user with folders and files whose content is kept in memory as
//! the chunks it arrived in (`Bytes`, shared, never copied per request), path addressing
//! (`root:/docs/report.pdf:`, `items/{id}:/sub/path:`), `PUT …/content`, upload sessions and
//! downloads through a `302` to a pre-authenticated URL.
//!
//! Upload sessions and download URLs live outside `/v1.0` (`/_emulator/upload/{id}`,
//! `/_emulator/download/{token}`), on the emulator's content origin (a second port, as Graph's
//! point to SharePoint), and are authorized by their `tempauth` query parameter alone, like
//! Graph's: an `Authorization` header is ignored (the request log shows whether one came).
//! Sessions enforce Graph's rules: chunks in order, each a multiple of 320 KiB except the last,
//! smaller than 60 MiB, `Content-Range` consistent with `Content-Length` and with the declared
//! total, an expiry (emulator clock), `DELETE` to cancel, and `@microsoft.graph.conflictBehavior`
//! (`fail`, `replace`, `rename`) applied when the session is created and again when it commits.
//!
//! This module does not know the shared state: the handler and the server pass what it needs.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use hyper::header::{HeaderValue, CONTENT_LENGTH, CONTENT_TYPE, LOCATION};
use hyper::{HeaderMap, Method, StatusCode};
use percent_encoding::percent_decode_str;
use serde_json::{json, Value};

use crate::clock::rfc3339;
use crate::errors::{GraphError, Response};
use crate::sync::lock;

/// Chunks must be multiples of this (320 KiB), except the last.
pub(crate) const CHUNK_UNIT: u64 = 327_680;
/// Chunks must be smaller than this (60 MiB).
pub(crate) const MAX_CHUNK: u64 = 60 * 1024 * 1024;
/// How long an upload session lives (emulator clock).
const SESSION_LIFETIME_MS: i64 = 15 * 60 * 1000;
/// Download URLs kept at once (the oldest are forgotten first).
const MAX_DOWNLOAD_URLS: usize = 1024;
/// Upload sessions kept at once.
const MAX_SESSIONS: usize = 1024;
/// Items per drive.
const MAX_ITEMS: usize = 100_000;
/// The deepest path accepted.
const MAX_DEPTH: usize = 64;

/// File content: the chunks as received.
#[derive(Debug, Default)]
pub(crate) struct Content {
    chunks: Vec<Bytes>,
    len: u64,
}

impl Content {
    fn from_chunks(chunks: Vec<Bytes>) -> Content {
        let len = chunks.iter().map(|c| c.len() as u64).sum();
        Content { chunks, len }
    }

    /// The length in bytes.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// Bytes `start..end` as slices of the stored chunks (no copy).
    pub(crate) fn slices(&self, start: u64, end: u64) -> Vec<Bytes> {
        let mut out = Vec::new();
        let mut offset = 0u64;
        for c in &self.chunks {
            let (c_start, c_end) = (offset, offset + c.len() as u64);
            offset = c_end;
            if c_end <= start || c_start >= end {
                continue;
            }
            let from = (start.max(c_start) - c_start) as usize;
            let to = (end.min(c_end) - c_start) as usize;
            out.push(c.slice(from..to));
        }
        out
    }
}

#[derive(Debug)]
struct Item {
    name: String,
    parent: Option<String>,
    folder: bool,
    content: Arc<Content>,
    created: i64,
    modified: i64,
    version: u64,
}

impl Item {
    /// New content for a file (a new version).
    fn set_content(&mut self, content: Arc<Content>, now: i64) {
        self.content = content;
        self.modified = now;
        self.version += 1;
    }
}

#[derive(Debug)]
struct Drive {
    root: String,
    items: HashMap<String, Item>,
    next_id: u64,
}

impl Drive {
    fn new(now: i64) -> Drive {
        let root = "root".to_string();
        let mut items = HashMap::new();
        items.insert(
            root.clone(),
            Item {
                name: "root".into(),
                parent: None,
                folder: true,
                content: Arc::default(),
                created: now,
                modified: now,
                version: 1,
            },
        );
        Drive { root, items, next_id: 1 }
    }

    fn child(&self, parent: &str, name: &str) -> Option<&str> {
        self.items
            .iter()
            .find(|(_, i)| i.parent.as_deref() == Some(parent) && i.name.eq_ignore_ascii_case(name))
            .map(|(id, _)| id.as_str())
    }

    fn resolve(&self, base: &str, path: &[String]) -> Option<String> {
        let mut at = base.to_string();
        for name in path {
            at = self.child(&at, name)?.to_string();
        }
        Some(at)
    }

    fn new_id(&mut self) -> String {
        self.next_id += 1;
        format!("01EMU{:010}", self.next_id)
    }

    fn insert(
        &mut self,
        parent: &str,
        name: &str,
        folder: bool,
        content: Arc<Content>,
        now: i64,
    ) -> Result<String, GraphError> {
        if self.items.len() >= MAX_ITEMS {
            return Err(GraphError::new(StatusCode::INSUFFICIENT_STORAGE, "quotaLimitReached", "The drive is full."));
        }
        let id = self.new_id();
        self.items.insert(
            id.clone(),
            Item {
                name: name.to_string(),
                parent: Some(parent.to_string()),
                folder,
                content,
                created: now,
                modified: now,
                version: 1,
            },
        );
        Ok(id)
    }

    /// The folder at `path` under `base`, created with its missing parents.
    fn ensure_folders(&mut self, base: &str, path: &[String], now: i64) -> Result<String, GraphError> {
        let mut at = base.to_string();
        for name in path {
            at = match self.child(&at, name) {
                Some(id) if self.items.get(id).is_some_and(|i| i.folder) => id.to_string(),
                Some(_) => {
                    return Err(GraphError::new(
                        StatusCode::CONFLICT,
                        "nameAlreadyExists",
                        format!("'{name}' is a file, not a folder."),
                    ))
                }
                None => self.insert(&at, name, true, Arc::default(), now)?,
            };
        }
        Ok(at)
    }

    /// A free name like `name 1.ext` for `rename`.
    fn free_name(&self, parent: &str, name: &str) -> String {
        let (stem, ext) = match name.rfind('.') {
            Some(i) if i > 0 => (&name[..i], &name[i..]),
            _ => (name, ""),
        };
        (1..=10_000)
            .map(|n| format!("{stem} {n}{ext}"))
            .find(|candidate| self.child(parent, candidate).is_none())
            .unwrap_or_else(|| format!("{stem} {}{ext}", self.next_id))
    }

    /// Stores a file named `name` in `parent` by `conflict`: `(id, created)`.
    fn put_file(
        &mut self,
        parent: &str,
        name: &str,
        content: Arc<Content>,
        conflict: Conflict,
        now: i64,
    ) -> Result<(String, bool), GraphError> {
        match (self.child(parent, name).map(str::to_string), conflict) {
            (Some(_), Conflict::Fail) => Err(name_taken(name)),
            (Some(id), Conflict::Replace) => {
                let item = self.items.get_mut(&id).ok_or_else(|| not_found(name))?;
                if item.folder {
                    return Err(GraphError::new(
                        StatusCode::CONFLICT,
                        "nameAlreadyExists",
                        format!("'{name}' is a folder."),
                    ));
                }
                item.set_content(content, now);
                Ok((id, false))
            }
            (Some(_), Conflict::Rename) => {
                let free = self.free_name(parent, name);
                Ok((self.insert(parent, &free, false, content, now)?, true))
            }
            (None, _) => Ok((self.insert(parent, name, false, content, now)?, true)),
        }
    }

    fn remove(&mut self, id: &str) {
        let children: Vec<String> =
            self.items.iter().filter(|(_, i)| i.parent.as_deref() == Some(id)).map(|(k, _)| k.clone()).collect();
        for c in children {
            self.remove(&c);
        }
        self.items.remove(id);
    }

    fn json(&self, drive_id: &str, id: &str) -> Value {
        let Some(item) = self.items.get(id) else { return Value::Null };
        let mut v = json!({
            "id": id,
            "name": item.name,
            "size": item.content.len(),
            "eTag": format!("\"{{{id}}},{}\"", item.version),
            "cTag": format!("\"c:{{{id}}},{}\"", item.version),
            "createdDateTime": rfc3339(item.created),
            "lastModifiedDateTime": rfc3339(item.modified),
            "parentReference": {"driveId": drive_id, "driveType": "business"},
        });
        if let Some(p) = &item.parent {
            v["parentReference"]["id"] = json!(p);
        }
        if item.folder {
            let count = self.items.values().filter(|i| i.parent.as_deref() == Some(id)).count();
            v["folder"] = json!({ "childCount": count });
            if item.parent.is_none() {
                v["root"] = json!({});
            }
        } else {
            v["file"] = json!({ "mimeType": "application/octet-stream" });
        }
        v
    }
}

/// `@microsoft.graph.conflictBehavior`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Conflict {
    Fail,
    Replace,
    Rename,
}

impl Conflict {
    fn parse(value: Option<&str>) -> Result<Conflict, GraphError> {
        match value.map(str::to_ascii_lowercase).as_deref() {
            None | Some("replace") => Ok(Conflict::Replace),
            Some("fail") => Ok(Conflict::Fail),
            Some("rename") => Ok(Conflict::Rename),
            Some(other) => Err(GraphError::bad_request(format!(
                "Invalid value '{other}' for @microsoft.graph.conflictBehavior: fail, replace or rename."
            ))),
        }
    }
}

#[derive(Debug)]
struct Session {
    token: String,
    drive: String,
    /// The folder the file goes to (created when the session was).
    parent: String,
    name: String,
    conflict: Conflict,
    expires: i64,
    total: Option<u64>,
    received: u64,
    chunks: Vec<Bytes>,
}

impl Session {
    fn status(&self) -> Value {
        json!({
            "expirationDateTime": rfc3339(self.expires),
            "nextExpectedRanges": [format!("{}-", self.received)],
        })
    }
}

#[derive(Debug, Default)]
struct State {
    drives: HashMap<String, Drive>,
    sessions: HashMap<String, Session>,
    session_order: VecDeque<String>,
    downloads: HashMap<String, Arc<Content>>,
    download_order: VecDeque<String>,
    /// Profile photos by user id: content type and bytes.
    photos: HashMap<String, (String, Bytes)>,
    counter: u64,
}

impl State {
    fn token(&mut self, salt: u64) -> String {
        self.counter += 1;
        // Unguessable enough for a loopback test server; unique by the counter.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ salt;
        for b in self.counter.to_le_bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        format!("{:016x}{:08x}", h, self.counter)
    }
}

/// The files of every drive, the upload sessions and the download URLs.
#[derive(Debug, Default)]
pub(crate) struct Files {
    state: Mutex<State>,
    salt: u64,
}

/// One Graph request under `/v1.0` as this module needs it.
pub(crate) struct GraphCall<'a> {
    pub(crate) method: &'a Method,
    /// The raw path after `/v1.0` (percent-encoded).
    pub(crate) path: &'a str,
    pub(crate) query: &'a str,
    /// The request's `Content-Type`.
    pub(crate) content_type: Option<&'a str>,
    pub(crate) body: &'a Bytes,
    /// The user id of `/me`.
    pub(crate) me: Option<&'a str>,
    /// The user id for `/users/{id or userPrincipalName}`.
    pub(crate) find_user: &'a dyn Fn(&str) -> Option<String>,
    /// `http://127.0.0.1:PORT`.
    pub(crate) origin: &'a str,
    /// The origin of pre-authenticated URLs (another port).
    pub(crate) content_origin: &'a str,
    pub(crate) now_ms: i64,
}

/// What a path under a drive addresses.
#[derive(Debug, PartialEq, Eq)]
struct Address {
    drive: String,
    /// `None`: the root.
    item: Option<String>,
    /// Names below it (path addressing).
    path: Vec<String>,
    /// `content`, `children`, `createUploadSession`, or none (the item).
    rest: Option<String>,
}

fn decode(segment: &str) -> Result<String, GraphError> {
    percent_decode_str(segment)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| GraphError::bad_request("A path segment is not valid UTF-8."))
}

/// Graph's 409 for a name in use under `@microsoft.graph.conflictBehavior: fail`.
fn name_taken(name: &str) -> GraphError {
    GraphError::new(
        StatusCode::CONFLICT,
        "nameAlreadyExists",
        format!("An item named '{name}' already exists and the conflict behavior is 'fail'."),
    )
}

/// Inserts `key → value` and forgets the oldest keys beyond `max` (`order` is the insertion
/// order of `map`'s keys).
fn insert_bounded<V>(map: &mut HashMap<String, V>, order: &mut VecDeque<String>, key: String, value: V, max: usize) {
    map.insert(key.clone(), value);
    order.push_back(key);
    while order.len() > max {
        if let Some(old) = order.pop_front() {
            map.remove(&old);
        }
    }
}

fn not_found(what: &str) -> GraphError {
    GraphError::new(
        StatusCode::NOT_FOUND,
        "itemNotFound",
        format!("The resource '{}' could not be found.", crate::errors::truncate(what, 200)),
    )
}

/// Parses `/me/drive/…`, `/users/{id}/drive/…`, `/drives/{id}/…`. `Ok(None)`: not a drive
/// item path (the generic handler answers).
fn parse(call: &GraphCall<'_>) -> Result<Option<Address>, GraphError> {
    let segs: Vec<&str> = call.path.trim_start_matches('/').split('/').collect();
    let (drive, rest): (Option<String>, &[&str]) = match segs.as_slice() {
        [me, drive, rest @ ..] if me.eq_ignore_ascii_case("me") && drive.eq_ignore_ascii_case("drive") => {
            (call.me.map(String::from), rest)
        }
        [users, user, drive, rest @ ..]
            if users.eq_ignore_ascii_case("users") && drive.eq_ignore_ascii_case("drive") =>
        {
            ((call.find_user)(&decode(user)?), rest)
        }
        [drives, id, rest @ ..] if drives.eq_ignore_ascii_case("drives") => {
            let id = decode(id)?;
            ((call.find_user)(&id).map(|_| id), rest)
        }
        _ => return Ok(None),
    };
    let Some(first) = rest.first() else { return Ok(None) };
    let (item, opened, mut i) = if first.eq_ignore_ascii_case("root") {
        (None, false, 1)
    } else if first.eq_ignore_ascii_case("root:") {
        (None, true, 1)
    } else if first.eq_ignore_ascii_case("items") && rest.len() >= 2 {
        let raw = rest[1];
        match raw.strip_suffix(':') {
            Some(id) => (Some(decode(id)?), true, 2),
            None => (Some(decode(raw)?), false, 2),
        }
    } else {
        return Ok(None);
    };
    let Some(drive) = drive else { return Err(not_found("drive")) };
    let mut path = Vec::new();
    if opened {
        // Names until one ends with ':' (or the end of the URL).
        while let Some(seg) = rest.get(i) {
            i += 1;
            let (name, last) = match seg.strip_suffix(':') {
                Some(n) => (n, true),
                None => (*seg, false),
            };
            if name.is_empty() && last && path.is_empty() && i == rest.len() {
                break; // `root:/:`? treat as the base itself
            }
            let name = decode(name)?;
            if name.is_empty() || name == "." || name == ".." {
                return Err(GraphError::bad_request("The path has an empty, '.' or '..' segment."));
            }
            path.push(name);
            if path.len() > MAX_DEPTH {
                return Err(GraphError::bad_request("The path is too deep."));
            }
            if last {
                break;
            }
        }
    }
    let tail = &rest[i.min(rest.len())..];
    let rest = match tail {
        [] => None,
        [one] if !one.is_empty() => Some((*one).to_string()),
        [""] => None,
        _ => return Ok(None),
    };
    Ok(Some(Address { drive, item, path, rest }))
}

/// The first value of a query parameter, decoded.
pub(crate) fn query_param(query: &str, name: &str) -> Option<String> {
    form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

impl Files {
    /// With a salt for the URLs' tokens.
    pub(crate) fn new(salt: u64) -> Files {
        Files { state: Mutex::default(), salt }
    }

    /// Forgets every file, session and download URL.
    pub(crate) fn clear(&self) {
        let mut state = lock(&self.state);
        // Ids and tokens keep counting: a URL issued before the reset must not address a
        // session or download made after it.
        let counter = state.counter;
        *state = State { counter, ..State::default() };
    }

    /// Answers a drive item request; `None` when the path is not one (the generic handler
    /// answers it).
    pub(crate) fn graph(&self, call: &GraphCall<'_>) -> Option<Result<Response, GraphError>> {
        if let Some(answer) = self.photo(call) {
            return Some(answer);
        }
        let address = match parse(call) {
            Ok(Some(a)) => a,
            Ok(None) => return None,
            Err(e) => return Some(Err(e)),
        };
        Some(self.answer(call, address))
    }

    /// `…/photo/$value` of a user (`/me` or `/users/{id}`): `PUT` stores the bytes, `GET`
    /// answers them with their content type (404 `ImageNotFound` before).
    fn photo(&self, call: &GraphCall<'_>) -> Option<Result<Response, GraphError>> {
        let segs: Vec<&str> = call.path.trim_start_matches('/').split('/').collect();
        let user = match segs.as_slice() {
            [me, photo, value]
                if me.eq_ignore_ascii_case("me") && photo.eq_ignore_ascii_case("photo") && *value == "$value" =>
            {
                call.me.map(String::from)
            }
            [users, user, photo, value]
                if users.eq_ignore_ascii_case("users") && photo.eq_ignore_ascii_case("photo") && *value == "$value" =>
            {
                match decode(user) {
                    Ok(u) => (call.find_user)(&u),
                    Err(e) => return Some(Err(e)),
                }
            }
            _ => return None,
        };
        let Some(user) = user else { return Some(Err(not_found("user"))) };
        let mut state = lock(&self.state);
        Some(match *call.method {
            Method::GET => match state.photos.get(&user) {
                Some((ct, bytes)) => {
                    let mut r = Response {
                        status: StatusCode::OK,
                        headers: HeaderMap::new(),
                        body: crate::errors::Body::Raw(bytes.clone()),
                    };
                    if let Ok(v) = HeaderValue::from_str(ct) {
                        r.headers.insert(CONTENT_TYPE, v);
                    }
                    Ok(r)
                }
                None => Err(GraphError::new(
                    StatusCode::NOT_FOUND,
                    "ImageNotFound",
                    "Exception of type 'Microsoft.Fast.Profile.Core.Exception.ImageNotFoundException' was thrown.",
                )),
            },
            Method::PUT => {
                let ct = call.content_type.unwrap_or("");
                if !ct.to_ascii_lowercase().starts_with("image/") {
                    return Some(Err(GraphError::bad_request("A profile photo needs an image/* Content-Type.")));
                }
                if call.body.is_empty() {
                    return Some(Err(GraphError::bad_request("The photo is empty.")));
                }
                state.photos.insert(user, (ct.to_string(), call.body.clone()));
                Ok(Response::empty(StatusCode::OK))
            }
            ref m => Err(GraphError::method_not_allowed(m.as_str(), "a photo's $value")),
        })
    }

    fn answer(&self, call: &GraphCall<'_>, a: Address) -> Result<Response, GraphError> {
        let mut guard = lock(&self.state);
        let state = &mut *guard;
        let now = call.now_ms;
        let drive = state.drives.entry(a.drive.clone()).or_insert_with(|| Drive::new(now));
        let base = match &a.item {
            None => drive.root.clone(),
            Some(id) if drive.items.contains_key(id) => id.clone(),
            Some(id) => return Err(not_found(id)),
        };
        let found = drive.resolve(&base, &a.path);
        let rest = a.rest.as_deref().map(str::to_ascii_lowercase);
        match (call.method, rest.as_deref()) {
            (&Method::GET, None) => {
                let id = found.ok_or_else(|| not_found(call.path))?;
                Ok(Response::json(StatusCode::OK, &drive.json(&a.drive, &id)))
            }
            (&Method::DELETE, None) => {
                let id = found.ok_or_else(|| not_found(call.path))?;
                if id == drive.root {
                    return Err(GraphError::new(StatusCode::FORBIDDEN, "accessDenied", "The root cannot be deleted."));
                }
                drive.remove(&id);
                Ok(Response::empty(StatusCode::NO_CONTENT))
            }
            (&Method::GET, Some("children")) => {
                let id = found.ok_or_else(|| not_found(call.path))?;
                let mut ids: Vec<&String> = drive
                    .items
                    .iter()
                    .filter(|(_, i)| i.parent.as_deref() == Some(id.as_str()))
                    .map(|(k, _)| k)
                    .collect();
                ids.sort_by_key(|k| drive.items.get(*k).map(|i| i.name.to_ascii_lowercase()));
                let value: Vec<Value> = ids.iter().map(|k| drive.json(&a.drive, k)).collect();
                Ok(Response::json(StatusCode::OK, &json!({ "value": value })))
            }
            (&Method::GET, Some("content")) => {
                let id = found.ok_or_else(|| not_found(call.path))?;
                let item = drive.items.get(&id).ok_or_else(|| not_found(&id))?;
                if item.folder {
                    return Err(GraphError::bad_request("A folder has no content."));
                }
                let content = item.content.clone();
                let token = state.token(self.salt);
                let st = &mut *state;
                insert_bounded(&mut st.downloads, &mut st.download_order, token.clone(), content, MAX_DOWNLOAD_URLS);
                let url = format!("{}/_emulator/download/{token}?tempauth={token}", call.content_origin);
                let mut r = Response::empty(StatusCode::FOUND);
                if let Ok(v) = HeaderValue::from_str(&url) {
                    r.headers.insert(LOCATION, v);
                }
                Ok(r)
            }
            (&Method::PUT, Some("content")) => {
                let conflict =
                    Conflict::parse(query_param(call.query, "@microsoft.graph.conflictBehavior").as_deref())?;
                let content = Arc::new(Content::from_chunks(vec![call.body.clone()]));
                let (id, created) = match (&found, a.path.split_last()) {
                    (Some(id), _) if conflict == Conflict::Replace || a.path.is_empty() => {
                        let item = drive.items.get_mut(id).ok_or_else(|| not_found(id))?;
                        if item.folder {
                            return Err(GraphError::bad_request("A folder has no content."));
                        }
                        item.set_content(content, now);
                        (id.clone(), false)
                    }
                    (_, Some((name, parents))) => {
                        let parent = drive.ensure_folders(&base, parents, now)?;
                        drive.put_file(&parent, name, content, conflict, now)?
                    }
                    (_, None) => return Err(not_found(call.path)),
                };
                let status = if created { StatusCode::CREATED } else { StatusCode::OK };
                Ok(Response::json(status, &drive.json(&a.drive, &id)))
            }
            (&Method::POST, Some("createuploadsession")) => {
                let body: Value = if call.body.is_empty() {
                    json!({})
                } else {
                    serde_json::from_slice(call.body)
                        .map_err(|e| GraphError::bad_request(format!("Unable to read JSON request payload. ({e})")))?
                };
                let props = body.get("item");
                let conflict = Conflict::parse(
                    props.and_then(|p| p.get("@microsoft.graph.conflictBehavior")).and_then(Value::as_str),
                )?;
                let (parent, name) = match (a.path.split_last(), &found) {
                    (Some((name, parents)), _) => (drive.ensure_folders(&base, parents, now)?, name.clone()),
                    (None, Some(id)) => {
                        let item = drive.items.get(id).ok_or_else(|| not_found(id))?;
                        match (&item.parent, item.folder) {
                            (Some(p), false) => (p.clone(), item.name.clone()),
                            _ => {
                                return Err(GraphError::bad_request(
                                    "createUploadSession needs a file path or a file item.",
                                ))
                            }
                        }
                    }
                    (None, None) => return Err(not_found(call.path)),
                };
                if conflict == Conflict::Fail && drive.child(&parent, &name).is_some() {
                    return Err(name_taken(&name));
                }
                let id = state.token(self.salt);
                let token = state.token(self.salt ^ 0x5a5a);
                let session = Session {
                    token: token.clone(),
                    drive: a.drive.clone(),
                    parent,
                    name,
                    conflict,
                    expires: now + SESSION_LIFETIME_MS,
                    total: None,
                    received: 0,
                    chunks: Vec::new(),
                };
                let mut status = session.status();
                status["uploadUrl"] = json!(format!("{}/_emulator/upload/{id}?tempauth={token}", call.content_origin));
                status["@odata.context"] =
                    json!(format!("{}/v1.0/$metadata#microsoft.graph.uploadSession", call.origin));
                let st = &mut *state;
                insert_bounded(&mut st.sessions, &mut st.session_order, id, session, MAX_SESSIONS);
                Ok(Response::json(StatusCode::OK, &status))
            }
            (m, Some("content" | "children" | "createuploadsession")) => {
                Err(GraphError::method_not_allowed(m.as_str(), "this resource"))
            }
            (_, Some(_)) => Err(GraphError::not_implemented(
                "The emulator answers drive items, their children, content and upload sessions only.",
            )),
            (m, None) => Err(GraphError::method_not_allowed(m.as_str(), "a drive item")),
        }
    }

    /// `GET`, `PUT` or `DELETE` on an upload URL (`/_emulator/upload/{id}?tempauth=…`); an
    /// error answers as [`plain_error`].
    pub(crate) fn upload(
        &self,
        method: &Method,
        id: &str,
        query: &str,
        headers: &HeaderMap,
        body: Bytes,
        now: i64,
    ) -> Result<Response, GraphError> {
        let mut guard = lock(&self.state);
        let state = &mut *guard;
        let session_gone = || not_found("uploadSession");
        let token = query_param(query, "tempauth");
        let session = state.sessions.get(id).ok_or_else(session_gone)?;
        if token.as_deref() != Some(session.token.as_str()) {
            return Err(GraphError::new(StatusCode::UNAUTHORIZED, "unauthenticated", "The tempauth token is invalid."));
        }
        if session.expires <= now {
            state.sessions.remove(id);
            return Err(session_gone());
        }
        match *method {
            Method::GET => Ok(Response::json(StatusCode::OK, &session.status())),
            Method::DELETE => {
                state.sessions.remove(id);
                Ok(Response::empty(StatusCode::NO_CONTENT))
            }
            Method::PUT => {
                let (start, end, total) = content_range(headers)?;
                let len = body.len() as u64;
                if let Some(declared) = headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()) {
                    if declared.trim().parse::<u64>().ok() != Some(len) {
                        return Err(GraphError::bad_request("Content-Length does not match the body."));
                    }
                }
                if end + 1 - start != len {
                    return Err(GraphError::bad_request(format!(
                        "The Content-Range covers {} bytes but the body has {len}.",
                        end + 1 - start
                    )));
                }
                let session = state.sessions.get_mut(id).ok_or_else(session_gone)?;
                if session.total.is_some_and(|t| t != total) {
                    return Err(GraphError::bad_request("The total size in Content-Range changed during the session."));
                }
                if start != session.received {
                    return Err(GraphError::new(
                        StatusCode::RANGE_NOT_SATISFIABLE,
                        "invalidRange",
                        format!("The session expects byte {}, the fragment starts at {start}.", session.received),
                    ));
                }
                let last = end + 1 == total;
                if len >= MAX_CHUNK || (!last && len % CHUNK_UNIT != 0) {
                    return Err(GraphError::new(
                        StatusCode::BAD_REQUEST,
                        "invalidRange",
                        format!(
                            "Fragments must be multiples of 327680 bytes (320 KiB), except the last, and smaller than 60 MiB: got {len}."
                        ),
                    ));
                }
                session.total = Some(total);
                session.received = end + 1;
                session.chunks.push(body);
                if !last {
                    return Ok(Response::json(StatusCode::ACCEPTED, &session.status()));
                }
                let Some(session) = state.sessions.remove(id) else { return Err(session_gone()) };
                let content = Arc::new(Content::from_chunks(session.chunks));
                let drive = state.drives.entry(session.drive.clone()).or_insert_with(|| Drive::new(now));
                if !drive.items.contains_key(&session.parent) {
                    return Err(not_found("parent folder"));
                }
                let (item, created) = drive.put_file(&session.parent, &session.name, content, session.conflict, now)?;
                let status = if created { StatusCode::CREATED } else { StatusCode::OK };
                Ok(Response::json(status, &drive.json(&session.drive, &item)))
            }
            ref m => Err(GraphError::method_not_allowed(m.as_str(), "an upload session")),
        }
    }

    /// The content behind a download URL, when the token is known.
    pub(crate) fn download(&self, token: &str, query: &str) -> Option<Arc<Content>> {
        if query_param(query, "tempauth").as_deref() != Some(token) {
            return None;
        }
        lock(&self.state).downloads.get(token).cloned()
    }
}

/// `bytes a-b/total`.
fn content_range(headers: &HeaderMap) -> Result<(u64, u64, u64), GraphError> {
    let bad = || {
        GraphError::new(
            StatusCode::BAD_REQUEST,
            "invalidRange",
            "Every fragment needs a Content-Range header: bytes {start}-{end}/{total}.",
        )
    };
    let v = headers.get("content-range").and_then(|v| v.to_str().ok()).ok_or_else(bad)?;
    parse_content_range(v).ok_or_else(bad)
}

/// `bytes {start}-{end}/{total}` with `start <= end < total` (upload sessions of drives and of
/// mail attachments).
pub(crate) fn parse_content_range(v: &str) -> Option<(u64, u64, u64)> {
    let rest = v.trim().strip_prefix("bytes ")?;
    let (range, total) = rest.split_once('/')?;
    let (start, end) = range.split_once('-')?;
    let (start, end, total) = (start.trim().parse().ok()?, end.trim().parse().ok()?, total.trim().parse().ok()?);
    (start <= end && end < total).then_some((start, end, total))
}

/// A `Range: bytes=a-b` / `bytes=a-` / `bytes=-n` header against `len`: `Ok(None)` without one,
/// `Err(())` when it cannot be satisfied.
pub(crate) fn range(headers: &HeaderMap, len: u64) -> Result<Option<(u64, u64)>, ()> {
    let Some(v) = headers.get("range").and_then(|v| v.to_str().ok()) else { return Ok(None) };
    let spec = v.trim().strip_prefix("bytes=").ok_or(())?;
    if spec.contains(',') {
        return Ok(None); // multiple ranges: answer the whole content, as servers may
    }
    let (a, b) = spec.split_once('-').ok_or(())?;
    let (start, end) = match (a.trim(), b.trim()) {
        ("", n) => {
            let n = n.parse::<u64>().map_err(|_| ())?.min(len);
            (len - n, len)
        }
        (a, "") => (a.parse::<u64>().map_err(|_| ())?, len),
        (a, b) => (a.parse::<u64>().map_err(|_| ())?, b.parse::<u64>().map_err(|_| ())?.saturating_add(1).min(len)),
    };
    if start >= len || end <= start {
        return Err(());
    }
    Ok(Some((start, end)))
}

/// Errors outside `/v1.0` carry Graph's JSON error shape without request ids.
pub(crate) fn plain_error(e: GraphError) -> Response {
    let mut r = Response::json(e.status, &json!({"error": {"code": e.code, "message": e.message}}));
    r.headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call<'a>(
        method: &'a Method,
        path: &'a str,
        body: &'a Bytes,
        find: &'a dyn Fn(&str) -> Option<String>,
    ) -> GraphCall<'a> {
        GraphCall {
            method,
            path,
            query: "",
            content_type: None,
            body,
            me: Some("u1"),
            find_user: find,
            origin: "http://h",
            content_origin: "http://c",
            now_ms: 0,
        }
    }

    #[test]
    fn paths_parse() {
        let b = Bytes::new();
        let find = |s: &str| (s == "u1").then(|| s.to_string());
        let p = |path: &str| parse(&call(&Method::GET, path, &b, &find));
        let a = p("/me/drive/root:/docs/my%20file%3A1.txt:/content").unwrap().unwrap();
        assert_eq!(
            (a.item, a.path, a.rest.as_deref()),
            (None, vec!["docs".into(), "my file:1.txt".into()], Some("content"))
        );
        let a = p("/drives/u1/items/01X:/a:").unwrap().unwrap();
        assert_eq!((a.item.as_deref(), a.path, a.rest), (Some("01X"), vec!["a".to_string()], None));
        let a = p("/users/u1/drive/root:/a/b").unwrap().unwrap();
        assert_eq!(a.path, ["a", "b"]);
        let a = p("/me/drive/items/01X/children").unwrap().unwrap();
        assert_eq!((a.item.as_deref(), a.rest.as_deref()), (Some("01X"), Some("children")));
        assert!(p("/me/drive/root:/a/..:").is_err());
        assert!(p("/me/messages").unwrap().is_none());
        assert!(p("/me/drive").unwrap().is_none());
    }

    #[test]
    fn ranges_and_slices() {
        let mut h = HeaderMap::new();
        assert_eq!(range(&h, 10), Ok(None));
        h.insert("range", HeaderValue::from_static("bytes=2-4"));
        assert_eq!(range(&h, 10), Ok(Some((2, 5))));
        h.insert("range", HeaderValue::from_static("bytes=8-"));
        assert_eq!(range(&h, 10), Ok(Some((8, 10))));
        h.insert("range", HeaderValue::from_static("bytes=-3"));
        assert_eq!(range(&h, 10), Ok(Some((7, 10))));
        h.insert("range", HeaderValue::from_static("bytes=10-"));
        assert_eq!(range(&h, 10), Err(()));
        let c = Content::from_chunks(vec![Bytes::from_static(b"abc"), Bytes::from_static(b"defg")]);
        let s: Vec<u8> = c.slices(2, 6).concat();
        assert_eq!(s, b"cdef");
    }
}
