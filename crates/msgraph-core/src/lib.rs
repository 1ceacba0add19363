//! msgraph-core
pub mod edm;
mod glue;
pub mod json;
pub mod model;
pub mod phone;

#[doc(hidden)]
pub mod __private {
    pub use serde;
}
/// Entry points for the fuzz targets in `fuzz/`; not public API.
#[doc(hidden)]
#[path = "fuzz.rs"]
pub mod __fuzz;
pub mod auth;
pub mod batch;
pub mod builder;
pub mod client;
pub mod error;
pub mod http;
pub mod odata;
pub mod paging;
pub mod pipeline;
pub mod queue;
pub mod request;
pub mod schema;
pub mod transport;
pub mod upload;
