//! The OData system query options of a request (`$select`, `$expand`, `$filter`, `$orderby`,
//! `$top`, `$skip`, `$count`, `$search`, `$format`, plus custom parameters) and how they are
//! joined onto a URL.
//!
//! ```
//! use msgraph_codec::odata::literal;
//! use msgraph_core::query::QueryOptions;
//!
//! let mut q = QueryOptions::new();
//! q.set_filter(format!("surname eq {}", literal::string("O'Neil"))).set_top(5).set_count(true);
//! assert_eq!(q.to_query_string(), "$filter=surname%20eq%20%27O%27%27Neil%27&$top=5&$count=true");
//! assert!(q.needs_eventual_consistency());
//! ```

use msgraph_codec::odata::{push_query_name, push_query_value};

use crate::error::{Error, Result};

/// The system query options of a request (plus custom parameters).
///
/// `Debug` shows the system options and the names of custom parameters, not their values: a
/// custom parameter may be the credential of a pre-authenticated URL (`tempauth`, `sig`).
#[derive(Clone, Default, PartialEq, Eq)]
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

impl std::fmt::Debug for QueryOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("QueryOptions");
        for (name, list) in [("select", &self.select), ("expand", &self.expand), ("order_by", &self.order_by)] {
            if !list.is_empty() {
                d.field(name, list);
            }
        }
        for (name, value) in [("filter", &self.filter), ("search", &self.search), ("format", &self.format)] {
            if let Some(v) = value {
                d.field(name, v);
            }
        }
        if let Some(v) = self.top {
            d.field("top", &v);
        }
        if let Some(v) = self.skip {
            d.field("skip", &v);
        }
        if let Some(v) = self.count {
            d.field("count", &v);
        }
        if !self.custom.is_empty() {
            let names: Vec<String> = self.custom.iter().map(|(k, _)| format!("{k}=…")).collect();
            d.field("custom", &names);
        }
        d.finish()
    }
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

    /// Sets `$filter` (build literals with [`literal`](msgraph_codec::odata::literal)).
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
    /// `"displayName:kim"`); build compound expressions with
    /// [`search::quote`](msgraph_codec::odata::search::quote).
    pub fn set_search(&mut self, search: impl Into<String>) -> &mut QueryOptions {
        let s: String = search.into();
        self.search = Some(if s.contains('"') { s } else { msgraph_codec::odata::search::quote(&s) });
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
            push_query_name(name, out);
            out.push('=');
            push_query_value(value, out);
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
mod tests {
    use msgraph_codec::odata::literal;

    use super::*;

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
