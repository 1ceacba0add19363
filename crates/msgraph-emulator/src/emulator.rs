//! The running emulator: the [`Emulator`] handle tests drive (URLs, tokens, the request log,
//! faults, violations, the clock, resets), what it issues ([`TokenSpec`]) and reports, and
//! [`Error`]. Started with `Emulator::start`/`Emulator::builder`, which live in `builder.rs`
//! next to what they configure.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};
use tokio::sync::watch;

use crate::apps::{AppRegistration, SignIn};
use crate::auth::token::issue_access_token;
use crate::browser::SignInBrowser;
use crate::faults::Faults;
use crate::guard::Violation;
use crate::log::RequestRecord;
use crate::mocks::{Mock, MockError, MockFileError, MockHandle, Mocks};
use crate::phone;
use crate::seed::SeedError;
use crate::state::{new_uuid, Shared};
use crate::store;
use crate::sync::lock;

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
    /// A mock given to the builder is invalid.
    Mock(MockError),
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
            Error::Mock(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io(e) => Some(e),
            Error::Seed(e) => Some(e),
            Error::Mock(e) => Some(e),
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

/// The seed's default user: the one the device login page proposes and
/// [`Emulator::approve_next_sign_in`] examples use. (`/me` needs a delegated token: with an
/// app-only token Graph, and the emulator, answer `400 BadRequest`.)
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

/// A user's id from an id or userPrincipalName.
fn resolve_user(shared: &Shared, who: &str) -> Option<String> {
    shared.read().find_user(who).map(|(id, _)| id.to_string())
}

/// What runs the server: a task on the caller's runtime or a thread with its own.
#[derive(Debug)]
pub(crate) enum Runner {
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
    pub(crate) fn new(shared: Arc<Shared>, addr: SocketAddr, stop: watch::Sender<bool>, runner: Runner) -> Self {
        let first = shared.auth.apps().into_iter().next();
        let app = AppCredentials {
            client_id: first.as_ref().map(|a| a.client_id.clone()).unwrap_or_default(),
            client_secret: first.and_then(|a| a.client_secret).unwrap_or_default(),
            tenant_id: shared.tenant_id.clone(),
        };
        Emulator { shared, addr, stop, runner, app }
    }

    /// The socket address (always 127.0.0.1).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Graph's base URL: `http://127.0.0.1:PORT/v1.0`.
    pub fn base_url(&self) -> &str {
        &self.shared.urls.base
    }

    /// Where pre-authenticated URLs point (upload sessions, download URLs, mail attachment
    /// sessions): `http://127.0.0.1:OTHER_PORT`, another origin than Graph's as on Graph, so
    /// a client's rule of dropping credentials across origins applies to them.
    pub fn content_url(&self) -> &str {
        &self.shared.urls.content_origin
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

    /// The authorization endpoint: `.../{tenant}/oauth2/v2.0/authorize` (see
    /// [`approve_next_sign_in`](Self::approve_next_sign_in)).
    pub fn authorize_url(&self) -> String {
        format!("{}/oauth2/v2.0/authorize", self.authority())
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

    /// The seed's default user (see [`SignedInUser`]).
    pub fn signed_in_user(&self) -> SignedInUser {
        SignedInUser {
            id: self.shared.seed.signed_in_user_id.clone(),
            user_principal_name: self.shared.seed.signed_in_upn.clone(),
        }
    }

    /// An app-only access token for the test app, valid for the configured lifetime.
    pub fn issue_token(&self) -> String {
        let ms = i64::try_from(self.shared.config.token_lifetime.as_millis()).unwrap_or(i64::MAX / 4);
        issue_access_token(&self.shared, &self.app.client_id, None, None, ms)
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
        Ok(issue_access_token(
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

    /// Signs `user` (id or userPrincipalName) in at the next `GET …/authorize` request, as if
    /// they had entered their password and consented in a browser: that request is redirected
    /// to its `redirect_uri` with a `code` (single-use, valid 10 minutes on the emulator's
    /// clock) and the request's `state`. Decisions queue up, one per request; without one, a
    /// `login_hint` naming a seeded user signs that user in, and otherwise the redirect carries
    /// `error=interaction_required`.
    pub fn approve_next_sign_in(&self, user: &str) -> Result<(), Error> {
        let id = resolve_user(&self.shared, user).ok_or_else(|| Error::UnknownUser(user.to_string()))?;
        self.shared.auth.push_sign_in(SignIn::Approve(id));
        Ok(())
    }

    /// A browser for the authorization code flow: hand it the URL an app gives its "open a
    /// browser" callback (after [`approve_next_sign_in`](Self::approve_next_sign_in)).
    pub fn browser(&self) -> SignInBrowser {
        SignInBrowser::new()
    }

    /// The user cancels the next sign-in: its redirect carries `error=access_denied`.
    pub fn decline_next_sign_in(&self) {
        self.shared.auth.push_sign_in(SignIn::Decline);
    }

    /// Revokes every refresh token issued so far (as a password reset or an admin's
    /// "revoke sessions" does): refreshing answers `invalid_grant`.
    pub fn revoke_refresh_tokens(&self) {
        self.shared.auth.revoke_refresh_tokens();
    }

    /// Continuous access evaluation: from now on, Graph requests whose token was not issued for
    /// `claims` (a JSON claims request, passed as the token request's `claims` parameter) get
    /// `401` with `WWW-Authenticate: Bearer … error="insufficient_claims", claims="<base64>"`.
    /// `None` lifts the requirement.
    pub fn require_claims(&self, claims: Option<&str>) {
        self.shared.auth.require_claims(claims.map(String::from));
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
        Faults { state: self.shared.faults.clone() }
    }

    /// Registers and removes mocks: answers for routes the emulator does not model, or other
    /// answers than its own (see [`crate::mocks`]).
    pub fn mocks(&self) -> Mocks {
        Mocks { state: self.shared.mocks.clone() }
    }

    /// Registers a mock after those already registered (as [`Mocks::add`]).
    pub fn mock(&self, mock: Mock) -> Result<MockHandle, MockError> {
        self.mocks().add(mock)
    }

    /// Registers the mocks of a mock file, Dev Proxy's format (as [`Mocks::load_file`]).
    pub fn load_mocks(&self, path: impl AsRef<std::path::Path>) -> Result<Vec<MockHandle>, MockFileError> {
        self.mocks().load_file(path)
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
        phone::set_sms_sign_in_allowed(&mut self.shared.write(), allowed);
    }

    /// Restores the seed data, drive content and open upload sessions included (requests,
    /// violations, faults and mocks are kept). Delta tokens issued
    /// before are expired (`410 Gone`, `resyncRequired`): the change history is gone.
    pub fn reset(&self) -> Result<(), Error> {
        let mut rng = StdRng::seed_from_u64(lock(&self.shared.rng).next_u64());
        let store = self.shared.seed.load(&mut || new_uuid(&mut rng))?;
        let mut guard = self.shared.write();
        *guard = store;
        self.shared.files.clear();
        lock(&self.shared.attachment_uploads.map).clear();
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
