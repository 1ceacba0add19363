//! The routing schema: Graph v1.0's entity sets, singletons, entity types with their
//! properties, navigation properties and bound operations, as compiled into the SDK
//! (`msgraph::schema::SCHEMA`, with its types from `msgraph_core::schema`).
//!
//! This is the only module that names the SDK crates: everything else takes the schema from
//! here, so moving it to other crates changes this file only.

pub(crate) use msgraph::schema::SCHEMA;
pub(crate) use msgraph_core::schema::{EntitySet, Navigation, Operation, OperationKind, TypeIndex};
