//! `Edm.TimeOfDay`.

use std::fmt;
use std::str::FromStr;

use time::Time;

use super::text::{min_fraction_digits, not_empty, parse_time, serde_as_string, write_time, Cursor, Reason};
use super::EdmParseError;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edm::testing::{err, round_trip};

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
}
