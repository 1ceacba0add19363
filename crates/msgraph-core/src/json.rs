//! A small, non-generic JSON reader and writer used by the model codec.
//!
//! Generated models do not derive serde: every model is decoded and encoded by one routine in
//! this crate that walks a static field table (see [`crate::model`]). That keeps the generated
//! crate cheap to compile and lets decode errors carry the JSON path of the failing field.

use std::borrow::Cow;
use std::fmt;

use crate::model::Codec;

/// Nesting limit for decoding; deeper documents are rejected instead of overflowing the stack.
pub const MAX_DEPTH: usize = 128;

/// A JSON decode failure: where it happened (a JSON path such as `$.value[3].phoneType`), the
/// byte offset in the input, and what was wrong.
#[derive(Clone, PartialEq, Eq)]
pub struct DecodeError {
    path: Vec<PathSegment>,
    offset: usize,
    message: String,
}

#[derive(Clone, PartialEq, Eq)]
enum PathSegment {
    Key(String),
    Index(usize),
}

impl DecodeError {
    /// A new error at a byte offset.
    pub fn new(offset: usize, message: impl Into<String>) -> DecodeError {
        DecodeError { path: Vec::new(), offset, message: message.into() }
    }

    /// Adds an object key in front of the path (used while unwinding out of a field).
    pub fn in_key(mut self, key: &str) -> DecodeError {
        self.path.push(PathSegment::Key(key.to_string()));
        self
    }

    /// Adds an array index in front of the path.
    pub fn in_index(mut self, index: usize) -> DecodeError {
        self.path.push(PathSegment::Index(index));
        self
    }

    /// The JSON path of the failing value, e.g. `$.value[0].smsSignInState`.
    pub fn path(&self) -> String {
        let mut out = String::from("$");
        for seg in self.path.iter().rev() {
            match seg {
                PathSegment::Key(k) => {
                    let simple = !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '@');
                    if simple {
                        out.push('.');
                        out.push_str(k);
                    } else {
                        out.push_str("[\"");
                        for c in k.chars() {
                            if c == '"' || c == '\\' {
                                out.push('\\');
                            }
                            out.push(c);
                        }
                        out.push_str("\"]");
                    }
                }
                PathSegment::Index(i) => {
                    out.push('[');
                    out.push_str(&i.to_string());
                    out.push(']');
                }
            }
        }
        out
    }

    /// Byte offset in the input where the problem was found.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// What was wrong, without the path.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at {} (byte {}): {}", self.path(), self.offset, self.message)
    }
}

impl fmt::Debug for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DecodeError({self})")
    }
}

impl std::error::Error for DecodeError {}

/// The kind of the next JSON value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Token {
    Object,
    Array,
    String,
    Number,
    Bool,
    Null,
}

/// A pull reader over a complete JSON document in memory.
#[derive(Debug)]
pub struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
    /// `true` right after `{` / `[`: the next member needs no comma.
    first: bool,
}

impl<'a> Reader<'a> {
    /// A reader over `bytes` (a UTF-8 BOM is skipped).
    pub fn new(bytes: &'a [u8]) -> Reader<'a> {
        let pos = if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) { 3 } else { 0 };
        Reader { bytes, pos, depth: 0, first: false }
    }

    /// Current byte offset.
    pub fn offset(&self) -> usize {
        self.pos
    }

    /// An error at the current position.
    pub fn error(&self, message: impl Into<String>) -> DecodeError {
        DecodeError::new(self.pos, message)
    }

    fn skip_ws(&mut self) {
        while let Some(&b) = self.bytes.get(self.pos) {
            if b == b' ' || b == b'\n' || b == b'\r' || b == b'\t' {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    fn peek_byte(&mut self) -> Option<u8> {
        self.skip_ws();
        self.bytes.get(self.pos).copied()
    }

    /// The kind of the next value, without consuming it.
    pub fn peek(&mut self) -> Result<Token, DecodeError> {
        match self.peek_byte() {
            Some(b'{') => Ok(Token::Object),
            Some(b'[') => Ok(Token::Array),
            Some(b'"') => Ok(Token::String),
            Some(b'-' | b'0'..=b'9') => Ok(Token::Number),
            Some(b't' | b'f') => Ok(Token::Bool),
            Some(b'n') => Ok(Token::Null),
            Some(b) => Err(self.error(format!("unexpected character {:?}", char::from(b)))),
            None => Err(self.error("unexpected end of input")),
        }
    }

    /// After the top-level value: only whitespace may follow.
    pub fn finish(&mut self) -> Result<(), DecodeError> {
        match self.peek_byte() {
            None => Ok(()),
            Some(_) => Err(self.error("trailing characters after the JSON value")),
        }
    }

    fn expect_literal(&mut self, lit: &[u8]) -> Result<(), DecodeError> {
        if self.bytes.get(self.pos..self.pos + lit.len()) == Some(lit) {
            self.pos += lit.len();
            Ok(())
        } else {
            Err(self.error(format!("invalid literal, expected `{}`", String::from_utf8_lossy(lit))))
        }
    }

    /// Consumes `null` if it is next; returns whether it did.
    pub fn read_null(&mut self) -> Result<bool, DecodeError> {
        if self.peek_byte() == Some(b'n') {
            self.expect_literal(b"null")?;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    /// Reads `true` or `false`.
    pub fn read_bool(&mut self) -> Result<bool, DecodeError> {
        match self.peek_byte() {
            Some(b't') => self.expect_literal(b"true").map(|_| true),
            Some(b'f') => self.expect_literal(b"false").map(|_| false),
            _ => Err(self.type_error("a boolean")),
        }
    }

    /// An error saying what was expected and what was found.
    pub fn type_error(&mut self, expected: &str) -> DecodeError {
        let found = match self.peek() {
            Ok(Token::Object) => "an object",
            Ok(Token::Array) => "an array",
            Ok(Token::String) => "a string",
            Ok(Token::Number) => "a number",
            Ok(Token::Bool) => "a boolean",
            Ok(Token::Null) => "null",
            Err(e) => return e,
        };
        self.error(format!("expected {expected}, found {found}"))
    }

    /// Reads a number and returns its text (validated against the JSON grammar).
    pub fn read_number_text(&mut self) -> Result<&'a str, DecodeError> {
        self.skip_ws();
        let start = self.pos;
        let b = self.bytes;
        let mut i = self.pos;
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        match b.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => {
                while matches!(b.get(i), Some(b'0'..=b'9')) {
                    i += 1;
                }
            }
            _ => return Err(self.type_error("a number")),
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            if !matches!(b.get(i), Some(b'0'..=b'9')) {
                self.pos = i;
                return Err(self.error("invalid number: digit expected after `.`"));
            }
            while matches!(b.get(i), Some(b'0'..=b'9')) {
                i += 1;
            }
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            if !matches!(b.get(i), Some(b'0'..=b'9')) {
                self.pos = i;
                return Err(self.error("invalid number: digit expected in exponent"));
            }
            while matches!(b.get(i), Some(b'0'..=b'9')) {
                i += 1;
            }
        }
        self.pos = i;
        // The slice is ASCII by construction.
        std::str::from_utf8(&b[start..i]).map_err(|_| DecodeError::new(start, "invalid number"))
    }

    /// Reads a string, borrowing from the input when it has no escapes.
    pub fn read_str(&mut self) -> Result<Cow<'a, str>, DecodeError> {
        if self.peek_byte() != Some(b'"') {
            return Err(self.type_error("a string"));
        }
        self.pos += 1;
        let start = self.pos;
        let b = self.bytes;
        // Fast path: scan to the closing quote.
        let mut i = start;
        loop {
            match b.get(i) {
                Some(b'"') => {
                    let s = std::str::from_utf8(&b[start..i])
                        .map_err(|e| DecodeError::new(start + e.valid_up_to(), "invalid UTF-8 in string"))?;
                    self.pos = i + 1;
                    return Ok(Cow::Borrowed(s));
                }
                Some(b'\\') => break,
                Some(&c) if c < 0x20 => {
                    return Err(DecodeError::new(i, "control character in string"));
                }
                Some(_) => i += 1,
                None => return Err(DecodeError::new(i, "unterminated string")),
            }
        }
        // Slow path with escapes.
        let mut out: Vec<u8> = b[start..i].to_vec();
        loop {
            match b.get(i) {
                Some(b'"') => {
                    self.pos = i + 1;
                    return String::from_utf8(out)
                        .map(Cow::Owned)
                        .map_err(|_| DecodeError::new(start, "invalid UTF-8 in string"));
                }
                Some(b'\\') => {
                    i += 1;
                    let esc = b.get(i).copied();
                    i += 1;
                    match esc {
                        Some(b'"') => out.push(b'"'),
                        Some(b'\\') => out.push(b'\\'),
                        Some(b'/') => out.push(b'/'),
                        Some(b'b') => out.push(0x08),
                        Some(b'f') => out.push(0x0c),
                        Some(b'n') => out.push(b'\n'),
                        Some(b'r') => out.push(b'\r'),
                        Some(b't') => out.push(b'\t'),
                        Some(b'u') => {
                            let hi = self.hex4(i)?;
                            i += 4;
                            let ch = if (0xD800..0xDC00).contains(&hi) {
                                if b.get(i) == Some(&b'\\') && b.get(i + 1) == Some(&b'u') {
                                    let lo = self.hex4(i + 2)?;
                                    if !(0xDC00..0xE000).contains(&lo) {
                                        return Err(DecodeError::new(i, "invalid low surrogate in \\u escape"));
                                    }
                                    i += 6;
                                    let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                                    char::from_u32(c)
                                } else {
                                    return Err(DecodeError::new(i, "unpaired surrogate in \\u escape"));
                                }
                            } else if (0xDC00..0xE000).contains(&hi) {
                                return Err(DecodeError::new(i, "unpaired surrogate in \\u escape"));
                            } else {
                                char::from_u32(hi)
                            };
                            match ch {
                                Some(c) => {
                                    let mut buf = [0u8; 4];
                                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                                }
                                None => return Err(DecodeError::new(i, "invalid \\u escape")),
                            }
                        }
                        _ => return Err(DecodeError::new(i.saturating_sub(1), "invalid escape in string")),
                    }
                }
                Some(&c) if c < 0x20 => return Err(DecodeError::new(i, "control character in string")),
                Some(&c) => {
                    out.push(c);
                    i += 1;
                }
                None => return Err(DecodeError::new(i, "unterminated string")),
            }
        }
    }

    fn hex4(&self, at: usize) -> Result<u32, DecodeError> {
        let digits = self.bytes.get(at..at + 4).ok_or_else(|| DecodeError::new(at, "truncated \\u escape"))?;
        let mut v = 0u32;
        for &d in digits {
            let n = match d {
                b'0'..=b'9' => d - b'0',
                b'a'..=b'f' => d - b'a' + 10,
                b'A'..=b'F' => d - b'A' + 10,
                _ => return Err(DecodeError::new(at, "invalid hex digit in \\u escape")),
            };
            v = v * 16 + u32::from(n);
        }
        Ok(v)
    }

    fn enter(&mut self) -> Result<(), DecodeError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        Ok(())
    }

    /// Consumes `{`.
    pub fn begin_object(&mut self) -> Result<(), DecodeError> {
        if self.peek_byte() != Some(b'{') {
            return Err(self.type_error("an object"));
        }
        self.enter()?;
        self.pos += 1;
        self.first = true;
        Ok(())
    }

    /// The next key of the current object (and consumes the `:` after it), or `None` after `}`.
    pub fn next_key(&mut self) -> Result<Option<Cow<'a, str>>, DecodeError> {
        match self.peek_byte() {
            Some(b'}') => {
                self.pos += 1;
                self.depth -= 1;
                self.first = false;
                return Ok(None);
            }
            Some(b',') if !self.first => {
                self.pos += 1;
            }
            Some(b'"') if self.first => {}
            Some(_) => return Err(self.error("expected `,` or `}` in object")),
            None => return Err(self.error("unexpected end of input in object")),
        }
        self.first = false;
        if self.peek_byte() != Some(b'"') {
            return Err(self.error("expected a string key in object"));
        }
        let key = self.read_str()?;
        if self.peek_byte() != Some(b':') {
            return Err(self.error("expected `:` after object key"));
        }
        self.pos += 1;
        Ok(Some(key))
    }

    /// Consumes `[`.
    pub fn begin_array(&mut self) -> Result<(), DecodeError> {
        if self.peek_byte() != Some(b'[') {
            return Err(self.type_error("an array"));
        }
        self.enter()?;
        self.pos += 1;
        self.first = true;
        Ok(())
    }

    /// Whether another element follows in the current array (consuming `,` or `]`).
    pub fn next_element(&mut self) -> Result<bool, DecodeError> {
        match self.peek_byte() {
            Some(b']') => {
                self.pos += 1;
                self.depth -= 1;
                self.first = false;
                Ok(false)
            }
            Some(b',') if !self.first => {
                self.pos += 1;
                Ok(true)
            }
            Some(_) if self.first => {
                self.first = false;
                Ok(true)
            }
            Some(_) => Err(self.error("expected `,` or `]` in array")),
            None => Err(self.error("unexpected end of input in array")),
        }
    }

    /// Skips one value of any kind.
    pub fn skip_value(&mut self) -> Result<(), DecodeError> {
        match self.peek()? {
            Token::Object => {
                self.begin_object()?;
                while self.next_key()?.is_some() {
                    self.skip_value()?;
                }
                Ok(())
            }
            Token::Array => {
                self.begin_array()?;
                while self.next_element()? {
                    self.skip_value()?;
                }
                Ok(())
            }
            Token::String => self.read_str().map(|_| ()),
            Token::Number => self.read_number_text().map(|_| ()),
            Token::Bool => self.read_bool().map(|_| ()),
            Token::Null => self.read_null().map(|_| ()),
        }
    }

    /// Reads one value of any kind and returns its exact source text.
    pub fn read_raw(&mut self) -> Result<&'a str, DecodeError> {
        self.skip_ws();
        let start = self.pos;
        self.skip_value()?;
        std::str::from_utf8(&self.bytes[start..self.pos])
            .map_err(|e| DecodeError::new(start + e.valid_up_to(), "invalid UTF-8"))
    }

    /// Reads one value of any kind into a `serde_json::Value`.
    pub fn read_json_value(&mut self) -> Result<serde_json::Value, DecodeError> {
        let start = self.pos;
        let raw = self.read_raw()?;
        serde_json::from_str(raw).map_err(|e| DecodeError::new(start, e.to_string()))
    }

    /// Looks ahead in the object that starts here for a top-level string member named `key`
    /// (e.g. `@odata.type`) without consuming anything.
    pub fn peek_object_member(&mut self, key: &str) -> Result<Option<Cow<'a, str>>, DecodeError> {
        let (pos, depth, first) = (self.pos, self.depth, self.first);
        let result = (|| {
            self.begin_object()?;
            while let Some(k) = self.next_key()? {
                if k == key && self.peek()? == Token::String {
                    return self.read_str().map(Some);
                }
                self.skip_value()?;
            }
            Ok(None)
        })();
        self.pos = pos;
        self.depth = depth;
        self.first = first;
        result
    }
}

/// Appends JSON text. Commas are placed automatically.
#[derive(Debug, Default)]
pub struct Writer {
    out: String,
    /// `true` when the next member of the current container is its first.
    first: bool,
    after_key: bool,
    /// Writing a create/update request body: models at any depth leave out computed properties
    /// (see [`crate::model::EncodeMode::Request`]).
    request_body: bool,
}

impl Writer {
    /// An empty writer.
    pub fn new() -> Writer {
        Writer::default()
    }

    /// An empty writer with reserved capacity.
    pub fn with_capacity(cap: usize) -> Writer {
        Writer { out: String::with_capacity(cap), ..Writer::default() }
    }

    /// Whether models written now are part of a request body (computed properties left out at
    /// every nesting level, not just at the top).
    pub fn is_request_body(&self) -> bool {
        self.request_body
    }

    /// Sets request-body mode (see [`Writer::is_request_body`]) and returns the previous setting.
    pub fn set_request_body(&mut self, request_body: bool) -> bool {
        std::mem::replace(&mut self.request_body, request_body)
    }

    /// The JSON text written so far.
    pub fn into_string(self) -> String {
        self.out
    }

    /// The JSON text written so far.
    pub fn as_str(&self) -> &str {
        &self.out
    }

    fn sep(&mut self) {
        if self.after_key {
            self.after_key = false;
        } else if self.first {
            self.first = false;
        } else if !self.out.is_empty() {
            self.out.push(',');
        }
    }

    /// Writes `{`.
    pub fn begin_object(&mut self) {
        self.sep();
        self.out.push('{');
        self.first = true;
    }

    /// Writes `}`.
    pub fn end_object(&mut self) {
        self.out.push('}');
        self.first = false;
    }

    /// Writes `[`.
    pub fn begin_array(&mut self) {
        self.sep();
        self.out.push('[');
        self.first = true;
    }

    /// Writes `]`.
    pub fn end_array(&mut self) {
        self.out.push(']');
        self.first = false;
    }

    /// Writes an object key and the `:`; the value must follow.
    pub fn key(&mut self, key: &str) {
        self.sep();
        escape_into(&mut self.out, key);
        self.out.push(':');
        self.after_key = true;
    }

    /// Writes a string value.
    pub fn string(&mut self, value: &str) {
        self.sep();
        escape_into(&mut self.out, value);
    }

    /// Writes `null`.
    pub fn null(&mut self) {
        self.sep();
        self.out.push_str("null");
    }

    /// Writes `true`/`false`.
    pub fn bool(&mut self, value: bool) {
        self.sep();
        self.out.push_str(if value { "true" } else { "false" });
    }

    /// Writes an integer.
    pub fn i64(&mut self, value: i64) {
        self.sep();
        use fmt::Write;
        let _ = write!(self.out, "{value}");
    }

    /// Writes a float; NaN and infinities are written as the OData strings `"NaN"`, `"INF"`,
    /// `"-INF"`.
    pub fn f64(&mut self, value: f64) {
        if value.is_nan() {
            self.string("NaN");
        } else if value.is_infinite() {
            self.string(if value > 0.0 { "INF" } else { "-INF" });
        } else {
            self.sep();
            use fmt::Write;
            let _ = write!(self.out, "{value:?}");
            // `{:?}` prints `1.0` for integral values and exponents as `1e100`: both valid JSON.
        }
    }

    /// Writes pre-validated JSON text (a number or a whole value) verbatim.
    pub fn raw(&mut self, json: &str) {
        self.sep();
        self.out.push_str(json);
    }

    /// Writes a `serde_json::Value`.
    pub fn json_value(&mut self, value: &serde_json::Value) {
        self.sep();
        // Writing into a String cannot fail for a Value.
        if let Ok(s) = serde_json::to_string(value) {
            self.out.push_str(&s);
        } else {
            self.out.push_str("null");
        }
    }
}

fn escape_into(out: &mut String, s: &str) {
    out.push('"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: Option<&str> = match b {
            b'"' => Some("\\\""),
            b'\\' => Some("\\\\"),
            b'\n' => Some("\\n"),
            b'\r' => Some("\\r"),
            b'\t' => Some("\\t"),
            0..=0x1f => None,
            _ => continue,
        };
        out.push_str(&s[start..i]);
        match esc {
            Some(e) => out.push_str(e),
            None => {
                use fmt::Write;
                let _ = write!(out, "\\u{b:04x}");
            }
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// Decodes a complete JSON document into a model or value type.
pub fn from_slice<T: Codec>(bytes: &[u8]) -> Result<T, DecodeError> {
    let mut r = Reader::new(bytes);
    let v = T::decode(&mut r)?;
    r.finish()?;
    Ok(v)
}

/// Decodes a complete JSON document into a model or value type.
pub fn from_str<T: Codec>(text: &str) -> Result<T, DecodeError> {
    from_slice(text.as_bytes())
}

/// Encodes a model or value type as compact JSON.
pub fn to_string<T: Codec>(value: &T) -> String {
    let mut w = Writer::with_capacity(256);
    value.encode(&mut w);
    w.into_string()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn strings_with_escapes_and_surrogates() {
        let mut r = Reader::new(br#""a\"b\\c\n\u00e9\ud83d\ude00/""#);
        assert_eq!(r.read_str().unwrap(), "a\"b\\c\né😀/");
        let mut r = Reader::new(br#""\ud83d""#);
        assert!(r.read_str().unwrap_err().message().contains("surrogate"));
        let mut r = Reader::new(b"\"abc");
        assert!(r.read_str().unwrap_err().message().contains("unterminated"));
    }

    #[test]
    fn numbers_follow_the_grammar() {
        for ok in ["0", "-1", "1.5", "1e5", "-0.25E-3", "123456789012345678901234567890"] {
            let mut r = Reader::new(ok.as_bytes());
            assert_eq!(r.read_number_text().unwrap(), ok);
        }
        for bad in ["-", "1.", "1e", ".5", "+1"] {
            let mut r = Reader::new(bad.as_bytes());
            assert!(r.read_number_text().is_err(), "{bad}");
        }
    }

    #[test]
    fn objects_arrays_and_raw() {
        let mut r = Reader::new(br#" { "a" : [1, {"b": null}, "x"], "c": true } "#);
        r.begin_object().unwrap();
        assert_eq!(r.next_key().unwrap().unwrap(), "a");
        assert_eq!(r.read_raw().unwrap(), r#"[1, {"b": null}, "x"]"#);
        assert_eq!(r.next_key().unwrap().unwrap(), "c");
        assert!(r.read_bool().unwrap());
        assert!(r.next_key().unwrap().is_none());
        r.finish().unwrap();
    }

    #[test]
    fn malformed_documents_error() {
        for bad in [&b"{"[..], b"{\"a\" 1}", b"[1 2]", b"{\"a\":1,}", b"[1,]", b"nul", b"{} x"] {
            let mut r = Reader::new(bad);
            let res = r.skip_value().and_then(|_| r.finish());
            assert!(res.is_err(), "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn depth_is_limited() {
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        let mut r = Reader::new(deep.as_bytes());
        assert!(r.skip_value().unwrap_err().message().contains("nesting"));
    }

    #[test]
    fn peek_member_restores_position() {
        let mut r = Reader::new(br##"{"id":"1","@odata.type":"#x.y"}"##);
        assert_eq!(r.peek_object_member("@odata.type").unwrap().unwrap(), "#x.y");
        r.begin_object().unwrap();
        assert_eq!(r.next_key().unwrap().unwrap(), "id");
    }

    #[test]
    fn writer_places_commas_and_escapes() {
        let mut w = Writer::new();
        w.begin_object();
        w.key("a\"");
        w.begin_array();
        w.i64(1);
        w.string("x\u{1}\n");
        w.null();
        w.end_array();
        w.key("b");
        w.f64(f64::NAN);
        w.key("c");
        w.begin_object();
        w.end_object();
        w.end_object();
        assert_eq!(w.as_str(), r#"{"a\"":[1,"x\u0001\n",null],"b":"NaN","c":{}}"#);
    }

    #[test]
    fn error_paths_render() {
        let e = DecodeError::new(5, "bad").in_key("phoneType").in_index(3).in_key("value");
        assert_eq!(e.path(), "$.value[3].phoneType");
        let e = DecodeError::new(0, "bad").in_key("a b");
        assert_eq!(e.path(), "$[\"a b\"]");
    }
}
