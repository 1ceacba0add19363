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
//!   (else backoff), within the client's retry budget — except a `POST`/`PATCH` item answered
//!   504, whose outcome is unknown: it is not sent again (see
//!   [`RetryOptions`](crate::pipeline::RetryOptions) for the rule and the opt-in);
//! * `424 Failed Dependency` is reported as [`ErrorKind::DependencyFailed`](crate::error::ErrorKind::DependencyFailed) naming the failed
//!   query — unless the real dependencies of the item succeeded (a chain artefact), in which case
//!   the item is simply sent again;
//! * nothing is lost: when a batch fails as a whole (connection reset, 5xx, malformed answer)
//!   every query in it gets that error. A `$batch` whose outcome is unknown (504, connection
//!   lost) is never resent whole: its reads go out again in a new batch (idempotent items after
//!   a 504, safe ones after a lost connection) and its writes fail with an error that says
//!   their outcome is unknown, unless the client opted in to
//!   [`RetryOptions::retry_unknown_outcomes`](crate::pipeline::RetryOptions::retry_unknown_outcomes); a missing item
//!   answer, or more than one answer for one id (neither wins), is an
//!   [`ErrorKind::BatchItem`](crate::error::ErrorKind::BatchItem) error; every handle is resolved when `execute_query`
//!   returns, except queries left queued by a time limit (reported, still queued) — and if the
//!   `execute_query` future is dropped, queries in flight resolve to [`ErrorKind::Cancelled`](crate::error::ErrorKind::Cancelled)
//!   ("outcome unknown") and unsent ones go back to the queue, in order, for a later
//!   `execute_query`. In flight means in a round trip that had started (at most
//!   `batch_concurrency` at a time); round trips still waiting for their turn sent nothing.

use std::fmt;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use crate::client::Client;
use crate::error::{Error, Result};
use crate::request::{Request, RequestParts, ResponseBody};

mod pending;
mod run;

use pending::{Dep, Entry, Slot, SlotState};
pub use pending::{Dependency, DependencyRef, Pending, PendingStatus, QueryId};
use run::{Run, Work};

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
/// one shared client. A query can depend only on queries of the same queue (or its clones): a
/// dependency on a query of another queue or another client is rejected when it is added (the
/// handle fails at once with [`ErrorKind::Validation`](crate::error::ErrorKind::Validation) and
/// nothing is queued), since query numbers are only unique within one client.
#[derive(Clone)]
pub struct Queue {
    client: Client,
    /// This queue's identity, unique in the process, carried by its [`Pending`] handles.
    id: u64,
    state: Arc<Mutex<QueueState>>,
}

/// Source of queue identities.
static NEXT_QUEUE_ID: AtomicU64 = AtomicU64::new(1);

impl fmt::Debug for Queue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Queue").field("queued", &self.len()).finish_non_exhaustive()
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
    /// Batch items sent again (throttled, reads of a batch whose outcome is unknown, chain
    /// artefacts).
    pub requeued: usize,
    /// Queries left in the queue (time limit).
    pub left_queued: usize,
}

impl Queue {
    /// An empty queue sending through `client`.
    pub fn new(client: &Client) -> Queue {
        Queue {
            client: client.clone(),
            id: NEXT_QUEUE_ID.fetch_add(1, Ordering::Relaxed),
            state: Arc::new(Mutex::new(QueueState::default())),
        }
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
    /// [`ErrorKind::DependencyFailed`](crate::error::ErrorKind::DependencyFailed).
    ///
    /// Every dependency must be a query of this queue (or a clone of it). A dependency on a
    /// query of another queue or another client is rejected: the returned handle has already
    /// failed with [`ErrorKind::Validation`](crate::error::ErrorKind::Validation) and nothing
    /// is queued.
    pub fn add_after<T: ResponseBody>(&self, request: Request<T>, deps: &[&dyn Dependency]) -> Pending<T> {
        let mut own = Vec::with_capacity(deps.len());
        for d in deps {
            let r = d.dependency_ref();
            if let Err(e) = self.check_own(&r) {
                let slot = Slot::new();
                slot.set(SlotState::Done(Err(e)));
                return Pending { id: self.client.next_query_id(), slot, queue: self.clone(), _response: PhantomData };
            }
            own.push(Dep { id: r.id, slot: r.slot });
        }
        let (id, slot) = self.enqueue(request.into_parts(), own);
        Pending { id, slot, queue: self.clone(), _response: PhantomData }
    }

    /// Whether `dep` is a query of this queue.
    fn check_own(&self, dep: &DependencyRef) -> Result<()> {
        if dep.queue == self.id {
            Ok(())
        } else {
            Err(Error::validation(format!(
                "rejected: the dependency (query {}) is a query of another queue or another client; a query can only \
                 depend on queries of its own queue",
                dep.id
            )))
        }
    }

    /// Sends every query of this queue (see the [module docs](crate::queue)).
    pub async fn execute(&self) -> Result<ExecuteSummary> {
        self.execute_with(ExecuteOptions::default()).await
    }

    /// [`Queue::execute`] with options. `Err` only for what is not a query's own outcome:
    /// [`ErrorKind::Interrupted`](crate::error::ErrorKind::Interrupted) when the time limit left queries queued.
    pub async fn execute_with(&self, options: ExecuteOptions) -> Result<ExecuteSummary> {
        let run_lock = self.lock().run.clone();
        let _serial = run_lock.lock().await;
        let entries = std::mem::take(&mut self.lock().entries);
        let mut run = Run {
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
                    unit: None,
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
