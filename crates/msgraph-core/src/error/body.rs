//! The error bodies of Graph (`{"error":{"code":...}}`) and of the token endpoint
//! (`{"error":"...","error_description":...}`), and their parser over the codec's JSON tokens.

use msgraph_codec::json::{Reader, Token};

/// The `error` object of a Graph error response.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct GraphError {
    /// `code`, e.g. `Request_ResourceNotFound`. Match on codes, never on messages.
    pub code: String,
    /// `message` (human readable, may change at any time).
    pub message: String,
    /// `target`.
    pub target: Option<String>,
    /// `details`.
    pub details: Vec<GraphErrorDetail>,
    /// `innerError`.
    pub inner_error: Option<InnerError>,
}

/// One entry of `error.details`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct GraphErrorDetail {
    /// `code`.
    pub code: String,
    /// `message`.
    pub message: String,
    /// `target`.
    pub target: Option<String>,
}

/// `error.innerError` (possibly nested).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct InnerError {
    /// A more specific `code`, when present.
    pub code: Option<String>,
    /// `request-id`.
    pub request_id: Option<String>,
    /// `client-request-id`.
    pub client_request_id: Option<String>,
    /// `date`.
    pub date: Option<String>,
    /// A nested `innerError`.
    pub inner_error: Option<Box<InnerError>>,
}

/// An error answer of the Microsoft identity platform token endpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct OAuthError {
    /// `error`, e.g. `invalid_client`, `authorization_pending`.
    pub error: String,
    /// `error_description`.
    pub description: Option<String>,
    /// `error_codes` (AADSTS numbers).
    pub error_codes: Vec<i64>,
    /// `trace_id`.
    pub trace_id: Option<String>,
    /// `correlation_id`.
    pub correlation_id: Option<String>,
}

/// Graph's error `code`, then the codes of the nested `innerError`s.
pub(super) fn graph_codes(g: &GraphError) -> impl Iterator<Item = &str> {
    let mut next = g.inner_error.as_ref();
    std::iter::once(g.code.as_str()).chain(std::iter::from_fn(move || {
        while let Some(i) = next {
            next = i.inner_error.as_deref();
            if let Some(c) = i.code.as_deref() {
                return Some(c);
            }
        }
        None
    }))
}

/// A parsed error body.
pub(super) enum ParsedError {
    Graph(GraphError),
    OAuth(OAuthError),
}

/// Parses `{"error":{...}}` (Graph) or `{"error":"...","error_description":...}` (OAuth).
pub(super) fn parse_error_body(body: &[u8]) -> Option<ParsedError> {
    let mut r = Reader::new(body);
    if r.peek().ok()? != Token::Object {
        return None;
    }
    let mut graph = None;
    let mut oauth = OAuthError::default();
    let mut is_oauth = false;
    r.begin_object().ok()?;
    while let Some(key) = r.next_key().ok()? {
        match &*key {
            "error" => match r.peek().ok()? {
                Token::Object => graph = Some(parse_graph_error(&mut r)?),
                Token::String => {
                    oauth.error = r.read_str().ok()?.into_owned();
                    is_oauth = true;
                }
                _ => r.skip_value().ok()?,
            },
            "error_description" => oauth.description = read_opt_string(&mut r)?,
            "trace_id" => oauth.trace_id = read_opt_string(&mut r)?,
            "correlation_id" => oauth.correlation_id = read_opt_string(&mut r)?,
            "error_codes" => {
                if r.peek().ok()? == Token::Array {
                    r.begin_array().ok()?;
                    while r.next_element().ok()? {
                        if r.peek().ok()? == Token::Number {
                            if let Ok(n) = r.read_number_text().ok()?.parse::<i64>() {
                                oauth.error_codes.push(n);
                            }
                        } else {
                            r.skip_value().ok()?;
                        }
                    }
                } else {
                    r.skip_value().ok()?;
                }
            }
            _ => r.skip_value().ok()?,
        }
    }
    r.finish().ok()?;
    match graph {
        Some(g) => Some(ParsedError::Graph(g)),
        None if is_oauth => Some(ParsedError::OAuth(oauth)),
        None => None,
    }
}

fn read_opt_string(r: &mut Reader<'_>) -> Option<Option<String>> {
    match r.peek().ok()? {
        Token::String => Some(Some(r.read_str().ok()?.into_owned())),
        _ => {
            r.skip_value().ok()?;
            Some(None)
        }
    }
}

fn parse_graph_error(r: &mut Reader<'_>) -> Option<GraphError> {
    let mut g = GraphError::default();
    r.begin_object().ok()?;
    while let Some(key) = r.next_key().ok()? {
        if key == "code" {
            g.code = read_opt_string(r)?.unwrap_or_default();
        } else if key == "message" {
            g.message = read_opt_string(r)?.unwrap_or_default();
        } else if key == "target" {
            g.target = read_opt_string(r)?;
        } else if key == "details" && r.peek().ok()? == Token::Array {
            r.begin_array().ok()?;
            while r.next_element().ok()? {
                if r.peek().ok()? != Token::Object {
                    r.skip_value().ok()?;
                    continue;
                }
                let mut d = GraphErrorDetail::default();
                r.begin_object().ok()?;
                while let Some(k) = r.next_key().ok()? {
                    match &*k {
                        "code" => d.code = read_opt_string(r)?.unwrap_or_default(),
                        "message" => d.message = read_opt_string(r)?.unwrap_or_default(),
                        "target" => d.target = read_opt_string(r)?,
                        _ => r.skip_value().ok()?,
                    }
                }
                g.details.push(d);
            }
        } else if key.eq_ignore_ascii_case("innerError") && r.peek().ok()? == Token::Object {
            g.inner_error = Some(parse_inner_error(r, 0)?);
        } else {
            r.skip_value().ok()?;
        }
    }
    Some(g)
}

fn parse_inner_error(r: &mut Reader<'_>, depth: usize) -> Option<InnerError> {
    let mut i = InnerError::default();
    r.begin_object().ok()?;
    while let Some(key) = r.next_key().ok()? {
        if key == "code" {
            i.code = read_opt_string(r)?;
        } else if key == "request-id" {
            i.request_id = read_opt_string(r)?;
        } else if key == "client-request-id" {
            i.client_request_id = read_opt_string(r)?;
        } else if key == "date" {
            i.date = read_opt_string(r)?;
        } else if key.eq_ignore_ascii_case("innerError") && depth < 16 && r.peek().ok()? == Token::Object {
            i.inner_error = Some(Box::new(parse_inner_error(r, depth + 1)?));
        } else {
            r.skip_value().ok()?;
        }
    }
    Some(i)
}
