//! Evaluating a `$filter` expression against a rendered entity (JSON). Type mismatches are
//! errors, not silent non-matches.

use std::cmp::Ordering;

use serde_json::Value;
use time::OffsetDateTime;

use super::ast::{BinOp, Expr, Func, LambdaKind, Literal};
use crate::validate::datetime;

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
    datetime::date_time_offset(s).ok()
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
            let parsed = parse_datetime(s).map(|x| x.date()).or_else(|| datetime::date(s).ok());
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
    use super::super::parser::parse;
    use super::*;
    use serde_json::json;

    fn p(s: &str) -> Expr {
        parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
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
