//! Phone numbers in the format Microsoft Graph requires for authentication
//! methods (`phoneAuthenticationMethod.phoneNumber`).

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// Shortest subscriber number, in digits.
const MIN_NUMBER_DIGITS: usize = 4;
/// Longest subscriber number, in digits.
const MAX_NUMBER_DIGITS: usize = 14;
/// E.164: country code plus subscriber number.
const MAX_TOTAL_DIGITS: usize = 15;
/// Longest country code, in digits.
const MAX_COUNTRY_CODE_DIGITS: usize = 3;
/// Longest extension, in digits.
const MAX_EXTENSION_DIGITS: usize = 10;

const EXPECTED_FORMAT: &str = "expected format \"+{country code} {number}\" with an optional \
     \"x{extension}\", e.g. \"+1 5555551234\" or \"+1 5555551234x123\"";

/// A phone number in Graph's authentication-method format:
/// `+{country code} {number}` or `+{country code} {number}x{extension}`.
///
/// Rules, checked by every constructor and by `Deserialize`:
///
/// * starts with `+`;
/// * the country code is 1 to 3 ASCII digits and does not start with `0`;
/// * exactly one space separates country code and number;
/// * the subscriber number is 4 to 14 ASCII digits only (no dashes, dots,
///   parentheses or further spaces);
/// * country code and number together have at most 15 digits (E.164);
/// * optionally a lowercase `x` followed by 1 to 10 ASCII digits (the
///   extension);
/// * nothing else: no surrounding whitespace, no other characters, no
///   non-ASCII digits.
///
/// A valid input is already canonical, so [`as_str`](Self::as_str) and
/// `Display` return exactly the text that was parsed.
///
/// ```
/// use msgraph_codec::phone::{PhoneNumber, PhoneNumberError};
///
/// let phone = PhoneNumber::parse("+1 5555551234x123")?;
/// assert_eq!(phone.country_code(), 1);
/// assert_eq!(phone.number(), "5555551234");
/// assert_eq!(phone.extension(), Some("123"));
/// assert_eq!(phone.as_str(), "+1 5555551234x123");
///
/// let phone: PhoneNumber = "+44 2071234567".parse()?;
/// assert_eq!(phone.extension(), None);
///
/// let built = PhoneNumber::new(1, "5555551234", Some("123"))?;
/// assert_eq!(built.to_string(), "+1 5555551234x123");
///
/// // Dashes are not allowed in the number.
/// let err = PhoneNumber::parse("+1 555-555-1234").unwrap_err();
/// assert_eq!(err, PhoneNumberError::InvalidNumber { ch: '-', position: 6 });
/// assert!(err.to_string().starts_with("invalid character '-' at position 6 in the number"));
///
/// // The leading '+' is required.
/// assert_eq!(PhoneNumber::parse("1 5555551234"), Err(PhoneNumberError::MissingPlus { found: '1' }));
/// # Ok::<(), PhoneNumberError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PhoneNumber {
    /// The canonical text (all other fields are derived from it).
    text: String,
    country_code: u16,
    /// Byte index of the first digit of the subscriber number.
    number_start: usize,
    /// Byte index of the `x`, if there is an extension.
    extension_x: Option<usize>,
}

/// Why a string is not a valid [`PhoneNumber`].
///
/// Positions are 0-based character positions in the input (for
/// [`PhoneNumber::new`], in the text `+{country_code} {number}x{extension}`
/// it composes). Messages never repeat the whole input (it is personal data).
///
/// ```
/// use msgraph_codec::phone::{PhoneNumber, PhoneNumberError};
///
/// let err = PhoneNumber::parse("+1 5555551234x").unwrap_err();
/// assert_eq!(err, PhoneNumberError::InvalidExtension { digits: 0 });
/// assert_eq!(
///     err.to_string(),
///     "missing extension digits after 'x'; expected format \"+{country code} {number}\" \
///      with an optional \"x{extension}\", e.g. \"+1 5555551234\" or \"+1 5555551234x123\""
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PhoneNumberError {
    /// The input is empty.
    Empty,
    /// The input does not start with `+`.
    MissingPlus {
        /// The first character of the input.
        found: char,
    },
    /// The country code is missing, starts with `0`, or has more than 3 digits.
    InvalidCountryCode {
        /// Number of country code digits found.
        digits: usize,
        /// Whether the country code starts with `0`.
        leading_zero: bool,
    },
    /// The input ends right after the country code digits: no space and no number.
    MissingSpace,
    /// A second space (there must be exactly one, after the country code).
    ExtraSpace {
        /// Position of the extra space.
        position: usize,
    },
    /// A character other than a digit in the subscriber number (e.g. `-`, `(`,
    /// a letter, a non-ASCII digit).
    InvalidNumber {
        /// The offending character.
        ch: char,
        /// Its position.
        position: usize,
    },
    /// The subscriber number is not 4 to 14 digits long (0 when missing).
    NumberLength {
        /// Number of digits found.
        digits: usize,
    },
    /// Country code and number together are longer than the 15 digits E.164 allows.
    TooManyDigits {
        /// Country code digits plus number digits.
        digits: usize,
    },
    /// The extension after `x` is not 1 to 10 digits long.
    InvalidExtension {
        /// Number of extension digits found.
        digits: usize,
    },
    /// A character that is not allowed where it appears (outside the
    /// subscriber number, e.g. in the country code or the extension).
    UnexpectedCharacter {
        /// The offending character.
        ch: char,
        /// Its position.
        position: usize,
    },
}

impl fmt::Display for PhoneNumberError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            PhoneNumberError::Empty => f.write_str("phone number is empty")?,
            PhoneNumberError::MissingPlus { found } => {
                write!(f, "phone number must start with '+', found {found:?}")?;
            }
            PhoneNumberError::InvalidCountryCode { digits: 0, .. } => {
                f.write_str("missing country code after '+'")?;
            }
            PhoneNumberError::InvalidCountryCode { leading_zero: true, .. } => {
                f.write_str("country code must not start with 0")?
            }
            PhoneNumberError::InvalidCountryCode { digits, .. } => {
                write!(f, "country code has {digits} digits, at most {MAX_COUNTRY_CODE_DIGITS} are allowed")?
            }
            PhoneNumberError::MissingSpace => {
                f.write_str("missing the space between the country code and the number")?;
            }
            PhoneNumberError::ExtraSpace { position } => write!(
                f,
                "unexpected extra space at position {position}: exactly one space, between the \
                 country code and the number, is allowed"
            )?,
            PhoneNumberError::InvalidNumber { ch, position } => write!(
                f,
                "invalid character {ch:?} at position {position} in the number: the number must \
                 be digits 0-9 only, without spaces, dashes, dots or parentheses"
            )?,
            PhoneNumberError::NumberLength { digits: 0 } => {
                f.write_str("missing the number after the country code")?;
            }
            PhoneNumberError::NumberLength { digits } => {
                write!(f, "the number has {digits} digits, expected {MIN_NUMBER_DIGITS} to {MAX_NUMBER_DIGITS}")?
            }
            PhoneNumberError::TooManyDigits { digits } => write!(
                f,
                "country code and number have {digits} digits together, at most \
                 {MAX_TOTAL_DIGITS} are allowed (E.164)"
            )?,
            PhoneNumberError::InvalidExtension { digits: 0 } => {
                f.write_str("missing extension digits after 'x'")?;
            }
            PhoneNumberError::InvalidExtension { digits } => {
                write!(f, "the extension has {digits} digits, at most {MAX_EXTENSION_DIGITS} are allowed")?
            }
            PhoneNumberError::UnexpectedCharacter { ch, position } => {
                write!(f, "unexpected character {ch:?} at position {position}")?;
            }
        }
        write!(f, "; {EXPECTED_FORMAT}")
    }
}

impl std::error::Error for PhoneNumberError {}

/// Offsets of a validated phone number's parts.
struct Parts {
    country_code: u16,
    number_start: usize,
    extension_x: Option<usize>,
}

/// The character at byte index `pos` (a char boundary: everything before it
/// is ASCII, since validation stops at the first non-ASCII character).
fn char_at(s: &str, pos: usize) -> char {
    s.get(pos..).and_then(|rest| rest.chars().next()).unwrap_or(char::REPLACEMENT_CHARACTER)
}

/// Index just past the run of ASCII digits starting at `pos`.
fn skip_digits(bytes: &[u8], mut pos: usize) -> usize {
    while bytes.get(pos).is_some_and(u8::is_ascii_digit) {
        pos += 1;
    }
    pos
}

/// Validates `s`. Every byte before a reported position is ASCII, so byte
/// indexes double as character positions.
fn validate(s: &str) -> Result<Parts, PhoneNumberError> {
    let bytes = s.as_bytes();
    match bytes.first() {
        None => return Err(PhoneNumberError::Empty),
        Some(b'+') => {}
        Some(_) => return Err(PhoneNumberError::MissingPlus { found: char_at(s, 0) }),
    }

    // Country code.
    let cc_end = skip_digits(bytes, 1);
    let cc = bytes.get(1..cc_end).unwrap_or_default();
    let invalid_cc =
        || PhoneNumberError::InvalidCountryCode { digits: cc.len(), leading_zero: cc.first() == Some(&b'0') };
    match bytes.get(cc_end) {
        Some(b' ') => {}
        None if !cc.is_empty() => return Err(PhoneNumberError::MissingSpace),
        None => return Err(invalid_cc()),
        Some(_) => return Err(PhoneNumberError::UnexpectedCharacter { ch: char_at(s, cc_end), position: cc_end }),
    }
    if cc.is_empty() || cc.len() > MAX_COUNTRY_CODE_DIGITS || cc.first() == Some(&b'0') {
        return Err(invalid_cc());
    }
    let country_code = cc.iter().fold(0u16, |acc, b| acc * 10 + u16::from(b - b'0'));

    // Subscriber number.
    let number_start = cc_end + 1;
    let number_end = skip_digits(bytes, number_start);
    match bytes.get(number_end) {
        None | Some(b'x') => {}
        Some(b' ') => return Err(PhoneNumberError::ExtraSpace { position: number_end }),
        Some(_) => return Err(PhoneNumberError::InvalidNumber { ch: char_at(s, number_end), position: number_end }),
    }
    let number_digits = number_end - number_start;
    if !(MIN_NUMBER_DIGITS..=MAX_NUMBER_DIGITS).contains(&number_digits) {
        return Err(PhoneNumberError::NumberLength { digits: number_digits });
    }
    if cc.len() + number_digits > MAX_TOTAL_DIGITS {
        return Err(PhoneNumberError::TooManyDigits { digits: cc.len() + number_digits });
    }

    // Extension.
    let extension_x = (number_end < bytes.len()).then_some(number_end);
    if let Some(x) = extension_x {
        let ext_end = skip_digits(bytes, x + 1);
        match bytes.get(ext_end) {
            None => {}
            Some(b' ') => return Err(PhoneNumberError::ExtraSpace { position: ext_end }),
            Some(_) => {
                return Err(PhoneNumberError::UnexpectedCharacter { ch: char_at(s, ext_end), position: ext_end })
            }
        }
        let ext_digits = ext_end - (x + 1);
        if ext_digits == 0 || ext_digits > MAX_EXTENSION_DIGITS {
            return Err(PhoneNumberError::InvalidExtension { digits: ext_digits });
        }
    }

    Ok(Parts { country_code, number_start, extension_x })
}

impl PhoneNumber {
    /// Parses and validates `s` (see the [type docs](PhoneNumber) for the rules).
    ///
    /// ```
    /// use msgraph_codec::phone::{PhoneNumber, PhoneNumberError};
    ///
    /// assert!(PhoneNumber::parse("+1 5555551234").is_ok());
    /// assert!(PhoneNumber::parse("+353 861234567x42").is_ok());
    /// assert_eq!(PhoneNumber::parse("+1  5555551234"), Err(PhoneNumberError::ExtraSpace { position: 3 }));
    /// assert_eq!(
    ///     PhoneNumber::parse("+01 5555551234"),
    ///     Err(PhoneNumberError::InvalidCountryCode { digits: 2, leading_zero: true })
    /// );
    /// ```
    pub fn parse(s: &str) -> Result<Self, PhoneNumberError> {
        let parts = validate(s)?;
        Ok(Self::from_parts(s.to_owned(), parts))
    }

    /// Builds `+{country_code} {number}` or `+{country_code} {number}x{extension}`
    /// and validates it.
    ///
    /// ```
    /// use msgraph_codec::phone::{PhoneNumber, PhoneNumberError};
    ///
    /// assert_eq!(PhoneNumber::new(44, "2071234567", None)?.as_str(), "+44 2071234567");
    /// assert_eq!(
    ///     PhoneNumber::new(1, "555 5551234", None),
    ///     Err(PhoneNumberError::InvalidNumber { ch: ' ', position: 6 })
    /// );
    /// assert_eq!(
    ///     PhoneNumber::new(0, "5555551234", None),
    ///     Err(PhoneNumberError::InvalidCountryCode { digits: 1, leading_zero: true })
    /// );
    /// # Ok::<(), PhoneNumberError>(())
    /// ```
    pub fn new(country_code: u16, number: &str, extension: Option<&str>) -> Result<Self, PhoneNumberError> {
        let cc = country_code.to_string();
        if country_code == 0 || cc.len() > MAX_COUNTRY_CODE_DIGITS {
            return Err(PhoneNumberError::InvalidCountryCode { digits: cc.len(), leading_zero: country_code == 0 });
        }
        // Reject non-digits up front so that e.g. an 'x' or a space inside
        // `number` cannot be mistaken for a separator of the composed text.
        let number_start = 1 + cc.len() + 1;
        if let Some((i, ch)) = number.chars().enumerate().find(|(_, c)| !c.is_ascii_digit()) {
            return Err(PhoneNumberError::InvalidNumber { ch, position: number_start + i });
        }
        let mut text = format!("+{cc} {number}");
        if let Some(extension) = extension {
            let ext_start = text.len() + 1;
            if let Some((i, ch)) = extension.chars().enumerate().find(|(_, c)| !c.is_ascii_digit()) {
                return Err(PhoneNumberError::UnexpectedCharacter { ch, position: ext_start + i });
            }
            text.push('x');
            text.push_str(extension);
        }
        Self::try_from(text)
    }

    fn from_parts(text: String, parts: Parts) -> Self {
        PhoneNumber {
            text,
            country_code: parts.country_code,
            number_start: parts.number_start,
            extension_x: parts.extension_x,
        }
    }

    /// The country code, e.g. `1` for `+1 5555551234`.
    pub fn country_code(&self) -> u16 {
        self.country_code
    }

    /// The subscriber number digits, e.g. `"5555551234"`.
    pub fn number(&self) -> &str {
        let end = self.extension_x.unwrap_or(self.text.len());
        self.text.get(self.number_start..end).unwrap_or_default()
    }

    /// The extension digits (without the `x`), if any.
    pub fn extension(&self) -> Option<&str> {
        self.extension_x.and_then(|x| self.text.get(x + 1..))
    }

    /// The canonical text, e.g. `"+1 5555551234x123"`.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PhoneNumber").field(&self.text).finish()
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl AsRef<str> for PhoneNumber {
    fn as_ref(&self) -> &str {
        &self.text
    }
}

impl FromStr for PhoneNumber {
    type Err = PhoneNumberError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<&str> for PhoneNumber {
    type Error = PhoneNumberError;

    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Self::parse(s)
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = PhoneNumberError;

    /// Validates `s`, reusing its allocation.
    fn try_from(s: String) -> Result<Self, Self::Error> {
        let parts = validate(&s)?;
        Ok(Self::from_parts(s, parts))
    }
}

impl From<PhoneNumber> for String {
    fn from(phone: PhoneNumber) -> Self {
        phone.text
    }
}

impl Serialize for PhoneNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

struct PhoneNumberVisitor;

impl Visitor<'_> for PhoneNumberVisitor {
    type Value = PhoneNumber;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a phone number string like \"+1 5555551234\" or \"+1 5555551234x123\"")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<PhoneNumber, E> {
        PhoneNumber::parse(v).map_err(E::custom)
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<PhoneNumber, E> {
        PhoneNumber::try_from(v).map_err(E::custom)
    }
}

impl<'de> Deserialize<'de> for PhoneNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_string(PhoneNumberVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PhoneNumberError as E;

    #[test]
    fn valid_numbers() {
        let cases: &[(&str, u16, &str, Option<&str>)] = &[
            ("+1 5555551234", 1, "5555551234", None),
            ("+1 5555551234x123", 1, "5555551234", Some("123")),
            ("+44 2071234567", 44, "2071234567", None),
            ("+353 861234567x1", 353, "861234567", Some("1")),
            ("+999 1234", 999, "1234", None),
            ("+1 12345678901234", 1, "12345678901234", None),
            ("+12 1234567890123", 12, "1234567890123", None),
            ("+123 123456789012", 123, "123456789012", None),
            ("+1 5555551234x1234567890", 1, "5555551234", Some("1234567890")),
            ("+7 0000", 7, "0000", None),
            ("+1 5555551234x0", 1, "5555551234", Some("0")),
        ];
        for &(s, cc, number, ext) in cases {
            let p = PhoneNumber::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(p.country_code(), cc, "{s}");
            assert_eq!(p.number(), number, "{s}");
            assert_eq!(p.extension(), ext, "{s}");
            assert_eq!(p.as_str(), s);
            assert_eq!(p.to_string(), s);
            assert_eq!(String::from(p.clone()), s);
            assert_eq!(s.parse::<PhoneNumber>().unwrap(), p);
            assert_eq!(PhoneNumber::try_from(s).unwrap(), p);
            assert_eq!(PhoneNumber::try_from(s.to_owned()).unwrap(), p);
            assert_eq!(PhoneNumber::new(cc, number, ext).unwrap(), p);
        }
    }

    #[test]
    fn invalid_numbers() {
        let cases: &[(&str, PhoneNumberError)] = &[
            ("", E::Empty),
            ("1 5555551234", E::MissingPlus { found: '1' }),
            (" +1 5555551234", E::MissingPlus { found: ' ' }),
            ("＋1 5555551234", E::MissingPlus { found: '＋' }),
            ("+", E::InvalidCountryCode { digits: 0, leading_zero: false }),
            ("+ 5555551234", E::InvalidCountryCode { digits: 0, leading_zero: false }),
            ("+01 5555551234", E::InvalidCountryCode { digits: 2, leading_zero: true }),
            ("+0 5555551234", E::InvalidCountryCode { digits: 1, leading_zero: true }),
            ("+1234 5555551234", E::InvalidCountryCode { digits: 4, leading_zero: false }),
            ("+1", E::MissingSpace),
            ("+15555551234", E::MissingSpace),
            ("+1-555-555-1234", E::UnexpectedCharacter { ch: '-', position: 2 }),
            ("+(1) 5555551234", E::UnexpectedCharacter { ch: '(', position: 1 }),
            ("+1\t5555551234", E::UnexpectedCharacter { ch: '\t', position: 2 }),
            ("+1\u{a0}5555551234", E::UnexpectedCharacter { ch: '\u{a0}', position: 2 }),
            ("+1  5555551234", E::ExtraSpace { position: 3 }),
            ("+1 555 555 1234", E::ExtraSpace { position: 6 }),
            ("+1 5555551234 ", E::ExtraSpace { position: 13 }),
            ("+1 5555551234 x123", E::ExtraSpace { position: 13 }),
            ("+1 5555551234x123 ", E::ExtraSpace { position: 17 }),
            ("+1 555-555-1234", E::InvalidNumber { ch: '-', position: 6 }),
            ("+1 (555) 5551234", E::InvalidNumber { ch: '(', position: 3 }),
            ("+1 555.555.1234", E::InvalidNumber { ch: '.', position: 6 }),
            ("+1 5555551234X123", E::InvalidNumber { ch: 'X', position: 13 }),
            ("+1 5555551234\n", E::InvalidNumber { ch: '\n', position: 13 }),
            ("+1 ５５５５５５１２３４", E::InvalidNumber { ch: '５', position: 3 }),
            ("+1 555５551234", E::InvalidNumber { ch: '５', position: 6 }),
            ("+1 ", E::NumberLength { digits: 0 }),
            ("+1 x123", E::NumberLength { digits: 0 }),
            ("+1 555", E::NumberLength { digits: 3 }),
            ("+1 555x1234", E::NumberLength { digits: 3 }),
            ("+1 123456789012345", E::NumberLength { digits: 15 }),
            ("+12 12345678901234", E::TooManyDigits { digits: 16 }),
            ("+123 1234567890123", E::TooManyDigits { digits: 16 }),
            ("+1 5555551234x", E::InvalidExtension { digits: 0 }),
            ("+1 5555551234x12345678901", E::InvalidExtension { digits: 11 }),
            ("+1 5555551234x12a", E::UnexpectedCharacter { ch: 'a', position: 16 }),
            ("+1 5555551234x1x2", E::UnexpectedCharacter { ch: 'x', position: 15 }),
            ("+1 5555551234xx", E::UnexpectedCharacter { ch: 'x', position: 14 }),
            ("+1 5555551234x１", E::UnexpectedCharacter { ch: '１', position: 14 }),
            ("+1 5555551234ext123", E::InvalidNumber { ch: 'e', position: 13 }),
        ];
        for (s, expected) in cases {
            assert_eq!(PhoneNumber::parse(s).as_ref(), Err(expected), "{s:?}");
            assert_eq!(s.parse::<PhoneNumber>().as_ref(), Err(expected), "{s:?}");
            assert_eq!(PhoneNumber::try_from(s.to_string()).as_ref(), Err(expected), "{s:?}");
            let message = expected.to_string();
            assert!(message.contains(EXPECTED_FORMAT), "{message}");
        }
    }

    #[test]
    fn messages() {
        let msg = |s: &str| PhoneNumber::parse(s).unwrap_err().to_string();
        let strip = |m: String| m.trim_end_matches(EXPECTED_FORMAT).trim_end_matches("; ").to_owned();
        assert_eq!(strip(msg("")), "phone number is empty");
        assert_eq!(strip(msg("1 5555551234")), "phone number must start with '+', found '1'");
        assert_eq!(strip(msg("+ 5555551234")), "missing country code after '+'");
        assert_eq!(strip(msg("+01 5555551234")), "country code must not start with 0");
        assert_eq!(strip(msg("+1234 5555551234")), "country code has 4 digits, at most 3 are allowed");
        assert_eq!(strip(msg("+15555551234")), "missing the space between the country code and the number");
        assert_eq!(
            strip(msg("+1  5555551234")),
            "unexpected extra space at position 3: exactly one space, between the country code and the number, is allowed"
        );
        assert_eq!(
            strip(msg("+1 555-555-1234")),
            "invalid character '-' at position 6 in the number: the number must be digits 0-9 only, without spaces, dashes, dots or parentheses"
        );
        assert_eq!(strip(msg("+1 ")), "missing the number after the country code");
        assert_eq!(strip(msg("+1 555")), "the number has 3 digits, expected 4 to 14");
        assert_eq!(
            strip(msg("+12 12345678901234")),
            "country code and number have 16 digits together, at most 15 are allowed (E.164)"
        );
        assert_eq!(strip(msg("+1 5555551234x")), "missing extension digits after 'x'");
        assert_eq!(strip(msg("+1 5555551234x12345678901")), "the extension has 11 digits, at most 10 are allowed");
        assert_eq!(strip(msg("+1-5555551234")), "unexpected character '-' at position 2");
        assert_eq!(strip(msg("+1 5555551234\n")), "invalid character '\\n' at position 13 in the number: the number must be digits 0-9 only, without spaces, dashes, dots or parentheses");
        let full = msg("+1 555-555-1234");
        assert!(full.ends_with(
            "; expected format \"+{country code} {number}\" with an optional \"x{extension}\", e.g. \"+1 5555551234\" or \"+1 5555551234x123\""
        ), "{full}");
        let boxed: Box<dyn std::error::Error> = Box::new(E::Empty);
        assert!(boxed.to_string().starts_with("phone number is empty"));
    }

    #[test]
    fn very_long_inputs() {
        let digits = "1".repeat(100_000);
        assert_eq!(PhoneNumber::parse(&format!("+1 {digits}")), Err(E::NumberLength { digits: 100_000 }));
        assert_eq!(
            PhoneNumber::parse(&format!("+{digits} 5555")),
            Err(E::InvalidCountryCode { digits: 100_000, leading_zero: false })
        );
        assert_eq!(PhoneNumber::parse(&format!("+{digits}")), Err(E::MissingSpace));
        assert_eq!(
            PhoneNumber::parse(&format!("+1 5555551234x{digits}")),
            Err(E::InvalidExtension { digits: 100_000 })
        );
        let junk = "é".repeat(100_000);
        assert_eq!(PhoneNumber::parse(&junk), Err(E::MissingPlus { found: 'é' }));
        assert_eq!(PhoneNumber::parse(&format!("+1 5555{junk}")), Err(E::InvalidNumber { ch: 'é', position: 7 }));
        // Error messages stay short whatever the input.
        assert!(PhoneNumber::parse(&format!("+1 {digits}")).unwrap_err().to_string().len() < 200);
    }

    #[test]
    fn no_panics_on_odd_input() {
        for s in [
            "+",
            "++",
            "+1 ",
            "+1 x",
            "x",
            "\0",
            "+\u{1F600}",
            "+1 \u{1F600}",
            "+1 5555x\u{1F600}",
            "+１",
            "+1 ５",
            "\u{200B}+1 5555551234",
            "+1 5555551234\u{200B}",
        ] {
            assert!(PhoneNumber::parse(s).is_err(), "{s:?}");
        }
    }

    #[test]
    fn new_validates() {
        assert_eq!(PhoneNumber::new(1, "5555551234", None).unwrap().as_str(), "+1 5555551234");
        assert_eq!(PhoneNumber::new(1, "5555551234", Some("123")).unwrap().as_str(), "+1 5555551234x123");
        assert_eq!(
            PhoneNumber::new(0, "5555551234", None),
            Err(E::InvalidCountryCode { digits: 1, leading_zero: true })
        );
        assert_eq!(
            PhoneNumber::new(1000, "5555551234", None),
            Err(E::InvalidCountryCode { digits: 4, leading_zero: false })
        );
        assert_eq!(PhoneNumber::new(1, "555-5551234", None), Err(E::InvalidNumber { ch: '-', position: 6 }));
        // An 'x' in the number is not taken as the extension separator.
        assert_eq!(PhoneNumber::new(1, "5555551234x1", None), Err(E::InvalidNumber { ch: 'x', position: 13 }));
        assert_eq!(PhoneNumber::new(1, "", None), Err(E::NumberLength { digits: 0 }));
        assert_eq!(PhoneNumber::new(1, "555", None), Err(E::NumberLength { digits: 3 }));
        assert_eq!(PhoneNumber::new(123, "1234567890123", None), Err(E::TooManyDigits { digits: 16 }));
        assert_eq!(PhoneNumber::new(1, "5555551234", Some("")), Err(E::InvalidExtension { digits: 0 }));
        assert_eq!(
            PhoneNumber::new(1, "5555551234", Some("12 3")),
            Err(E::UnexpectedCharacter { ch: ' ', position: 16 })
        );
        assert_eq!(
            PhoneNumber::new(1, "5555551234", Some("x1")),
            Err(E::UnexpectedCharacter { ch: 'x', position: 14 })
        );
        assert_eq!(PhoneNumber::new(1, "５５５５", None), Err(E::InvalidNumber { ch: '５', position: 3 }));
    }

    #[test]
    fn serde() {
        let p: PhoneNumber = serde_json::from_str(r#""+1 5555551234x123""#).unwrap();
        assert_eq!(p.extension(), Some("123"));
        assert_eq!(serde_json::to_string(&p).unwrap(), r#""+1 5555551234x123""#);
        let p: PhoneNumber = serde_json::from_value(serde_json::json!("+44 2071234567")).unwrap();
        assert_eq!(p.country_code(), 44);

        let e = serde_json::from_str::<PhoneNumber>(r#""+1 555-555-1234""#).unwrap_err();
        assert!(e.to_string().contains("invalid character '-' at position 6"), "{e}");
        let e = serde_json::from_str::<PhoneNumber>("15555551234").unwrap_err();
        assert!(e.to_string().contains("phone number string"), "{e}");
        assert!(serde_json::from_str::<PhoneNumber>("null").is_err());
    }

    #[test]
    fn debug_and_traits() {
        let p = PhoneNumber::parse("+1 5555551234").unwrap();
        assert_eq!(format!("{p:?}"), r#"PhoneNumber("+1 5555551234")"#);
        assert_eq!(p.as_ref(), "+1 5555551234");
        let q = PhoneNumber::parse("+1 5555551235").unwrap();
        assert!(p < q);
        let set: std::collections::HashSet<_> = [p.clone(), q, p].into_iter().collect();
        assert_eq!(set.len(), 2);
    }
}
