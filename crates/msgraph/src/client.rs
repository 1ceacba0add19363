//! [`GraphClient`]: the one client users hold. It carries the runtime client (pipeline, token
//! cache, base URL) and a default query queue; the generated entry points (`client.users()`,
//! `client.me()`, … — one per entity set and singleton) are inherent methods of it.

use msgraph_codec::model::Codec;
use msgraph_core::client::{Client, ClientBuilder};
use msgraph_core::error::Result;
use msgraph_core::http::{HttpRequest, HttpResponse, Method};
use msgraph_core::paging::{DeltaPage, Page, Pages};
use msgraph_core::pipeline::Context;
use msgraph_core::queue::{Dependency, ExecuteOptions, ExecuteSummary, Pending, Queue};
use msgraph_core::request::{Request, ResponseBody};

/// Configures a [`GraphClient`]: cloud or base URL, API version, credentials, timeouts, user
/// agent, retry and redirect settings, transport, policies. Start with [`GraphClient::builder`].
pub type GraphClientBuilder = ClientBuilder<GraphClient>;

/// The Microsoft Graph client.
///
/// Cheap to clone (one connection pool, one token cache), `Send + Sync`. The generated entry
/// points start request builders; every request can be sent at once (`.send().await`) or queued:
///
/// ```no_run
/// # async fn demo(client: &msgraph::GraphClient) -> Result<(), msgraph::Error> {
/// let phone = client.me().authentication().phone_methods().by_id("3179e48a-750b-4051-897c-87b9720928f7");
/// let p: msgraph::models::PhoneAuthenticationMethod = phone.get().send().await?;
///
/// // An explicit queue: only what is added to it is sent, in as few round trips as possible.
/// let queue = client.queue();
/// let enabled = queue.add(phone.enable_sms_sign_in());
/// queue.execute().await?;
/// enabled.take()?;
/// # Ok(()) }
/// ```
///
/// [`GraphClient::add_query`] / [`GraphClient::execute_query`] use the client's *default* queue,
/// which is shared by every clone of the client: in a program where several tasks share one
/// client, give each task its own [`GraphClient::queue`] instead, so that one task's
/// `execute_query` never sends (or resolves) another task's queries.
#[derive(Clone, Debug)]
pub struct GraphClient {
    core: Client,
    default_queue: Queue,
}

impl From<Client> for GraphClient {
    fn from(core: Client) -> GraphClient {
        let default_queue = Queue::new(&core);
        GraphClient { core, default_queue }
    }
}

impl GraphClient {
    /// Configures a client (cloud or base URL, credentials, retry, redirects, transport, ...).
    pub fn builder() -> GraphClientBuilder {
        ClientBuilder::new()
    }

    /// The runtime client: what runtime APIs that are not generated take (`Request::new`,
    /// `LargeFileUpload`, paging from a stored link).
    pub fn core(&self) -> &Client {
        &self.core
    }

    /// A new, empty query queue on this client. It sends only what is added to it.
    pub fn queue(&self) -> Queue {
        Queue::new(&self.core)
    }

    /// The default queue behind [`GraphClient::add_query`] and [`GraphClient::execute_query`],
    /// shared by every clone of this client.
    pub fn default_queue(&self) -> &Queue {
        &self.default_queue
    }

    /// Queues a request on the default queue; its outcome arrives in the returned handle after
    /// [`GraphClient::execute_query`].
    pub fn add_query<T: ResponseBody>(&self, request: Request<T>) -> Pending<T> {
        self.default_queue.add(request)
    }

    /// Queues a request on the default queue that runs only after every one of `deps`
    /// succeeded.
    pub fn add_query_after<T: ResponseBody>(&self, request: Request<T>, deps: &[&dyn Dependency]) -> Pending<T> {
        self.default_queue.add_after(request, deps)
    }

    /// Sends every query of the default queue: one directly, more as JSON `$batch`.
    pub async fn execute_query(&self) -> Result<ExecuteSummary> {
        self.default_queue.execute().await
    }

    /// [`GraphClient::execute_query`] with options (a time limit).
    pub async fn execute_query_with(&self, options: ExecuteOptions) -> Result<ExecuteSummary> {
        self.default_queue.execute_with(options).await
    }

    /// Number of queries waiting in the default queue.
    pub fn queued_count(&self) -> usize {
        self.default_queue.len()
    }

    /// A typed request to `segments` under the API root (each segment percent-encoded), for
    /// paths the builders do not cover.
    pub fn request<T>(&self, method: Method, segments: &[&str]) -> Request<T> {
        self.core.request(method, segments)
    }

    /// A typed `GET` request to `segments` under the API root.
    pub fn get<T>(&self, segments: &[&str]) -> Request<T> {
        self.core.get(segments)
    }

    /// The pages that follow a stored `@odata.nextLink` (only to this client's host).
    pub fn pages_from_link<T: Codec + Send + 'static>(&self, next_link: &str) -> Pages<Page<T>> {
        self.core.pages_from_link(next_link)
    }

    /// A delta round resumed from a stored `@odata.deltaLink` (only to this client's host).
    pub fn delta_from_link<T>(&self, delta_link: &str) -> Request<DeltaPage<T>> {
        self.core.delta_from_link(delta_link)
    }

    /// Sends a raw request through the pipeline; any status is returned as a response.
    pub async fn send_http(&self, request: HttpRequest, ctx: &Context) -> Result<HttpResponse> {
        self.core.send_http(request, ctx).await
    }

    /// The API root requests go to (`https://graph.microsoft.com/v1.0`).
    pub fn api_root(&self) -> &str {
        self.core.api_root()
    }

    /// The base URL (scheme, host, port).
    pub fn base_url(&self) -> &str {
        self.core.base_url()
    }

    /// Whether `url` has this client's origin (scheme, host and port).
    pub fn is_own_origin(&self, url: &str) -> bool {
        self.core.is_own_origin(url)
    }
}
