//! What a mailbox is made of, free of the shared state: its well-known folders and the open
//! attachment upload sessions. The shared state and the seed hold these; the request handling
//! is in [`crate::mail`], which depends on this module and on the state, never the reverse.

pub(crate) mod folders;
pub(crate) mod sessions;
