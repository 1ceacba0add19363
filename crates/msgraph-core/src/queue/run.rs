//! One `execute` run: grouping queued queries into direct sends and `$batch` rounds, retrying
//! throttled items, and resolving every handle.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::Duration;

use tokio::time::Instant;
use url::Url;

use crate::batch::{check_item_body, decode_response, encode_request, BatchItem, MAX_BATCH_SIZE};
use crate::client::{check_status, Client, UNKNOWN_OUTCOME};
use crate::error::{Error, ErrorKind, Result};
use crate::http::{Body, BoxFuture, HttpRequest, HttpResponse, Method};
use crate::pipeline::{RetryOptions, ABSOLUTE_MAX_RETRIES};
use crate::request::RequestParts;

use super::pending::{Dep, Entry, Slot, SlotState};
use super::{ExecuteOptions, ExecuteSummary, Queue};

/// Requeues of one item for reasons that are not its own throttling (chain artefacts) before it
/// is given up.
const MAX_REQUEUES: u32 = 2 * ABSOLUTE_MAX_RETRIES + 5;

pub(super) struct Work {
    pub(super) id: u64,
    pub(super) parts: Option<RequestParts>,
    pub(super) deps: Vec<Dep>,
    pub(super) slot: Arc<Slot>,
    /// Retries used for its own throttling.
    pub(super) attempts: u32,
    /// Requeues for other reasons.
    pub(super) requeues: u32,
    pub(super) not_before: Option<Instant>,
    pub(super) last_error: Option<Error>,
    /// The round trip of the current round this query travels in.
    pub(super) unit: Option<Arc<UnitStart>>,
}

/// Whether a round trip of the current round has started, shared by the works in it and its
/// future. Round trips wait for their turn (`batch_concurrency`); until a round trip's future
/// is first polled nothing of it has been sent, so if `execute` is cancelled its queries go
/// back to the queue. Once started, they are in flight and their outcome is unknown.
pub(super) struct UnitStart {
    started: AtomicBool,
    slots: Vec<Arc<Slot>>,
    /// The request of a direct send that could not be cloned, until the send starts.
    parts: Mutex<Option<RequestParts>>,
}

impl UnitStart {
    fn new(slots: Vec<Arc<Slot>>, parts: Option<RequestParts>) -> Arc<UnitStart> {
        Arc::new(UnitStart { started: AtomicBool::new(false), slots, parts: Mutex::new(parts) })
    }

    fn lock_parts(&self) -> std::sync::MutexGuard<'_, Option<RequestParts>> {
        match self.parts.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// Called by the round trip's future when it first runs: its queries are now in flight.
    fn begin(&self) -> Option<RequestParts> {
        self.started.store(true, Ordering::SeqCst);
        for slot in &self.slots {
            slot.set(SlotState::Sending);
        }
        self.lock_parts().take()
    }

    fn started(&self) -> bool {
        self.started.load(Ordering::SeqCst)
    }
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

pub(super) struct Run {
    pub(super) queue: Queue,
    pub(super) works: Vec<Work>,
    pub(super) summary: ExecuteSummary,
    pub(super) started: Instant,
    pub(super) options: ExecuteOptions,
}

impl Drop for Run {
    fn drop(&mut self) {
        // Only reached with works left when the execute_query future was dropped mid-way.
        if self.works.is_empty() {
            return;
        }
        let mut back = Vec::new();
        for mut w in self.works.drain(..) {
            if let Some(unit) = w.unit.take() {
                if unit.started() {
                    w.slot.set(SlotState::Done(Err(Error::new(
                        ErrorKind::Cancelled,
                        format!(
                            "execute_query was cancelled while query {} was in flight: its outcome is unknown",
                            w.id
                        ),
                    ))));
                    continue;
                }
                // Its round trip never started: nothing of it was sent.
                if w.parts.is_none() {
                    w.parts = unit.lock_parts().take();
                }
            }
            if let Some(parts) = w.parts {
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

    /// The retry settings of the work at `index`: its own ([`crate::request::Request::retry`]),
    /// else the client's.
    fn retry_options(&self, index: Option<usize>) -> &RetryOptions {
        index
            .and_then(|i| self.works[i].parts.as_ref())
            .and_then(RequestParts::retry_options)
            .unwrap_or(&self.queue.client.inner.retry)
    }

    /// The delay before retry number `attempts + 1` of an item, if it stays within its retry
    /// limits (`retry`).
    fn retry_delay(&self, retry: &RetryOptions, attempts: u32, retry_after: Option<&str>) -> Option<Duration> {
        let delay = retry.delay_for(attempts + 1, retry_after)?;
        let within =
            retry.get_total_time_limit().is_none_or(|limit| self.started.elapsed().saturating_add(delay) <= limit);
        within.then_some(delay)
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
            Some(p) => !p.body().is_replayable() || p.relative_url(self.queue.client.api_root()).is_none(),
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

    pub(super) async fn run(&mut self) -> Result<()> {
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
        let api_root = self.queue.client.api_root().to_string();
        let batch_url = format!("{api_root}/$batch");
        let mut futures: Vec<BoxFuture<'static, UnitOutcome>> = Vec::new();
        let mut sent: Vec<(Unit, Vec<String>)> = Vec::new();
        let mut invalid: Vec<(u64, Error)> = Vec::new();
        for unit in units {
            match unit {
                Unit::Direct(i) => {
                    let w = &mut self.works[i];
                    // A request that cannot be cloned (a stream body) is handed over when the
                    // send starts; until then the unit keeps it, so it can go back to the queue.
                    let (cloned, handed) = match w.parts.as_ref().and_then(RequestParts::try_clone) {
                        Some(p) => (Some(p), None),
                        None => match w.parts.take() {
                            Some(p) => (None, Some(p)),
                            None => {
                                invalid.push((w.id, Error::new(ErrorKind::BatchItem, "request no longer available")));
                                continue;
                            }
                        },
                    };
                    // Its own retry settings go with the request (in its context); what is left
                    // of its budget caps them.
                    let max_retries = w
                        .parts
                        .as_ref()
                        .or(handed.as_ref())
                        .and_then(RequestParts::retry_options)
                        .unwrap_or(&self.queue.client.inner.retry)
                        .get_max_retries();
                    let budget = max_retries.saturating_sub(w.attempts);
                    let unit = UnitStart::new(vec![w.slot.clone()], handed);
                    w.unit = Some(unit.clone());
                    let client = self.queue.client.clone();
                    futures.push(Box::pin(async move {
                        let parts = match unit.begin().or(cloned) {
                            Some(p) => p,
                            None => {
                                return UnitOutcome::Direct(Err(Error::new(
                                    ErrorKind::BatchItem,
                                    "request no longer available",
                                )))
                            }
                        };
                        UnitOutcome::Direct(send_direct(&client, parts, budget).await)
                    }));
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
                    let unit = UnitStart::new(kept.iter().map(|&i| self.works[i].slot.clone()).collect(), None);
                    for &i in &kept {
                        self.works[i].unit = Some(unit.clone());
                    }
                    let client = self.queue.client.clone();
                    let url = batch_url.clone();
                    futures.push(Box::pin(async move {
                        unit.begin();
                        UnitOutcome::Batch(send_batch(&client, &url, body).await)
                    }));
                    sent.push((Unit::Batch { items: kept, sequential }, ids));
                    self.summary.batches += 1;
                }
            }
        }
        self.summary.round_trips += futures.len();
        let outcomes = run_limited(futures, self.queue.client.inner.batch_concurrency).await;

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
            self.works[i].unit = None;
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
            if let Some(unit) = w.unit.take() {
                if w.parts.is_none() {
                    w.parts = unit.lock_parts().take();
                }
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
        let whole_failure: Option<Error> = match &result {
            Err(e) => Some(e.clone().context("the $batch request failed")),
            Ok(r) if !r.is_success() => Some(r.to_error().context("the $batch request failed")),
            Ok(_) => None,
        };
        if let Some(err) = whole_failure {
            // The pipeline already retried 429/503 (refused, not run): every item gets the
            // error. A 504 or a lost connection leaves the outcome unknown; the pipeline does
            // not resend a $batch then (see `send_batch`): each item that may run twice is
            // sent again in a later round, the others fail saying their outcome is unknown.
            let unknown = match (err.kind(), err.status()) {
                (ErrorKind::Transport | ErrorKind::Timeout, _) => Some(Unknown::Cut),
                (ErrorKind::Http, Some(504)) => Some(Unknown::GatewayTimeout),
                _ => None,
            };
            let retry_after = match &result {
                Ok(r) => r.headers().get("retry-after").map(str::to_string),
                Err(_) => None,
            };
            // One delay per retry number, so the items resent travel together again (items
            // with retry settings of their own get their own delay).
            let mut delays: HashMap<u32, Option<Duration>> = HashMap::new();
            for (id, item) in work_ids.iter().zip(item_ids) {
                let index = self.index_of(*id);
                let attempts = index.map_or(u32::MAX, |i| self.works[i].attempts);
                let method = index.and_then(|i| self.works[i].parts.as_ref()).map(RequestParts::method);
                let own = index.and_then(|i| self.works[i].parts.as_ref()).and_then(RequestParts::retry_options);
                let retry = self.retry_options(index);
                let err = err.clone().in_batch_item(item);
                if let (Some(unknown), Some(method)) = (unknown, method) {
                    if !unknown.may_resend(method, retry.get_retry_unknown_outcomes()) {
                        done_ok.insert(*id, false);
                        decisions.push((*id, Decision::Resolve(Err(err.context(UNKNOWN_OUTCOME)))));
                        continue;
                    }
                    if attempts < retry.get_max_retries() {
                        let delay = match own {
                            Some(own) => self.retry_delay(own, attempts, retry_after.as_deref()),
                            None => *delays
                                .entry(attempts)
                                .or_insert_with(|| self.retry_delay(retry, attempts, retry_after.as_deref())),
                        };
                        if let Some(delay) = delay {
                            decisions.push((*id, Decision::Retry { delay, error: err }));
                            continue;
                        }
                    }
                }
                done_ok.insert(*id, false);
                decisions.push((*id, Decision::Resolve(Err(err))));
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
        // Ids are unique case-insensitively. Every answer is kept: an id answered more than
        // once has no single outcome (a 200 and a 500 for one create), so neither wins.
        let mut by_id: HashMap<String, Vec<HttpResponse>> = HashMap::with_capacity(items.len());
        for item in items {
            by_id.entry(item.id.to_ascii_lowercase()).or_default().push(item.response);
        }
        let mut requeued: Vec<u64> = Vec::new();
        for (pos, (id, item)) in work_ids.iter().zip(item_ids).enumerate() {
            let answers = by_id.remove(&item.to_ascii_lowercase()).unwrap_or_default();
            if answers.len() > 1 {
                let statuses: Vec<String> = answers.iter().map(|r| r.status().to_string()).collect();
                done_ok.insert(*id, false);
                decisions.push((
                    *id,
                    Decision::Resolve(Err(Error::new(
                        ErrorKind::BatchItem,
                        format!(
                            "the $batch answer has {} answers for this query (statuses {}): its outcome is unknown",
                            answers.len(),
                            statuses.join(", ")
                        ),
                    )
                    .in_batch_item(item))),
                ));
                continue;
            }
            let Some(resp) = answers.into_iter().next() else {
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
            let method = index.and_then(|i| self.works[i].parts.as_ref()).map(RequestParts::method);
            let retry = self.retry_options(index);
            if status == 504
                && method.is_some_and(|m| !Unknown::GatewayTimeout.may_resend(m, retry.get_retry_unknown_outcomes()))
            {
                // The item may have run: not sent again.
                done_ok.insert(*id, false);
                decisions.push((*id, Decision::Resolve(Err(err.context(UNKNOWN_OUTCOME)))));
                continue;
            }
            if matches!(status, 429 | 503 | 504) {
                let attempts = index.map_or(u32::MAX, |i| self.works[i].attempts);
                if attempts < retry.get_max_retries() {
                    if let Some(delay) = self.retry_delay(retry, attempts, resp.headers().get("retry-after")) {
                        requeued.push(*id);
                        decisions.push((*id, Decision::Retry { delay, error: err }));
                        continue;
                    }
                }
            }
            done_ok.insert(*id, false);
            decisions.push((*id, Decision::Resolve(Err(err))));
        }
    }
}

/// Why the outcome of a request is unknown.
#[derive(Clone, Copy)]
enum Unknown {
    /// `504 Gateway Timeout`.
    GatewayTimeout,
    /// The connection failed or timed out after the request may have been sent.
    Cut,
}

impl Unknown {
    /// Whether a request of `method` may be sent again (the pipeline's rule, see
    /// [`crate::pipeline::RetryOptions`]).
    fn may_resend(self, method: Method, opted_in: bool) -> bool {
        opted_in
            || match self {
                Unknown::GatewayTimeout => method.is_idempotent(),
                Unknown::Cut => method.is_safe(),
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
    // Never resent whole when its outcome is unknown (a 504, a lost connection): the queue
    // resends the items that may run twice, item by item (`process_batch`).
    let ctx = client.context().with_retry_unknown_outcomes(Some(false));
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
