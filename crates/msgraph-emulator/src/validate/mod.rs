//! The emulator's own validators for the value formats Graph checks: phone numbers of phone
//! authentication methods ([`phone`]), OData dates and times ([`datetime`]) and GUIDs
//! ([`guid`]). They are written independently of the SDK's parsers, so the emulator does not
//! share the bugs of the client code it tests.

pub(crate) mod datetime;
pub(crate) mod guid;
pub(crate) mod phone;
