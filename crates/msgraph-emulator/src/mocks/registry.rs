//! The registered mocks of a running emulator ([`MockState`], part of the shared state), the
//! [`Mocks`] handle tests change them through and the [`MockHandle`] of one mock, which counts
//! and records what it answered.

use std::collections::VecDeque;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use hyper::{HeaderMap, StatusCode};
use serde_json::Value;

use super::file::{self, MockFileError};
use super::mock::{json_subset, Limit, Mock, MockError, MockRequest, MockResponse, Responder, MAX_MOCKS};
use super::template::{parse_url, query_matches, PathTemplate, QueryRule};
use crate::errors::{GraphError, RequestMeta, Response};
use crate::sync::lock;

/// Most requests one mock keeps (its call count stays exact; the oldest records go first).
pub const MAX_RECORDED_PER_MOCK: usize = 1_000;

/// A registered mock, compiled.
struct Entry {
    id: u64,
    label: String,
    method: Option<String>,
    path: PathTemplate,
    query: Vec<QueryRule>,
    headers: Vec<(String, String)>,
    body_json: Option<Value>,
    body_contains: Option<String>,
    limit: Limit,
    responder: Responder,
    state: Mutex<EntryState>,
}

#[derive(Default)]
struct EntryState {
    /// Requests that met the conditions (answered or not: `nth` counts them).
    seen: u64,
    /// Requests it answered.
    calls: u64,
    recorded: VecDeque<MockRequest>,
    removed: bool,
}

impl Entry {
    fn compile(mock: Mock, id: u64) -> Result<Entry, MockError> {
        let label = mock.origin.clone().map_or_else(|| mock.label(), |o| format!("{} ({o})", mock.label()));
        let fail = |message: String| MockError { mock: label.clone(), message };
        let (path, mut query) = parse_url(&mock.url).map_err(fail)?;
        query.extend(mock.query);
        match mock.limit {
            Limit::Times(0) => return Err(fail("times(0) would never answer: use times(n) with n ≥ 1".into())),
            Limit::Nth(0) => return Err(fail("nth is 1-based: nth(0) would never answer".into())),
            _ => {}
        }
        if let Responder::Fixed(r) = &mock.responder {
            r.check().map_err(fail)?;
        }
        if let Some(m) = &mock.method {
            if m.is_empty() || !m.bytes().all(|b| b.is_ascii_alphabetic()) {
                return Err(fail(format!("'{m}' is not an HTTP method")));
            }
        }
        Ok(Entry {
            id,
            label: label.clone(),
            method: mock.method,
            path,
            query,
            headers: mock.headers,
            body_json: mock.body_json,
            body_contains: mock.body_contains,
            limit: mock.limit,
            responder: mock.responder,
            state: Mutex::new(EntryState::default()),
        })
    }
}

/// One request as the dispatcher hands it to the mocks.
pub(crate) struct Incoming<'a> {
    pub(crate) method: &'a str,
    /// Raw path after `/v1.0`.
    pub(crate) path: &'a str,
    pub(crate) query: &'a str,
    pub(crate) headers: &'a HeaderMap,
    pub(crate) body: &'a Bytes,
    pub(crate) batch_item: Option<&'a str>,
    pub(crate) client_id: &'a str,
    pub(crate) user_id: Option<&'a str>,
}

/// The registered mocks, in registration order (the first that answers wins).
#[derive(Default)]
pub(crate) struct MockState {
    entries: Mutex<Vec<Arc<Entry>>>,
    next_id: AtomicU64,
}

impl fmt::Debug for MockState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockState").field("mocks", &lock(&self.entries).len()).finish()
    }
}

impl MockState {
    fn add_all(self: &Arc<Self>, mocks: Vec<Mock>) -> Result<Vec<MockHandle>, MockError> {
        // All or nothing: compile every mock before registering any.
        let mut compiled = Vec::with_capacity(mocks.len());
        for m in mocks {
            let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
            compiled.push(Arc::new(Entry::compile(m, id)?));
        }
        let mut entries = lock(&self.entries);
        if entries.len() + compiled.len() > MAX_MOCKS {
            return Err(MockError {
                mock: compiled.first().map(|e| e.label.clone()).unwrap_or_default(),
                message: format!("at most {MAX_MOCKS} mocks can be registered at once"),
            });
        }
        let handles = compiled.iter().map(|e| MockHandle { entry: e.clone(), state: self.clone() }).collect();
        entries.extend(compiled);
        Ok(handles)
    }

    /// The answer of the first mock that takes the request, or `None` (the built-in handler
    /// answers). Runs after authentication, the guard, the rate limit and faults.
    pub(crate) fn answer(&self, req: &Incoming<'_>, meta: &RequestMeta) -> Option<Response> {
        let (entry, vars) = {
            let entries = lock(&self.entries);
            if entries.is_empty() {
                return None;
            }
            // The request's path and body are read at most once, whatever the number of mocks.
            let mut path: Option<Option<Vec<Option<char>>>> = None;
            let mut body_json: Option<Option<Value>> = None;
            let mut found = None;
            for entry in entries.iter() {
                let Some(vars) = conditions_met(entry, req, &mut path, &mut body_json) else { continue };
                let mut st = lock(&entry.state);
                st.seen += 1;
                if entry.limit.answers(st.seen, st.calls) {
                    st.calls += 1;
                    found = Some((entry.clone(), vars));
                    break;
                }
            }
            found?
        };
        let request = MockRequest {
            method: req.method.to_string(),
            path: req.path.to_string(),
            query: req.query.to_string(),
            vars,
            headers: req
                .headers
                .iter()
                .map(|(k, v)| {
                    let value = if k == hyper::header::AUTHORIZATION {
                        "<redacted>".to_string()
                    } else {
                        String::from_utf8_lossy(v.as_bytes()).into_owned()
                    };
                    (k.as_str().to_string(), value)
                })
                .collect(),
            body: req.body.clone(),
            batch_item: req.batch_item.map(String::from),
            client_id: req.client_id.to_string(),
            user_id: req.user_id.map(String::from),
        };
        let response = match &entry.responder {
            Responder::Fixed(r) => r.to_response(meta),
            Responder::Handler(f) => catch_unwind(AssertUnwindSafe(|| f(&request)))
                .unwrap_or_else(|_| {
                    MockResponse::graph_error(
                        500,
                        "MockHandlerPanicked",
                        format!("The handler of the mock {} panicked.", entry.label),
                    )
                })
                .to_response(meta),
        };
        {
            let mut st = lock(&entry.state);
            while st.recorded.len() >= MAX_RECORDED_PER_MOCK {
                st.recorded.pop_front();
            }
            st.recorded.push_back(request);
        }
        Some(response.unwrap_or_else(|why| {
            GraphError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "MockResponseInvalid",
                format!("The mock {} answered an invalid response: {why}.", entry.label),
            )
            .into_response(meta)
        }))
    }
}

/// The captured variables when `req` meets every condition of `entry`, the cheap and selective
/// ones first (the path is normalised and the body parsed at most once per request, into
/// `path` and `body_json`).
fn conditions_met(
    entry: &Entry,
    req: &Incoming<'_>,
    path: &mut Option<Option<Vec<Option<char>>>>,
    body_json: &mut Option<Option<Value>>,
) -> Option<Vec<(String, String)>> {
    if entry.method.as_deref().is_some_and(|m| !m.eq_ignore_ascii_case(req.method)) {
        return None;
    }
    let input = path.get_or_insert_with(|| PathTemplate::input(req.path)).as_deref()?;
    let vars = entry.path.matches_input(input)?;
    if !query_matches(&entry.query, req.query) {
        return None;
    }
    for (name, value) in &entry.headers {
        if !req.headers.get_all(name.as_str()).iter().any(|v| v.to_str().is_ok_and(|v| v.trim() == value.trim())) {
            return None;
        }
    }
    if let Some(fragment) = &entry.body_contains {
        if !contains(req.body, fragment.as_bytes()) {
            return None;
        }
    }
    if let Some(subset) = &entry.body_json {
        let parsed = body_json.get_or_insert_with(|| serde_json::from_slice::<Value>(req.body).ok());
        if !parsed.as_ref().is_some_and(|b| json_subset(subset, b)) {
            return None;
        }
    }
    Some(vars)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}

impl Mock {
    /// Reads the mocks of a mock file (Dev Proxy's format, see the [module docs](crate::mocks)),
    /// in file order, without registering them (for [`EmulatorBuilder::mocks`](crate::EmulatorBuilder::mocks)).
    pub fn load_file(path: impl AsRef<Path>) -> Result<Vec<Mock>, MockFileError> {
        file::load(path.as_ref())
    }
}

/// Registers and removes the running emulator's mocks; get one from `Emulator::mocks()`.
/// Cheap to clone.
///
/// Mocks are tried in registration order and the first whose conditions hold and that still
/// answers (see [`Mock::once`], [`Mock::times`], [`Mock::nth`]) answers the request, before
/// the emulator's own rules: a mock can answer what the emulator does not model (`501`) and
/// can override a built-in answer too. A request no mock answers gets the built-in answer.
#[derive(Clone)]
pub struct Mocks {
    pub(crate) state: Arc<MockState>,
}

impl fmt::Debug for Mocks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mocks").field("registered", &self.len()).finish()
    }
}

impl Mocks {
    /// Registers a mock after those already registered.
    pub fn add(&self, mock: Mock) -> Result<MockHandle, MockError> {
        let mut handles = self.state.add_all(vec![mock])?;
        handles.pop().ok_or_else(|| MockError { mock: String::new(), message: "nothing was registered".into() })
    }

    /// Registers several mocks, in order; none when one of them is invalid.
    pub fn add_all(&self, mocks: Vec<Mock>) -> Result<Vec<MockHandle>, MockError> {
        self.state.add_all(mocks)
    }

    /// Registers the mocks of a mock file (the format is in the [module docs](crate::mocks)),
    /// in file order, after those already registered; none when the file is invalid.
    pub fn load_file(&self, path: impl AsRef<Path>) -> Result<Vec<MockHandle>, MockFileError> {
        let path = path.as_ref();
        let mocks = file::load(path)?;
        self.state.add_all(mocks).map_err(|e| MockFileError::registering(path, e))
    }

    /// Removes a mock; `false` when it was already removed.
    pub fn remove(&self, handle: &MockHandle) -> bool {
        handle.remove()
    }

    /// Removes every mock (their handles keep what they recorded).
    pub fn clear(&self) {
        let mut entries = lock(&self.state.entries);
        for e in entries.drain(..) {
            lock(&e.state).removed = true;
        }
    }

    /// How many mocks are registered.
    pub fn len(&self) -> usize {
        lock(&self.state.entries).len()
    }

    /// Whether none is registered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One registered mock: how often it answered and what it was sent. Cheap to clone; it keeps
/// its records after the mock is removed.
#[derive(Clone)]
pub struct MockHandle {
    entry: Arc<Entry>,
    state: Arc<MockState>,
}

impl fmt::Debug for MockHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockHandle").field("id", &self.entry.id).field("mock", &self.entry.label).finish()
    }
}

impl MockHandle {
    /// The mock's id (unique within its emulator).
    pub fn id(&self) -> u64 {
        self.entry.id
    }

    /// How many requests it answered.
    pub fn calls(&self) -> u64 {
        lock(&self.entry.state).calls
    }

    /// The requests it answered, oldest first (the last [`MAX_RECORDED_PER_MOCK`]).
    pub fn requests(&self) -> Vec<MockRequest> {
        lock(&self.entry.state).recorded.iter().cloned().collect()
    }

    /// The last request it answered.
    pub fn last_request(&self) -> Option<MockRequest> {
        lock(&self.entry.state).recorded.back().cloned()
    }

    /// Whether it will answer again: registered, and not used up (`once`, `times`, a past `nth`).
    pub fn is_active(&self) -> bool {
        let st = lock(&self.entry.state);
        // Whether the next matching request would be answered.
        !st.removed && self.entry.limit.answers(st.seen + 1, st.calls)
    }

    /// Removes the mock; `false` when it was already removed.
    pub fn remove(&self) -> bool {
        let mut entries = lock(&self.state.entries);
        let before = entries.len();
        entries.retain(|e| e.id != self.entry.id);
        let removed = entries.len() != before;
        lock(&self.entry.state).removed = true;
        removed
    }

    /// Panics unless it answered exactly `n` requests, listing those it did.
    #[allow(clippy::panic)]
    #[track_caller]
    pub fn assert_called(&self, n: u64) {
        let calls = self.calls();
        if calls != n {
            let list: Vec<String> = self
                .requests()
                .iter()
                .map(|r| {
                    let q = if r.query.is_empty() { String::new() } else { format!("?{}", r.query) };
                    format!("  - {} {}{q}", r.method, r.path)
                })
                .collect();
            panic!(
                "the mock {} answered {calls} request(s), expected {n}:\n{}",
                self.entry.label,
                if list.is_empty() { "  (none)".to_string() } else { list.join("\n") }
            );
        }
    }

    /// Panics unless it answered exactly one request.
    #[track_caller]
    pub fn assert_called_once(&self) {
        self.assert_called(1);
    }

    /// Panics if it answered any request.
    #[track_caller]
    pub fn assert_not_called(&self) {
        self.assert_called(0);
    }
}
