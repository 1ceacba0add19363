//! The `$filter` parser: recursive descent over the grammar in the module docs, with limits
//! on nesting and size against hostile input.

use super::ast::{BinOp, Expr, FilterError, Func, LambdaKind, Literal};
use super::lexer::{Lexer, Tok};

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
    let mut lexer = Lexer::new(src);
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
        FilterError { position: pos, message: format!("Syntax error at position {pos} in '{}'", self.lexer.src()) }
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

#[cfg(test)]
mod tests {
    use super::super::ast::Features;
    use super::*;

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
    fn invalid_date_literals_are_errors_at_their_position() {
        let e = parse("t ge 2024-13-01T00:00:00Z").unwrap_err();
        assert_eq!(e.position, 10, "{e}");
        assert!(e.message.contains("Invalid date or datetime literal: there is no month 13"), "{e}");
        assert_eq!(parse("d eq 2023-02-29").unwrap_err().position, 13);
        assert_eq!(parse("t lt 2024-01-31T10:00:00").unwrap_err().position, 24);
        // Seconds are optional in OData's datetime literals.
        assert!(parse("t ge 2024-01-31T10:00Z").is_ok());
    }

    #[test]
    fn features() {
        assert_eq!(p("a eq 1").features(), Features::default());
        assert_eq!(p("a ne 1").features(), Features { ne: true, ..Default::default() });
        assert_eq!(p("not (a eq 1)").features(), Features { not: true, ..Default::default() });
        assert_eq!(p("endswith(mail,'x')").features(), Features { endswith: true, ..Default::default() });
    }
}
