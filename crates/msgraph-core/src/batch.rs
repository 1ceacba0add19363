//! JSON `$batch` documents: encoding the request body and decoding the answer.
//!
//! Request: `{"requests":[{"id","method","url","headers"?,"body"?,"dependsOn"?}]}` with URLs
//! relative to the version root, `Content-Type` on every item with a body, JSON bodies inline,
//! other bodies base64. Answer: `{"responses":[{"id","status","headers","body"}]}` in any order;
//! items are correlated by `id`. A JSON string body whose `Content-Type` is not JSON is base64
//! (Graph encodes binary item bodies that way).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use bytes::Bytes;

use crate::error::{is_json_content_type, Error, Result};
use crate::http::{Headers, HttpResponse, Method};
use msgraph_codec::json::{DecodeError, Reader, Token, Writer};

/// Most requests Graph accepts in one `$batch`.
pub const MAX_BATCH_SIZE: usize = 20;

/// One item of a batch request.
#[derive(Debug)]
pub(crate) struct BatchItem<'a> {
    pub(crate) id: String,
    pub(crate) method: Method,
    pub(crate) url: String,
    pub(crate) headers: Headers,
    pub(crate) body: Option<&'a [u8]>,
    pub(crate) depends_on: Option<String>,
}

/// Checks an item's body before it goes into a batch: a JSON content type needs valid JSON.
pub(crate) fn check_item_body(headers: &Headers, body: &[u8]) -> Result<()> {
    if body.is_empty() {
        return Ok(());
    }
    if let Some(ct) = headers.get("content-type") {
        if is_json_content_type(ct) {
            let mut r = Reader::new(body);
            r.skip_value().and_then(|_| r.finish()).map_err(|e| {
                Error::from(e).context("the request body is not valid JSON although its Content-Type is JSON")
            })?;
        }
    }
    Ok(())
}

/// Writes the batch request document. Bodies must have passed [`check_item_body`].
pub(crate) fn encode_request(items: &[BatchItem<'_>]) -> String {
    let mut w = Writer::with_capacity(256 * items.len());
    w.begin_object();
    w.key("requests");
    w.begin_array();
    for item in items {
        w.begin_object();
        w.key("id");
        w.string(&item.id);
        w.key("method");
        w.string(item.method.as_str());
        w.key("url");
        w.string(&item.url);
        let body = item.body.filter(|b| !b.is_empty());
        let content_type = item.headers.get("content-type");
        let headers: Vec<(&str, &str)> = item
            .headers
            .iter()
            .filter(|(k, _)| !matches!(*k, "content-length" | "host" | "connection" | "transfer-encoding"))
            .collect();
        let needs_ct = body.is_some() && content_type.is_none();
        if !headers.is_empty() || needs_ct {
            w.key("headers");
            w.begin_object();
            for (k, v) in headers {
                w.key(k);
                w.string(v);
            }
            if needs_ct {
                w.key("content-type");
                w.string("application/octet-stream");
            }
            w.end_object();
        }
        if let Some(b) = body {
            w.key("body");
            match (content_type.is_some_and(is_json_content_type), std::str::from_utf8(b)) {
                (true, Ok(text)) => w.raw(text.trim()),
                _ => w.string(&STANDARD.encode(b)),
            }
        }
        if let Some(dep) = &item.depends_on {
            w.key("dependsOn");
            w.begin_array();
            w.string(dep);
            w.end_array();
        }
        w.end_object();
    }
    w.end_array();
    w.end_object();
    w.into_string()
}

/// One item of a batch answer.
#[derive(Debug)]
pub(crate) struct ItemResponse {
    pub(crate) id: String,
    pub(crate) response: HttpResponse,
}

/// Reads the batch answer. A malformed document is an error for the whole batch; malformed
/// items with a readable `id` come back with status 0 (reported for that item only).
pub(crate) fn decode_response(body: &[u8]) -> std::result::Result<Vec<ItemResponse>, DecodeError> {
    let mut r = Reader::new(body);
    let mut out = Vec::new();
    let mut found = false;
    r.begin_object()?;
    while let Some(key) = r.next_key()? {
        if key != "responses" {
            r.skip_value()?;
            continue;
        }
        found = true;
        r.begin_array().map_err(|e| e.in_key("responses"))?;
        let mut index = 0;
        while r.next_element().map_err(|e| e.in_key("responses"))? {
            let item = decode_item(&mut r).map_err(|e| e.in_index(index).in_key("responses"))?;
            if let Some(item) = item {
                out.push(item);
            }
            index += 1;
        }
    }
    r.finish()?;
    if !found {
        return Err(DecodeError::new(0, "the $batch answer has no `responses` array"));
    }
    Ok(out)
}

fn decode_item(r: &mut Reader<'_>) -> std::result::Result<Option<ItemResponse>, DecodeError> {
    let mut id = None;
    let mut status: Option<u16> = None;
    let mut headers = Headers::new();
    let mut body: Option<(&str, Token)> = None;
    r.begin_object()?;
    while let Some(key) = r.next_key()? {
        match &*key {
            "id" => {
                id = Some(match r.peek()? {
                    Token::String => r.read_str()?.into_owned(),
                    Token::Number => r.read_number_text()?.to_string(),
                    _ => return Err(r.type_error("a string id").in_key("id")),
                })
            }
            "status" => {
                status = match r.peek()? {
                    Token::Number => r.read_number_text()?.parse::<u16>().ok(),
                    _ => {
                        r.skip_value()?;
                        None
                    }
                }
            }
            "headers" => {
                if r.peek()? == Token::Object {
                    r.begin_object()?;
                    while let Some(name) = r.next_key()? {
                        if r.peek()? == Token::String {
                            let v = r.read_str()?;
                            headers.push_received(&name, v.into_owned());
                        } else {
                            r.skip_value()?;
                        }
                    }
                } else {
                    r.skip_value()?;
                }
            }
            "body" => {
                let token = r.peek()?;
                let raw = r.read_raw().map_err(|e| e.in_key("body"))?;
                body = Some((raw, token));
            }
            _ => r.skip_value()?,
        }
    }
    let Some(id) = id else { return Ok(None) };
    let bytes = match body {
        None | Some((_, Token::Null)) => Bytes::new(),
        Some((raw, Token::String)) => {
            let mut rd = Reader::new(raw.as_bytes());
            let text = rd.read_str()?;
            let json_ct = headers.get("content-type").is_none_or(is_json_content_type);
            if json_ct {
                Bytes::copy_from_slice(raw.as_bytes())
            } else {
                match STANDARD.decode(text.as_bytes()) {
                    Ok(b) => Bytes::from(b),
                    Err(_) => Bytes::copy_from_slice(text.as_bytes()),
                }
            }
        }
        Some((raw, _)) => Bytes::copy_from_slice(raw.as_bytes()),
    };
    Ok(Some(ItemResponse { id, response: HttpResponse::from_shared(status.unwrap_or(0), headers, bytes) }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> Headers {
        let mut h = Headers::new();
        for (k, v) in pairs {
            h.insert(*k, *v).unwrap();
        }
        h
    }

    #[test]
    fn encodes_items() {
        let json = br#"{"displayName":"x"}"#;
        let png = [0x89u8, b'P', b'N', b'G', 0, 1];
        let items = vec![
            BatchItem {
                id: "1".into(),
                method: Method::Get,
                url: "/me?$select=id".into(),
                headers: headers(&[("consistencylevel", "eventual")]),
                body: None,
                depends_on: None,
            },
            BatchItem {
                id: "2".into(),
                method: Method::Patch,
                url: "/me".into(),
                headers: headers(&[("content-type", "application/json")]),
                body: Some(json),
                depends_on: Some("1".into()),
            },
            BatchItem {
                id: "3".into(),
                method: Method::Put,
                url: "/me/photo/$value".into(),
                headers: headers(&[("content-type", "image/png")]),
                body: Some(&png),
                depends_on: None,
            },
            BatchItem {
                id: "4".into(),
                method: Method::Post,
                url: "/x".into(),
                headers: Headers::new(),
                body: Some(b"raw"),
                depends_on: None,
            },
        ];
        let doc = encode_request(&items);
        let v: serde_json::Value = serde_json::from_str(&doc).unwrap();
        let r = &v["requests"];
        assert_eq!(r[0]["headers"]["consistencylevel"], "eventual");
        assert!(r[0].get("body").is_none());
        assert_eq!(r[1]["body"]["displayName"], "x");
        assert_eq!(r[1]["dependsOn"][0], "1");
        assert_eq!(r[1]["headers"]["content-type"], "application/json");
        assert_eq!(r[2]["body"], STANDARD.encode(png));
        assert_eq!(r[2]["headers"]["content-type"], "image/png");
        assert_eq!(r[3]["headers"]["content-type"], "application/octet-stream");
        assert_eq!(r[3]["body"], STANDARD.encode(b"raw"));
        assert!(doc.find("\"dependsOn\"").is_some() && !doc.contains("depends_on"));
        assert!(check_item_body(&headers(&[("content-type", "application/json")]), b"{bad").is_err());
        assert!(check_item_body(&headers(&[("content-type", "text/plain")]), b"{bad").is_ok());
    }

    #[test]
    fn decodes_answers_in_any_order() {
        let doc = br#"{"responses":[
            {"id":"3","status":200,"headers":{"Content-Type":"image/png"},"body":"iVBORw=="},
            {"id":"1","status":201,"headers":{"Content-Type":"application/json"},"body":{"id":"a","v":[1,2]}},
            {"id":"2","status":204,"body":null},
            {"id":4,"status":"bad"},
            {"status":500},
            {"id":"5","status":200,"headers":{"content-type":"application/json"},"body":"just a string"}
        ]}"#;
        let items = decode_response(doc).unwrap();
        let ids: Vec<&str> = items.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["3", "1", "2", "4", "5"]);
        assert_eq!(items[0].response.body(), STANDARD.decode("iVBORw==").unwrap());
        assert_eq!(items[1].response.status(), 201);
        assert_eq!(items[1].response.body(), br#"{"id":"a","v":[1,2]}"#);
        assert_eq!(items[1].response.headers().get("content-type"), Some("application/json"));
        assert!(items[2].response.body().is_empty());
        assert_eq!(items[3].response.status(), 0);
        assert_eq!(items[4].response.body(), br#""just a string""#);
        for bad in
            [&b""[..], b"{", b"[]", b"{}", br#"{"responses":{}}"#, br#"{"responses":[{"id":"1","body":}]}"#, b"<html>"]
        {
            assert!(decode_response(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
        let e = decode_response(br#"{"responses":[{"id":"1"},{"id":[1]}]}"#).unwrap_err();
        assert_eq!(e.path(), "$.responses[1].id");
    }
}
