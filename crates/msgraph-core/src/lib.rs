//! The runtime of msgraph-rs: everything that talks to Microsoft Graph over HTTP.
//!
//! * [`client`]: the shared client state (pipeline, token cache, base URL) and its builder;
//! * [`auth`]: token providers (static token, client secret, certificate, device code) and the
//!   token cache;
//! * [`pipeline`]: the policies every request goes through (request id, user agent, tracing,
//!   retry, redirects, bearer token, gzip, timeout) in front of the [`transport`];
//! * [`http`]: the HTTP request/response types the pipeline and transports share;
//! * [`request`]: one typed request (`Request<T>`), sent now or queued;
//! * [`queue`]: the query queue flushed as JSON `$batch`;
//! * [`paging`]: `@odata.nextLink` / delta paging; [`upload`]: resumable large-file uploads;
//! * [`error`]: the one error type, with a kind and the Graph error fields.
//!
//! It stands on the codec (`msgraph-codec`) and knows no generated type: generated builders
//! call a few non-generic functions of [`builder`]. Users depend on `msgraph`, which holds the
//! one `Client` and re-exports what is needed from here.

/// Entry points for the fuzz targets in `fuzz/`; not public API.
#[doc(hidden)]
#[path = "fuzz.rs"]
pub mod __fuzz;
pub mod auth;
pub mod batch;
pub mod builder;
pub mod client;
pub mod cloud;
pub mod download;
pub mod error;
pub mod http;
pub mod paging;
pub mod pipeline;
pub mod query;
pub mod queue;
pub mod request;
pub mod transport;
pub mod upload;

/// What generated request builders use and nothing else should: the builder engine and the
/// macros that declare item and collection builders. No stability promise.
#[doc(hidden)]
pub mod __private {
    pub use crate::builder::{ActionParam, FunctionParam, Node};
    pub use crate::{
        __collection_builder as collection_builder, __complex_builder as complex_builder,
        __complex_collection_builder as complex_collection_builder, __item_builder as item_builder,
    };
}
