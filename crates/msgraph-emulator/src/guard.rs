//! The protocol guard: records client misbehaviour so SDK tests can assert there was none.

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::sync::lock;

/// Most violations kept (later ones are counted, not stored).
const MAX_VIOLATIONS: usize = 10_000;
/// Most next links remembered.
const MAX_LINKS: usize = 100_000;
/// Most pending `Retry-After` deadlines remembered.
const MAX_DEADLINES: usize = 100_000;
/// Tolerance for clock granularity when checking `Retry-After`.
const GRACE: Duration = Duration::from_millis(20);

/// A protocol violation by the client.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Violation {
    /// The same request came back before the `Retry-After` the emulator gave it had elapsed.
    /// A request is the same when app, method and URL match and so does its identity: the
    /// `client-request-id` it carries (every retry of one request keeps it), or, when it carries
    /// none, its body. Distinct requests to one URL (creates with other bodies, or other
    /// `client-request-id`s) are not retries of each other.
    RetryAfterNotHonoured {
        /// The app (client id) that sent it.
        client_id: String,
        /// HTTP method.
        method: String,
        /// `/v1.0/...` path and query.
        url: String,
        /// The request's `client-request-id`, when it sent one.
        client_request_id: Option<String>,
        /// The `Retry-After` that was given.
        retry_after: Duration,
        /// How long the client actually waited.
        waited: Duration,
    },
    /// A request carried a `$skiptoken` but its URL is not one the emulator issued as
    /// `@odata.nextLink` (the client built or re-encoded a paging URL).
    UnissuedNextLink {
        /// `/v1.0/...` path and query as received.
        url: String,
    },
    /// A request carried a `$deltatoken` but its URL is not one the emulator issued as
    /// `@odata.deltaLink` (the client built or re-encoded a delta URL).
    UnissuedDeltaLink {
        /// `/v1.0/...` path and query as received.
        url: String,
    },
    /// A `$batch` request broke one of Graph's batching rules (the emulator answered 400).
    BatchRuleBroken {
        /// Which rule, in words.
        reason: String,
    },
    /// A `$batch` request item spelt `dependsOn` otherwise (`depends_on`, as Microsoft's Python
    /// SDK writes it). Graph ignores keys it does not know, so the dependency is lost and the
    /// item runs unsequenced; the emulator does the same and reports it.
    MisspeltDependsOn {
        /// The item's `id`.
        request: String,
        /// The key as sent.
        key: String,
    },
    /// An access token was used after it expired.
    ExpiredTokenUsed {
        /// `/v1.0/...` path and query.
        url: String,
        /// How long ago the token had expired.
        expired_for: Duration,
    },
    /// The device-code token endpoint was polled faster than the `interval` it was given.
    DeviceCodePolledTooFast {
        /// The app (client id).
        client_id: String,
        /// The interval in force.
        interval: Duration,
        /// Time since the previous poll.
        waited: Duration,
    },
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::RetryAfterNotHonoured { client_id, method, url, client_request_id, retry_after, waited } => {
                write!(f, "{method} {url} (app {client_id}")?;
                if let Some(c) = client_request_id {
                    write!(f, ", client-request-id {c}")?;
                }
                write!(f, ") was retried after {waited:?}, before its Retry-After of {retry_after:?}")
            }
            Violation::UnissuedNextLink { url } => {
                write!(f, "{url} carries a $skiptoken but was never issued as an @odata.nextLink")
            }
            Violation::UnissuedDeltaLink { url } => {
                write!(f, "{url} carries a $deltatoken but was never issued as an @odata.deltaLink")
            }
            Violation::BatchRuleBroken { reason } => write!(f, "$batch broke Graph's rules: {reason}"),
            Violation::MisspeltDependsOn { request, key } => write!(
                f,
                "$batch request '{request}' has '{key}', which Graph ignores (the key is 'dependsOn'): it ran unsequenced"
            ),
            Violation::ExpiredTokenUsed { url, expired_for } => {
                write!(f, "{url} was called with a token that had expired {expired_for:?} earlier")
            }
            Violation::DeviceCodePolledTooFast { client_id, interval, waited } => write!(
                f,
                "device code polled after {waited:?} by app {client_id}, faster than the interval of {interval:?}"
            ),
        }
    }
}

/// What a request is, across its retries: app, method, URL and its own identity.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct RetryKey {
    client: String,
    method: String,
    url: String,
    identity: Identity,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Identity {
    /// The `client-request-id` the client sent (kept by every retry of one request).
    ClientRequestId(String),
    /// Without one: the body's SHA-256 (a retry resends the same body; two creates with
    /// different bodies are different requests).
    Body([u8; 32]),
}

impl RetryKey {
    /// `client_request_id` is the one the client sent for this request (not one a `$batch` item
    /// inherited from its batch).
    pub(crate) fn new(client: &str, method: &str, url: &str, client_request_id: Option<&str>, body: &[u8]) -> Self {
        let identity = match client_request_id {
            Some(c) => Identity::ClientRequestId(c.to_string()),
            None => Identity::Body(Sha256::digest(body).into()),
        };
        RetryKey { client: client.into(), method: method.into(), url: url.into(), identity }
    }
}

#[derive(Debug, Default)]
struct Inner {
    violations: Vec<Violation>,
    dropped: usize,
    links: HashSet<String>,
    link_order: VecDeque<String>,
    /// request → (issued at, retry after)
    deadlines: HashMap<RetryKey, (Instant, Duration)>,
}

/// The guard's state.
#[derive(Debug, Default)]
pub(crate) struct Guard {
    inner: Mutex<Inner>,
}

impl Guard {
    pub(crate) fn record(&self, v: Violation) {
        let mut g = lock(&self.inner);
        if g.violations.len() < MAX_VIOLATIONS {
            g.violations.push(v);
        } else {
            g.dropped += 1;
        }
    }

    pub(crate) fn violations(&self) -> Vec<Violation> {
        lock(&self.inner).violations.clone()
    }

    pub(crate) fn clear(&self) {
        let mut g = lock(&self.inner);
        g.violations.clear();
        g.dropped = 0;
    }

    /// Remembers an issued next link (`/v1.0/...?...`).
    pub(crate) fn issued_link(&self, target: String) {
        let mut g = lock(&self.inner);
        if g.links.insert(target.clone()) {
            g.link_order.push_back(target);
            while g.link_order.len() > MAX_LINKS {
                if let Some(old) = g.link_order.pop_front() {
                    g.links.remove(&old);
                }
            }
        }
    }

    /// Checks a request that carries a `$skiptoken`.
    pub(crate) fn check_link(&self, target: &str) {
        let known = lock(&self.inner).links.contains(target);
        if !known {
            self.record(Violation::UnissuedNextLink { url: target.to_string() });
        }
    }

    /// Checks a request that carries a `$deltatoken`.
    pub(crate) fn check_delta_link(&self, target: &str) {
        let known = lock(&self.inner).links.contains(target);
        if !known {
            self.record(Violation::UnissuedDeltaLink { url: target.to_string() });
        }
    }

    /// Whether any request was told to wait (and has not come back yet).
    pub(crate) fn has_deadlines(&self) -> bool {
        !lock(&self.inner).deadlines.is_empty()
    }

    /// Remembers that the request `key` was told to wait `retry_after`.
    pub(crate) fn told_to_wait(&self, key: RetryKey, retry_after: Duration) {
        let mut g = lock(&self.inner);
        if g.deadlines.len() >= MAX_DEADLINES {
            let now = Instant::now();
            g.deadlines.retain(|_, (at, wait)| now.duration_since(*at) < *wait);
        }
        g.deadlines.insert(key, (Instant::now(), retry_after));
    }

    /// Checks (and forgets) a pending `Retry-After` for the same request.
    pub(crate) fn check_retry(&self, key: &RetryKey) {
        let pending = {
            let mut g = lock(&self.inner);
            if g.deadlines.is_empty() {
                return;
            }
            g.deadlines.remove(key)
        };
        if let Some((at, retry_after)) = pending {
            let waited = at.elapsed();
            if waited + GRACE < retry_after {
                let client_request_id = match &key.identity {
                    Identity::ClientRequestId(c) => Some(c.clone()),
                    Identity::Body(_) => None,
                };
                self.record(Violation::RetryAfterNotHonoured {
                    client_id: key.client.clone(),
                    method: key.method.clone(),
                    url: key.url.clone(),
                    client_request_id,
                    retry_after,
                    waited,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_and_links() {
        let g = Guard::default();
        let key = |app: &str, url: &str| RetryKey::new(app, "GET", url, None, b"");
        g.told_to_wait(key("app", "/v1.0/me"), Duration::from_secs(5));
        g.check_retry(&key("app", "/v1.0/other")); // different request: fine
        g.check_retry(&key("other-app", "/v1.0/me")); // different app: fine
        g.check_retry(&RetryKey::new("app", "GET", "/v1.0/me", Some("c1"), b"")); // another identity
        assert!(g.violations().is_empty());
        g.check_retry(&key("app", "/v1.0/me"));
        assert!(
            matches!(&g.violations()[0], Violation::RetryAfterNotHonoured { retry_after, client_request_id: None, .. } if *retry_after == Duration::from_secs(5))
        );
        g.check_retry(&key("app", "/v1.0/me")); // forgotten after the first check
        assert_eq!(g.violations().len(), 1);
        g.told_to_wait(key("app", "/v1.0/x"), Duration::ZERO);
        g.check_retry(&key("app", "/v1.0/x"));
        assert_eq!(g.violations().len(), 1);
        // The same client-request-id is the same request; the body does not matter then.
        let g2 = Guard::default();
        g2.told_to_wait(RetryKey::new("app", "POST", "/v1.0/groups", Some("c2"), b"{}"), Duration::from_secs(5));
        g2.check_retry(&RetryKey::new("app", "POST", "/v1.0/groups", None, b"{}"));
        assert!(g2.violations().is_empty());
        g2.check_retry(&RetryKey::new("app", "POST", "/v1.0/groups", Some("c2"), b"{ }"));
        assert!(g2.violations()[0].to_string().contains("client-request-id c2"), "{}", g2.violations()[0]);

        g.issued_link("/v1.0/users?$skiptoken=a".into());
        g.check_link("/v1.0/users?$skiptoken=a");
        assert_eq!(g.violations().len(), 1);
        g.check_link("/v1.0/users?%24skiptoken=a");
        assert_eq!(g.violations().len(), 2);
        assert!(g.violations()[1].to_string().contains("never issued"));
        g.issued_link("/v1.0/users/delta()?$deltatoken=d".into());
        g.check_delta_link("/v1.0/users/delta()?$deltatoken=d");
        assert_eq!(g.violations().len(), 2);
        g.check_delta_link("/v1.0/users/delta()?$deltatoken=e");
        assert!(matches!(&g.violations()[2], Violation::UnissuedDeltaLink { url } if url.ends_with("=e")));
        assert!(g.violations()[2].to_string().contains("@odata.deltaLink"));
        g.clear();
        assert!(g.violations().is_empty());
    }
}
