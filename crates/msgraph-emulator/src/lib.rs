//! # msgraph-emulator
//!
//! A local, in-memory Microsoft Graph v1.0 service on `127.0.0.1`, for testing Graph clients
//! (msgraph-rs first) without a tenant: schema-aware routing over the SDK's compiled schema
//! (`msgraph::schema::SCHEMA`), a generic JSON store for every entity set and containment path
//! with OData query options, server-driven paging and `delta`, the OAuth2 token endpoint (client secret,
//! certificate assertion, device code), phone authentication methods with Graph's rules, JSON
//! `$batch`, deterministic fault injection and a protocol guard that records client misbehaviour.
//!
//! ```no_run
//! # async fn demo() -> Result<(), msgraph_emulator::Error> {
//! use msgraph_emulator::{Emulator, FaultRule, RetryAfter};
//!
//! let emu = Emulator::builder().page_size(2).seed(7).start().await?;
//! let token = emu.issue_token();
//! let url = format!("{}/me/authentication/methods", emu.base_url());
//! // ... call `url` with `Authorization: Bearer {token}` using any HTTP client ...
//! emu.faults().add(FaultRule::throttle(RetryAfter::Seconds(1)).next(1));
//! emu.assert_no_violations();
//! emu.shutdown().await;
//! # let _ = (token, url);
//! # Ok(()) }
//! ```
//!
//! How `/me` is chosen: for a delegated token (device code flow) it is the user who approved
//! the code; for an app-only token it is the seed's `signedInUser` (see
//! [`Emulator::signed_in_user`]). Real Graph rejects `/me` with app-only tokens; the emulator
//! maps it so app-token tests can exercise `/me/...` paths.

#![warn(missing_docs)]

mod auth;
mod batch;
mod clock;
mod context;
mod delta;
mod dispatch;
mod entity;
mod errors;
mod faults;
mod guard;
mod handler;
mod log;
mod odata;
mod paging;
mod phone;
mod render;
mod router;
mod rules;
mod schema;
mod seed;
mod server;
mod state;
mod store;
mod sync;
mod target;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};
use serde_json::{json, Map, Value};
use tokio::sync::watch;

pub use auth::registry::AppRegistration;
pub use faults::{FaultAction, FaultId, FaultRule, FaultSpecError, Faults, RateLimit, RetryAfter, Trigger};
pub use guard::Violation;
pub use log::{RequestRecord, LOGGED_HEADERS};
pub use phone::{ALTERNATE_MOBILE_ID, MOBILE_ID, OFFICE_ID};
pub use seed::{SeedData, SeedError};

use clock::Clock;
use state::{Config, Shared, Urls};
use store::{Child, Collection, Entity};
use sync::lock;

/// Errors from starting or controlling the emulator.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// Binding the loopback listener or starting the runtime failed.
    Io(std::io::Error),
    /// The seed data is invalid.
    Seed(SeedError),
    /// A certificate could not be used (not DER X.509, not RSA).
    Certificate(String),
    /// No app with that client id.
    UnknownApp(String),
    /// No user with that id or userPrincipalName.
    UnknownUser(String),
    /// No pending device code with that user code.
    DeviceCode(String),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Io(e) => write!(f, "emulator I/O error: {e}"),
            Error::Seed(e) => e.fmt(f),
            Error::Certificate(e) => write!(f, "invalid certificate: {e}"),
            Error::UnknownApp(id) => write!(f, "no app with client id '{id}'"),
            Error::UnknownUser(u) => write!(f, "no user '{u}'"),
            Error::DeviceCode(e) => f.write_str(e),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io(e) => Some(e),
            Error::Seed(e) => Some(e),
            _ => None,
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e)
    }
}

impl From<SeedError> for Error {
    fn from(e: SeedError) -> Self {
        Error::Seed(e)
    }
}

/// Credentials of the registered test app (the first app of the seed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppCredentials {
    /// Application (client) id.
    pub client_id: String,
    /// Client secret.
    pub client_secret: String,
    /// Tenant id.
    pub tenant_id: String,
}

/// The user `/me` maps to for app-only tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedInUser {
    /// Object id.
    pub id: String,
    /// userPrincipalName.
    pub user_principal_name: String,
}

/// What [`Emulator::issue_token_with`] issues.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenSpec {
    client_id: Option<String>,
    user: Option<String>,
    lifetime: Option<Duration>,
    expired_for: Option<Duration>,
    scope: Option<String>,
}

impl TokenSpec {
    /// An app-only token for the seed's app (the default).
    pub fn app() -> Self {
        TokenSpec::default()
    }

    /// A delegated token for a user (id or userPrincipalName): `/me` is that user.
    pub fn user(user: impl Into<String>) -> Self {
        TokenSpec { user: Some(user.into()), ..Default::default() }
    }

    /// For another registered app.
    pub fn client_id(mut self, id: impl Into<String>) -> Self {
        self.client_id = Some(id.into());
        self
    }

    /// Lifetime (default: the emulator's token lifetime).
    pub fn lifetime(mut self, d: Duration) -> Self {
        self.lifetime = Some(d);
        self
    }

    /// A token that expired `ago` ago (for expiry tests).
    pub fn expired(mut self, ago: Duration) -> Self {
        self.expired_for = Some(ago);
        self
    }

    /// Delegated scopes (`scp`), space-separated (default `User.Read`).
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }
}

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

    /// A per-app request budget per window (see [`Faults::set_rate_limit`]).
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

    /// The user `/me` maps to for app-only tokens (id or userPrincipalName; default the seed's
    /// `signedInUser`).
    pub fn signed_in_user(mut self, user: impl Into<String>) -> Self {
        self.signed_in_user = Some(user.into());
        self
    }

    /// How long the emulator waits for a request body (default 30 s; then 408).
    pub fn body_timeout(mut self, d: Duration) -> Self {
        self.body_timeout = d;
        self
    }

    fn build_shared(self, addr: SocketAddr) -> Result<Arc<Shared>, Error> {
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
        let auth = auth::registry::AuthState::new(&apps).map_err(Error::Certificate)?;
        let mut id_rng = StdRng::seed_from_u64(self.seed ^ 0x1d5);
        let store = data.load(&mut || new_uuid(&mut id_rng))?;
        if let Some(who) = &self.signed_in_user {
            let (id, e) = store.find_user(who).ok_or_else(|| Error::UnknownUser(who.clone()))?;
            data.signed_in_user_id = id.to_string();
            data.signed_in_upn = store::upn(e).to_string();
        }
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
            urls: Urls { base: format!("{origin}/v1.0"), origin },
            tenant_id: data.tenant_id.clone(),
            store: RwLock::new(store),
            seed: data,
            auth,
            faults: faults::engine::FaultState::new(self.seed, self.faults, self.latency, self.rate_limit),
            guard: guard::Guard::default(),
            log: log::RequestLog::new(self.log_capacity),
            rng: Mutex::new(rng),
            clock: Clock::default(),
            secret,
            delta_epoch: std::sync::atomic::AtomicU64::new(0),
        };
        Ok(Arc::new(shared))
    }

    /// Starts the emulator on the current tokio runtime.
    pub async fn start(self) -> Result<Emulator, Error> {
        let (listener, addr) = server::bind(self.port).await?;
        let shared = self.build_shared(addr)?;
        let (tx, rx) = watch::channel(false);
        let task = tokio::spawn(server::serve(listener, shared.clone(), rx));
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
                let bound = server::bind(self.port).await;
                let (listener, addr) = match bound {
                    Ok(b) => b,
                    Err(e) => {
                        let _ = tx_ready.send(Err(Error::Io(e)));
                        return;
                    }
                };
                match self.build_shared(addr) {
                    Ok(shared) => {
                        let _ = tx_ready.send(Ok((shared.clone(), addr)));
                        server::serve(listener, shared, rx).await;
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

fn new_uuid(rng: &mut StdRng) -> String {
    let mut b = [0u8; 16];
    rng.fill_bytes(&mut b);
    uuid::Builder::from_random_bytes(b).into_uuid().to_string()
}

/// A user's id from an id or userPrincipalName.
fn resolve_user(shared: &Shared, who: &str) -> Option<String> {
    shared.read().find_user(who).map(|(id, _)| id.to_string())
}

#[derive(Debug)]
enum Runner {
    Task(tokio::task::JoinHandle<()>),
    Thread(std::thread::JoinHandle<()>),
    Stopped,
}

/// A running emulator. Dropping it stops the server (without waiting); call
/// [`shutdown`](Self::shutdown) to wait until it has stopped.
#[derive(Debug)]
pub struct Emulator {
    shared: Arc<Shared>,
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    runner: Runner,
    app: AppCredentials,
}

impl Emulator {
    fn new(shared: Arc<Shared>, addr: SocketAddr, stop: watch::Sender<bool>, runner: Runner) -> Self {
        let first = shared.auth.apps().into_iter().next();
        let app = AppCredentials {
            client_id: first.as_ref().map(|a| a.client_id.clone()).unwrap_or_default(),
            client_secret: first.and_then(|a| a.client_secret).unwrap_or_default(),
            tenant_id: shared.tenant_id.clone(),
        };
        Emulator { shared, addr, stop, runner, app }
    }

    /// Starts an emulator with the defaults (default tenant, any free port).
    pub async fn start() -> Result<Emulator, Error> {
        Self::builder().start().await
    }

    /// A builder.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }

    /// The socket address (always 127.0.0.1).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Graph's base URL: `http://127.0.0.1:PORT/v1.0`.
    pub fn base_url(&self) -> &str {
        &self.shared.urls.base
    }

    /// The login host: `http://127.0.0.1:PORT` (the emulator is also the identity platform).
    pub fn login_base_url(&self) -> &str {
        &self.shared.urls.origin
    }

    /// The authority: `http://127.0.0.1:PORT/{tenant}`.
    pub fn authority(&self) -> String {
        self.shared.authority()
    }

    /// The token endpoint: `http://127.0.0.1:PORT/{tenant}/oauth2/v2.0/token`.
    pub fn token_url(&self) -> String {
        format!("{}/oauth2/v2.0/token", self.authority())
    }

    /// The device authorization endpoint: `.../{tenant}/oauth2/v2.0/devicecode`.
    pub fn device_code_url(&self) -> String {
        format!("{}/oauth2/v2.0/devicecode", self.authority())
    }

    /// The tenant id.
    pub fn tenant_id(&self) -> &str {
        &self.shared.tenant_id
    }

    /// The registered test app (client id, secret, tenant).
    pub fn app(&self) -> &AppCredentials {
        &self.app
    }

    /// The user `/me` maps to for app-only tokens.
    pub fn signed_in_user(&self) -> SignedInUser {
        SignedInUser {
            id: self.shared.seed.signed_in_user_id.clone(),
            user_principal_name: self.shared.seed.signed_in_upn.clone(),
        }
    }

    /// An app-only access token for the test app, valid for the configured lifetime.
    pub fn issue_token(&self) -> String {
        let ms = i64::try_from(self.shared.config.token_lifetime.as_millis()).unwrap_or(i64::MAX / 4);
        auth::token::issue_access_token(&self.shared, &self.app.client_id, None, None, ms)
    }

    /// An access token as described by `spec`.
    pub fn issue_token_with(&self, spec: TokenSpec) -> Result<String, Error> {
        let client_id = spec.client_id.unwrap_or_else(|| self.app.client_id.clone());
        if !self.shared.auth.apps().iter().any(|a| a.client_id == client_id) {
            return Err(Error::UnknownApp(client_id));
        }
        let lifetime = spec.lifetime.unwrap_or(self.shared.config.token_lifetime);
        let mut ms = i64::try_from(lifetime.as_millis()).unwrap_or(i64::MAX / 4);
        if let Some(ago) = spec.expired_for {
            ms = -i64::try_from(ago.as_millis()).unwrap_or(0).max(1);
        }
        let user = match &spec.user {
            Some(u) => {
                let id = resolve_user(&self.shared, u).ok_or_else(|| Error::UnknownUser(u.clone()))?;
                let upn = self.shared.read().top("users", &id).map(|e| store::upn(e).to_string()).unwrap_or_default();
                Some((id, upn))
            }
            None => None,
        };
        Ok(auth::token::issue_access_token(
            &self.shared,
            &client_id,
            user.as_ref().map(|(a, b)| (a.as_str(), b.as_str())),
            spec.scope.as_deref(),
            ms,
        ))
    }

    /// Registers a certificate (DER) for an app; returns its `x5t#S256` thumbprint.
    pub fn register_certificate(&self, client_id: &str, der: &[u8]) -> Result<String, Error> {
        if !self.shared.auth.apps().iter().any(|a| a.client_id == client_id) {
            return Err(Error::UnknownApp(client_id.to_string()));
        }
        self.shared.auth.add_certificate(client_id, der).map_err(Error::Certificate)
    }

    /// Registers another app at run time.
    pub fn register_app(&self, app: AppRegistration) -> Result<(), Error> {
        self.shared.auth.register_app(app).map_err(Error::Certificate)
    }

    /// Approves a pending device code (by its user code) as a user (id or userPrincipalName):
    /// the next poll gets tokens for that user.
    pub fn approve_device_code(&self, user_code: &str, user: &str) -> Result<(), Error> {
        let id = resolve_user(&self.shared, user).ok_or_else(|| Error::UnknownUser(user.to_string()))?;
        self.shared.auth.decide_device_code(user_code, Some(id)).map_err(Error::DeviceCode)
    }

    /// Declines a pending device code: the next poll gets `authorization_declined`.
    pub fn decline_device_code(&self, user_code: &str) -> Result<(), Error> {
        self.shared.auth.decide_device_code(user_code, None).map_err(Error::DeviceCode)
    }

    /// User codes of the device codes still pending.
    pub fn pending_device_codes(&self) -> Vec<String> {
        self.shared.auth.pending_user_codes(self.shared.clock.now_ms())
    }

    /// Moves the emulator's clock forward (token, device-code and client-assertion expiry;
    /// `Retry-After` bookkeeping keeps real time).
    pub fn advance_clock(&self, by: Duration) {
        self.shared.clock.advance(by);
    }

    /// Every request received (most recent last; bounded by the log capacity).
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.shared.log.all()
    }

    /// Empties the request log.
    pub fn clear_requests(&self) {
        self.shared.log.clear();
    }

    /// Controls fault injection.
    pub fn faults(&self) -> Faults {
        Faults { shared: self.shared.clone() }
    }

    /// Protocol violations recorded so far.
    pub fn violations(&self) -> Vec<Violation> {
        self.shared.guard.violations()
    }

    /// Forgets recorded violations.
    pub fn clear_violations(&self) {
        self.shared.guard.clear();
    }

    /// Panics, listing them, if any protocol violation was recorded.
    #[allow(clippy::panic)]
    #[track_caller]
    pub fn assert_no_violations(&self) {
        let v = self.violations();
        if !v.is_empty() {
            let list: Vec<String> = v.iter().map(|x| format!("  - {x}")).collect();
            panic!("the client broke Graph's protocol {} time(s):\n{}", v.len(), list.join("\n"));
        }
    }

    /// Allows or forbids SMS sign-in for all users by editing the `Sms` configuration of the
    /// `authenticationMethodsPolicy` (state `enabled` and `isUsableForSignIn` on its include
    /// targets; an `all_users` target is added when allowing and none exists).
    pub fn set_sms_sign_in_allowed(&self, allowed: bool) {
        let mut store = self.shared.write();
        let Some(policy) = store.singletons.get_mut("authenticationMethodsPolicy") else { return };
        let Some((config_ty, target_ty)) = schema::SCHEMA
            .entity_type("microsoft.graph.smsAuthenticationMethodConfiguration")
            .zip(schema::SCHEMA.entity_type("microsoft.graph.smsAuthenticationMethodTarget"))
            .map(|((a, _), (b, _))| (a, b))
        else {
            return;
        };
        let configs = match policy
            .children
            .entry("authenticationMethodConfigurations")
            .or_insert_with(|| Child::Many(Collection::default()))
        {
            Child::Many(c) => c,
            Child::One(_) => return,
        };
        let key = configs.items.keys().find(|k| k.eq_ignore_ascii_case("sms")).cloned().unwrap_or_else(|| "Sms".into());
        let sms = configs.items.entry(key.clone()).or_insert_with(|| {
            let mut p = Map::new();
            p.insert("id".into(), Value::String(key));
            p.insert("excludeTargets".into(), json!([]));
            Entity::new(config_ty, p)
        });
        sms.props.insert("state".into(), Value::String("enabled".into()));
        let targets = match sms.children.entry("includeTargets").or_insert_with(|| Child::Many(Collection::default())) {
            Child::Many(c) => c,
            Child::One(_) => return,
        };
        for t in targets.items.values_mut() {
            t.props.insert("isUsableForSignIn".into(), Value::Bool(allowed));
        }
        if allowed && !targets.items.contains_key("all_users") {
            let mut p = Map::new();
            p.insert("id".into(), Value::String("all_users".into()));
            p.insert("targetType".into(), Value::String("group".into()));
            p.insert("isRegistrationRequired".into(), Value::Bool(false));
            p.insert("isUsableForSignIn".into(), Value::Bool(true));
            targets.items.insert("all_users".into(), Entity::new(target_ty, p));
        }
    }

    /// Restores the seed data (requests, violations and faults are kept). Delta tokens issued
    /// before are expired (`410 Gone`, `resyncRequired`): the change history is gone.
    pub fn reset(&self) -> Result<(), Error> {
        let mut rng = StdRng::seed_from_u64(lock(&self.shared.rng).next_u64());
        let store = self.shared.seed.load(&mut || new_uuid(&mut rng))?;
        let mut guard = self.shared.write();
        *guard = store;
        self.shared.expire_delta_tokens();
        drop(guard);
        Ok(())
    }

    /// Expires every `@odata.deltaLink` (and every nextLink of a delta round) issued so far:
    /// following one answers `410 Gone` with the error code `resyncRequired` and a `Location`
    /// header with a fresh delta URL, as Graph does when its delta state is lost. Links issued
    /// afterwards work.
    pub fn expire_delta_tokens(&self) {
        self.shared.expire_delta_tokens();
    }

    /// Stops the server and waits until it has stopped.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        match std::mem::replace(&mut self.runner, Runner::Stopped) {
            Runner::Task(t) => {
                let _ = t.await;
            }
            Runner::Thread(t) => {
                let _ = tokio::task::spawn_blocking(move || t.join()).await;
            }
            Runner::Stopped => {}
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}
