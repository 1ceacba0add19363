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
//!
//! [`ast`] is the parsed form, [`lexer`] and [`parser`] read the text, [`eval`] applies an
//! expression to an entity.

mod ast;
mod eval;
mod lexer;
mod parser;

pub(crate) use ast::Expr;
pub(crate) use eval::matches;
pub(crate) use parser::parse;
