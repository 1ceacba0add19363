//! OData URL pieces: percent-encoding of path segments and query values, the system query
//! options (`$select`, `$expand`, `$filter`, `$orderby`, `$top`, `$skip`, `$count`, `$search`,
//! `$format`), typed literals for `$filter` expressions, and `$search` quoting.
//!
//! ```
//! use msgraph_core::odata::{literal, percent_encode_segment, QueryOptions};
//!
//! assert_eq!(percent_encode_segment("a/b?c#d%e'f é"), "a%2Fb%3Fc%23d%25e%27f%20%C3%A9");
//! let filter = format!("surname eq {}", literal::string("O'Neil"));
//! assert_eq!(filter, "surname eq 'O''Neil'");
//! let mut q = QueryOptions::new();
//! q.set_filter(filter).set_top(5).set_count(true);
//! assert_eq!(q.to_query_string(), "$filter=surname%20eq%20%27O%27%27Neil%27&$top=5&$count=true");
//! assert!(q.needs_eventual_consistency());
//! ```

use crate::error::{Error, Result};

const HEX: &[u8; 16] = b"0123456789ABCDEF";

fn encode(s: &str, keep: &[u8], out: &mut String) {
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') || keep.contains(&b) {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
}

/// Characters left as they are in a path segment besides the unreserved ones: sub-delimiters
/// that are safe in Graph paths (`$value`, `$ref`, `delta()`, `root:`, `user@contoso.com`).
/// `/ ? # %`, `'`, `&`, `+`, spaces, controls and non-ASCII are encoded.
const SEGMENT_KEEP: &[u8] = b"!$()*,;=:@";

/// Characters left as they are in a query value besides the unreserved ones.
/// `& = + # %`, spaces, quotes (`"` and `'`: URL parsers encode `'` in queries anyway, so the
/// URL shown is the URL sent), controls and non-ASCII are encoded.
const QUERY_KEEP: &[u8] = b"!$()*,/:;@?";

/// Percent-encodes one path segment (an id, a user principal name, a file name): a `/` in an id
/// stays inside the segment, `?` and `#` do not start the query or fragment, `%` is not read as
/// an escape, `'` cannot end an OData literal, non-ASCII is UTF-8 percent-encoded.
pub fn percent_encode_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len() + 8);
    encode(segment, SEGMENT_KEEP, &mut out);
    out
}

/// Appends `/` and the encoded segment to a path.
pub fn push_segment(path: &mut String, segment: &str) {
    path.push('/');
    encode(segment, SEGMENT_KEEP, path);
}

/// Percent-encodes a query parameter value.
pub fn percent_encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 8);
    encode(value, QUERY_KEEP, &mut out);
    out
}

/// OData literals for `$filter` (and key or function parameter) expressions.
pub mod literal {
    use crate::edm::{Date, DateTimeOffset, Decimal, Guid, TimeOfDay};

    /// A string literal: single quotes, with `'` doubled. `O'Neil` → `'O''Neil'`.
    pub fn string(s: &str) -> String {
        let mut out = String::with_capacity(s.len() + 2);
        out.push('\'');
        for c in s.chars() {
            if c == '\'' {
                out.push('\'');
            }
            out.push(c);
        }
        out.push('\'');
        out
    }

    /// A GUID literal (unquoted in OData v4): `3179e48a-750b-4051-897c-87b9720928f7`.
    pub fn guid(g: &Guid) -> String {
        g.hyphenated().to_string()
    }

    /// A DateTimeOffset literal (unquoted RFC 3339): `2021-03-24T04:28:06Z`.
    pub fn datetime(d: &DateTimeOffset) -> String {
        d.to_string()
    }

    /// A Date literal: `2021-03-24`.
    pub fn date(d: &Date) -> String {
        d.to_string()
    }

    /// A TimeOfDay literal: `04:28:06`.
    pub fn time_of_day(t: &TimeOfDay) -> String {
        t.to_string()
    }

    /// `true` / `false`.
    pub fn bool(b: bool) -> &'static str {
        if b {
            "true"
        } else {
            "false"
        }
    }

    /// An integer.
    pub fn int(i: i64) -> String {
        i.to_string()
    }

    /// A floating-point number (`NaN`, `INF`, `-INF` for the special values).
    pub fn float(f: f64) -> String {
        if f.is_nan() {
            "NaN".to_string()
        } else if f.is_infinite() {
            if f > 0.0 { "INF" } else { "-INF" }.to_string()
        } else {
            format!("{f:?}")
        }
    }

    /// A decimal, exactly as held.
    pub fn decimal(d: &Decimal) -> String {
        d.as_str().to_string()
    }

    /// `null`.
    pub fn null() -> &'static str {
        "null"
    }

    /// An enum member as a string literal (how Graph accepts enum values in filters):
    /// `phoneType eq 'mobile'`.
    pub fn enum_member(member: &str) -> String {
        string(member)
    }
}

/// `$search` expressions: Graph wants quoted terms (`"displayName:kim"`).
pub mod search {
    /// A quoted phrase; `"` and `\` inside are escaped with `\`.
    pub fn quote(phrase: &str) -> String {
        let mut out = String::with_capacity(phrase.len() + 2);
        out.push('"');
        for c in phrase.chars() {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
        out.push('"');
        out
    }

    /// A property-scoped term: `"displayName:kim"`.
    pub fn term(property: &str, value: &str) -> String {
        quote(&format!("{property}:{value}"))
    }
}

/// The system query options of a request (plus custom parameters).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryOptions {
    select: Vec<String>,
    expand: Vec<String>,
    filter: Option<String>,
    order_by: Vec<String>,
    top: Option<u32>,
    skip: Option<u32>,
    count: Option<bool>,
    search: Option<String>,
    format: Option<String>,
    custom: Vec<(String, String)>,
}

impl QueryOptions {
    /// No options.
    pub fn new() -> QueryOptions {
        QueryOptions::default()
    }

    /// Adds properties to `$select`.
    pub fn add_select(&mut self, properties: &[&str]) -> &mut QueryOptions {
        self.select.extend(properties.iter().map(|p| p.to_string()));
        self
    }

    /// Adds navigation properties (with nested options, e.g. `manager($select=id)`) to `$expand`.
    pub fn add_expand(&mut self, properties: &[&str]) -> &mut QueryOptions {
        self.expand.extend(properties.iter().map(|p| p.to_string()));
        self
    }

    /// Sets `$filter` (build literals with [`literal`]).
    pub fn set_filter(&mut self, filter: impl Into<String>) -> &mut QueryOptions {
        self.filter = Some(filter.into());
        self
    }

    /// Adds `$orderby` clauses (`displayName desc`).
    pub fn add_order_by(&mut self, clauses: &[&str]) -> &mut QueryOptions {
        self.order_by.extend(clauses.iter().map(|p| p.to_string()));
        self
    }

    /// Sets `$top`.
    pub fn set_top(&mut self, n: u32) -> &mut QueryOptions {
        self.top = Some(n);
        self
    }

    /// Sets `$skip`.
    pub fn set_skip(&mut self, n: u32) -> &mut QueryOptions {
        self.skip = Some(n);
        self
    }

    /// Sets `$count`.
    pub fn set_count(&mut self, count: bool) -> &mut QueryOptions {
        self.count = Some(count);
        self
    }

    /// Sets `$search`. A value without any `"` is quoted for you (`displayName:kim` →
    /// `"displayName:kim"`); build compound expressions with [`search::quote`].
    pub fn set_search(&mut self, search: impl Into<String>) -> &mut QueryOptions {
        let s: String = search.into();
        self.search = Some(if s.contains('"') { s } else { search::quote(&s) });
        self
    }

    /// Sets `$format`.
    pub fn set_format(&mut self, format: impl Into<String>) -> &mut QueryOptions {
        self.format = Some(format.into());
        self
    }

    /// Adds a custom query parameter (name and value are encoded).
    pub fn add_custom(&mut self, name: impl Into<String>, value: impl Into<String>) -> Result<&mut QueryOptions> {
        let name = name.into();
        if name.is_empty() {
            return Err(Error::validation("empty query parameter name"));
        }
        self.custom.push((name, value.into()));
        Ok(self)
    }

    /// Whether no option is set.
    pub fn is_empty(&self) -> bool {
        *self == QueryOptions::default()
    }

    /// `$count=true` or `$search` need `ConsistencyLevel: eventual` on directory objects.
    pub fn needs_eventual_consistency(&self) -> bool {
        self.count == Some(true) || self.search.is_some()
    }

    /// `$select` properties.
    pub fn select(&self) -> &[String] {
        &self.select
    }

    /// `$expand` items.
    pub fn expand(&self) -> &[String] {
        &self.expand
    }

    /// `$filter`.
    pub fn filter(&self) -> Option<&str> {
        self.filter.as_deref()
    }

    /// `$orderby` clauses.
    pub fn order_by(&self) -> &[String] {
        &self.order_by
    }

    /// `$top`.
    pub fn top(&self) -> Option<u32> {
        self.top
    }

    /// `$skip`.
    pub fn skip(&self) -> Option<u32> {
        self.skip
    }

    /// `$count`.
    pub fn count(&self) -> Option<bool> {
        self.count
    }

    /// `$search` (quoted).
    pub fn search(&self) -> Option<&str> {
        self.search.as_deref()
    }

    /// Appends the encoded query (no leading `?`; `&`-separated) to `out`.
    pub fn write_query(&self, out: &mut String) {
        let mut first = out.is_empty() || out.ends_with('?') || out.ends_with('&');
        let mut param = |out: &mut String, name: &str, value: &str| {
            if !first {
                out.push('&');
            }
            first = false;
            encode(name, b"$", out);
            out.push('=');
            encode(value, QUERY_KEEP, out);
        };
        if !self.select.is_empty() {
            param(out, "$select", &self.select.join(","));
        }
        if !self.expand.is_empty() {
            param(out, "$expand", &self.expand.join(","));
        }
        if let Some(f) = &self.filter {
            param(out, "$filter", f);
        }
        if !self.order_by.is_empty() {
            param(out, "$orderby", &self.order_by.join(","));
        }
        if let Some(n) = self.top {
            param(out, "$top", &n.to_string());
        }
        if let Some(n) = self.skip {
            param(out, "$skip", &n.to_string());
        }
        if let Some(c) = self.count {
            param(out, "$count", if c { "true" } else { "false" });
        }
        if let Some(s) = &self.search {
            param(out, "$search", s);
        }
        if let Some(f) = &self.format {
            param(out, "$format", f);
        }
        for (k, v) in &self.custom {
            param(out, k, v);
        }
    }

    /// The encoded query without a leading `?` (empty when no option is set).
    pub fn to_query_string(&self) -> String {
        let mut s = String::new();
        self.write_query(&mut s);
        s
    }
}

/// Writes `{base}{path}?{query}`.
pub(crate) fn join_url(base: &str, path: &str, query: &QueryOptions) -> String {
    let mut url = String::with_capacity(base.len() + path.len() + 64);
    url.push_str(base);
    url.push_str(path);
    if !query.is_empty() {
        url.push(if path.contains('?') { '&' } else { '?' });
        query.write_query(&mut url);
    }
    url
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn segments_encode_what_must_be_encoded() {
        assert_eq!(percent_encode_segment("AAMkAGI2-_.~"), "AAMkAGI2-_.~");
        assert_eq!(percent_encode_segment("a/b"), "a%2Fb");
        assert_eq!(percent_encode_segment("a?b#c"), "a%3Fb%23c");
        assert_eq!(percent_encode_segment("100%"), "100%25");
        assert_eq!(percent_encode_segment("O'Neil@contoso.com"), "O%27Neil@contoso.com");
        assert_eq!(percent_encode_segment("Zoë 日本"), "Zo%C3%AB%20%E6%97%A5%E6%9C%AC");
        assert_eq!(percent_encode_segment("a+b&c"), "a%2Bb%26c");
        assert_eq!(percent_encode_segment("$value"), "$value");
        assert_eq!(percent_encode_segment("delta()"), "delta()");
        assert_eq!(percent_encode_segment("\u{0}\n\"<>\\^`{|}"), "%00%0A%22%3C%3E%5C%5E%60%7B%7C%7D");
        let mut p = String::from("/users");
        push_segment(&mut p, "x/y");
        assert_eq!(p, "/users/x%2Fy");
        // Round trip through a URL parser: one segment, same bytes.
        let url = url::Url::parse(&format!("https://h/{}", percent_encode_segment("a/b?c#d%e'f é"))).unwrap();
        assert_eq!(url.path_segments().unwrap().count(), 1);
        assert_eq!(url.query(), None);
        assert_eq!(url.fragment(), None);
    }

    #[test]
    fn literals() {
        assert_eq!(literal::string("O'Neil"), "'O''Neil'");
        assert_eq!(literal::string("''"), "''''''");
        assert_eq!(literal::string(""), "''");
        let g = uuid::Uuid::parse_str("3179e48a-750b-4051-897c-87b9720928f7").unwrap();
        assert_eq!(literal::guid(&g), "3179e48a-750b-4051-897c-87b9720928f7");
        let d: crate::edm::DateTimeOffset = "2021-03-24T04:28:06.8227543Z".parse().unwrap();
        assert_eq!(literal::datetime(&d), "2021-03-24T04:28:06.8227543Z");
        let day: crate::edm::Date = "2021-03-24".parse().unwrap();
        assert_eq!(literal::date(&day), "2021-03-24");
        assert_eq!(literal::bool(true), "true");
        assert_eq!(literal::int(-5), "-5");
        assert_eq!(literal::float(1.5), "1.5");
        assert_eq!(literal::float(f64::NEG_INFINITY), "-INF");
        assert_eq!(literal::null(), "null");
        assert_eq!(literal::enum_member("mobile"), "'mobile'");
        assert_eq!(search::quote(r#"a "b" \c"#), r#""a \"b\" \\c""#);
        assert_eq!(search::term("displayName", "kim"), "\"displayName:kim\"");
    }

    #[test]
    fn query_strings() {
        let mut q = QueryOptions::new();
        assert_eq!(q.to_query_string(), "");
        q.add_select(&["id", "displayName"])
            .add_expand(&["manager($select=id)"])
            .set_filter(format!("startswith(displayName,{})", literal::string("A&B = C+D #1 100%")))
            .add_order_by(&["displayName desc"])
            .set_top(10)
            .set_skip(20)
            .set_count(true)
            .set_search("displayName:kim")
            .set_format("json");
        q.add_custom("x-param", "a b").unwrap();
        assert_eq!(
            q.to_query_string(),
            "$select=id,displayName&$expand=manager($select%3Did)\
             &$filter=startswith(displayName,%27A%26B%20%3D%20C%2BD%20%231%20100%25%27)\
             &$orderby=displayName%20desc&$top=10&$skip=20&$count=true\
             &$search=%22displayName:kim%22&$format=json&x-param=a%20b"
        );
        assert!(q.needs_eventual_consistency());
        let mut q = QueryOptions::new();
        q.set_search(r#""a" OR "b""#);
        assert_eq!(q.search(), Some(r#""a" OR "b""#));
        assert!(QueryOptions::new().add_custom("", "x").is_err());
        let mut q = QueryOptions::new();
        q.set_count(false);
        assert!(!q.needs_eventual_consistency());
        assert_eq!(join_url("https://g/v1.0", "/me", &q), "https://g/v1.0/me?$count=false");
    }
}
