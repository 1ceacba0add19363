//! [`Client`]: where requests go (national cloud or a custom base URL such as the local
//! emulator), with which API version, token provider, timeouts, retry and redirect settings and
//! HTTP transport. Cheap to clone (one `Arc`), `Send + Sync`, one connection pool.
//!
//! ```no_run
//! # async fn demo() -> msgraph_core::error::Result<()> {
//! use msgraph_core::auth::ClientSecretCredential;
//! use msgraph_core::client::{Client, NationalCloud};
//!
//! let client = Client::builder()
//!     .cloud(NationalCloud::Global)
//!     .credential(ClientSecretCredential::new("tenant-id", "client-id", "secret"))
//!     .build()?;
//! let me: serde_json::Value = client.get(&["users", "adele@contoso.com"]).select(&["id"]).send().await?;
//! # Ok(()) }
//! ```

use std::fmt;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use url::{Origin, Url};

pub use crate::cloud::NationalCloud;

use crate::auth::{BearerTokenPolicy, CachingTokenProvider, TokenProvider, DEFAULT_REFRESH_SKEW};
use crate::error::{Error, Result};
use crate::http::{is_loopback, Headers, HttpRequest, HttpResponse, HttpTransport};
use crate::pipeline::{
    ClientRequestIdPolicy, Context, DecompressionPolicy, Pipeline, Policy, RedirectOptions, RedirectPolicy,
    RetryOptions, RetryPolicy, TimeoutPolicy, TracingPolicy, UserAgentPolicy, DEFAULT_MAX_RESPONSE_BYTES,
};
use crate::transport::TransportOptions;

/// Default timeout per try.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(100);

pub(crate) struct ClientInner {
    pub(crate) base: Url,
    pub(crate) api_root: String,
    pub(crate) origin: Origin,
    pub(crate) pipeline: Pipeline,
    pub(crate) max_response_bytes: usize,
    pub(crate) retry: RetryOptions,
    /// The timeout per try (downloads also wait no longer than this for the next bytes).
    pub(crate) timeout: Option<Duration>,
    pub(crate) batch_concurrency: usize,
    pub(crate) user_agent: String,
    pub(crate) has_auth: bool,
    /// Ids of queued queries, unique across every queue of this client.
    pub(crate) next_query_id: AtomicU64,
}

/// The Microsoft Graph client.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<ClientInner>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("api_root", &self.inner.api_root)
            .field("authenticated", &self.inner.has_auth)
            .field("retry", &self.inner.retry)
            .field("user_agent", &self.inner.user_agent)
            .finish()
    }
}

impl Client {
    /// A builder with defaults: Global cloud, `v1.0`, 100 s timeout per try, 3 retries, 5
    /// redirects, reqwest transport, no token provider.
    pub fn builder() -> ClientBuilder<Client> {
        ClientBuilder::default()
    }

    /// `{base}/{version}`, e.g. `https://graph.microsoft.com/v1.0` (no trailing slash).
    pub fn api_root(&self) -> &str {
        &self.inner.api_root
    }

    /// The base URL (scheme, host, port and optional path prefix).
    pub fn base_url(&self) -> &str {
        self.inner.base.as_str()
    }

    /// The request pipeline.
    pub fn pipeline(&self) -> &Pipeline {
        &self.inner.pipeline
    }

    /// The retry settings (also used for the items of `$batch` requests).
    pub fn retry_options(&self) -> &RetryOptions {
        &self.inner.retry
    }

    /// The `User-Agent` sent.
    pub fn user_agent(&self) -> &str {
        &self.inner.user_agent
    }

    /// Whether `url` has the client's own scheme, host and port.
    pub fn is_own_origin(&self, url: &str) -> bool {
        Url::parse(url).is_ok_and(|u| self.owns(&u))
    }

    /// [`Client::is_own_origin`] for a URL already parsed.
    pub(crate) fn owns(&self, url: &Url) -> bool {
        url.origin() == self.inner.origin
    }

    /// A context with the client's defaults.
    pub(crate) fn context(&self) -> Context {
        Context::new().with_max_response_bytes(self.inner.max_response_bytes)
    }

    /// Sends a raw request through the pipeline; any status is returned as a response.
    pub async fn send_http(&self, mut request: HttpRequest, ctx: &Context) -> Result<HttpResponse> {
        self.inner.pipeline.send(ctx, &mut request).await
    }
}

impl Client {
    /// A new query id, unique among the queries of every queue of this client.
    pub(crate) fn next_query_id(&self) -> u64 {
        self.inner.next_query_id.fetch_add(1, Ordering::Relaxed) + 1
    }
}

/// What an error says of a request that may have run although it failed (a `POST` answered
/// 504, a write in a `$batch` that was cut off).
pub(crate) const UNKNOWN_OUTCOME: &str = "outcome unknown, not sent again: it may have run (after a 504 or a lost \
     connection only requests that cannot take effect twice are retried, unless \
     RetryOptions::retry_unknown_outcomes is on)";

/// A success response, or the error it stands for.
pub(crate) fn check_status(response: HttpResponse, request: &HttpRequest) -> Result<HttpResponse> {
    if response.is_success() {
        Ok(response)
    } else {
        let e = response.to_error().with_sent_client_request_id(request.headers().get("client-request-id"));
        Err(if response.status() == 504 && !request.method().is_idempotent() { e.context(UNKNOWN_OUTCOME) } else { e })
    }
}

/// Builds a [`Client`], or any client type made from one (`C`: `msgraph::GraphClient` uses
/// this builder as `msgraph::GraphClientBuilder`).
pub struct ClientBuilder<C = Client> {
    cloud: NationalCloud,
    base_url: Option<String>,
    api_version: String,
    token: Option<Arc<dyn TokenProvider>>,
    scopes: Option<Vec<String>>,
    timeout: Option<Duration>,
    transport_options: TransportOptions,
    user_agent: Option<String>,
    retry: RetryOptions,
    redirect: RedirectOptions,
    transport: Option<Arc<dyn HttpTransport>>,
    allowed_hosts: Vec<String>,
    max_response_bytes: usize,
    batch_concurrency: usize,
    allow_insecure_http: bool,
    refresh_skew: Duration,
    per_call: Vec<Arc<dyn Policy>>,
    per_try: Vec<Arc<dyn Policy>>,
    output: PhantomData<fn() -> C>,
}

impl<C> Default for ClientBuilder<C> {
    fn default() -> ClientBuilder<C> {
        ClientBuilder {
            cloud: NationalCloud::Global,
            base_url: None,
            api_version: "v1.0".to_string(),
            token: None,
            scopes: None,
            timeout: Some(DEFAULT_TIMEOUT),
            transport_options: TransportOptions::default(),
            user_agent: None,
            retry: RetryOptions::default(),
            redirect: RedirectOptions::default(),
            transport: None,
            allowed_hosts: Vec::new(),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            batch_concurrency: 4,
            allow_insecure_http: false,
            refresh_skew: DEFAULT_REFRESH_SKEW,
            per_call: Vec::new(),
            per_try: Vec::new(),
            output: PhantomData,
        }
    }
}

impl<C> fmt::Debug for ClientBuilder<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("cloud", &self.cloud)
            .field("base_url", &self.base_url)
            .field("api_version", &self.api_version)
            .field("token", &self.token)
            .field("retry", &self.retry)
            .field("redirect", &self.redirect)
            .finish_non_exhaustive()
    }
}

impl<C> ClientBuilder<C> {
    /// A builder with defaults (the same as [`Client::builder`]).
    pub fn new() -> ClientBuilder<C> {
        ClientBuilder::default()
    }

    /// A national cloud (ignored when [`ClientBuilder::base_url`] is set).
    pub fn cloud(mut self, cloud: NationalCloud) -> Self {
        self.cloud = cloud;
        self
    }

    /// A custom base URL instead of a cloud, e.g. the local emulator `http://127.0.0.1:8080`.
    /// Plain `http` is accepted only for loopback hosts unless
    /// [`ClientBuilder::allow_insecure_http`].
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The API version path segment: `v1.0` (default) or `beta`.
    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.api_version = version.into();
        self
    }

    /// The token provider (wrapped in a [`CachingTokenProvider`] unless it caches itself).
    pub fn credential(mut self, provider: impl TokenProvider + 'static) -> Self {
        self.token = Some(Arc::new(provider));
        self
    }

    /// The token provider, shared.
    pub fn token_provider(mut self, provider: Arc<dyn TokenProvider>) -> Self {
        self.token = Some(provider);
        self
    }

    /// Scopes tokens are requested for (default `{graph endpoint}/.default`).
    pub fn scopes(mut self, scopes: &[&str]) -> Self {
        self.scopes = Some(scopes.iter().map(|s| s.to_string()).collect());
        self
    }

    /// Timeout per try (default 100 s; `None` for none).
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    /// Connect timeout of the default transport (default 30 s).
    pub fn connect_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.transport_options = self.transport_options.connect_timeout(timeout);
        self
    }

    /// Settings of the default transport.
    pub fn transport_options(mut self, options: TransportOptions) -> Self {
        self.transport_options = options;
        self
    }

    /// The application's product token, sent before ours in `User-Agent`
    /// (`contoso-sync/2.1 msgraph-rs/0.1.0`). It must be visible ASCII (spaces and tabs allowed):
    /// [`build`](ClientBuilder::build) fails with an
    /// [`ErrorKind::Validation`](crate::error::ErrorKind::Validation) error naming `user-agent`
    /// otherwise (`café-app/1.0` → use `cafe-app/1.0`).
    pub fn user_agent(mut self, product: impl Into<String>) -> Self {
        self.user_agent = Some(product.into());
        self
    }

    /// Retry settings.
    pub fn retry(mut self, retry: RetryOptions) -> Self {
        self.retry = retry;
        self
    }

    /// Redirect settings.
    pub fn redirect(mut self, redirect: RedirectOptions) -> Self {
        self.redirect = redirect;
        self
    }

    /// A custom HTTP transport instead of reqwest.
    pub fn transport(mut self, transport: Arc<dyn HttpTransport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// More hosts that get tokens besides the base URL's: bare hosts (`graph.microsoft.com`,
    /// meaning `https` on 443) or origins (`https://host:port`).
    pub fn allowed_hosts(mut self, hosts: &[&str]) -> Self {
        self.allowed_hosts.extend(hosts.iter().map(|h| h.to_string()));
        self
    }

    /// Largest response body accepted (default 64 MiB).
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// How many `$batch` requests `execute_query` sends at once (default 4, at least 1).
    pub fn batch_concurrency(mut self, n: usize) -> Self {
        self.batch_concurrency = n.max(1);
        self
    }

    /// Accepts a plain `http` base URL on a non-loopback host (tokens then travel unencrypted).
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// How long before expiry tokens are refreshed (default 5 minutes).
    pub fn token_refresh_skew(mut self, skew: Duration) -> Self {
        self.refresh_skew = skew;
        self
    }

    /// A policy run once per call, before retries.
    pub fn per_call_policy(mut self, policy: Arc<dyn Policy>) -> Self {
        self.per_call.push(policy);
        self
    }

    /// A policy run on every try, after authentication.
    pub fn per_try_policy(mut self, policy: Arc<dyn Policy>) -> Self {
        self.per_try.push(policy);
        self
    }

    /// Validates everything and builds the client.
    pub fn build(self) -> Result<C>
    where
        C: From<Client>,
    {
        self.build_client().map(C::from)
    }

    fn build_client(self) -> Result<Client> {
        let raw = self.base_url.clone().unwrap_or_else(|| self.cloud.graph_endpoint().to_string());
        let base = crate::http::parse_http_url(raw.trim()).map_err(|e| e.context("invalid base URL"))?;
        if base.query().is_some() || base.fragment().is_some() {
            return Err(Error::validation("invalid base URL: it must not have a query or fragment"));
        }
        if base.scheme() == "http" && !is_loopback(&base) && !self.allow_insecure_http {
            return Err(Error::validation(
                "invalid base URL: plain http is only accepted for loopback hosts (use https, or allow_insecure_http)",
            ));
        }
        let version = self.api_version.trim().trim_matches('/');
        if version.is_empty() || !version.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
        {
            return Err(Error::validation(format!("invalid API version {:?}", self.api_version)));
        }
        // A base URL that already ends with the version (`http://127.0.0.1:8080/v1.0`, as the
        // emulator prints it) is taken as the API root itself.
        let trimmed = base.as_str().trim_end_matches('/');
        let api_root = if trimmed.rsplit('/').next() == Some(version) {
            trimmed.to_string()
        } else {
            format!("{trimmed}/{version}")
        };
        let origin = base.origin();
        let mut allowed = vec![origin.clone()];
        for h in &self.allowed_hosts {
            let candidate = if h.contains("://") { h.clone() } else { format!("https://{h}") };
            let u = crate::http::parse_http_url(&candidate)
                .map_err(|e| e.context(&format!("invalid allowed host {h:?}")))?;
            allowed.push(u.origin());
        }
        let transport: Arc<dyn HttpTransport> = match self.transport {
            Some(t) => t,
            None => default_transport(&self.transport_options)?,
        };
        let user_agent = UserAgentPolicy::new(self.user_agent.as_deref());
        let ua_value = user_agent.value().to_string();
        // Checked here, not on every request: the option is the caller's input.
        Headers::new()
            .insert("user-agent", ua_value.as_str())
            .map_err(|e| e.context("invalid ClientBuilder::user_agent"))?;
        let mut policies: Vec<Arc<dyn Policy>> =
            vec![Arc::new(ClientRequestIdPolicy), Arc::new(user_agent), Arc::new(TracingPolicy)];
        policies.extend(self.per_call);
        policies.push(Arc::new(RetryPolicy::new(self.retry.clone())));
        policies.push(Arc::new(RedirectPolicy::new(self.redirect)));
        let has_auth = self.token.is_some();
        if let Some(provider) = self.token {
            provider.use_transport(&transport);
            let provider: Arc<dyn TokenProvider> = if provider.caches_tokens() {
                provider
            } else {
                Arc::new(CachingTokenProvider::new(provider, self.refresh_skew))
            };
            let scopes = self.scopes.unwrap_or_else(|| {
                if self.base_url.is_some() {
                    vec![format!("{}/.default", base.as_str().trim_end_matches('/'))]
                } else {
                    vec![self.cloud.default_scope()]
                }
            });
            policies.push(Arc::new(BearerTokenPolicy::new(provider, scopes, allowed)));
        }
        policies.extend(self.per_try);
        policies.push(Arc::new(DecompressionPolicy));
        policies.push(Arc::new(TimeoutPolicy::new(self.timeout)));
        Ok(Client {
            inner: Arc::new(ClientInner {
                base,
                api_root,
                origin,
                pipeline: Pipeline::new(policies, transport),
                max_response_bytes: self.max_response_bytes,
                retry: self.retry,
                timeout: self.timeout,
                batch_concurrency: self.batch_concurrency,
                user_agent: ua_value,
                has_auth,
                next_query_id: AtomicU64::new(0),
            }),
        })
    }
}

fn default_transport(options: &TransportOptions) -> Result<Arc<dyn HttpTransport>> {
    #[cfg(feature = "reqwest")]
    {
        Ok(Arc::new(crate::transport::ReqwestTransport::new(options)?))
    }
    #[cfg(not(feature = "reqwest"))]
    {
        let _ = options;
        Err(Error::new(
            crate::error::ErrorKind::Validation,
            "no HTTP transport: enable the `reqwest` feature or call .transport()",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn assert_send_sync<T: Send + Sync + Clone>() {}

    #[test]
    fn client_is_send_sync_clone() {
        assert_send_sync::<Client>();
    }

    #[test]
    fn clouds() {
        let c = Client::builder().cloud(NationalCloud::UsGovL5Dod).build().unwrap();
        assert_eq!(c.api_root(), "https://dod-graph.microsoft.us/v1.0");
        let c = Client::builder().cloud(NationalCloud::China).api_version("beta").build().unwrap();
        assert_eq!(c.api_root(), "https://microsoftgraph.chinacloudapi.cn/beta");
        assert_eq!(NationalCloud::UsGovL4.login_endpoint(), "https://login.microsoftonline.us");
        assert_eq!(NationalCloud::default().default_scope(), "https://graph.microsoft.com/.default");
    }

    #[test]
    fn base_urls_are_validated() {
        for bad in [
            "",
            "graph.microsoft.com",
            "ftp://graph.microsoft.com",
            "https://user:pw@graph.microsoft.com",
            "https://graph.microsoft.com/?x=1",
            "https://graph.microsoft.com/#frag",
            "http://graph.example.com",
            "https://",
            "http://[::1",
        ] {
            let e = Client::builder().base_url(bad).build().unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Validation, "{bad}");
        }
        for bad in ["", "v1.0/../x", "v 1", "v1.0?x"] {
            assert!(Client::builder().api_version(bad).build().is_err(), "{bad}");
        }
        let c = Client::builder().base_url("http://127.0.0.1:8080/").build().unwrap();
        assert_eq!(c.api_root(), "http://127.0.0.1:8080/v1.0");
        let c = Client::builder().base_url("http://127.0.0.1:8080/v1.0/").build().unwrap();
        assert_eq!(c.api_root(), "http://127.0.0.1:8080/v1.0");
        let c = Client::builder().base_url("http://localhost:1/prefix").build().unwrap();
        assert_eq!(c.api_root(), "http://localhost:1/prefix/v1.0");
        assert!(c.is_own_origin("http://localhost:1/other"));
        assert!(!c.is_own_origin("http://localhost:2/other"));
        let c = Client::builder().base_url("http://graph.example.com").allow_insecure_http(true).build();
        assert!(c.is_ok());
        assert!(Client::builder().allowed_hosts(&["bad host"]).build().is_err());
    }
}
