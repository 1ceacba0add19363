//! OData `Edm` primitive types used by the generated Microsoft Graph models.
//!
//! | Edm type             | Rust type            | Wire text (JSON)                    |
//! |----------------------|----------------------|-------------------------------------|
//! | `Edm.DateTimeOffset` | [`DateTimeOffset`]   | `"2021-03-24T04:28:06.8227543Z"`    |
//! | `Edm.Date`           | [`Date`]             | `"2021-03-24"`                      |
//! | `Edm.TimeOfDay`      | [`TimeOfDay`]        | `"08:30:00.0000000"`                |
//! | `Edm.Duration`       | [`Duration`]         | `"PT1H30M"`                         |
//! | `Edm.Decimal`        | [`Decimal`]          | `12.50` (number) or `"12.50"`       |
//! | `Edm.Binary`         | [`Binary`]           | `"aGVsbG8="` (base64)               |
//! | `Edm.Guid`           | [`Guid`]             | `"9b5c8e4a-…"`                      |
//!
//! Every type parses with [`FromStr`] (error: [`EdmParseError`]), prints its
//! canonical wire text with [`Display`](fmt::Display), and (de)serializes
//! through serde as that text. Parsing never panics, whatever the input.
//!
//! Text-preserving types ([`DateTimeOffset`], [`TimeOfDay`], [`Duration`],
//! [`Decimal`]) remember enough of the input (number of fractional digits,
//! which duration components were written, the decimal digits) that printing
//! a parsed canonical value gives back exactly the text that was parsed. As a
//! consequence their `PartialEq`/`Eq`/`Hash` are *representational*: two values
//! denoting the same instant or amount but written differently are not equal.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;
use std::str::FromStr;

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use time::{Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// `Edm.Guid`: re-export of [`uuid::Uuid`].
pub type Guid = uuid::Uuid;

// ---------------------------------------------------------------------------
// Error
// ---------------------------------------------------------------------------

/// Maximum number of characters of the offending input kept in an [`EdmParseError`].
const MAX_ERROR_INPUT_CHARS: usize = 64;

/// Error returned when text is not a valid value of an `Edm` primitive type.
///
/// Displays as `invalid <Edm type> "<input>": <reason>`; inputs longer than
/// 64 characters are truncated (and marked with `...`).
///
/// ```
/// use msgraph_codec::edm::DateTimeOffset;
///
/// let err = "2021-13-01T00:00:00Z".parse::<DateTimeOffset>().unwrap_err();
/// assert_eq!(err.type_name(), "Edm.DateTimeOffset");
/// assert_eq!(err.reason(), "month out of range");
/// assert_eq!(
///     err.to_string(),
///     r#"invalid Edm.DateTimeOffset "2021-13-01T00:00:00Z": month out of range"#
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EdmParseError {
    type_name: &'static str,
    input: String,
    truncated: bool,
    reason: Cow<'static, str>,
}

impl EdmParseError {
    /// Creates an error for `input` (kept truncated to 64 characters) that is
    /// not a valid `type_name` (e.g. `"Edm.Date"`) because of `reason`.
    pub fn new(type_name: &'static str, input: &str, reason: impl Into<Cow<'static, str>>) -> Self {
        let mut chars = input.char_indices();
        let (input, truncated) = match chars.nth(MAX_ERROR_INPUT_CHARS) {
            Some((cut, _)) => (input.get(..cut).unwrap_or_default().to_owned(), true),
            None => (input.to_owned(), false),
        };
        EdmParseError { type_name, input, truncated, reason: reason.into() }
    }

    /// The Edm type name, e.g. `"Edm.DateTimeOffset"`.
    pub fn type_name(&self) -> &'static str {
        self.type_name
    }

    /// The rejected input, truncated to its first 64 characters.
    pub fn input(&self) -> &str {
        &self.input
    }

    /// Whether [`input`](Self::input) was truncated.
    pub fn is_input_truncated(&self) -> bool {
        self.truncated
    }

    /// Why the input was rejected, e.g. `"month out of range"`.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl fmt::Display for EdmParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid {} \"{}{}\": {}",
            self.type_name,
            self.input.escape_debug(),
            if self.truncated { "..." } else { "" },
            self.reason
        )
    }
}

impl std::error::Error for EdmParseError {}

// ---------------------------------------------------------------------------
// Parsing helpers (never panic; only ever advance over ASCII bytes, so `pos`
// is always a char boundary and equals the character position)
// ---------------------------------------------------------------------------

type Reason = Cow<'static, str>;

struct Cursor<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn new(text: &'a str) -> Self {
        Cursor { text, pos: 0 }
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn is_end(&self) -> bool {
        self.pos >= self.text.len()
    }

    fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Description of what is at the current position, for error messages.
    fn found(&self) -> String {
        match self.text.get(self.pos..).and_then(|rest| rest.chars().next()) {
            Some(ch) => format!("{ch:?}"),
            None => "end of input".to_owned(),
        }
    }

    fn expected(&self, what: &str) -> Reason {
        format!("expected {what} at position {}, found {}", self.pos, self.found()).into()
    }

    fn expect(&mut self, byte: u8, what: &str) -> Result<(), Reason> {
        if self.eat(byte) {
            Ok(())
        } else {
            Err(self.expected(what))
        }
    }

    /// Consumes a (possibly empty) run of ASCII digits.
    fn digits(&mut self) -> &'a str {
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        self.text.get(start..self.pos).unwrap_or_default()
    }

    /// Consumes exactly two ASCII digits.
    #[inline]
    fn two_digits(&mut self, what: &str) -> Result<u8, Reason> {
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

    fn finish(&self) -> Result<(), Reason> {
        if self.is_end() {
            Ok(())
        } else {
            Err(format!("unexpected {} at position {} after the end of the value", self.found(), self.pos).into())
        }
    }
}

fn not_empty(s: &str) -> Result<(), Reason> {
    if s.is_empty() {
        Err("empty input".into())
    } else {
        Ok(())
    }
}

/// Parses an all-ASCII-digit string as `u64`, `None` on overflow.
fn digits_to_u64(digits: &str) -> Option<u64> {
    digits.bytes().try_fold(0u64, |acc, b| acc.checked_mul(10)?.checked_add(u64::from(b.wrapping_sub(b'0'))))
}

/// Parses the digits of a fraction (after the `.`) into nanoseconds and the
/// digit count. OData allows up to 12 digits; only 9 (nanoseconds) are kept.
fn parse_fraction(c: &mut Cursor<'_>) -> Result<(u32, u8), Reason> {
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

fn write_fraction(f: &mut fmt::Formatter<'_>, nanos: u32, digits: u8) -> fmt::Result {
    let mut text = Ascii::new();
    text.fraction(nanos, digits);
    f.write_str(text.as_str())
}

/// Date and time text assembled on the stack and written with one `write_str` (encoding a
/// page writes thousands of timestamps; `write!` with padding was most of that).
struct Ascii {
    bytes: [u8; 48],
    len: usize,
}

impl Ascii {
    fn new() -> Ascii {
        Ascii { bytes: [0; 48], len: 0 }
    }

    fn push(&mut self, b: u8) {
        if let Some(slot) = self.bytes.get_mut(self.len) {
            *slot = b;
            self.len += 1;
        }
    }

    /// `value` in decimal, zero-padded to at least `width` digits.
    fn digits(&mut self, value: u32, width: usize) {
        for b in crate::json::decimal(&mut [0; 20], u64::from(value), width).bytes() {
            self.push(b);
        }
    }

    /// `.` and the first `digits` (at most 9) fractional digits of `nanos`; nothing for 0.
    fn fraction(&mut self, nanos: u32, digits: u8) {
        let digits = digits.min(9);
        if digits > 0 {
            self.push(b'.');
            self.digits(nanos / 10u32.pow(9 - u32::from(digits)), usize::from(digits));
        }
    }

    fn date(&mut self, date: time::Date) {
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

    fn time(&mut self, time: Time, digits: u8) {
        self.digits(u32::from(time.hour()), 2);
        self.push(b':');
        self.digits(u32::from(time.minute()), 2);
        self.push(b':');
        self.digits(u32::from(time.second()), 2);
        self.fraction(time.nanosecond(), digits);
    }

    fn as_str(&self) -> &str {
        self.bytes.get(..self.len).and_then(|b| std::str::from_utf8(b).ok()).unwrap_or_default()
    }
}

/// The fewest fractional digits that represent `nanos` exactly.
fn min_fraction_digits(nanos: u32) -> u8 {
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
fn parse_date(c: &mut Cursor<'_>) -> Result<time::Date, Reason> {
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
fn parse_time(c: &mut Cursor<'_>, seconds_optional: bool) -> Result<(Time, u8), Reason> {
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
fn parse_offset(c: &mut Cursor<'_>) -> Result<UtcOffset, Reason> {
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

fn write_date(f: &mut fmt::Formatter<'_>, date: time::Date) -> fmt::Result {
    let mut text = Ascii::new();
    text.date(date);
    f.write_str(text.as_str())
}

fn write_time(f: &mut fmt::Formatter<'_>, time: Time, digits: u8) -> fmt::Result {
    let mut text = Ascii::new();
    text.time(time, digits);
    f.write_str(text.as_str())
}

/// Whether RFC 3339 can write this offset (`±hh:mm` with hh ≤ 23).
fn offset_is_representable(offset: UtcOffset) -> bool {
    offset.seconds_past_minute() == 0 && offset.whole_hours().abs() <= 23
}

// ---------------------------------------------------------------------------
// serde helpers
// ---------------------------------------------------------------------------

/// Deserializes any `FromStr<Err = EdmParseError>` type from a string.
struct StrVisitor<T>(PhantomData<T>, &'static str);

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
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_str(StrVisitor(PhantomData, $name))
            }
        }
    };
}

// ---------------------------------------------------------------------------
// DateTimeOffset
// ---------------------------------------------------------------------------

/// `Edm.DateTimeOffset`: an instant with a UTC offset, RFC 3339 text as Graph
/// sends it, e.g. `2021-03-24T04:28:06.8227543Z`.
///
/// Accepted text: `YYYY-MM-DDThh:mm:ss[.f]` followed by `Z` or `±hh:mm`, with
/// 1 to 9 fractional digits, `t`/`z` also accepted in lowercase (negative and
/// 5+-digit years per the OData ABNF, within the range `time` supports).
/// Leap seconds (`:60`), missing offsets and more than 9 fractional digits
/// are rejected.
///
/// The number of fractional digits is remembered, so printing a parsed value
/// reproduces canonical input byte for byte (uppercase `T`/`Z`, UTC written
/// as `Z`; `+00:00` is read as UTC and printed as `Z`).
///
/// Equality, ordering and hashing are on (instant, offset, fractional digit
/// count) in that order: the same instant written with another offset or
/// another number of digits is a *different* value. Compare
/// [`as_offset_date_time`](Self::as_offset_date_time) (which ignores the
/// offset) to compare instants only.
///
/// ```
/// use msgraph_codec::edm::DateTimeOffset;
///
/// let t: DateTimeOffset = "2021-03-24T04:28:06.8227543Z".parse()?;
/// assert_eq!(t.to_string(), "2021-03-24T04:28:06.8227543Z");
/// assert_eq!(t.unix_timestamp(), 1_616_560_086);
/// assert_eq!(t.fraction_digits(), 7);
///
/// let shifted: DateTimeOffset = "2021-03-24T06:28:06.8227543+02:00".parse()?;
/// assert_ne!(t, shifted); // different offset ...
/// assert_eq!(t.as_offset_date_time(), shifted.as_offset_date_time()); // ... same instant
///
/// assert!("2021-03-24T04:28:06".parse::<DateTimeOffset>().is_err()); // no offset
/// # Ok::<(), msgraph_codec::edm::EdmParseError>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct DateTimeOffset {
    value: OffsetDateTime,
    digits: u8,
}

impl DateTimeOffset {
    /// Wraps `value`, printing the fewest fractional digits that represent it
    /// exactly (none for whole seconds).
    ///
    /// Offsets RFC 3339 cannot write (with a seconds part, or of 24 hours or
    /// more) are converted to UTC.
    ///
    /// ```
    /// use msgraph_codec::edm::DateTimeOffset;
    /// use time::macros::datetime;
    ///
    /// let t = DateTimeOffset::from_offset_date_time(datetime!(2021-03-24 04:28:06.5 -05:00));
    /// assert_eq!(t.to_string(), "2021-03-24T04:28:06.5-05:00");
    /// ```
    pub fn from_offset_date_time(value: OffsetDateTime) -> Self {
        let value = if offset_is_representable(value.offset()) {
            value
        } else {
            value.checked_to_offset(UtcOffset::UTC).unwrap_or(value)
        };
        DateTimeOffset { value, digits: min_fraction_digits(value.nanosecond()) }
    }

    /// The wrapped [`OffsetDateTime`].
    pub fn as_offset_date_time(&self) -> OffsetDateTime {
        self.value
    }

    /// Seconds since the Unix epoch.
    pub fn unix_timestamp(&self) -> i64 {
        self.value.unix_timestamp()
    }

    /// Number of fractional second digits printed (0 to 9).
    pub fn fraction_digits(&self) -> u8 {
        self.digits
    }

    /// The same value printed with `digits` fractional digits (e.g. 7, like
    /// Graph). `None` if `digits > 9` or if that would drop non-zero digits.
    ///
    /// ```
    /// use msgraph_codec::edm::DateTimeOffset;
    ///
    /// let t: DateTimeOffset = "2021-03-24T04:28:06.5Z".parse()?;
    /// assert_eq!(t.with_fraction_digits(7).unwrap().to_string(), "2021-03-24T04:28:06.5000000Z");
    /// assert_eq!(t.with_fraction_digits(0), None);
    /// # Ok::<(), msgraph_codec::edm::EdmParseError>(())
    /// ```
    pub fn with_fraction_digits(self, digits: u8) -> Option<Self> {
        (digits <= 9 && digits >= min_fraction_digits(self.value.nanosecond()))
            .then_some(DateTimeOffset { digits, ..self })
    }

    fn key(&self) -> (i128, i32, u8) {
        (self.value.unix_timestamp_nanos(), self.value.offset().whole_seconds(), self.digits)
    }
}

impl PartialEq for DateTimeOffset {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for DateTimeOffset {}

impl PartialOrd for DateTimeOffset {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for DateTimeOffset {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}

impl Hash for DateTimeOffset {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.key().hash(state);
    }
}

impl From<OffsetDateTime> for DateTimeOffset {
    fn from(value: OffsetDateTime) -> Self {
        Self::from_offset_date_time(value)
    }
}

impl From<DateTimeOffset> for OffsetDateTime {
    fn from(value: DateTimeOffset) -> Self {
        value.value
    }
}

impl FromStr for DateTimeOffset {
    type Err = EdmParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parse = |c: &mut Cursor<'_>| -> Result<Self, Reason> {
            not_empty(s)?;
            let date = parse_date(c)?;
            if !(c.eat(b'T') || c.eat(b't')) {
                return Err(c.expected("'T' between date and time"));
            }
            let (time, digits) = parse_time(c, false)?;
            let offset = parse_offset(c)?;
            c.finish()?;
            Ok(DateTimeOffset { value: PrimitiveDateTime::new(date, time).assume_offset(offset), digits })
        };
        parse(&mut Cursor::new(s)).map_err(|r| EdmParseError::new("Edm.DateTimeOffset", s, r))
    }
}

impl fmt::Display for DateTimeOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = Ascii::new();
        text.date(self.value.date());
        text.push(b'T');
        text.time(self.value.time(), self.digits);
        let offset = self.value.offset();
        if offset.is_utc() {
            text.push(b'Z');
        } else {
            text.push(if offset.is_negative() { b'-' } else { b'+' });
            text.digits(u32::from(offset.whole_hours().unsigned_abs()), 2);
            text.push(b':');
            text.digits(u32::from(offset.minutes_past_hour().unsigned_abs()), 2);
        }
        f.write_str(text.as_str())
    }
}

serde_as_string!(DateTimeOffset, "Edm.DateTimeOffset");

// ---------------------------------------------------------------------------
// Date
// ---------------------------------------------------------------------------

/// `Edm.Date`: a calendar date, `YYYY-MM-DD`.
///
/// ```
/// use msgraph_codec::edm::Date;
///
/// let d: Date = "2024-02-29".parse()?;
/// assert_eq!(d.as_date().month(), time::Month::February);
/// assert_eq!(d.to_string(), "2024-02-29");
///
/// let err = "2023-02-29".parse::<Date>().unwrap_err();
/// assert_eq!(err.to_string(), r#"invalid Edm.Date "2023-02-29": day out of range (2023-02 has 28 days)"#);
/// # Ok::<(), msgraph_codec::edm::EdmParseError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date(time::Date);

impl Date {
    /// Wraps a [`time::Date`].
    pub fn from_date(date: time::Date) -> Self {
        Date(date)
    }

    /// The wrapped [`time::Date`].
    pub fn as_date(&self) -> time::Date {
        self.0
    }
}

impl From<time::Date> for Date {
    fn from(date: time::Date) -> Self {
        Date(date)
    }
}

impl From<Date> for time::Date {
    fn from(date: Date) -> Self {
        date.0
    }
}

impl FromStr for Date {
    type Err = EdmParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parse = |c: &mut Cursor<'_>| -> Result<Self, Reason> {
            not_empty(s)?;
            let date = parse_date(c)?;
            c.finish()?;
            Ok(Date(date))
        };
        parse(&mut Cursor::new(s)).map_err(|r| EdmParseError::new("Edm.Date", s, r))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_date(f, self.0)
    }
}

serde_as_string!(Date, "Edm.Date");

// ---------------------------------------------------------------------------
// TimeOfDay
// ---------------------------------------------------------------------------

/// `Edm.TimeOfDay`: a wall-clock time, `hh:mm:ss[.fffffff]`.
///
/// OData allows up to 12 fractional digits; up to 9 (nanoseconds) are
/// supported and more are rejected with an error rather than silently
/// truncated. As the OData ABNF allows, the seconds may be omitted (`08:30`),
/// such a value prints as `08:30:00`. Leap seconds (`:60`) are rejected.
///
/// The number of fractional digits is remembered so canonical input prints
/// back unchanged; equality/ordering/hashing are on (time, digit count).
///
/// ```
/// use msgraph_codec::edm::TimeOfDay;
///
/// let t: TimeOfDay = "08:30:00.0000000".parse()?;
/// assert_eq!(t.to_string(), "08:30:00.0000000");
/// assert_eq!(t.as_time(), time::macros::time!(08:30));
/// assert!("24:00:00".parse::<TimeOfDay>().is_err());
/// # Ok::<(), msgraph_codec::edm::EdmParseError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TimeOfDay {
    time: Time,
    digits: u8,
}

impl TimeOfDay {
    /// Wraps `time`, printing the fewest fractional digits that represent it exactly.
    ///
    /// ```
    /// use msgraph_codec::edm::TimeOfDay;
    /// use time::macros::time;
    ///
    /// assert_eq!(TimeOfDay::from_time(time!(17:05)).to_string(), "17:05:00");
    /// assert_eq!(TimeOfDay::from_time(time!(17:05:01.25)).to_string(), "17:05:01.25");
    /// ```
    pub fn from_time(time: Time) -> Self {
        TimeOfDay { time, digits: min_fraction_digits(time.nanosecond()) }
    }

    /// The wrapped [`time::Time`].
    pub fn as_time(&self) -> Time {
        self.time
    }

    /// Number of fractional second digits printed (0 to 9).
    pub fn fraction_digits(&self) -> u8 {
        self.digits
    }

    /// The same value printed with `digits` fractional digits. `None` if
    /// `digits > 9` or if that would drop non-zero digits.
    pub fn with_fraction_digits(self, digits: u8) -> Option<Self> {
        (digits <= 9 && digits >= min_fraction_digits(self.time.nanosecond())).then_some(TimeOfDay { digits, ..self })
    }
}

impl From<Time> for TimeOfDay {
    fn from(time: Time) -> Self {
        Self::from_time(time)
    }
}

impl From<TimeOfDay> for Time {
    fn from(value: TimeOfDay) -> Self {
        value.time
    }
}

impl FromStr for TimeOfDay {
    type Err = EdmParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parse = |c: &mut Cursor<'_>| -> Result<Self, Reason> {
            not_empty(s)?;
            let (time, digits) = parse_time(c, true)?;
            c.finish()?;
            Ok(TimeOfDay { time, digits })
        };
        parse(&mut Cursor::new(s)).map_err(|r| EdmParseError::new("Edm.TimeOfDay", s, r))
    }
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_time(f, self.time, self.digits)
    }
}

serde_as_string!(TimeOfDay, "Edm.TimeOfDay");

// ---------------------------------------------------------------------------
// Duration
// ---------------------------------------------------------------------------

/// `Edm.Duration`: an ISO 8601 / XSD duration,
/// `[-]P[nY][nM][nW][nD][T[nH][nM][n[.f]S]]`, e.g. `PT1H30M`, `P90D`,
/// `-PT0.5S`, `P1Y2M3DT4H5M6.789S`.
///
/// Rules: components appear at most once and in the order above; at least one
/// component is required (`P` and `PT` alone are rejected); only seconds may
/// have a fraction (1 to 9 digits); designators are uppercase.
///
/// The components are kept as written (which ones were present, fractional
/// digit count), so canonical input prints back unchanged. Equality and
/// hashing are structural: `PT60M != PT1H`, `P1D != PT24H`. There is no
/// ordering because `P1M` and `P30D` are not comparable.
///
/// ```
/// use msgraph_codec::edm::Duration;
///
/// let d: Duration = "PT1H30M".parse()?;
/// assert_eq!(d.hours(), 1);
/// assert_eq!(d.minutes(), 30);
/// assert_eq!(d.to_std(), Some(std::time::Duration::from_secs(5400)));
/// assert_eq!(d.to_string(), "PT1H30M");
///
/// let err = "PT".parse::<Duration>().unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     r#"invalid Edm.Duration "PT": 'T' must be followed by at least one time component (nH, nM or nS)"#
/// );
/// # Ok::<(), msgraph_codec::edm::EdmParseError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Duration {
    negative: bool,
    years: Option<u64>,
    months: Option<u64>,
    weeks: Option<u64>,
    days: Option<u64>,
    hours: Option<u64>,
    minutes: Option<u64>,
    seconds: Option<u64>,
    nanos: u32,
    digits: u8,
}

const SECS_PER_MINUTE: u64 = 60;
const SECS_PER_HOUR: u64 = 3_600;
const SECS_PER_DAY: u64 = 86_400;
const SECS_PER_WEEK: u64 = 7 * SECS_PER_DAY;

impl Duration {
    /// Converts a [`std::time::Duration`], writing whole days as `nD` and the
    /// rest as `T[nH][nM][n[.f]S]`, omitting zero components and using the
    /// fewest fractional digits (`PT0S` for zero). Weeks, months and years are
    /// never used.
    ///
    /// ```
    /// use msgraph_codec::edm::Duration;
    /// use std::time::Duration as StdDuration;
    ///
    /// assert_eq!(Duration::from_std(StdDuration::from_secs(5400)).to_string(), "PT1H30M");
    /// assert_eq!(Duration::from_std(StdDuration::from_secs(90 * 86_400)).to_string(), "P90D");
    /// assert_eq!(Duration::from_std(StdDuration::from_millis(93_784_500)).to_string(), "P1DT2H3M4.5S");
    /// assert_eq!(Duration::from_std(StdDuration::ZERO).to_string(), "PT0S");
    /// ```
    pub fn from_std(duration: std::time::Duration) -> Self {
        let secs = duration.as_secs();
        let nanos = duration.subsec_nanos();
        let nonzero = |n: u64| (n != 0).then_some(n);
        let days = nonzero(secs / SECS_PER_DAY);
        let hours = nonzero(secs % SECS_PER_DAY / SECS_PER_HOUR);
        let minutes = nonzero(secs % SECS_PER_HOUR / SECS_PER_MINUTE);
        let whole_seconds = secs % SECS_PER_MINUTE;
        let seconds = if whole_seconds != 0 || nanos != 0 || secs == 0 { Some(whole_seconds) } else { None };
        Duration {
            negative: false,
            years: None,
            months: None,
            weeks: None,
            days,
            hours,
            minutes,
            seconds,
            nanos,
            digits: min_fraction_digits(nanos),
        }
    }

    /// Converts to a [`std::time::Duration`], counting a week as 7 days and a
    /// day as 86 400 seconds (no daylight-saving or leap-second adjustment).
    ///
    /// `None` when the duration is negative (and not zero), when it has a
    /// non-zero number of years or months (their length depends on the
    /// calendar), or on overflow.
    ///
    /// ```
    /// use msgraph_codec::edm::Duration;
    /// use std::time::Duration as StdDuration;
    ///
    /// let d: Duration = "P1DT0.25S".parse()?;
    /// assert_eq!(d.to_std(), Some(StdDuration::from_millis(86_400_250)));
    /// assert_eq!("-PT1S".parse::<Duration>()?.to_std(), None);
    /// assert_eq!("P1M".parse::<Duration>()?.to_std(), None);
    /// # Ok::<(), msgraph_codec::edm::EdmParseError>(())
    /// ```
    pub fn to_std(&self) -> Option<std::time::Duration> {
        if self.years() != 0 || self.months() != 0 {
            return None;
        }
        let secs = self
            .weeks()
            .checked_mul(SECS_PER_WEEK)?
            .checked_add(self.days().checked_mul(SECS_PER_DAY)?)?
            .checked_add(self.hours().checked_mul(SECS_PER_HOUR)?)?
            .checked_add(self.minutes().checked_mul(SECS_PER_MINUTE)?)?
            .checked_add(self.seconds())?;
        if self.negative && (secs != 0 || self.nanos != 0) {
            return None;
        }
        // `nanos < 1_000_000_000`, so this cannot overflow.
        Some(std::time::Duration::new(secs, self.nanos))
    }

    /// Whether the duration has a leading `-`.
    pub fn is_negative(&self) -> bool {
        self.negative
    }

    /// The `nY` component (0 if absent).
    pub fn years(&self) -> u64 {
        self.years.unwrap_or(0)
    }

    /// The date `nM` component (0 if absent).
    pub fn months(&self) -> u64 {
        self.months.unwrap_or(0)
    }

    /// The `nW` component (0 if absent).
    pub fn weeks(&self) -> u64 {
        self.weeks.unwrap_or(0)
    }

    /// The `nD` component (0 if absent).
    pub fn days(&self) -> u64 {
        self.days.unwrap_or(0)
    }

    /// The `nH` component (0 if absent).
    pub fn hours(&self) -> u64 {
        self.hours.unwrap_or(0)
    }

    /// The time `nM` component (0 if absent).
    pub fn minutes(&self) -> u64 {
        self.minutes.unwrap_or(0)
    }

    /// The whole seconds of the `n.fS` component (0 if absent).
    pub fn seconds(&self) -> u64 {
        self.seconds.unwrap_or(0)
    }

    /// The fraction of the `n.fS` component, in nanoseconds.
    pub fn subsec_nanos(&self) -> u32 {
        self.nanos
    }
}

impl FromStr for Duration {
    type Err = EdmParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_duration(&mut Cursor::new(s)).map_err(|r| EdmParseError::new("Edm.Duration", s, r))
    }
}

fn parse_duration(c: &mut Cursor<'_>) -> Result<Duration, Reason> {
    not_empty(c.text)?;
    let mut d = Duration {
        negative: c.eat(b'-'),
        years: None,
        months: None,
        weeks: None,
        days: None,
        hours: None,
        minutes: None,
        seconds: None,
        nanos: 0,
        digits: 0,
    };
    c.expect(b'P', "'P'")?;

    // Date part: Y, M, W, D.
    let mut last: Option<usize> = None;
    while !c.is_end() && c.peek() != Some(b'T') {
        let (value, fraction) = duration_number(c)?;
        let slot = match c.peek() {
            Some(b'Y') => 0,
            Some(b'M') => 1,
            Some(b'W') => 2,
            Some(b'D') => 3,
            Some(b'H' | b'S') => {
                return Err(
                    format!("{} at position {} is a time component and must come after 'T'", c.found(), c.pos).into()
                )
            }
            None => {
                return Err(format!(
                    "number at end of input is missing a designator (expected Y, M, W or D{})",
                    if d.years.is_none() && d.months.is_none() { ", or 'T' before H, M, S" } else { "" }
                )
                .into())
            }
            Some(_) => return Err(c.expected("a date designator (Y, M, W or D)")),
        };
        if fraction.is_some() {
            return Err("only the seconds component may have a fraction".into());
        }
        if last.is_some_and(|l| slot <= l) {
            return Err(format!(
                "{} at position {} is repeated or out of order (expected order Y, M, W, D)",
                c.found(),
                c.pos
            )
            .into());
        }
        c.pos += 1;
        last = Some(slot);
        let field = match slot {
            0 => &mut d.years,
            1 => &mut d.months,
            2 => &mut d.weeks,
            _ => &mut d.days,
        };
        *field = Some(value);
    }

    // Time part: H, M, S.
    if c.eat(b'T') {
        if c.is_end() {
            return Err("'T' must be followed by at least one time component (nH, nM or nS)".into());
        }
        let mut last: Option<usize> = None;
        while !c.is_end() {
            let (value, fraction) = duration_number(c)?;
            let slot = match c.peek() {
                Some(b'H') => 0,
                Some(b'M') => 1,
                Some(b'S') => 2,
                Some(b'Y' | b'W' | b'D') => {
                    return Err(format!(
                        "{} at position {} is a date component and must come before 'T'",
                        c.found(),
                        c.pos
                    )
                    .into())
                }
                None => return Err("number at end of input is missing a designator (expected H, M or S)".into()),
                Some(_) => return Err(c.expected("a time designator (H, M or S)")),
            };
            if last.is_some_and(|l| slot <= l) {
                return Err(format!(
                    "{} at position {} is repeated or out of order (expected order H, M, S)",
                    c.found(),
                    c.pos
                )
                .into());
            }
            if slot != 2 && fraction.is_some() {
                return Err("only the seconds component may have a fraction".into());
            }
            c.pos += 1;
            last = Some(slot);
            match slot {
                0 => d.hours = Some(value),
                1 => d.minutes = Some(value),
                _ => {
                    d.seconds = Some(value);
                    if let Some((nanos, digits)) = fraction {
                        d.nanos = nanos;
                        d.digits = digits;
                    }
                }
            }
        }
    } else if last.is_none() {
        return Err("a duration needs at least one component after 'P' (e.g. P1D, PT1H, PT0S)".into());
    }
    Ok(d)
}

/// `digits [. digits]` of a duration component.
fn duration_number(c: &mut Cursor<'_>) -> Result<(u64, Option<(u32, u8)>), Reason> {
    let run = c.digits();
    if run.is_empty() {
        return Err(c.expected("a number"));
    }
    let value = digits_to_u64(run)
        .ok_or_else(|| -> Reason { format!("number {run} is too large (maximum {})", u64::MAX).into() })?;
    let fraction = if c.eat(b'.') { Some(parse_fraction(c)?) } else { None };
    Ok((value, fraction))
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.negative {
            f.write_str("-")?;
        }
        f.write_str("P")?;
        for (value, designator) in [(self.years, 'Y'), (self.months, 'M'), (self.weeks, 'W'), (self.days, 'D')] {
            if let Some(value) = value {
                write!(f, "{value}{designator}")?;
            }
        }
        let has_date = self.years.is_some() || self.months.is_some() || self.weeks.is_some() || self.days.is_some();
        let has_time = self.hours.is_some() || self.minutes.is_some() || self.seconds.is_some();
        if has_time || !has_date {
            f.write_str("T")?;
            if let Some(hours) = self.hours {
                write!(f, "{hours}H")?;
            }
            if let Some(minutes) = self.minutes {
                write!(f, "{minutes}M")?;
            }
            if self.seconds.is_some() || !has_time {
                write!(f, "{}", self.seconds())?;
                write_fraction(f, self.nanos, self.digits)?;
                f.write_str("S")?;
            }
        }
        Ok(())
    }
}

serde_as_string!(Duration, "Edm.Duration");

// ---------------------------------------------------------------------------
// Decimal
// ---------------------------------------------------------------------------

/// `Edm.Decimal`: a decimal number kept as its exact text, so no precision is
/// lost (`0.1` stays `0.1`, 30-digit values stay 30 digits).
///
/// Accepted text is the JSON number grammar
/// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`; no `+`, no leading zeros,
/// no `.5` or `5.`, no whitespace, no `NaN`/`INF`.
///
/// Equality and hashing are on the text: `1.0 != 1`. There is no ordering.
///
/// # Serde
///
/// Serde has no lossless way to write an arbitrary-precision number without
/// serde_json's `arbitrary_precision` feature (not enabled), so:
///
/// * `Serialize` writes integers that fit `i64`/`u64` exactly, other values
///   as the nearest `f64` (**lossy**), and values too large for `f64` as a
///   string. For lossless output write [`as_str`](Self::as_str) verbatim, as
///   the crate's own JSON writer does.
/// * `Deserialize` accepts a JSON number (received through serde as
///   `i64`/`u64`/`f64`, so non-integers are limited to `f64` precision) or a
///   string (lossless, validated as above; OData's `IEEE754Compatible` form).
///
/// ```
/// use msgraph_codec::edm::Decimal;
///
/// let d: Decimal = "12345678901234567890.123456789".parse()?;
/// assert_eq!(d.as_str(), "12345678901234567890.123456789");
/// assert_eq!(Decimal::from(-42i64).to_string(), "-42");
/// assert_eq!("2.5e3".parse::<Decimal>()?.to_f64(), 2500.0);
///
/// let err = "01.5".parse::<Decimal>().unwrap_err();
/// assert_eq!(err.reason(), "leading zeros are not allowed");
/// # Ok::<(), msgraph_codec::edm::EdmParseError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Decimal(String);

impl Decimal {
    /// The exact decimal text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The exact decimal text, by value.
    pub fn into_string(self) -> String {
        self.0
    }

    /// The nearest `f64` (may round; `±inf` if out of `f64` range).
    pub fn to_f64(&self) -> f64 {
        self.0.parse().unwrap_or(f64::NAN)
    }

    /// The shortest decimal text that reads back as `value`; `None` for NaN
    /// and infinities.
    ///
    /// ```
    /// use msgraph_codec::edm::Decimal;
    ///
    /// assert_eq!(Decimal::from_f64(0.1).unwrap().as_str(), "0.1");
    /// assert_eq!(Decimal::from_f64(f64::NAN), None);
    /// ```
    pub fn from_f64(value: f64) -> Option<Self> {
        // `f64`'s `Display` never uses an exponent and prints "-0" for -0.0,
        // both valid JSON numbers.
        value.is_finite().then(|| Decimal(value.to_string()))
    }

    fn is_integer(&self) -> bool {
        !self.0.bytes().any(|b| matches!(b, b'.' | b'e' | b'E'))
    }
}

fn validate_decimal(s: &str) -> Result<(), Reason> {
    not_empty(s)?;
    let mut c = Cursor::new(s);
    c.eat(b'-');
    let int = c.digits();
    if int.is_empty() {
        return Err(c.expected("a digit"));
    }
    if int.len() > 1 && int.starts_with('0') {
        return Err("leading zeros are not allowed".into());
    }
    if c.eat(b'.') && c.digits().is_empty() {
        return Err(c.expected("a digit after the decimal point"));
    }
    if c.eat(b'e') || c.eat(b'E') {
        if !c.eat(b'+') {
            c.eat(b'-');
        }
        if c.digits().is_empty() {
            return Err(c.expected("exponent digits"));
        }
    }
    c.finish()
}

impl FromStr for Decimal {
    type Err = EdmParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match validate_decimal(s) {
            Ok(()) => Ok(Decimal(s.to_owned())),
            Err(r) => Err(EdmParseError::new("Edm.Decimal", s, r)),
        }
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<i64> for Decimal {
    fn from(value: i64) -> Self {
        Decimal(value.to_string())
    }
}

impl From<u64> for Decimal {
    fn from(value: u64) -> Self {
        Decimal(value.to_string())
    }
}

impl From<i32> for Decimal {
    fn from(value: i32) -> Self {
        Decimal(value.to_string())
    }
}

impl From<u32> for Decimal {
    fn from(value: u32) -> Self {
        Decimal(value.to_string())
    }
}

impl From<Decimal> for String {
    fn from(value: Decimal) -> Self {
        value.0
    }
}

impl Serialize for Decimal {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.is_integer() {
            if let Ok(i) = self.0.parse::<i64>() {
                return serializer.serialize_i64(i);
            }
            if let Ok(u) = self.0.parse::<u64>() {
                return serializer.serialize_u64(u);
            }
        }
        let f = self.to_f64();
        if f.is_finite() {
            serializer.serialize_f64(f)
        } else {
            serializer.serialize_str(&self.0)
        }
    }
}

struct DecimalVisitor;

impl Visitor<'_> for DecimalVisitor {
    type Value = Decimal;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an Edm.Decimal number or string")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Decimal, E> {
        Ok(Decimal(v.to_string()))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Decimal, E> {
        Ok(Decimal(v.to_string()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Decimal, E> {
        Decimal::from_f64(v).ok_or_else(|| E::custom(format!("invalid Edm.Decimal: {v} is not finite")))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
        v.parse().map_err(E::custom)
    }
}

impl<'de> Deserialize<'de> for Decimal {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(DecimalVisitor)
    }
}

// ---------------------------------------------------------------------------
// Binary
// ---------------------------------------------------------------------------

const BASE64_CONFIG: GeneralPurposeConfig =
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
const BASE64_STANDARD_LENIENT: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::STANDARD, BASE64_CONFIG);
const BASE64_URL_SAFE_LENIENT: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::URL_SAFE, BASE64_CONFIG);

/// `Edm.Binary`: bytes, written as base64 text.
///
/// Parsing accepts the standard (`+/`) and the URL-safe (`-_`) alphabet, with
/// or without `=` padding (but not both alphabets mixed, and no whitespace).
/// Printing always uses the standard alphabet with padding.
///
/// ```
/// use msgraph_codec::edm::Binary;
///
/// let b: Binary = "aGk_".parse()?; // URL-safe, unpadded
/// assert_eq!(b.as_bytes(), b"hi?");
/// assert_eq!(b.to_string(), "aGk/");
/// assert_eq!(Binary::from(b"hello".to_vec()).to_string(), "aGVsbG8=");
/// assert!("not base64!".parse::<Binary>().is_err());
/// # Ok::<(), msgraph_codec::edm::EdmParseError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Binary(Vec<u8>);

impl Binary {
    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The bytes, by value.
    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }
}

impl From<Vec<u8>> for Binary {
    fn from(bytes: Vec<u8>) -> Self {
        Binary(bytes)
    }
}

impl From<&[u8]> for Binary {
    fn from(bytes: &[u8]) -> Self {
        Binary(bytes.to_vec())
    }
}

impl From<Binary> for Vec<u8> {
    fn from(value: Binary) -> Self {
        value.0
    }
}

impl AsRef<[u8]> for Binary {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl FromStr for Binary {
    type Err = EdmParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let url_safe = s.bytes().any(|b| matches!(b, b'-' | b'_'));
        let standard = s.bytes().any(|b| matches!(b, b'+' | b'/'));
        if url_safe && standard {
            return Err(EdmParseError::new(
                "Edm.Binary",
                s,
                "mixes the standard ('+', '/') and URL-safe ('-', '_') base64 alphabets",
            ));
        }
        let engine = if url_safe { &BASE64_URL_SAFE_LENIENT } else { &BASE64_STANDARD_LENIENT };
        engine.decode(s).map(Binary).map_err(|e| EdmParseError::new("Edm.Binary", s, format!("not valid base64: {e}")))
    }
}

impl fmt::Display for Binary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&STANDARD.encode(&self.0))
    }
}

serde_as_string!(Binary, "Edm.Binary");

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;

    fn err<T: FromStr<Err = EdmParseError> + fmt::Debug>(s: &str) -> EdmParseError {
        match s.parse::<T>() {
            Ok(v) => panic!("{s:?} unexpectedly parsed as {v:?}"),
            Err(e) => e,
        }
    }

    fn round_trip<T: FromStr<Err = EdmParseError> + fmt::Display + fmt::Debug>(s: &str) {
        let v: T = s.parse().unwrap_or_else(|e| panic!("{s:?}: {e}"));
        assert_eq!(v.to_string(), s, "{v:?}");
    }

    // -- EdmParseError --

    #[test]
    fn error_display_format() {
        let e = err::<DateTimeOffset>("2021-13-01T00:00:00Z");
        assert_eq!(e.to_string(), r#"invalid Edm.DateTimeOffset "2021-13-01T00:00:00Z": month out of range"#);
        assert_eq!(e.input(), "2021-13-01T00:00:00Z");
        assert!(!e.is_input_truncated());
        let boxed: Box<dyn std::error::Error> = Box::new(e);
        assert!(boxed.to_string().starts_with("invalid"));
    }

    #[test]
    fn error_truncates_long_input() {
        let long = "é".repeat(1000);
        let e = err::<Decimal>(&long);
        assert!(e.is_input_truncated());
        assert_eq!(e.input().chars().count(), 64);
        let msg = e.to_string();
        assert!(msg.contains(&format!("{}...\"", "é".repeat(64))), "{msg}");
        assert!(msg.len() < 300);
    }

    #[test]
    fn error_escapes_quotes_and_control_chars() {
        let e = err::<Date>("\"\n");
        assert_eq!(
            e.to_string(),
            r#"invalid Edm.Date "\"\n": expected year as at least 4 digits at position 0, found '"'"#
        );
    }

    #[test]
    fn empty_input_rejected_everywhere() {
        assert_eq!(err::<DateTimeOffset>("").reason(), "empty input");
        assert_eq!(err::<Date>("").reason(), "empty input");
        assert_eq!(err::<TimeOfDay>("").reason(), "empty input");
        assert_eq!(err::<Duration>("").reason(), "empty input");
        assert_eq!(err::<Decimal>("").reason(), "empty input");
        // Zero bytes are valid base64.
        assert_eq!("".parse::<Binary>().unwrap().as_bytes(), b"");
    }

    #[test]
    fn garbage_never_panics() {
        let inputs = [
            "",
            " ",
            "\0",
            "-",
            "+",
            "P",
            "T",
            ".",
            "é",
            "２０２１-０３-２４",
            "2021-03-24T04:28:06.８Z",
            "9999999999999999999999999999",
            "-99999999999-01-01",
            "2021-03-24T04:28:06.Z",
            "PT1.S",
            "P99999999999999999999999Y",
            "PT1.1234567890123S",
            "\u{1F600}",
            "2021-03-24T04:28:0",
            "2021-03-24T",
            "2021-",
            "0000-00-00",
        ];
        let long = "1".repeat(100_000);
        let long_dt = format!("2021-03-24T04:28:06.{}Z", "1".repeat(10_000));
        for s in inputs.iter().copied().chain([long.as_str(), long_dt.as_str()]) {
            let _ = s.parse::<DateTimeOffset>();
            let _ = s.parse::<Date>();
            let _ = s.parse::<TimeOfDay>();
            let _ = s.parse::<Duration>();
            let _ = s.parse::<Decimal>();
            let _ = s.parse::<Binary>();
        }
    }

    // -- DateTimeOffset --

    #[test]
    fn dto_round_trips() {
        for s in [
            "2021-03-24T04:28:06.8227543Z",
            "2021-03-24T04:28:06.1000000Z",
            "2021-03-24T04:28:06.0000000Z",
            "2021-03-24T04:28:06Z",
            "2021-03-24T04:28:06.5Z",
            "2021-03-24T04:28:06.123456789Z",
            "2021-03-24T04:28:06.000000001Z",
            "2021-03-24T04:28:06+05:30",
            "2021-03-24T04:28:06.12-08:00",
            "2021-03-24T04:28:06-00:01",
            "0001-01-01T00:00:00Z",
            "0000-01-01T00:00:00Z",
            "9999-12-31T23:59:59.999999999Z",
            "9999-12-31T23:59:59-23:59",
            "-0001-01-01T00:00:00Z",
            "2024-02-29T12:00:00+14:00",
        ] {
            round_trip::<DateTimeOffset>(s);
        }
    }

    #[test]
    fn dto_values() {
        let t: DateTimeOffset = "2021-03-24T04:28:06.8227543Z".parse().unwrap();
        assert_eq!(t.fraction_digits(), 7);
        assert_eq!(t.as_offset_date_time().nanosecond(), 822_754_300);
        assert_eq!(t.unix_timestamp(), 1_616_560_086);
        let t: DateTimeOffset = "2021-03-24T04:28:06+05:30".parse().unwrap();
        assert_eq!(t.as_offset_date_time().offset(), UtcOffset::from_hms(5, 30, 0).unwrap());
        assert_eq!(t.unix_timestamp(), 1_616_560_086 - 5 * 3600 - 30 * 60);
        let t: DateTimeOffset = "2021-03-24T04:28:06-05:30".parse().unwrap();
        assert_eq!(t.as_offset_date_time().offset(), UtcOffset::from_hms(-5, -30, 0).unwrap());
    }

    #[test]
    fn dto_non_canonical_inputs() {
        let lower: DateTimeOffset = "2021-03-24t04:28:06z".parse().unwrap();
        assert_eq!(lower.to_string(), "2021-03-24T04:28:06Z");
        let plus_zero: DateTimeOffset = "2021-03-24T04:28:06+00:00".parse().unwrap();
        assert_eq!(plus_zero.to_string(), "2021-03-24T04:28:06Z");
        assert_eq!(plus_zero, lower);
        let minus_zero: DateTimeOffset = "2021-03-24T04:28:06-00:00".parse().unwrap();
        assert_eq!(minus_zero.to_string(), "2021-03-24T04:28:06Z");
    }

    #[test]
    fn dto_equality_is_representational() {
        let a: DateTimeOffset = "2021-03-24T04:28:06Z".parse().unwrap();
        let b: DateTimeOffset = "2021-03-24T04:28:06.0000000Z".parse().unwrap();
        let c: DateTimeOffset = "2021-03-24T05:28:06+01:00".parse().unwrap();
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.as_offset_date_time(), c.as_offset_date_time());
        assert!(a < b);
        let later: DateTimeOffset = "2021-03-24T04:28:07Z".parse().unwrap();
        assert!(b < later && c < later);
        let set: std::collections::HashSet<_> = [a, b, c, a].into_iter().collect();
        assert_eq!(set.len(), 3);
    }

    #[test]
    fn dto_from_offset_date_time() {
        use time::macros::datetime;
        let t = DateTimeOffset::from_offset_date_time(datetime!(2021-03-24 04:28:06.8227543 UTC));
        assert_eq!(t.to_string(), "2021-03-24T04:28:06.8227543Z");
        let t = DateTimeOffset::from(datetime!(2021-03-24 04:28:06.100 UTC));
        assert_eq!(t.to_string(), "2021-03-24T04:28:06.1Z");
        assert_eq!(t.with_fraction_digits(7).unwrap().to_string(), "2021-03-24T04:28:06.1000000Z");
        assert_eq!(t.with_fraction_digits(10), None);
        let t = DateTimeOffset::from(datetime!(2021-03-24 04:28:06 +01:00));
        assert_eq!(t.to_string(), "2021-03-24T04:28:06+01:00");
        // Offsets with seconds can't be written: converted to UTC.
        let t = DateTimeOffset::from(datetime!(2021-03-24 04:28:06 +00:00:30));
        assert_eq!(t.to_string(), "2021-03-24T04:27:36Z");
        let t = DateTimeOffset::from(datetime!(2021-03-24 04:28:06 +25:00));
        assert_eq!(t.to_string(), "2021-03-23T03:28:06Z");
        let back: OffsetDateTime = t.into();
        assert_eq!(back, datetime!(2021-03-24 04:28:06 +25:00));
        // Every printed value parses back to itself.
        for odt in [
            datetime!(2021-03-24 04:28:06.000000001 -09:30),
            datetime!(-0042-01-01 00:00 UTC),
            OffsetDateTime::UNIX_EPOCH,
        ] {
            let t = DateTimeOffset::from(odt);
            assert_eq!(t.to_string().parse::<DateTimeOffset>().unwrap(), t);
        }
    }

    #[test]
    fn dto_rejections() {
        let cases = [
            ("2021-13-01T00:00:00Z", "month out of range"),
            ("2021-00-01T00:00:00Z", "month out of range"),
            ("2021-02-29T00:00:00Z", "day out of range (2021-02 has 28 days)"),
            ("2021-04-31T00:00:00Z", "day out of range (2021-04 has 30 days)"),
            ("2021-04-00T00:00:00Z", "day out of range (2021-04 has 30 days)"),
            ("2021-03-24T24:00:00Z", "hour out of range"),
            ("2021-03-24T23:60:00Z", "minute out of range"),
            ("2021-03-24T23:59:60Z", "leap seconds (second 60) are not supported"),
            ("2021-03-24T23:59:61Z", "second out of range"),
            (
                "2021-03-24T04:28:06",
                "expected time zone offset ('Z', '+hh:mm' or '-hh:mm') at position 19, found end of input",
            ),
            ("2021-03-24 04:28:06Z", "expected 'T' between date and time at position 10, found ' '"),
            ("2021-03-24T04:28Z", "expected ':' after the minute at position 16, found 'Z'"),
            ("2021-03-24T04:28:06.Z", "expected fractional second digits after '.' at position 20, found 'Z'"),
            (
                "2021-03-24T04:28:06.1234567890Z",
                "10 fractional second digits given, but at most 9 (nanosecond precision) are supported",
            ),
            ("2021-03-24T04:28:06.1234567890123Z", "too many fractional second digits (13; at most 12 allowed)"),
            ("2021-03-24T04:28:06+24:00", "offset hours out of range"),
            ("2021-03-24T04:28:06+05:60", "offset minutes out of range"),
            ("2021-03-24T04:28:06+0530", "expected ':' in the time zone offset at position 22, found '3'"),
            ("2021-03-24T04:28:06+5:30", "expected offset hours as 2 digits at position 21, found ':'"),
            ("2021-03-24T04:28:06ZZ", "unexpected 'Z' at position 20 after the end of the value"),
            ("2021-03-24T04:28:06Z ", "unexpected ' ' at position 20 after the end of the value"),
            (" 2021-03-24T04:28:06Z", "expected year as at least 4 digits at position 0, found ' '"),
            ("21-03-24T04:28:06Z", "expected year as at least 4 digits at position 0, found '2'"),
            ("02021-03-24T04:28:06Z", "year with more than 4 digits must not start with 0"),
            ("-0000-03-24T04:28:06Z", "year -0000 is not allowed"),
            ("2021-3-24T04:28:06Z", "expected month as 2 digits at position 6, found '-'"),
            ("2021-03-24T04:28:06.８Z", "expected fractional second digits after '.' at position 20, found '８'"),
            ("2021-03-24T04:28:06é", "expected time zone offset ('Z', '+hh:mm' or '-hh:mm') at position 19, found 'é'"),
        ];
        for (input, reason) in cases {
            let e = err::<DateTimeOffset>(input);
            assert_eq!(e.reason(), reason, "{input}");
            assert_eq!(e.type_name(), "Edm.DateTimeOffset");
        }
        let e = err::<DateTimeOffset>("99999-01-01T00:00:00Z");
        assert!(e.reason().starts_with("year out of range"), "{e}");
        let e = err::<DateTimeOffset>("99999999999999999999999-01-01T00:00:00Z");
        assert!(e.reason().starts_with("year out of range"), "{e}");
    }

    #[test]
    fn dto_leap_second_error_message() {
        assert_eq!(
            err::<DateTimeOffset>("2016-12-31T23:59:60Z").to_string(),
            r#"invalid Edm.DateTimeOffset "2016-12-31T23:59:60Z": leap seconds (second 60) are not supported"#
        );
    }

    #[test]
    fn dto_serde() {
        let t: DateTimeOffset = serde_json::from_str(r#""2021-03-24T04:28:06.8227543Z""#).unwrap();
        assert_eq!(serde_json::to_string(&t).unwrap(), r#""2021-03-24T04:28:06.8227543Z""#);
        let e = serde_json::from_str::<DateTimeOffset>(r#""2021-13-01T00:00:00Z""#).unwrap_err();
        assert!(e.to_string().contains("month out of range"), "{e}");
        let e = serde_json::from_str::<DateTimeOffset>("12").unwrap_err();
        assert!(e.to_string().contains("Edm.DateTimeOffset"), "{e}");
    }

    // -- Date --

    #[test]
    fn date_round_trips_and_rejections() {
        for s in ["2021-03-24", "2024-02-29", "0000-01-01", "9999-12-31", "-0044-03-15"] {
            round_trip::<Date>(s);
        }
        let d: Date = "2021-03-24".parse().unwrap();
        assert_eq!(d.as_date(), time::Date::from_calendar_date(2021, Month::March, 24).unwrap());
        assert_eq!(Date::from(d.as_date()), d);
        assert!(d < "2021-03-25".parse::<Date>().unwrap());
        assert_eq!(err::<Date>("2021-02-30").reason(), "day out of range (2021-02 has 28 days)");
        assert_eq!(err::<Date>("2021-13-01").reason(), "month out of range");
        assert_eq!(
            err::<Date>("2021-03-24T00:00:00Z").reason(),
            "unexpected 'T' at position 10 after the end of the value"
        );
        assert_eq!(err::<Date>("2021/03/24").reason(), "expected '-' after the year at position 4, found '/'");
        assert_eq!(
            err::<Date>("２０２１-03-24").reason(),
            "expected year as at least 4 digits at position 0, found '２'"
        );
        let d: Date = serde_json::from_str(r#""2021-03-24""#).unwrap();
        assert_eq!(serde_json::to_value(d).unwrap(), "2021-03-24");
    }

    // -- TimeOfDay --

    #[test]
    fn time_of_day() {
        for s in ["00:00:00", "23:59:59", "08:30:00.0000000", "08:30:00.1000000", "12:34:56.123456789", "12:34:56.5"] {
            round_trip::<TimeOfDay>(s);
        }
        let t: TimeOfDay = "08:30".parse().unwrap();
        assert_eq!(t.to_string(), "08:30:00");
        let t: TimeOfDay = "12:34:56.1234567".parse().unwrap();
        assert_eq!(t.as_time(), Time::from_hms_nano(12, 34, 56, 123_456_700).unwrap());
        assert_eq!(t.fraction_digits(), 7);
        assert_eq!(TimeOfDay::from(t.as_time()).to_string(), "12:34:56.1234567");
        assert_eq!(TimeOfDay::from_time(Time::MIDNIGHT).with_fraction_digits(3).unwrap().to_string(), "00:00:00.000");
        assert_eq!(t.with_fraction_digits(6), None);

        assert_eq!(err::<TimeOfDay>("23:59:60").reason(), "leap seconds (second 60) are not supported");
        assert_eq!(err::<TimeOfDay>("24:00:00").reason(), "hour out of range");
        assert_eq!(
            err::<TimeOfDay>("12:34:56.1234567890").reason(),
            "10 fractional second digits given, but at most 9 (nanosecond precision) are supported"
        );
        assert_eq!(
            err::<TimeOfDay>("12:34:56.123456789012").reason(),
            "12 fractional second digits given, but at most 9 (nanosecond precision) are supported"
        );
        assert_eq!(
            err::<TimeOfDay>("12:34:56.1234567890123").reason(),
            "too many fractional second digits (13; at most 12 allowed)"
        );
        assert_eq!(err::<TimeOfDay>("8:30:00").reason(), "expected hour as 2 digits at position 1, found ':'");
        assert_eq!(err::<TimeOfDay>("08:30:00Z").reason(), "unexpected 'Z' at position 8 after the end of the value");
        assert_eq!(err::<TimeOfDay>("08:3０").reason(), "expected minute as 2 digits at position 4, found '０'");
        let t: TimeOfDay = serde_json::from_str(r#""08:00:00.0000000""#).unwrap();
        assert_eq!(serde_json::to_string(&t).unwrap(), r#""08:00:00.0000000""#);
    }

    // -- Duration --

    #[test]
    fn duration_round_trips() {
        for s in [
            "PT1H30M",
            "P90D",
            "-PT0.5S",
            "P1Y2M3DT4H5M6.789S",
            "PT0S",
            "P0D",
            "P1W",
            "P1Y2M1W3D",
            "PT1M",
            "P1M",
            "P1MT1M",
            "PT0.000000001S",
            "PT1.1000000S",
            "P0DT0H0M0S",
            "PT18446744073709551615S",
            "-P1Y",
        ] {
            round_trip::<Duration>(s);
        }
    }

    #[test]
    fn duration_components() {
        let d: Duration = "P1Y2M3W4DT5H6M7.089S".parse().unwrap();
        assert!(!d.is_negative());
        assert_eq!(
            (d.years(), d.months(), d.weeks(), d.days(), d.hours(), d.minutes(), d.seconds()),
            (1, 2, 3, 4, 5, 6, 7)
        );
        assert_eq!(d.subsec_nanos(), 89_000_000);
        assert_eq!(d.to_std(), None);
        let d: Duration = "-PT0.5S".parse().unwrap();
        assert!(d.is_negative());
        assert_eq!(d.to_std(), None);
        assert_eq!("-PT0S".parse::<Duration>().unwrap().to_std(), Some(std::time::Duration::ZERO));
        assert_eq!(
            "P1W1DT1H1M1.5S".parse::<Duration>().unwrap().to_std(),
            Some(std::time::Duration::from_millis((8 * 86_400 + 3_661) * 1000 + 500))
        );
        assert_eq!("P0Y0MT1S".parse::<Duration>().unwrap().to_std(), Some(std::time::Duration::from_secs(1)));
        // Overflow in to_std.
        assert_eq!("P18446744073709551615D".parse::<Duration>().unwrap().to_std(), None);
        // Structural equality.
        assert_ne!("PT60M".parse::<Duration>().unwrap(), "PT1H".parse::<Duration>().unwrap());
        // Non-canonical input normalizes.
        assert_eq!("PT01H".parse::<Duration>().unwrap().to_string(), "PT1H");
    }

    #[test]
    fn duration_from_std() {
        use std::time::Duration as Std;
        let cases = [
            (Std::ZERO, "PT0S"),
            (Std::from_secs(1), "PT1S"),
            (Std::from_millis(500), "PT0.5S"),
            (Std::from_nanos(1), "PT0.000000001S"),
            (Std::from_secs(60), "PT1M"),
            (Std::from_secs(5400), "PT1H30M"),
            (Std::from_secs(86_400), "P1D"),
            (Std::from_secs(90 * 86_400), "P90D"),
            (Std::from_secs(86_401), "P1DT1S"),
            (Std::new(93_784, 5_000_000), "P1DT2H3M4.005S"),
            (Std::MAX, "P213503982334601DT7H15.999999999S"),
        ];
        for (std, text) in cases {
            let d = Duration::from_std(std);
            assert_eq!(d.to_string(), text);
            assert_eq!(d.to_std(), Some(std), "{text}");
            assert_eq!(text.parse::<Duration>().unwrap(), d);
        }
    }

    #[test]
    fn duration_rejections() {
        let cases = [
            ("P", "a duration needs at least one component after 'P' (e.g. P1D, PT1H, PT0S)"),
            ("-P", "a duration needs at least one component after 'P' (e.g. P1D, PT1H, PT0S)"),
            ("PT", "'T' must be followed by at least one time component (nH, nM or nS)"),
            ("P1DT", "'T' must be followed by at least one time component (nH, nM or nS)"),
            ("1D", "expected 'P' at position 0, found '1'"),
            ("+P1D", "expected 'P' at position 0, found '+'"),
            ("p1d", "expected 'P' at position 0, found 'p'"),
            ("P1", "number at end of input is missing a designator (expected Y, M, W or D, or 'T' before H, M, S)"),
            ("PT1", "number at end of input is missing a designator (expected H, M or S)"),
            ("P1H", "'H' at position 2 is a time component and must come after 'T'"),
            ("PT1D", "'D' at position 3 is a date component and must come before 'T'"),
            ("P1D1Y", "'Y' at position 4 is repeated or out of order (expected order Y, M, W, D)"),
            ("P1D1D", "'D' at position 4 is repeated or out of order (expected order Y, M, W, D)"),
            ("PT1S1M", "'M' at position 5 is repeated or out of order (expected order H, M, S)"),
            ("PT1.5H", "only the seconds component may have a fraction"),
            ("P1.5D", "only the seconds component may have a fraction"),
            ("PT1.S", "expected fractional second digits after '.' at position 4, found 'S'"),
            ("PT.5S", "expected a number at position 2, found '.'"),
            ("PTS", "expected a number at position 2, found 'S'"),
            ("P1DX", "expected a number at position 3, found 'X'"),
            ("P1X", "expected a date designator (Y, M, W or D) at position 2, found 'X'"),
            ("PT1X", "expected a time designator (H, M or S) at position 3, found 'X'"),
            ("PT1h", "expected a time designator (H, M or S) at position 3, found 'h'"),
            ("PT1S ", "expected a number at position 4, found ' '"),
            ("P１D", "expected a number at position 1, found '１'"),
            (
                "PT1.1234567890S",
                "10 fractional second digits given, but at most 9 (nanosecond precision) are supported",
            ),
            ("P18446744073709551616D", "number 18446744073709551616 is too large (maximum 18446744073709551615)"),
            ("garbage", "expected 'P' at position 0, found 'g'"),
        ];
        for (input, reason) in cases {
            let e = err::<Duration>(input);
            assert_eq!(e.reason(), reason, "{input}");
            assert_eq!(e.type_name(), "Edm.Duration");
        }
    }

    #[test]
    fn duration_serde() {
        let d: Duration = serde_json::from_str(r#""PT1H30M""#).unwrap();
        assert_eq!(serde_json::to_string(&d).unwrap(), r#""PT1H30M""#);
        assert!(serde_json::from_str::<Duration>(r#""PT""#).is_err());
    }

    // -- Decimal --

    #[test]
    fn decimal_valid() {
        for s in [
            "0",
            "-0",
            "1",
            "-1",
            "0.5",
            "1.0",
            "1.000",
            "123456789012345678901234567890.123456789012345678901234567890",
            "1e5",
            "1E+5",
            "1.5e-10",
            "-0.0e0",
            "9223372036854775808",
        ] {
            round_trip::<Decimal>(s);
        }
        assert_ne!("1.0".parse::<Decimal>().unwrap(), "1".parse::<Decimal>().unwrap());
        assert_eq!("0.1".parse::<Decimal>().unwrap().to_f64(), 0.1);
        assert_eq!("1e400".parse::<Decimal>().unwrap().to_f64(), f64::INFINITY);
        assert_eq!(Decimal::from(u64::MAX).as_str(), "18446744073709551615");
        assert_eq!(Decimal::from(i64::MIN).as_str(), "-9223372036854775808");
        assert_eq!(Decimal::from(7i32).into_string(), "7");
        assert_eq!(Decimal::from_f64(-0.0).unwrap().as_str(), "-0");
        assert_eq!(Decimal::from_f64(1e21).unwrap().as_str(), "1000000000000000000000");
        assert_eq!(Decimal::from_f64(f64::INFINITY), None);
    }

    #[test]
    fn decimal_rejections() {
        let cases = [
            ("+1", "expected a digit at position 0, found '+'"),
            ("01", "leading zeros are not allowed"),
            ("-01", "leading zeros are not allowed"),
            ("00.5", "leading zeros are not allowed"),
            (".5", "expected a digit at position 0, found '.'"),
            ("-", "expected a digit at position 1, found end of input"),
            ("5.", "expected a digit after the decimal point at position 2, found end of input"),
            ("1e", "expected exponent digits at position 2, found end of input"),
            ("1e+", "expected exponent digits at position 3, found end of input"),
            ("1.5.5", "unexpected '.' at position 3 after the end of the value"),
            (" 1", "expected a digit at position 0, found ' '"),
            ("1 ", "unexpected ' ' at position 1 after the end of the value"),
            ("NaN", "expected a digit at position 0, found 'N'"),
            ("INF", "expected a digit at position 0, found 'I'"),
            ("0x10", "unexpected 'x' at position 1 after the end of the value"),
            ("１", "expected a digit at position 0, found '１'"),
            ("1,5", "unexpected ',' at position 1 after the end of the value"),
        ];
        for (input, reason) in cases {
            let e = err::<Decimal>(input);
            assert_eq!(e.reason(), reason, "{input}");
            assert_eq!(e.type_name(), "Edm.Decimal");
        }
    }

    #[test]
    fn decimal_serde() {
        let to_json = |s: &str| serde_json::to_string(&s.parse::<Decimal>().unwrap()).unwrap();
        assert_eq!(to_json("42"), "42");
        assert_eq!(to_json("-42"), "-42");
        assert_eq!(to_json("18446744073709551615"), "18446744073709551615");
        assert_eq!(to_json("1.5"), "1.5");
        assert_eq!(to_json("1e400"), r#""1e400""#);

        let from_json = |s: &str| serde_json::from_str::<Decimal>(s).map(|d| d.into_string());
        assert_eq!(from_json("42").unwrap(), "42");
        assert_eq!(from_json("-42").unwrap(), "-42");
        assert_eq!(from_json("1.5").unwrap(), "1.5");
        assert_eq!(from_json("1e2").unwrap(), "100");
        assert_eq!(from_json(r#""0.10000000000000000000001""#).unwrap(), "0.10000000000000000000001");
        assert!(from_json(r#""01""#).unwrap_err().to_string().contains("leading zeros"));
        assert!(from_json("true").is_err());
        assert!(from_json("null").is_err());
    }

    // -- Binary --

    #[test]
    fn binary() {
        let bytes: Vec<u8> = (0u8..=255).collect();
        let b = Binary::from(bytes.clone());
        let standard = b.to_string();
        assert_eq!(standard, STANDARD.encode(&bytes));
        round_trip::<Binary>(&standard);
        let url_safe = standard.replace('+', "-").replace('/', "_");
        let unpadded = standard.trim_end_matches('=');
        let url_unpadded = url_safe.trim_end_matches('=');
        for s in [url_safe.as_str(), unpadded, url_unpadded] {
            assert_eq!(s.parse::<Binary>().unwrap().as_bytes(), &bytes[..], "{s}");
        }
        assert_eq!("aGVsbG8".parse::<Binary>().unwrap().into_bytes(), b"hello");
        assert_eq!(Binary::from(&b"hello"[..]).to_string(), "aGVsbG8=");
        assert_eq!(Vec::from(Binary::from(vec![1, 2])), vec![1, 2]);
        assert_eq!(Binary::default().to_string(), "");

        assert_eq!(
            err::<Binary>("a+b-").reason(),
            "mixes the standard ('+', '/') and URL-safe ('-', '_') base64 alphabets"
        );
        for s in ["a", "aGVsbG8===", "aGV sbG8=", "é", "aGVsbG8=\n", "aGVsbG9="] {
            let e = err::<Binary>(s);
            assert!(e.reason().starts_with("not valid base64"), "{s}: {e}");
        }

        let json = serde_json::to_string(&b).unwrap();
        assert_eq!(json, format!("\"{standard}\""));
        assert_eq!(serde_json::from_str::<Binary>(&json).unwrap(), b);
        assert!(serde_json::from_str::<Binary>(r#""!!""#).is_err());
    }

    #[test]
    fn guid_alias() {
        let g: Guid = "9b5c8e4a-1f2d-4c3b-8a7e-6d5f4e3c2b1a".parse().unwrap();
        assert_eq!(g.to_string(), "9b5c8e4a-1f2d-4c3b-8a7e-6d5f4e3c2b1a");
    }
}
