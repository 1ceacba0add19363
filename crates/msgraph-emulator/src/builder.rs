//! Configuring an emulator ([`EmulatorBuilder`]) and starting it: the shared state built from
//! the configuration and the seed, then the server, on the caller's runtime or on a thread of
//! its own.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};
use tokio::sync::watch;

use crate::apps::{AppRegistration, AuthState};
use crate::clock::Clock;
use crate::emulator::{Emulator, Error, Runner};
use crate::faults::engine::FaultState;
use crate::faults::rule::{FaultRule, RateLimit};
use crate::guard::Guard;
use crate::log::RequestLog;
use crate::mocks::{Mock, MockState, Mocks};
use crate::seed::SeedData;
use crate::server;
use crate::state::{new_uuid, Config, Shared, Urls};
use crate::store;

/// Configures and starts an [`Emulator`].
#[derive(Debug, Clone)]
pub struct EmulatorBuilder {
    port: u16,
    page_size: usize,
    token_lifetime: Duration,
    seed: u64,
    data: Option<SeedData>,
    tenant_id: Option<String>,
    shuffle_batch: bool,
    empty_pages: bool,
    faults: Vec<FaultRule>,
    latency: Option<(Duration, Duration)>,
    rate_limit: Option<RateLimit>,
    max_body_bytes: usize,
    device_code_lifetime: Duration,
    device_code_interval: Duration,
    log_capacity: usize,
    apps: Vec<AppRegistration>,
    signed_in_user: Option<String>,
    body_timeout: Duration,
    mocks: Vec<Mock>,
}

impl Default for EmulatorBuilder {
    fn default() -> Self {
        EmulatorBuilder {
            port: 0,
            page_size: 100,
            token_lifetime: Duration::from_secs(3599),
            seed: 0,
            data: None,
            tenant_id: None,
            shuffle_batch: true,
            empty_pages: false,
            faults: Vec::new(),
            latency: None,
            rate_limit: None,
            max_body_bytes: 4 * 1024 * 1024,
            device_code_lifetime: Duration::from_secs(900),
            device_code_interval: Duration::from_secs(5),
            log_capacity: 10_000,
            apps: Vec::new(),
            signed_in_user: None,
            body_timeout: Duration::from_secs(30),
            mocks: Vec::new(),
        }
    }
}

impl EmulatorBuilder {
    /// TCP port on 127.0.0.1 (default 0: any free port).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Server-driven page size when the client sends no `$top` (default 100).
    pub fn page_size(mut self, n: usize) -> Self {
        self.page_size = n.max(1);
        self
    }

    /// Access-token lifetime (default 3599 s).
    pub fn token_lifetime(mut self, d: Duration) -> Self {
        self.token_lifetime = d;
        self
    }

    /// Seed of every random choice (ids, tokens, fault probabilities, batch shuffling).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The tenant's data (default [`SeedData::default_tenant`]).
    pub fn seed_data(mut self, data: SeedData) -> Self {
        self.data = Some(data);
        self
    }

    /// Overrides the seed's tenant id.
    pub fn tenant_id(mut self, id: impl Into<String>) -> Self {
        self.tenant_id = Some(id.into());
        self
    }

    /// Whether `$batch` responses come back shuffled (default true: Graph returns them in any
    /// order, and clients must correlate by id).
    pub fn shuffle_batch_responses(mut self, yes: bool) -> Self {
        self.shuffle_batch = yes;
        self
    }

    /// When true, every non-empty page is followed by an empty page (which carries a nextLink
    /// when more data follows), and the last page of a collection is empty — as Graph sometimes
    /// does. Default false.
    pub fn empty_pages(mut self, yes: bool) -> Self {
        self.empty_pages = yes;
        self
    }

    /// Adds a fault rule active from the start.
    pub fn fault(mut self, rule: FaultRule) -> Self {
        self.faults.push(rule);
        self
    }

    /// Fixed latency for every Graph request and batch item.
    pub fn latency(mut self, d: Duration) -> Self {
        self.latency = Some((d, d));
        self
    }

    /// Latency uniformly between `min` and `max` (seeded).
    pub fn latency_range(mut self, min: Duration, max: Duration) -> Self {
        self.latency = Some((min, max.max(min)));
        self
    }

    /// A per-app request budget per window (see [`Faults::set_rate_limit`](crate::Faults::set_rate_limit)).
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limit = Some(limit);
        self
    }

    /// Largest accepted request body (default 4 MiB; larger → 413).
    pub fn max_body_bytes(mut self, n: usize) -> Self {
        self.max_body_bytes = n;
        self
    }

    /// Device code lifetime (default 900 s).
    pub fn device_code_lifetime(mut self, d: Duration) -> Self {
        self.device_code_lifetime = d;
        self
    }

    /// Device code polling interval in whole seconds (default 5 s; 0 disables `slow_down`).
    pub fn device_code_interval(mut self, d: Duration) -> Self {
        self.device_code_interval = Duration::from_secs(d.as_secs());
        self
    }

    /// How many requests the log keeps (oldest dropped; default 10,000).
    pub fn request_log_capacity(mut self, n: usize) -> Self {
        self.log_capacity = n;
        self
    }

    /// Registers another app.
    pub fn app(mut self, app: AppRegistration) -> Self {
        self.apps.push(app);
        self
    }

    /// The default user (id or userPrincipalName; default the seed's `signedInUser`): the one
    /// the device login page proposes and [`crate::Emulator::signed_in_user`] returns.
    pub fn signed_in_user(mut self, user: impl Into<String>) -> Self {
        self.signed_in_user = Some(user.into());
        self
    }

    /// How long the emulator waits for a request body (default 30 s; then 408).
    pub fn body_timeout(mut self, d: Duration) -> Self {
        self.body_timeout = d;
        self
    }

    /// Registers a mock from the start (see [`Mocks::add`]); an invalid one fails the start
    /// with [`Error::Mock`].
    pub fn mock(mut self, mock: Mock) -> Self {
        self.mocks.push(mock);
        self
    }

    /// Registers mocks from the start, in order (e.g. those of [`Mock::load_file`]).
    pub fn mocks(mut self, mocks: impl IntoIterator<Item = Mock>) -> Self {
        self.mocks.extend(mocks);
        self
    }

    fn build_shared(self, addr: SocketAddr, content: SocketAddr) -> Result<Arc<Shared>, Error> {
        let mut data = self.data.unwrap_or_else(SeedData::default_tenant);
        if let Some(t) = self.tenant_id {
            data.tenant_id = t;
        }
        let mut rng = StdRng::seed_from_u64(self.seed);
        let mut secret = [0u8; 32];
        rng.fill_bytes(&mut secret);
        let origin = format!("http://{addr}");
        let mut apps = data.apps.clone();
        apps.extend(self.apps);
        let auth = AuthState::new(&apps).map_err(Error::Certificate)?;
        let mut id_rng = StdRng::seed_from_u64(self.seed ^ 0x1d5);
        let store = data.load(&mut || new_uuid(&mut id_rng))?;
        if let Some(who) = &self.signed_in_user {
            let (id, e) = store.find_user(who).ok_or_else(|| Error::UnknownUser(who.clone()))?;
            data.signed_in_user_id = id.to_string();
            data.signed_in_upn = store::upn(e).to_string();
        }
        let mocks = Arc::new(MockState::default());
        Mocks { state: mocks.clone() }.add_all(self.mocks).map_err(Error::Mock)?;
        let shared = Shared {
            config: Config {
                page_size: self.page_size,
                token_lifetime: self.token_lifetime,
                shuffle_batch: self.shuffle_batch,
                empty_pages: self.empty_pages,
                max_body_bytes: self.max_body_bytes,
                device_code_lifetime: self.device_code_lifetime,
                device_code_interval: self.device_code_interval,
                body_timeout: self.body_timeout,
            },
            urls: Urls { base: format!("{origin}/v1.0"), origin, content_origin: format!("http://{content}") },
            tenant_id: data.tenant_id.clone(),
            store: RwLock::new(store),
            seed: data,
            auth,
            faults: Arc::new(FaultState::new(self.seed, self.faults, self.latency, self.rate_limit)),
            guard: Guard::default(),
            log: RequestLog::new(self.log_capacity),
            mocks,
            rng: Mutex::new(rng),
            clock: Clock::default(),
            secret,
            delta_epoch: std::sync::atomic::AtomicU64::new(0),
            attachment_uploads: Default::default(),
            files: crate::files::Files::new(u64::from_le_bytes(secret[..8].try_into().unwrap_or_default())),
        };
        Ok(Arc::new(shared))
    }

    /// Starts the emulator on the current tokio runtime.
    pub async fn start(self) -> Result<Emulator, Error> {
        let (listener, addr) = server::bind(self.port).await?;
        let (content, content_addr) = server::bind(0).await?;
        let shared = self.build_shared(addr, content_addr)?;
        let (tx, rx) = watch::channel(false);
        let task = tokio::spawn(server::serve([listener, content], shared.clone(), rx));
        Ok(Emulator::new(shared, addr, tx, Runner::Task(task)))
    }

    /// Starts the emulator on its own thread with its own 2-worker runtime (for blocking tests,
    /// or to keep the server off the caller's runtime).
    pub fn start_background(self) -> Result<Emulator, Error> {
        let (tx_ready, rx_ready) = std::sync::mpsc::channel();
        let (tx, rx) = watch::channel(false);
        let thread = std::thread::Builder::new().name("msgraph-emulator".into()).spawn(move || {
            let rt = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = tx_ready.send(Err(Error::Io(e)));
                    return;
                }
            };
            rt.block_on(async move {
                let bound = match server::bind(self.port).await {
                    Ok(main) => server::bind(0).await.map(|content| (main, content)),
                    Err(e) => Err(e),
                };
                let ((listener, addr), (content, content_addr)) = match bound {
                    Ok(b) => b,
                    Err(e) => {
                        let _ = tx_ready.send(Err(Error::Io(e)));
                        return;
                    }
                };
                match self.build_shared(addr, content_addr) {
                    Ok(shared) => {
                        let _ = tx_ready.send(Ok((shared.clone(), addr)));
                        server::serve([listener, content], shared, rx).await;
                    }
                    Err(e) => {
                        let _ = tx_ready.send(Err(e));
                    }
                }
            });
        })?;
        let (shared, addr) = rx_ready
            .recv()
            .map_err(|_| Error::Io(std::io::Error::other("the emulator thread stopped before it started")))??;
        Ok(Emulator::new(shared, addr, tx, Runner::Thread(thread)))
    }
}

impl Emulator {
    /// Starts an emulator with the defaults (default tenant, any free port).
    pub async fn start() -> Result<Emulator, Error> {
        Self::builder().start().await
    }

    /// A builder.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }
}
