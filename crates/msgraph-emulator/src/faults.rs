//! Fault injection: latency, throttling (429 with `Retry-After`), server errors, per-app rate
//! limiting with `RateLimit-*` headers, dropped connections, truncated or malformed bodies and
//! slow bodies. Deterministic: probabilities draw from an RNG seeded by the builder's seed, and
//! counters are per rule.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::errors::GraphError;
use crate::state::Shared;
use crate::sync::lock;

/// Largest HTTP-date offset (ten years): keeps the date representable.
const MAX_RETRY_AFTER_SECS: u64 = 10 * 365 * 24 * 3600;

/// How a `Retry-After` header is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfter {
    /// `Retry-After: N` (seconds).
    Seconds(u64),
    /// `Retry-After: <HTTP-date>` N seconds (rounded up to the next whole second) from now.
    HttpDate(u64),
    /// No header.
    None,
}

impl RetryAfter {
    /// The header value and how long it asks the client to wait.
    pub(crate) fn render(self) -> Option<(String, Duration)> {
        match self {
            RetryAfter::Seconds(n) => Some((n.to_string(), Duration::from_secs(n))),
            RetryAfter::HttpDate(n) => {
                let n = n.min(MAX_RETRY_AFTER_SECS);
                let now = SystemTime::now();
                let since = now.duration_since(UNIX_EPOCH).unwrap_or_default();
                let target_secs = since.as_secs() + n + u64::from(since.subsec_nanos() > 0);
                let target = UNIX_EPOCH.checked_add(Duration::from_secs(target_secs)).unwrap_or(now);
                let wait = target.duration_since(now).unwrap_or_default();
                Some((httpdate::fmt_http_date(target), wait))
            }
            RetryAfter::None => None,
        }
    }
}

/// What a fault does.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum FaultAction {
    /// 429 `TooManyRequests`.
    Throttle {
        /// The `Retry-After` header.
        retry_after: RetryAfter,
    },
    /// An error status (500, 502, 503, 504, 507, or any other 4xx/5xx), Graph-shaped body.
    Status {
        /// The HTTP status.
        status: u16,
        /// The `Retry-After` header (typical with 503/504).
        retry_after: RetryAfter,
    },
    /// Close the connection without answering (the request is not executed).
    DropConnection,
    /// Execute the request, send the headers and half of the body, then close the connection
    /// (the client sees a body shorter than `Content-Length`).
    TruncateBody,
    /// Execute the request and answer with a complete response whose JSON body is cut in half
    /// (valid HTTP, invalid JSON).
    MalformedJson,
    /// Execute the request and send the body `chunk` bytes at a time, `delay` apart.
    SlowBody {
        /// Bytes per chunk (at least 1).
        chunk: usize,
        /// Delay between chunks.
        delay: Duration,
    },
    /// Wait before handling the request.
    Latency(Duration),
}

impl FaultAction {
    /// A short name, used in the request log.
    pub(crate) fn label(&self) -> String {
        match self {
            FaultAction::Throttle { .. } => "throttle".into(),
            FaultAction::Status { status, .. } => format!("status {status}"),
            FaultAction::DropConnection => "drop".into(),
            FaultAction::TruncateBody => "truncate".into(),
            FaultAction::MalformedJson => "malformed".into(),
            FaultAction::SlowBody { .. } => "slow".into(),
            FaultAction::Latency(_) => "latency".into(),
        }
    }

    /// Whether the action makes sense for a `$batch` item (only status faults and latency do).
    fn applies_to_items(&self) -> bool {
        matches!(self, FaultAction::Throttle { .. } | FaultAction::Status { .. } | FaultAction::Latency(_))
    }
}

/// When a rule fires, counting only the requests in its scope.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Trigger {
    /// Every matching request.
    Always,
    /// The N-th, 2N-th, ... matching request.
    Every(u64),
    /// Each matching request with this probability (seeded RNG).
    Probability(f64),
    /// The next N matching requests, then never again.
    Next(u64),
}

/// A fault rule: an action, a trigger and a scope. Build one with the constructors and refine it
/// with the chained setters:
///
/// ```
/// use msgraph_emulator::{FaultRule, RetryAfter};
/// use std::time::Duration;
///
/// let every_tenth_throttled = FaultRule::throttle(RetryAfter::Seconds(2)).every(10);
/// let two_503s = FaultRule::status(503).retry_after(RetryAfter::HttpDate(1)).next(2);
/// let flaky = FaultRule::drop_connection().probability(0.05).path_prefix("/v1.0/users");
/// let slow = FaultRule::latency(Duration::from_millis(50)).on_batch_items(false);
/// // The same from the command-line syntax (`--fault`):
/// let parsed: FaultRule = "throttle:retry-after=2,every=10".parse().unwrap();
/// assert_eq!(parsed, every_tenth_throttled);
/// # let _ = (two_503s, flaky, slow);
/// ```
///
/// Scope defaults: top-level Graph requests and `$batch` items, not the token endpoint.
/// Transport faults (drop, truncate, malformed, slow) never apply to batch items.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultRule {
    action: FaultAction,
    trigger: Trigger,
    requests: bool,
    batch_items: bool,
    token_endpoint: bool,
    path_prefix: Option<String>,
    method: Option<String>,
}

impl FaultRule {
    /// A rule with `action`, triggered always, default scope.
    pub fn new(action: FaultAction) -> Self {
        FaultRule {
            action,
            trigger: Trigger::Always,
            requests: true,
            batch_items: true,
            token_endpoint: false,
            path_prefix: None,
            method: None,
        }
    }

    /// 429 with the given `Retry-After`.
    pub fn throttle(retry_after: RetryAfter) -> Self {
        Self::new(FaultAction::Throttle { retry_after })
    }

    /// An error status (e.g. 500, 502, 503, 504, 507) without `Retry-After` (add one with
    /// [`retry_after`](Self::retry_after)).
    pub fn status(status: u16) -> Self {
        Self::new(FaultAction::Status { status, retry_after: RetryAfter::None })
    }

    /// Close the connection without answering.
    pub fn drop_connection() -> Self {
        Self::new(FaultAction::DropConnection)
    }

    /// Send only half of the body, then close.
    pub fn truncate_body() -> Self {
        Self::new(FaultAction::TruncateBody)
    }

    /// Answer with a JSON body cut in half.
    pub fn malformed_json() -> Self {
        Self::new(FaultAction::MalformedJson)
    }

    /// Send the body slowly.
    pub fn slow_body(chunk: usize, delay: Duration) -> Self {
        Self::new(FaultAction::SlowBody { chunk: chunk.max(1), delay })
    }

    /// Add latency.
    pub fn latency(delay: Duration) -> Self {
        Self::new(FaultAction::Latency(delay))
    }

    /// Sets the `Retry-After` of a throttle or status rule (ignored for other actions).
    pub fn retry_after(mut self, value: RetryAfter) -> Self {
        match &mut self.action {
            FaultAction::Throttle { retry_after } | FaultAction::Status { retry_after, .. } => *retry_after = value,
            _ => {}
        }
        self
    }

    /// Fires on every N-th matching request (N ≥ 1).
    pub fn every(mut self, n: u64) -> Self {
        self.trigger = Trigger::Every(n.max(1));
        self
    }

    /// Fires with probability `p` (0..=1) per matching request.
    pub fn probability(mut self, p: f64) -> Self {
        self.trigger = Trigger::Probability(p.clamp(0.0, 1.0));
        self
    }

    /// Fires on the next `n` matching requests only.
    pub fn next(mut self, n: u64) -> Self {
        self.trigger = Trigger::Next(n);
        self
    }

    /// Fires on every matching request (the default).
    pub fn always(mut self) -> Self {
        self.trigger = Trigger::Always;
        self
    }

    /// Whether top-level Graph requests are in scope (default true).
    pub fn on_requests(mut self, yes: bool) -> Self {
        self.requests = yes;
        self
    }

    /// Whether `$batch` items are in scope (default true; only throttle, status and latency
    /// apply to items).
    pub fn on_batch_items(mut self, yes: bool) -> Self {
        self.batch_items = yes;
        self
    }

    /// Whether the token endpoints are in scope (default false).
    pub fn on_token_endpoint(mut self, yes: bool) -> Self {
        self.token_endpoint = yes;
        self
    }

    /// Only requests whose path (`/v1.0/...`, or `/{tenant}/oauth2/...`) starts with `prefix`.
    pub fn path_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.path_prefix = Some(prefix.into());
        self
    }

    /// Only requests with this HTTP method.
    pub fn method(mut self, method: impl Into<String>) -> Self {
        self.method = Some(method.into().to_ascii_uppercase());
        self
    }

    /// The action.
    pub fn action(&self) -> &FaultAction {
        &self.action
    }

    /// The trigger.
    pub fn trigger(&self) -> Trigger {
        self.trigger
    }
}

/// Error from parsing a `--fault` specification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultSpecError(String);

impl std::fmt::Display for FaultSpecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid fault specification: {}", self.0)
    }
}

impl std::error::Error for FaultSpecError {}

fn parse_retry_after(v: &str) -> Result<RetryAfter, FaultSpecError> {
    if v == "none" {
        return Ok(RetryAfter::None);
    }
    if let Some(n) = v.strip_prefix("date:") {
        return n.parse().map(RetryAfter::HttpDate).map_err(|_| FaultSpecError(format!("bad retry-after '{v}'")));
    }
    v.parse().map(RetryAfter::Seconds).map_err(|_| FaultSpecError(format!("bad retry-after '{v}'")))
}

fn parse_ms(v: &str) -> Result<Duration, FaultSpecError> {
    let n = v.strip_suffix("ms").unwrap_or(v);
    n.parse().map(Duration::from_millis).map_err(|_| FaultSpecError(format!("bad milliseconds '{v}'")))
}

impl FromStr for FaultRule {
    type Err = FaultSpecError;

    /// `KIND[=VALUE][:key=value,...]`, e.g. `throttle:retry-after=2,every=10`,
    /// `status=503:probability=0.1,retry-after=date:5`, `drop:every=100`, `truncate:next=1`,
    /// `malformed:every=7`, `slow:chunk=16,delay=50ms`, `latency=50ms:probability=0.5`.
    /// Keys: `every`, `probability`, `next`, `retry-after` (`N`, `date:N`, `none`), `chunk`,
    /// `delay`, `requests`, `items`, `token` (true/false), `path` (prefix), `method`.
    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let (head, opts) = spec.split_once(':').unwrap_or((spec, ""));
        let (kind, value) = head.split_once('=').map_or((head, None), |(k, v)| (k, Some(v)));
        let mut rule = match (kind.trim().to_ascii_lowercase().as_str(), value) {
            ("throttle" | "429", None) => FaultRule::throttle(RetryAfter::Seconds(1)),
            ("status", Some(v)) => {
                let status: u16 = v.parse().map_err(|_| FaultSpecError(format!("bad status '{v}'")))?;
                if !(400..=599).contains(&status) {
                    return Err(FaultSpecError(format!("status {status} is not an error status")));
                }
                FaultRule::status(status)
            }
            (s @ ("500" | "502" | "503" | "504" | "507"), None) => FaultRule::status(s.parse().unwrap_or(500)),
            ("drop", None) => FaultRule::drop_connection(),
            ("truncate", None) => FaultRule::truncate_body(),
            ("malformed", None) => FaultRule::malformed_json(),
            ("slow", None) => FaultRule::slow_body(16, Duration::from_millis(20)),
            ("latency", Some(v)) => FaultRule::latency(parse_ms(v)?),
            _ => return Err(FaultSpecError(format!("unknown fault '{head}'"))),
        };
        for opt in opts.split(',').filter(|o| !o.trim().is_empty()) {
            let (k, v) =
                opt.split_once('=').ok_or_else(|| FaultSpecError(format!("expected key=value, got '{opt}'")))?;
            let (k, v) = (k.trim(), v.trim());
            let bool_v = || match v {
                "true" => Ok(true),
                "false" => Ok(false),
                _ => Err(FaultSpecError(format!("'{k}' takes true or false"))),
            };
            let num = |what: &str| v.parse::<u64>().map_err(|_| FaultSpecError(format!("bad {what} '{v}'")));
            rule = match k {
                "every" => rule.every(num("count")?),
                "next" => rule.next(num("count")?),
                "probability" | "prob" => {
                    let p: f64 = v.parse().map_err(|_| FaultSpecError(format!("bad probability '{v}'")))?;
                    if !(0.0..=1.0).contains(&p) {
                        return Err(FaultSpecError(format!("probability {p} is not within 0..=1")));
                    }
                    rule.probability(p)
                }
                "retry-after" => rule.retry_after(parse_retry_after(v)?),
                "chunk" => match &mut rule.action {
                    FaultAction::SlowBody { chunk, .. } => {
                        *chunk = num("chunk")?.max(1) as usize;
                        rule
                    }
                    _ => return Err(FaultSpecError("'chunk' applies to slow only".into())),
                },
                "delay" => match &mut rule.action {
                    FaultAction::SlowBody { delay, .. } => {
                        *delay = parse_ms(v)?;
                        rule
                    }
                    _ => return Err(FaultSpecError("'delay' applies to slow only".into())),
                },
                "requests" => rule.on_requests(bool_v()?),
                "items" => rule.on_batch_items(bool_v()?),
                "token" => rule.on_token_endpoint(bool_v()?),
                "path" => rule.path_prefix(v),
                "method" => rule.method(v),
                _ => return Err(FaultSpecError(format!("unknown option '{k}'"))),
            };
        }
        Ok(rule)
    }
}

/// Per-app request budget per time window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed per window, per app (client id).
    pub requests: u32,
    /// The window (fixed, starting at the app's first request).
    pub window: Duration,
}

/// Identifies a rule added with [`Faults::add`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FaultId(u64);

/// Where a request is in the emulator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Site {
    Request,
    BatchItem,
    Token,
}

#[derive(Debug)]
struct RuleState {
    id: FaultId,
    rule: FaultRule,
    seen: u64,
    fired: u64,
}

#[derive(Debug)]
struct Inner {
    rules: Vec<RuleState>,
    next_id: u64,
    latency: Option<(Duration, Duration)>,
    rate_limit: Option<RateLimit>,
    windows: HashMap<String, (Instant, u32)>,
    rng: StdRng,
}

/// The fault state.
#[derive(Debug)]
pub(crate) struct FaultState {
    inner: Mutex<Inner>,
}

/// What to do with one request.
#[derive(Debug, Default)]
pub(crate) struct Decision {
    pub(crate) latency: Duration,
    pub(crate) action: Option<FaultAction>,
}

/// The outcome of the rate limiter for one request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RateOutcome {
    pub(crate) limit: u32,
    pub(crate) remaining: u32,
    pub(crate) reset: Duration,
    pub(crate) exceeded: bool,
}

impl FaultState {
    pub(crate) fn new(
        seed: u64,
        rules: Vec<FaultRule>,
        latency: Option<(Duration, Duration)>,
        rate_limit: Option<RateLimit>,
    ) -> Self {
        let mut inner = Inner {
            rules: Vec::new(),
            next_id: 1,
            latency,
            rate_limit,
            windows: HashMap::new(),
            rng: StdRng::seed_from_u64(seed ^ 0x5eed_fa17),
        };
        for r in rules {
            let id = FaultId(inner.next_id);
            inner.next_id += 1;
            inner.rules.push(RuleState { id, rule: r, seen: 0, fired: 0 });
        }
        FaultState { inner: Mutex::new(inner) }
    }

    /// Decides latency and the (first) fault for a request.
    pub(crate) fn decide(&self, site: Site, method: &str, path: &str) -> Decision {
        let mut g = lock(&self.inner);
        let Inner { rules, latency, rng, .. } = &mut *g;
        let mut d = Decision::default();
        if site != Site::Token {
            if let Some((min, max)) = *latency {
                d.latency += if max > min { rng.gen_range(min..=max) } else { min };
            }
        }
        for st in rules.iter_mut() {
            let r = &st.rule;
            let in_scope = match site {
                Site::Request => r.requests,
                Site::BatchItem => r.batch_items && r.action.applies_to_items(),
                Site::Token => r.token_endpoint,
            } && r.path_prefix.as_deref().is_none_or(|p| path.starts_with(p))
                && r.method.as_deref().is_none_or(|m| m.eq_ignore_ascii_case(method));
            if !in_scope {
                continue;
            }
            let is_latency = matches!(r.action, FaultAction::Latency(_));
            if !is_latency && d.action.is_some() {
                continue; // one fault per request; later rules do not count it
            }
            st.seen += 1;
            let fire = match r.trigger {
                Trigger::Always => true,
                Trigger::Every(n) => st.seen % n.max(1) == 0,
                Trigger::Probability(p) => rng.gen_bool(p.clamp(0.0, 1.0)),
                Trigger::Next(n) => st.fired < n,
            };
            if !fire {
                continue;
            }
            st.fired += 1;
            match &r.action {
                FaultAction::Latency(l) => d.latency += *l,
                other => d.action = Some(other.clone()),
            }
        }
        d
    }

    /// Counts a request against the app's budget.
    pub(crate) fn rate(&self, app: &str) -> Option<RateOutcome> {
        let mut g = lock(&self.inner);
        let limit = g.rate_limit?;
        let now = Instant::now();
        let entry = g.windows.entry(app.to_string()).or_insert((now, 0));
        if now.duration_since(entry.0) >= limit.window {
            *entry = (now, 0);
        }
        let reset = limit.window.saturating_sub(now.duration_since(entry.0));
        if entry.1 >= limit.requests {
            return Some(RateOutcome { limit: limit.requests, remaining: 0, reset, exceeded: true });
        }
        entry.1 += 1;
        Some(RateOutcome { limit: limit.requests, remaining: limit.requests - entry.1, reset, exceeded: false })
    }
}

/// The Graph error for a throttle or status fault.
pub(crate) fn fault_error(action: &FaultAction) -> Option<(GraphError, Option<Duration>)> {
    let (status, retry_after) = match action {
        FaultAction::Throttle { retry_after } => (429u16, *retry_after),
        FaultAction::Status { status, retry_after } => (*status, *retry_after),
        _ => return None,
    };
    let code = match status {
        429 => "TooManyRequests",
        500 => "generalException",
        502 => "BadGateway",
        503 => "serviceNotAvailable",
        504 => "GatewayTimeout",
        507 => "quotaLimitReached",
        _ => "UnknownError",
    };
    let message = match status {
        429 => "Too many requests. Retry after the time given in the Retry-After header.".to_string(),
        _ => format!("Injected fault: the service answered {status}."),
    };
    let st = hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    let mut e = GraphError::new(st, code, message);
    let mut wait = None;
    if let Some((value, d)) = retry_after.render() {
        e = e.with_header(hyper::header::RETRY_AFTER, value);
        wait = Some(d);
    }
    Some((e, wait))
}

/// Controls the running emulator's faults; get one from `Emulator::faults()`. Cheap to clone.
#[derive(Clone)]
pub struct Faults {
    pub(crate) shared: Arc<Shared>,
}

impl std::fmt::Debug for Faults {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Faults").finish_non_exhaustive()
    }
}

impl Faults {
    fn state(&self) -> std::sync::MutexGuard<'_, Inner> {
        lock(&self.shared.faults.inner)
    }

    /// Adds a rule; rules are checked in the order they were added and the first that fires
    /// decides (latency rules add up and never block later rules).
    pub fn add(&self, rule: FaultRule) -> FaultId {
        let mut g = self.state();
        let id = FaultId(g.next_id);
        g.next_id += 1;
        g.rules.push(RuleState { id, rule, seen: 0, fired: 0 });
        id
    }

    /// Removes a rule; `false` if it was not there.
    pub fn remove(&self, id: FaultId) -> bool {
        let mut g = self.state();
        let before = g.rules.len();
        g.rules.retain(|r| r.id != id);
        g.rules.len() != before
    }

    /// How many times a rule has fired.
    pub fn fired(&self, id: FaultId) -> u64 {
        self.state().rules.iter().find(|r| r.id == id).map_or(0, |r| r.fired)
    }

    /// Removes every rule, the latency and the rate limit.
    pub fn clear(&self) {
        let mut g = self.state();
        g.rules.clear();
        g.latency = None;
        g.rate_limit = None;
        g.windows.clear();
    }

    /// Latency for every Graph request and batch item: uniformly between `min` and `max`
    /// (seeded); `None` turns it off.
    pub fn set_latency(&self, range: Option<(Duration, Duration)>) {
        self.state().latency = range;
    }

    /// A per-app request budget; `None` turns it off. Responses then carry `RateLimit-Limit`,
    /// `RateLimit-Remaining` and `RateLimit-Reset` (seconds); over budget → 429 with
    /// `Retry-After` until the window resets.
    pub fn set_rate_limit(&self, limit: Option<RateLimit>) {
        let mut g = self.state();
        g.rate_limit = limit;
        g.windows.clear();
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn triggers_are_deterministic() {
        let f = FaultState::new(
            1,
            vec![FaultRule::throttle(RetryAfter::Seconds(1)).every(3), FaultRule::status(503).next(1)],
            None,
            None,
        );
        let fired: Vec<Option<String>> =
            (0..7).map(|_| f.decide(Site::Request, "GET", "/v1.0/me").action.map(|a| a.label())).collect();
        assert_eq!(
            fired,
            vec![
                Some("status 503".to_string()),
                None,
                Some("throttle".to_string()),
                None,
                None,
                Some("throttle".to_string()),
                None
            ]
        );
        let run = |seed| {
            let f = FaultState::new(seed, vec![FaultRule::drop_connection().probability(0.3)], None, None);
            (0..50).map(|_| f.decide(Site::Request, "GET", "/").action.is_some()).collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
    }

    #[test]
    fn scopes() {
        let f = FaultState::new(
            0,
            vec![
                FaultRule::drop_connection().path_prefix("/v1.0/users"),
                FaultRule::throttle(RetryAfter::None).method("post").on_requests(false),
            ],
            None,
            None,
        );
        assert!(f.decide(Site::Request, "GET", "/v1.0/me").action.is_none());
        assert!(f.decide(Site::Request, "GET", "/v1.0/users/x").action.is_some());
        // Transport faults never apply to batch items.
        assert!(f.decide(Site::BatchItem, "GET", "/v1.0/users/x").action.is_none());
        assert!(f.decide(Site::BatchItem, "POST", "/v1.0/me").action.is_some());
        assert!(f.decide(Site::Request, "POST", "/v1.0/me").action.is_none());
        assert!(f.decide(Site::Token, "POST", "/t/oauth2/v2.0/token").action.is_none());
    }

    #[test]
    fn rate_limit() {
        let f = FaultState::new(0, vec![], None, Some(RateLimit { requests: 2, window: Duration::from_secs(60) }));
        let a = f.rate("a").unwrap();
        assert_eq!((a.limit, a.remaining, a.exceeded), (2, 1, false));
        assert!(!f.rate("a").unwrap().exceeded);
        let c = f.rate("a").unwrap();
        assert!(c.exceeded && c.reset <= Duration::from_secs(60));
        assert!(!f.rate("b").unwrap().exceeded);
    }

    #[test]
    fn specs() {
        let r: FaultRule = "status=503:probability=0.5,retry-after=date:5,items=false".parse().unwrap();
        assert_eq!(
            r,
            FaultRule::status(503).probability(0.5).retry_after(RetryAfter::HttpDate(5)).on_batch_items(false)
        );
        let r: FaultRule = "slow:chunk=8,delay=30ms,next=2".parse().unwrap();
        assert_eq!(r, FaultRule::slow_body(8, Duration::from_millis(30)).next(2));
        let r: FaultRule = "latency=50ms:path=/v1.0/me,method=get".parse().unwrap();
        assert_eq!(r, FaultRule::latency(Duration::from_millis(50)).path_prefix("/v1.0/me").method("GET"));
        assert_eq!("504".parse::<FaultRule>().unwrap(), FaultRule::status(504));
        assert!("explode".parse::<FaultRule>().is_err());
        assert!("throttle:every".parse::<FaultRule>().is_err());
        assert!("throttle:probability=2".parse::<FaultRule>().is_err());
        assert!("status=200".parse::<FaultRule>().is_err());
        assert!("drop:chunk=3".parse::<FaultRule>().is_err());
    }

    #[test]
    fn retry_after_rendering() {
        assert_eq!(RetryAfter::Seconds(3).render().unwrap().0, "3");
        let (date, wait) = RetryAfter::HttpDate(2).render().unwrap();
        assert!(date.ends_with(" GMT"), "{date}");
        assert!(wait > Duration::from_secs(1) && wait <= Duration::from_secs(3), "{wait:?}");
        assert!(RetryAfter::None.render().is_none());
    }
}
