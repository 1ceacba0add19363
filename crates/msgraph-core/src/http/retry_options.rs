//! Retry settings: how often and how long the pipeline may retry one request. The rules are
//! the pipeline's (`RetryPolicy`); the settings live here so a request's [`Context`](super::Context)
//! can carry its own.

use std::time::Duration;

/// The hard upper limit on retries, whatever is configured.
pub const ABSOLUTE_MAX_RETRIES: u32 = 10;

/// Retry settings (the rules are on [`RetryPolicy`](crate::pipeline::RetryPolicy)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryOptions {
    pub(crate) max_retries: u32,
    pub(crate) base_delay: Duration,
    pub(crate) max_delay: Duration,
    pub(crate) total_time_limit: Option<Duration>,
    pub(crate) retry_transport_errors: bool,
    pub(crate) retry_unknown_outcomes: bool,
}

impl Default for RetryOptions {
    fn default() -> RetryOptions {
        RetryOptions {
            max_retries: 3,
            base_delay: Duration::from_secs(3),
            max_delay: Duration::from_secs(180),
            total_time_limit: None,
            retry_transport_errors: true,
            retry_unknown_outcomes: false,
        }
    }
}

impl RetryOptions {
    /// Defaults: 3 retries, 3 s base delay, 180 s per-delay cap, no total limit.
    pub fn new() -> RetryOptions {
        RetryOptions::default()
    }

    /// No retries at all.
    pub fn none() -> RetryOptions {
        RetryOptions { max_retries: 0, ..RetryOptions::default() }
    }

    /// Number of retries (clamped to [`ABSOLUTE_MAX_RETRIES`]).
    pub fn max_retries(mut self, n: u32) -> RetryOptions {
        self.max_retries = n.min(ABSOLUTE_MAX_RETRIES);
        self
    }

    /// First backoff delay when the service gives no `Retry-After`.
    pub fn base_delay(mut self, d: Duration) -> RetryOptions {
        self.base_delay = d;
        self
    }

    /// Longest single delay (backoff is capped at it; a longer `Retry-After` is not retried).
    pub fn max_delay(mut self, d: Duration) -> RetryOptions {
        self.max_delay = d;
        self
    }

    /// Gives up when the next delay would end after this much time since the first try.
    pub fn total_time_limit(mut self, d: Option<Duration>) -> RetryOptions {
        self.total_time_limit = d;
        self
    }

    /// Whether transport errors are retried (default true): those of safe methods, or of every
    /// method with [`RetryOptions::retry_unknown_outcomes`].
    pub fn retry_transport_errors(mut self, yes: bool) -> RetryOptions {
        self.retry_transport_errors = yes;
        self
    }

    /// Also retries requests whose outcome is unknown — a `504 Gateway Timeout`, a connection
    /// lost after sending — whatever their method (default false: only methods that cannot
    /// duplicate an effect are; see [`RetryPolicy`](crate::pipeline::RetryPolicy) for the rules). Turn it on only when every
    /// `POST`/`PATCH` sent through this client may safely run twice.
    pub fn retry_unknown_outcomes(mut self, yes: bool) -> RetryOptions {
        self.retry_unknown_outcomes = yes;
        self
    }

    /// Whether requests whose outcome is unknown are retried whatever their method.
    pub fn get_retry_unknown_outcomes(&self) -> bool {
        self.retry_unknown_outcomes
    }

    /// The configured number of retries.
    pub fn get_max_retries(&self) -> u32 {
        self.max_retries
    }

    /// The configured base delay.
    pub fn get_base_delay(&self) -> Duration {
        self.base_delay
    }

    /// The configured per-delay cap.
    pub fn get_max_delay(&self) -> Duration {
        self.max_delay
    }

    /// The configured total time limit.
    pub fn get_total_time_limit(&self) -> Option<Duration> {
        self.total_time_limit
    }
}
