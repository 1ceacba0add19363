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
//! Every type parses with [`FromStr`](std::str::FromStr) (error: [`EdmParseError`]), prints its
//! canonical wire text with [`Display`](std::fmt::Display), and (de)serializes
//! through serde as that text. Parsing never panics, whatever the input.
//!
//! Text-preserving types ([`DateTimeOffset`], [`TimeOfDay`], [`Duration`],
//! [`Decimal`]) remember enough of the input (number of fractional digits,
//! which duration components were written, the decimal digits) that printing
//! a parsed canonical value gives back exactly the text that was parsed. As a
//! consequence their `PartialEq`/`Eq`/`Hash` are *representational*: two values
//! denoting the same instant or amount but written differently are not equal.

mod binary;
mod date;
mod datetime;
mod decimal;
mod duration;
mod error;
mod text;
mod time_of_day;

pub use binary::Binary;
pub use date::Date;
pub use datetime::DateTimeOffset;
pub use decimal::Decimal;
pub use duration::Duration;
pub use error::EdmParseError;
pub use time_of_day::TimeOfDay;

/// `Edm.Guid`: re-export of [`uuid::Uuid`].
pub type Guid = uuid::Uuid;

/// What the tests of every Edm type share.
#[cfg(test)]
#[allow(clippy::panic)]
mod testing {
    use std::fmt;
    use std::str::FromStr;

    use super::EdmParseError;

    pub(super) fn err<T: FromStr<Err = EdmParseError> + fmt::Debug>(s: &str) -> EdmParseError {
        match s.parse::<T>() {
            Ok(v) => panic!("{s:?} unexpectedly parsed as {v:?}"),
            Err(e) => e,
        }
    }

    pub(super) fn round_trip<T: FromStr<Err = EdmParseError> + fmt::Display + fmt::Debug>(s: &str) {
        let v: T = s.parse().unwrap_or_else(|e| panic!("{s:?}: {e}"));
        assert_eq!(v.to_string(), s, "{v:?}");
    }
}

#[cfg(test)]
mod tests {
    use super::testing::err;
    use super::*;

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

    #[test]
    fn guid_alias() {
        let g: Guid = "9b5c8e4a-1f2d-4c3b-8a7e-6d5f4e3c2b1a".parse().unwrap();
        assert_eq!(g.to_string(), "9b5c8e4a-1f2d-4c3b-8a7e-6d5f4e3c2b1a");
    }
}
