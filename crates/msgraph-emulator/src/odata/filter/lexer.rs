//! Tokens of a `$filter` expression: names, punctuation and literals (strings, numbers,
//! booleans, `null`, GUIDs, dates, datetimes, qualified enum members).

use super::ast::{FilterError, Literal};
use crate::validate::{datetime, guid};

/// A token.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    Ident(String),
    Lit(Literal),
    /// `Namespace.type'member'`: kept as the member string.
    EnumLit(String),
    LParen,
    RParen,
    Comma,
    Colon,
    Slash,
    End,
}

/// Splits a `$filter` text into tokens.
pub(super) struct Lexer<'a> {
    src: &'a str,
    pos: usize,
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == '$' || c == '@'
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '@' || c == '$'
}

impl<'a> Lexer<'a> {
    pub(super) fn new(src: &'a str) -> Self {
        Lexer { src, pos: 0 }
    }

    /// The whole text.
    pub(super) fn src(&self) -> &'a str {
        self.src
    }

    pub(super) fn char_pos(&self, byte: usize) -> usize {
        self.src.get(..byte).map_or(byte, |s| s.chars().count())
    }

    pub(super) fn err(&self, byte: usize, message: impl Into<String>) -> FilterError {
        FilterError { position: self.char_pos(byte), message: message.into() }
    }

    fn peek_char(&self) -> Option<char> {
        self.src.get(self.pos..).and_then(|s| s.chars().next())
    }

    fn skip_ws(&mut self) {
        while let Some(c) = self.peek_char() {
            if c == ' ' || c == '\t' || c == '\r' || c == '\n' {
                self.pos += c.len_utf8();
            } else {
                break;
            }
        }
    }

    /// The next token and its byte position.
    pub(super) fn next(&mut self) -> Result<(Tok, usize), FilterError> {
        self.skip_ws();
        let start = self.pos;
        let rest = self.src.get(self.pos..).unwrap_or("");
        let Some(c) = rest.chars().next() else { return Ok((Tok::End, start)) };
        let single = match c {
            '(' => Some(Tok::LParen),
            ')' => Some(Tok::RParen),
            ',' => Some(Tok::Comma),
            ':' => Some(Tok::Colon),
            '/' => Some(Tok::Slash),
            _ => None,
        };
        if let Some(t) = single {
            self.pos += 1;
            return Ok((t, start));
        }
        if c == '\'' {
            let s = self.string_literal()?;
            return Ok((Tok::Lit(Literal::String(s)), start));
        }
        if let Some(len) = guid_len(rest) {
            self.pos += len;
            return Ok((Tok::Lit(Literal::Guid(rest[..len].to_ascii_lowercase())), start));
        }
        // The literal is ASCII up to the problem, so its character position is a byte offset.
        match datetime_literal(rest) {
            Ok(Some((lit, len))) => {
                self.pos += len;
                return Ok((Tok::Lit(lit), start));
            }
            Ok(None) => {}
            Err(e) => {
                return Err(self.err(start + e.position, format!("Invalid date or datetime literal: {}", e.message)))
            }
        }
        if c.is_ascii_digit() || (c == '-' && rest[1..].starts_with(|d: char| d.is_ascii_digit())) {
            let len = number_len(rest);
            let text = &rest[..len];
            let value: f64 = text.parse().map_err(|_| self.err(start, format!("Invalid number literal '{text}'.")))?;
            self.pos += len;
            // Type suffixes of OData numbers (L, M, D, F) are accepted and ignored.
            if let Some(s) = self.peek_char() {
                if matches!(s, 'L' | 'l' | 'M' | 'm' | 'D' | 'd' | 'F' | 'f')
                    && !self.src[self.pos + 1..].starts_with(is_ident_char)
                {
                    self.pos += 1;
                }
            }
            return Ok((Tok::Lit(Literal::Number(value)), start));
        }
        if is_ident_start(c) {
            let len = rest.find(|ch: char| !is_ident_char(ch)).unwrap_or(rest.len());
            let ident = &rest[..len];
            self.pos += len;
            // Qualified enum literal: microsoft.graph.phoneType'mobile'.
            if ident.contains('.') && self.peek_char() == Some('\'') {
                let member = self.string_literal()?;
                return Ok((Tok::EnumLit(member), start));
            }
            return Ok((Tok::Ident(ident.to_string()), start));
        }
        Err(self.err(start, format!("Syntax error: unexpected character '{c}'")))
    }

    /// Reads `'...'` at the current position, `''` being an escaped quote.
    fn string_literal(&mut self) -> Result<String, FilterError> {
        let start = self.pos;
        self.pos += 1; // opening quote
        let mut out = String::new();
        loop {
            let Some(c) = self.peek_char() else {
                return Err(self.err(start, "Unterminated string literal"));
            };
            self.pos += c.len_utf8();
            if c == '\'' {
                if self.peek_char() == Some('\'') {
                    self.pos += 1;
                    out.push('\'');
                } else {
                    return Ok(out);
                }
            } else {
                out.push(c);
            }
        }
    }
}

fn number_len(s: &str) -> usize {
    let b = s.as_bytes();
    let mut i = 0;
    if b.first() == Some(&b'-') {
        i += 1;
    }
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    if b.get(i) == Some(&b'.') && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
        i += 1;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(b.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        if b.get(j).is_some_and(u8::is_ascii_digit) {
            i = j;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
        }
    }
    i
}

/// Length of a GUID literal at the start of `s` (not followed by an identifier character).
fn guid_len(s: &str) -> Option<usize> {
    let candidate = s.get(..36)?;
    let followed = s[36..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    (guid::parse(candidate).is_ok() && !followed).then_some(36)
}

/// A date (`2024-01-31`) or datetime (`2024-01-31T10:00[:00[.fff]](Z|±hh:mm)`) literal at the
/// start of `s`: `Ok(None)` when `s` does not start like one, an error (position relative to
/// `s`) when it does but is not a valid date or datetime.
fn datetime_literal(s: &str) -> Result<Option<(Literal, usize)>, datetime::DateTimeError> {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b.get(r).is_some_and(|x| x.iter().all(u8::is_ascii_digit));
    if !(digits(0..4) && b.get(4) == Some(&b'-') && digits(5..7) && b.get(7) == Some(&b'-') && digits(8..10)) {
        return Ok(None);
    }
    if b.get(10) == Some(&b'T') {
        let len = s[10..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, ':' | '.' | '+' | '-')))
            .map_or(s.len(), |i| i + 10);
        let t = datetime::date_time_offset(&s[..len])?;
        return Ok(Some((Literal::DateTime(t), len)));
    }
    if b.get(10).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'.') {
        return Ok(None);
    }
    Ok(Some((Literal::Date(datetime::date(&s[..10])?), 10)))
}
