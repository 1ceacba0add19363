//! Phone numbers as Graph requires them for phone authentication methods
//! (`phoneAuthenticationMethod.phoneNumber`): `+{country code} {number}`, optionally followed
//! by `x{extension}`, e.g. `+1 5555551234` or `+1 5555551234x123`.
//!
//! * a `+`, then the country code: 1 to 3 digits, not starting with `0` (E.164 country codes
//!   run from 1 to 999);
//! * exactly one space;
//! * the subscriber number: 4 to 14 digits and nothing else (no dashes, dots, parentheses or
//!   further spaces), at most 15 digits together with the country code (E.164);
//! * optionally a lowercase `x` and an extension of 1 to 10 digits;
//! * nothing before or after. Digits are ASCII `0`–`9`.
//!
//! A valid number is its own canonical form. Errors name the first problem and its position
//! (0-based, in characters), never the number itself (it is personal data).

use std::fmt;

/// The format, in words, for error messages.
pub(crate) const FORMAT: &str =
    "\"+{country code} {number}\" with an optional \"x{extension}\", e.g. \"+1 5555551234\" or \"+1 5555551234x123\"";

const COUNTRY_CODE_DIGITS: std::ops::RangeInclusive<usize> = 1..=3;
const NUMBER_DIGITS: std::ops::RangeInclusive<usize> = 4..=14;
const E164_DIGITS: usize = 15;
const EXTENSION_DIGITS: std::ops::RangeInclusive<usize> = 1..=10;

/// Why a text is not a phone number in Graph's format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PhoneError {
    /// The text is empty.
    Empty,
    /// The first character is not `+`.
    NoPlus(char),
    /// No digits after the `+`.
    NoCountryCode,
    /// The country code starts with `0`.
    CountryCodeZero,
    /// More than 3 country code digits.
    CountryCodeLength(usize),
    /// The text ends after the country code.
    NoSpace,
    /// A character that does not belong where it is (`position`).
    Unexpected(char, usize),
    /// A space where there may be none (only one, after the country code).
    ExtraSpace(usize),
    /// A non-digit inside the subscriber number.
    NotADigit(char, usize),
    /// The subscriber number has this many digits (0: missing).
    NumberLength(usize),
    /// Country code and number have this many digits together.
    TooLong(usize),
    /// The extension has this many digits (0: nothing after the `x`).
    ExtensionLength(usize),
}

impl fmt::Display for PhoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            PhoneError::Empty => f.write_str("the phone number is empty"),
            PhoneError::NoPlus(c) => write!(f, "a phone number starts with '+', not {c:?}"),
            PhoneError::NoCountryCode => f.write_str("the country code is missing after '+'"),
            PhoneError::CountryCodeZero => f.write_str("the country code cannot start with 0"),
            PhoneError::CountryCodeLength(n) => write!(f, "the country code has {n} digits, at most 3 are allowed"),
            PhoneError::NoSpace => f.write_str("a space must separate the country code and the number"),
            PhoneError::Unexpected(c, at) => write!(f, "unexpected character {c:?} at position {at}"),
            PhoneError::ExtraSpace(at) => write!(
                f,
                "unexpected space at position {at}: the only space is the one between country code and number"
            ),
            PhoneError::NotADigit(c, at) => {
                write!(f, "invalid character {c:?} at position {at} in the number: use digits 0-9 only")
            }
            PhoneError::NumberLength(0) => f.write_str("the number is missing after the country code"),
            PhoneError::NumberLength(n) => write!(f, "the number has {n} digits, it must have 4 to 14"),
            PhoneError::TooLong(n) => {
                write!(f, "country code and number have {n} digits, at most {E164_DIGITS} are allowed (E.164)")
            }
            PhoneError::ExtensionLength(0) => f.write_str("the extension is missing after 'x'"),
            PhoneError::ExtensionLength(n) => write!(f, "the extension has {n} digits, at most 10 are allowed"),
        }
    }
}

impl std::error::Error for PhoneError {}

/// Splits off the leading run of ASCII digits.
fn leading_digits(s: &str) -> (&str, &str) {
    s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()))
}

fn first(rest: &str) -> Option<char> {
    rest.chars().next()
}

/// Checks `text` against Graph's phone number format.
pub(crate) fn check(text: &str) -> Result<(), PhoneError> {
    let after_plus = match text.strip_prefix('+') {
        Some(rest) => rest,
        None => return Err(first(text).map_or(PhoneError::Empty, PhoneError::NoPlus)),
    };
    // Everything consumed so far is ASCII, so byte offsets are character positions.
    let (cc, rest) = leading_digits(after_plus);
    let mut at = 1 + cc.len();
    match first(rest) {
        None | Some(' ') if cc.is_empty() => return Err(PhoneError::NoCountryCode),
        None => return Err(PhoneError::NoSpace),
        Some(' ') => {}
        Some(c) => return Err(PhoneError::Unexpected(c, at)),
    }
    if cc.starts_with('0') {
        return Err(PhoneError::CountryCodeZero);
    }
    if !COUNTRY_CODE_DIGITS.contains(&cc.len()) {
        return Err(PhoneError::CountryCodeLength(cc.len()));
    }

    at += 1;
    let (number, rest) = leading_digits(&rest[1..]);
    at += number.len();
    let extension = match first(rest) {
        None => None,
        Some('x') => Some(&rest[1..]),
        Some(' ') => return Err(PhoneError::ExtraSpace(at)),
        Some(c) => return Err(PhoneError::NotADigit(c, at)),
    };
    if !NUMBER_DIGITS.contains(&number.len()) {
        return Err(PhoneError::NumberLength(number.len()));
    }
    if cc.len() + number.len() > E164_DIGITS {
        return Err(PhoneError::TooLong(cc.len() + number.len()));
    }

    if let Some(ext) = extension {
        at += 1;
        let (digits, rest) = leading_digits(ext);
        at += digits.len();
        match first(rest) {
            None => {}
            Some(' ') => return Err(PhoneError::ExtraSpace(at)),
            Some(c) => return Err(PhoneError::Unexpected(c, at)),
        }
        if !EXTENSION_DIGITS.contains(&digits.len()) {
            return Err(PhoneError::ExtensionLength(digits.len()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::PhoneError as E;
    use super::*;

    #[test]
    fn valid() {
        for s in [
            "+1 5555551234",
            "+1 5555551234x123",
            "+44 2071234567",
            "+353 861234567x1",
            "+49 3012345678",
            // Boundaries: shortest and longest parts.
            "+1 1234",
            "+999 1234",
            "+1 12345678901234",
            "+12 1234567890123",
            "+123 123456789012",
            "+1 5555551234x0",
            "+1 5555551234x1234567890",
            "+7 0000",
        ] {
            assert_eq!(check(s), Ok(()), "{s}");
        }
    }

    #[test]
    fn invalid() {
        for (s, e) in [
            ("", E::Empty),
            ("5555551234", E::NoPlus('5')),
            (" +1 5555551234", E::NoPlus(' ')),
            ("＋1 5555551234", E::NoPlus('＋')),
            ("+", E::NoCountryCode),
            ("+ 5555551234", E::NoCountryCode),
            ("+0 5555551234", E::CountryCodeZero),
            ("+01 5555551234", E::CountryCodeZero),
            ("+1234 5555551234", E::CountryCodeLength(4)),
            ("+1", E::NoSpace),
            ("+15555551234", E::NoSpace),
            ("+1-555-555-1234", E::Unexpected('-', 2)),
            ("+(1) 5555551234", E::Unexpected('(', 1)),
            ("+1\t5555551234", E::Unexpected('\t', 2)),
            ("+1\u{a0}5555551234", E::Unexpected('\u{a0}', 2)),
            ("+1  5555551234", E::ExtraSpace(3)),
            ("+1 555 555 1234", E::ExtraSpace(6)),
            ("+1 5555551234 ", E::ExtraSpace(13)),
            ("+1 5555551234 x1", E::ExtraSpace(13)),
            ("+1 5555551234x12 ", E::ExtraSpace(16)),
            ("+1 555-555-1234", E::NotADigit('-', 6)),
            ("+1 (555) 5551234", E::NotADigit('(', 3)),
            ("+1 555.555.1234", E::NotADigit('.', 6)),
            ("+1 5555551234X1", E::NotADigit('X', 13)),
            ("+1 5555551234ext1", E::NotADigit('e', 13)),
            ("+1 5555551234\n", E::NotADigit('\n', 13)),
            ("+1 ５５５５", E::NotADigit('５', 3)),
            ("+1 ", E::NumberLength(0)),
            ("+1 x12", E::NumberLength(0)),
            ("+1 123", E::NumberLength(3)),
            ("+1 123x4567", E::NumberLength(3)),
            ("+1 123456789012345", E::NumberLength(15)),
            ("+12 12345678901234", E::TooLong(16)),
            ("+123 1234567890123", E::TooLong(16)),
            ("+1 5555551234x", E::ExtensionLength(0)),
            ("+1 5555551234x12345678901", E::ExtensionLength(11)),
            ("+1 5555551234x12a", E::Unexpected('a', 16)),
            ("+1 5555551234x1x2", E::Unexpected('x', 15)),
            ("+1 5555551234xx", E::Unexpected('x', 14)),
            ("+1 5555551234x１", E::Unexpected('１', 14)),
        ] {
            assert_eq!(check(s), Err(e), "{s:?}");
        }
    }

    #[test]
    fn messages_point_at_the_problem_without_repeating_the_number() {
        let msg = |s: &str| check(s).unwrap_err().to_string();
        assert_eq!(msg("+1 555-555-1234"), "invalid character '-' at position 6 in the number: use digits 0-9 only");
        assert_eq!(msg("+15555551234"), "a space must separate the country code and the number");
        assert_eq!(msg("+1 555"), "the number has 3 digits, it must have 4 to 14");
        assert_eq!(msg("+1 5555551234x"), "the extension is missing after 'x'");
        let long = format!("+1 {}", "5".repeat(100_000));
        assert_eq!(check(&long), Err(E::NumberLength(100_000)));
        assert!(msg(&long).len() < 100);
        assert!(!msg("+1 555-555-1234").contains("555"));
    }

    #[test]
    fn odd_input_does_not_panic() {
        for s in
            ["+", "++", "+1 x", "x", "\0", "+\u{1F600}", "+1 \u{1F600}", "+1 5555x\u{1F600}", "+1 5555551234\u{200B}"]
        {
            assert!(check(s).is_err(), "{s:?}");
        }
    }
}
