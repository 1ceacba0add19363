//! The errors made from an HTTP answer: [`Error::from_response`] and the decode error of a
//! response body. They read the headers an error keeps and hand them to the error module as
//! plain values.

use std::time::SystemTime;

use msgraph_codec::json::DecodeError;

use super::{parse_retry_after, Headers};
use crate::error::{Error, ResponseHeaders};

/// The headers every error of an HTTP answer keeps: the ids, the date and the content type.
fn ids_and_content_type(headers: &Headers) -> ResponseHeaders {
    let value = |name: &str| headers.get(name).map(str::to_string);
    ResponseHeaders {
        request_id: value("request-id"),
        client_request_id: value("client-request-id"),
        date: value("date"),
        content_type: value("content-type"),
        ..ResponseHeaders::default()
    }
}

impl Error {
    /// A decode error for a response body.
    pub(crate) fn decode(err: DecodeError, what: &str, status: u16, headers: &Headers, body: &[u8]) -> Error {
        Error::undecodable(err, what, status, ids_and_content_type(headers), body)
    }

    /// An error for a non-success HTTP answer: parses Graph's (or the token endpoint's) error
    /// body when there is one, keeps a snippet of anything else (an HTML page from a proxy).
    pub fn from_response(status: u16, headers: &Headers, body: &[u8]) -> Error {
        let kept = ResponseHeaders {
            retry_after: headers.get("retry-after").and_then(|v| parse_retry_after(v, SystemTime::now())),
            location: headers.get("location").map(str::to_string),
            ..ids_and_content_type(headers)
        };
        Error::from_answer(status, kept, body)
    }
}
