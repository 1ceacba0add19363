//! Registered answers ("mocks") for the routes a test needs and the emulator does not model —
//! most bound actions and functions, media, workbook ranges — or for which a test wants another
//! answer than the built-in one.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use msgraph_emulator::{Emulator, Mock, MockResponse};
//! use serde_json::json;
//!
//! let emu = Emulator::start().await?;
//! let assign = emu.mock(
//!     Mock::post("/users/{id}/microsoft.graph.assignLicense")
//!         .body_json(json!({ "addLicenses": [{ "skuId": "sku-1" }] }))
//!         .respond_with(|req| MockResponse::json(200, json!({ "id": req.var("id") }))),
//! )?;
//! // ... the code under test calls POST /v1.0/users/adele@contoso.com/assignLicense ...
//! assign.assert_called_once();
//! let sent = assign.last_request().and_then(|r| r.json());
//! # let _ = sent;
//! # Ok(()) }
//! ```
//!
//! # Where mocks sit in the pipeline
//!
//! A request (or a `$batch` item) is authenticated, checked by the protocol guard, counted by
//! the rate limit and put through fault injection first, exactly as for the built-in answers:
//! a request without a valid token gets `401` and never reaches a mock, an injected `429` or
//! `503` answers instead of the mock (and does not count as a call of it), and transport faults
//! (dropped connections, truncated or slow bodies) apply to a mock's answer too. Then the
//! mocks are tried in registration order; the first whose conditions hold and that still
//! answers takes the request, so a mock overrides a built-in answer as well as the `501` of an
//! operation the emulator does not model. Otherwise the built-in handler answers. A mock's
//! `429`/`503` with a `Retry-After` in seconds is remembered by the guard like an injected one,
//! so retrying too early is a [`Violation`](crate::Violation). Answers get Graph's
//! `request-id`/`client-request-id` headers and are in the request log
//! ([`Emulator::requests`](crate::Emulator::requests)); each [`MockHandle`] also records the
//! requests it answered (bodies included). `$batch` itself cannot be mocked; its items can, and
//! a failing mocked item fails the items that depend on it (`424`).
//! [`Emulator::reset`](crate::Emulator::reset) keeps the mocks.
//!
//! # URL templates
//!
//! A path after `/v1.0` (`/users/{id}/assignLicense`), the same with `/v1.0` in front, or a full
//! `https://graph.microsoft.com/v1.0/...` URL (any host; beta and non-Graph URLs are refused):
//! * `{name}` matches one segment, or part of one: `range(address='{address}')` captures the
//!   parameter value (decoded, `''` read as `'`), see [`MockRequest::var`];
//! * `*` matches any characters, across segments too (Dev Proxy's wildcard);
//! * everything else matches like Graph reads URLs: percent-decoded per segment,
//!   ASCII-case-insensitive, `/users('x')` and `/users(id='x')` as `/users/x`, `delta()` as
//!   `delta`, the `microsoft.graph.` namespace of an operation or cast optional;
//! * a query in the template (`/me/messages?$filter=*&$top=5`) must be in the request (names
//!   case-insensitive, the `$` optional; values exact or with `*`); extra parameters are
//!   allowed. See also [`Mock::query`], [`Mock::header`], [`Mock::body_json`] (a JSON subset)
//!   and [`Mock::body_contains`].
//!
//! # Mock files
//!
//! [`Emulator::load_mocks`](crate::Emulator::load_mocks) and the binary's `--mocks-file PATH`
//! read the format of Dev Proxy's `MockResponsePlugin` (`mocks.json`), this subset of it:
//!
//! ```json
//! {
//!   "$schema": "https://raw.githubusercontent.com/dotnet/dev-proxy/main/schemas/v1.0.0/mockresponseplugin.mocksfile.schema.json",
//!   "mocks": [
//!     {
//!       "request": { "url": "https://graph.microsoft.com/v1.0/users/*/photo/$value", "method": "GET" },
//!       "response": {
//!         "statusCode": 200,
//!         "headers": [{ "name": "content-type", "value": "image/jpeg" }],
//!         "body": "@photo.jpg"
//!       }
//!     },
//!     {
//!       "request": { "url": "/users/{id}/assignLicense", "method": "POST", "nth": 2, "bodyFragment": "skuId" },
//!       "response": { "statusCode": 200, "body": { "id": "@request.body.id" } }
//!     }
//!   ]
//! }
//! ```
//!
//! * `request.url` (required): a URL template as above; `request.method` (default `GET`);
//!   `request.nth`: answer only the nth matching request ([`Mock::nth`]);
//!   `request.bodyFragment`: the body must contain this text ([`Mock::body_contains`]; not
//!   checked for `GET`, as in Dev Proxy).
//! * `response.statusCode` (default 200); `response.headers`: `[{"name", "value"}]`;
//!   `response.body`: JSON (any value but a string) sent as JSON, `"@file"` sent as the bytes of
//!   that file (relative to the mock file; `application/octet-stream` unless a `content-type`
//!   header is given), any other string sent as text; `null` or absent: no body. Strings
//!   `"@request.body.a.b"` inside a JSON body are replaced by that value of the request's JSON
//!   body (`null` when absent), as Dev Proxy does.
//! * Mocks are registered in file order (the first that matches answers, as in Dev Proxy).
//!   Unknown properties, wrong types and bad URLs are errors ([`MockFileError`]) naming the file
//!   and the JSON path (`mocks[2].response.statusCode`); a file loads completely or not at all.
//!   Not supported: Dev Proxy's other plugins and settings (`blockUnmockedRequests`, …) and
//!   mocks for the identity platform's URLs.

mod file;
mod mock;
mod registry;
mod template;

pub use file::MockFileError;
pub use mock::{Mock, MockError, MockRequest, MockResponse};
pub use registry::{MockHandle, Mocks, MAX_RECORDED_PER_MOCK};

pub(crate) use registry::{Incoming, MockState};
