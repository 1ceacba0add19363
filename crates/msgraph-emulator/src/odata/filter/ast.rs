//! The parsed form of a `$filter` expression, and what the handler asks it: which
//! advanced-query features it uses and which properties it names.

use std::fmt;

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
    pub(super) fn from_name(name: &str) -> Option<Func> {
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

    pub(super) fn arity(self) -> usize {
        match self {
            Func::StartsWith | Func::EndsWith | Func::Contains => 2,
            Func::ToLower | Func::ToUpper | Func::Length | Func::Trim => 1,
        }
    }

    pub(super) fn name(self) -> &'static str {
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
