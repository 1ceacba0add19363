//! The Microsoft identity platform side of the emulator: the token endpoints, the device code
//! flow, client assertions, and the access tokens Graph requests carry.
//!
//! * [`crate::apps`] (below this module): registered apps, device codes, refresh tokens;
//! * [`token`]: issuing access tokens and validating `Authorization: Bearer`;
//! * [`endpoint`]: `POST /{tenant}/oauth2/v2.0/token` and `…/devicecode`, using
//!   `assertion` (certificate-signed client assertions), `device` (the device code flow
//!   and refresh tokens), `authorize` (the authorization code flow with PKCE, whose
//!   `GET …/authorize` the server routes too) and `form` (the form bodies); the token
//!   endpoint also takes the on-behalf-of grant.

mod assertion;
pub(crate) mod authorize;
mod device;
pub(crate) mod endpoint;
mod form;
pub(crate) mod token;
