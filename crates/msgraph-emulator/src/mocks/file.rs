//! Mock files, in the format of Dev Proxy's `MockResponsePlugin` (`mocks.json`): a `mocks`
//! array whose entries have a `request` (`url`, `method`, `nth`, `bodyFragment`) and a
//! `response` (`statusCode`, `headers`, `body`). See the [module docs](crate::mocks) for the
//! subset the emulator reads; anything else in the file is an error naming where it is.

use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::mock::MAX_MOCKS;
use super::mock::{Mock, MockBody, MockError, MockResponse};
use super::template::parse_url;

/// Largest mock file, and largest `@file` body (bigger → an error, not a slow start).
const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// The prefix of Dev Proxy's placeholders for values of the request body.
const MIRROR: &str = "@request.body.";

/// A mock file that cannot be used: which file, where in it (a JSON path such as
/// `mocks[2].response.statusCode`) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MockFileError {
    /// The mock file.
    pub file: PathBuf,
    /// Where: a JSON path into the file, or `line L column C` for a syntax error (empty when
    /// the file itself could not be read).
    pub at: String,
    /// What is wrong, in words.
    pub message: String,
}

impl MockFileError {
    fn new(file: &Path, at: impl Into<String>, message: impl Into<String>) -> Self {
        MockFileError { file: file.to_path_buf(), at: at.into(), message: message.into() }
    }

    pub(crate) fn registering(file: &Path, e: MockError) -> Self {
        MockFileError::new(file, "", e.to_string())
    }
}

impl fmt::Display for MockFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.at.is_empty() {
            write!(f, "mock file {}: {}", self.file.display(), self.message)
        } else {
            write!(f, "mock file {}: at {}: {}", self.file.display(), self.at, self.message)
        }
    }
}

impl std::error::Error for MockFileError {}

fn read_limited(path: &Path) -> Result<Vec<u8>, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read it: {e}"))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(format!("it is {} bytes, more than the limit of {MAX_FILE_BYTES}", meta.len()));
    }
    std::fs::read(path).map_err(|e| format!("cannot read it: {e}"))
}

/// Reads and checks a mock file; the mocks in file order.
pub(crate) fn load(path: &Path) -> Result<Vec<Mock>, MockFileError> {
    let bytes = read_limited(path).map_err(|m| MockFileError::new(path, "", m))?;
    let root: Value = serde_json::from_slice(&bytes).map_err(|e| {
        MockFileError::new(path, format!("line {} column {}", e.line(), e.column()), format!("not valid JSON: {e}"))
    })?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    parse(&root, &dir).map_err(|(at, message)| MockFileError::new(path, at, message))
}

type Problem = (String, String);

fn object<'a>(v: &'a Value, at: &str) -> Result<&'a Map<String, Value>, Problem> {
    v.as_object().ok_or_else(|| (at.to_string(), format!("expected an object, found {}", kind(v))))
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn only(map: &Map<String, Value>, at: &str, allowed: &[&str]) -> Result<(), Problem> {
    match map.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err((format!("{at}.{k}"), format!("unknown property (expected one of: {})", allowed.join(", ")))),
        None => Ok(()),
    }
}

fn parse(root: &Value, dir: &Path) -> Result<Vec<Mock>, Problem> {
    let top = object(root, "$")?;
    only(top, "$", &["$schema", "mocks"])?;
    let Some(mocks) = top.get("mocks") else { return Err(("$".into(), "no 'mocks' array".into())) };
    let Some(mocks) = mocks.as_array() else {
        return Err(("mocks".into(), format!("expected an array, found {}", kind(mocks))));
    };
    if mocks.len() > MAX_MOCKS {
        return Err(("mocks".into(), format!("{} mocks, more than the limit of {MAX_MOCKS}", mocks.len())));
    }
    let mut out = Vec::with_capacity(mocks.len());
    for (i, m) in mocks.iter().enumerate() {
        out.push(parse_mock(m, &format!("mocks[{i}]"), dir)?);
    }
    Ok(out)
}

fn parse_mock(v: &Value, at: &str, dir: &Path) -> Result<Mock, Problem> {
    let m = object(v, at)?;
    only(m, at, &["request", "response"])?;
    let req_at = format!("{at}.request");
    let Some(req) = m.get("request") else { return Err((at.to_string(), "no 'request'".into())) };
    let req = object(req, &req_at)?;
    only(req, &req_at, &["url", "method", "nth", "bodyFragment"])?;
    let url = match req.get("url") {
        Some(Value::String(u)) if !u.trim().is_empty() => u.clone(),
        Some(other) => {
            return Err((format!("{req_at}.url"), format!("expected a non-empty string, found {}", kind(other))))
        }
        None => return Err((req_at, "no 'url'".into())),
    };
    parse_url(&url).map_err(|e| (format!("{req_at}.url"), e))?;
    let method = match req.get("method") {
        None => "GET".to_string(),
        Some(Value::String(s)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphabetic()) => s.to_ascii_uppercase(),
        Some(other) => {
            return Err((format!("{req_at}.method"), format!("expected an HTTP method such as \"GET\", found {other}")))
        }
    };
    let mut mock = Mock::new(&method, url);
    mock.origin = Some(at.to_string());
    if let Some(nth) = req.get("nth") {
        match nth.as_u64().filter(|n| *n >= 1) {
            Some(n) => mock = mock.nth(n),
            None => return Err((format!("{req_at}.nth"), format!("expected a whole number ≥ 1, found {nth}"))),
        }
    }
    if let Some(fragment) = req.get("bodyFragment") {
        match fragment.as_str() {
            // As in Dev Proxy, a GET has no body to look into: the fragment is not checked.
            Some(_) if method == "GET" => {}
            Some(s) => mock = mock.body_contains(s),
            None => {
                return Err((format!("{req_at}.bodyFragment"), format!("expected a string, found {}", kind(fragment))))
            }
        }
    }
    let resp_at = format!("{at}.response");
    let Some(resp) = m.get("response") else { return Err((at.to_string(), "no 'response'".into())) };
    let resp = object(resp, &resp_at)?;
    only(resp, &resp_at, &["statusCode", "headers", "body"])?;
    let status = match resp.get("statusCode") {
        None => 200,
        Some(s) => match s.as_u64().filter(|n| (100..=599).contains(n)).and_then(|n| u16::try_from(n).ok()) {
            Some(n) => n,
            None => {
                return Err((format!("{resp_at}.statusCode"), format!("expected an HTTP status 100..=599, found {s}")))
            }
        },
    };
    let mut headers = Vec::new();
    match resp.get("headers") {
        None | Some(Value::Null) => {}
        Some(Value::Array(list)) => {
            for (j, h) in list.iter().enumerate() {
                let h_at = format!("{resp_at}.headers[{j}]");
                let h = object(h, &h_at)?;
                only(h, &h_at, &["name", "value"])?;
                let (Some(Value::String(name)), Some(Value::String(value))) = (h.get("name"), h.get("value")) else {
                    return Err((h_at, "expected {\"name\": string, \"value\": string}".into()));
                };
                headers.push((name.clone(), value.clone()));
            }
        }
        Some(other) => {
            return Err((
                format!("{resp_at}.headers"),
                format!("expected an array of {{name, value}}, found {}", kind(other)),
            ))
        }
    }
    let body_at = format!("{resp_at}.body");
    let mut response = match resp.get("body") {
        None | Some(Value::Null) => MockResponse::new(status),
        Some(Value::String(s)) if s.starts_with('@') && !s.starts_with(MIRROR) => {
            let rel = &s[1..];
            if rel.is_empty() {
                return Err((body_at, "'@' must be followed by a file name, relative to the mock file".into()));
            }
            let file = dir.join(rel);
            let data =
                read_limited(&file).map_err(|e| (body_at.clone(), format!("the body file {}: {e}", file.display())))?;
            MockResponse::bytes(status, "application/octet-stream", data)
        }
        Some(Value::String(s)) if !s.starts_with(MIRROR) => MockResponse::text(status, s.clone()),
        Some(v) => MockResponse::json(status, v.clone()),
    };
    // The file's headers replace the defaults (a `content-type` given replaces the default one).
    if headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("content-type")) {
        response.headers.retain(|(n, _)| !n.eq_ignore_ascii_case("content-type"));
    }
    for (name, value) in headers {
        response = response.header(name, value);
    }
    response.check().map_err(|e| (format!("{resp_at}.headers"), e))?;
    if let (Some(body), true) = (resp.get("body"), resp.get("body").is_some_and(has_placeholder)) {
        // `@request.body.*` placeholders: the answer is built from each request.
        let template = body.clone();
        let base = response;
        return Ok(mock.respond_with(move |req| {
            let request_body = req.json();
            let mut r = base.clone();
            r.body = MockBody::Json(mirror(&template, request_body.as_ref()));
            r
        }));
    }
    Ok(mock.respond(response))
}

fn has_placeholder(v: &Value) -> bool {
    match v {
        Value::String(s) => s.starts_with(MIRROR),
        Value::Array(a) => a.iter().any(has_placeholder),
        Value::Object(o) => o.values().any(has_placeholder),
        _ => false,
    }
}

/// The template with each `@request.body.a.b` string replaced by that value of the request
/// body (`null` when absent; array members by index: `@request.body.items.0`).
fn mirror(template: &Value, body: Option<&Value>) -> Value {
    match template {
        Value::String(s) if s.starts_with(MIRROR) => {
            let mut cur = body;
            for key in s[MIRROR.len()..].split('.') {
                cur = cur.and_then(|v| match v {
                    Value::Object(o) => o.get(key),
                    Value::Array(a) => key.parse::<usize>().ok().and_then(|i| a.get(i)),
                    _ => None,
                });
            }
            cur.cloned().unwrap_or(Value::Null)
        }
        Value::Array(a) => Value::Array(a.iter().map(|v| mirror(v, body)).collect()),
        Value::Object(o) => Value::Object(o.iter().map(|(k, v)| (k.clone(), mirror(v, body))).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn problem(v: Value) -> Problem {
        match parse(&v, Path::new(".")) {
            Ok(m) => panic!("parsed {} mocks", m.len()),
            Err(p) => p,
        }
    }

    #[test]
    fn errors_name_where() {
        let (at, msg) = problem(json!({"mocks": [{"request": {"url": "/me"}, "response": {"statusCode": 99}}]}));
        assert_eq!(at, "mocks[0].response.statusCode");
        assert!(msg.contains("100..=599"), "{msg}");
        let (at, _) = problem(json!({"mocks": [{}, {"request": {"url": "/me", "metod": "GET"}, "response": {}}]}));
        assert_eq!(at, "mocks[0]");
        let (at, msg) = problem(json!({"mocks": [{"request": {"url": "/me", "metod": "GET"}, "response": {}}]}));
        assert_eq!(at, "mocks[0].request.metod");
        assert!(msg.contains("unknown property"), "{msg}");
        let (at, msg) = problem(json!({"mocks": [{"request": {"url": "/beta/me"}, "response": {}}]}));
        assert_eq!(at, "mocks[0].request.url");
        assert!(msg.contains("v1.0 only"), "{msg}");
        let (at, _) = problem(json!({"mocks": [{"request": {"url": "/me", "nth": 0}, "response": {}}]}));
        assert_eq!(at, "mocks[0].request.nth");
        let (at, _) =
            problem(json!({"mocks": [{"request": {"url": "/me"}, "response": {"headers": [{"name": "a"}]}}]}));
        assert_eq!(at, "mocks[0].response.headers[0]");
        let (at, msg) = problem(json!({"mocks": [{"request": {"url": "/me"}, "response": {"body": "@missing.bin"}}]}));
        assert_eq!(at, "mocks[0].response.body");
        assert!(msg.contains("missing.bin"), "{msg}");
        assert_eq!(problem(json!([])).0, "$");
        assert_eq!(problem(json!({"mocks": {}})).0, "mocks");
    }

    #[test]
    fn body_fragments_are_not_checked_for_get() {
        let v = json!({"mocks": [
            {"request": {"url": "/me", "bodyFragment": "x"}, "response": {}},
            {"request": {"url": "/me", "method": "post", "bodyFragment": "x"}, "response": {}}
        ]});
        let mocks = parse(&v, Path::new(".")).unwrap();
        assert_eq!(mocks[0].body_contains, None);
        assert_eq!(mocks[1].body_contains.as_deref(), Some("x"));
        assert_eq!(mocks[1].method.as_deref(), Some("POST"));
    }

    #[test]
    fn mirrors_request_values() {
        let t = json!({"id": "x", "name": "@request.body.displayName", "n": ["@request.body.a.b.1"], "gone": "@request.body.nope"});
        let body = json!({"displayName": "Megan", "a": {"b": [0, 7]}});
        assert_eq!(mirror(&t, Some(&body)), json!({"id": "x", "name": "Megan", "n": [7], "gone": null}));
        assert!(has_placeholder(&t) && !has_placeholder(&json!({"a": "@x"})));
    }
}
