//! Fault injection: latency, throttling (429 with `Retry-After`), server errors, per-app rate
//! limiting with `RateLimit-*` headers, dropped connections, truncated or malformed bodies and
//! slow bodies. Deterministic: probabilities draw from an RNG seeded by the builder's seed, and
//! counters are per rule.
//!
//! [`rule`] is the vocabulary (actions, triggers, scopes), [`spec`] its `--fault` text form,
//! [`engine`] the running state (part of the shared state); this module is the public handle
//! tests use to change faults while the emulator runs.

pub(crate) mod engine;
pub(crate) mod rule;
mod spec;

use std::sync::Arc;
use std::time::Duration;

pub use engine::FaultId;
pub use rule::{FaultAction, FaultRule, RateLimit, RetryAfter, Trigger};
pub use spec::FaultSpecError;

/// Controls the running emulator's faults; get one from `Emulator::faults()`. Cheap to clone.
#[derive(Clone)]
pub struct Faults {
    pub(crate) state: Arc<engine::FaultState>,
}

impl std::fmt::Debug for Faults {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Faults").finish_non_exhaustive()
    }
}

impl Faults {
    /// Adds a rule; rules are checked in the order they were added and the first that fires
    /// decides (latency rules add up and never block later rules).
    pub fn add(&self, rule: FaultRule) -> FaultId {
        self.state.add(rule)
    }

    /// Removes a rule; `false` if it was not there.
    pub fn remove(&self, id: FaultId) -> bool {
        self.state.remove(id)
    }

    /// How many times a rule has fired.
    pub fn fired(&self, id: FaultId) -> u64 {
        self.state.fired(id)
    }

    /// Removes every rule, the latency and the rate limit.
    pub fn clear(&self) {
        self.state.clear();
    }

    /// Latency for every Graph request and batch item: uniformly between `min` and `max`
    /// (seeded); `None` turns it off.
    pub fn set_latency(&self, range: Option<(Duration, Duration)>) {
        self.state.set_latency(range);
    }

    /// A per-app request budget; `None` turns it off. Responses then carry `RateLimit-Limit`,
    /// `RateLimit-Remaining` and `RateLimit-Reset` (seconds); over budget → 429 with
    /// `Retry-After` until the window resets.
    pub fn set_rate_limit(&self, limit: Option<RateLimit>) {
        self.state.set_rate_limit(limit);
    }
}
