//! `Edm.DateTimeOffset`.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

use super::text::{
    min_fraction_digits, not_empty, offset_is_representable, parse_date, parse_offset, parse_time, serde_as_string,
    Ascii, Cursor, Reason,
};
use super::EdmParseError;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edm::testing::{err, round_trip};

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
}
