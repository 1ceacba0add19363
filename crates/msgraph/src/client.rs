//! `msgraph::GraphClient`: the runtime client plus the generated entry points
//! (`client.users()`, `client.me()`, ... — one per entity set and singleton).

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use msgraph_core::auth::TokenProvider;
use msgraph_core::client::NationalCloud;
use msgraph_core::http::HttpTransport;
use msgraph_core::pipeline::{Policy, RedirectOptions, RetryOptions};
use msgraph_core::transport::TransportOptions;

/// The Microsoft Graph client.
///
/// Cheap to clone (one connection pool, one token cache, one query queue shared by clones),
/// `Send + Sync`. Everything of the runtime client ([`msgraph_core::client::GraphClient`]) is
/// reachable through `Deref` — `add_query`, `execute_query`, `pages_from_link`, ... — and the
/// generated entry points start request builders:
///
/// ```no_run
/// # async fn demo(client: &msgraph::GraphClient) -> Result<(), msgraph::Error> {
/// let phone = client.me().authentication().phone_methods().by_id("3179e48a-750b-4051-897c-87b9720928f7");
/// let p: msgraph::models::PhoneAuthenticationMethod = phone.get().send().await?;
/// let _pending = client.add_query(phone.enable_sms_sign_in());
/// client.execute_query().await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct GraphClient {
    core: msgraph_core::client::GraphClient,
}

impl fmt::Debug for GraphClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.core.fmt(f)
    }
}

impl GraphClient {
    /// Configures a client (cloud or base URL, credentials, retry, redirects, transport, ...).
    pub fn builder() -> GraphClientBuilder {
        GraphClientBuilder { inner: msgraph_core::client::GraphClient::builder() }
    }

    /// Wraps a runtime client.
    pub fn from_core(core: msgraph_core::client::GraphClient) -> GraphClient {
        GraphClient { core }
    }

    /// The runtime client.
    pub fn core(&self) -> &msgraph_core::client::GraphClient {
        &self.core
    }

    /// The runtime client.
    pub fn into_core(self) -> msgraph_core::client::GraphClient {
        self.core
    }
}

impl Deref for GraphClient {
    type Target = msgraph_core::client::GraphClient;
    fn deref(&self) -> &Self::Target {
        &self.core
    }
}

impl From<msgraph_core::client::GraphClient> for GraphClient {
    fn from(core: msgraph_core::client::GraphClient) -> GraphClient {
        GraphClient { core }
    }
}

/// Builds a [`GraphClient`]; every option of [`msgraph_core::client::GraphClientBuilder`].
#[derive(Debug)]
pub struct GraphClientBuilder {
    inner: msgraph_core::client::GraphClientBuilder,
}

macro_rules! forward {
    ($($(#[$doc:meta])* $name:ident($arg:ident: $ty:ty);)*) => {
        $(
            $(#[$doc])*
            pub fn $name(self, $arg: $ty) -> Self {
                GraphClientBuilder { inner: self.inner.$name($arg) }
            }
        )*
    };
}

impl GraphClientBuilder {
    forward! {
        /// National cloud (Graph and login hosts).
        cloud(cloud: NationalCloud);
        /// A custom base URL (e.g. the local emulator's `http://127.0.0.1:PORT/v1.0`).
        base_url(url: impl Into<String>);
        /// API version (`v1.0`).
        api_version(version: impl Into<String>);
        /// The token provider.
        credential(provider: impl TokenProvider + 'static);
        /// A shared token provider.
        token_provider(provider: Arc<dyn TokenProvider>);
        /// Scopes requested for tokens.
        scopes(scopes: &[&str]);
        /// Per-request timeout.
        timeout(timeout: Option<Duration>);
        /// Connect timeout.
        connect_timeout(timeout: Option<Duration>);
        /// Options of the default transport.
        transport_options(options: TransportOptions);
        /// Product token prepended to the `User-Agent`.
        user_agent(product: impl Into<String>);
        /// Retry settings.
        retry(retry: RetryOptions);
        /// Redirect settings.
        redirect(redirect: RedirectOptions);
        /// A custom HTTP transport.
        transport(transport: Arc<dyn HttpTransport>);
        /// Hosts tokens may be sent to (besides the base URL's).
        allowed_hosts(hosts: &[&str]);
        /// Limit on buffered response bodies.
        max_response_bytes(limit: usize);
        /// How many `$batch` requests run at once.
        batch_concurrency(n: usize);
        /// Allow plain `http` to non-loopback hosts.
        allow_insecure_http(allow: bool);
        /// Refresh tokens this long before they expire.
        token_refresh_skew(skew: Duration);
        /// A policy run once per call.
        per_call_policy(policy: Arc<dyn Policy>);
        /// A policy run on every try.
        per_try_policy(policy: Arc<dyn Policy>);
    }

    /// Builds the client.
    pub fn build(self) -> msgraph_core::error::Result<GraphClient> {
        self.inner.build().map(GraphClient::from_core)
    }
}
