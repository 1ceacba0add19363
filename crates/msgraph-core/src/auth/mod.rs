//! Authentication: the async [`TokenProvider`] trait, a [`CachingTokenProvider`] that keeps
//! access tokens in memory and refreshes them before they expire (single-flight under
//! concurrency), and the credentials:
//!
//! * [`StaticTokenProvider`]: a bearer token you already have;
//! * [`ClientSecretCredential`]: client credentials with a client secret (app-only);
//! * `ClientCertificateCredential` (feature `certificate`): client credentials with an
//!   RS256-signed JWT client assertion carrying the certificate's `x5t#S256` thumbprint;
//! * [`AuthorizationCodeCredential`]: signs a user in with their browser (authorization code
//!   + PKCE, loopback redirect);
//! * [`DeviceCodeCredential`]: the device code flow, with a callback that shows the user code;
//! * [`OnBehalfOfCredential`]: a web API calling Graph as the user who called it;
//! * `AzureCoreCredential` (feature `azure_core`): any `azure_core::credentials::TokenCredential`
//!   (so `azure_identity` credentials plug in: managed identity, workload identity, Azure CLI).
//!
//! The delegated credentials (authorization code, device code) keep the user's refresh token
//! in a [`TokenCache`]: [`MemoryTokenCache`] by default, [`FileTokenCache`] to sign in
//! silently on the next run.
//!
//! [`BearerTokenPolicy`] is the pipeline policy that attaches the tokens to requests.
//!
//! Secrets and tokens live in [`Secret`], whose `Debug` and `Display` print `<redacted>`.

use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use crate::error::Result;
use crate::http::{BoxFuture, HttpTransport};

mod authorization_code;
#[cfg(feature = "azure_core")]
mod azure;
mod bearer;
mod cache;
#[cfg(feature = "certificate")]
mod certificate;
mod client_secret;
mod device_code;
mod oauth;
mod on_behalf_of;
mod session;

pub use authorization_code::{AuthorizationCodeCredential, DEFAULT_SIGN_IN_TIMEOUT};
#[cfg(feature = "azure_core")]
pub use azure::AzureCoreCredential;
pub use bearer::BearerTokenPolicy;
pub use cache::{CacheEntry, CacheKey, FileTokenCache, MemoryTokenCache, TokenCache};
#[cfg(feature = "certificate")]
pub use certificate::ClientCertificateCredential;
pub use client_secret::ClientSecretCredential;
pub use device_code::{DeviceCodeCredential, DeviceCodeInfo};
pub use on_behalf_of::OnBehalfOfCredential;
/// The URL type [`AuthorizationCodeCredential`] hands its callback (the `url` crate's).
pub use url::Url;

/// A secret string (token, client secret). `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The secret itself. Keep it out of logs.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Secret {
        Secret(s)
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Secret {
        Secret(s.to_string())
    }
}

/// Whether `token` can be sent as `Authorization: Bearer <token>`: visible ASCII only (no
/// space, no control character such as the trailing newline of a token read from a file, no
/// non-ASCII). Tokens are checked where they enter (static tokens, token endpoint answers,
/// every provider's result in [`BearerTokenPolicy`]); the token itself is never echoed.
pub(crate) fn is_valid_token(token: &str) -> bool {
    !token.is_empty() && token.bytes().all(|b| b.is_ascii_graphic())
}

/// The current instant on tokio's clock (so tests with a paused clock see tokens expire).
pub(crate) fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}

/// An access token and when it expires.
#[derive(Clone)]
pub struct AccessToken {
    token: Secret,
    acquired_at: Instant,
    expires_at: Instant,
}

impl AccessToken {
    /// A token valid for `expires_in` from now.
    pub fn new(token: impl Into<Secret>, expires_in: Duration) -> AccessToken {
        let acquired_at = now();
        let expires_at = acquired_at.checked_add(expires_in).unwrap_or_else(|| far_future(acquired_at));
        AccessToken { token: token.into(), acquired_at, expires_at }
    }

    /// A token that does not expire (a static bearer token).
    pub fn without_expiry(token: impl Into<Secret>) -> AccessToken {
        let acquired_at = now();
        AccessToken { token: token.into(), acquired_at, expires_at: far_future(acquired_at) }
    }

    /// The token.
    pub fn token(&self) -> &Secret {
        &self.token
    }

    /// When it expires.
    pub fn expires_at(&self) -> Instant {
        self.expires_at
    }

    /// Time left before it expires (zero when expired).
    pub fn expires_in(&self) -> Duration {
        self.expires_at.saturating_duration_since(now())
    }

    /// Whether it has expired.
    pub fn is_expired(&self) -> bool {
        now() >= self.expires_at
    }

    /// Whether it should be replaced: within `skew` of its expiry (or within half its lifetime,
    /// for tokens that live shorter than twice the skew).
    pub fn needs_refresh(&self, skew: Duration) -> bool {
        let lifetime = self.expires_at.saturating_duration_since(self.acquired_at);
        let margin = skew.min(lifetime / 2);
        let refresh_at = self.expires_at.checked_sub(margin).unwrap_or(self.acquired_at);
        now() >= refresh_at
    }
}

fn far_future(from: Instant) -> Instant {
    let year = Duration::from_secs(365 * 24 * 3600);
    from.checked_add(year * 100).or_else(|| from.checked_add(year)).unwrap_or(from)
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken").field("token", &self.token).field("expires_in", &self.expires_in()).finish()
    }
}

/// What a token is requested for.
#[derive(Debug, Clone, Copy)]
pub struct TokenRequest<'a> {
    scopes: &'a [String],
    claims: Option<&'a str>,
}

impl<'a> TokenRequest<'a> {
    /// A request for `scopes` (e.g. `https://graph.microsoft.com/.default`).
    pub fn new(scopes: &'a [String]) -> TokenRequest<'a> {
        TokenRequest { scopes, claims: None }
    }

    /// With a claims challenge (continuous access evaluation), as decoded JSON.
    pub fn with_claims(mut self, claims: Option<&'a str>) -> TokenRequest<'a> {
        self.claims = claims;
        self
    }

    /// The scopes.
    pub fn scopes(&self) -> &'a [String] {
        self.scopes
    }

    /// The claims challenge, if any.
    pub fn claims(&self) -> Option<&'a str> {
        self.claims
    }
}

/// Something that gives access tokens.
///
/// The client wraps providers in a [`CachingTokenProvider`] (unless [`TokenProvider::caches_tokens`]), so
/// implementations may fetch a new token on every call.
pub trait TokenProvider: Send + Sync + fmt::Debug {
    /// A token for `request`.
    fn get_token<'a>(&'a self, request: &'a TokenRequest<'a>) -> BoxFuture<'a, Result<AccessToken>>;

    /// Called by the client builder with the client's transport, so credentials that talk to
    /// the token endpoint share its connection pool. The default ignores it.
    fn use_transport(&self, transport: &Arc<dyn HttpTransport>) {
        let _ = transport;
    }

    /// Whether the provider caches tokens itself (then the client does not add a cache).
    fn caches_tokens(&self) -> bool {
        false
    }
}

impl<T: TokenProvider + ?Sized> TokenProvider for Arc<T> {
    fn get_token<'a>(&'a self, request: &'a TokenRequest<'a>) -> BoxFuture<'a, Result<AccessToken>> {
        (**self).get_token(request)
    }
    fn use_transport(&self, transport: &Arc<dyn HttpTransport>) {
        (**self).use_transport(transport)
    }
    fn caches_tokens(&self) -> bool {
        (**self).caches_tokens()
    }
}

/// A bearer token you already have.
#[derive(Debug, Clone)]
pub struct StaticTokenProvider {
    token: Secret,
    expires_in: Option<Duration>,
}

impl StaticTokenProvider {
    /// A token that never expires as far as the client knows.
    ///
    /// The token must be visible ASCII: one with a line break (read from a file or an
    /// environment variable without trimming), a space or non-ASCII makes every request fail
    /// with an [`ErrorKind::Validation`](crate::error::ErrorKind::Validation) error naming the
    /// `authorization` header, before anything is sent.
    pub fn new(token: impl Into<Secret>) -> StaticTokenProvider {
        StaticTokenProvider { token: token.into(), expires_in: None }
    }
}

impl TokenProvider for StaticTokenProvider {
    fn get_token<'a>(&'a self, _request: &'a TokenRequest<'a>) -> BoxFuture<'a, Result<AccessToken>> {
        if !is_valid_token(self.token.expose()) {
            return Box::pin(std::future::ready(Err(crate::error::Error::new(
                crate::error::ErrorKind::Validation,
                "the static bearer token is not a valid `authorization` header value: it must be visible \
                 ASCII (no line break, e.g. a trailing newline read from a file, no space, no non-ASCII)",
            ))));
        }
        let token = match self.expires_in {
            Some(d) => AccessToken::new(self.token.clone(), d),
            None => AccessToken::without_expiry(self.token.clone()),
        };
        Box::pin(async move { Ok(token) })
    }
    fn caches_tokens(&self) -> bool {
        true
    }
}

/// Default refresh margin before expiry.
pub const DEFAULT_REFRESH_SKEW: Duration = Duration::from_secs(5 * 60);

#[derive(Clone)]
struct Cached {
    key: String,
    token: AccessToken,
}

/// Caches the access token of a provider in memory and refreshes it before it expires (what
/// the client wraps every provider in). Not to be confused with [`TokenCache`], where the
/// delegated credentials keep refresh tokens.
///
/// * A token is replaced once within `skew` (default 5 minutes, see [`AccessToken::needs_refresh`])
///   of its expiry.
/// * Refresh is single-flight: concurrent callers wait for the one refresh in progress and then
///   share its token.
/// * If a refresh fails while the old token has not expired yet, the old token is used.
/// * A claims challenge always fetches a new token (which then replaces the cached one).
pub struct CachingTokenProvider {
    provider: Arc<dyn TokenProvider>,
    skew: Duration,
    current: RwLock<Option<Cached>>,
    refresh: tokio::sync::Mutex<()>,
}

impl fmt::Debug for CachingTokenProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachingTokenProvider").field("provider", &self.provider).field("skew", &self.skew).finish()
    }
}

impl CachingTokenProvider {
    /// A cache over `provider` refreshing `skew` before expiry.
    pub fn new(provider: Arc<dyn TokenProvider>, skew: Duration) -> CachingTokenProvider {
        CachingTokenProvider { provider, skew, current: RwLock::new(None), refresh: tokio::sync::Mutex::new(()) }
    }

    fn key(request: &TokenRequest<'_>) -> String {
        request.scopes().join(" ")
    }

    fn cached(&self, key: &str) -> Option<AccessToken> {
        let guard = match self.current.read() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        guard.as_ref().filter(|c| c.key == key).map(|c| c.token.clone())
    }

    fn store(&self, key: String, token: AccessToken) {
        let mut guard = match self.current.write() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        *guard = Some(Cached { key, token });
    }

    /// Forgets the cached token.
    pub fn clear(&self) {
        let mut guard = match self.current.write() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        *guard = None;
    }

    async fn get(&self, request: &TokenRequest<'_>) -> Result<AccessToken> {
        let key = CachingTokenProvider::key(request);
        if request.claims().is_none() {
            if let Some(t) = self.cached(&key).filter(|t| !t.needs_refresh(self.skew)) {
                return Ok(t);
            }
        }
        let _flight = self.refresh.lock().await;
        if request.claims().is_none() {
            // Someone else may have refreshed while we waited.
            if let Some(t) = self.cached(&key).filter(|t| !t.needs_refresh(self.skew)) {
                return Ok(t);
            }
        }
        match self.provider.get_token(request).await {
            Ok(token) => {
                self.store(key, token.clone());
                Ok(token)
            }
            Err(e) => match self.cached(&key).filter(|t| !t.is_expired() && request.claims().is_none()) {
                Some(old) => {
                    tracing::warn!(error = %e, "token refresh failed; using the current token until it expires");
                    Ok(old)
                }
                None => Err(e),
            },
        }
    }
}

impl TokenProvider for CachingTokenProvider {
    fn get_token<'a>(&'a self, request: &'a TokenRequest<'a>) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(self.get(request))
    }
    fn use_transport(&self, transport: &Arc<dyn HttpTransport>) {
        self.provider.use_transport(transport)
    }
    fn caches_tokens(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{Error, ErrorKind};
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[derive(Debug)]
    struct Counting {
        calls: AtomicUsize,
        lifetime: Duration,
        fail_after: usize,
    }

    impl TokenProvider for Counting {
        fn get_token<'a>(&'a self, request: &'a TokenRequest<'a>) -> BoxFuture<'a, Result<AccessToken>> {
            Box::pin(async move {
                let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
                if n > self.fail_after {
                    return Err(Error::new(ErrorKind::Auth, "token endpoint down"));
                }
                Ok(AccessToken::new(format!("t{n}:{}", request.claims().unwrap_or("")), self.lifetime))
            })
        }
    }

    fn cache(lifetime: Duration, fail_after: usize) -> (Arc<Counting>, Arc<CachingTokenProvider>) {
        let p = Arc::new(Counting { calls: AtomicUsize::new(0), lifetime, fail_after });
        (p.clone(), Arc::new(CachingTokenProvider::new(p, DEFAULT_REFRESH_SKEW)))
    }

    #[tokio::test(start_paused = true)]
    async fn single_flight_under_concurrency() {
        let (p, c) = cache(Duration::from_secs(3600), usize::MAX);
        let scopes = vec!["https://graph.microsoft.com/.default".to_string()];
        let mut tasks = Vec::new();
        for _ in 0..50 {
            let c = c.clone();
            let scopes = scopes.clone();
            tasks.push(tokio::spawn(async move { c.get_token(&TokenRequest::new(&scopes)).await.unwrap() }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap().token().expose(), "t1:");
        }
        assert_eq!(p.calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn refresh_is_single_flight_too() {
        let (p, c) = cache(Duration::from_secs(3600), usize::MAX);
        let scopes = vec!["s".to_string()];
        c.get_token(&TokenRequest::new(&scopes)).await.unwrap();
        tokio::time::advance(Duration::from_secs(3600 - 120)).await;
        let mut tasks = Vec::new();
        for _ in 0..50 {
            let c = c.clone();
            let scopes = scopes.clone();
            tasks.push(tokio::spawn(async move { c.get_token(&TokenRequest::new(&scopes)).await.unwrap() }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap().token().expose(), "t2:");
        }
        assert_eq!(p.calls.load(Ordering::SeqCst), 2, "one refresh for 50 concurrent callers");
    }

    #[tokio::test(start_paused = true)]
    async fn refreshes_five_minutes_before_expiry_and_survives_failures() {
        let (p, c) = cache(Duration::from_secs(3600), 2);
        let scopes = vec!["s".to_string()];
        let req = TokenRequest::new(&scopes);
        assert_eq!(c.get_token(&req).await.unwrap().token().expose(), "t1:");
        tokio::time::advance(Duration::from_secs(3600 - 301)).await;
        assert_eq!(c.get_token(&req).await.unwrap().token().expose(), "t1:");
        tokio::time::advance(Duration::from_secs(2)).await; // 299 s left: refresh
        assert_eq!(c.get_token(&req).await.unwrap().token().expose(), "t2:");
        assert_eq!(p.calls.load(Ordering::SeqCst), 2);
        // Refresh fails (call 3) while t2 is still valid: t2 is used.
        tokio::time::advance(Duration::from_secs(3600 - 200)).await;
        assert_eq!(c.get_token(&req).await.unwrap().token().expose(), "t2:");
        // Expired and refresh fails: the error.
        tokio::time::advance(Duration::from_secs(400)).await;
        assert_eq!(c.get_token(&req).await.unwrap_err().kind(), ErrorKind::Auth);
    }

    #[tokio::test(start_paused = true)]
    async fn short_lived_tokens_and_claims() {
        let (p, c) = cache(Duration::from_secs(60), usize::MAX);
        let scopes = vec!["s".to_string()];
        let req = TokenRequest::new(&scopes);
        c.get_token(&req).await.unwrap();
        c.get_token(&req).await.unwrap();
        assert_eq!(p.calls.load(Ordering::SeqCst), 1, "a 60 s token is reused for its first half");
        tokio::time::advance(Duration::from_secs(31)).await;
        c.get_token(&req).await.unwrap();
        assert_eq!(p.calls.load(Ordering::SeqCst), 2);
        let with = req.with_claims(Some("{\"x\":1}"));
        assert_eq!(c.get_token(&with).await.unwrap().token().expose(), "t3:{\"x\":1}");
        // The claims token replaced the cached one.
        assert_eq!(c.get_token(&req).await.unwrap().token().expose(), "t3:{\"x\":1}");
    }

    #[test]
    fn secrets_are_redacted() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?} {s}"), "Secret(<redacted>) <redacted>");
        let t = AccessToken::new("eyJtoken", Duration::from_secs(10));
        assert!(!format!("{t:?}").contains("eyJ"));
        assert!(!format!("{:?}", StaticTokenProvider::new("eyJtoken")).contains("eyJ"));
    }
}
