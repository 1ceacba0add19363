//! The codec of msgraph-rs: everything that turns Microsoft Graph's JSON into typed Rust values
//! and back, with no I/O and no async.
//!
//! * [`json`]: a small non-generic JSON reader and writer (errors carry the JSON path) and the
//!   [`json::Codec`] trait of every value read and written with them;
//! * [`edm`]: the OData `Edm` primitive types (`DateTimeOffset`, `Date`, `Duration`, …);
//! * [`model`]: the table-driven codec the generated models use ([`model::Model`],
//!   [`model::AdditionalData`], [`model::Flags`]);
//! * [`odata`]: percent-encoding of path segments and query values, OData literals;
//! * [`phone`]: Graph's phone-number format for authentication methods;
//! * [`schema`]: the types of the static routing schema the code generator emits.
//!
//! The generated models (`msgraph-models`) depend on this crate only, so a program that parses a
//! Graph payload (a webhook body, a file) needs no HTTP stack. Most users depend on `msgraph`,
//! which re-exports all of this.
//!
//! ```
//! use msgraph_codec::json;
//!
//! let v: serde_json::Value = json::from_str(r#"{"displayName":"Adele"}"#)?;
//! assert_eq!(v["displayName"], "Adele");
//! # Ok::<(), msgraph_codec::json::DecodeError>(())
//! ```

pub mod edm;
mod glue;
pub mod json;
pub mod model;
pub mod odata;
pub mod phone;
pub mod schema;

/// What generated code uses and nothing else should: the model tables, the decode/encode entry
/// points behind the glue macros, and the macros themselves. No stability promise.
#[doc(hidden)]
pub mod __private {
    pub use serde;

    pub use crate::model::{
        debug_model, decode_boxed, decode_enum, decode_new, enum_from_wire, model_eq, peek_odata_type,
        serde_deserialize, serde_deserialize_enum, serde_serialize, FieldFlags, FieldIndex, ModelInfo,
    };
    pub use crate::{__impl_enum as impl_enum, __impl_kind as impl_kind, __impl_model as impl_model};
}
