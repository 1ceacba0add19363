//! Checks for the `batch_response` and `response_handling` targets: the runtime's handling of
//! answers (`$batch` parsing, Graph error bodies, `Retry-After`, `@odata.nextLink` rules).
//!
//! Shared by the fuzz targets and by `crates/msgraph-core/tests/fuzz_regressions.rs` (included
//! there with `#[path]`, with `round_trip.rs`).

use std::collections::HashSet;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use msgraph_codec::json::{Reader, Writer};
use msgraph_core::__fuzz::{batch_decode_response, next_page_url, push_received_header, retry_delay};
use msgraph_core::client::Client;
use msgraph_core::error::{Error, ErrorKind};
use msgraph_core::http::{Headers, HttpResponse};
use msgraph_core::paging::{DeltaPage, Page};
use msgraph_core::pipeline::{parse_retry_after, RetryOptions};

use crate::round_trip::round_trip;

// ---- batch_response -------------------------------------------------------------------------

/// What a well-behaved `$batch` decode gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchOutcome {
    /// The items: `(id, status)`.
    Items(Vec<(String, u16)>),
    /// The whole answer was rejected with this decode error.
    Rejected(String),
}

/// A missing `Content-Type` counts as JSON, as in the `$batch` decoder.
fn is_json(ct: Option<&str>) -> bool {
    ct.is_none_or(msgraph_core::__fuzz::is_json_content_type)
}

/// Writes items back as a `$batch` answer: JSON bodies inline, anything else base64.
fn encode_batch(items: &[(String, HttpResponse)]) -> String {
    let mut w = Writer::new();
    w.begin_object();
    w.key("responses");
    w.begin_array();
    for (id, resp) in items {
        w.begin_object();
        w.key("id");
        w.string(id);
        w.key("status");
        w.i64(i64::from(resp.status()));
        w.key("headers");
        w.begin_object();
        for (k, v) in resp.headers().iter() {
            w.key(k);
            w.string(v);
        }
        w.end_object();
        let body = resp.body();
        if !body.is_empty() {
            w.key("body");
            match std::str::from_utf8(body) {
                Ok(text) if is_json(resp.headers().get("content-type")) => w.raw(text),
                _ => w.string(&STANDARD.encode(body)),
            }
        }
        w.end_object();
    }
    w.end_array();
    w.end_object();
    w.into_string()
}

/// Bytes → the `$batch` answer parser, then what the queue does with each item, then a round
/// trip of the decoded items.
pub fn check_batch(data: &[u8]) -> Result<BatchOutcome, String> {
    let items = match batch_decode_response(data) {
        Ok(items) => items,
        Err(e) => return Ok(BatchOutcome::Rejected(e.to_string())),
    };
    for (id, resp) in &items {
        if is_json(resp.headers().get("content-type")) && !resp.body().is_empty() {
            let mut r = Reader::new(resp.body());
            r.skip_value()
                .and_then(|()| r.finish())
                .map_err(|e| format!("item {id:?}: a JSON body is not JSON: {e}"))?;
        }
        if !resp.is_success() {
            check_error(resp.status(), resp.headers(), resp.body())?;
        }
    }
    let doc = encode_batch(&items);
    let again = batch_decode_response(doc.as_bytes())
        .map_err(|e| format!("the re-encoded answer does not decode ({e}): {doc}"))?;
    if items.len() != again.len() {
        return Err(format!("{} items became {} in a round trip: {doc}", items.len(), again.len()));
    }
    for ((id1, r1), (id2, r2)) in items.iter().zip(&again) {
        let h1: Vec<_> = r1.headers().iter().collect();
        let h2: Vec<_> = r2.headers().iter().collect();
        if id1 != id2 || r1.status() != r2.status() || r1.body() != r2.body() || h1 != h2 {
            return Err(format!("item {id1:?} changed in a round trip: {doc}"));
        }
    }
    Ok(BatchOutcome::Items(items.iter().map(|(id, r)| (id.clone(), r.status())).collect()))
}

/// `Error::from_response` on an answer, with its invariants.
fn check_error(status: u16, headers: &Headers, body: &[u8]) -> Result<Error, String> {
    let e = Error::from_response(status, headers, body);
    // Status 0 is "no readable status" (a malformed `$batch` item): reported as none.
    if e.status() != Some(status).filter(|&s| s != 0) {
        return Err(format!("status {status} reported as {:?}", e.status()));
    }
    if (e.kind() == ErrorKind::DependencyFailed) != (status == 424) {
        return Err(format!("status {status} gave kind {:?}", e.kind()));
    }
    if status == 410 && e.kind() != ErrorKind::ResyncRequired {
        return Err(format!("410 gave kind {:?}", e.kind()));
    }
    if let Some(s) = e.body_snippet() {
        if s.chars().count() > 301 {
            return Err(format!("a body snippet of {} characters", s.chars().count()));
        }
    }
    if let Some(code) = e.code() {
        if !e.has_code(code) {
            return Err(format!("has_code({code:?}) is false for the error's own code"));
        }
    }
    let _ = e.to_string();
    let _ = format!("{e:?}");
    let _ = (e.message(), e.request_id(), e.client_request_id(), e.date(), e.retry_after(), e.is_transient());
    Ok(e)
}

// ---- response_handling ----------------------------------------------------------------------

/// The API root of the client the nextLink rules are checked against.
pub const API_ROOT: &str = "https://graph.microsoft.com/v1.0";
/// The page already fetched when the nextLink is looked at.
pub const FIRST_PAGE: &str = "https://graph.microsoft.com/v1.0/me/authentication/methods";

/// What a well-behaved run over an answer gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseOutcome {
    /// `Error::from_response`'s kind and code.
    pub error: (ErrorKind, Option<String>),
    /// The parsed `Retry-After` (with `now` = 2023-11-14T22:13:20Z), if the header was there.
    pub retry_after: Option<Option<Duration>>,
    /// `None`: the body is not a collection page; `Some(None)`: a page without a nextLink;
    /// `Some(Some(Ok(url)))`: the nextLink is followed to `url`; `Some(Some(Err(message)))`: it
    /// is refused.
    pub next: Option<Option<Result<String, String>>>,
}

fn client() -> Result<&'static Client, String> {
    static CLIENT: OnceLock<Result<Client, String>> = OnceLock::new();
    CLIENT.get_or_init(|| Client::builder().build().map_err(|e| e.to_string())).as_ref().map_err(Clone::clone)
}

fn api_origin() -> Option<url::Origin> {
    url::Url::parse(API_ROOT).ok().map(|u| u.origin())
}

/// Splits `STATUS\nName: value\n...\n\nBODY` leniently into status, headers and body.
pub fn split_answer(data: &[u8]) -> (u16, Headers, &[u8]) {
    let mut headers = Headers::new();
    let mut rest = data;
    let mut status = 200;
    let mut first = true;
    while let Some(nl) = rest.iter().position(|&b| b == b'\n') {
        let line = String::from_utf8_lossy(rest.get(..nl).unwrap_or_default()).into_owned();
        let line = line.trim_end_matches('\r');
        let after = rest.get(nl + 1..).unwrap_or_default();
        if first {
            first = false;
            match line.trim().parse::<u16>() {
                Ok(s) => status = s,
                Err(_) => break,
            }
        } else if let Some((name, value)) = line.split_once(':') {
            // A value the HTTP stack would never deliver (CR/LF/NUL) is dropped, as there.
            let _ = push_received_header(&mut headers, name.trim(), value.trim());
        } else {
            rest = after;
            break;
        }
        rest = after;
    }
    (status, headers, rest)
}

/// An HTTP-like answer → error body parsing, Retry-After, and the nextLink rules.
pub fn check_response(data: &[u8]) -> Result<ResponseOutcome, String> {
    let (status, headers, body) = split_answer(data);
    let e = check_error(status, &headers, body)?;
    let error = (e.kind(), e.code().map(str::to_string));

    let retry_after = match headers.get("retry-after") {
        None => None,
        Some(v) => {
            let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
            let parsed = parse_retry_after(v, now);
            let t = v.trim();
            if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) && parsed.is_none() {
                return Err(format!("delta-seconds {t:?} not accepted"));
            }
            let options = RetryOptions::new();
            for retry in [0, 1, 2, 10, u32::MAX] {
                if let Some(d) = retry_delay(&options, retry, Some(v)) {
                    if d > options.get_max_delay() {
                        return Err(format!("retry delay {d:?} over the maximum for {v:?}"));
                    }
                }
            }
            Some(parsed)
        }
    };

    let _ = msgraph_codec::json::from_slice::<DeltaPage<serde_json::Value>>(body);
    let next = match msgraph_codec::json::from_slice::<Page<serde_json::Value>>(body) {
        Err(_) => None,
        Ok(page) => Some(check_next_link(&page)?),
    };
    Ok(ResponseOutcome { error, retry_after, next })
}

fn check_next_link(page: &Page<serde_json::Value>) -> Result<Option<Result<String, String>>, String> {
    round_trip(page, "page")?;
    let Some(link) = page.next_link() else { return Ok(None) };
    let client = client()?;
    if client.api_root() != API_ROOT {
        return Err(format!("unexpected API root {}", client.api_root()));
    }
    let mut sent = Headers::new();
    sent.insert("consistencylevel", "eventual").map_err(|e| e.to_string())?;
    let requested: HashSet<String> = [FIRST_PAGE.to_string()].into_iter().collect();
    let own = url::Url::parse(link).is_ok_and(|u| Some(u.origin()) == api_origin());
    match next_page_url(client, &requested, &sent, link) {
        Ok((next, next_headers)) => {
            if !own {
                return Err(format!("followed a nextLink to another origin: {link:?}"));
            }
            if next != link {
                return Err(format!("the nextLink {link:?} was followed as {next:?}, not verbatim"));
            }
            if link == FIRST_PAGE {
                return Err("followed a nextLink back to the page already fetched".into());
            }
            if next_headers.get("consistencylevel") != Some("eventual") {
                return Err("the first request's headers were not resent".into());
            }
            Ok(Some(Ok(next)))
        }
        Err(e) => {
            if e.kind() != ErrorKind::Validation {
                return Err(format!("a refused nextLink gave kind {:?}: {e}", e.kind()));
            }
            Ok(Some(Err(e.to_string())))
        }
    }
}
