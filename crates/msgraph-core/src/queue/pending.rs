//! The handles of queued queries: where each outcome lands ([`Pending`]) and what a query can
//! depend on.

use std::fmt;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};

use crate::error::{Error, ErrorKind, Result};
use crate::http::HttpResponse;
use crate::request::{Request, RequestParts, ResponseBody};

use super::Queue;

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

pub(super) enum SlotState {
    Queued,
    Sending,
    Done(Result<HttpResponse>),
    Taken,
}

/// Where a query's outcome lands.
pub(super) struct Slot {
    pub(super) state: Mutex<SlotState>,
}

impl Slot {
    pub(super) fn new() -> Arc<Slot> {
        Arc::new(Slot { state: Mutex::new(SlotState::Queued) })
    }

    pub(super) fn lock(&self) -> std::sync::MutexGuard<'_, SlotState> {
        match self.state.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    pub(super) fn set(&self, state: SlotState) {
        *self.lock() = state;
    }

    /// `Some(true)` succeeded, `Some(false)` failed, `None` not resolved.
    pub(super) fn outcome(&self) -> Option<bool> {
        match &*self.lock() {
            SlotState::Done(Ok(_)) | SlotState::Taken => Some(true),
            SlotState::Done(Err(_)) => Some(false),
            SlotState::Queued | SlotState::Sending => None,
        }
    }

    pub(super) fn status(&self) -> PendingStatus {
        match &*self.lock() {
            SlotState::Queued => PendingStatus::Queued,
            SlotState::Sending => PendingStatus::InFlight,
            SlotState::Done(Ok(_)) => PendingStatus::Succeeded,
            SlotState::Done(Err(_)) => PendingStatus::Failed,
            SlotState::Taken => PendingStatus::Taken,
        }
    }

    pub(super) fn error(&self) -> Option<Error> {
        match &*self.lock() {
            SlotState::Done(Err(e)) => Some(e.clone()),
            _ => None,
        }
    }

    pub(super) fn take(&self, id: u64) -> Result<HttpResponse> {
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
pub(super) struct Dep {
    pub(super) id: u64,
    pub(super) slot: Arc<Slot>,
}

pub(super) struct Entry {
    pub(super) id: u64,
    pub(super) parts: RequestParts,
    pub(super) deps: Vec<Dep>,
    pub(super) slot: Arc<Slot>,
}

/// A handle to a queued query's typed outcome.
pub struct Pending<T> {
    pub(super) id: u64,
    pub(super) slot: Arc<Slot>,
    pub(super) queue: Queue,
    pub(super) _response: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for Pending<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pending").field("id", &self.id).field("status", &self.status()).finish()
    }
}

/// An opaque reference to a queued query, for dependencies.
#[derive(Clone)]
pub struct DependencyRef {
    pub(super) id: u64,
    /// The identity of the queue the query was added to.
    pub(super) queue: u64,
    pub(super) slot: Arc<Slot>,
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
        DependencyRef { id: self.id, queue: self.queue.id, slot: self.slot.clone() }
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
    /// batch. `other` must have been queued before this one, on the same queue (a query of
    /// another queue or client is rejected with [`ErrorKind::Validation`]).
    pub fn depends_on(&self, other: &dyn Dependency) -> Result<()> {
        let other_ref = other.dependency_ref();
        self.queue.check_own(&other_ref)?;
        let other_id = other_ref.id;
        if other_id >= self.id {
            return Err(Error::validation("a query can only depend on a query queued before it"));
        }
        let mut q = self.queue.lock();
        let Some(entry) = q.entries.iter_mut().find(|e| e.id == self.id) else {
            return Err(Error::validation(format!("query {} is no longer queued", self.id)));
        };
        if !entry.deps.iter().any(|d| d.id == other_id) {
            entry.deps.push(Dep { id: other_id, slot: other_ref.slot });
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
