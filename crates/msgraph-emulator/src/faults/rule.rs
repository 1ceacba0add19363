//! The fault vocabulary: what a fault does ([`FaultAction`]), when it fires ([`Trigger`]),
//! where it applies ([`FaultRule`]'s scope), and the per-app [`RateLimit`].

use std::time::{Duration, SystemTime, UNIX_EPOCH};

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
    pub(super) fn applies_to_items(&self) -> bool {
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
    pub(super) action: FaultAction,
    pub(super) trigger: Trigger,
    pub(super) requests: bool,
    pub(super) batch_items: bool,
    pub(super) token_endpoint: bool,
    pub(super) path_prefix: Option<String>,
    pub(super) method: Option<String>,
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

/// Per-app request budget per time window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed per window, per app (client id).
    pub requests: u32,
    /// The window (fixed, starting at the app's first request).
    pub window: Duration,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_rendering() {
        assert_eq!(RetryAfter::Seconds(3).render().unwrap().0, "3");
        let (date, wait) = RetryAfter::HttpDate(2).render().unwrap();
        assert!(date.ends_with(" GMT"), "{date}");
        assert!(wait > Duration::from_secs(1) && wait <= Duration::from_secs(3), "{wait:?}");
        assert!(RetryAfter::None.render().is_none());
    }
}
