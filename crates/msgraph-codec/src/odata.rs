//! OData URL pieces without I/O: percent-encoding of path segments and query values, typed
//! literals for `$filter` expressions and key/function parameters, and `$search` quoting.
//!
//! ```
//! use msgraph_codec::odata::{literal, percent_encode_segment};
//!
//! assert_eq!(percent_encode_segment("a/b?c#d%e'f é"), "a%2Fb%3Fc%23d%25e%27f%20%C3%A9");
//! let filter = format!("surname eq {}", literal::string("O'Neil"));
//! assert_eq!(filter, "surname eq 'O''Neil'");
//! ```

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

/// Percent-encodes a key (an id given by the caller) as one path segment: everything except
/// RFC 3986 unreserved characters (`A-Z a-z 0-9 - . _ ~`) is encoded, so the key is only a key
/// — `delta()` is not the delta function, `$count` / `$ref` / `$value` are not those
/// segments, `a/b` stays one segment. (Path segments the SDK writes itself use
/// [`percent_encode_segment`], which keeps `$ ( ) : @ …` as Graph's syntax.) An id made only of
/// unreserved characters goes out as it is: one that equals a qualified type name
/// (`microsoft.graph.user`) or an operation name without parentheses (`delta`) still reads as
/// that cast or operation on the server.
///
/// ```
/// use msgraph_codec::odata::percent_encode_key;
///
/// assert_eq!(percent_encode_key("delta()"), "delta%28%29");
/// assert_eq!(percent_encode_key("$count"), "%24count");
/// assert_eq!(percent_encode_key("AdeleV@contoso.com"), "AdeleV%40contoso.com");
/// ```
pub fn percent_encode_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 8);
    encode(key, b"", &mut out);
    out
}

/// Appends `/` and the encoded key ([`percent_encode_key`]) to a path.
pub fn push_key_segment(path: &mut String, key: &str) {
    path.push('/');
    encode(key, b"", path);
}

/// Percent-encodes a query parameter value.
pub fn percent_encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 8);
    encode(value, QUERY_KEEP, &mut out);
    out
}

/// Appends a percent-encoded query parameter name to `out` (`$` of system options kept).
pub fn push_query_name(name: &str, out: &mut String) {
    encode(name, b"$", out);
}

/// Appends a percent-encoded query parameter value to `out`.
pub fn push_query_value(value: &str, out: &mut String) {
    encode(value, QUERY_KEEP, out);
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

#[cfg(test)]
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
        // Keys: only unreserved characters stay.
        for (key, encoded) in [
            ("delta()", "delta%28%29"),
            ("$count", "%24count"),
            ("$ref", "%24ref"),
            ("$value", "%24value"),
            ("a!*,;=:@'b", "a%21%2A%2C%3B%3D%3A%40%27b"),
            ("AAMk-_.~9", "AAMk-_.~9"),
            ("a/b é", "a%2Fb%20%C3%A9"),
        ] {
            assert_eq!(percent_encode_key(key), encoded);
        }
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
}
