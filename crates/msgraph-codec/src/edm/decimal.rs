//! `Edm.Decimal`.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use super::text::{not_empty, Cursor, Reason};
use super::EdmParseError;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edm::testing::{err, round_trip};

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
}
