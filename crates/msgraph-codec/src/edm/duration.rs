//! `Edm.Duration`.

use std::fmt;
use std::str::FromStr;

use super::text::{
    digits_to_u64, min_fraction_digits, not_empty, parse_fraction, serde_as_string, write_fraction, Cursor, Reason,
};
use super::EdmParseError;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edm::testing::{err, round_trip};

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
}
