//! `Edm.Date`.

use std::fmt;
use std::str::FromStr;

use super::text::{not_empty, parse_date, serde_as_string, write_date, Cursor, Reason};
use super::EdmParseError;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edm::testing::{err, round_trip};
    use time::Month;

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
}
