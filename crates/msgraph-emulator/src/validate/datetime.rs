//! OData's date and time values, as the OData ABNF defines them and Graph writes and accepts
//! them (JSON bodies, `$filter` literals):
//!
//! * `Edm.Date`: `YYYY-MM-DD`;
//! * `Edm.TimeOfDay`: `hh:mm`, `hh:mm:ss` or `hh:mm:ss.f…` with 1 to 12 fractional digits
//!   (digits finer than a nanosecond are dropped);
//! * `Edm.DateTimeOffset`: a date, `T`, a time of day, then `Z` or an offset `±hh:mm`
//!   (`2021-03-24T04:28:06.8227543Z`, `2024-01-31T10:00+01:00`).
//!
//! Years have four digits (0000–9999); the date must exist (`2023-02-29` does not); hours are
//! 00–23, minutes and seconds 00–59 (no leap seconds, as in the ABNF); offsets are at most
//! ±23:59. `T` and `Z` may be lowercase (ABNF literals are case-insensitive); no other
//! separator, no surrounding whitespace. The `time` crate does the calendar arithmetic.
//! Errors give the position (0-based, in characters) of the first problem.

use std::fmt;

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// Most fractional-second digits (`fractionalSeconds = 1*12DIGIT`).
const MAX_FRACTION_DIGITS: usize = 12;

/// Why a text is not a valid date or time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DateTimeError {
    /// Where the problem is (0-based, in characters).
    pub(crate) position: usize,
    /// What is wrong there.
    pub(crate) message: String,
}

impl fmt::Display for DateTimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at position {}", self.message, self.position)
    }
}

impl std::error::Error for DateTimeError {}

/// Reads a text front to back. Only ASCII is ever consumed, so the byte offset `at` is also
/// the character position.
struct Cursor<'a> {
    text: &'a str,
    at: usize,
}

impl Cursor<'_> {
    fn error_at(&self, position: usize, message: impl Into<String>) -> DateTimeError {
        DateTimeError { position, message: message.into() }
    }

    fn error(&self, message: impl Into<String>) -> DateTimeError {
        self.error_at(self.at, message)
    }

    fn peek(&self) -> Option<char> {
        self.text[self.at..].chars().next()
    }

    /// Consumes `c` (ASCII, either case) if it is next.
    fn eat(&mut self, c: char) -> bool {
        if self.peek().is_some_and(|p| p.eq_ignore_ascii_case(&c)) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: char, what: &str) -> Result<(), DateTimeError> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(self.error(format!("expected {what}")))
        }
    }

    /// Exactly `digits` ASCII digits, as a number.
    fn number(&mut self, digits: usize, what: &str) -> Result<u32, DateTimeError> {
        let mut value = 0;
        for _ in 0..digits {
            match self.peek().filter(char::is_ascii_digit).and_then(|c| c.to_digit(10)) {
                Some(d) => {
                    value = value * 10 + d;
                    self.at += 1;
                }
                None => return Err(self.error(format!("expected a {digits}-digit {what}"))),
            }
        }
        Ok(value)
    }

    fn end(&self) -> Result<(), DateTimeError> {
        match self.peek() {
            None => Ok(()),
            Some(c) => Err(self.error(format!("unexpected character {c:?}"))),
        }
    }
}

fn read_date(c: &mut Cursor<'_>) -> Result<Date, DateTimeError> {
    let year = c.number(4, "year")?;
    c.expect('-', "'-' after the year")?;
    let month_at = c.at;
    let month = c.number(2, "month")?;
    c.expect('-', "'-' after the month")?;
    let day_at = c.at;
    let day = c.number(2, "day")?;
    let Some(m) = u8::try_from(month).ok().and_then(|m| Month::try_from(m).ok()) else {
        return Err(c.error_at(month_at, format!("there is no month {month:02}")));
    };
    let year = i32::try_from(year).unwrap_or(i32::MAX);
    u8::try_from(day)
        .ok()
        .and_then(|d| Date::from_calendar_date(year, m, d).ok())
        .ok_or_else(|| c.error_at(day_at, format!("{year:04}-{month:02} has no day {day:02}")))
}

fn read_time(c: &mut Cursor<'_>) -> Result<Time, DateTimeError> {
    let hour_at = c.at;
    let hour = c.number(2, "hour")?;
    c.expect(':', "':' after the hour")?;
    let minute_at = c.at;
    let minute = c.number(2, "minute")?;
    let (mut second, mut second_at, mut nanos) = (0, c.at, 0);
    if c.eat(':') {
        second_at = c.at;
        second = c.number(2, "second")?;
        if c.eat('.') {
            nanos = read_fraction(c)?;
        }
    }
    for (value, max, at, what) in
        [(hour, 23, hour_at, "hour"), (minute, 59, minute_at, "minute"), (second, 59, second_at, "second")]
    {
        if value > max {
            return Err(c.error_at(at, format!("the {what} {value:02} is out of range (00-{max})")));
        }
    }
    // In range by the checks above.
    let [h, m, s] = [hour, minute, second].map(|v| u8::try_from(v).unwrap_or(0));
    Time::from_hms_nano(h, m, s, nanos).map_err(|e| c.error_at(hour_at, e.to_string()))
}

/// The digits after `.`: 1 to 12, as nanoseconds.
fn read_fraction(c: &mut Cursor<'_>) -> Result<u32, DateTimeError> {
    let start = c.at;
    let digits = c.text[start..].bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return Err(c.error("expected a digit after '.'"));
    }
    if digits > MAX_FRACTION_DIGITS {
        return Err(c.error_at(start + MAX_FRACTION_DIGITS, "more than 12 fractional digits"));
    }
    c.at += digits;
    let nanos = c.text[start..start + digits.min(9)].bytes().fold(0u32, |n, b| n * 10 + u32::from(b - b'0'));
    Ok(nanos * 10u32.pow(9u32.saturating_sub(digits.min(9) as u32)))
}

fn read_offset(c: &mut Cursor<'_>) -> Result<UtcOffset, DateTimeError> {
    if c.eat('Z') {
        return Ok(UtcOffset::UTC);
    }
    let sign_at = c.at;
    let sign = match c.peek() {
        Some('+') => 1,
        Some('-') => -1,
        _ => return Err(c.error("expected 'Z' or an offset such as +01:00 after the time")),
    };
    c.at += 1;
    let hours = c.number(2, "offset hour")?;
    c.expect(':', "':' in the offset")?;
    let minutes = c.number(2, "offset minute")?;
    let out_of_range = || c.error_at(sign_at, "the offset is out of range (at most ±23:59)");
    if hours > 23 || minutes > 59 {
        return Err(out_of_range());
    }
    let [h, m] = [hours, minutes].map(|v| i8::try_from(v).unwrap_or(0) * sign);
    UtcOffset::from_hms(h, m, 0).map_err(|_| out_of_range())
}

/// An `Edm.Date`: `2024-01-31`.
pub(crate) fn date(text: &str) -> Result<Date, DateTimeError> {
    let mut c = Cursor { text, at: 0 };
    let d = read_date(&mut c)?;
    c.end()?;
    Ok(d)
}

/// An `Edm.TimeOfDay`: `10:00`, `10:00:05`, `10:00:05.1234567`.
pub(crate) fn time_of_day(text: &str) -> Result<Time, DateTimeError> {
    let mut c = Cursor { text, at: 0 };
    let t = read_time(&mut c)?;
    c.end()?;
    Ok(t)
}

/// An `Edm.DateTimeOffset`: `2021-03-24T04:28:06.8227543Z`, `2024-01-31T10:00+01:00`.
pub(crate) fn date_time_offset(text: &str) -> Result<OffsetDateTime, DateTimeError> {
    let mut c = Cursor { text, at: 0 };
    let d = read_date(&mut c)?;
    c.expect('T', "'T' between the date and the time")?;
    let t = read_time(&mut c)?;
    let offset = read_offset(&mut c)?;
    c.end()?;
    Ok(PrimitiveDateTime::new(d, t).assume_offset(offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fails_at(result: Result<impl fmt::Debug, DateTimeError>, position: usize, text: &str) {
        match result {
            Err(e) => {
                assert_eq!(e.position, position, "{text:?}: {e}");
                assert!(e.to_string().ends_with(&format!("at position {position}")), "{e}");
            }
            Ok(v) => panic!("{text:?} was accepted as {v:?}"),
        }
    }

    #[test]
    fn dates() {
        for (s, (y, m, d)) in [
            ("2024-01-31", (2024, Month::January, 31)),
            ("2024-02-29", (2024, Month::February, 29)),
            ("2000-02-29", (2000, Month::February, 29)),
            ("0000-01-01", (0, Month::January, 1)),
            ("9999-12-31", (9999, Month::December, 31)),
        ] {
            assert_eq!(date(s).unwrap(), Date::from_calendar_date(y, m, d).unwrap(), "{s}");
        }
        for (s, at) in [
            ("", 0),
            ("2024", 4),
            ("24-01-31", 2),
            ("20240131", 4),
            ("2024/01/31", 4),
            ("2024-1-31", 6),
            ("2024-01-3", 9),
            ("2024-00-10", 5),
            ("2024-13-01", 5),
            ("2024-01-00", 8),
            ("2024-01-32", 8),
            ("2024-04-31", 8),
            ("2023-02-29", 8),
            ("1900-02-29", 8),
            ("2024-01-31T00:00:00Z", 10),
            ("2024-01-31 ", 10),
            (" 2024-01-31", 0),
            ("２０２４-01-31", 0),
            ("+2024-01-31", 0),
            ("-0001-01-01", 0),
        ] {
            fails_at(date(s), at, s);
        }
        assert_eq!(date("2023-02-29").unwrap_err().message, "2023-02 has no day 29");
        assert_eq!(date("2024-13-01").unwrap_err().message, "there is no month 13");
    }

    #[test]
    fn times_of_day() {
        for (s, (h, m, sec, ns)) in [
            ("00:00", (0, 0, 0, 0)),
            ("23:59", (23, 59, 0, 0)),
            ("10:00:05", (10, 0, 5, 0)),
            ("23:59:59.9", (23, 59, 59, 900_000_000)),
            ("04:28:06.8227543", (4, 28, 6, 822_754_300)),
            ("12:00:00.123456789", (12, 0, 0, 123_456_789)),
            ("12:00:00.123456789999", (12, 0, 0, 123_456_789)),
        ] {
            assert_eq!(time_of_day(s).unwrap(), Time::from_hms_nano(h, m, sec, ns).unwrap(), "{s}");
        }
        for (s, at) in [
            ("", 0),
            ("1:00", 1),
            ("10", 2),
            ("10:0", 4),
            ("24:00", 0),
            ("99:00", 0),
            ("12:60", 3),
            ("12:00:60", 6),
            ("12:00:", 6),
            ("12:00:00.", 9),
            ("12:00:00.1234567890123", 21),
            ("12:00:00Z", 8),
            ("12.00", 2),
        ] {
            fails_at(time_of_day(s), at, s);
        }
        assert_eq!(time_of_day("12:00:60").unwrap_err().message, "the second 60 is out of range (00-59)");
    }

    #[test]
    fn date_time_offsets() {
        let instant = |s: &str| date_time_offset(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        assert_eq!(instant("2024-01-31T10:00:00.5+01:00").unix_timestamp(), 1_706_691_600);
        assert_eq!(instant("2024-01-31T10:00:00.5+01:00").nanosecond(), 500_000_000);
        let t = instant("2021-03-24T04:28:06.8227543Z");
        assert_eq!((t.unix_timestamp(), t.nanosecond()), (1_616_560_086, 822_754_300));
        // Seconds are optional; lowercase t and z; the same instant under different offsets.
        assert_eq!(instant("2024-01-31T10:00Z"), instant("2024-01-31T10:00:00Z"));
        assert_eq!(instant("2024-01-31t10:00:00z"), instant("2024-01-31T10:00:00Z"));
        assert_eq!(instant("2024-01-31T05:30:00-04:30"), instant("2024-01-31T10:00:00Z"));
        assert_eq!(instant("2024-01-31T10:00:00+00:00").offset(), UtcOffset::UTC);
        assert_eq!(instant("2024-01-31T10:00:00-05:30").offset(), UtcOffset::from_hms(-5, -30, 0).unwrap());
        for s in ["0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999999+23:59", "2024-02-29T00:00:00-23:59"] {
            instant(s);
        }
        for (s, at) in [
            ("", 0),
            ("2024-01-31", 10),
            ("2024-01-31 10:00:00Z", 10),
            ("2024-01-31T10:00:00", 19),
            ("2024-01-31T10:00:00+01", 22),
            ("2024-01-31T10:00:00+0100", 22),
            ("2024-01-31T10:00:00+24:00", 19),
            ("2024-01-31T10:00:00-01:60", 19),
            ("2024-01-31T10:00:00 Z", 19),
            ("2024-01-31T10:00:00ZZ", 20),
            ("2024-01-31T10:00:00Z ", 20),
            ("2024-01-31T23:59:60Z", 17),
            ("2024-01-31T24:00:00Z", 11),
            ("2023-02-29T10:00:00Z", 8),
            ("2024-01-31T10:00:00.Z", 20),
            ("2024-01-31T10:00:00.1234567890123Z", 32),
            ("2024-01-31T10:00:00UTC", 19),
            ("yesterday", 0),
        ] {
            fails_at(date_time_offset(s), at, s);
        }
        assert_eq!(
            date_time_offset("2024-01-31T10:00:00").unwrap_err().to_string(),
            "expected 'Z' or an offset such as +01:00 after the time at position 19"
        );
    }
}
