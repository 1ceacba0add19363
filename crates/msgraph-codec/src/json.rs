//! A small, non-generic JSON reader and writer used by the model codec, and [`Codec`], the trait
//! of every type read and written with them.
//!
//! Generated models do not derive serde: every model is decoded and encoded by one routine in
//! this crate that walks a static field table (see [`crate::model`]). That keeps the generated
//! crate cheap to compile and lets decode errors carry the JSON path of the failing field.

use std::borrow::Cow;
use std::fmt;

/// Nesting limit for decoding; deeper documents are rejected instead of overflowing the stack.
///
/// Decoding stays within a fixed stack budget at every depth up to this limit: the JSON reader's
/// own scans (skipping, the `@odata.type` look-ahead) are small or iterative, and a nested model
/// is allocated on the heap before its fields are decoded, so no stack frame holds a copy of a
/// (kilobytes large) entity while the values nested in it decode. Measured in a debug build,
/// users nested as each other's `manager` take about 3.2 KB of stack per level: 128 levels need
/// about 455 KiB, a quarter of the 2 MiB a `std::thread` or tokio worker gets by default (release
/// builds need less). The limit was kept rather than lowered: nothing here grows the stack, and
/// the test `nested_polymorphic_users_at_the_depth_limit_fit_a_2_mib_stack` decodes at the limit
/// on a 2 MiB thread.
pub const MAX_DEPTH: usize = 128;

/// A JSON decode failure: where it happened (a JSON path such as `$.value[3].phoneType`), the
/// byte offset in the input, and what was wrong.
#[derive(Clone, PartialEq, Eq)]
pub struct DecodeError {
    path: Vec<PathSegment>,
    offset: usize,
    message: String,
    /// Set once a lenient decode found that the value is not valid JSON at all (so enclosing
    /// models do not try to keep it either).
    fatal: bool,
}

#[derive(Clone, PartialEq, Eq)]
enum PathSegment {
    Key(String),
    Index(usize),
}

impl DecodeError {
    /// A new error at a byte offset.
    pub fn new(offset: usize, message: impl Into<String>) -> DecodeError {
        DecodeError { path: Vec::new(), offset, message: message.into(), fatal: false }
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
        render_path(self.path.iter().rev())
    }

    /// Byte offset in the input where the problem was found.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// What was wrong, without the path.
    pub fn message(&self) -> &str {
        &self.message
    }

    pub(crate) fn is_fatal(&self) -> bool {
        self.fatal
    }

    pub(crate) fn into_fatal(mut self) -> DecodeError {
        self.fatal = true;
        self
    }
}

/// `$` and the segments, outermost first.
fn render_path<'p>(segments: impl Iterator<Item = &'p PathSegment>) -> String {
    let mut out = String::from("$");
    for seg in segments {
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

/// A value that did not match its declared type and was kept aside instead of failing the
/// decode (lenient decoding, the default of [`from_slice`] and of every response the client
/// decodes).
///
/// Graph does not always send what its metadata declares: a `Date` as `"2001-01-01T00:00:00Z"`,
/// a `Boolean` as `"true"`, a string property as an object. Such a value leaves its field `None`
/// and is kept, exactly as received, in the model's `additional_data` under its wire name, so
/// encoding the model writes it back unchanged; the decode records one `DecodeWarning` for it.
/// Only a value that is valid JSON is kept: malformed JSON still fails the decode, and so does
/// a value at the top of the document (a page that is not an object) or anything
/// [`from_slice_strict`] rejects outside a model's property.
#[derive(Clone, PartialEq, Eq)]
pub struct DecodeWarning {
    /// Outermost first (resolved when the whole document has been read).
    path: Vec<PathSegment>,
    offset: usize,
    declared: String,
    found: &'static str,
    snippet: String,
}

impl DecodeWarning {
    /// The JSON path of the value, e.g. `$.value[3].birthday`.
    pub fn path(&self) -> String {
        render_path(self.path.iter())
    }

    /// Byte offset of the value in the input.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The declared type of the property (`Edm.Date`, `Edm.Boolean`,
    /// `microsoft.graph.passwordProfile`, `Collection(Edm.String)`, …).
    pub fn declared_type(&self) -> &str {
        &self.declared
    }

    /// What kind of JSON value was found: `a string`, `a number`, `a boolean`, `an object`,
    /// `an array`.
    pub fn found(&self) -> &'static str {
        self.found
    }

    /// The start of the value's JSON text as received (at most 40 characters, then `…`).
    pub fn found_text(&self) -> &str {
        &self.snippet
    }
}

impl fmt::Display for DecodeWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "at {} (byte {}): expected {}, found {} {}; kept in additional_data",
            self.path(),
            self.offset,
            self.declared,
            self.found,
            self.snippet
        )
    }
}

impl fmt::Debug for DecodeWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DecodeWarning({self})")
    }
}

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
///
/// UTF-8 is checked once for the whole input ([`Reader::new`]) or not at all (a `&str`,
/// [`Reader::from_text`]); string values are then sliced out of `text` without re-validating.
/// An input with invalid UTF-8 keeps its valid prefix as `text`: a string (or raw value) that
/// reaches past it fails with "invalid UTF-8" at the first bad byte, with its JSON path, and any
/// other byte there is a syntax error anyway.
#[derive(Debug)]
pub struct Reader<'a> {
    bytes: &'a [u8],
    /// The longest valid UTF-8 prefix of `bytes` (all of it for valid input).
    text: &'a str,
    pos: usize,
    depth: usize,
    /// `true` right after `{` / `[`: the next member needs no comma.
    first: bool,
    /// Bytes read by look-ahead scans ([`Reader::peek_object_member`]) so far.
    lookahead_bytes: usize,
    /// What the last look-ahead scan found (it covers the objects nested in the one scanned).
    lookahead: Option<Lookahead>,
    /// Lenient decoding (the default): a model property whose value does not fit its type is
    /// kept in `additional_data` with a [`DecodeWarning`] instead of failing the decode.
    lenient: bool,
    warnings: Vec<DecodeWarning>,
}

/// Where a reader is, to go back to (lenient decoding re-reads a value that did not fit).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Mark {
    pos: usize,
    depth: usize,
    first: bool,
    warnings: usize,
}

/// The result of one look-ahead scan for a member name over the object at `start`.
#[derive(Debug)]
struct Lookahead {
    key: String,
    /// The bytes scanned: `start` up to the end of the object (or the failure).
    start: usize,
    end: usize,
    /// `(object start, offset of the member's string value)`, by object start.
    found: Vec<(usize, usize)>,
    /// Why the scan stopped early, and the objects that contain that failure and had no match
    /// before it (by start).
    error: Option<DecodeError>,
    failed_objects: Vec<usize>,
}

impl Lookahead {
    /// Whether a scan of the object at `object` alone would have failed.
    fn contains_failure(&self, object: usize) -> bool {
        self.failed_objects.contains(&object)
    }
}

impl<'a> Reader<'a> {
    /// A reader over `bytes` (a UTF-8 BOM is skipped).
    pub fn new(bytes: &'a [u8]) -> Reader<'a> {
        let text = match std::str::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => bytes.get(..e.valid_up_to()).and_then(|valid| std::str::from_utf8(valid).ok()).unwrap_or(""),
        };
        let pos = if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) { 3 } else { 0 };
        Reader {
            bytes,
            text,
            pos,
            depth: 0,
            first: false,
            lookahead_bytes: 0,
            lookahead: None,
            lenient: true,
            warnings: Vec::new(),
        }
    }

    /// A reader over text that is already UTF-8 (nothing to validate; a BOM is skipped).
    pub fn from_text(text: &'a str) -> Reader<'a> {
        let pos = if text.starts_with('\u{feff}') { 3 } else { 0 };
        Reader {
            bytes: text.as_bytes(),
            text,
            pos,
            depth: 0,
            first: false,
            lookahead_bytes: 0,
            lookahead: None,
            lenient: true,
            warnings: Vec::new(),
        }
    }

    /// The input between two byte offsets as text: a `str::get`, O(1) (both ends sit next to
    /// ASCII delimiters); fails where the range reaches past the valid UTF-8 prefix.
    fn text_between(&self, start: usize, end: usize, what: &str) -> Result<&'a str, DecodeError> {
        self.text
            .get(start..end)
            .ok_or_else(|| DecodeError::new(self.text.len().max(start), format!("invalid UTF-8 in {what}")))
    }

    /// Current byte offset.
    pub fn offset(&self) -> usize {
        self.pos
    }

    /// An error at the current position.
    pub fn error(&self, message: impl Into<String>) -> DecodeError {
        DecodeError::new(self.pos, message)
    }

    /// Strict decoding: a value that does not match its declared type fails the decode (see
    /// [`DecodeWarning`] for the default, lenient decoding).
    pub fn strict(mut self) -> Reader<'a> {
        self.lenient = false;
        self
    }

    /// Whether a model property whose value does not fit its type is kept aside with a
    /// [`DecodeWarning`] (the default) rather than failing the decode.
    pub fn is_lenient(&self) -> bool {
        self.lenient
    }

    /// Sets lenient (`true`, the default) or strict decoding.
    pub fn set_lenient(&mut self, lenient: bool) {
        self.lenient = lenient;
    }

    /// The warnings recorded so far, in the order found. Their paths are complete only in what
    /// [`Reader::finish_with_warnings`] returns (a path is resolved once the whole document
    /// has been read).
    pub fn warnings(&self) -> &[DecodeWarning] {
        &self.warnings
    }

    /// [`Reader::finish`], then the warnings, in document order, each with its JSON path.
    pub fn finish_with_warnings(&mut self) -> Result<Vec<DecodeWarning>, DecodeError> {
        self.finish()?;
        let mut warnings = std::mem::take(&mut self.warnings);
        if !warnings.is_empty() {
            self.resolve_paths(&mut warnings);
        }
        Ok(warnings)
    }

    pub(crate) fn mark(&mut self) -> Mark {
        self.skip_ws();
        Mark { pos: self.pos, depth: self.depth, first: self.first, warnings: self.warnings.len() }
    }

    /// Back to `mark`, forgetting the warnings recorded since.
    pub(crate) fn reset(&mut self, mark: Mark) {
        self.pos = mark.pos;
        self.depth = mark.depth;
        self.first = mark.first;
        self.warnings.truncate(mark.warnings);
    }

    /// Whether `value`, read since `mark`, is written back as the same value: not so for an
    /// integer beyond 64 bits (a `serde_json::Value` holds it as a float).
    pub(crate) fn kept_exactly(&self, mark: Mark, value: &serde_json::Value) -> bool {
        match value {
            serde_json::Value::Number(n) if n.is_f64() => {
                let text = self.text.get(mark.pos..self.pos).unwrap_or_default();
                text.contains(['.', 'e', 'E'])
            }
            _ => true,
        }
    }

    /// Records that the value read since `mark` (now consumed) did not fit `declared`.
    pub(crate) fn warn(&mut self, mark: Mark, declared: String) {
        let found = match self.bytes.get(mark.pos) {
            Some(b'{') => "an object",
            Some(b'[') => "an array",
            Some(b'"') => "a string",
            Some(b't' | b'f') => "a boolean",
            Some(b'n') => "null",
            _ => "a number",
        };
        let text = self.text.get(mark.pos..self.pos).unwrap_or_default();
        let mut snippet: String = text.chars().take(40).collect();
        if snippet.len() < text.len() {
            snippet.push('…');
        }
        self.warnings.push(DecodeWarning { path: Vec::new(), offset: mark.pos, declared, found, snippet });
    }

    /// Decodes `part`, a value this reader has just read whole with [`Reader::read_raw`], with
    /// this reader's mode; its warnings join this reader's (error offsets are within `part`).
    pub fn decode_part<T: Codec>(&mut self, part: &'a str) -> Result<T, DecodeError> {
        let mut sub = Reader::from_text(part);
        sub.lenient = self.lenient;
        let value = T::decode(&mut sub)?;
        sub.finish()?;
        let base = (part.as_ptr() as usize).checked_sub(self.text.as_ptr() as usize).filter(|b| *b <= self.text.len());
        for mut w in sub.warnings {
            w.offset += base.unwrap_or(0);
            self.warnings.push(w);
        }
        Ok(value)
    }

    /// Fills in the JSON path of each warning from its offset, in one pass over the document
    /// (only when there are warnings). A warning whose offset is not the start of a value (none
    /// should be) keeps the path `$`.
    fn resolve_paths(&self, warnings: &mut [DecodeWarning]) {
        warnings.sort_by_key(|w| w.offset);
        let start = if self.bytes.starts_with(&[0xEF, 0xBB, 0xBF]) { 3 } else { 0 };
        let mut r = Reader::from_text(self.text);
        r.bytes = self.bytes;
        r.pos = start;
        // Open containers: `None` for an object, `Some(next index)` for an array, with the
        // segment of the member being read.
        let mut open: Vec<(Option<usize>, Option<PathSegment>)> = Vec::new();
        let mut next = 0;
        'values: loop {
            r.skip_ws();
            while let Some(w) = warnings.get_mut(next).filter(|w| w.offset <= r.pos) {
                if w.offset == r.pos {
                    w.path = open.iter().filter_map(|(_, seg)| seg.clone()).collect();
                }
                next += 1;
            }
            if next >= warnings.len() {
                return;
            }
            let step = match r.peek() {
                Ok(Token::Object) => r.begin_object().map(|()| open.push((None, None))),
                Ok(Token::Array) => r.begin_array().map(|()| open.push((Some(0), None))),
                Ok(_) => r.skip_value(),
                Err(e) => Err(e),
            };
            if step.is_err() {
                return;
            }
            loop {
                let Some((kind, seg)) = open.last_mut() else { return };
                match kind {
                    None => match r.next_key() {
                        Ok(Some(k)) => {
                            *seg = Some(PathSegment::Key(k.into_owned()));
                            continue 'values;
                        }
                        Ok(None) => {}
                        Err(_) => return,
                    },
                    Some(i) => match r.next_element() {
                        Ok(true) => {
                            *seg = Some(PathSegment::Index(*i));
                            *i += 1;
                            continue 'values;
                        }
                        Ok(false) => {}
                        Err(_) => return,
                    },
                }
                open.pop();
            }
        }
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
        // ASCII by construction.
        self.text_between(start, i, "number")
    }

    /// Reads a string, borrowing from the input when it has no escapes.
    pub fn read_str(&mut self) -> Result<Cow<'a, str>, DecodeError> {
        if self.peek_byte() != Some(b'"') {
            return Err(self.type_error("a string"));
        }
        self.pos += 1;
        let start = self.pos;
        let b = self.bytes;
        // Fast path: word by word to the closing quote, then byte by byte for a tail shorter
        // than a word.
        let mut i = skip_plain_words(b, start);
        loop {
            match b.get(i) {
                Some(b'"') => {
                    let s = self.text_between(start, i, "string")?;
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
        self.text_between(start, self.pos, "value")
    }

    /// Reads one value of any kind into a `serde_json::Value`, built directly (no second parse);
    /// numbers become what `serde_json` makes of the same text. Nesting counts against
    /// [`MAX_DEPTH`] like everything else.
    pub fn read_json_value(&mut self) -> Result<serde_json::Value, DecodeError> {
        use serde_json::Value;
        match self.peek()? {
            Token::Null => self.read_null().map(|_| Value::Null),
            Token::Bool => self.read_bool().map(Value::Bool),
            Token::String => self.read_str().map(|s| Value::String(s.into_owned())),
            Token::Number => {
                let start = self.pos;
                let text = self.read_number_text()?;
                // The text follows the JSON grammar, so the only failure is a float beyond f64.
                text.parse::<serde_json::Number>().map(Value::Number).map_err(|_| {
                    let shown: String = text.chars().take(40).collect();
                    let more = if shown.len() < text.len() { "…" } else { "" };
                    DecodeError::new(start, format!("number {shown}{more} is out of range"))
                })
            }
            Token::Array => {
                self.begin_array()?;
                let mut items = Vec::new();
                while self.next_element()? {
                    let i = items.len();
                    items.push(self.read_json_value().map_err(|e| e.in_index(i))?);
                }
                Ok(Value::Array(items))
            }
            Token::Object => {
                self.begin_object()?;
                let mut map = serde_json::Map::new();
                while let Some(key) = self.next_key()? {
                    let value = self.read_json_value().map_err(|e| e.in_key(&key))?;
                    map.insert(key.into_owned(), value);
                }
                Ok(Value::Object(map))
            }
        }
    }

    /// Looks ahead in the object that starts here for a top-level string member named `key`
    /// (e.g. `@odata.type`) without consuming anything: the first member of that name whose
    /// value is a string.
    ///
    /// Linear however deep such objects nest: the first look-ahead scans the whole object once
    /// (iteratively, within [`MAX_DEPTH`]) and notes where `key` is in it *and in every object
    /// nested in it*; a look-ahead at one of those nested objects later (while decoding) is
    /// answered from those notes without scanning again. A scan that fails (malformed JSON, too
    /// deep) fails the look-ahead of every object that contains the failure, as a scan of that
    /// object alone would.
    pub fn peek_object_member(&mut self, key: &str) -> Result<Option<Cow<'a, str>>, DecodeError> {
        if self.peek_byte() != Some(b'{') {
            return Err(self.type_error("an object"));
        }
        let at = self.pos;
        let known = self.lookahead.as_ref().filter(|l| l.key == key && l.start <= at && at < l.end);
        if known.is_none() {
            let scanned = self.scan_for_member(key);
            self.lookahead = Some(scanned);
        }
        let Some(l) = self.lookahead.as_ref() else { return Ok(None) };
        if let Some(e) = l.error.as_ref().filter(|e| e.offset() >= at && l.contains_failure(at)) {
            return Err(e.clone());
        }
        let Ok(i) = l.found.binary_search_by_key(&at, |&(object, _)| object) else { return Ok(None) };
        let Some(&(_, value_at)) = l.found.get(i) else { return Ok(None) };
        let (pos, depth, first) = (self.pos, self.depth, self.first);
        self.pos = value_at;
        let value = self.read_str();
        self.pos = pos;
        self.depth = depth;
        self.first = first;
        value.map(Some)
    }

    /// Scans the object at the current position (restoring the position after), noting for it
    /// and every object nested in it where its first string member named `key` starts.
    fn scan_for_member(&mut self, key: &str) -> Lookahead {
        let (pos, depth, first) = (self.pos, self.depth, self.first);
        // The previous scan's buffers are reused (a page scans each of its items in turn).
        let (mut found, mut key_buf) = match self.lookahead.take() {
            Some(old) => (old.found, old.key),
            None => (Vec::new(), String::new()),
        };
        found.clear();
        key_buf.clear();
        key_buf.push_str(key);
        // Objects open at the failure, by start (each with whether `key` was found in it).
        let mut open: Vec<(usize, bool)> = Vec::new();
        let result = self.scan_members(key, &mut found, &mut open);
        let end = self.pos.max(pos + 1);
        let error = result.err().map(|e| (e, open.iter().filter(|o| !o.1).map(|o| o.0).collect()));
        self.lookahead_bytes += self.pos - pos;
        self.pos = pos;
        self.depth = depth;
        self.first = first;
        found.sort_unstable_by_key(|&(object, _)| object);
        let (error, failed_objects) = match error {
            Some((e, objects)) => (Some(e), objects),
            None => (None, Vec::new()),
        };
        Lookahead { key: key_buf, start: pos, end, found, error, failed_objects }
    }

    /// The scan of [`Reader::scan_for_member`]: one value, with an explicit stack instead of
    /// recursion. `open` holds the containers not yet closed: objects by start offset (and
    /// whether `key` was found in them), arrays as `usize::MAX`.
    fn scan_members(
        &mut self,
        key: &str,
        found: &mut Vec<(usize, usize)>,
        open: &mut Vec<(usize, bool)>,
    ) -> Result<(), DecodeError> {
        const ARRAY: usize = usize::MAX;
        loop {
            // A value starts here.
            match self.peek()? {
                Token::Object => {
                    let start = self.pos;
                    self.begin_object()?;
                    open.push((start, false));
                }
                Token::Array => {
                    self.begin_array()?;
                    open.push((ARRAY, false));
                }
                Token::String => self.read_str().map(|_| ())?,
                Token::Number => self.read_number_text().map(|_| ())?,
                Token::Bool => self.read_bool().map(|_| ())?,
                Token::Null => self.read_null().map(|_| ())?,
            }
            // To the next value, closing the containers that end first.
            loop {
                let Some(&(start, seen)) = open.last() else { return Ok(()) };
                if start == ARRAY {
                    if self.next_element()? {
                        break;
                    }
                } else if let Some(k) = self.next_key()? {
                    if !seen && k == key && self.peek()? == Token::String {
                        found.push((start, self.pos));
                        if let Some(top) = open.last_mut() {
                            top.1 = true;
                        }
                    }
                    break;
                }
                open.pop();
            }
        }
    }

    #[doc(hidden)]
    /// How many bytes look-ahead scans have read so far (the work beyond decoding itself; a
    /// test hook).
    pub fn lookahead_bytes(&self) -> usize {
        self.lookahead_bytes
    }
}

/// From `i`, skips whole 8-byte words with no `"`, `\\` or control byte: returns the position of
/// the first such byte, or where fewer than 8 bytes are left (the caller finishes byte by byte).
fn skip_plain_words(bytes: &[u8], mut i: usize) -> usize {
    while let Some(word) = bytes.get(i..).and_then(<[u8]>::first_chunk::<8>) {
        let flagged = attention_mask(u64::from_le_bytes(*word));
        if flagged != 0 {
            return i + (flagged.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    i
}

/// Flags the bytes of `word` that are `"`, `\\` or below 0x20 (SWAR: a byte `x` is flagged
/// when `x - k` borrows, for `x ^ '"'` and `x ^ '\\'` with k = 1 and for `x` itself with
/// k = 0x20): the result is the high bit of each flagged byte (little-endian: byte 0 is bit 7).
/// Whether any byte is flagged is exact, and so is the lowest flagged byte; a borrow can also
/// flag bytes above a real match, which the scanners never look at.
fn attention_mask(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let quote = word ^ (ONES * u64::from(b'"'));
    let backslash = word ^ (ONES * u64::from(b'\\'));
    let zero_quote = quote.wrapping_sub(ONES) & !quote;
    let zero_backslash = backslash.wrapping_sub(ONES) & !backslash;
    let control = word.wrapping_sub(ONES * 0x20) & !word;
    (zero_quote | zero_backslash | control) & HIGH
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
        if value < 0 {
            self.out.push('-');
        }
        push_decimal(&mut self.out, value.unsigned_abs());
    }

    /// Writes a string the caller knows needs no escaping (the text of dates, times, GUIDs,
    /// base64: ASCII without `"`, `\\` or control characters), straight from its `Display`.
    pub(crate) fn plain_string(&mut self, value: &dyn fmt::Display) {
        self.sep();
        self.out.push('"');
        use fmt::Write;
        let _ = write!(self.out, "{value}");
        self.out.push('"');
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

    /// Writes a `serde_json::Value` (the same text `serde_json::to_string` gives).
    pub fn json_value(&mut self, value: &serde_json::Value) {
        use serde_json::Value;
        match value {
            Value::Null => self.null(),
            Value::Bool(b) => self.bool(*b),
            Value::Number(n) => {
                if let Some(u) = n.as_u64() {
                    self.sep();
                    push_decimal(&mut self.out, u);
                } else if let Some(i) = n.as_i64() {
                    self.i64(i);
                } else {
                    // Floats as serde_json writes them (shortest round-trip text).
                    self.sep();
                    match serde_json::to_string(n) {
                        Ok(text) => self.out.push_str(&text),
                        Err(_) => self.out.push_str("null"),
                    }
                }
            }
            Value::String(s) => self.string(s),
            Value::Array(items) => {
                self.begin_array();
                for item in items {
                    self.json_value(item);
                }
                self.end_array();
            }
            Value::Object(map) => {
                self.begin_object();
                for (k, v) in map {
                    self.key(k);
                    self.json_value(v);
                }
                self.end_object();
            }
        }
    }
}

/// Appends `n` in decimal.
fn push_decimal(out: &mut String, n: u64) {
    out.push_str(decimal(&mut [0; 20], n, 1));
}

/// `value` in decimal, zero-padded to at least `min_width` digits (at most 20), written into the
/// end of `buf`; shared by the JSON writer and the date/time formatting in [`crate::edm`].
pub(crate) fn decimal(buf: &mut [u8; 20], mut value: u64, min_width: usize) -> &str {
    let mut used = 0;
    while (value > 0 || used < min_width.max(1)) && used < buf.len() {
        used += 1;
        if let Some(slot) = buf.get_mut(20 - used) {
            *slot = b'0' + (value % 10) as u8;
        }
        value /= 10;
    }
    buf.get(20 - used..).and_then(|digits| std::str::from_utf8(digits).ok()).unwrap_or_default()
}

/// Appends `s` as a JSON string literal, escaping what JSON requires (as serde_json does:
/// `\"`, `\\`, `\b \f \n \r \t`, other control characters as `\u00XX`). Runs of
/// plain text are found 8 bytes at a time and copied whole.
fn escape_into(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut i = 0;
    loop {
        // To the next byte that needs escaping: a word at a time, then the short tail.
        i = skip_plain_words(bytes, i);
        while bytes.get(i).is_some_and(|&b| b != b'"' && b != b'\\' && b >= 0x20) {
            i += 1;
        }
        let Some(&b) = bytes.get(i) else { break };
        // `i` is at an ASCII byte, so both ends are char boundaries.
        out.push_str(s.get(start..i).unwrap_or_default());
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            0x08 => out.push_str("\\b"),
            0x0c => out.push_str("\\f"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            _ => {
                use fmt::Write;
                let _ = write!(out, "\\u{b:04x}");
            }
        }
        i += 1;
        start = i;
    }
    out.push_str(s.get(start..).unwrap_or_default());
    out.push('"');
}

/// A type that can be read from and written to JSON: every model (through the model codec of
/// [`crate::model`]), enum, Edm type and primitive the generated code uses.
pub trait Codec: Sized {
    /// Reads one value.
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError>;
    /// Writes one value.
    fn encode(&self, w: &mut Writer);
    /// The type's name in warnings ([`DecodeWarning::declared_type`]): the Edm or OData type
    /// name where there is one (`Edm.Date`, `microsoft.graph.user`), else the Rust type name.
    fn declared_type() -> String {
        let name = std::any::type_name::<Self>();
        let base = name.split('<').next().unwrap_or(name);
        let start = base.rfind("::").map_or(0, |i| i + 2);
        name.get(start..).unwrap_or(name).to_string()
    }
}

// `from_slice` and `from_str` are instantiated for every response type of every builder: each
// is kept to one small function (no shared generic helper, which would double the instances).

/// Decodes a complete JSON document into a model or value type, leniently: a model property
/// whose value does not match its declared type is kept in `additional_data` (see
/// [`DecodeWarning`]; [`from_slice_with_warnings`] returns the warnings, [`from_slice_strict`]
/// fails instead). Malformed JSON is an error.
pub fn from_slice<T: Codec>(bytes: &[u8]) -> Result<T, DecodeError> {
    let mut r = Reader::new(bytes);
    let v = T::decode(&mut r)?;
    r.finish()?;
    Ok(v)
}

/// [`from_slice`] for text.
pub fn from_str<T: Codec>(text: &str) -> Result<T, DecodeError> {
    let mut r = Reader::from_text(text);
    let v = T::decode(&mut r)?;
    r.finish()?;
    Ok(v)
}

/// [`from_slice`], and the warnings for the values kept aside, in document order.
pub fn from_slice_with_warnings<T: Codec>(bytes: &[u8]) -> Result<(T, Vec<DecodeWarning>), DecodeError> {
    let mut r = Reader::new(bytes);
    let v = T::decode(&mut r)?;
    Ok((v, r.finish_with_warnings()?))
}

/// [`from_str`], and the warnings for the values kept aside, in document order.
pub fn from_str_with_warnings<T: Codec>(text: &str) -> Result<(T, Vec<DecodeWarning>), DecodeError> {
    let mut r = Reader::from_text(text);
    let v = T::decode(&mut r)?;
    Ok((v, r.finish_with_warnings()?))
}

/// Decodes strictly: a value that does not match its declared type fails the whole decode
/// (with its JSON path), as everything did before lenient decoding. For tests that must notice
/// any deviation from the metadata.
pub fn from_slice_strict<T: Codec>(bytes: &[u8]) -> Result<T, DecodeError> {
    let mut r = Reader::new(bytes).strict();
    let v = T::decode(&mut r)?;
    r.finish()?;
    Ok(v)
}

/// [`from_slice_strict`] for text.
pub fn from_str_strict<T: Codec>(text: &str) -> Result<T, DecodeError> {
    let mut r = Reader::from_text(text).strict();
    let v = T::decode(&mut r)?;
    r.finish()?;
    Ok(v)
}

/// Decodes a complete JSON document into any `serde` type, for shapes the models do not fit
/// (`$select` projections, `$apply` aggregations, endpoints the CSDL does not describe). The
/// error carries the byte offset serde reports (no JSON path: serde does not track one).
pub fn from_slice_serde<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, DecodeError> {
    serde_json::from_slice(bytes).map_err(|e| serde_error(&e, bytes))
}

/// A `serde_json` error as a [`DecodeError`] at the byte offset of its line and column.
fn serde_error(e: &serde_json::Error, bytes: &[u8]) -> DecodeError {
    let line_start = if e.line() <= 1 {
        0
    } else {
        bytes.iter().enumerate().filter(|(_, b)| **b == b'\n').nth(e.line() - 2).map_or(bytes.len(), |(i, _)| i + 1)
    };
    let offset = (line_start + e.column().saturating_sub(1)).min(bytes.len());
    let text = e.to_string();
    // serde_json appends " at line L column C"; the offset says where.
    let message = match text.rfind(" at line ") {
        Some(i) if e.line() > 0 => text.get(..i).unwrap_or(&text).to_string(),
        _ => text,
    };
    DecodeError::new(offset, message)
}

/// Encodes a model or value type as compact JSON.
pub fn to_string<T: Codec>(value: &T) -> String {
    let mut w = Writer::with_capacity(256);
    value.encode(&mut w);
    w.into_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_types_decode_with_offsets() {
        #[derive(serde_derive::Deserialize, Debug, PartialEq)]
        struct Shape {
            #[serde(rename = "displayName")]
            display_name: String,
        }
        let v: Vec<Shape> = from_slice_serde(br#"[{"displayName":"Adele"}]"#).unwrap();
        assert_eq!(v, [Shape { display_name: "Adele".into() }]);
        let e = from_slice_serde::<Shape>(b"{\n  \"displayName\": 5\n}").unwrap_err();
        assert_eq!(e.offset(), 19, "{e:?}");
        assert!(e.message().starts_with("invalid type: integer `5`"), "{e:?}");
        assert!(!e.message().contains(" at line "), "{e:?}");
        let e = from_slice_serde::<Shape>(b"{}").unwrap_err();
        assert!(e.message().contains("missing field `displayName`"), "{e:?}");
    }

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

    /// A look-ahead answered from an enclosing object's scan says what a scan of the nested
    /// object alone says, for well-formed and malformed documents.
    #[test]
    fn nested_lookaheads_agree_with_fresh_scans() {
        let docs = [
            r##"{"a":{"k":"1","b":{"x":[{"k":"2"},{"k":3,"k":"4"}]}},"k":"0"}"##,
            r##"{"a":{"b":{"k":"inner"},"c":[1,}},"k":"outer"}"##,
            r##"{"k":"early","a":{"b":{"c":tru}}}"##,
            r##"{"a":{"k":"x\"y"},"b":{"k":"z"##,
        ];
        for doc in docs {
            let starts: Vec<usize> = doc.match_indices('{').map(|(i, _)| i).collect();
            let mut shared = Reader::new(doc.as_bytes());
            let _ = shared.peek_object_member("k");
            for &at in &starts {
                let mut fresh = Reader::new(doc.as_bytes());
                fresh.pos = at;
                let expected = fresh.peek_object_member("k").map_err(|e| e.offset());
                shared.pos = at;
                let got = shared.peek_object_member("k").map_err(|e| e.offset());
                assert_eq!(got, expected, "{doc} at {at}");
            }
        }
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

    /// Strings of every length 0..40 with one special byte at every position: the 8-byte scan
    /// and the escaper agree with a byte-by-byte reading and with serde_json.
    #[test]
    fn word_scans_match_byte_by_byte() {
        let specials = ["\"", "\\", "\n", "\u{1}", "\u{1f}", "\u{8}", "\u{c}", "é", "😀", "\u{7f}", " "];
        for len in 0..40 {
            for pos in 0..=len {
                for special in specials {
                    let text: String =
                        (0..len).map(|i| if i == pos { special } else { "a" }).collect::<Vec<_>>().concat();
                    let literal = serde_json::to_string(&text).unwrap();
                    let mut w = Writer::new();
                    w.string(&text);
                    assert_eq!(w.as_str(), literal, "{text:?}");
                    let mut r = Reader::new(literal.as_bytes());
                    assert_eq!(r.read_str().unwrap(), text, "{literal}");
                    r.finish().unwrap();
                }
            }
        }
        for word in 0..=u16::MAX {
            let [a, b] = word.to_le_bytes();
            let bytes = [b'x', a, b'y', b'z', b, b'q', b'r', b's'];
            let first = bytes.iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20);
            let mask = attention_mask(u64::from_le_bytes(bytes));
            assert_eq!((mask != 0).then(|| (mask.trailing_zeros() / 8) as usize), first, "{bytes:?}");
        }
    }

    #[test]
    fn raw_control_characters_in_long_strings_are_rejected() {
        let doc = format!("\"{}\u{1}{}\"", "a".repeat(17), "b".repeat(9));
        let err = Reader::new(doc.as_bytes()).read_str().unwrap_err();
        assert_eq!((err.offset(), err.message()), (18, "control character in string"));
    }

    #[test]
    fn invalid_utf8_is_reported_at_the_first_bad_byte_with_its_path() {
        let mut doc = br#"{"ok":"fine","bad":"abcdefghij"#.to_vec();
        let bad_at = doc.len();
        doc.extend_from_slice(b"\xff\xfe\"}");
        let mut r = Reader::new(&doc);
        r.begin_object().unwrap();
        assert_eq!(r.next_key().unwrap().unwrap(), "ok");
        assert_eq!(r.read_str().unwrap(), "fine");
        assert_eq!(r.next_key().unwrap().unwrap(), "bad");
        let err = r.read_str().unwrap_err();
        assert_eq!((err.offset(), err.message()), (bad_at, "invalid UTF-8 in string"));
        let err = Reader::new(&doc).read_raw().unwrap_err();
        assert_eq!((err.offset(), err.message()), (bad_at, "invalid UTF-8 in string"));
        // A BOM is skipped both ways.
        assert_eq!(from_slice::<String>("\u{feff}\"x\"".as_bytes()).unwrap(), "x");
        assert_eq!(from_str::<String>("\u{feff}\"x\"").unwrap(), "x");
    }

    /// `read_json_value` builds the same `Value` as serde_json, and `json_value` writes the same
    /// text as serde_json.
    #[test]
    fn values_match_serde_json_both_ways() {
        let doc = r#"{"n":null,"t":true,"f":false,"i":-42,"u":18446744073709551615,"big":123456789012345678901234567890,
            "neg0":-0,"x":1.5e300,"y":0.1,"z":-2.5E-7,"s":"a\"b\\c\u0001\b\f\n\r\t/é😀","e":[],"o":{},
            "deep":[[{"k":[1,{"dup":1,"dup":2}]}]]}"#;
        let ours = Reader::new(doc.as_bytes()).read_json_value().unwrap();
        let theirs: serde_json::Value = serde_json::from_str(doc).unwrap();
        assert_eq!(ours, theirs);
        let mut w = Writer::new();
        w.json_value(&theirs);
        assert_eq!(w.as_str(), serde_json::to_string(&theirs).unwrap());
        let err = Reader::new(br#"{"a":[1,2e999]}"#).read_json_value().unwrap_err();
        assert_eq!(err.path(), "$.a[1]");
        assert_eq!(err.message(), "number 2e999 is out of range");
        let long = format!("[1{}e999]", "0".repeat(100));
        let err = Reader::new(long.as_bytes()).read_json_value().unwrap_err();
        assert_eq!(err.message(), format!("number 1{}… is out of range", "0".repeat(39)));
    }

    #[test]
    fn integers_are_written_exactly() {
        for v in [0, 1, -1, 9, 10, -10, 1234567890, i64::MAX, i64::MIN] {
            let mut w = Writer::new();
            w.i64(v);
            assert_eq!(w.as_str(), v.to_string());
        }
    }
}
