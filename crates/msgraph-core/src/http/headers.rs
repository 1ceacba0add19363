//! [`Headers`]: an ordered, case-insensitive, validated header list whose `Debug` redacts
//! credentials; and [`parse_retry_after`], for the one header the retry policy and the errors
//! read.

use std::borrow::Cow;
use std::fmt;
use std::time::{Duration, SystemTime};

use crate::error::{Error, Result};

/// Header names whose values are never printed.
const SENSITIVE: [&str; 5] = ["authorization", "proxy-authorization", "cookie", "set-cookie", "x-ms-upload-token"];

/// Whether a header's value must be redacted when printed.
pub fn is_sensitive_header(name: &str) -> bool {
    SENSITIVE.iter().any(|s| s.eq_ignore_ascii_case(name))
}

/// An ordered, case-insensitive list of headers. Names are stored in lowercase; names and
/// values are validated on insertion (no CR/LF injection). `Debug` redacts credentials.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Headers {
    entries: Vec<(Cow<'static, str>, String)>,
}

fn validate_name(name: &str) -> Result<()> {
    let ok = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(Error::validation(format!("invalid header name {name:?}")))
    }
}

fn validate_value(name: &str, value: &str) -> Result<()> {
    if value.bytes().all(|b| b == b'\t' || (0x20..0x7f).contains(&b)) {
        Ok(())
    } else {
        // Never echo the value: it may be a credential.
        Err(Error::validation(format!(
            "invalid value for header {name:?}: only visible ASCII, space and tab are allowed"
        )))
    }
}

fn lower(name: impl Into<Cow<'static, str>>) -> Cow<'static, str> {
    let name = name.into();
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(name.to_ascii_lowercase())
    } else {
        name
    }
}

impl Headers {
    /// No headers.
    pub fn new() -> Headers {
        Headers { entries: Vec::new() }
    }

    /// The first value of `name` (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.entries.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Every value of `name`.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.entries.iter().filter(move |(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Whether `name` is present.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Sets `name` to `value`, replacing earlier values.
    pub fn insert(&mut self, name: impl Into<Cow<'static, str>>, value: impl Into<String>) -> Result<()> {
        let name = lower(name);
        let value = value.into();
        validate_name(&name)?;
        validate_value(&name, &value)?;
        self.remove(&name);
        self.entries.push((name, value));
        Ok(())
    }

    /// Adds a value for `name`, keeping earlier ones.
    pub fn append(&mut self, name: impl Into<Cow<'static, str>>, value: impl Into<String>) -> Result<()> {
        let name = lower(name);
        let value = value.into();
        validate_name(&name)?;
        validate_value(&name, &value)?;
        self.entries.push((name, value));
        Ok(())
    }

    /// Sets a header this crate produces itself (a lowercase static name; a constant, a number,
    /// a UUID, a range) without checking it here. Values from outside — tokens, options,
    /// caller headers — go through [`Headers::insert`] where they enter, and the pipeline checks
    /// every header again before the transport ([`Headers::check`]), so an invalid value is an
    /// error naming its header, never a panic and never sent.
    pub(crate) fn set_static(&mut self, name: &'static str, value: impl Into<String>) {
        self.remove(name);
        self.entries.push((Cow::Borrowed(name), value.into()));
    }

    /// Checks every name and value (what [`Headers::insert`] checks): the error names the first
    /// invalid header, never its value.
    pub fn check(&self) -> Result<()> {
        for (k, v) in &self.entries {
            validate_name(k)?;
            validate_value(k, v)?;
        }
        Ok(())
    }

    /// Appends a header received from the network: invalid names are skipped, values kept as
    /// received (lossy UTF-8).
    pub(crate) fn push_received(&mut self, name: &str, value: String) {
        if validate_name(name).is_ok() {
            self.entries.push((Cow::Owned(name.to_ascii_lowercase()), value));
        }
    }

    /// Removes every value of `name`; returns whether there was one.
    pub fn remove(&mut self, name: &str) -> bool {
        let before = self.entries.len();
        self.entries.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        before != self.entries.len()
    }

    /// `(name, value)` pairs in order; names in lowercase.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(k, v)| (k.as_ref(), v.as_str()))
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// No headers.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl fmt::Debug for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut m = f.debug_map();
        for (k, v) in &self.entries {
            if is_sensitive_header(k) {
                m.entry(k, &"<redacted>");
            } else {
                m.entry(k, v);
            }
        }
        m.finish()
    }
}

/// Parses a `Retry-After` value: delta-seconds (`"120"`), seconds with a fraction (`"0.249"`,
/// as Graph sends on some `$batch` answers; rounded up to the millisecond, so the wait is never
/// shorter than asked) or an HTTP-date (IMF-fixdate, RFC 850 or asctime), giving the whole time
/// until that date (not just its seconds field). Anything else (negative, garbage) is `None`.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    if v.bytes().all(|b| b.is_ascii_digit()) {
        // Absurdly long digit strings saturate instead of failing.
        return Some(Duration::from_secs(v.parse::<u64>().unwrap_or(u64::MAX)));
    }
    if let Some((whole, fraction)) = v.split_once('.') {
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || !digits(fraction) {
            return None;
        }
        let secs = whole.parse::<u64>().unwrap_or(u64::MAX);
        // Milliseconds from the first three digits, plus one if anything follows them.
        let (ms, rest) = fraction.split_at(fraction.len().min(3));
        let mut millis =
            ms.bytes().chain(std::iter::repeat(b'0')).take(3).fold(0u64, |a, b| a * 10 + u64::from(b - b'0'));
        if rest.bytes().any(|b| b != b'0') {
            millis += 1;
        }
        return Some(Duration::from_secs(secs).saturating_add(Duration::from_millis(millis)));
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_case_insensitive_and_validated() {
        let mut h = Headers::new();
        h.insert("Content-Type", "application/json").unwrap();
        assert_eq!(h.get("content-type"), Some("application/json"));
        h.insert("CONTENT-TYPE", "text/plain").unwrap();
        assert_eq!(h.len(), 1);
        assert!(h.insert("X-Bad\r\nInjected", "x").is_err());
        assert!(h.insert("X-Ok", "a\r\nInjected: 1").is_err());
        assert!(h.insert("X-Ok", "caf\u{e9}").is_err());
        h.append("accept", "a").unwrap();
        h.append("Accept", "b").unwrap();
        assert_eq!(h.get_all("ACCEPT").collect::<Vec<_>>(), ["a", "b"]);
        assert!(h.remove("accept"));
        assert!(!h.contains("accept"));
        // What the crate sets itself is checked again before the transport, by name.
        h.set_static("retry-attempt", "1\r\nx: y");
        let e = h.check().unwrap_err();
        assert!(e.to_string().contains("\"retry-attempt\"") && !e.to_string().contains("x: y"), "{e}");
        h.set_static("retry-attempt", "1");
        assert!(h.check().is_ok());
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(parse_retry_after("120", now), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        // The whole difference, minutes and hours included (not just the seconds field).
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:54:52 GMT", now), Some(Duration::from_secs(315)));
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 10:49:37 GMT", now), Some(Duration::from_secs(7200)));
        // RFC 850 and asctime forms.
        assert_eq!(parse_retry_after("Sunday, 06-Nov-94 08:50:18 GMT", now), Some(Duration::from_secs(41)));
        assert_eq!(parse_retry_after("Sun Nov  6 08:50:18 1994", now), Some(Duration::from_secs(41)));
        // In the past: retry now.
        assert_eq!(parse_retry_after("Sat, 05 Nov 1994 08:49:37 GMT", now), Some(Duration::ZERO));
        // Fractions of a second, rounded up to the millisecond.
        assert_eq!(parse_retry_after("0.249", now), Some(Duration::from_millis(249)));
        assert_eq!(parse_retry_after("1.5", now), Some(Duration::from_millis(1500)));
        assert_eq!(parse_retry_after("0.0001", now), Some(Duration::from_millis(1)));
        assert_eq!(parse_retry_after("2.2490", now), Some(Duration::from_millis(2249)));
        assert_eq!(parse_retry_after("0.000", now), Some(Duration::ZERO));
        assert!(parse_retry_after("99999999999999999999999.9", now).unwrap() >= Duration::from_secs(u64::MAX));
        for bad in [
            "",
            "-5",
            "-0.5",
            ".5",
            "5.",
            "1.2.3",
            "1.5e2",
            "1,5",
            "soon",
            "Sun, 32 Nov 1994 08:49:37 GMT",
            "0x10",
            "१२",
        ] {
            assert_eq!(parse_retry_after(bad, now), None, "{bad}");
        }
        assert_eq!(parse_retry_after("99999999999999999999999", now), Some(Duration::from_secs(u64::MAX)));
    }
}
