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
pub mod schema;
