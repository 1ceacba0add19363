//! # msgraph-emulator
//!
//! A local, in-memory Microsoft Graph v1.0 service on `127.0.0.1`, for testing Graph clients
//! (msgraph-rs first) without a tenant: schema-aware routing over the SDK's compiled schema
//! (`msgraph_models::schema::SCHEMA`), a generic JSON store for every entity set and containment path
//! with OData query options, server-driven paging and `delta`, the OAuth2 endpoints (client secret,
//! certificate assertion, device code, authorization code with PKCE, refresh, on-behalf-of),
//! phone authentication methods with Graph's rules, mail (`sendMail` into Sent Items, drafts,
//! attachments and Outlook-style attachment upload sessions), JSON `$batch`, deterministic fault
//! injection and a protocol guard that records client misbehaviour, and registered answers
//! ([`mocks`]) for the routes a test needs that the emulator does not model.
//!
//! ```no_run
//! # async fn demo() -> Result<(), msgraph_emulator::Error> {
//! use msgraph_emulator::{Emulator, FaultRule, RetryAfter, TokenSpec};
//!
//! let emu = Emulator::builder().page_size(2).seed(7).start().await?;
//! let token = emu.issue_token_with(TokenSpec::user("AdeleV@contoso.onmicrosoft.com"))?;
//! let url = format!("{}/me/authentication/methods", emu.base_url());
//! // ... call `url` with `Authorization: Bearer {token}` using any HTTP client ...
//! emu.faults().add(FaultRule::throttle(RetryAfter::Seconds(1)).next(1));
//! emu.assert_no_violations();
//! emu.shutdown().await;
//! # let _ = (token, url);
//! # Ok(()) }
//! ```
//!
//! How `/me` is chosen: for a delegated token it is the user who signed in (approved the device
//! code, was approved with [`Emulator::approve_next_sign_in`], or was named in
//! [`TokenSpec::user`]). An app-only token gets Graph's `400 BadRequest` ("/me request is only
//! valid with delegated authentication flow."), as real Graph answers.

#![warn(missing_docs)]

mod apps;
mod auth;
mod batch;
mod browser;
mod builder;
mod clock;
mod context;
mod delta;
mod dispatch;
mod emulator;
mod entity;
mod errors;
mod faults;
mod files;
mod guard;
mod handler;
mod log;
mod mail;
mod mailbox;
pub mod mocks;
mod odata;
mod paging;
mod phone;
mod render;
mod router;
mod rules;
mod schema;
mod seed;
mod server;
mod state;
mod store;
mod sync;
mod target;
mod validate;

pub use apps::AppRegistration;
pub use browser::{BrowserError, BrowserVisit, SignInBrowser};
pub use builder::EmulatorBuilder;
pub use emulator::{AppCredentials, Emulator, Error, SignedInUser, TokenSpec};
pub use faults::{FaultAction, FaultId, FaultRule, FaultSpecError, Faults, RateLimit, RetryAfter, Trigger};
pub use guard::Violation;
pub use log::{RequestRecord, LOGGED_HEADERS};
pub use mocks::{Mock, MockError, MockFileError, MockHandle, MockRequest, MockResponse, Mocks};
pub use phone::{ALTERNATE_MOBILE_ID, MOBILE_ID, OFFICE_ID};
pub use seed::{SeedData, SeedError};
