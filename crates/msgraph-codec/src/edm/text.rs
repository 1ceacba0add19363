//! What the Edm types share to read and write their text: a byte cursor, the date, time and
//! fraction grammar, a stack buffer for printing, and serde as a string.
//!
//! Parsing helpers never panic and only ever advance over ASCII bytes, so `pos` is always a char
//! boundary and equals the character position.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use serde::de::{self, Visitor};
use time::{Month, Time, UtcOffset};

use super::EdmParseError;

pub(super) type Reason = Cow<'static, str>;

pub(super) struct Cursor<'a> {
    pub(super) text: &'a str,
    pub(super) pos: usize,
}

impl<'a> Cursor<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        Cursor { text, pos: 0 }
    }

    pub(super) fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    pub(super) fn is_end(&self) -> bool {
        self.pos >= self.text.len()
    }

    pub(super) fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Description of what is at the current position, for error messages.
    pub(super) fn found(&self) -> String {
        match self.text.get(self.pos..).and_then(|rest| rest.chars().next()) {
            Some(ch) => format!("{ch:?}"),
            None => "end of input".to_owned(),
        }
    }

    pub(super) fn expected(&self, what: &str) -> Reason {
        format!("expected {what} at position {}, found {}", self.pos, self.found()).into()
    }

    pub(super) fn expect(&mut self, byte: u8, what: &str) -> Result<(), Reason> {
        if self.eat(byte) {
            Ok(())
        } else {
            Err(self.expected(what))
        }
    }

    /// Consumes a (possibly empty) run of ASCII digits.
    pub(super) fn digits(&mut self) -> &'a str {
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        self.text.get(start..self.pos).unwrap_or_default()
    }

    /// Consumes exactly two ASCII digits.
    #[inline]
    pub(super) fn two_digits(&mut self, what: &str) -> Result<u8, Reason> {
        let bytes = self.text.as_bytes();
        match (bytes.get(self.pos), bytes.get(self.pos + 1)) {
            (Some(&a @ b'0'..=b'9'), Some(&b @ b'0'..=b'9')) => {
                self.pos += 2;
                Ok((a - b'0') * 10 + (b - b'0'))
            }
            _ => Err(self.two_digits_error(what)),
        }
    }

    /// The error of [`Cursor::two_digits`], at the first byte that is not a digit (kept out of
    /// line: dates are parsed by the thousand when decoding a page).
    #[cold]
    fn two_digits_error(&mut self, what: &str) -> Reason {
        if self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        self.expected(&format!("{what} as 2 digits"))
    }

    pub(super) fn finish(&self) -> Result<(), Reason> {
        if self.is_end() {
            Ok(())
        } else {
            Err(format!("unexpected {} at position {} after the end of the value", self.found(), self.pos).into())
        }
    }
}

pub(super) fn not_empty(s: &str) -> Result<(), Reason> {
    if s.is_empty() {
        Err("empty input".into())
    } else {
        Ok(())
    }
}

/// Parses an all-ASCII-digit string as `u64`, `None` on overflow.
pub(super) fn digits_to_u64(digits: &str) -> Option<u64> {
    digits.bytes().try_fold(0u64, |acc, b| acc.checked_mul(10)?.checked_add(u64::from(b.wrapping_sub(b'0'))))
}

/// Parses the digits of a fraction (after the `.`) into nanoseconds and the
/// digit count. OData allows up to 12 digits; only 9 (nanoseconds) are kept.
pub(super) fn parse_fraction(c: &mut Cursor<'_>) -> Result<(u32, u8), Reason> {
    let run = c.digits();
    let len = run.len();
    if len == 0 {
        return Err(c.expected("fractional second digits after '.'"));
    }
    if len > 12 {
        return Err(format!("too many fractional second digits ({len}; at most 12 allowed)").into());
    }
    if len > 9 {
        return Err(format!(
            "{len} fractional second digits given, but at most 9 (nanosecond precision) are supported"
        )
        .into());
    }
    let value = run.bytes().fold(0u32, |acc, b| acc * 10 + u32::from(b.wrapping_sub(b'0')));
    // `len` is 1..=9 here.
    let scale = 10u32.pow(9u32.saturating_sub(len as u32));
    Ok((value * scale, len as u8))
}

pub(super) fn write_fraction(f: &mut fmt::Formatter<'_>, nanos: u32, digits: u8) -> fmt::Result {
    let mut text = Ascii::new();
    text.fraction(nanos, digits);
    f.write_str(text.as_str())
}

/// Date and time text assembled on the stack and written with one `write_str` (encoding a
/// page writes thousands of timestamps; `write!` with padding was most of that).
pub(super) struct Ascii {
    bytes: [u8; 48],
    len: usize,
}

impl Ascii {
    pub(super) fn new() -> Ascii {
        Ascii { bytes: [0; 48], len: 0 }
    }

    pub(super) fn push(&mut self, b: u8) {
        if let Some(slot) = self.bytes.get_mut(self.len) {
            *slot = b;
            self.len += 1;
        }
    }

    /// `value` in decimal, zero-padded to at least `width` digits.
    pub(super) fn digits(&mut self, value: u32, width: usize) {
        for b in crate::json::decimal(&mut [0; 20], u64::from(value), width).bytes() {
            self.push(b);
        }
    }

    /// `.` and the first `digits` (at most 9) fractional digits of `nanos`; nothing for 0.
    pub(super) fn fraction(&mut self, nanos: u32, digits: u8) {
        let digits = digits.min(9);
        if digits > 0 {
            self.push(b'.');
            self.digits(nanos / 10u32.pow(9 - u32::from(digits)), usize::from(digits));
        }
    }

    pub(super) fn date(&mut self, date: time::Date) {
        let year = date.year();
        if year < 0 {
            self.push(b'-');
        }
        self.digits(year.unsigned_abs(), 4);
        self.push(b'-');
        self.digits(u32::from(u8::from(date.month())), 2);
        self.push(b'-');
        self.digits(u32::from(date.day()), 2);
    }

    pub(super) fn time(&mut self, time: Time, digits: u8) {
        self.digits(u32::from(time.hour()), 2);
        self.push(b':');
        self.digits(u32::from(time.minute()), 2);
        self.push(b':');
        self.digits(u32::from(time.second()), 2);
        self.fraction(time.nanosecond(), digits);
    }

    pub(super) fn as_str(&self) -> &str {
        self.bytes.get(..self.len).and_then(|b| std::str::from_utf8(b).ok()).unwrap_or_default()
    }
}

/// The fewest fractional digits that represent `nanos` exactly.
pub(super) fn min_fraction_digits(nanos: u32) -> u8 {
    if nanos == 0 {
        return 0;
    }
    let mut digits = 9;
    let mut n = nanos;
    while n % 10 == 0 {
        n /= 10;
        digits -= 1;
    }
    digits
}

/// OData year: `[-]("0" 3DIGIT / oneToNine 3*DIGIT)`, limited to what `time` supports.
fn parse_year(c: &mut Cursor<'_>) -> Result<i32, Reason> {
    let negative = c.eat(b'-');
    let start = c.pos;
    let run = c.digits();
    if run.len() < 4 {
        c.pos = start;
        return Err(c.expected("year as at least 4 digits"));
    }
    if run.len() > 4 && run.starts_with('0') {
        return Err("year with more than 4 digits must not start with 0".into());
    }
    let (min, max) = (time::Date::MIN.year(), time::Date::MAX.year());
    let out_of_range = || -> Reason { format!("year out of range (supported: {min} to {max})").into() };
    let magnitude = digits_to_u64(run).ok_or_else(out_of_range)?;
    if negative && magnitude == 0 {
        return Err("year -0000 is not allowed".into());
    }
    let magnitude = i32::try_from(magnitude).map_err(|_| out_of_range())?;
    let year = if negative { -magnitude } else { magnitude };
    if !(min..=max).contains(&year) {
        return Err(out_of_range());
    }
    Ok(year)
}

/// `year "-" month "-" day`
pub(super) fn parse_date(c: &mut Cursor<'_>) -> Result<time::Date, Reason> {
    let year = parse_year(c)?;
    c.expect(b'-', "'-' after the year")?;
    let month = c.two_digits("month")?;
    let month = Month::try_from(month).map_err(|_| Reason::from("month out of range"))?;
    c.expect(b'-', "'-' after the month")?;
    let day = c.two_digits("day")?;
    let days_in_month = month.length(year);
    if day == 0 || day > days_in_month {
        return Err(format!("day out of range ({year:04}-{:02} has {days_in_month} days)", u8::from(month)).into());
    }
    time::Date::from_calendar_date(year, month, day).map_err(|e| e.to_string().into())
}

/// `hh:mm[:ss[.fraction]]` (seconds mandatory unless `seconds_optional`).
/// Returns the time and the number of fractional digits written.
pub(super) fn parse_time(c: &mut Cursor<'_>, seconds_optional: bool) -> Result<(Time, u8), Reason> {
    let hour = c.two_digits("hour")?;
    if hour > 23 {
        return Err("hour out of range".into());
    }
    c.expect(b':', "':' after the hour")?;
    let minute = c.two_digits("minute")?;
    if minute > 59 {
        return Err("minute out of range".into());
    }
    let (second, nanos, digits) = if c.eat(b':') {
        let second = c.two_digits("second")?;
        if second == 60 {
            return Err("leap seconds (second 60) are not supported".into());
        }
        if second > 59 {
            return Err("second out of range".into());
        }
        let (nanos, digits) = if c.eat(b'.') { parse_fraction(c)? } else { (0, 0) };
        (second, nanos, digits)
    } else if seconds_optional {
        (0, 0, 0)
    } else {
        return Err(c.expected("':' after the minute"));
    };
    let time = Time::from_hms_nano(hour, minute, second, nanos).map_err(|e| e.to_string())?;
    Ok((time, digits))
}

/// `Z` / `z` / `+hh:mm` / `-hh:mm`
pub(super) fn parse_offset(c: &mut Cursor<'_>) -> Result<UtcOffset, Reason> {
    let sign: i8 = match c.peek() {
        Some(b'Z' | b'z') => {
            c.pos += 1;
            return Ok(UtcOffset::UTC);
        }
        Some(b'+') => 1,
        Some(b'-') => -1,
        _ => return Err(c.expected("time zone offset ('Z', '+hh:mm' or '-hh:mm')")),
    };
    c.pos += 1;
    let hours = c.two_digits("offset hours")?;
    if hours > 23 {
        return Err("offset hours out of range".into());
    }
    c.expect(b':', "':' in the time zone offset")?;
    let minutes = c.two_digits("offset minutes")?;
    if minutes > 59 {
        return Err("offset minutes out of range".into());
    }
    // Both values are < 60, the casts are lossless.
    UtcOffset::from_hms(sign * hours as i8, sign * minutes as i8, 0).map_err(|e| e.to_string().into())
}

pub(super) fn write_date(f: &mut fmt::Formatter<'_>, date: time::Date) -> fmt::Result {
    let mut text = Ascii::new();
    text.date(date);
    f.write_str(text.as_str())
}

pub(super) fn write_time(f: &mut fmt::Formatter<'_>, time: Time, digits: u8) -> fmt::Result {
    let mut text = Ascii::new();
    text.time(time, digits);
    f.write_str(text.as_str())
}

/// Whether RFC 3339 can write this offset (`±hh:mm` with hh ≤ 23).
pub(super) fn offset_is_representable(offset: UtcOffset) -> bool {
    offset.seconds_past_minute() == 0 && offset.whole_hours().abs() <= 23
}

/// Deserializes any `FromStr<Err = EdmParseError>` type from a string.
pub(super) struct StrVisitor<T>(pub(super) PhantomData<T>, pub(super) &'static str);

impl<T: FromStr<Err = EdmParseError>> Visitor<'_> for StrVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a string containing an {} value", self.1)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        v.parse().map_err(E::custom)
    }
}

/// Implements `Serialize` (as the `Display` text) and `Deserialize` (from a string).
macro_rules! serde_as_string {
    ($ty:ty, $name:literal) => {
        impl ::serde::Serialize for $ty {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_str($crate::edm::text::StrVisitor(::std::marker::PhantomData, $name))
            }
        }
    };
}

pub(super) use serde_as_string;
