//! The routing schema: Graph v1.0's entity sets, singletons, entity types with their
//! properties, navigation properties and bound operations, as generated into `msgraph-models`
//! (`msgraph_models::schema::SCHEMA`, with its types from `msgraph_codec::schema`). The emulator
//! depends on nothing else of the SDK: not the builders, not the runtime, no API area.
//!
//! This is the only module that names the SDK crates: everything else takes the schema from
//! here.

pub(crate) use msgraph_codec::schema::{EntitySet, Navigation, Operation, OperationKind, TypeIndex};
pub(crate) use msgraph_models::schema::SCHEMA;
