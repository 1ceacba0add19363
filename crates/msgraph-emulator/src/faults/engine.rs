//! The running fault state: which rules fire for a request (deterministically: counters per
//! rule, probabilities from an RNG seeded by the builder's seed), latency, and the per-app
//! rate limiter.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::rule::{FaultAction, FaultRule, RateLimit, Trigger};
use crate::errors::GraphError;
use crate::sync::lock;

/// Identifies a rule added with [`Faults::add`](super::Faults::add).
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

    /// Adds a rule after the others.
    pub(super) fn add(&self, rule: FaultRule) -> FaultId {
        let mut g = lock(&self.inner);
        let id = FaultId(g.next_id);
        g.next_id += 1;
        g.rules.push(RuleState { id, rule, seen: 0, fired: 0 });
        id
    }

    /// Removes a rule; `false` if it was not there.
    pub(super) fn remove(&self, id: FaultId) -> bool {
        let mut g = lock(&self.inner);
        let before = g.rules.len();
        g.rules.retain(|r| r.id != id);
        g.rules.len() != before
    }

    /// How many times a rule has fired.
    pub(super) fn fired(&self, id: FaultId) -> u64 {
        lock(&self.inner).rules.iter().find(|r| r.id == id).map_or(0, |r| r.fired)
    }

    /// Removes every rule, the latency and the rate limit.
    pub(super) fn clear(&self) {
        let mut g = lock(&self.inner);
        g.rules.clear();
        g.latency = None;
        g.rate_limit = None;
        g.windows.clear();
    }

    pub(super) fn set_latency(&self, range: Option<(Duration, Duration)>) {
        lock(&self.inner).latency = range;
    }

    pub(super) fn set_rate_limit(&self, limit: Option<RateLimit>) {
        let mut g = lock(&self.inner);
        g.rate_limit = limit;
        g.windows.clear();
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

#[cfg(test)]
mod tests {
    use super::super::rule::RetryAfter;
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
}
