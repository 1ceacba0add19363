//! State shared by every connection: configuration, the store, auth, faults, guard, log.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use hyper::{HeaderMap, Method};
use rand::rngs::StdRng;
use rand::{Rng, RngCore};

use crate::auth::AuthState;
use crate::faults::FaultState;
use crate::guard::Guard;
use crate::log::RequestLog;
use crate::seed::SeedData;
use crate::store::Store;

/// Immutable configuration (set by the builder).
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) page_size: usize,
    pub(crate) token_lifetime: Duration,
    pub(crate) shuffle_batch: bool,
    pub(crate) empty_pages: bool,
    pub(crate) max_body_bytes: usize,
    pub(crate) device_code_lifetime: Duration,
    pub(crate) device_code_interval: Duration,
    pub(crate) body_timeout: Duration,
}

/// The emulator's URLs.
#[derive(Debug, Clone)]
pub(crate) struct Urls {
    /// `http://127.0.0.1:PORT`
    pub(crate) origin: String,
    /// `http://127.0.0.1:PORT/v1.0`
    pub(crate) base: String,
}

/// Who is calling, from a validated access token.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub(crate) app_id: String,
    /// The user for delegated tokens.
    pub(crate) user_id: Option<String>,
}

/// A Graph request (top-level or a `$batch` item), independent of hyper.
#[derive(Debug, Clone)]
pub(crate) struct GraphRequest {
    pub(crate) method: Method,
    /// Raw path after `/v1.0`, e.g. `/users/a%2Fb` (not decoded).
    pub(crate) path: String,
    /// Raw query without `?`.
    pub(crate) query: String,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    /// The `$batch` item id, for items.
    pub(crate) batch_item: Option<String>,
}

impl GraphRequest {
    /// `/v1.0/path?query` exactly as received.
    pub(crate) fn target(&self) -> String {
        if self.query.is_empty() {
            format!("/v1.0{}", self.path)
        } else {
            format!("/v1.0{}?{}", self.path, self.query)
        }
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// The emulator clock: wall-clock time plus an offset that tests can advance (token and device
/// code expiry, client assertion validity). `Retry-After` bookkeeping uses real time.
#[derive(Debug, Default)]
pub(crate) struct Clock {
    offset_ms: AtomicI64,
}

impl Clock {
    /// Milliseconds since the Unix epoch, emulator time.
    pub(crate) fn now_ms(&self) -> i64 {
        let real = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
        real + self.offset_ms.load(Ordering::Relaxed)
    }

    pub(crate) fn now_secs(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }

    pub(crate) fn advance(&self, by: Duration) {
        self.offset_ms.fetch_add(i64::try_from(by.as_millis()).unwrap_or(i64::MAX / 4), Ordering::Relaxed);
    }

    /// RFC 3339, UTC, seconds precision with `Z`.
    pub(crate) fn now_rfc3339(&self) -> String {
        rfc3339(self.now_ms())
    }
}

/// Formats epoch milliseconds as `2024-01-01T00:00:00Z`.
pub(crate) fn rfc3339(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000)).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let f = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    t.format(&f).unwrap_or_default()
}

/// Everything shared.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: Config,
    pub(crate) urls: Urls,
    pub(crate) tenant_id: String,
    pub(crate) store: RwLock<Store>,
    pub(crate) seed: SeedData,
    pub(crate) auth: AuthState,
    pub(crate) faults: FaultState,
    pub(crate) guard: Guard,
    pub(crate) log: RequestLog,
    pub(crate) rng: Mutex<StdRng>,
    pub(crate) clock: Clock,
    /// Key for tokens and `$skiptoken`s.
    pub(crate) secret: [u8; 32],
    /// Delta tokens carry the epoch they were issued in; bumping it (`expire_delta_tokens`,
    /// `reset`) makes every older token answer `410 Gone`.
    pub(crate) delta_epoch: AtomicU64,
}

/// Locks a mutex, recovering from poisoning (a panicking test thread must not wedge the server).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Shared {
    pub(crate) fn read(&self) -> RwLockReadGuard<'_, Store> {
        self.store.read().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn write(&self) -> RwLockWriteGuard<'_, Store> {
        self.store.write().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A random (seeded) UUID v4.
    pub(crate) fn new_uuid(&self) -> String {
        let mut bytes = [0u8; 16];
        lock(&self.rng).fill_bytes(&mut bytes);
        uuid::Builder::from_random_bytes(bytes).into_uuid().to_string()
    }

    /// A random (seeded) string from `alphabet`.
    pub(crate) fn random_string(&self, alphabet: &[u8], len: usize) -> String {
        let mut rng = lock(&self.rng);
        (0..len).map(|_| char::from(alphabet[rng.gen_range(0..alphabet.len())])).collect()
    }

    /// The current delta epoch.
    pub(crate) fn delta_epoch(&self) -> u64 {
        self.delta_epoch.load(Ordering::SeqCst)
    }

    /// Expires every delta and delta-round token issued so far.
    pub(crate) fn expire_delta_tokens(&self) {
        self.delta_epoch.fetch_add(1, Ordering::SeqCst);
    }

    pub(crate) fn authority(&self) -> String {
        format!("{}/{}", self.urls.origin, self.tenant_id)
    }
}
