//! OData system query options: parsing (`$select`, `$filter`, `$orderby`, `$top`, `$skip`,
//! `$count`, `$search`, `$skiptoken`, ...) and applying them to JSON collections.

pub(crate) mod filter;

use std::cmp::Ordering;

use serde_json::Value;

use crate::errors::{truncate, GraphError};

/// Graph's maximum page size.
pub(crate) const MAX_TOP: usize = 999;

/// One `$orderby` item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OrderBy {
    pub(crate) path: Vec<String>,
    pub(crate) descending: bool,
}

/// How `$search` clauses combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SearchJoin {
    And,
    Or,
}

/// A parsed `$search`: `"prop:words"` clauses joined by `AND` or `OR`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Search {
    /// `(property or None for any string property, words)`.
    pub(crate) clauses: Vec<(Option<String>, Vec<String>)>,
    pub(crate) join: SearchJoin,
}

impl Search {
    /// Whether an entity matches: each word of a clause must prefix-match a token of the
    /// property (tokens are split on anything that is not a letter or digit; case-insensitive).
    pub(crate) fn matches(&self, entity: &Value) -> bool {
        let clause_matches = |(prop, words): &(Option<String>, Vec<String>)| -> bool {
            let texts: Vec<&str> = match prop {
                Some(p) => entity.get(p.as_str()).and_then(Value::as_str).into_iter().collect(),
                None => entity.as_object().map(|m| m.values().filter_map(Value::as_str).collect()).unwrap_or_default(),
            };
            texts.iter().any(|text| {
                let lower = text.to_lowercase();
                let tokens: Vec<&str> = lower.split(|c: char| !c.is_alphanumeric()).filter(|t| !t.is_empty()).collect();
                words.iter().all(|w| tokens.iter().any(|t| t.starts_with(w.as_str())) || lower.starts_with(w.as_str()))
            })
        };
        match self.join {
            SearchJoin::And => self.clauses.iter().all(clause_matches),
            SearchJoin::Or => self.clauses.iter().any(clause_matches),
        }
    }
}

/// The parsed query options of one request.
#[derive(Debug, Clone, Default)]
pub(crate) struct QueryOptions {
    pub(crate) select: Option<Vec<String>>,
    /// The raw text and the parsed expression.
    pub(crate) filter: Option<(String, filter::Expr)>,
    pub(crate) orderby: Vec<OrderBy>,
    pub(crate) top: Option<usize>,
    pub(crate) skip: Option<usize>,
    pub(crate) count: bool,
    pub(crate) search: Option<Search>,
    pub(crate) expand: Option<String>,
    pub(crate) skiptoken: Option<String>,
    /// `$deltatoken` (only valid on `delta`).
    pub(crate) deltatoken: Option<String>,
    /// `$id`: the entity URL of `DELETE …/{collection}/$ref?$id=…` (only valid there).
    pub(crate) id: Option<String>,
    /// The raw `name=value` pieces of the query string other than `$skiptoken` and
    /// `$deltatoken`, in order, exactly as received (next and delta links are built from them
    /// without re-encoding).
    pub(crate) raw_without_skiptoken: Vec<String>,
    /// Decoded `(name, value)` pairs other than `$skiptoken` and `$deltatoken` (for the paging
    /// fingerprint).
    pub(crate) decoded_without_skiptoken: Vec<(String, String)>,
    /// Whether any system query option that only makes sense on a collection was given.
    pub(crate) has_collection_options: bool,
}

fn decode_component(s: &str) -> String {
    // Query strings: '+' is a space, then percent-decoding (invalid UTF-8 is replaced).
    let spaced = s.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced).decode_utf8_lossy().into_owned()
}

/// Parses a raw query string (without the `?`).
pub(crate) fn parse_query(raw: &str) -> Result<QueryOptions, GraphError> {
    let mut q = QueryOptions::default();
    let mut seen: Vec<String> = Vec::new();
    for piece in raw.split('&').filter(|p| !p.is_empty()) {
        let (raw_name, raw_value) = piece.split_once('=').unwrap_or((piece, ""));
        let name = decode_component(raw_name);
        let value = decode_component(raw_value);
        let lname = name.to_ascii_lowercase();
        if lname != "$skiptoken" && lname != "$deltatoken" {
            q.raw_without_skiptoken.push(piece.to_string());
            q.decoded_without_skiptoken.push((name.clone(), value.clone()));
        }
        if !lname.starts_with('$') {
            continue; // custom query parameters are ignored, as Graph does
        }
        if seen.contains(&lname) {
            return Err(GraphError::bad_request(format!(
                "Query option '{}' was specified more than once, but it must be specified at most once.",
                truncate(&name, 50)
            )));
        }
        seen.push(lname.clone());
        match lname.as_str() {
            "$select" => {
                let mut props = Vec::new();
                for item in value.split(',') {
                    let item = item.trim();
                    if item.is_empty()
                        || !item.chars().all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '@' | '/' | '*'))
                    {
                        return Err(GraphError::bad_request(format!(
                            "Invalid $select clause: '{}' is not a property name.",
                            truncate(item, 100)
                        )));
                    }
                    props.push(item.to_string());
                }
                q.select = Some(props);
            }
            "$filter" => {
                let expr = filter::parse(&value).map_err(|e| {
                    let message = if e.message.starts_with("Syntax error") {
                        format!("Invalid filter clause: {}.", e.message)
                    } else {
                        format!(
                            "Invalid filter clause: {} at position {} in '{}'.",
                            e.message,
                            e.position,
                            truncate(&value, 300)
                        )
                    };
                    GraphError::bad_request(message)
                })?;
                q.filter = Some((value, expr));
                q.has_collection_options = true;
            }
            "$orderby" => {
                q.orderby = parse_orderby(&value)?;
                q.has_collection_options = true;
            }
            "$top" => {
                let n = parse_count_value("$top", &value)?;
                if n == 0 || n > MAX_TOP {
                    return Err(GraphError::bad_request(format!(
                        "Invalid page size specified: '{n}'. Must be between 1 and {MAX_TOP} inclusive."
                    ))
                    .with_inner("Request_UnsupportedQuery"));
                }
                q.top = Some(n);
                q.has_collection_options = true;
            }
            "$skip" => {
                q.skip = Some(parse_count_value("$skip", &value)?);
                q.has_collection_options = true;
            }
            "$count" => {
                q.count = match value.to_ascii_lowercase().as_str() {
                    "true" => true,
                    "false" => false,
                    _ => {
                        return Err(GraphError::bad_request(format!(
                            "'{}' is not a valid count option: use true or false.",
                            truncate(&value, 50)
                        )))
                    }
                };
                q.has_collection_options = true;
            }
            "$search" => {
                q.search = Some(parse_search(&value)?);
                q.has_collection_options = true;
            }
            "$expand" => q.expand = Some(value),
            "$skiptoken" => q.skiptoken = Some(value),
            "$deltatoken" => q.deltatoken = Some(value),
            "$id" => q.id = Some(value),
            "$format" => {
                if !value.eq_ignore_ascii_case("json") && !value.starts_with("application/json") {
                    return Err(GraphError::bad_request(format!(
                        "The $format value '{}' is not supported: only json.",
                        truncate(&value, 50)
                    )));
                }
            }
            "$apply" | "$compute" | "$levels" | "$index" | "$schemaversion" => {
                return Err(GraphError::not_implemented(format!(
                    "The query option '{name}' is valid OData but is not supported by the emulator."
                )));
            }
            _ => {
                return Err(GraphError::bad_request(format!(
                    "The query parameter '{}' is not supported.",
                    truncate(&name, 50)
                )))
            }
        }
    }
    Ok(q)
}

fn parse_count_value(option: &str, value: &str) -> Result<usize, GraphError> {
    value.trim().parse::<usize>().map_err(|_| {
        GraphError::bad_request(format!(
            "Invalid value '{}' for {option} query option found. The {option} query option requires a non-negative integer value.",
            truncate(value, 50)
        ))
    })
}

fn parse_orderby(value: &str) -> Result<Vec<OrderBy>, GraphError> {
    let mut out = Vec::new();
    for item in value.split(',') {
        let mut words = item.split_whitespace();
        let Some(path) = words.next() else {
            return Err(GraphError::bad_request(format!("Invalid $orderby clause: '{}'.", truncate(value, 200))));
        };
        let descending = match words.next().map(str::to_ascii_lowercase).as_deref() {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(other) => {
                return Err(GraphError::bad_request(format!(
                    "Invalid $orderby clause: expected 'asc' or 'desc' after '{}', found '{}'.",
                    truncate(path, 100),
                    truncate(other, 50)
                )))
            }
        };
        if words.next().is_some()
            || !path.split('/').all(|s| !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || c == '_'))
        {
            return Err(GraphError::bad_request(format!("Invalid $orderby clause: '{}'.", truncate(item, 200))));
        }
        out.push(OrderBy { path: path.split('/').map(String::from).collect(), descending });
    }
    Ok(out)
}

/// Parses `"displayName:kim" AND "mail:kim"` (quotes required, as Graph does).
pub(crate) fn parse_search(value: &str) -> Result<Search, GraphError> {
    let err = |why: &str| {
        GraphError::bad_request(format!(
            "Syntax error in $search '{}': {why}. Values are quoted: $search=\"displayName:kim\".",
            truncate(value, 200)
        ))
    };
    let mut clauses = Vec::new();
    let mut join: Option<SearchJoin> = None;
    let mut rest = value.trim();
    loop {
        let Some(after) = rest.strip_prefix('"') else { return Err(err("expected a quoted clause")) };
        let Some(end) = after.find('"') else { return Err(err("unterminated quote")) };
        let clause = &after[..end];
        let (prop, text) = match clause.split_once(':') {
            Some((p, t)) if !p.is_empty() && p.chars().all(|c| c.is_alphanumeric() || c == '_') => {
                (Some(p.to_string()), t)
            }
            _ => (None, clause),
        };
        let words: Vec<String> = text
            .to_lowercase()
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(String::from)
            .collect();
        if words.is_empty() {
            return Err(err("empty search term"));
        }
        clauses.push((prop, words));
        rest = after[end + 1..].trim_start();
        if rest.is_empty() {
            break;
        }
        let (op, tail) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        let this = match op {
            "AND" => SearchJoin::And,
            "OR" => SearchJoin::Or,
            _ => return Err(err("expected AND or OR between clauses")),
        };
        if join.is_some_and(|j| j != this) {
            return Err(err("mixing AND and OR is not supported by the emulator"));
        }
        join = Some(this);
        rest = tail.trim_start();
    }
    Ok(Search { clauses, join: join.unwrap_or(SearchJoin::And) })
}

/// Orders JSON values as OData does: null first, then by type-appropriate comparison; strings
/// case-insensitively.
pub(crate) fn compare_json(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    let rank = |v: Option<&Value>| match v {
        None | Some(Value::Null) => 0,
        Some(Value::Bool(_)) => 1,
        Some(Value::Number(_)) => 2,
        Some(Value::String(_)) => 3,
        Some(_) => 4,
    };
    match (a, b) {
        (Some(Value::Bool(x)), Some(Value::Bool(y))) => x.cmp(y),
        (Some(Value::Number(x)), Some(Value::Number(y))) => {
            x.as_f64().unwrap_or(0.0).partial_cmp(&y.as_f64().unwrap_or(0.0)).unwrap_or(Ordering::Equal)
        }
        (Some(Value::String(x)), Some(Value::String(y))) => {
            x.to_lowercase().cmp(&y.to_lowercase()).then_with(|| x.cmp(y))
        }
        _ => rank(a).cmp(&rank(b)),
    }
}

/// The value at a property path.
pub(crate) fn value_at<'a>(v: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(v, |cur, seg| cur.get(seg.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_options() {
        let q = parse_query("$select=id,displayName&$top=5&$skip=2&$count=true&$orderby=displayName%20desc,id&foo=bar")
            .unwrap();
        assert_eq!(q.select, Some(vec!["id".to_string(), "displayName".to_string()]));
        assert_eq!(q.top, Some(5));
        assert_eq!(q.skip, Some(2));
        assert!(q.count);
        assert_eq!(
            q.orderby,
            vec![
                OrderBy { path: vec!["displayName".into()], descending: true },
                OrderBy { path: vec!["id".into()], descending: false }
            ]
        );
        assert_eq!(q.raw_without_skiptoken.len(), 6);
        let q = parse_query("$filter=startswith(displayName,%27a%2Bb%27)+and+x+eq+1&$skiptoken=abc").unwrap();
        let (raw, _) = q.filter.unwrap();
        assert_eq!(raw, "startswith(displayName,'a+b') and x eq 1");
        assert_eq!(q.skiptoken.as_deref(), Some("abc"));
        assert_eq!(q.raw_without_skiptoken, vec!["$filter=startswith(displayName,%27a%2Bb%27)+and+x+eq+1".to_string()]);
        // Option names are case-insensitive.
        assert_eq!(parse_query("$TOP=3").unwrap().top, Some(3));
    }

    #[test]
    fn rejects_bad_options() {
        let msg = |s: &str| parse_query(s).unwrap_err().message;
        assert!(msg("$top=-1").contains("non-negative integer"));
        assert!(msg("$top=abc").contains("non-negative integer"));
        assert!(msg("$top=1000").contains("between 1 and 999"));
        assert!(msg("$top=1&$top=2").contains("more than once"));
        assert!(msg("$count=yes").contains("not a valid count"));
        assert!(msg("$bogus=1").contains("'$bogus' is not supported"));
        assert!(msg("$filter=a eq").contains("Syntax error at position 4"));
        assert!(msg("$orderby=a sideways").contains("expected 'asc' or 'desc'"));
        assert!(msg("$select=a,,b").contains("Invalid $select"));
        assert!(msg("$search=kim").contains("quoted"));
        assert_eq!(parse_query("$apply=x").unwrap_err().status, hyper::StatusCode::NOT_IMPLEMENTED);
    }

    #[test]
    fn search() {
        let s = parse_search("\"displayName:ad\"").unwrap();
        assert!(s.matches(&json!({"displayName": "Adele Vance"})));
        assert!(s.matches(&json!({"displayName": "Mr. Adams"})));
        assert!(!s.matches(&json!({"displayName": "Megan Bowen"})));
        let s = parse_search("\"displayName:meg\" OR \"mail:alex\"").unwrap();
        assert!(s.matches(&json!({"displayName": "Megan Bowen"})));
        assert!(s.matches(&json!({"displayName": "x", "mail": "alexw@contoso.com"})));
        let s = parse_search("\"displayName:meg\" AND \"mail:alex\"").unwrap();
        assert!(!s.matches(&json!({"displayName": "Megan Bowen"})));
        assert!(parse_search("\"a:b\" AND \"c:d\" OR \"e:f\"").is_err());
        assert!(parse_search("\"a:b").is_err());
        assert!(parse_search("\"a:\"").is_err());
    }

    #[test]
    fn ordering() {
        use std::cmp::Ordering::*;
        assert_eq!(compare_json(None, Some(&json!("a"))), Less);
        assert_eq!(compare_json(Some(&json!("b")), Some(&json!("A"))), Greater);
        assert_eq!(compare_json(Some(&json!(2)), Some(&json!(10))), Less);
    }
}
