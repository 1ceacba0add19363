//! A small OData v4 `$filter` parser and evaluator.
//!
//! Grammar (lowest precedence first, as in OData's operator precedence table):
//!
//! ```text
//! or       := and ( "or" and )*
//! and      := equality ( "and" equality )*
//! equality := relational ( ("eq" | "ne") relational )*
//! relational := unary ( ("gt" | "ge" | "lt" | "le") unary | "in" "(" list ")" )*
//! unary    := "not" unary | primary
//! primary  := literal | "(" or ")" | function "(" args ")" | path [ "/" ("any" | "all") "(" [var ":" or] ")" ]
//! ```
//!
//! Literals: `'strings'` (`''` escapes a quote), integers and decimals (`-1`, `2.5`, `1e3`),
//! `true`/`false`/`null`, GUIDs (`01234567-89ab-cdef-0123-456789abcdef`), dates and datetimes
//! (`2024-01-31`, `2024-01-31T10:00:00Z`, with fractional seconds and offsets) and qualified enum
//! literals (`microsoft.graph.authenticationPhoneType'mobile'`). Functions: `startswith`,
//! `endswith`, `contains`, `tolower`, `toupper`, `length`, `trim`. Lambdas: `any`, `all`.
//!
//! String comparisons are case-insensitive, as Graph's directory is for most properties. The
//! arithmetic operators (`add`, `sub`, `mul`, `div`, `mod`) and `has` are recognised and rejected
//! with a clear message. Every error carries the position (0-based, in characters) where it was
//! found.

use std::cmp::Ordering;
use std::fmt;

use msgraph_codec::edm::DateTimeOffset;
use serde_json::Value;
use time::OffsetDateTime;

/// A parse or validation error with its position in the expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FilterError {
    pub(crate) position: usize,
    pub(crate) message: String,
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at position {})", self.message, self.position)
    }
}

/// A literal value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Literal {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Guid(String),
    DateTime(OffsetDateTime),
    Date(time::Date),
}

/// Comparison and logical operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinOp {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    And,
    Or,
}

/// Built-in functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Func {
    StartsWith,
    EndsWith,
    Contains,
    ToLower,
    ToUpper,
    Length,
    Trim,
}

impl Func {
    fn from_name(name: &str) -> Option<Func> {
        Some(match name.to_ascii_lowercase().as_str() {
            "startswith" => Func::StartsWith,
            "endswith" => Func::EndsWith,
            "contains" => Func::Contains,
            "tolower" => Func::ToLower,
            "toupper" => Func::ToUpper,
            "length" => Func::Length,
            "trim" => Func::Trim,
            _ => return None,
        })
    }

    fn arity(self) -> usize {
        match self {
            Func::StartsWith | Func::EndsWith | Func::Contains => 2,
            Func::ToLower | Func::ToUpper | Func::Length | Func::Trim => 1,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Func::StartsWith => "startswith",
            Func::EndsWith => "endswith",
            Func::Contains => "contains",
            Func::ToLower => "tolower",
            Func::ToUpper => "toupper",
            Func::Length => "length",
            Func::Trim => "trim",
        }
    }
}

/// `any` or `all`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LambdaKind {
    Any,
    All,
}

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    Literal(Literal),
    /// A property path `a/b/c`; the first segment may be a lambda variable. `position` is where
    /// it starts.
    Path {
        segments: Vec<String>,
        position: usize,
    },
    Call(Func, Vec<Expr>),
    Not(Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    In(Box<Expr>, Vec<Expr>),
    Lambda {
        kind: LambdaKind,
        collection: Box<Expr>,
        variable: Option<String>,
        body: Option<Box<Expr>>,
    },
}

/// Which "advanced query" features an expression uses (Graph requires `ConsistencyLevel:
/// eventual` for some of them on directory objects).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Features {
    pub(crate) ne: bool,
    pub(crate) not: bool,
    pub(crate) endswith: bool,
}

impl Expr {
    /// The advanced-query features used.
    pub(crate) fn features(&self) -> Features {
        let mut f = Features::default();
        self.walk(&mut |e| match e {
            Expr::Binary(BinOp::Ne, ..) => f.ne = true,
            Expr::Not(_) => f.not = true,
            Expr::Call(Func::EndsWith, _) => f.endswith = true,
            _ => {}
        });
        f
    }

    fn walk(&self, visit: &mut dyn FnMut(&Expr)) {
        visit(self);
        match self {
            Expr::Literal(_) | Expr::Path { .. } => {}
            Expr::Call(_, args) => args.iter().for_each(|a| a.walk(visit)),
            Expr::Not(e) => e.walk(visit),
            Expr::Binary(_, a, b) => {
                a.walk(visit);
                b.walk(visit);
            }
            Expr::In(e, list) => {
                e.walk(visit);
                list.iter().for_each(|a| a.walk(visit));
            }
            Expr::Lambda { collection, body, .. } => {
                collection.walk(visit);
                if let Some(b) = body {
                    b.walk(visit);
                }
            }
        }
    }

    /// Every property path that does not start with a lambda variable in scope: `(first
    /// segment, position)`. Used to validate property names against the schema.
    pub(crate) fn root_properties(&self) -> Vec<(String, usize)> {
        let mut out = Vec::new();
        collect_roots(self, &mut Vec::new(), &mut out);
        out
    }
}

fn collect_roots(e: &Expr, scope: &mut Vec<String>, out: &mut Vec<(String, usize)>) {
    match e {
        Expr::Literal(_) => {}
        Expr::Path { segments, position } => {
            if let Some(first) = segments.first() {
                if !scope.iter().any(|v| v == first) && first != "$it" {
                    out.push((first.clone(), *position));
                }
            }
        }
        Expr::Call(_, args) => args.iter().for_each(|a| collect_roots(a, scope, out)),
        Expr::Not(x) => collect_roots(x, scope, out),
        Expr::Binary(_, a, b) => {
            collect_roots(a, scope, out);
            collect_roots(b, scope, out);
        }
        Expr::In(x, list) => {
            collect_roots(x, scope, out);
            list.iter().for_each(|a| collect_roots(a, scope, out));
        }
        Expr::Lambda { collection, variable, body, .. } => {
            collect_roots(collection, scope, out);
            if let Some(b) = body {
                let pushed = variable.is_some();
                if let Some(v) = variable {
                    scope.push(v.clone());
                }
                collect_roots(b, scope, out);
                if pushed {
                    scope.pop();
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Lexer

#[derive(Debug, Clone, PartialEq)]
enum Tok {
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

struct Lexer<'a> {
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
    fn char_pos(&self, byte: usize) -> usize {
        self.src.get(..byte).map_or(byte, |s| s.chars().count())
    }

    fn err(&self, byte: usize, message: impl Into<String>) -> FilterError {
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
    fn next(&mut self) -> Result<(Tok, usize), FilterError> {
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
        if let Some((lit, len)) = datetime_literal(rest) {
            self.pos += len;
            return Ok((Tok::Lit(lit), start));
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
    let b = s.as_bytes();
    if b.len() < 36 {
        return None;
    }
    for (i, c) in b[..36].iter().enumerate() {
        let ok = if matches!(i, 8 | 13 | 18 | 23) { *c == b'-' } else { c.is_ascii_hexdigit() };
        if !ok {
            return None;
        }
    }
    if b.get(36).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-') {
        return None;
    }
    Some(36)
}

/// A date (`2024-01-31`) or datetime (`2024-01-31T10:00:00[.fff](Z|±hh:mm)`) literal.
fn datetime_literal(s: &str) -> Option<(Literal, usize)> {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b.get(r).is_some_and(|x| x.iter().all(u8::is_ascii_digit));
    if !(digits(0..4) && b.get(4) == Some(&b'-') && digits(5..7) && b.get(7) == Some(&b'-') && digits(8..10)) {
        return None;
    }
    if b.get(10) == Some(&b'T') {
        let len = s[10..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, ':' | '.' | '+' | '-')))
            .map_or(s.len(), |i| i + 10);
        let text = &s[..len];
        let dto: DateTimeOffset = text.parse().ok()?;
        return Some((Literal::DateTime(dto.as_offset_date_time()), len));
    }
    if b.get(10).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'.') {
        return None;
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(&s[..10], &format).ok()?;
    Some((Literal::Date(date), 10))
}

// ---------------------------------------------------------------------------------------------
// Parser

/// Maximum nesting of parentheses/`not`/lambdas (guards the stack against hostile input).
const MAX_DEPTH: usize = 64;
/// Maximum number of operators and calls (long `and`/`or` chains nest too).
const MAX_NODES: usize = 500;

struct Parser<'a> {
    lexer: Lexer<'a>,
    tok: Tok,
    tok_pos: usize,
    depth: usize,
    nodes: usize,
}

/// Parses a `$filter` expression.
pub(crate) fn parse(src: &str) -> Result<Expr, FilterError> {
    let mut lexer = Lexer { src, pos: 0 };
    let (tok, tok_pos) = lexer.next()?;
    let mut p = Parser { lexer, tok, tok_pos, depth: 0, nodes: 0 };
    if p.tok == Tok::End {
        return Err(p.err("The $filter expression is empty"));
    }
    let e = p.or()?;
    if p.tok != Tok::End {
        return Err(p.syntax());
    }
    Ok(e)
}

impl<'a> Parser<'a> {
    fn advance(&mut self) -> Result<(), FilterError> {
        let (t, p) = self.lexer.next()?;
        self.tok = t;
        self.tok_pos = p;
        Ok(())
    }

    fn err(&self, message: impl Into<String>) -> FilterError {
        self.lexer.err(self.tok_pos, message)
    }

    fn syntax(&self) -> FilterError {
        let pos = self.lexer.char_pos(self.tok_pos);
        FilterError { position: pos, message: format!("Syntax error at position {pos} in '{}'", self.lexer.src) }
    }

    fn keyword(&self) -> Option<String> {
        match &self.tok {
            Tok::Ident(s) => Some(s.to_ascii_lowercase()),
            _ => None,
        }
    }

    fn expect(&mut self, t: Tok) -> Result<(), FilterError> {
        if self.tok == t {
            self.advance()
        } else {
            Err(self.syntax())
        }
    }

    fn enter(&mut self) -> Result<(), FilterError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err("The $filter expression is nested too deeply"));
        }
        self.node()
    }

    /// Counts an operator node.
    fn node(&mut self) -> Result<(), FilterError> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(self.err(format!("The $filter expression has more than {MAX_NODES} operators")));
        }
        Ok(())
    }

    fn or(&mut self) -> Result<Expr, FilterError> {
        let mut left = self.and()?;
        while self.keyword().as_deref() == Some("or") {
            self.node()?;
            self.advance()?;
            let right = self.and()?;
            left = Expr::Binary(BinOp::Or, Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, FilterError> {
        let mut left = self.equality()?;
        while self.keyword().as_deref() == Some("and") {
            self.node()?;
            self.advance()?;
            let right = self.equality()?;
            left = Expr::Binary(BinOp::And, Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn equality(&mut self) -> Result<Expr, FilterError> {
        let mut left = self.relational()?;
        loop {
            let op = match self.keyword().as_deref() {
                Some("eq") => BinOp::Eq,
                Some("ne") => BinOp::Ne,
                _ => return Ok(left),
            };
            self.node()?;
            self.advance()?;
            let right = self.relational()?;
            left = Expr::Binary(op, Box::new(left), Box::new(right));
        }
    }

    fn relational(&mut self) -> Result<Expr, FilterError> {
        let mut left = self.unary()?;
        loop {
            let kw = self.keyword();
            let op = match kw.as_deref() {
                Some("gt") => BinOp::Gt,
                Some("ge") => BinOp::Ge,
                Some("lt") => BinOp::Lt,
                Some("le") => BinOp::Le,
                Some("in") => {
                    self.node()?;
                    self.advance()?;
                    let list = self.in_list()?;
                    left = Expr::In(Box::new(left), list);
                    continue;
                }
                Some(op @ ("add" | "sub" | "mul" | "div" | "divby" | "mod" | "has")) => {
                    return Err(self.err(format!("The operator '{op}' is not supported by the emulator's $filter")))
                }
                _ => return Ok(left),
            };
            self.node()?;
            self.advance()?;
            let right = self.unary()?;
            left = Expr::Binary(op, Box::new(left), Box::new(right));
        }
    }

    fn in_list(&mut self) -> Result<Vec<Expr>, FilterError> {
        if self.tok != Tok::LParen {
            return Err(self.syntax());
        }
        self.advance()?;
        let mut items = Vec::new();
        if self.tok == Tok::RParen {
            return Err(self.err("The list after 'in' is empty"));
        }
        loop {
            match &self.tok {
                Tok::Lit(l) => items.push(Expr::Literal(l.clone())),
                Tok::EnumLit(s) => items.push(Expr::Literal(Literal::String(s.clone()))),
                _ => return Err(self.err("Only literals are allowed in the list after 'in'")),
            }
            self.advance()?;
            match self.tok {
                Tok::Comma => self.advance()?,
                Tok::RParen => {
                    self.advance()?;
                    return Ok(items);
                }
                _ => return Err(self.syntax()),
            }
        }
    }

    fn unary(&mut self) -> Result<Expr, FilterError> {
        if self.keyword().as_deref() == Some("not") {
            self.enter()?;
            self.advance()?;
            let e = self.unary()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(e)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, FilterError> {
        match self.tok.clone() {
            Tok::Lit(l) => {
                self.advance()?;
                Ok(Expr::Literal(l))
            }
            Tok::EnumLit(s) => {
                self.advance()?;
                Ok(Expr::Literal(Literal::String(s)))
            }
            Tok::LParen => {
                self.enter()?;
                self.advance()?;
                let e = self.or()?;
                self.expect(Tok::RParen)?;
                self.depth -= 1;
                Ok(e)
            }
            Tok::Ident(name) => {
                let lower = name.to_ascii_lowercase();
                match lower.as_str() {
                    "true" => {
                        self.advance()?;
                        return Ok(Expr::Literal(Literal::Bool(true)));
                    }
                    "false" => {
                        self.advance()?;
                        return Ok(Expr::Literal(Literal::Bool(false)));
                    }
                    "null" => {
                        self.advance()?;
                        return Ok(Expr::Literal(Literal::Null));
                    }
                    "and" | "or" | "eq" | "ne" | "gt" | "ge" | "lt" | "le" | "in" => return Err(self.syntax()),
                    _ => {}
                }
                let start = self.tok_pos;
                self.advance()?;
                if self.tok == Tok::LParen {
                    return self.call(&name, start);
                }
                self.path(name, start)
            }
            _ => Err(self.syntax()),
        }
    }

    fn call(&mut self, name: &str, start: usize) -> Result<Expr, FilterError> {
        let Some(func) = Func::from_name(name) else {
            return Err(self.lexer.err(
                start,
                format!("An unknown function with name '{name}' was found. The emulator supports startswith, endswith, contains, tolower, toupper, length and trim"),
            ));
        };
        self.enter()?;
        self.advance()?; // (
        let mut args = Vec::new();
        if self.tok != Tok::RParen {
            loop {
                args.push(self.or()?);
                match self.tok {
                    Tok::Comma => self.advance()?,
                    Tok::RParen => break,
                    _ => return Err(self.syntax()),
                }
            }
        }
        self.advance()?; // )
        self.depth -= 1;
        if args.len() != func.arity() {
            return Err(self.lexer.err(
                start,
                format!("The function '{}' takes {} argument(s), {} given", func.name(), func.arity(), args.len()),
            ));
        }
        Ok(Expr::Call(func, args))
    }

    fn path(&mut self, first: String, start: usize) -> Result<Expr, FilterError> {
        let mut segments = vec![first];
        while self.tok == Tok::Slash {
            self.advance()?;
            let Tok::Ident(seg) = self.tok.clone() else { return Err(self.syntax()) };
            let seg_pos = self.tok_pos;
            self.advance()?;
            let lower = seg.to_ascii_lowercase();
            if (lower == "any" || lower == "all") && self.tok == Tok::LParen {
                let kind = if lower == "any" { LambdaKind::Any } else { LambdaKind::All };
                let collection = Box::new(Expr::Path { segments, position: self.lexer.char_pos(start) });
                return self.lambda(kind, collection, seg_pos);
            }
            segments.push(seg);
        }
        Ok(Expr::Path { segments, position: self.lexer.char_pos(start) })
    }

    fn lambda(&mut self, kind: LambdaKind, collection: Box<Expr>, pos: usize) -> Result<Expr, FilterError> {
        self.enter()?;
        self.advance()?; // (
        if self.tok == Tok::RParen {
            self.advance()?;
            self.depth -= 1;
            if kind == LambdaKind::All {
                return Err(self.lexer.err(pos, "The 'all' lambda needs a variable and an expression"));
            }
            return Ok(Expr::Lambda { kind, collection, variable: None, body: None });
        }
        let Tok::Ident(var) = self.tok.clone() else { return Err(self.syntax()) };
        if var.contains('.') {
            return Err(self.syntax());
        }
        self.advance()?;
        self.expect(Tok::Colon)?;
        let body = self.or()?;
        self.expect(Tok::RParen)?;
        self.depth -= 1;
        Ok(Expr::Lambda { kind, collection, variable: Some(var), body: Some(Box::new(body)) })
    }
}

// ---------------------------------------------------------------------------------------------
// Evaluation

/// A value during evaluation.
#[derive(Debug, Clone)]
enum V<'a> {
    Null,
    Bool(bool),
    Num(f64),
    Str(std::borrow::Cow<'a, str>),
    Guid(String),
    DateTime(OffsetDateTime),
    Date(time::Date),
    Json(&'a Value),
}

/// An evaluation error (type mismatch): reported as 400 like a parse error.
pub(crate) type EvalError = String;

struct Scope<'a, 'b> {
    root: &'a Value,
    vars: &'b [(String, &'a Value)],
}

/// Evaluates `expr` against an entity; `true` keeps it.
pub(crate) fn matches(expr: &Expr, entity: &Value) -> Result<bool, EvalError> {
    let scope = Scope { root: entity, vars: &[] };
    truthy(eval(expr, &scope)?)
}

fn truthy(v: V<'_>) -> Result<bool, EvalError> {
    match v {
        V::Bool(b) => Ok(b),
        V::Null => Ok(false),
        V::Json(Value::Bool(b)) => Ok(*b),
        V::Json(Value::Null) => Ok(false),
        other => Err(format!("The $filter expression must be a boolean, found {}", describe(&other))),
    }
}

fn describe(v: &V<'_>) -> &'static str {
    match v {
        V::Null | V::Json(Value::Null) => "null",
        V::Bool(_) | V::Json(Value::Bool(_)) => "a boolean",
        V::Num(_) | V::Json(Value::Number(_)) => "a number",
        V::Str(_) | V::Json(Value::String(_)) => "a string",
        V::Guid(_) => "a guid",
        V::DateTime(_) => "a datetime",
        V::Date(_) => "a date",
        V::Json(Value::Array(_)) => "a collection",
        V::Json(Value::Object(_)) => "a complex value",
    }
}

fn lookup<'a>(start: &'a Value, segments: &[String]) -> Option<&'a Value> {
    let mut cur = start;
    for seg in segments {
        cur = match cur {
            Value::Object(map) => match map.get(seg.as_str()) {
                Some(v) => v,
                None => map.iter().find(|(k, _)| k.eq_ignore_ascii_case(seg)).map(|(_, v)| v)?,
            },
            _ => return None,
        };
    }
    Some(cur)
}

fn eval<'a>(expr: &Expr, scope: &Scope<'a, '_>) -> Result<V<'a>, EvalError> {
    Ok(match expr {
        Expr::Literal(l) => match l {
            Literal::Null => V::Null,
            Literal::Bool(b) => V::Bool(*b),
            Literal::Number(n) => V::Num(*n),
            Literal::String(s) => V::Str(std::borrow::Cow::Owned(s.clone())),
            Literal::Guid(g) => V::Guid(g.clone()),
            Literal::DateTime(d) => V::DateTime(*d),
            Literal::Date(d) => V::Date(*d),
        },
        Expr::Path { segments, .. } => {
            let Some(first) = segments.first() else { return Ok(V::Null) };
            let found = if let Some((_, v)) = scope.vars.iter().rev().find(|(n, _)| n == first) {
                lookup(v, &segments[1..])
            } else if first == "$it" {
                lookup(scope.root, &segments[1..])
            } else {
                lookup(scope.root, segments)
            };
            match found {
                None | Some(Value::Null) => V::Null,
                Some(v) => V::Json(v),
            }
        }
        Expr::Not(e) => match eval(e, scope)? {
            V::Null | V::Json(Value::Null) => V::Null,
            v => V::Bool(!truthy(v)?),
        },
        Expr::Binary(BinOp::And, a, b) => {
            if !truthy(eval(a, scope)?)? {
                return Ok(V::Bool(false));
            }
            V::Bool(truthy(eval(b, scope)?)?)
        }
        Expr::Binary(BinOp::Or, a, b) => {
            if truthy(eval(a, scope)?)? {
                return Ok(V::Bool(true));
            }
            V::Bool(truthy(eval(b, scope)?)?)
        }
        Expr::Binary(op, a, b) => {
            let (a, b) = (eval(a, scope)?, eval(b, scope)?);
            V::Bool(compare(*op, &a, &b)?)
        }
        Expr::In(e, list) => {
            let v = eval(e, scope)?;
            let mut found = false;
            for item in list {
                if compare(BinOp::Eq, &v, &eval(item, scope)?)? {
                    found = true;
                    break;
                }
            }
            V::Bool(found)
        }
        Expr::Call(func, args) => call(*func, args, scope)?,
        Expr::Lambda { kind, collection, variable, body } => {
            let items = match eval(collection, scope)? {
                V::Json(Value::Array(items)) => items.as_slice(),
                V::Null => &[],
                other => return Err(format!("'{kind:?}' needs a collection, found {}", describe(&other))),
            };
            let (Some(var), Some(body)) = (variable, body) else {
                return Ok(V::Bool(!items.is_empty()));
            };
            let mut vars: Vec<(String, &'a Value)> = scope.vars.to_vec();
            vars.push((var.clone(), &Value::Null));
            let mut result = *kind == LambdaKind::All;
            for item in items {
                if let Some(last) = vars.last_mut() {
                    last.1 = item;
                }
                let inner = Scope { root: scope.root, vars: &vars };
                let hit = truthy(eval(body, &inner)?)?;
                match kind {
                    LambdaKind::Any if hit => {
                        result = true;
                        break;
                    }
                    LambdaKind::All if !hit => {
                        result = false;
                        break;
                    }
                    _ => {}
                }
            }
            V::Bool(result)
        }
    })
}

fn as_str<'a>(v: &V<'a>) -> Option<std::borrow::Cow<'a, str>> {
    match v {
        V::Str(s) => Some(s.clone()),
        V::Json(Value::String(s)) => Some(std::borrow::Cow::Borrowed(s.as_str())),
        V::Guid(g) => Some(std::borrow::Cow::Owned(g.clone())),
        _ => None,
    }
}

fn call<'a>(func: Func, args: &[Expr], scope: &Scope<'a, '_>) -> Result<V<'a>, EvalError> {
    let vals: Vec<V<'a>> = args.iter().map(|a| eval(a, scope)).collect::<Result<_, _>>()?;
    if vals.iter().any(|v| matches!(v, V::Null | V::Json(Value::Null))) {
        return Ok(V::Null);
    }
    let strings: Vec<std::borrow::Cow<'a, str>> = vals
        .iter()
        .map(|v| {
            as_str(v)
                .ok_or_else(|| format!("The function '{}' needs string arguments, found {}", func.name(), describe(v)))
        })
        .collect::<Result<_, _>>()?;
    let lower = |i: usize| strings.get(i).map(|s| s.to_lowercase()).unwrap_or_default();
    Ok(match func {
        Func::StartsWith => V::Bool(lower(0).starts_with(&lower(1))),
        Func::EndsWith => V::Bool(lower(0).ends_with(&lower(1))),
        Func::Contains => V::Bool(lower(0).contains(&lower(1))),
        Func::ToLower => V::Str(std::borrow::Cow::Owned(lower(0))),
        Func::ToUpper => V::Str(std::borrow::Cow::Owned(strings.first().map(|s| s.to_uppercase()).unwrap_or_default())),
        Func::Length => V::Num(strings.first().map_or(0, |s| s.chars().count()) as f64),
        Func::Trim => {
            V::Str(std::borrow::Cow::Owned(strings.first().map(|s| s.trim().to_string()).unwrap_or_default()))
        }
    })
}

/// A value normalised for comparison.
enum Cmp<'a> {
    Null,
    Bool(bool),
    Num(f64),
    Str(std::borrow::Cow<'a, str>),
    DateTime(OffsetDateTime),
    Date(time::Date),
    Other(&'static str),
}

fn normalise<'a>(v: &V<'a>) -> Cmp<'a> {
    match v {
        V::Null | V::Json(Value::Null) => Cmp::Null,
        V::Bool(b) | V::Json(Value::Bool(b)) => Cmp::Bool(*b),
        V::Num(n) => Cmp::Num(*n),
        V::Json(Value::Number(n)) => Cmp::Num(n.as_f64().unwrap_or(f64::NAN)),
        V::Str(_) | V::Json(Value::String(_)) | V::Guid(_) => Cmp::Str(as_str(v).unwrap_or_default()),
        V::DateTime(d) => Cmp::DateTime(*d),
        V::Date(d) => Cmp::Date(*d),
        V::Json(_) => Cmp::Other(describe(v)),
    }
}

fn parse_datetime(s: &str) -> Option<OffsetDateTime> {
    s.parse::<DateTimeOffset>().ok().map(|d| d.as_offset_date_time())
}

fn compare(op: BinOp, a: &V<'_>, b: &V<'_>) -> Result<bool, EvalError> {
    let (a, b) = (normalise(a), normalise(b));
    let ord: Option<Ordering> = match (&a, &b) {
        (Cmp::Null, Cmp::Null) => Some(Ordering::Equal),
        (Cmp::Null, _) | (_, Cmp::Null) => {
            return Ok(match op {
                BinOp::Eq => false,
                BinOp::Ne => true,
                _ => false,
            })
        }
        (Cmp::Bool(x), Cmp::Bool(y)) => Some(x.cmp(y)),
        (Cmp::Num(x), Cmp::Num(y)) => x.partial_cmp(y),
        (Cmp::Str(x), Cmp::Str(y)) => Some(x.to_lowercase().cmp(&y.to_lowercase())),
        (Cmp::DateTime(x), Cmp::DateTime(y)) => Some(x.cmp(y)),
        (Cmp::Str(s), Cmp::DateTime(d)) => match parse_datetime(s) {
            Some(x) => Some(x.cmp(d)),
            None => return Err("Cannot compare a non-datetime string with a datetime literal".into()),
        },
        (Cmp::DateTime(d), Cmp::Str(s)) => match parse_datetime(s) {
            Some(y) => Some(d.cmp(&y)),
            None => return Err("Cannot compare a datetime literal with a non-datetime string".into()),
        },
        (Cmp::Date(x), Cmp::Date(y)) => Some(x.cmp(y)),
        (Cmp::Str(s), Cmp::Date(d)) | (Cmp::Date(d), Cmp::Str(s)) => {
            let parsed = parse_datetime(s)
                .map(|x| x.date())
                .or_else(|| time::Date::parse(s, &time::macros::format_description!("[year]-[month]-[day]")).ok());
            match parsed {
                Some(x) => {
                    let o = x.cmp(d);
                    Some(if matches!(a, Cmp::Date(_)) { o.reverse() } else { o })
                }
                None => return Err("Cannot compare a non-date string with a date literal".into()),
            }
        }
        (Cmp::Other(k), _) | (_, Cmp::Other(k)) => {
            return Err(format!("Cannot compare {k} with the operator '{}'", op_name(op)));
        }
        _ => {
            return Err(format!("Incompatible operand types for the operator '{}'", op_name(op)));
        }
    };
    let Some(ord) = ord else { return Ok(false) };
    Ok(match op {
        BinOp::Eq => ord == Ordering::Equal,
        BinOp::Ne => ord != Ordering::Equal,
        BinOp::Gt => ord == Ordering::Greater,
        BinOp::Ge => ord != Ordering::Less,
        BinOp::Lt => ord == Ordering::Less,
        BinOp::Le => ord != Ordering::Greater,
        BinOp::And | BinOp::Or => false,
    })
}

fn op_name(op: BinOp) -> &'static str {
    match op {
        BinOp::Eq => "eq",
        BinOp::Ne => "ne",
        BinOp::Gt => "gt",
        BinOp::Ge => "ge",
        BinOp::Lt => "lt",
        BinOp::Le => "le",
        BinOp::And => "and",
        BinOp::Or => "or",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn p(s: &str) -> Expr {
        parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn path(s: &str) -> Expr {
        Expr::Path { segments: s.split('/').map(String::from).collect(), position: 0 }
    }

    fn strip(e: Expr) -> Expr {
        // Zero positions for structural comparison.
        match e {
            Expr::Path { segments, .. } => Expr::Path { segments, position: 0 },
            Expr::Call(f, a) => Expr::Call(f, a.into_iter().map(strip).collect()),
            Expr::Not(x) => Expr::Not(Box::new(strip(*x))),
            Expr::Binary(o, a, b) => Expr::Binary(o, Box::new(strip(*a)), Box::new(strip(*b))),
            Expr::In(x, l) => Expr::In(Box::new(strip(*x)), l.into_iter().map(strip).collect()),
            Expr::Lambda { kind, collection, variable, body } => Expr::Lambda {
                kind,
                collection: Box::new(strip(*collection)),
                variable,
                body: body.map(|b| Box::new(strip(*b))),
            },
            other => other,
        }
    }

    fn s(x: &str) -> Expr {
        Expr::Literal(Literal::String(x.into()))
    }

    fn bin(op: BinOp, a: Expr, b: Expr) -> Expr {
        Expr::Binary(op, Box::new(a), Box::new(b))
    }

    #[test]
    fn literals() {
        assert_eq!(strip(p("a eq 'it''s'")), bin(BinOp::Eq, path("a"), s("it's")));
        assert_eq!(strip(p("a eq ''")), bin(BinOp::Eq, path("a"), s("")));
        assert_eq!(strip(p("a eq 'é/?#%'")), bin(BinOp::Eq, path("a"), s("é/?#%")));
        assert_eq!(strip(p("a eq -12")), bin(BinOp::Eq, path("a"), Expr::Literal(Literal::Number(-12.0))));
        assert_eq!(strip(p("a eq 2.5e2")), bin(BinOp::Eq, path("a"), Expr::Literal(Literal::Number(250.0))));
        assert_eq!(strip(p("a eq 10L")), bin(BinOp::Eq, path("a"), Expr::Literal(Literal::Number(10.0))));
        assert_eq!(strip(p("a eq true")), bin(BinOp::Eq, path("a"), Expr::Literal(Literal::Bool(true))));
        assert_eq!(strip(p("a eq null")), bin(BinOp::Eq, path("a"), Expr::Literal(Literal::Null)));
        assert_eq!(
            strip(p("id eq 3179E48A-750b-4051-897c-87b9720928f7")),
            bin(BinOp::Eq, path("id"), Expr::Literal(Literal::Guid("3179e48a-750b-4051-897c-87b9720928f7".into())))
        );
        assert_eq!(
            strip(p("id eq abcdef01-750b-4051-897c-87b9720928f7")),
            bin(BinOp::Eq, path("id"), Expr::Literal(Literal::Guid("abcdef01-750b-4051-897c-87b9720928f7".into())))
        );
        let e = strip(p("t ge 2024-01-31T10:00:00.5+01:00"));
        let Expr::Binary(BinOp::Ge, _, lit) = e else { panic!() };
        let Expr::Literal(Literal::DateTime(d)) = *lit else { panic!("{lit:?}") };
        assert_eq!(d.unix_timestamp(), 1706691600);
        assert!(
            matches!(strip(p("d eq 2024-01-31")), Expr::Binary(_, _, b) if matches!(*b, Expr::Literal(Literal::Date(_))))
        );
        assert_eq!(
            strip(p("phoneType eq microsoft.graph.authenticationPhoneType'mobile'")),
            bin(BinOp::Eq, path("phoneType"), s("mobile"))
        );
    }

    #[test]
    fn precedence_and_grouping() {
        // and binds tighter than or.
        assert_eq!(
            strip(p("a eq 1 or b eq 2 and c eq 3")),
            bin(
                BinOp::Or,
                bin(BinOp::Eq, path("a"), Expr::Literal(Literal::Number(1.0))),
                bin(
                    BinOp::And,
                    bin(BinOp::Eq, path("b"), Expr::Literal(Literal::Number(2.0))),
                    bin(BinOp::Eq, path("c"), Expr::Literal(Literal::Number(3.0)))
                )
            )
        );
        assert_eq!(
            strip(p("(a eq 1 or b eq 2) and c eq 3")),
            bin(
                BinOp::And,
                bin(
                    BinOp::Or,
                    bin(BinOp::Eq, path("a"), Expr::Literal(Literal::Number(1.0))),
                    bin(BinOp::Eq, path("b"), Expr::Literal(Literal::Number(2.0)))
                ),
                bin(BinOp::Eq, path("c"), Expr::Literal(Literal::Number(3.0)))
            )
        );
        // not binds tighter than and.
        assert_eq!(
            strip(p("not startswith(a,'x') and b eq 'y'")),
            bin(
                BinOp::And,
                Expr::Not(Box::new(Expr::Call(Func::StartsWith, vec![path("a"), s("x")]))),
                bin(BinOp::Eq, path("b"), s("y"))
            )
        );
        // relational tighter than equality.
        assert_eq!(
            strip(p("a gt 1 eq true")),
            bin(
                BinOp::Eq,
                bin(BinOp::Gt, path("a"), Expr::Literal(Literal::Number(1.0))),
                Expr::Literal(Literal::Bool(true))
            )
        );
        assert_eq!(strip(p("a/b in ('x', 'y')")), Expr::In(Box::new(path("a/b")), vec![s("x"), s("y")]));
    }

    #[test]
    fn lambdas() {
        let e = strip(p("proxyAddresses/any(x:startswith(x,'SMTP:'))"));
        assert_eq!(
            e,
            Expr::Lambda {
                kind: LambdaKind::Any,
                collection: Box::new(path("proxyAddresses")),
                variable: Some("x".into()),
                body: Some(Box::new(Expr::Call(Func::StartsWith, vec![path("x"), s("SMTP:")]))),
            }
        );
        assert_eq!(p("proxyAddresses/any(x:startswith(x,'a'))").root_properties(), vec![("proxyAddresses".into(), 0)]);
        assert_eq!(
            p("assignedLicenses/all(l: l/skuId eq 1 and other eq 2)").root_properties(),
            vec![("assignedLicenses".to_string(), 0), ("other".to_string(), 41)]
        );
        assert!(matches!(p("tags/any()"), Expr::Lambda { variable: None, .. }));
    }

    #[test]
    fn syntax_errors_have_positions() {
        let e = parse("displayName eq").unwrap_err();
        assert_eq!(e.position, 14);
        assert!(e.message.contains("Syntax error at position 14"), "{e}");
        let e = parse("a eq 'open").unwrap_err();
        assert_eq!(e.position, 5);
        assert!(e.message.contains("Unterminated"), "{e}");
        assert_eq!(parse("(a eq 1").unwrap_err().position, 7);
        assert_eq!(parse("a eq 1)").unwrap_err().position, 6);
        assert_eq!(parse("a eq 1 and").unwrap_err().position, 10);
        assert_eq!(parse("éé eq 1").unwrap_err().position, 0);
        assert_eq!(parse("a eq 'é' and # eq 1").unwrap_err().position, 13);
        let e = parse("a add 1 eq 2").unwrap_err();
        assert!(e.message.contains("'add' is not supported"), "{e}");
        let e = parse("foo(a) eq 1").unwrap_err();
        assert!(e.message.contains("unknown function with name 'foo'"), "{e}");
        let e = parse("startswith(a) eq 1").unwrap_err();
        assert!(e.message.contains("takes 2 argument(s), 1 given"), "{e}");
        assert!(parse("").is_err());
        assert!(parse("a in ()").is_err());
        assert!(parse("a in (b)").is_err());
        assert!(parse("a eq 1 eq").is_err());
        let deep = format!("{}a eq 1{}", "(".repeat(200), ")".repeat(200));
        assert!(parse(&deep).unwrap_err().message.contains("nested too deeply"));
        let nots = format!("{}a", "not ".repeat(200));
        assert!(parse(&nots).is_err());
        let chain = vec!["a eq 1"; 2000].join(" and ");
        assert!(parse(&chain).unwrap_err().message.contains("more than 500 operators"));
        let ok = vec!["a eq 1"; 100].join(" or ");
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn features() {
        assert_eq!(p("a eq 1").features(), Features::default());
        assert_eq!(p("a ne 1").features(), Features { ne: true, ..Default::default() });
        assert_eq!(p("not (a eq 1)").features(), Features { not: true, ..Default::default() });
        assert_eq!(p("endswith(mail,'x')").features(), Features { endswith: true, ..Default::default() });
    }

    #[test]
    fn evaluation() {
        let user = json!({
            "displayName": "Adele Vance", "givenName": "Adele", "age": 31, "accountEnabled": true,
            "mail": null, "proxyAddresses": ["SMTP:adele@contoso.com", "smtp:av@contoso.com"],
            "assignedLicenses": [{"skuId": "c7df2760-2c81-4ef7-b578-5b5392b571df"}],
            "createdDateTime": "2021-03-24T04:28:06.8227543Z",
            "id": "87D349ED-44D7-43E1-9A83-5F2406DEE5BD",
            "signInActivity": {"lastSignInDateTime": "2024-01-01T00:00:00Z"}
        });
        let t = |f: &str| matches(&p(f), &user).unwrap_or_else(|e| panic!("{f}: {e}"));
        assert!(t("displayName eq 'adele vance'"));
        assert!(t("displayName ne 'Alex'"));
        assert!(t("startswith(displayName,'ad')"));
        assert!(!t("startswith(displayName,'x')"));
        assert!(t("endswith(displayName,'VANCE')"));
        assert!(t("contains(displayName,'le va')"));
        assert!(t("givenName in ('Alex', 'Adele')"));
        assert!(!t("givenName in ('Alex')"));
        assert!(t("age gt 30 and age le 31"));
        assert!(t("age lt 30 or accountEnabled eq true"));
        assert!(t("accountEnabled"));
        assert!(t("not (age lt 30)"));
        assert!(!t("not startswith(givenName,'A')"));
        assert!(t("mail eq null"));
        assert!(t("missing eq null"));
        assert!(!t("mail ne null"));
        assert!(!t("mail gt 'a'"));
        assert!(t("id eq 87d349ed-44d7-43e1-9a83-5f2406dee5bd"));
        assert!(t("createdDateTime ge 2021-01-01T00:00:00Z"));
        assert!(t("createdDateTime lt 2022-01-01"));
        assert!(t("signInActivity/lastSignInDateTime gt 2023-06-01T00:00:00Z"));
        assert!(t("proxyAddresses/any(p:startswith(p,'smtp:av'))"));
        assert!(!t("proxyAddresses/all(p:startswith(p,'smtp:av'))"));
        assert!(t("proxyAddresses/all(p:contains(p,'@contoso.com'))"));
        assert!(t("assignedLicenses/any(l:l/skuId eq c7df2760-2c81-4ef7-b578-5b5392b571df)"));
        assert!(t("proxyAddresses/any()"));
        assert!(t("tolower(displayName) eq 'adele vance'"));
        assert!(t("length(givenName) eq 5"));
        assert!(t("toupper(givenName) eq 'ADELE'"));
        // Type errors are errors, not silent mismatches.
        assert!(matches(&p("displayName gt 5"), &user).is_err());
        assert!(matches(&p("displayName"), &user).is_err());
        assert!(matches(&p("startswith(age,'3')"), &user).is_err());
        assert!(matches(&p("proxyAddresses eq 'x'"), &user).is_err());
        assert!(matches(&p("displayName eq 2024-01-01T00:00:00Z"), &user).is_err());
    }
}
