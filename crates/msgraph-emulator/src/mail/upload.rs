//! Attachment upload sessions, as Outlook serves them.
//!
//! `POST …/messages/{id}/attachments/createUploadSession` with an `AttachmentItem`
//! (`attachmentType: file`, `name`, `size` from 2 MiB to 150 MiB) answers `201` with an
//! `uploadSession` whose `uploadUrl` is on the emulator, outside `/v1.0`
//! (`/attachmentSessions/{id}?authtoken=…`) and pre-authenticated: a request to it that carries
//! an `Authorization` header is refused with 401, as Outlook refuses a Graph token.
//!
//! * `PUT uploadUrl` with `Content-Range: bytes {start}-{end}/{total}` and at most 4 MiB of
//!   bytes (413 above): the bytes must come in order (`start` is the next expected byte, else
//!   416), `total` must be the session's size and the body as long as the range (400
//!   otherwise, code `invalidRange`). A chunk that is not the last answers `200` with
//!   `nextExpectedRanges: ["{next byte}"]`; the last one adds the file attachment to the item
//!   and answers `201` with a `Location` to it and no body.
//! * `GET uploadUrl`: the session's `expirationDateTime` and `nextExpectedRanges`;
//!   `DELETE uploadUrl`: cancels it (204).
//! * Sessions expire after [`LIFETIME_MS`] of emulator time; at most [`MAX_SESSIONS`] are open
//!   at once (the oldest expired ones are dropped first).

use std::time::SystemTime;

use bytes::Bytes;
use hyper::header::LOCATION;
use hyper::{HeaderMap, Method, StatusCode};
use serde_json::{json, Map, Value};

use super::{add_uploaded_attachment, loc_path, param};
use crate::clock::rfc3339;
use crate::errors::{truncate, GraphError, HandlerResult, RequestMeta, Response};
use crate::files::{parse_content_range, query_param};
use crate::log::{logged_headers, RequestRecord};
use crate::mailbox::sessions::Session;
use crate::state::Shared;
use crate::store::{Loc, Store};
use crate::sync::lock;

/// The smallest attachment an upload session takes (Outlook's minimum).
pub(crate) const MIN_SIZE: u64 = 2 * 1024 * 1024;
/// The largest attachment an upload session takes.
pub(crate) const MAX_SIZE: u64 = 150 * 1024 * 1024;
/// The most bytes one `PUT` may carry.
pub(crate) const MAX_CHUNK: usize = 4 * 1024 * 1024;
/// How long a session lives (emulator time).
pub(crate) const LIFETIME_MS: i64 = 15 * 60 * 1000;
/// How many sessions may be open at once.
pub(crate) const MAX_SESSIONS: usize = 64;

fn bad(code: &'static str, message: impl Into<String>) -> GraphError {
    GraphError::new(StatusCode::BAD_REQUEST, code, message)
}

/// `createUploadSession` on the attachments of the item at `owner`.
pub(crate) fn create(shared: &Shared, store: &Store, owner: &Loc, body: Option<&Map<String, Value>>) -> HandlerResult {
    if store.entity(owner).is_none() {
        return Err(GraphError::not_found("ErrorItemNotFound", "the item"));
    }
    let item = body.and_then(|b| param(b, "AttachmentItem")).and_then(Value::as_object).ok_or_else(|| {
        bad("ErrorInvalidRequest", "The parameter 'AttachmentItem' is required and must be an object.")
    })?;
    let field = |name: &str| param(item, name).filter(|v| !v.is_null());
    match field("attachmentType").and_then(Value::as_str) {
        Some(t) if t.eq_ignore_ascii_case("file") => {}
        Some(t) => {
            return Err(bad(
                "ErrorInvalidRequest",
                format!("Upload sessions take file attachments only, not '{}'.", truncate(t, 50)),
            ))
        }
        None => return Err(bad("ErrorInvalidRequest", "The property 'attachmentType' is required: use \"file\".")),
    }
    let name = field("name").and_then(Value::as_str).filter(|s| !s.is_empty());
    let name = name.ok_or_else(|| bad("ErrorInvalidRequest", "The property 'name' is required."))?;
    let size = field("size")
        .and_then(Value::as_u64)
        .ok_or_else(|| bad("ErrorInvalidRequest", "The property 'size' is required: the file's length in bytes."))?;
    if size < MIN_SIZE {
        return Err(bad(
            "ErrorAttachmentSizeShouldNotBeLessThanMinimumSize",
            format!("Attachment size must be greater than the minimum size ({MIN_SIZE} bytes): POST smaller files to the attachments collection."),
        ));
    }
    if size > MAX_SIZE {
        return Err(bad(
            "ErrorMessageSizeExceeded",
            format!("The attachment exceeds the maximum size ({MAX_SIZE} bytes)."),
        ));
    }
    let mut props = Map::new();
    props.insert("name".into(), Value::String(name.to_string()));
    let ct = field("contentType").and_then(Value::as_str).unwrap_or("application/octet-stream");
    props.insert("contentType".into(), Value::String(ct.to_string()));
    props.insert("isInline".into(), Value::Bool(field("isInline").and_then(Value::as_bool).unwrap_or(false)));
    if let Some(cid) = field("contentId").and_then(Value::as_str) {
        props.insert("contentId".into(), Value::String(cid.to_string()));
    }
    let now = shared.clock.now_ms();
    let expires_ms = now.saturating_add(LIFETIME_MS);
    let id = shared.new_uuid();
    let token = shared.random_string(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 40);
    {
        let mut map = lock(&shared.attachment_uploads.map);
        map.retain(|_, s| s.expires_ms > now);
        if map.len() >= MAX_SESSIONS {
            return Err(GraphError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "TooManyRequests",
                format!(
                    "The emulator keeps at most {MAX_SESSIONS} attachment upload sessions open: finish or cancel one."
                ),
            )
            .with_header(hyper::header::RETRY_AFTER, "1"));
        }
        let session = Session { token: token.clone(), owner: owner.clone(), props, size, data: Vec::new(), expires_ms };
        map.insert(id.clone(), session);
    }
    let body = json!({
        "@odata.context": format!("{}/$metadata#microsoft.graph.uploadSession", shared.urls.base),
        "uploadUrl": format!("{}/attachmentSessions/{id}?authtoken={token}", shared.urls.content_origin),
        "expirationDateTime": rfc3339(expires_ms),
        "nextExpectedRanges": ["0-"],
    });
    Ok(Response::json(StatusCode::CREATED, &body))
}

/// Answers a request to an upload URL (`/attachmentSessions/{id}?authtoken=…`) and logs it.
pub(crate) fn serve(
    shared: &Shared,
    id: &str,
    parts: &hyper::http::request::Parts,
    body: Bytes,
    meta: &RequestMeta,
) -> Response {
    let (method, headers) = (&parts.method, &parts.headers);
    let query = parts.uri.query().unwrap_or("");
    let response = answer(shared, method, id, query, headers, body).unwrap_or_else(|e| e.into_response(meta));
    shared.log.push(RequestRecord {
        method: method.to_string(),
        // The authtoken is a credential: it is not logged.
        target: parts.uri.path().to_string(),
        status: response.status.as_u16(),
        authorization: headers.contains_key(hyper::header::AUTHORIZATION),
        headers: logged_headers(headers),
        batch_item: None,
        client_id: None,
        fault: None,
        at: SystemTime::now(),
    });
    response
}

fn answer(shared: &Shared, method: &Method, id: &str, query: &str, headers: &HeaderMap, body: Bytes) -> HandlerResult {
    if headers.contains_key(hyper::header::AUTHORIZATION) {
        return Err(GraphError::new(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            "The upload URL is pre-authenticated: send no Authorization header to it.",
        ));
    }
    let token = query_param(query, "authtoken");
    let now = shared.clock.now_ms();
    let mut map = lock(&shared.attachment_uploads.map);
    let gone = || GraphError::not_found("ErrorItemNotFound", "the upload session (expired, cancelled or finished)");
    let session = map.get_mut(id).ok_or_else(gone)?;
    if token.as_deref() != Some(session.token.as_str()) {
        return Err(GraphError::new(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            "The upload URL's authtoken is missing or wrong.",
        ));
    }
    if session.expires_ms <= now {
        map.remove(id);
        return Err(gone());
    }
    let status = |s: &Session| {
        json!({
            "@odata.context": format!("{}/$metadata#microsoft.graph.uploadSession", shared.urls.base),
            "ExpirationDateTime": rfc3339(s.expires_ms),
            "nextExpectedRanges": [s.data.len().to_string()],
        })
    };
    match *method {
        Method::GET => Ok(Response::json(StatusCode::OK, &status(session))),
        Method::DELETE => {
            map.remove(id);
            Ok(Response::empty(StatusCode::NO_CONTENT))
        }
        Method::PUT => {
            let range = headers.get("content-range").and_then(|v| v.to_str().ok()).unwrap_or("");
            let (start, end, total) = parse_content_range(range).ok_or_else(|| {
                bad(
                    "invalidRange",
                    format!(
                        "The Content-Range header '{}' is missing or malformed: send bytes {{start}}-{{end}}/{{total}}.",
                        truncate(range, 100)
                    ),
                )
            })?;
            if body.len() > MAX_CHUNK {
                return Err(GraphError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "RequestEntityTooLarge",
                    format!("A chunk may carry at most {MAX_CHUNK} bytes."),
                ));
            }
            if total != session.size {
                return Err(bad(
                    "invalidRange",
                    format!("The Content-Range total {total} is not the session's attachment size {}.", session.size),
                ));
            }
            if body.len() as u64 != end - start + 1 {
                return Err(bad(
                    "invalidRange",
                    format!(
                        "The body has {} bytes but the Content-Range {start}-{end} names {}.",
                        body.len(),
                        end - start + 1
                    ),
                ));
            }
            let expected = session.data.len() as u64;
            if start != expected {
                return Err(GraphError::new(
                    StatusCode::RANGE_NOT_SATISFIABLE,
                    "invalidRange",
                    format!("The bytes must come in order: the session expects byte {expected}, not {start}."),
                ));
            }
            session.data.extend_from_slice(&body);
            if (session.data.len() as u64) < session.size {
                return Ok(Response::json(StatusCode::OK, &status(session)));
            }
            let Some(done) = map.remove(id) else { return Err(gone()) };
            drop(map); // the store lock is taken next: never both at once in this order
            let attachment = add_uploaded_attachment(shared, &done.owner, done.props, &done.data)?;
            let location = format!("{}/{}/attachments('{attachment}')", shared.urls.base, loc_path(&done.owner));
            Ok(Response::empty(StatusCode::CREATED).header(LOCATION, &location))
        }
        _ => Err(GraphError::method_not_allowed(method.as_str(), "an upload session (PUT, GET or DELETE)")),
    }
}

#[cfg(test)]
mod tests {
    use crate::files::parse_content_range;

    #[test]
    fn content_ranges() {
        assert_eq!(parse_content_range("bytes 0-9/10"), Some((0, 9, 10)));
        assert_eq!(parse_content_range("bytes 5-5/6"), Some((5, 5, 6)));
        for bad in ["", "bytes 0-9", "bytes 9-0/10", "bytes 0-10/10", "bytes */10", "0-9/10", "bytes a-9/10"] {
            assert_eq!(parse_content_range(bad), None, "{bad}");
        }
    }
}
