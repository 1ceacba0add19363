//! Internal entry points for the cargo-fuzz targets in `fuzz/` and their regression tests.
//!
//! Not public API: hidden from the docs, no stability promise. Each function is a thin wrapper
//! over the crate-internal code path the client runs on a response, so the fuzzers exercise
//! exactly what a real answer from the network would.

use std::collections::HashSet;
use std::time::Duration;

use crate::client::Client;
use crate::error::Result;
use crate::http::{Headers, HttpResponse};
use msgraph_codec::json::DecodeError;

/// Whether a `Content-Type` is JSON, as the `$batch` decoder decides it.
pub fn is_json_content_type(ct: &str) -> bool {
    crate::error::is_json_content_type(ct)
}

/// Decodes a `$batch` answer body as the query queue does: `(id, response)` per item.
pub fn batch_decode_response(body: &[u8]) -> std::result::Result<Vec<(String, HttpResponse)>, DecodeError> {
    crate::batch::decode_response(body).map(|items| items.into_iter().map(|i| (i.id, i.response)).collect())
}

/// Applies the paging rules to an `@odata.nextLink` as [`crate::paging::Pages`] does: the URL
/// of the next request (with the first request's `headers` added), or why the link is refused.
/// `requested` holds the URLs already fetched in this round.
pub fn next_page_url(
    client: &Client,
    requested: &HashSet<String>,
    headers: &Headers,
    link: &str,
) -> Result<(String, Headers)> {
    if requested.contains(link) {
        return Err(crate::error::Error::validation("@odata.nextLink points to a page already fetched (a loop)"));
    }
    let parts = crate::paging::next_page_request(client, headers, link)?;
    Ok((parts.url(client.api_root()), parts.effective_headers()))
}

/// The delay the retry policy waits before retry number `retry` after an answer with this
/// `Retry-After` value; `None` when the service asks for longer than the configured maximum.
pub fn retry_delay(options: &crate::pipeline::RetryOptions, retry: u32, retry_after: Option<&str>) -> Option<Duration> {
    options.delay_for(retry, retry_after)
}

/// Adds a header as received from the network, as the transport does; like the HTTP stack, it
/// never delivers a value with CR, LF or NUL in it (returns `false` and adds nothing), so this
/// entry point cannot build a header the real client could not receive.
pub fn push_received_header(headers: &mut Headers, name: &str, value: &str) -> bool {
    if value.bytes().any(|b| matches!(b, b'\r' | b'\n' | 0)) {
        return false;
    }
    headers.push_received(name, value.to_string());
    true
}
