//! The query queue: [`Queue::add`] queues a typed request and returns a [`Pending`] handle;
//! [`Queue::execute`] sends everything queued on that queue — one query directly, more as JSON
//! `$batch` requests — and resolves every handle to its own result. (`msgraph::GraphClient`'s
//! `add_query` / `execute_query` use the client's default queue, shared by its clones.)
//!
//! Guarantees:
//!
//! * at most 20 requests per batch, in insertion order, URLs relative to the version root;
//! * queries with dependencies ([`Queue::add_after`], [`Pending::depends_on`],
//!   [`Pending::then`]) travel with them in one fully sequential batch (each item `dependsOn`
//!   the previous one; Graph rejects batches that mix sequential and parallel items), other
//!   queries in fully parallel batches;
//! * answers are correlated by `id`, whatever their order;
//! * an item answered 429/503/504 is retried in a later round after its own `Retry-After`
//!   (else backoff), within the client's retry budget;
//! * `424 Failed Dependency` is reported as [`ErrorKind::DependencyFailed`] naming the failed
//!   query — unless the real dependencies of the item succeeded (a chain artefact), in which case
//!   the item is simply sent again;
//! * nothing is lost: when a batch fails as a whole (connection reset, 5xx, malformed answer)
//!   every query in it gets that error (batches of safe `GET`s are retried first); a missing item
//!   answer is an [`ErrorKind::BatchItem`] error; every handle is resolved when `execute_query`
//!   returns, except queries left queued by a time limit (reported, still queued) — and if the
//!   `execute_query` future is dropped, queries in flight resolve to [`ErrorKind::Cancelled`]
//!   and unsent ones go back to the queue.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::Duration;

use tokio::time::Instant;
use url::Url;

use crate::batch::{check_item_body, decode_response, encode_request, BatchItem, MAX_BATCH_SIZE};
use crate::client::{check_status, Client};
use crate::error::{Error, ErrorKind, Result};
use crate::http::{Body, BoxFuture, HttpRequest, HttpResponse, Method};
use crate::pipeline::ABSOLUTE_MAX_RETRIES;
use crate::request::{Request, RequestParts, ResponseBody};

/// Requeues of one item for reasons that are not its own throttling (chain artefacts) before it
/// is given up.
const MAX_REQUEUES: u32 = 2 * ABSOLUTE_MAX_RETRIES + 5;

/// The id of a queued query (also its `$batch` item id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct QueryId(u64);

impl QueryId {
    /// The number.
    pub fn get(&self) -> u64 {
        self.0
    }
}

impl fmt::Display for QueryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Where a queued query stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PendingStatus {
    /// Waiting for `execute_query`.
    Queued,
    /// Being sent.
    InFlight,
    /// Answered with success; the result can be taken.
    Succeeded,
    /// Failed; [`Pending::error`] tells why.
    Failed,
    /// The successful result was taken.
    Taken,
}

enum SlotState {
    Queued,
    Sending,
    Done(Result<HttpResponse>),
    Taken,
}

/// Where a query's outcome lands.
struct Slot {
    state: Mutex<SlotState>,
}

impl Slot {
    fn new() -> Arc<Slot> {
        Arc::new(Slot { state: Mutex::new(SlotState::Queued) })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SlotState> {
        match self.state.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    fn set(&self, state: SlotState) {
        *self.lock() = state;
    }

    /// `Some(true)` succeeded, `Some(false)` failed, `None` not resolved.
    fn outcome(&self) -> Option<bool> {
        match &*self.lock() {
            SlotState::Done(Ok(_)) | SlotState::Taken => Some(true),
            SlotState::Done(Err(_)) => Some(false),
            SlotState::Queued | SlotState::Sending => None,
        }
    }

    fn status(&self) -> PendingStatus {
        match &*self.lock() {
            SlotState::Queued => PendingStatus::Queued,
            SlotState::Sending => PendingStatus::InFlight,
            SlotState::Done(Ok(_)) => PendingStatus::Succeeded,
            SlotState::Done(Err(_)) => PendingStatus::Failed,
            SlotState::Taken => PendingStatus::Taken,
        }
    }

    fn error(&self) -> Option<Error> {
        match &*self.lock() {
            SlotState::Done(Err(e)) => Some(e.clone()),
            _ => None,
        }
    }

    fn take(&self, id: u64) -> Result<HttpResponse> {
        let mut g = self.lock();
        match std::mem::replace(&mut *g, SlotState::Taken) {
            SlotState::Done(Ok(r)) => Ok(r),
            SlotState::Done(Err(e)) => {
                *g = SlotState::Done(Err(e.clone()));
                Err(e)
            }
            SlotState::Taken => {
                Err(Error::new(ErrorKind::NotExecuted, format!("the result of query {id} was already taken")))
            }
            other @ (SlotState::Queued | SlotState::Sending) => {
                *g = other;
                Err(Error::new(
                    ErrorKind::NotExecuted,
                    format!("query {id} has not been executed yet: call execute_query"),
                ))
            }
        }
    }
}

#[derive(Clone)]
struct Dep {
    id: u64,
    slot: Arc<Slot>,
}

struct Entry {
    id: u64,
    parts: RequestParts,
    deps: Vec<Dep>,
    slot: Arc<Slot>,
}

/// What a queue holds between `add` and `execute`.
#[derive(Default)]
struct QueueState {
    entries: Vec<Entry>,
    /// Held for the whole of one `execute`, so runs of one queue do not overlap.
    run: Arc<tokio::sync::Mutex<()>>,
}

/// A query queue: [`Queue::add`] queues a typed request and returns a [`Pending`] handle;
/// [`Queue::execute`] sends exactly what was added to this queue — one query directly, more as
/// JSON `$batch` requests — and resolves every handle to its own result.
///
/// Cheap to clone; clones share the queue. Two queues of one client never see each other's
/// queries, so tasks that each make their own queue (`client.queue()`) can run concurrently on
/// one shared client. A query may depend on a query of another queue only once that one has
/// been executed (otherwise it fails with [`ErrorKind::DependencyFailed`]).
#[derive(Clone)]
pub struct Queue {
    client: Client,
    state: Arc<Mutex<QueueState>>,
}

impl fmt::Debug for Queue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Queue").field("queued", &self.len()).finish_non_exhaustive()
    }
}

/// A handle to a queued query's typed outcome.
pub struct Pending<T> {
    id: u64,
    slot: Arc<Slot>,
    queue: Queue,
    _response: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for Pending<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pending").field("id", &self.id).field("status", &self.status()).finish()
    }
}

/// An opaque reference to a queued query, for dependencies.
#[derive(Clone)]
pub struct DependencyRef {
    id: u64,
    slot: Arc<Slot>,
}

impl fmt::Debug for DependencyRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DependencyRef").field("id", &self.id).finish()
    }
}

/// Something a query can depend on (a [`Pending`] of any type).
pub trait Dependency {
    /// The query's id.
    fn query_id(&self) -> QueryId;
    /// A reference the queue can follow.
    fn dependency_ref(&self) -> DependencyRef;
}

impl<T> Dependency for Pending<T> {
    fn query_id(&self) -> QueryId {
        QueryId(self.id)
    }
    fn dependency_ref(&self) -> DependencyRef {
        DependencyRef { id: self.id, slot: self.slot.clone() }
    }
}

impl<T> Pending<T> {
    /// The query's id (its `$batch` item id).
    pub fn id(&self) -> QueryId {
        QueryId(self.id)
    }

    /// Where the query stands.
    pub fn status(&self) -> PendingStatus {
        self.slot.status()
    }

    /// Whether the query has an outcome.
    pub fn is_resolved(&self) -> bool {
        !matches!(self.status(), PendingStatus::Queued | PendingStatus::InFlight)
    }

    /// The error, when the query failed.
    pub fn error(&self) -> Option<Error> {
        self.slot.error()
    }

    /// Makes this (still queued) query run after `other` succeeded, in the same sequential
    /// batch. `other` must have been queued before this one.
    pub fn depends_on(&self, other: &dyn Dependency) -> Result<()> {
        let other_id = other.query_id().0;
        if other_id >= self.id {
            return Err(Error::validation("a query can only depend on a query queued before it"));
        }
        let mut q = self.queue.lock();
        let Some(entry) = q.entries.iter_mut().find(|e| e.id == self.id) else {
            return Err(Error::validation(format!("query {} is no longer queued", self.id)));
        };
        if !entry.deps.iter().any(|d| d.id == other_id) {
            entry.deps.push(Dep { id: other_id, slot: other.dependency_ref().slot });
        }
        Ok(())
    }

    /// Queues `request` on the same queue, to run after this query succeeded.
    pub fn then<U: ResponseBody>(&self, request: Request<U>) -> Pending<U> {
        self.queue.add_after(request, &[self])
    }
}

impl<T: ResponseBody> Pending<T> {
    /// The outcome, taken out: the decoded value or the query's error. Errors can be read
    /// again; a value only once.
    pub fn take(&self) -> Result<T> {
        let response = self.slot.take(self.id)?;
        T::from_response(response)
    }

    /// The outcome.
    pub fn into_result(self) -> Result<T> {
        self.take()
    }
}

/// Options of one `execute_query` run.
#[derive(Debug, Clone, Default)]
pub struct ExecuteOptions {
    time_limit: Option<Duration>,
}

impl ExecuteOptions {
    /// Defaults: no time limit.
    pub fn new() -> ExecuteOptions {
        ExecuteOptions::default()
    }

    /// Stops starting new round trips after this long; unsent queries stay queued.
    pub fn time_limit(mut self, limit: Option<Duration>) -> ExecuteOptions {
        self.time_limit = limit;
        self
    }
}

/// What an `execute_query` run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExecuteSummary {
    /// Queries taken from the queue.
    pub queries: usize,
    /// Resolved with success.
    pub succeeded: usize,
    /// Resolved with an error.
    pub failed: usize,
    /// HTTP round trips started by the queue (batches plus direct sends; the pipeline's own
    /// retries of a round trip are not counted).
    pub round_trips: usize,
    /// `$batch` requests among them.
    pub batches: usize,
    /// Queries sent on their own.
    pub direct: usize,
    /// Batch items sent again (throttled, failed batch of safe requests, chain artefacts).
    pub requeued: usize,
    /// Queries left in the queue (time limit).
    pub left_queued: usize,
}

impl Queue {
    /// An empty queue sending through `client`.
    pub fn new(client: &Client) -> Queue {
        Queue { client: client.clone(), state: Arc::new(Mutex::new(QueueState::default())) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, QueueState> {
        match self.state.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// Number of queries waiting for [`Queue::execute`].
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether no query is waiting.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn enqueue(&self, parts: RequestParts, deps: Vec<Dep>) -> (u64, Arc<Slot>) {
        let slot = Slot::new();
        let id = self.client.next_query_id();
        self.lock().entries.push(Entry { id, parts, deps, slot: slot.clone() });
        (id, slot)
    }

    /// Queues a request; its outcome arrives in the returned handle after [`Queue::execute`].
    pub fn add<T: ResponseBody>(&self, request: Request<T>) -> Pending<T> {
        self.add_after(request, &[])
    }

    /// Queues a request that runs only after every one of `deps` succeeded (in the same
    /// sequential batch when possible); otherwise it fails with
    /// [`ErrorKind::DependencyFailed`].
    pub fn add_after<T: ResponseBody>(&self, request: Request<T>, deps: &[&dyn Dependency]) -> Pending<T> {
        let deps = deps
            .iter()
            .map(|d| {
                let r = d.dependency_ref();
                Dep { id: r.id, slot: r.slot }
            })
            .collect();
        let (id, slot) = self.enqueue(request.into_parts(), deps);
        Pending { id, slot, queue: self.clone(), _response: PhantomData }
    }

    /// Sends every query of this queue (see the [module docs](crate::queue)).
    pub async fn execute(&self) -> Result<ExecuteSummary> {
        self.execute_with(ExecuteOptions::default()).await
    }

    /// [`Queue::execute`] with options. `Err` only for what is not a query's own outcome:
    /// [`ErrorKind::Interrupted`] when the time limit left queries queued.
    pub async fn execute_with(&self, options: ExecuteOptions) -> Result<ExecuteSummary> {
        let run_lock = self.lock().run.clone();
        let _serial = run_lock.lock().await;
        let entries = std::mem::take(&mut self.lock().entries);
        let mut run = Run {
            client: self.client.clone(),
            queue: self.clone(),
            works: entries
                .into_iter()
                .map(|e| Work {
                    id: e.id,
                    parts: Some(e.parts),
                    deps: e.deps,
                    slot: e.slot,
                    attempts: 0,
                    requeues: 0,
                    not_before: None,
                    last_error: None,
                    in_flight: false,
                })
                .collect(),
            summary: ExecuteSummary::default(),
            started: Instant::now(),
            options,
        };
        run.summary.queries = run.works.len();
        let result = run.run().await;
        result.map(|()| run.summary.clone())
    }
}

struct Work {
    id: u64,
    parts: Option<RequestParts>,
    deps: Vec<Dep>,
    slot: Arc<Slot>,
    /// Retries used for its own throttling.
    attempts: u32,
    /// Requeues for other reasons.
    requeues: u32,
    not_before: Option<Instant>,
    last_error: Option<Error>,
    in_flight: bool,
}

/// A round trip to make.
enum Unit {
    Direct(usize),
    Batch { items: Vec<usize>, sequential: bool },
}

enum UnitOutcome {
    Direct(Result<HttpResponse>),
    Batch(Result<HttpResponse>),
}

struct Run {
    client: Client,
    queue: Queue,
    works: Vec<Work>,
    summary: ExecuteSummary,
    started: Instant,
    options: ExecuteOptions,
}

impl Drop for Run {
    fn drop(&mut self) {
        // Only reached with works left when the execute_query future was dropped mid-way.
        if self.works.is_empty() {
            return;
        }
        let mut back = Vec::new();
        for w in self.works.drain(..) {
            if w.in_flight {
                w.slot.set(SlotState::Done(Err(Error::new(
                    ErrorKind::Cancelled,
                    format!("execute_query was cancelled while query {} was in flight: its outcome is unknown", w.id),
                ))));
            } else if let Some(parts) = w.parts {
                w.slot.set(SlotState::Queued);
                back.push(Entry { id: w.id, parts, deps: w.deps, slot: w.slot });
            } else {
                w.slot.set(SlotState::Done(Err(Error::new(ErrorKind::Cancelled, "execute_query was cancelled"))));
            }
        }
        if !back.is_empty() {
            let mut q = self.queue.lock();
            back.append(&mut q.entries);
            q.entries = back;
        }
    }
}

impl Run {
    fn resolve(&mut self, index: usize, result: Result<HttpResponse>) {
        let w = self.works.remove(index);
        match &result {
            Ok(_) => self.summary.succeeded += 1,
            Err(_) => self.summary.failed += 1,
        }
        w.slot.set(SlotState::Done(result));
    }

    fn index_of(&self, id: u64) -> Option<usize> {
        self.works.binary_search_by_key(&id, |w| w.id).ok()
    }

    /// Resolves queries that cannot be sent (invalid, failed dependency) and drops satisfied
    /// dependencies.
    fn settle(&mut self) {
        let mut i = 0;
        while i < self.works.len() {
            let mut failed: Option<Error> = None;
            if let Some(e) = self.works[i].parts.as_mut().and_then(RequestParts::take_error) {
                failed = Some(e);
            }
            if failed.is_none() {
                let mut keep = Vec::new();
                for d in std::mem::take(&mut self.works[i].deps) {
                    match d.slot.outcome() {
                        Some(true) => {}
                        Some(false) => {
                            failed = Some(
                                Error::new(
                                    ErrorKind::DependencyFailed,
                                    format!("not sent: query {} that it depends on failed", d.id),
                                )
                                .with_dependency(&d.id.to_string()),
                            );
                            break;
                        }
                        None if self.index_of(d.id).is_some() => keep.push(d),
                        None => {
                            failed = Some(
                                Error::new(
                                    ErrorKind::DependencyFailed,
                                    format!("not sent: query {} that it depends on was not executed", d.id),
                                )
                                .with_dependency(&d.id.to_string()),
                            );
                            break;
                        }
                    }
                }
                self.works[i].deps = keep;
            }
            match failed {
                Some(e) => self.resolve(i, Err(e)),
                None => i += 1,
            }
        }
    }

    /// Groups pending works into connected components (by live dependencies), in order.
    fn components(&self) -> Vec<Vec<usize>> {
        let n = self.works.len();
        let mut parent: Vec<usize> = (0..n).collect();
        fn find(p: &mut [usize], mut x: usize) -> usize {
            while p[x] != x {
                p[x] = p[p[x]];
                x = p[x];
            }
            x
        }
        for (i, w) in self.works.iter().enumerate() {
            for d in &w.deps {
                if let Some(j) = self.index_of(d.id) {
                    let (a, b) = (find(&mut parent, i), find(&mut parent, j));
                    if a != b {
                        parent[a.max(b)] = a.min(b);
                    }
                }
            }
        }
        let mut groups: Vec<Vec<usize>> = Vec::new();
        let mut slot_of_root: HashMap<usize, usize> = HashMap::new();
        for i in 0..n {
            let r = find(&mut parent, i);
            match slot_of_root.get(&r) {
                Some(&g) => groups[g].push(i),
                None => {
                    slot_of_root.insert(r, groups.len());
                    groups.push(vec![i]);
                }
            }
        }
        groups
    }

    fn direct_only(&self, w: &Work) -> bool {
        match &w.parts {
            Some(p) => !p.body().is_replayable() || p.relative_url(self.client.api_root()).is_none(),
            None => true,
        }
    }

    /// The round trips of the next round (works that are ready), or how long to wait.
    fn plan(&self, now: Instant) -> std::result::Result<Vec<Unit>, Instant> {
        let mut units = Vec::new();
        let mut parallel: Vec<usize> = Vec::new();
        let mut earliest: Option<Instant> = None;
        for group in self.components() {
            let ready_at = group.iter().filter_map(|&i| self.works[i].not_before).max();
            if let Some(t) = ready_at.filter(|t| *t > now) {
                earliest = Some(earliest.map_or(t, |e| e.min(t)));
                continue;
            }
            if group.len() == 1 {
                let i = group[0];
                if self.direct_only(&self.works[i]) {
                    units.push(Unit::Direct(i));
                } else {
                    parallel.push(i);
                }
            } else if group.iter().any(|&i| self.direct_only(&self.works[i])) {
                // Cannot travel in a batch: one at a time, the first (it has no pending
                // dependency) now, the others in later rounds.
                units.push(Unit::Direct(group[0]));
            } else {
                let chain: Vec<usize> = group.into_iter().take(MAX_BATCH_SIZE).collect();
                units.push(Unit::Batch { items: chain, sequential: true });
            }
        }
        for chunk in parallel.chunks(MAX_BATCH_SIZE) {
            if chunk.len() == 1 {
                units.push(Unit::Direct(chunk[0]));
            } else {
                units.push(Unit::Batch { items: chunk.to_vec(), sequential: false });
            }
        }
        if units.is_empty() {
            return Err(earliest.unwrap_or(now));
        }
        // Keep insertion order of the first item of each round trip.
        units.sort_by_key(|u| match u {
            Unit::Direct(i) => *i,
            Unit::Batch { items, .. } => items.first().copied().unwrap_or(0),
        });
        Ok(units)
    }

    async fn run(&mut self) -> Result<()> {
        let mut rounds = 0usize;
        loop {
            self.settle();
            if self.works.is_empty() {
                return Ok(());
            }
            rounds += 1;
            if rounds > 10_000 {
                return Err(self.interrupt("too many rounds"));
            }
            let now = Instant::now();
            let units = match self.plan(now) {
                Ok(u) => u,
                Err(wake) => {
                    if let Some(limit) = self.options.time_limit {
                        if wake.saturating_duration_since(self.started) > limit {
                            return Err(self.interrupt("time limit reached"));
                        }
                    }
                    tokio::time::sleep_until(wake).await;
                    continue;
                }
            };
            if let Some(limit) = self.options.time_limit {
                if now.saturating_duration_since(self.started) > limit {
                    return Err(self.interrupt("time limit reached"));
                }
            }
            self.round(units).await;
        }
    }

    fn interrupt(&mut self, why: &str) -> Error {
        let n = self.works.len();
        self.summary.left_queued = n;
        // Back to the queue, in order, ahead of anything queued meanwhile.
        let works: Vec<Work> = self.works.drain(..).collect();
        let mut back: Vec<Entry> = works
            .into_iter()
            .filter_map(|w| {
                w.slot.set(SlotState::Queued);
                Some(Entry { id: w.id, parts: w.parts?, deps: w.deps, slot: w.slot })
            })
            .collect();
        let mut q = self.queue.lock();
        back.append(&mut q.entries);
        q.entries = back;
        Error::new(ErrorKind::Interrupted, format!("execute_query stopped ({why}): {n} queries left queued"))
            .with_left_queued(n)
    }

    /// Builds, sends and processes one round of round trips.
    async fn round(&mut self, units: Vec<Unit>) {
        let api_root = self.client.api_root().to_string();
        let batch_url = format!("{api_root}/$batch");
        let max_retries = self.client.inner.retry.get_max_retries();
        let mut futures: Vec<BoxFuture<'static, UnitOutcome>> = Vec::new();
        let mut sent: Vec<(Unit, Vec<String>)> = Vec::new();
        let mut invalid: Vec<(u64, Error)> = Vec::new();
        for unit in units {
            match unit {
                Unit::Direct(i) => {
                    let w = &mut self.works[i];
                    let parts = match w.parts.as_ref().and_then(RequestParts::try_clone) {
                        Some(p) => p,
                        None => match w.parts.take() {
                            Some(p) => p,
                            None => {
                                invalid.push((w.id, Error::new(ErrorKind::BatchItem, "request no longer available")));
                                continue;
                            }
                        },
                    };
                    w.in_flight = true;
                    w.slot.set(SlotState::Sending);
                    let budget = max_retries.saturating_sub(w.attempts);
                    let client = self.client.clone();
                    futures
                        .push(Box::pin(async move { UnitOutcome::Direct(send_direct(&client, parts, budget).await) }));
                    sent.push((Unit::Direct(i), Vec::new()));
                    self.summary.direct += 1;
                }
                Unit::Batch { items, sequential } => {
                    let mut batch_items = Vec::new();
                    let mut ids = Vec::new();
                    let mut kept = Vec::new();
                    let mut prev: Option<String> = None;
                    for &i in &items {
                        let w = &self.works[i];
                        let Some(parts) = w.parts.as_ref() else {
                            invalid.push((w.id, Error::new(ErrorKind::BatchItem, "request no longer available")));
                            continue;
                        };
                        let headers = parts.effective_headers();
                        let body = parts.body().as_bytes().unwrap_or(&[]);
                        if let Err(e) = check_item_body(&headers, body) {
                            invalid.push((w.id, e));
                            continue;
                        }
                        let Some(url) = parts.relative_url(&api_root) else {
                            invalid.push((w.id, Error::validation("this URL cannot be sent in a $batch")));
                            continue;
                        };
                        let id = w.id.to_string();
                        batch_items.push(BatchItem {
                            id: id.clone(),
                            method: parts.method(),
                            url,
                            headers,
                            body: Some(body).filter(|b| !b.is_empty()),
                            depends_on: if sequential { prev.clone() } else { None },
                        });
                        prev = Some(id.clone());
                        ids.push(id);
                        kept.push(i);
                    }
                    if kept.is_empty() {
                        continue;
                    }
                    let body = encode_request(&batch_items);
                    drop(batch_items);
                    for &i in &kept {
                        self.works[i].in_flight = true;
                        self.works[i].slot.set(SlotState::Sending);
                    }
                    let client = self.client.clone();
                    let url = batch_url.clone();
                    futures.push(Box::pin(async move { UnitOutcome::Batch(send_batch(&client, &url, body).await) }));
                    sent.push((Unit::Batch { items: kept, sequential }, ids));
                    self.summary.batches += 1;
                }
            }
        }
        self.summary.round_trips += futures.len();
        let outcomes = run_limited(futures, self.client.inner.batch_concurrency).await;

        // Process by work id (indices shift as works are resolved).
        let mut decisions: Vec<(u64, Decision)> = Vec::new();
        let mut done_ok: HashMap<u64, bool> = HashMap::new();
        for ((unit, ids), outcome) in sent.into_iter().zip(outcomes) {
            match (unit, outcome) {
                (Unit::Direct(i), UnitOutcome::Direct(result)) => {
                    let id = self.works[i].id;
                    done_ok.insert(id, result.is_ok());
                    decisions.push((id, Decision::Resolve(result)));
                }
                (Unit::Batch { items, sequential }, UnitOutcome::Batch(result)) => {
                    let work_ids: Vec<u64> = items.iter().map(|&i| self.works[i].id).collect();
                    self.process_batch(&work_ids, &ids, sequential, result, &mut decisions, &mut done_ok);
                }
                _ => {}
            }
        }
        for (id, e) in invalid {
            decisions.push((id, Decision::Resolve(Err(e))));
        }
        let now = Instant::now();
        for (id, decision) in decisions {
            let Some(i) = self.index_of(id) else { continue };
            self.works[i].in_flight = false;
            match decision {
                Decision::Resolve(result) => self.resolve(i, result),
                Decision::Retry { delay, error } => {
                    let w = &mut self.works[i];
                    w.attempts += 1;
                    w.not_before = Some(now.checked_add(delay).unwrap_or(now + Duration::from_secs(86_400 * 365)));
                    w.last_error = Some(error);
                    w.slot.set(SlotState::Queued);
                    self.summary.requeued += 1;
                }
                Decision::Requeue { error } => {
                    let w = &mut self.works[i];
                    w.requeues += 1;
                    if w.requeues > MAX_REQUEUES {
                        let e = w.last_error.clone().unwrap_or(error);
                        self.resolve(i, Err(e));
                    } else {
                        w.last_error = Some(error);
                        w.slot.set(SlotState::Queued);
                        self.summary.requeued += 1;
                    }
                }
            }
        }
        // Anything still marked in flight (should not happen) is released.
        for w in &mut self.works {
            if w.in_flight {
                w.in_flight = false;
                w.slot.set(SlotState::Queued);
            }
        }
    }

    fn process_batch(
        &mut self,
        work_ids: &[u64],
        item_ids: &[String],
        sequential: bool,
        result: Result<HttpResponse>,
        decisions: &mut Vec<(u64, Decision)>,
        done_ok: &mut HashMap<u64, bool>,
    ) {
        let retry = self.client.inner.retry.clone();
        let max_retries = retry.get_max_retries();
        let whole_failure: Option<Error> = match &result {
            Err(e) => Some(e.clone().context("the $batch request failed")),
            Ok(r) if !r.is_success() => Some(r.to_error().context("the $batch request failed")),
            Ok(_) => None,
        };
        if let Some(err) = whole_failure {
            // Safe requests can simply be sent again; others get the error.
            let all_safe = work_ids.iter().all(|id| {
                self.index_of(*id).and_then(|i| self.works[i].parts.as_ref()).is_some_and(|p| p.method().is_safe())
            });
            // The pipeline already retried 429/503/504 answers; connection failures of a POST
            // are not retried there.
            let transient = matches!(err.kind(), ErrorKind::Transport | ErrorKind::Timeout);
            for (id, item) in work_ids.iter().zip(item_ids) {
                let attempts = self.index_of(*id).map_or(u32::MAX, |i| self.works[i].attempts);
                if all_safe && transient && attempts < max_retries {
                    if let Some(delay) = retry.delay_for(attempts + 1, None) {
                        decisions.push((*id, Decision::Retry { delay, error: err.clone().in_batch_item(item) }));
                        continue;
                    }
                }
                done_ok.insert(*id, false);
                decisions.push((*id, Decision::Resolve(Err(err.clone().in_batch_item(item)))));
            }
            return;
        }
        let response = match result {
            Ok(r) => r,
            Err(_) => return,
        };
        let items = match decode_response(response.body()) {
            Ok(items) => items,
            Err(e) => {
                let err = Error::decode(e, "a $batch answer", response.status(), response.headers(), response.body())
                    .context("malformed $batch answer");
                for (id, item) in work_ids.iter().zip(item_ids) {
                    done_ok.insert(*id, false);
                    decisions.push((*id, Decision::Resolve(Err(err.clone().in_batch_item(item)))));
                }
                return;
            }
        };
        let mut by_id: HashMap<String, HttpResponse> = HashMap::with_capacity(items.len());
        for item in items {
            // Ids are unique case-insensitively; the first answer for an id wins.
            by_id.entry(item.id.to_ascii_lowercase()).or_insert(item.response);
        }
        let mut requeued: Vec<u64> = Vec::new();
        for (pos, (id, item)) in work_ids.iter().zip(item_ids).enumerate() {
            let Some(resp) = by_id.remove(&item.to_ascii_lowercase()) else {
                done_ok.insert(*id, false);
                decisions.push((
                    *id,
                    Decision::Resolve(Err(Error::new(
                        ErrorKind::BatchItem,
                        "the $batch answer has no response for this query",
                    )
                    .in_batch_item(item))),
                ));
                continue;
            };
            let status = resp.status();
            if (200..300).contains(&status) {
                done_ok.insert(*id, true);
                decisions.push((*id, Decision::Resolve(Ok(resp))));
                continue;
            }
            if status == 0 {
                done_ok.insert(*id, false);
                decisions.push((
                    *id,
                    Decision::Resolve(Err(Error::new(
                        ErrorKind::BatchItem,
                        "malformed item in the $batch answer (no valid status)",
                    )
                    .in_batch_item(item))),
                ));
                continue;
            }
            let err = resp.to_error().in_batch_item(item);
            let index = self.index_of(*id);
            if status == 424 {
                let deps: Vec<Dep> = index.map(|i| self.works[i].deps.clone()).unwrap_or_default();
                let failed_dep =
                    deps.iter().find(|d| done_ok.get(&d.id) == Some(&false) || d.slot.outcome() == Some(false));
                if let Some(d) = failed_dep {
                    done_ok.insert(*id, false);
                    let e = err.with_dependency(&d.id.to_string());
                    decisions.push((*id, Decision::Resolve(Err(e))));
                } else if deps.iter().any(|d| requeued.contains(&d.id)) || sequential && pos > 0 {
                    // A real dependency will be sent again, or the chain broke before this
                    // item for a reason that is not its own: send it again.
                    requeued.push(*id);
                    decisions.push((*id, Decision::Requeue { error: err }));
                } else {
                    done_ok.insert(*id, false);
                    decisions.push((*id, Decision::Resolve(Err(err))));
                }
                continue;
            }
            if matches!(status, 429 | 503 | 504) {
                let attempts = index.map_or(u32::MAX, |i| self.works[i].attempts);
                if attempts < max_retries {
                    if let Some(delay) = retry.delay_for(attempts + 1, resp.headers().get("retry-after")) {
                        let within = self
                            .client
                            .inner
                            .retry
                            .get_total_time_limit()
                            .is_none_or(|limit| self.started.elapsed().saturating_add(delay) <= limit);
                        if within {
                            requeued.push(*id);
                            decisions.push((*id, Decision::Retry { delay, error: err }));
                            continue;
                        }
                    }
                }
            }
            done_ok.insert(*id, false);
            decisions.push((*id, Decision::Resolve(Err(err))));
        }
    }
}

enum Decision {
    Resolve(Result<HttpResponse>),
    Retry { delay: Duration, error: Error },
    Requeue { error: Error },
}

async fn send_direct(client: &Client, parts: RequestParts, budget: u32) -> Result<HttpResponse> {
    let (mut request, ctx) = client.build_http(parts)?;
    let ctx = ctx.with_max_retries(Some(budget));
    let response = client.inner.pipeline.send(&ctx, &mut request).await?;
    check_status(response, &request)
}

async fn send_batch(client: &Client, url: &str, body: String) -> Result<HttpResponse> {
    let parsed = Url::parse(url).map_err(|e| Error::with_source(ErrorKind::Validation, "invalid $batch URL", e))?;
    let mut request = HttpRequest::from_url(Method::Post, parsed);
    request.headers_mut().set_static("content-type", "application/json");
    request.headers_mut().set_static("accept", "application/json");
    request.set_body(Body::from_bytes(body.into_bytes()));
    let ctx = client.context();
    client.inner.pipeline.send(&ctx, &mut request).await
}

/// Runs futures with at most `limit` at a time; results in input order.
async fn run_limited<T>(futures: Vec<BoxFuture<'static, T>>, limit: usize) -> Vec<T> {
    let total = futures.len();
    let mut waiting: VecDeque<(usize, BoxFuture<'static, T>)> = futures.into_iter().enumerate().collect();
    let mut active: Vec<(usize, BoxFuture<'static, T>)> = Vec::new();
    let mut out: Vec<Option<T>> = (0..total).map(|_| None).collect();
    let limit = limit.max(1);
    std::future::poll_fn(|cx| {
        while active.len() < limit {
            match waiting.pop_front() {
                Some(f) => active.push(f),
                None => break,
            }
        }
        let mut i = 0;
        while i < active.len() {
            match active[i].1.as_mut().poll(cx) {
                Poll::Ready(v) => {
                    let (index, _) = active.swap_remove(i);
                    if let Some(slot) = out.get_mut(index) {
                        *slot = Some(v);
                    }
                    if let Some(f) = waiting.pop_front() {
                        active.push(f);
                    }
                }
                Poll::Pending => i += 1,
            }
        }
        if active.is_empty() && waiting.is_empty() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
    out.into_iter().flatten().collect()
}
