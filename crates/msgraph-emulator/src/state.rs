//! State shared by every connection: configuration, the store, auth, faults, guard, log.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, RngCore};

use crate::apps::AuthState;
use crate::clock::Clock;
use crate::faults::engine::FaultState;
use crate::guard::Guard;
use crate::log::RequestLog;
use crate::mocks::MockState;
use crate::seed::SeedData;
use crate::store::Store;
use crate::sync::{self, lock};

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
    /// `http://127.0.0.1:OTHER_PORT`: where pre-authenticated URLs (upload sessions, download
    /// URLs, mail attachment sessions) point, another origin as on Graph (SharePoint, Outlook),
    /// so a client's redirect and credential rules meet a real cross-origin hop.
    pub(crate) content_origin: String,
}

/// A random UUID v4 from `rng` (seeded: ids are deterministic).
pub(crate) fn new_uuid(rng: &mut impl RngCore) -> String {
    let mut bytes = [0u8; 16];
    rng.fill_bytes(&mut bytes);
    uuid::Builder::from_random_bytes(bytes).into_uuid().to_string()
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
    pub(crate) faults: Arc<FaultState>,
    pub(crate) guard: Guard,
    pub(crate) log: RequestLog,
    /// Registered answers, tried before the built-in handler.
    pub(crate) mocks: Arc<MockState>,
    pub(crate) rng: Mutex<StdRng>,
    pub(crate) clock: Clock,
    /// Key for tokens and `$skiptoken`s.
    pub(crate) secret: [u8; 32],
    /// Delta tokens carry the epoch they were issued in; bumping it (`expire_delta_tokens`,
    /// `reset`) makes every older token answer `410 Gone`.
    pub(crate) delta_epoch: AtomicU64,
    /// Open attachment upload sessions (mail).
    pub(crate) attachment_uploads: crate::mailbox::sessions::Sessions,
    /// Drive items, upload sessions and download URLs.
    pub(crate) files: crate::files::Files,
}

impl Shared {
    pub(crate) fn read(&self) -> RwLockReadGuard<'_, Store> {
        sync::read(&self.store)
    }

    pub(crate) fn write(&self) -> RwLockWriteGuard<'_, Store> {
        sync::write(&self.store)
    }

    /// A random (seeded) UUID v4.
    pub(crate) fn new_uuid(&self) -> String {
        new_uuid(&mut *lock(&self.rng))
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
